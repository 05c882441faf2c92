/* Custom UI frames and their bridge, on kiln's origin (docs/ui.md, "Custom UI"):
 *
 * Both are rows of the /_ui/v1 table (web/ui_api.h), which checks the session cookie and
 * X-Kiln-CSRF and binds the session's site before they run.
 *
 *   POST /_ui/v1/frames {appId, moduleKey, environment?, extension?, resource?}
 *     session cookie + X-Kiln-CSRF. The module must be a UI module with a `resource`
 *     (Custom UI, or UI Kit's render: native, whose frame the host keeps hidden) of the
 *     version the site's installation of the app
 *     runs; the extension is checked and completed by platform/uictx.h (an issue or project
 *     of the session's site the user may browse, else 404). 200 {token, expiresAt,
 *     frameUrl, uiOrigin, context, viewportSize, moduleKey, appId, environment}: `token` a
 *     context token (auth/uitoken.h) bound to the session's site and account, the
 *     installation, the module and a digest of the extension; `frameUrl` the resource's
 *     index.html on the UI origin (web/uiorigin.h). 503 when no UI origin is configured.
 *     A dashboard gadget's context has extension.gadgetConfiguration (what its edit view
 *     submitted); extension {entryPoint: "edit"} makes its edit resource's frame, for the
 *     site's administrators only (else 403).
 *     `resource` (UI Kit's <Frame resource="…">): the frame shows that resource of the
 *     same app version instead of the module's own, inside a UI Kit (render: native)
 *     module only (else 400; not with entryPoint "edit"); a key the manifest's resources
 *     do not hold is 404, one over 23 bytes or not a string 400. Every other check, the
 *     context and the token are the module's: the token binds the module, not the
 *     resource (the frame's bridge ops are the module's, as on Forge).
 *
 *   POST /_ui/v1/bridge {op, payload?, extension?}  + X-Kiln-Context: <token>
 *     session cookie + X-Kiln-CSRF. The token must be authentic and unexpired (else 401),
 *     its site and account the session's (else 403), its installation still the site's
 *     active one (else 401), and `extension` the one the frame was made for (its digest;
 *     else 403). Site, installation, module and user come only from the token and the
 *     session, never from the body. Ops (the server side of @forge/bridge's callBridge;
 *     the rest is the host's JavaScript, ui/src/host/frame/):
 *       getContext  -> {context}: the module's UI context, rebuilt now
 *       invoke      -> payload {functionKey, payload}: the module's resolver through
 *                      @forge/resolver's shape (as platform/direct.h), as the user;
 *                      {ok:true, value} or {ok:false, error:{name, message}}
 *       fetchProduct-> payload {product: "jira", restPath: "/rest/...", fetchRequestInit?}:
 *                      the Jira API as the user within the installation's consented
 *                      scopes, through gateway_invocation_product as a resolver's asUser()
 *                      call (the user's consent first: else status 401 with
 *                      consentRequired: true, which the host shows as a consent prompt);
 *                      {status, statusText, headers, body, isAttachment, consentRequired}
 *                      as @forge/bridge's requestJira reads it. Other products: 400.
 *       invoke      -> payload {invokeType: "ui-remote-fetch", path, method, headers?,
 *                      body?} (@forge/bridge's invokeRemote): the module's
 *                      resolver.endpoint's remote at route.path + path, with a FIT of the
 *                      user, module and site, through proxy_remote_send; {success,
 *                      payload | error: {status, headers: {name: [values]}, body?}}
 *       fetchRemote -> payload {remoteKey, fetchRequestInit} (requestRemote): one of the
 *                      app's remotes, the same way; {status, statusText, headers, body,
 *                      isAttachment}
 *       gadgetConfig-> payload: an object (view.submit in a dashboard gadget's edit view):
 *                      the gadget's configuration on the site, {saved: true}; only from
 *                      an edit view's frame (else 403), at most 32 KiB
 *       renew       -> {token, expiresAt}: a fresh token of the same bindings
 *     Any other op: 400 naming it. Limits: the body at most UIFRAMES_BODY_MAX bytes, the
 *     payload UIFRAMES_PAYLOAD_MAX, UIFRAMES_RATE_PER_MIN requests per installation and
 *     user a minute (429). Invocations are audited and in the ledger as every invocation. */
#ifndef KILN_UIFRAMES_H
#define KILN_UIFRAMES_H

#include "http/request.h"

#define UIFRAMES_BODY_MAX (512u * 1024)    /* bytes of a frames or bridge request body */
#define UIFRAMES_PAYLOAD_MAX (256u * 1024) /* bytes of a bridge op's payload (JSON text) */
#define UIFRAMES_RATE_PER_MIN 600          /* bridge requests per installation and user */
#define UIFRAMES_TIMEOUT_MS 25000          /* a resolver's default time limit (Forge's) */
#define UIFRAMES_MAX_TIMEOUT_MS 55000
#define UIFRAMES_GADGET_CONFIG_MAX (32u * 1024) /* a gadget's configuration (JSON text) */

void uiframes_frames(kreq_t *kr);
void uiframes_bridge(kreq_t *kr);

#endif
