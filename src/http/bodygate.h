/* bodygate: what a client may make kiln buffer before a handler sees its request, and
 * which request heads are refused before their body is read.
 *
 * Why a hook on socket reads. h2o 2.2.5 reads a request's whole body into the socket's
 * input buffer (sock->input) before it calls any handler, and caps only each request
 * (max_request_entity_size): 300 connections each sending 4 MB of a declared 5 MB body
 * held 1.2 GB, and a handler could not have refused them, since it runs only when the
 * body is complete. The one place that sees every byte as it arrives is the read
 * callback h2o arms on the socket, and every callback it arms goes through
 * h2o_socket_read_start, which libh2o-evloop calls through its PLT. kiln's executable
 * exports a definition of h2o_socket_read_start (the Makefile links with
 * --export-dynamic-symbol), so the dynamic linker binds libh2o's own calls to it; it
 * calls the real one (dlsym RTLD_NEXT) with a gate in front of h2o's callback for the
 * sockets kiln tracks (http/conn.h), and passes every other socket through untouched.
 * h2o_socket_close is interposed the same way, for the lingering close below.
 * bodygate_selftest proves at start that libh2o's calls arrive here; kiln refuses to
 * serve if they do not (a future h2o built with -Bsymbolic or hidden visibility).
 * Alternatives weighed: patching or vendoring h2o (a fork to maintain), a proxy in
 * front (another process, and it would buffer instead), SO_RCVBUF tuning (bounds the
 * kernel's buffer, not h2o's).
 *
 * What the gate does, on every read of a tracked HTTP/1 socket and before h2o sees the
 * bytes (and when h2o starts the next request of a keep-alive connection, whose head may
 * already be buffered):
 *
 * - When a request head is complete, it is parsed with h2o's own parser
 *   (picohttpparser's phr_parse_request, exported by libh2o), so kiln and h2o agree on
 *   every header. A head is refused, before any of its body is read, when
 *     its body length is ambiguous: Content-Length together with Transfer-Encoding,
 *       more than one Content-Length, one that is not plain digits, a Transfer-Encoding
 *       other than one `chunked`, Transfer-Encoding on HTTP/1.0, or a folded header
 *       (BODYGATE_FRAMING: 400);
 *     it has a body for a path no plane serves, or for a plane that needs a credential
 *       and it carries none (BODYGATE_EARLY: answered by the plane itself, 404 or 401);
 *     its body could never fit (BODYGATE_TOO_LARGE: 413) or does not fit now
 *       (BODYGATE_BUSY: 503 with Retry-After), after waiting (reading stopped) up to
 *       BODYGATE_WAIT_TRIES × BODYGATE_WAIT_MS for room: a client that sends its next
 *       request as soon as it has an answer must not meet the bytes of the request just
 *       answered, which are given back a moment later, maybe on another thread.
 *   A refused head has its Content-Length / Transfer-Encoding header names overwritten
 *   in place (same length, "x-kiln-refused"), so h2o parses a request without a body and
 *   dispatches it at once; on_req reads the verdict (bodygate_take) and answers with the
 *   connection marked not persistent, so h2o closes it after the answer and whatever
 *   the client sends after the head is never read. Only then does h2o parse the head.
 * - A head that is admitted reserves its declared size (head + Content-Length, or the
 *   5 MB maximum for a chunked body) against three budgets: the connection's
 *   (BODYGATE_CONN_MAX), its client's (one per IP address, an IPv6 /64 counting as one
 *   address; kiln's workers on the Unix socket are one client with a budget of their
 *   own) and the global one. Bytes actually buffered count when they exceed the
 *   reservation (a client that sends more than it declared), and a partial head counts
 *   beyond BODYGATE_FREE_BYTES.
 * - A partial head that grows past BODYGATE_HEAD_MAX, or cannot be counted within the
 *   budgets, is answered at once (431, or 503 with Retry-After) by writing a fixed answer
 *   on the socket, after which the connection is closed.
 * - A connection whose head was refused is not simply closed after its answer: its
 *   client may still be sending the body, and closing a socket with unread data makes
 *   the kernel reset it, which many clients (Node's http and fetch) report instead of
 *   the answer. When h2o closes it, kiln shuts down the sending side and reads and
 *   drops what still comes, for at most BODYGATE_LINGER_MS or BODYGATE_LINGER_MAX_BYTES,
 *   before closing (a lingering close, as nginx's lingering_close).
 * - Everything a connection holds is given back when h2o starts its next request, and
 *   when the connection closes for whatever reason (answered, timed out, reset).
 *
 * The budgets bound what reservations and buffered heads can hold. One read can still
 * bring more than was reserved into a connection's buffer (h2o reads until the kernel
 * has nothing more), which is counted and bounded by the socket's receive buffer; it
 * holds reservations back until it is released.
 *
 * Threads: a connection's gate is touched only by its HTTP thread; the budgets are
 * shared under one mutex. */
