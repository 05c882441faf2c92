/* The HTTP server: h2o with the evloop backend, one event loop and one SO_REUSEPORT
 * listener per thread, each thread with its own store handle and metrics table.
 *
 * Requests are dispatched by plane (a prefix table: /ex/jira/, /admin/v1/, /healthz,
 * /metrics) after the gateway has normalised the path. Handlers run on the HTTP thread
 * and must never block on a worker, a remote or the network. */
#ifndef KILN_SERVER_H
#define KILN_SERVER_H

#include <h2o.h>
#include <signal.h>

#include "auth/token.h"
#include "http/metrics.h"
#include "store/store.h"

typedef struct serve_opts {
    const char *data_dir;           /* default ./.kiln */
    const char *listen;             /* HOST:PORT, default 127.0.0.1:8080; port 0 picks one */
    int threads;                    /* default: one per online CPU */
    const char *public_url;         /* base of self links; default http://HOST:PORT */
    uint64_t max_snapshot;          /* bytes of one app snapshot; 0: SNAPSHOT_MAX_DEFAULT */
    int64_t retention_ms;           /* data of uninstalled apps kept this long; 0: 28 days */
    long webtrigger_rate;           /* webtrigger requests per installation per minute; 0 default, <0 off */
    long proxy_rate;                /* product calls per installation per minute; 0 default, <0 off */
    long kvs_rate;                  /* app storage calls per installation per minute; 0 default, <0 off */
    long audit_retention_days;      /* audit events kept this long; <0 default (90), 0 forever */
    const char *egress_mode;        /* "auto" (default), "namespace" or "in-process" (docs/egress.md) */
    long ledger_retention_days;     /* ledger records kept this long; <0 default (90), 0 forever */
    int ledger_off;                 /* --ledger off: no data-flow records (journal/ledger.h) */
    int leak_mode;                  /* enum leak_mode + 1; 0: the default (development environments) */
    size_t max_buffered;            /* bytes of unfinished requests buffered in all; 0: 256 MiB (http/bodygate.h) */
    size_t max_buffered_per_client; /* the same per client address; 0: a quarter of max_buffered */
    int unsafe_no_sandbox;          /* --unsafe-no-sandbox: functions of every environment run unboxed */
    unsigned sandbox_uid_first, sandbox_uid_count; /* --sandbox-uids FIRST-LAST; 0: the default */
} serve_opts_t;

struct http_server;

typedef struct http_thread {
    h2o_context_t ctx; /* first: h2o hands us &ctx, we cast back */
    h2o_accept_ctx_t accept_ctx;
    struct http_server *server;
    h2o_socket_t *listener;
    h2o_evloop_t *loop; /* made before the thread starts; never disposed (see thread_main) */
    int listen_fd;
    h2o_socket_t *unix_listener; /* workers' Unix socket (DATA/proxy.sock), or NULL */
    int unix_fd;                 /* this thread's descriptor of it, or -1 */
    pthread_t tid;
    store_t *store;
    metrics_t *metrics;
    uint64_t inflight;                       /* requests handed to a handler and not yet disposed */
    h2o_linklist_t conns;                    /* tracked connections (http/conn.h) */
    h2o_multithread_receiver_t completions; /* work other threads did for this one's requests
                                               (base/completion.h) */
} http_thread_t;

typedef struct http_server {
    h2o_globalconf_t config;
    http_thread_t *threads;
    unsigned nthreads;
    const char *data_dir;
    char public_url[512];
    char admin_token[TOKEN_MAX];
    unsigned char link_key[32]; /* signs distribution links; derived from the admin token */
    uint64_t max_snapshot;
    int64_t retention_ms;
    unsigned webtrigger_rate, proxy_rate, kvs_rate; /* per installation per minute; 0: unlimited */
    volatile sig_atomic_t stopping;
} http_server_t;

/* Runs the server until SIGTERM/SIGINT; returns the process exit code. */
int http_serve(const serve_opts_t *opts);

/* Reason phrase for a status code. */
const char *http_reason(int status);

static inline metrics_t *http_thread_metrics(http_thread_t *t)
{
    return t->metrics;
}

#endif
