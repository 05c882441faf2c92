#include "web/ui_admin.h"

#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "http/reply.h"
#include "journal/audit.h"
#include "platform/admin_journal.h"
#include "platform/app.h"
#include "platform/install.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "web/web.h"

/* 0 when the signed-in user administers the bound site; else answered 403. */
static int admin_only(kreq_t *kr)
{
    if (web_is_admin(kr, &kr->site, kr->principal.account_id) == 1)
        return 0;
    reply_error(kr, 403, 0, "Only the site's admins can see its administration.");
    return -1;
}

void ui_admin_apps(kreq_t *kr)
{
    if (admin_only(kr))
        return;
    install_rec_t *ins;
    size_t n;
    if (store_install_site(kr->store, kr->arena, kr->site.id, &ins, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (ins[i].removed)
            continue;
        app_rec_t ar;
        const char *name =
            store_app_get(kr->store, kr->arena, ins[i].app_id, &ar) == STORE_OK ? ar.name : ins[i].app_id;
        version_rec_t nv; /* the environment's newest version: a major not consented yet is pending */
        json_t *pending = NULL;
        if (store_version_latest(kr->store, kr->arena, ins[i].app_id, ins[i].env_key, -1, &nv) == STORE_OK &&
            nv.major > ins[i].major)
            pending = json_pack("{s:I,s:O,s:O}", "major", (json_int_t)nv.major, "scopes",
                                web_stored_json(kr->arena, nv.scopes_json, "[]"), "egress",
                                web_stored_json(kr->arena, nv.egress_json, "{}"));
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:I,s:O,s:O,s:I,s:o?}", "installationId", ins[i].id,
                                             "appId", ins[i].app_id, "name", name, "environment", ins[i].env_key,
                                             "major", (json_int_t)ins[i].major, "scopes",
                                             web_stored_json(kr->arena, ins[i].scopes_json, "[]"), "egress",
                                             web_stored_json(kr->arena, ins[i].egress_json, "{}"), "installedAt",
                                             (json_int_t)ins[i].created_ms, "pending", pending));
    }
    reply_json_new(kr, 200, json_pack("{s:o}", "apps", arr));
}

void ui_admin_audit(kreq_t *kr)
{
    if (admin_only(kr) == 0)
        audit_list_site(kr, &kr->site);
}

void ui_admin_ledger(kreq_t *kr)
{
    if (admin_only(kr) == 0)
        ledger_list_site(kr, &kr->site);
}

void ui_admin_upgrade(kreq_t *kr)
{
    if (admin_only(kr))
        return;
    if (kr->req->entity.len > UI_ADMIN_BODY_MAX) {
        reply_error(kr, 413, 0, "The request body is larger than the admin page accepts.");
        return;
    }
    json_t *b = kreq_json_body(kr, 0);
    if (!b)
        return;
    const char *q = json_str(b, "appId"), *env = json_str(b, "environment");
    const char *app = q && strlen(q) <= 128 ? app_id_from_ari(q) : NULL;
    size_t members = json_object_size(b);
    if (!app || !env || !app_env_key_valid(env) || members != 2) {
        reply_error(kr, 400, 0, "The body is {\"appId\": an app id or ARI, \"environment\": its key}.");
        return;
    }
    install_rec_t in;
    version_rec_t v;
    enum install_result r =
        install_upgrade(kr->store, kr->arena, &kr->site, app, env, kr->principal.account_id, clock_now_ms(), &in, &v);
    if (r != INSTALL_OK) {
        reply_error(kr, install_result_status(r), 0, install_result_message(r));
        return;
    }
    audit_record(&(audit_event_t){
        .site_id = kr->site.id,
        .kind = AUDIT_UPGRADE,
        .plane = AUDIT_PLANE_WEB,
        .actor = kr->principal.account_id,
        .app_id = in.app_id,
        .installation_id = in.id,
        .status = 200,
        .detail = arena_printf(kr->arena, "environment %s, major %lld", in.env_key, (long long)in.major)});
    reply_json_new(
        kr, 200,
        json_pack("{s:s,s:s,s:I}", "appId", in.app_id, "environment", in.env_key, "major", (json_int_t)in.major));
}
