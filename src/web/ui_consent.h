/* The user's consent screen (Forge's "Allow access" for asUser()): rows of the /_ui/v1
 * table (web/ui_api.h), so the session cookie and the session's site are already checked
 * and bound; both answer for the session's own account on the session's own site only.
 *
 *   GET  /_ui/v1/consent?appId=<id or app ARI>
 *     200 {appId, appName, environment, scopes: [name], egress: <the installation's
 *     egress permissions as the manifest declares them>, consented}: what the prompt
 *     shows. 404 when the app has no active installation on the session's site.
 *   POST /_ui/v1/consent {appId}  (X-Kiln-CSRF)
 *     records the consent through platform/consent.h (consent_grant: audited as
 *     `kiln consent` is, on the web plane): 200 {appId, consented: true}; 404 as above;
 *     400 for a malformed body. The body names no site and no account: there is nothing
 *     to forge. */
#ifndef KILN_WEB_UI_CONSENT_H
#define KILN_WEB_UI_CONSENT_H

#include "http/request.h"

#define UI_CONSENT_BODY_MAX 4096u /* bytes of a consent request body */

void ui_consent_get(kreq_t *kr);
void ui_consent_post(kreq_t *kr);

#endif