#ifndef KILN_BODYGATE_H
#define KILN_BODYGATE_H

#include <h2o.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"

/* A connection's own cap: any head kiln accepts and the largest body. */
#define BODYGATE_CONN_MAX ((size_t)KILN_MAX_BODY + KILN_MAX_HEADERS_BYTES + KILN_MAX_PATH + 4096)
/* The largest head kiln waits for: headers, path and request line. */
#define BODYGATE_HEAD_MAX ((size_t)KILN_MAX_HEADERS_BYTES + KILN_MAX_PATH + 4096)
/* What a connection may buffer without being counted: any ordinary head. */
#define BODYGATE_FREE_BYTES ((size_t)16 * 1024)
/* Default global budget (kiln serve --max-buffered-mb). */
#define BODYGATE_GLOBAL_DEFAULT ((size_t)256 * 1024 * 1024)
/* Retry-After of a 503, seconds. */
#define BODYGATE_RETRY_AFTER_S 5
/* A complete head that does not fit waits this long, this many times, before its 503. */
#define BODYGATE_WAIT_MS 50
#define BODYGATE_WAIT_TRIES 10
/* After answering a refused head, what kiln still reads and drops before it closes. */
#define BODYGATE_LINGER_MS 2000
#define BODYGATE_LINGER_MAX_BYTES ((size_t)8 * 1024 * 1024)

/* What on_req must do with the request (bodygate_take). */
enum bodygate_verdict {
    BODYGATE_PASS = 0,  /* nothing special */
    BODYGATE_FRAMING,   /* 400: ambiguous body length; no plane may see it */
    BODYGATE_EARLY,     /* its body was not read: let the plane answer (404/401), then close */
    BODYGATE_TOO_LARGE, /* 413: the body can never fit the budgets */
    BODYGATE_BUSY,      /* 503 + Retry-After: the budgets are full now */
};

/* The kinds of refusal counted in /metrics. */
enum bodygate_reason {
    BODYGATE_R_FRAMING,
    BODYGATE_R_UNKNOWN_PLANE,
    BODYGATE_R_NO_CREDENTIAL,
    BODYGATE_R_TOO_LARGE,
    BODYGATE_R_BUSY,
    BODYGATE_R_HEAD_TOO_LARGE,
    BODYGATE__REASONS
};
extern const char *const bodygate_reason_names[BODYGATE__REASONS];

/* How the plane of a path treats a request with a body (http/server.c answers). */
enum bodygate_plane {
    BODYGATE_PLANE_OPEN,       /* served, no credential needed (webtriggers, ops) */
    BODYGATE_PLANE_CREDENTIAL, /* served only with a credential header */
    BODYGATE_PLANE_UNKNOWN,    /* no plane serves it (from this peer) */
};
/* Which listener a connection came on: the plane table it reaches depends on it
 * (http/server.h). */
enum http_listener {
    HTTP_LISTENER_TCP,  /* kiln's own listener (--listen) */
    HTTP_LISTENER_UNIX, /* the workers' Unix socket */
    HTTP_LISTENER_UI,   /* the UI origin's listener (--ui-listen): app resources only */
};
/* `path` is the raw request target up to '?'; listener: enum http_listener. */
typedef enum bodygate_plane (*bodygate_plane_fn)(const char *path, size_t len, int listener);

struct bodygate_client;

