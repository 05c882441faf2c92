/* Fan-out: a site's product events (store/store_events.h, recorded with each write)
 * become deliveries (store/store_deliveries.h, source DLV_SRC_PRODUCT) for the
 * installations on that site whose deployed manifest has a `trigger` module subscribed to
 * the event, whose consented scopes cover the event (platform/event_scopes.h) and whose
 * filter lets it through (ignoreSelf; expression: product/jexpr.h; onError). The payload
 * is Forge's for that event type (docs/events.md), built here once per event and site.
 *
 * Exactly once: the deliveries of a batch of events and the site's cursor's advance are
 * one unit: a savepoint of the caller's write transaction when one is open (the delivery
 * engine's pass: the fan-out and the starts it allows share one commit, one fsync), else a
 * transaction of its own. An installation created after an event never gets it. Runs on the
 * delivery engine's thread only (platform/deliver.h). */
#ifndef KILN_FANOUT_H
#define KILN_FANOUT_H

#include <stdint.h>

#include "store/store.h"

#define FANOUT_BATCH 256 /* product events per transaction */

/* Fans out the site's events after its cursor, at most FANOUT_BATCH; *more = 1 when more
 * remain. *made = deliveries inserted. 0, or -1 (a store error, or no room to read the
 * site's subscriptions: nothing of this batch changed, the next pass tries again). In a
 * caller's transaction, what it wrote is durable only once the caller commits. An event whose stored
 * payload is not a JSON object, and an installed version whose manifest does not parse,
 * are passed over (logged) rather than holding the site's other events back. */
int fanout_site(store_t *st, arena_t *a, int64_t site_id, int *more, size_t *made);

/* From any thread: the site's installations or their versions changed (install, upgrade,
 * uninstall, deploy); 0: every site. What fan-out cached about them (each installation's
 * subscribed triggers, their compiled filters) is dropped. The cache is also checked
 * against the installations each batch reads in its own transaction, so an install,
 * upgrade, uninstall or deploy that commits before its invalidation still counts for the
 * events after it (a batch checks each cached installation's newest version seq in its own
 * transaction). A deploy counts for every batch that sees it: events written before it
 * but not fanned out yet go by the new version's triggers too. */
void fanout_invalidate(int64_t site_id);

#endif
