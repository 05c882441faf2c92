/* Virtual requests: a request that did not arrive over HTTP — a function's product call
 * carried on its worker's pipe (platform/proxycall.h) — served by the very handlers and
 * gateway steps HTTP requests go through. The request is a real h2o_req_t (method, path,
 * headers, entity) with no connection; its reply is captured here instead of sent, so
 * every reply_* function works unchanged.
 *
 * Usage: vreq_init, gateway_normalise(&v.kr), then handler(&v.kr) (which replies exactly
 * once, as on HTTP), then
 * read v.status / v.headers / v.body, then vreq_dispose. Everything lives in v's pool and
 * the arena given; nothing is shared between threads. */
#ifndef KILN_VREQ_H
#define KILN_VREQ_H

#include <h2o.h>

#include "http/request.h"

struct metrics;

typedef struct vreq {
    h2o_req_t req;
    kreq_t kr;
    struct metrics *metrics; /* where reply_raw counts the reply (NULL: not counted); single writer */
    int http;                /* stands for a request that came over HTTP (run on a store thread,
                                http/offload.h): a store away meanwhile makes its answer the 503
                                reply_raw gives HTTP requests (counted on the running thread) */
    int replied;
    int status;
    const char *content_type;
    const char *body; /* in the arena */
    size_t body_len;
} vreq_t;

/* Sets up the request: `path` is the raw path with its query (as on the request line);
 * `names`/`values` are nh header pairs (names lowercase); `body` may be NULL. The caller
 * then sets v->metrics and v->kr.metric_route if it counts replies, and runs step 1 of the
 * gateway (gateway_normalise) before any handler, as on_req does for HTTP. */
void vreq_init(vreq_t *v, arena_t *a, store_t *st, const char *public_url, const char *method, size_t mlen,
               const char *path, size_t plen, const char *const *names, const char *const *values, size_t nh,
               const char *body, size_t blen);

/* The reply's headers other than Content-Type: v->req.res.headers (h2o_headers_t). */

/* Frees the request's pool (the arena is the caller's). */
void vreq_dispose(vreq_t *v);

/* What a virtual request answered, copied out of its pool into an arena, so that it can
 * be sent by another thread after vreq_dispose (http/offload.h; http/reply.h
 * reply_captured). Headers are the answer's own, less Content-Type. */
typedef struct vreq_answer {
    int replied, status;
    const char *content_type, *body;
    size_t body_len;
    const char **names, **values;
    size_t nh;
    unsigned metric_route; /* the route its handler counted it under */
} vreq_answer_t;
void vreq_take_answer(const vreq_t *v, arena_t *a, vreq_answer_t *out);

/* reply_raw's capture hook (http/reply.c): records status, type and body. */
void vreq_capture(kreq_t *kr, const char *content_type, const char *body, size_t len);

#endif
