/* The data-flow ledger on the admin plane: GET /admin/v1/ledger (journal/ledger.h). */
#ifndef KILN_ADMIN_LEDGER_H
#define KILN_ADMIN_LEDGER_H

#include "http/request.h"

/* ?site=NAME (default: every site) &since=EPOCH_MS &after=ID &n=N (default 100, at most
 * 1000): {"records":[{id, time, timeMs, direction, site, destinationSite, kind, appId,
 * installationId, invocationId, destination, bytes}]}, oldest first. With site, only
 * records whose source or destination site it is; `direction` is "out" (its data left)
 * or "in" (another site's data came in), "" without site. 404 for an unknown site, 400
 * for malformed numbers. Records are written in batches: one appears at most
 * LEDGER_FLUSH_MS after the transfer. */
void ledger_list(kreq_t *kr);

#endif
