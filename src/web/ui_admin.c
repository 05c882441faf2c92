#include "web/ui_admin.h"

#include "base/json.h"
#include "http/reply.h"
#include "platform/admin_journal.h"
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

static json_t *parsed(arena_t *a, const char *text, const char *fallback)
{
    json_error_t je;
    json_t *j = json_loads(text ? text : fallback, 0, &je);
    return json_own(a, j ? j : json_loads(fallback, 0, &je));
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
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:s,s:s,s:I,s:O,s:O,s:I}", "installationId", ins[i].id, "appId", ins[i].app_id,
                           "name", name, "environment", ins[i].env_key, "major", (json_int_t)ins[i].major, "scopes",
                           parsed(kr->arena, ins[i].scopes_json, "[]"), "egress",
                           parsed(kr->arena, ins[i].egress_json, "{}"), "installedAt", (json_int_t)ins[i].created_ms));
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
