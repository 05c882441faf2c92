/* The deliveries on the admin plane (store/store_deliveries.h: every event kiln owes an
 * installation's module, docs/events.md): list them, show one, replay a dead one.
 * `kiln events` (cli/events.c) reads them.
 *
 *   GET  /admin/v1/deliveries?site=&app=&state=&after=&limit=
 *        {"deliveries":[row...]} in id order (oldest first), only ids greater than
 *        `after` (the last id of the previous page), at most `limit` (1..1000, default
 *        100). site: a site name (404 if none); app: an app id or ARI; state: pending,
 *        running, delivered, dead, cancelled or dropped. Anything else is a 400 naming the
 *        parameter. A row: {id, site, appId, installationId, environment, source, module,
 *        eventType, eventId, jobId, state, attempts, due, dueMs, created, createdMs,
 *        updated, updatedMs, lastError, retryReason} — never the payload.
 *   GET  /admin/v1/deliveries/{id}
 *        the row plus "payload" (the event as the handler receives it, without its
 *        retryContext) and "retryData"; 404 if none.
 *   POST /admin/v1/deliveries/{id}/replay
 *        a DEAD delivery becomes PENDING, due now, with its attempts reset, and the engine
 *        is kicked (platform/deliver.h); 409 if it is not dead, 404 if none. The answer is
 *        the row after the change.
 *
 * Every request on this plane is audited by the gateway (journal/audit.h). */
#ifndef KILN_ADMIN_EVENTS_H
#define KILN_ADMIN_EVENTS_H

#include "http/request.h"

#define ADMIN_DELIVERIES_LIMIT_DEFAULT 100
#define ADMIN_DELIVERIES_LIMIT_MAX 1000

void deliveries_list(kreq_t *kr);
void deliveries_get(kreq_t *kr);
void deliveries_replay(kreq_t *kr);

/* The name of a delivery state or source ("dead", "queue"), "unknown" out of range; and
 * the state of a name (-1 for none). */
const char *deliveries_state_name(int state);
const char *deliveries_source_name(int source);
int deliveries_state_of(const char *name);

#endif
