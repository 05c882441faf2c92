/* kreq: kiln's view of one HTTP request, from arrival to reply. It lives in the request's
 * arena, which h2o frees with the request (so after the response has been written). */
#ifndef KILN_REQUEST_H
#define KILN_REQUEST_H

#include <h2o.h>
#include <jansson.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/completion.h"
#include "base/limits.h"
#include "store/store.h"
#include "store/store_sites.h"

struct route;
struct http_thread;

#define KREQ_CTX_MAX 16

/* Who is calling, after authentication. */
typedef struct principal {
    int kind;               /* PRINCIPAL_* */
    int64_t site_id;        /* the site the credential binds; 0 for admin */
    const char *account_id; /* the acting user (an app's bot user for PRINCIPAL_APP) */
    const char *granted;    /* PRINCIPAL_APP: the consented scopes, space-separated */
} principal_t;

/* PRINCIPAL_USER: a site user by API token, who acts with the user's own permissions and
 * is not limited by OAuth scopes (as in Jira Cloud); PRINCIPAL_APP: an installation's bot
 * user (invocation or app system token), limited to `granted`. */
enum { PRINCIPAL_NONE, PRINCIPAL_USER, PRINCIPAL_APP, PRINCIPAL_ADMIN };

typedef struct kreq {
    h2o_req_t *req;
    arena_t *arena;
    struct http_thread *thr;
    store_t *store;
    uint64_t start_ns;
    uint64_t store_away0;    /* store_unavailable_count() when the request started (on its
                                HTTP thread, which also answers it): http/reply.c */
    uint64_t store_indoubt0; /* store_indoubt_count() then, likewise */
    struct conn_rec *conn;   /* for shutdown tracking; may be NULL */
    struct vreq *vreq;       /* set when the request did not come over HTTP (http/vreq.h):
                                its reply is captured there instead of sent */
    completion_t *waiting;   /* the work this request waits for (base/completion.h): its owner
                                is set to NULL if the client goes away, so its answer is dropped */
    uint64_t commit_seq0;    /* the store's last commit when it began (store_last_commit) */
    uint64_t commit_seq;     /* its handler's last commit, noted when the handler returned
                                without replying (0: none): an answer made later waits for
                                it to be durable, not for commits of other requests
                                (http/reply.h) */
    void *ctx[KREQ_CTX_MAX]; /* per-module state, by an index each module takes once
                                (kreq_ctx_index), as nginx's r->ctx[module.ctx_index]: the
                                request knows nothing of the layers above it */

    /* The path split into percent-decoded segments (gateway_normalise). */
    const char *seg[KILN_MAX_SEGMENTS];
    size_t nseg;
    /* The raw query string (without '?'), or NULL. */
    const char *query;
    size_t query_len;

    /* Routing: segments below the plane's prefix, the matched route and its {params}. */
    size_t base;
    const struct route *route;
    const char *params[4];
    unsigned metric_route;

    /* Bound by the gateway; a handler never sees another site. */
    principal_t principal;
    site_rec_t site;
    const char *public_url; /* e.g. http://127.0.0.1:8080, no trailing slash */
    const char *site_base;  /* public_url/ex/jira/cloudId, made on first use */
} kreq_t;

/* A slot of kreq_t.ctx for the calling module, taken once per process (thread-safe);
 * aborts past KREQ_CTX_MAX modules. */
int kreq_ctx_index(void);

/* Method comparison helper. */
static inline int kreq_method_is(const kreq_t *kr, const char *m)
{
    return h2o_memis(kr->req->method.base, kr->req->method.len, m, strlen(m));
}

/* Returns the first value of query parameter `name` (decoded, '+' as space), NULL if
 * absent. Malformed escapes make the value NULL and set *bad if bad != NULL. */
const char *kreq_query(kreq_t *kr, const char *name, int *bad);
/* Integer query parameter `name` in [min, max] (enc_parse_i64): 0 with *v set, or left
 * at the caller's default when the parameter is absent; -1 when it is malformed
 * (a bad escape, empty, not a decimal integer, out of range). */
int kreq_query_int(kreq_t *kr, const char *name, int64_t min, int64_t max, int64_t *v);
/* All values of a repeatable parameter; returns the count (at most max). */
size_t kreq_query_all(kreq_t *kr, const char *name, const char **out, size_t max, int *bad);
/* The credential of an `Authorization: Bearer <credential>` header, not copied; 0, or
 * -1 if the header is absent or of another scheme. */
int kreq_bearer(kreq_t *kr, const char **cred, size_t *len);
/* Value of request header `name` (lowercase), or NULL; NUL-terminated in the arena. */
const char *kreq_header(kreq_t *kr, const char *name);

/* Parses the request body as a JSON object within kiln's limits. On failure replies
 * (415 wrong content type, 400 malformed or too deep or not an object, using the
 * plane's error shape via `jira`) and returns NULL.
 *
 * A string anywhere in the body that holds a NUL byte ("a\u0000b") is refused with 400
 * naming the field, because handlers read strings as C strings and would store "a": in
 * Jira's shape {"errorMessages":[],"errors":{"<field>":"..."}} (the field is the member
 * under "fields" for issue-style bodies, else the top-level member), otherwise
 * {"code":400,"message":"The field \"<path>\" ..."}. This is the one place request
 * bodies are checked; see json_nul_field. */
json_t *kreq_json_body(kreq_t *kr, int jira);
/* The same, except that the values of members named in `keep` (NULL-terminated, any
 * depth) may hold NUL: data the handler keeps as JSON and never reads as a C string
 * (a function's payload). */
json_t *kreq_json_body_keep(kreq_t *kr, int jira, const char *const *keep);

#endif