/* Per connection, inside conn.c's record; zeroed, then bodygate_conn_open. */
typedef struct bodygate_conn {
    struct bodygate_client *client; /* its budget (shared by the client's connections) */
    h2o_socket_cb orig_cb;          /* h2o's read callback, behind the gate */
    h2o_socket_t *sock;             /* while parked or lingering */
    h2o_timeout_entry_t wait;       /* the retry of a parked head, or the end of lingering */
    size_t lingered;                /* bytes read and dropped after the answer */
    size_t charged;                 /* bytes counted against the budgets */
    size_t reserved;                /* head + declared body of the request being read */
    unsigned char state;            /* internal: waiting for a head, reading a body, ... */
    unsigned char verdict;          /* enum bodygate_verdict for on_req */
    unsigned char waits;            /* retries of the current head */
    unsigned char linger;           /* refused: drain the socket before closing it */
    unsigned char unix_peer;
    unsigned char listener; /* enum http_listener */
} bodygate_conn_t;

/* Sets the budgets (bytes) and the plane policy; before the HTTP threads start. 0 for a
 * budget picks its default: per client a quarter of the global one and the workers half
 * of it, never less than one largest request (BODYGATE_CONN_MAX) unless the global
 * budget is smaller, never more than the global budget. */
void bodygate_configure(size_t global, size_t per_client, size_t workers, bodygate_plane_fn plane);

/* 0 if libh2o's own calls to h2o_socket_read_start reach kiln's hook (it has h2o make
 * one on `loop`), else -1 with *why: kiln must not serve then. */
int bodygate_selftest(h2o_loop_t *loop, const char **why);

/* A tracked socket was accepted (before h2o_accept) on `listener` (enum http_listener):
 * joins its client's budget (the workers' for the Unix socket). */
void bodygate_conn_open(bodygate_conn_t *g, h2o_socket_t *sock, int listener);
/* The socket closed: gives back everything it held. */
void bodygate_conn_close(bodygate_conn_t *g);
/* The verdict for the request h2o is dispatching (then PASS for the next one). */
enum bodygate_verdict bodygate_take(bodygate_conn_t *g);
/* The request was answered and disposed: the connection's next read_start begins the
 * next request (whatever it reserved is given back then). */
void bodygate_request_done(bodygate_conn_t *g);

/* Where conn.c keeps a socket's gate: the gate of a tracked socket, else NULL. */
bodygate_conn_t *conn_gate(h2o_socket_t *sock);

typedef struct bodygate_stats {
    uint64_t buffered;        /* bytes counted now, all connections */
    uint64_t limit;           /* the global budget */
    uint64_t per_client;      /* a client's budget */
    uint64_t workers;         /* the workers' budget */
    uint64_t workers_charged; /* what the workers hold now */
    uint64_t refused[BODYGATE__REASONS];
} bodygate_stats_t;
void bodygate_get_stats(bodygate_stats_t *out);

/* ---- for tests: the head policy without a socket ---- */

typedef struct bodygate_head {
    size_t head_len;   /* bytes of the head */
    int has_body;      /* Content-Length or Transfer-Encoding present */
    int chunked;       /* a single Transfer-Encoding: chunked */
    uint64_t length;   /* Content-Length */
    int framing_error; /* one of the ambiguities above */
    int credential;    /* Authorization, Forge-Proxy-Authorization or a kiln_session cookie present */
    const char *path;  /* raw target, up to '?' */
    size_t path_len;
    /* the body-length header names in the buffer, to overwrite: every one of them (a head
     * holds at most H2O_MAX_HEADERS headers; one left would make h2o read its body) */
    char *rename[H2O_MAX_HEADERS];
    size_t rename_len[H2O_MAX_HEADERS];
    size_t n_rename;
} bodygate_head_t;

/* Parses buf[0..len) as a request head: 1 complete (*out filled), 0 incomplete, -1 not
 * a request h2o would accept (left to h2o, which answers 400). */
int bodygate_parse_head(char *buf, size_t len, bodygate_head_t *out);
/* Overwrites the body-length header names of a parsed head in its buffer, so that h2o
 * reads it as a request without a body (what the gate does to a refused head). */
void bodygate_drop_body(bodygate_head_t *h);

#endif
