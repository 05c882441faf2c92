/* The gateway: the one decision pipeline every request that touches tenant data passes,
 * in order, so no handler can forget a step (DESIGN.md "The gateway"):
 *
 *   1. normalise the path        gateway_normalise (every plane)      400 / 414
 *   2. authenticate              credential -> principal              401 FAILURE_CLIENT_AUTH
 *   3. bind the tenant           path cloudId == credential's site    401 FAILURE_CLIENT_SCOPE_CHECK
 *   4. check the installation    proxy only: still active             401 FAILURE_CLIENT_AUTH
 *   5. route and check scopes    route table + generated scope sets  404 / 405 / 401 (403 via proxy)
 *   6. rate limit                proxy only: per installation         429 FAILURE_CLIENT_RATE_LIMITED
 *   7. dispatch                  handler(kr) with kr->site, kr->principal
 *   8. record                    metrics, and the audit log (gateway_audit)
 *
 * gateway_jira serves user and system tokens at /ex/jira/{cloudId}; gateway_invocation
 * and its companions (function.c) serve running functions, binding the site from the
 * invocation token, for the /_proxy plane of platform/proxy.c. */
#ifndef KILN_GATEWAY_H
#define KILN_GATEWAY_H

#include "http/request.h"
#include "store/store_sessions.h"
#include "store/store_sites.h"

/* Step 1 for every request: refuses dot segments, encoded dots, slashes and
 * backslashes, control bytes, NUL, empty segments, over-long paths and bad escapes;
 * otherwise fills kr->seg/nseg with decoded segments and kr->query. Returns 0, or -1
 * after replying. */
int gateway_normalise(kreq_t *kr);

/* Pure form of step 1 for tests and fuzzing: validates raw path bytes (no query) and
 * splits them into decoded segments in `a`. Returns 0, or the HTTP status to answer. */
int gateway_split_path(arena_t *a, const char *path, size_t len, const char **seg, size_t *nseg);

struct route_table;
struct invocation;

/* What the gateway is given from above at start, before any request: the product's routes
 * (steps 5 and 7 route through them; the gateway knows no product) and the product calls
 * an installation may make per minute through system tokens and functions (0: no limit). */
void gateway_configure(const struct route_table *routes, unsigned rate_per_min);
const struct route_table *gateway_routes(void);

/* Step 3's one setter: kr->site becomes the site the request's credential binds. Nothing
 * else writes kr->site, so no handler can be given another site than the bound one. */
void gateway_bind_site(kreq_t *kr, const site_rec_t *site);

/* The product plane: /ex/jira/{cloudId}/rest/... through steps 2-8. */
void gateway_jira(kreq_t *kr);

/* The app system token of an installation's remote (auth/systoken.h) at the app storage
 * plane (/forge/storage/...): steps 2-3, the principal the installation's bot user with
 * its consented scopes. 0, or -1 after replying 401 with `unauthorized_body` (JSON). */
int gateway_system_token(kreq_t *kr, const char *unauthorized_body);

/* The function plane's steps 2-4 (gateway/function.c): the request's Authorization is the
 * token of a running invocation (with only_invocation set, of that invocation: a worker's
 * pipe carries only the calls of the one running on it); its site bound; its installation
 * still active. 0 with *inv (scopes in kr's arena), or -1 after replying 401
 * FAILURE_CLIENT_AUTH. */
int gateway_invocation(kreq_t *kr, const char *only_invocation, struct invocation *inv);
/* A call refused because its token is dead: when the token is that of an ended invocation
 * (auth/invocation.h invocation_late), says so in that invocation's log (journal/fnlog.h):
 * "call after the invocation ended: not made (requestJira GET /rest/api/3/...)". `path` is
 * the /_proxy path (or, for `what` "fetch", the destination's origin). The first
 * GATEWAY_LATE_CALLS_LOGGED of an invocation are logged, then one line saying the rest are
 * not; nothing is logged for a token that never was an invocation's. The call is never
 * made either way: this only looks. */
