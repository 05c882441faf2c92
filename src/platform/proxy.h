/* The function plane: /_proxy/{type}{path}, what a running function's @forge/api calls
 * through global.__forge_fetch__ (runtime/node/worker.js), over HTTP or carried on the
 * worker's pipe (platform/proxycall.h). The gateway authenticates the invocation token and
 * binds its site (gateway_invocation); the type then picks the handler from one table:
 *
 *   fpp  /rest/...                 the site's product API (gateway_invocation_product)
 *   fpp  POST /graphql             web trigger URLs (platform/webtrigger.h)
 *   fpp  POST /forge/entities/graphql   the legacy storage API (platform/proxy_storage.h; HTTP only)
 *   fpp  POST /webhook/queue/...   async events: push, stats, cancel (platform/proxy_queue.h)
 *   fpp  POST /forge/events/v1/app-events   app events (platform/proxy_appevents.h)
 *   kvs  /api/v1/{op}              app storage (platform/proxy_kvs.h)
 *   frc  /...                      invokeRemote (platform/proxy_remote.h; HTTP only)
 *   egress                         outbound requests (platform/proxy_egress.h; its own token header)
 *
 * Anything else is 401 FAILURE_CLIENT_SCOPE_CHECK with a hint (gateway_scope_hint). */
#ifndef KILN_PROXY_H
#define KILN_PROXY_H

#include "http/request.h"

#define PROXY_RATE_PER_MIN 6000 /* product calls per installation per minute (default) */
/* The /metrics route name of the function plane, whichever transport carried the call. */
#define PROXY_METRIC_ROUTE "proxy /_proxy/{type}/..."

/* The plane's handler over HTTP, with the per-installation limit set by proxy_configure. */
void proxy_handle(kreq_t *kr);
/* The product calls per installation and minute (0: none), from above at start. */
void proxy_configure(unsigned rate_per_min);
/* The pipeline for any transport (HTTP, or a worker's pipe through http/vreq.h), with the
 * per-installation limit given (0: none). gateway_normalise must have run. With
 * only_invocation set, the token must be that invocation's (a worker's pipe carries only
 * the calls of the invocation running on it), and only what a pipe carries is served. */
void proxy_serve(kreq_t *kr, unsigned rate_per_min, const char *only_invocation);

#endif
