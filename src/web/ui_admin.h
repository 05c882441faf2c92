/* The site admin page's data (docs/ui.md "Consent and administration"): rows of the
 * /_ui/v1 table (web/ui_api.h), so the session and the session's site are checked and
 * bound before these run; each answers 403 {"code":403,"message":"Only the site's admins
 * ..."} unless the signed-in user is an admin of THAT site (web_is_admin), and reads only
 * that site's rows.
 *
 *   GET /_ui/v1/admin/apps   -> {apps: [{installationId, appId, name, environment, major,
 *                               scopes, egress, installedAt, pending?: {major, scopes,
 *                               egress}}]}: the site's active installations; `pending` the
 *                               environment's newest major when the site has not consented
 *                               to it yet
 *   POST /_ui/v1/admin/upgrade {appId, environment}  (X-Kiln-CSRF)
 *                            -> consents to the pending major (install_upgrade, as the
 *                               signed-in admin; audited app.upgrade on the web plane):
 *                               200 {appId, environment, major}; install_upgrade's errors
 *                               (404 not installed on THIS site, 409 no newer major, ...)
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
void ui_admin_upgrade(kreq_t *kr);

#define UI_ADMIN_BODY_MAX 4096u /* bytes of an upgrade request body */

#endif
