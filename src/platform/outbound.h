/* outbound: kiln's HTTP client for calls that leave the box (remotes, the egress proxy).
 *
 * One thread of its own drives a libcurl multi handle; nobody else touches libcurl. A
 * caller fills an outbound_req_t (method, URL, headers, body, deadlines, a cap on the
 * response), submits it and returns; the answer comes back later:
 *
 *   HTTP thread --outbound_submit--> queue (bounded) --> outbound thread (curl multi)
 *   HTTP thread <--h2o message (req->receiver)-- outbound thread, which then calls done
 *
 * - Connections are reused: the multi handle keeps a cache of OUTBOUND_CONNS_MAX idle
 *   connections (per host and port), so consecutive calls to one remote share a TCP (and
 *   TLS) connection; at most OUTBOUND_HOST_CONNS_MAX are open to one host at once, and
 *   further calls wait for one of them (within their deadline).
 * - Every request has a total deadline and a connect deadline (milliseconds); a remote
 *   that hangs, or trickles bytes, is cut at the deadline with OUTBOUND_ETIMEOUT.
 * - The response is capped: a body larger than max_response (or headers larger than
 *   OUTBOUND_HEADERS_MAX) stops the transfer with OUTBOUND_ETOOBIG.
 * - Redirects are never followed: a 3xx is returned as it is (status and Location), for
 *   the caller to treat as an error. Only http:// and https:// URLs are fetched; proxies
 *   from the environment (http_proxy, ...) are ignored.
 *
 * Threads that have an h2o event loop (the HTTP threads) set req->receiver to their
 * receiver registered with outbound_on_messages; `done` then runs on that thread. A
 * thread without one (the runtime thread, a CLI command, a test) leaves receiver NULL:
 * `done` then runs on the outbound thread and must only hand the result on (queue it,
 * signal a condition variable) and never block. outbound_call_sync does that for threads
 * that may wait (never an HTTP thread).
 *
 * Ownership: the submitter allocates the request (outbound_req_new), sets its inputs with
 * the setters (which copy), and owns it again once `done` runs; it frees it with
 * outbound_req_free. Between submit and done only the outbound thread touches it, except
 * `owner`, which belongs to the submitting thread throughout (a request that went away
 * sets it to NULL so that done drops the answer: an HTTP handler points
 * kreq.waiting_owner at it, http/request.h). */
#ifndef KILN_OUTBOUND_H
#define KILN_OUTBOUND_H

#include <h2o.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/completion.h"

#define OUTBOUND_QUEUE_MAX 1024                      /* submitted and not yet done; more: -1 */
#define OUTBOUND_CONNS_MAX 64                        /* idle connections kept for reuse */
#define OUTBOUND_HOST_CONNS_MAX 32                   /* connections open to one host:port at once */
#define OUTBOUND_HEADERS_MAX (64u * 1024)            /* response header bytes */
#define OUTBOUND_REQ_HEADERS_MAX 32                  /* request headers a caller may set */
#define OUTBOUND_BODY_MAX (8u * 1024 * 1024)         /* request body bytes */
#define OUTBOUND_RESPONSE_DEFAULT (5u * 1024 * 1024) /* max_response when 0 */
#define OUTBOUND_RESPONSE_MAX (64u * 1024 * 1024)    /* the largest max_response accepted */
#define OUTBOUND_TIMEOUT_DEFAULT_MS 25000            /* timeout_ms when 0 */
#define OUTBOUND_CONNECT_DEFAULT_MS 5000             /* connect_timeout_ms when 0 */
#define OUTBOUND_URL_MAX 8192

/* Results: 0, or one negative code. A 4xx/5xx/3xx reply is OUTBOUND_OK with its status. */
enum outbound_err {
    OUTBOUND_OK = 0,
    OUTBOUND_ETIMEOUT = -1,  /* total or connect deadline passed */
    OUTBOUND_ECONNECT = -2,  /* could not resolve or connect */
    OUTBOUND_ETOOBIG = -3,   /* response larger than its cap */
    OUTBOUND_EPROTO = -4,    /* malformed response, TLS failure, reset mid-response */
    OUTBOUND_EINVAL = -5,    /* bad URL, scheme other than http(s), bad input */
    OUTBOUND_ESHUTDOWN = -6, /* kiln is stopping; the request was not completed */
};

