/* The egress endpoint, /_proxy/egress (docs/egress.md): every outbound HTTP(S) request of
 * a function arrives here from the worker's interception (runtime/node/egress.js), as the
 * request itself (method, headers, body) plus
 *
 *   forge-proxy-authorization: Bearer <invocation token>
 *   forge-proxy-target: <absolute http(s) URL>
 *
 * and passes, in order:
 *
 *   1. authenticate      the invocation token, alive only while its invocation runs  401 FAILURE_CLIENT_AUTH
 *   2. the target        an absolute http(s) URL kiln can parse, no user info          403 REQUEST_EGRESS_ALLOWLIST_ERR
 *   3. the allowlist     the version's fetch.backend + remotes (platform/egress.h)     403 REQUEST_EGRESS_ALLOWLIST_ERR
 *   4. the rate limit    100 requests per invocation per minute (as Forge)             429
 * REQUEST_EGRESS_RATE_LIMIT_ERR
 *   5. limits            body <= EGRESS_BODY_MAX, <= OUTBOUND_REQ_HEADERS_MAX headers   413 / 431
 *   6. transfer          egress_note_transfer, then the outbound client (libcurl, its own
 *                        thread): the HTTP thread returns at once and answers when the
 *                        call ends; redirects are never followed by kiln
 *   7. record            an audit event (plane "egress") for every refusal and every request
 *
 * Refusals carry `forge-proxy-error` (what @forge/api users see on Forge) and
 * `x-kiln-egress: refused` (the worker notes them in the invocation's log). The answer to
 * an allowed request is the remote's status, headers and body; a remote that cannot be
 * reached, times out or answers more than EGRESS_RESPONSE_MAX gives 502/504 with
 * `forge-proxy-error: FUNCTION_FETCH_ERR`. */
#ifndef KILN_PROXY_EGRESS_H
#define KILN_PROXY_EGRESS_H

#include "http/request.h"

#define AUDIT_PLANE_EGRESS "egress"

void proxy_egress(kreq_t *kr);

#endif
