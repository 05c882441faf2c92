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
 * gateway_jira serves user tokens at /ex/jira/{cloudId}; proxy_handle (proxy.c) serves
 * running functions at /_proxy/, binding the site from the invocation token. */
#ifndef KILN_GATEWAY_H
#define KILN_GATEWAY_H

#include "http/request.h"
#include "store/store_sites.h"

/* Step 1 for every request: refuses dot segments, encoded dots, slashes and
 * backslashes, control bytes, NUL, empty segments, over-long paths and bad escapes;
 * otherwise fills kr->seg/nseg with decoded segments and kr->query. Returns 0, or -1
 * after replying. */
int gateway_normalise(kreq_t *kr);

/* Pure form of step 1 for tests and fuzzing: validates raw path bytes (no query) and
 * splits them into decoded segments in `a`. Returns 0, or the HTTP status to answer. */
int gateway_split_path(arena_t *a, const char *path, size_t len, const char **seg, size_t *nseg);

/* The product plane: /ex/jira/{cloudId}/rest/... through steps 2-8. */
void gateway_jira(kreq_t *kr);

#define PROXY_RATE_PER_MIN 6000 /* product calls per installation per minute (default) */
/* The /metrics route name of the function plane, whichever transport carried the call. */
#define PROXY_METRIC_ROUTE "proxy /_proxy/{type}/..."

/* The function plane: /_proxy/{type}{path} with an invocation token (gateway/proxy.c). */
void proxy_handle(kreq_t *kr);
/* The same pipeline for any transport (HTTP, or a worker's pipe through http/vreq.h),
 * with the per-installation limit given (0: none). Step 1 must have run. With
 * only_invocation set, step 2 also requires the token to be that invocation's (a worker's
 * pipe carries only the calls of the invocation running on it). */
void proxy_serve(kreq_t *kr, unsigned rate_per_min, const char *only_invocation);

/* Step 8: the decision just answered on `kr` into the audit log (journal/audit.h):
 * allowed when the request reached its handler, refused otherwise; status, failure
 * category, the bound (or credential's) site, the actor and the calling invocation. A
 * request answered later (asynchronously) is recorded when it is answered. */
void gateway_audit(kreq_t *kr, const char *plane);

/* Step 2 on its own: resolves the Authorization header to a user principal and the site
 * its credential binds. Returns 0 or -1 (no reply sent). */
int gateway_authenticate_user(kreq_t *kr, principal_t *out, site_rec_t *site);

#endif
