/* What an uninstall owes the app's deliveries: platform/uninstall.h. */
#include "platform/uninstall.h"

#include <jansson.h>
#include <string.h>

#include "base/enc.h"
#include "base/json.h"
#include "platform/app.h"
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

int uninstall_deliveries(store_t *st, arena_t *a, const install_rec_t *in, const version_rec_t *ver,
                         const env_rec_t *env, int64_t now, int64_t *dropped, int64_t *owed)
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
    json_t *trig;
    json_array_foreach(json_object_get(json_object_get(manifest, "modules"), "trigger"), i, trig)
    {
        const char *key = json_str(trig, "key");
        if (!key || !subscribed(trig, UNINSTALL_EVENT))
            continue;
        char *event_id = arena_alloc(a, 37);
        enc_uuid4(event_id);
        delivery_rec_t d = {
            .site_id = in->site_id,
            .installation_id = in->id,
            .app_id = in->app_id,
            .env_key = in->env_key,
            .source = DLV_SRC_LIFECYCLE,
            .module_key = key,
            .event_type = UNINSTALL_EVENT,
            .event_id = event_id,
            .payload_json = payload,
            .state = DLV_PENDING,
            .due_ms = now,
            .created_ms = now,
            .updated_ms = now,
        };
        if ((rc = store_delivery_insert(st, &d)) != STORE_OK)
            return rc;
        (*owed)++;
    }
    return STORE_OK;
}
