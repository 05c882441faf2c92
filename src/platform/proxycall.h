/* Product calls carried on a worker's own pipes instead of a loopback HTTP connection.
 * `__forge_fetch__` in the worker (runtime/node/forge-runtime.js) writes a `fetch` frame
 * on fd 4; the runtime thread serves it through the same /_proxy pipeline as HTTP
 * (gateway/proxy.c, via a virtual request: http/vreq.h) and writes a `response` frame
 * back on fd 3. The frames are in runtime/node/README.md:
 *
 *   worker -> kiln  {"type":"fetch","id":INV,"seq":N,"method":M,"path":"/_proxy/...",
 *                    "headers":[[name,value],...],"body":BASE64?}
 *   kiln -> worker  {"type":"response","seq":N,"status":S,"headers":[[name,value],...],
 *                    "text":STRING}   (or "body":BASE64URL when it is not UTF-8 text)
 *
 * The credential is still the invocation token in the Authorization header, checked as
 * on HTTP; in addition both the frame's invocation and the token's must be the one
 * running on that worker: a token taken from another (live) invocation, another site's
 * included, opens nothing through this worker's pipe. Limits as on HTTP: 100 headers,
 * 64 KB of them, the path 4096 bytes, the body 5 MB; each answers the HTTP status. */
#ifndef KILN_PROXYCALL_H
#define KILN_PROXYCALL_H

#include <jansson.h>

#include "base/arena.h"
#include "base/buf.h"
#include "runtime/supervisor.h"
#include "store/store.h"

struct metrics;

/* Only product REST calls (/_proxy/fpp/rest/...) and the web trigger GraphQL
 * (/_proxy/fpp/graphql) are carried on the pipe: their handlers answer synchronously on
 * the calling thread. Everything else (app storage, whose writes are answered later by
 * its group-commit writer; other platform paths) goes over HTTP, and a fetch frame for it
 * is answered 400. Returns 1 when `path` is carried. */
int proxycall_carried(const char *path, size_t len);

struct vreq;

/* Appends the reply held by `v` as a response frame for call `seq` (with its newline) to
 * `out`: Content-Type first, then the handler's other headers; a body that is UTF-8 text
 * as `text`, any other (or text whose escaping would pass out's cap) as base64url `body`.
 * 0, or -1 with `out` unchanged when even base64 would pass the cap. */
int proxycall_response_frame(const struct vreq *v, json_int_t seq, arena_t *a, buf_t *out);

/* Largest response frame: the runtime's cap (an 8 MB body in base64 plus headers). */
#define PROXYCALL_MAX_RESPONSE_FRAME RT_MAX_RESPONSE_FRAME

/* Registers the proxy plane's /metrics route, under which the replies of calls carried
 * on pipes are counted. Call once at start-up, before HTTP threads start (route ids are
 * registered then). */
void proxycall_init(void);

/* Serves one fetch frame `f` from a worker whose running invocation is `running_id`
 * (NULL when it runs none), appending the response frame (with its newline) to `out`.
 * The reply is counted in `m` (the calling thread's table: a single writer), through
 * `st` (the calling thread's store handle).
 * Returns 0, or -1 when the frame is not a fetch frame kiln's worker could have sent
 * (no integer seq, wrong types): nothing appended, the caller treats the worker as
 * broken. */
int proxycall_serve(store_t *st, struct metrics *m, const char *public_url, unsigned rate_per_min,
                    const char *running_id, const json_t *f, buf_t *out);

/* What a thread serves pipe calls with: its store handle, its metrics table (a single
 * writer) and the settings of the /_proxy plane. */
typedef struct proxycall_ctx {
    store_t *st;
    struct metrics *m;
    const char *public_url;
    unsigned rate_per_min; /* product calls per installation and minute; 0: no limit */
} proxycall_ctx_t;

/* proxycall_serve as the runtime's fetch handler (rt_fetch_fn) with a proxycall_ctx_t. */
int proxycall_fetch(void *ctx, const char *running_id, const json_t *frame, buf_t *out);

/* The runtime thread's context: its own store handle on the data dir (durable writes) and
 * metrics table; NULL with err. Made once, at start; lives as long as the process. */
proxycall_ctx_t *proxycall_runtime_ctx(const char *data_dir, const char *public_url, unsigned rate_per_min, char *err,
                                       size_t errlen);
/* The runtime thread's metrics table (NULL before proxycall_runtime_ctx), for /metrics to
 * sum with the HTTP threads' tables. */
struct metrics *proxycall_metrics(void);

#endif