#define GATEWAY_LATE_CALLS_LOGGED 10
void gateway_late_call(const char *token, size_t len, const char *method, const char *path, size_t plen);
/* A function reached for something that is not a product path of its site (another
 * site's /ex/jira/{cloudId}, another product): 401 FAILURE_CLIENT_SCOPE_CHECK, with a hint
 * naming the bound site and the path to call instead. */
void gateway_scope_hint(kreq_t *kr, const struct invocation *inv);
/* A function's product call (/_proxy/fpp/rest/...), after gateway_invocation: steps 5-7
 * with the per-installation limit (0: none). */
void gateway_invocation_product(kreq_t *kr, const struct invocation *inv, unsigned rate_per_min);

/* Who a request acts for, for its audit record (journal/audit.h): the site a webtrigger
 * or invocation belongs to, its app, installation and invocation, and whether the gateway
 * let the request reach its handler. Kept in the request (kreq_t.ctx), zeroed at first use;
 * set by the gateway and by the planes that authenticate their own way. */
typedef struct gateway_who {
    int64_t site_id;
    const char *app_id, *installation_id, *invocation_id;
    const char *credential; /* "session" when the web UI's cookie authenticated it, else NULL */
    int dispatched;
} gateway_who_t;
gateway_who_t *gateway_who(kreq_t *kr);

/* Step 8: the decision just answered on `kr` into the audit log (journal/audit.h):
 * allowed when the request reached its handler, refused otherwise; status, failure
 * category, the bound (or credential's) site, the actor and the calling invocation. A
 * request answered later (asynchronously) is recorded when it is answered. */
void gateway_audit(kreq_t *kr, const char *plane);

/* ---- the web UI's session cookie (gateway/session.c; auth/session.h) ----
 *
 * The kiln_session cookie is a USER credential of the Jira plane when the request has no
 * Authorization header: bound to the session's site exactly like that user's API token
 * (another cloudId: the one 401 scope-check answer). A request authenticated by the
 * cookie whose method changes state (anything but GET, HEAD, OPTIONS) must carry
 * X-Kiln-CSRF: <the session's csrf> (constant-time compare), else 403
 * {"errorMessages":["XSRF check failed"]}. The admin API never reads the cookie. */

/* The idle limit of sessions (0: SESSION_IDLE_MS_DEFAULT), from above at start. */
void gateway_configure_sessions(int64_t session_idle_ms);
/* Whether the session cookie is Secure (the public URL is https); the Jira plane clears a
 * dead session cookie (Max-Age=0) as web/'s pages do, with this flag. */
void gateway_configure_session_cookie(int secure);
void gateway_session_clear_cookie(kreq_t *kr);
int64_t gateway_session_idle_ms(void);

/* The request's session: GATEWAY_SESSION_OK with the live session, its user's site (and,
 * when hash != NULL, the SHA-256 of its secret; last_seen is written at most once a
 * minute, so call it outside a read transaction); GATEWAY_SESSION_NONE without a
 * kiln_session cookie; GATEWAY_SESSION_DEAD when there is one but it is malformed,
 * unknown, expired, idle too long, its user inactive or deleted (treat as no session and
 * clear the cookie). The one reader of the cookie. */
enum { GATEWAY_SESSION_OK = 0, GATEWAY_SESSION_NONE = 1, GATEWAY_SESSION_DEAD = -1 };
int gateway_session(kreq_t *kr, session_rec_t *out, site_rec_t *site, unsigned char hash[32]);
/* 1 when the request's X-Kiln-CSRF header is the session's CSRF token. */
int gateway_session_csrf_ok(kreq_t *kr, const session_rec_t *s);
/* 1 for GET, HEAD and OPTIONS (no CSRF check), 0 for anything else. */
int gateway_method_safe(kreq_t *kr);

/* Step 2 on its own: resolves the Authorization header to a user principal and the site
 * its credential binds. Returns 0 or -1 (no reply sent). */
int gateway_authenticate_user(kreq_t *kr, principal_t *out, site_rec_t *site);

#endif
