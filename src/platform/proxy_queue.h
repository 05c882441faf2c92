/* Async events (@forge/events) on the function plane: what a running function's Queue
 * calls through @forge/api's __requestAtlassianAsApp (2.x, 3.x) or
 * createRequestStargateAsApp (0.x, 1.x), each a POST to fpp with the literal
 * placeholders Forge's proxy would fill:
 *
 *   /webhook/queue/publish/{contextAri|cloudId}/{environmentId}/{appId}/{appVersion}
 *   /webhook/queue/stats/...   /webhook/queue/cancel/...
 *
 * The placeholders are ignored: every call acts for the calling invocation's installation
 * (bound by its token), never for one named in the path or body. A push is validated as
 * Forge does (QUEUE_MAX_EVENTS events, QUEUE_MAX_PAYLOAD bytes, delayInSeconds 0 to 900,
 * a body object for 2.x and later, concurrency key and limit), must name a queue a
 * `consumer` of the installed version declares, is rate limited per installation
 * (kiln serve --queue-rate, Forge's 500 events a minute) and refused (405) past Forge's
 * cyclic invocation limit: QUEUE_CHAIN_MAX push requests in all the chain of consumers
 * that one first invocation started (platform/queue_chain.h). The accepted events become
 * DLV_SRC_QUEUE deliveries in one transaction (their payload: what the consumer receives,
 * platform/deliver_queue.c), then the engine is kicked.
 *
 * Answers, in the shapes @forge/events reads: push 201 {jobId} (all), 202 {failedEvents:
 * [{index, errorMessage}]} (some refused), 413 {errorMessage}, 429, 405, 400 {message};
 * stats 200 {success, inProgress, failed} or 404; cancel 204 or 404 (a job of another
 * installation is unknown: 404). */
#ifndef KILN_PROXY_QUEUE_H
#define KILN_PROXY_QUEUE_H

#include "auth/invocation.h"
#include "http/request.h"

#define QUEUE_MAX_EVENTS 50             /* events of one push (Forge) */
#define QUEUE_MAX_PAYLOAD (200u * 1024) /* bytes of the events of one push (Forge's 200 KB) */
#define QUEUE_MAX_DELAY_S 900           /* delayInSeconds (Forge) */
#define QUEUE_RATE_PER_MIN 500          /* events pushed per installation per minute (Forge) */
#define QUEUE_MAX_NAME 36               /* a queue name (@forge/manifest's ConsumerQueue) */
#define QUEUE_MAX_CONC_KEY 255          /* a concurrency key */
#define QUEUE_MAX_CONC_LIMIT 50         /* a concurrency limit: 1 to this */

/* fpp POST /webhook/queue/{publish,stats,cancel}/4 placeholders: 1 if this is one. */
int proxy_queue_match(kreq_t *kr);
/* Serves it for `inv`'s installation. */
void proxy_queue(kreq_t *kr, const invocation_t *inv);

#endif
