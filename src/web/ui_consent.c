#include "web/ui_consent.h"

#include <string.h>

#include "base/json.h"
#include "http/reply.h"
#include "journal/audit.h"
#include "platform/app.h"
#include "platform/consent.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "web/web.h"

/* The session site's active installation of the app; answered (404/500) when none. */
static int find_install(kreq_t *kr, const char *app, install_rec_t *out)
{
    install_rec_t *ins;
    size_t n;
    if (store_install_site(kr->store, kr->arena, kr->site.id, &ins, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return -1;
    }
    for (size_t i = 0; app && i < n; i++)
        if (!ins[i].removed && strcmp(ins[i].app_id, app) == 0) {
            *out = ins[i];
            return 0;
        }
    reply_error(kr, 404, 0, "The app is not installed on this site.");
    return -1;
}

void ui_consent_get(kreq_t *kr)
{
    int bad = 0;
    const char *q = kreq_query(kr, "appId", &bad);
    const char *app = q && strlen(q) <= 128 ? app_id_from_ari(q) : NULL;
    if (bad || !app) {
        reply_error(kr, 400, 0, "appId is an app id or app ARI.");
        return;
    }
    install_rec_t in;
    if (find_install(kr, app, &in) != 0)
        return;
    app_rec_t ar;
    const char *name = store_app_get(kr->store, kr->arena, app, &ar) == STORE_OK ? ar.name : app;
    int has = 0;
    if (store_consent_has(kr->store, kr->site.id, app, kr->principal.account_id, &has) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    reply_json_new(kr, 200,
                   json_pack("{s:s,s:s,s:s,s:O,s:O,s:b}", "appId", app, "appName", name, "environment", in.env_key,
                             "scopes", web_stored_json(kr->arena, in.scopes_json, "[]"), "egress",
                             web_stored_json(kr->arena, in.egress_json, "{}"), "consented", has));
}

void ui_consent_post(kreq_t *kr)
{
    if (kr->req->entity.len > UI_CONSENT_BODY_MAX) {
        reply_error(kr, 413, 0, "The request body is larger than the consent screen accepts.");
        return;
    }
    json_t *b = kreq_json_body(kr, 0);
    if (!b)
        return;
    const char *q = json_str(b, "appId");
    const char *app = q && strlen(q) <= 128 ? app_id_from_ari(q) : NULL;
    if (!app || json_object_size(b) != 1) {
        reply_error(kr, 400, 0, "The body is {\"appId\": an app id or app ARI}.");
        return;
    }
    install_rec_t in;
    if (find_install(kr, app, &in) != 0)
        return;
    int rc = consent_grant(kr->store, kr->arena, &kr->site, app, kr->principal.account_id, AUDIT_PLANE_WEB);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 0,
                    rc == STORE_NOTFOUND ? "Only an active person of this site can allow an app access."
                                         : "Internal server error");
        return;
    }
    reply_json_new(kr, 200, json_pack("{s:s,s:b}", "appId", app, "consented", 1));
}
