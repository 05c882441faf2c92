#include "platform/proxy_appevents.h"

#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/limits.h"
#include "http/reply.h"
#include "platform/deliver.h"
#include "platform/install.h"
#include "platform/invoke.h"
#include "store/store_deliveries.h"

#define MAX_REQUEST (64u * 1024)

static void refuse(kreq_t *kr, int status, const char *msg)
{
    reply_json_new(kr, status, json_pack("{s:[s]}", "errorMessages", msg));
}

/* 1 if modules.<type>[] of `manifest` has an item with `key`. */
static int declares(json_t *manifest, const char *type, const char *key)
{
    return invoke_module(manifest, type, key) != NULL;
}

/* 1 if trigger `t` lists `avi` among its events (a string or {eventType}). */
static int subscribed(json_t *t, const char *avi)
{
    json_t *evs = json_object_get(t, "events"), *e;
    size_t i;
    json_array_foreach(evs, i, e)
    {
        const char *s = json_is_object(e) ? json_str(e, "eventType") : json_string_value(e);
        if (s && strcmp(s, avi) == 0)
            return 1;
    }
    return 0;
}

int proxy_appevents_match(kreq_t *kr)
{
    return kr->nseg == 6 && strcmp(kr->seg[2], "forge") == 0 && strcmp(kr->seg[3], "events") == 0 &&
           strcmp(kr->seg[4], "v1") == 0 && strcmp(kr->seg[5], "app-events") == 0;
}

void proxy_appevents(kreq_t *kr, const invocation_t *inv)
{
    if (!kreq_method_is(kr, "POST")) {
        refuse(kr, 405, "Method Not Allowed");
        return;
    }
    if (kr->req->entity.len > MAX_REQUEST) {
        refuse(kr, 413, "The request is larger than 64 KB.");
        return;
    }
    json_err_t err;
    json_t *req = json_parse_arena(kr->arena, kr->req->entity.base, kr->req->entity.len, KILN_MAX_JSON_DEPTH, &err);
    json_t *events = json_object_get(req, "events");
    size_t n = json_array_size(events);
    if (!json_is_array(events) || n == 0 || n > APPEVENTS_MAX) {
        refuse(kr, 400, "events must be a list of 1 to 10 events.");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *key = json_str(json_array_get(events, i), "key");
        if (!key || !*key || strlen(key) > 255) {
            refuse(kr, 400, "Each event needs a key: the key of an event module of the app.");
            return;
        }
    }
    install_rec_t in;
    version_rec_t ver;
    if (store_install_get(kr->store, kr->arena, inv->installation_id, &in) != STORE_OK || in.removed ||
        in.site_id != inv->site_id || install_version(kr->store, kr->arena, &in, &ver) != STORE_OK) {
        refuse(kr, 404, "The installation is gone.");
        return;
    }
    json_t *manifest = invoke_manifest(kr->arena, &ver);
    json_t *triggers = json_object_get(json_object_get(manifest, "modules"), "trigger");
    json_t *failed = json_array();
    int64_t now = clock_now_ms();
    size_t made = 0;
    int rc = store_begin(kr->store);
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        const char *key = json_str(json_array_get(events, i), "key");
        if (!declares(manifest, "event", key)) {
            json_array_append_new(failed, json_pack("{s:{s:s}, s:s}", "event", "key", key, "errorMessage",
                                                    "No event module with this key in the installed version."));
            continue;
        }
        const char *avi = arena_printf(kr->arena, "avi:cloud:ecosystem::event/%s/%s", in.app_id, key);
        json_t *t;
        size_t j;
        json_array_foreach(triggers, j, t)
        {
            const char *tkey = json_str(t, "key");
            if (!tkey || !subscribed(t, avi) || rc != STORE_OK)
                continue;
            delivery_rec_t d;
            deliver_rec_init(kr->arena, &d, &in, DLV_SRC_APP, tkey, avi, now);
            json_t *p = json_pack("{s:s, s:s, s:s}", "eventType", avi, "key", key, "eventId", d.event_id);
            size_t len;
            d.payload_json = json_dump_arena(kr->arena, p, KILN_MAX_BODY, &len);
            json_decref(p);
            rc = d.payload_json ? store_delivery_insert(kr->store, &d) : STORE_ERROR;
            made++;
        }
    }
    if (rc != STORE_OK || store_commit(kr->store) != STORE_OK) {
        store_rollback(kr->store);
        json_decref(failed);
        refuse(kr, 503, "The events could not be stored; nothing was published. Retry shortly.");
        return;
    }
    if (made)
        deliver_kick();
    reply_json_new(kr, 200, json_pack("{s:o}", "failedEvents", failed));
}
