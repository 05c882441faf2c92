/* The journals on the admin plane (journal/): GET /admin/v1/audit, /admin/v1/ledger and
 * /admin/v1/logs. They page alike, oldest first:
 *
 *   ?n=N       how many (default 100, at most 1000)
 *   ?after=ID  only rows with a greater id (the last id of the previous page)
 *   ?since=MS  only rows at or after this epoch-millisecond time (audit and ledger)
 *   ?site=NAME only this site's rows (default: every site)
 *
 * A malformed number answers 400 naming the parameters, an unknown site 404. Rows are
 * written in batches (journal/journal.h): one appears at most its journal's flush time
 * after it happened; these handlers do not wait for the writer. `kiln audit|ledger|logs`
 * (cli/listing.c) read them. */
#ifndef KILN_ADMIN_JOURNAL_H
#define KILN_ADMIN_JOURNAL_H

#include "http/request.h"
#include "store/store_sites.h"

/* {"events":[{id, time, timeMs, count, lastTime, site, kind, plane, actor, appId,
 * installationId, invocationId, method, path, status, category, detail}]} */
void audit_list(kreq_t *kr);

/* {"records":[{id, time, timeMs, direction, site, destinationSite, kind, appId,
 * installationId, invocationId, destination, bytes}]}. With site, only records whose
 * source or destination site it is; `direction` is "out" (its data left) or "in"
 * (another site's data came in), "" without site. */
void ledger_list(kreq_t *kr);

/* {"logs":[{id, time, level, message, invocationId, appId, site, module}]}: the
 * functions' console output. */
void logs_list(kreq_t *kr);

/* The same listings of ONE site, the caller's bound site (the site admin page's
 * /_ui/v1/admin rows, web/ui_admin.h): `site` is the only site read; a ?site parameter is
 * refused (400), never followed. */
void audit_list_site(kreq_t *kr, const site_rec_t *site);
void ledger_list_site(kreq_t *kr, const site_rec_t *site);

#endif
