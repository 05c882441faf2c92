/* The site admin page's data (docs/ui.md "Consent and administration"): rows of the
 * /_ui/v1 table (web/ui_api.h), so the session and the session's site are checked and
 * bound before these run; each answers 403 {"code":403,"message":"Only the site's admins
 * ..."} unless the signed-in user is an admin of THAT site (web_is_admin), and reads only
 * that site's rows.
 *
 *   GET /_ui/v1/admin/apps   -> {apps: [{appId, name, environment, major, scopes, egress,
 *                               installedAt}]}: the site's active installations
 *   GET /_ui/v1/admin/audit  -> the site's audit log, paged as GET /admin/v1/audit
 *                               (platform/admin_journal.h: ?n, ?after, ?since; no ?site)
 *   GET /_ui/v1/admin/ledger -> the site's data-flow ledger, paged alike: records whose
 *                               source or destination is this site, with direction */
#ifndef KILN_WEB_UI_ADMIN_H
#define KILN_WEB_UI_ADMIN_H

#include "http/request.h"

void ui_admin_apps(kreq_t *kr);
void ui_admin_audit(kreq_t *kr);
void ui_admin_ledger(kreq_t *kr);

#endif
