/* What an uninstall owes the app's deliveries: platform/uninstall.h. */
#include "platform/uninstall.h"

#include <jansson.h>
#include <string.h>

#include "base/enc.h"
#include "base/json.h"
#include "platform/app.h"
#include "platform/deliver.h"
#include "platform/invoke.h"
#include "store/store_deliveries.h"

/* 1 if trigger module `trig` lists `event` (a string, or {eventType: ...}). */
static int subscribed(json_t *trig, const char *event)
{
    size_t j;
    json_t *e;
    json_array_foreach(json_object_get(trig, "events"), j, e)
    {
        const char *name = json_is_string(e) ? json_string_value(e) : json_str(e, "eventType");
        if (name && strcmp(name, event) == 0)
            return 1;
    }
    return 0;
}

int uninstall_deliveries(store_t *st, arena_t *a, const install_rec_t *in, const char *cloud_id,
                         const version_rec_t *ver, const env_rec_t *env, int64_t now, int64_t *dropped, int64_t *owed)
{
    *owed = 0;
    int rc = store_delivery_drop_installation(st, in->id, UNINSTALL_DROP_REASON, now, dropped);
    if (rc != STORE_OK)
        return rc;
    json_t *manifest = invoke_manifest(a, ver);
    if (!manifest)
        return STORE_OK; /* nothing readable to subscribe with */
    json_t *p = json_own(a, json_pack("{s:s,s:{s:s,s:s},s:{s:s},s:s}", "id", in->id, "app", "id",
                                      arena_printf(a, "%s%s", APP_ARI_PREFIX, in->app_id), "version",
                                      arena_printf(a, "%lld.%lld.0", (long long)ver->major, (long long)ver->minor),
                                      "environment", "id", env->id, "eventType", UNINSTALL_EVENT));
    size_t len;
    const char *payload = p ? json_dump_arena(a, p, 1 << 16, &len) : NULL;
    if (!payload)
        return STORE_ERROR;
    size_t i;
    json_t *mod;
    json_t *modules = json_object_get(manifest, "modules");
    json_array_foreach(json_object_get(modules, "trigger"), i, mod)
    {
        const char *key = json_str(mod, "key");
        if (!key || !subscribed(mod, UNINSTALL_EVENT))
            continue;
        delivery_rec_t d;
        deliver_rec_init(a, &d, in, DLV_SRC_LIFECYCLE, key, UNINSTALL_EVENT, now);
        d.payload_json = payload;
        if ((rc = store_delivery_insert(st, &d)) != STORE_OK)
            return rc;
        (*owed)++;
    }
    /* preUninstall modules: {context: {cloudId, moduleKey}} (the engine adds the contextToken) */
    json_array_foreach(json_object_get(modules, "preUninstall"), i, mod)
    {
        const char *key = json_str(mod, "key");
        json_t *ctx =
            key ? json_own(a, json_pack("{s:{s:s,s:s}}", "context", "cloudId", cloud_id, "moduleKey", key)) : NULL;
        const char *body = ctx ? json_dump_arena(a, ctx, 1 << 12, &len) : NULL;
        if (!key)
            continue;
        if (!body)
            return STORE_ERROR;
        delivery_rec_t d;
        deliver_rec_init(a, &d, in, DLV_SRC_PREUNINSTALL, key, "preUninstall", now);
        d.payload_json = body;
        if ((rc = store_delivery_insert(st, &d)) != STORE_OK)
            return rc;
        (*owed)++;
    }
    return STORE_OK;
}
