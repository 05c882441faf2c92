/* The HTTP server: h2o with the evloop backend, one event loop and one SO_REUSEPORT
 * listener per thread, each thread with its own store handle and metrics table.
 *
 * It knows no plane: the program (app/) gives it a table of planes by path prefix, a hook
 * that runs on every request before its plane (the gateway's path normalisation), hooks
 * for each thread (set up, periodic work, stopping), and optionally a listening Unix socket
 * whose peers (kiln's workers) reach only the planes under one prefix, and optionally a
 * second TCP listener (the UI origin, --ui-listen) whose peers reach only a plane table of
 * its own and never kiln's (nor do kiln's peers reach its). Handlers run on the
 * HTTP thread and must never block on a worker, a remote or the network: work done
 * elsewhere is answered through the thread's completions receiver (base/completion.h).
 *
 *   http_open   resolves HOST:PORT, binds a listener and opens a store handle per thread
 *   http_run    serves until http_stop, then stops accepting and drains in-flight requests
 *   http_close  closes what http_open opened */
#ifndef KILN_SERVER_H
#define KILN_SERVER_H

#include <h2o.h>
#include <signal.h>

#include "http/metrics.h"
#include "http/request.h"
#include "store/store.h"

struct http_server;
struct http_thread;

#define HTTP_THREADS_MAX 256 /* event-loop threads at most */

/* A plane: the handler of every path under `prefix` (the whole path when `exact`).
 * `credential`: it answers nothing but 401 without a credential header, so a body sent
 * without one is refused as soon as its head has arrived (http/bodygate.h). `metric`: the
 * route name its requests are counted under in /metrics (NULL: the handler says).
 * `offload`: its requests (but HEAD, whose answer's length a capture loses) run on a store
 * thread when store threads run (http/offplane.h: only for a handler that answers at once). */
typedef struct http_plane {
    const char *prefix;
    int exact, credential;
    void (*fn)(kreq_t *kr);
    const char *metric;
    int offload;
} http_plane_t;

typedef struct http_config {
    const char *listen;     /* HOST:PORT ([v6]:PORT); port 0 picks one, for every thread */
    unsigned threads;       /* event-loop threads, 1..HTTP_THREADS_MAX */
    const char *public_url; /* base of self links; NULL: http://HOST:PORT */
    const char *data_dir;   /* each thread opens a store handle on it */
    const http_plane_t *planes;
    size_t nplanes;
    int unix_fd;                                  /* a listening Unix socket, or -1; http_close closes it */
    const char *unix_prefix;                      /* the only planes its peers reach (e.g. "/_proxy/") */
    size_t max_buffered, max_buffered_per_client; /* http/bodygate.h; 0: its defaults */
    const char *ui_listen;                        /* the UI origin's HOST:PORT, or NULL: none */
    const http_plane_t *ui_planes;                /* the only planes its peers reach */
    size_t ui_nplanes;
    /* Hooks from above, all optional, each with `arg`: */
    int (*prepare)(kreq_t *kr);                                     /* before the plane: 0, or -1 after replying */
    void (*thread_init)(struct http_thread *t, void *arg);          /* on the thread, before its loop runs */
    void (*tick)(struct http_thread *t, int64_t now_ms, void *arg); /* each turn of its loop (~100 ms) */
    void (*thread_stopping)(struct http_thread *t, void *arg);      /* once stopping, before it drains */
    void (*thread_exit)(struct http_thread *t, void *arg);          /* after it drained, before it ends */
    void *arg;
} http_config_t;

typedef struct http_thread {
    h2o_context_t ctx; /* first: h2o hands us &ctx, we cast back */
    h2o_accept_ctx_t accept_ctx;
    struct http_server *server;
    unsigned index; /* 0 .. nthreads-1 */
    h2o_socket_t *listener;
    h2o_evloop_t *loop;
    int listen_fd;
    h2o_socket_t *unix_listener; /* the Unix socket's, or NULL */
    int unix_fd;                 /* this thread's descriptor of it, or -1 */
    h2o_socket_t *ui_listener;   /* the UI origin's, or NULL */
    int ui_fd;                   /* this thread's descriptor of it, or -1 */
    pthread_t tid;
    store_t *store;
    metrics_t *metrics;
    uint64_t inflight;                      /* requests handed to a handler and not yet disposed */
    h2o_linklist_t conns;                   /* tracked connections (http/conn.h) */
    h2o_multithread_receiver_t completions; /* work other threads did for this one's requests
                                               (base/completion.h) */
    struct kreq *handling;                  /* the request whose handler runs now, until it replies (http/reply.c) */
    unsigned held;                          /* answers held for the store's syncer, not yet back (http/reply.c): a
                                               stopping thread waits for each (answered or failed, never dropped) */
} http_thread_t;

typedef struct http_server {
    h2o_globalconf_t config;
    http_config_t cfg;
    http_thread_t *threads;
    unsigned nthreads;
    unsigned plane_metric[32]; /* route ids of planes' metric names */
    unsigned ui_plane_metric[32];
    char host[256], port[16];       /* what the listeners are bound to (the chosen port) */
    char ui_host[256], ui_port[16]; /* the UI listener's, when cfg.ui_listen */
    char public_url[512];
    volatile sig_atomic_t stopping;
} http_server_t;

#define HTTP_PLANES_MAX 32

/* Opens the listeners and stores per cfg (copied; its tables must outlive the server).
 * 0, or -1 with err (nothing left open). */
int http_open(http_server_t *srv, const http_config_t *cfg, char *err, size_t errlen);
/* Proves the request-body gate works (http/bodygate.h), starts the threads and serves
 * until http_stop; then each thread stops accepting and drains its in-flight requests
 * (at most HTTP_DRAIN_MS, but an answer held for the store's fsync is always waited for:
 * the syncer, stopped only after the threads, sends it or fails it). 0, or -1 with err
 * when it could not start serving. */
int http_run(http_server_t *srv, char *err, size_t errlen);
/* Asks http_run to return (async-signal-safe). */
void http_stop(http_server_t *srv);
/* After http_run (or instead of it): closes listeners and store handles. */
void http_close(http_server_t *srv);

#define HTTP_DRAIN_MS 10000 /* longest a thread waits for in-flight requests at stop */

static inline metrics_t *http_thread_metrics(http_thread_t *t)
{
    return t->metrics;
}

#endif