typedef struct outbound_req outbound_req_t;

typedef struct outbound_header {
    char *name, *value; /* heap, owned by the request; names as received (compare case-insensitively) */
} outbound_header_t;

struct outbound_req {
    completion_t c; /* first (base/completion.h): c.done gets the request; c.receiver NULL:
                       done runs on the outbound thread; c.owner is the submitter's */
    /* ---- in (set with the setters below; owned by the request) ---- */
    char method[16]; /* "GET", "POST", ...; default GET */
    char *url;
    char *headers[OUTBOUND_REQ_HEADERS_MAX]; /* "Name: value" lines */
    unsigned nheaders;
    char *body; /* sent as is; NULL for none */
    size_t body_len;
    unsigned timeout_ms;         /* whole request; 0: OUTBOUND_TIMEOUT_DEFAULT_MS */
    unsigned connect_timeout_ms; /* 0: OUTBOUND_CONNECT_DEFAULT_MS (never above timeout_ms) */
    size_t max_response;         /* body cap; 0: OUTBOUND_RESPONSE_DEFAULT */
    char *resolve;               /* optional "host:port:address" pin (libcurl CURLOPT_RESOLVE),
                                    so a caller that vetted an address connects to exactly it */
    int64_t not_before_ms;       /* wall-clock ms before which it is not sent (retry backoff);
                                    0: at once. Its deadlines start when it is sent. */
    /* ---- the submitter's ---- */
    void *data;
    /* ---- out (valid in done) ---- */
    int err;    /* enum outbound_err */
    int status; /* HTTP status of the final response, 0 if none */
    outbound_header_t *resp_headers;
    unsigned nresp_headers;
    buf_t resp_body; /* NUL-terminated when len > 0 */
    char error[256]; /* libcurl's message for err != 0 (no secrets: never the URL's query) */
    int reused;      /* 1 if the call went over a connection kept from an earlier one */
    int64_t elapsed_ms;
    /* ---- outbound thread only ---- */
    void *easy;
    void *slist, *resolve_list;
    struct outbound_req *anext, *aprev; /* started requests */
    buf_t raw_headers;
    struct outbound_req *next;
};

/* Starts the outbound thread. 0, or -1 with err. */
int outbound_start(char *err, size_t errlen);
/* Stops it: requests in flight or queued complete with OUTBOUND_ESHUTDOWN (their done
 * runs as usual: through the receiver if they have one). Idempotent. */
void outbound_stop(void);
int outbound_running(void);

/* A new request with every field zeroed (method GET). */
outbound_req_t *outbound_req_new(void);
void outbound_req_free(outbound_req_t *req);
/* Setters: copy their inputs; -1 when an input is over its limit or malformed (the
 * request unchanged). */
int outbound_set_method(outbound_req_t *req, const char *method);
int outbound_set_url(outbound_req_t *req, const char *url);
/* Adds a request header; name and value must not contain CR, LF or NUL, name not ':'. */
int outbound_add_header(outbound_req_t *req, const char *name, const char *value);
int outbound_set_body(outbound_req_t *req, const void *body, size_t len);

/* Queues the request. 0, or -1: not running or OUTBOUND_QUEUE_MAX requests are in flight
 * (nothing sent, done will not run, the request stays the caller's). */
int outbound_submit(outbound_req_t *req);
/* Runs the request and waits for it on the calling thread (never an HTTP thread). Returns
 * req->err, or OUTBOUND_ESHUTDOWN when it could not be queued. receiver/done are used
 * internally and overwritten. */
int outbound_call_sync(outbound_req_t *req);

/* The first response header called `name` (case-insensitive), or NULL. */
const char *outbound_resp_header(const outbound_req_t *req, const char *name);
/* A short stable name for an outbound_err ("timeout", "connect", ...), for logs/metrics. */
const char *outbound_err_name(int err);

/* Counters since start, for /metrics. */
typedef struct outbound_stats {
    uint64_t requests, completed, reused, timeouts, errors, too_big, refused;
    uint64_t bytes_out, bytes_in;
} outbound_stats_t;
void outbound_get_stats(outbound_stats_t *out);

#endif
