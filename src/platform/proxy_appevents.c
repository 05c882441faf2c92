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
#include "store/store_installs.h"

#define MAX_REQUEST (64u * 1024)
#define APP_ARI "ari:cloud:ecosystem::app/"

static void refuse(kreq_t *kr, int status, const char *msg)
{
    reply_json_new(kr, status, json_pack("{s:[s]}", "errorMessages", msg));
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

/* 1 if the publisher's event module admits installations of app `app_id`: the publishing
 * app itself, "*", or its ARI in allowedRecipients. */
static int admits(json_t *event_module, const char *publisher, const char *app_id)
{
    if (strcmp(app_id, publisher) == 0)
        return 1;
    json_t *r;
    size_t i;
    json_array_foreach(json_object_get(event_module, "allowedRecipients"), i, r)
    {
        const char *s = json_string_value(r);
        if (s && (strcmp(s, "*") == 0 ||
                  (strncmp(s, APP_ARI, sizeof APP_ARI - 1) == 0 && strcmp(s + sizeof APP_ARI - 1, app_id) == 0)))
            return 1;
    }
    return 0;
}

/* The deliveries of `avi` (key `key`) to the triggers of installation `to` subscribed to
 * it, inserted in the open transaction; *made counts them. */
static int deliver_to(kreq_t *kr, const install_rec_t *to, const char *avi, const char *key, int64_t now, size_t *made)
{
    version_rec_t ver;
    if (install_version(kr->store, kr->arena, to, &ver) != STORE_OK)
        return STORE_OK; /* no deployed version to run: nothing subscribed */
    json_t *triggers = json_object_get(json_object_get(invoke_manifest(kr->arena, &ver), "modules"), "trigger");
    json_t *t;
    size_t j;
    int rc = STORE_OK;
    json_array_foreach(triggers, j, t)
    {
        const char *tkey = json_str(t, "key");
        if (!tkey || !subscribed(t, avi) || rc != STORE_OK)
            continue;
        delivery_rec_t d;
        deliver_rec_init(kr->arena, &d, to, DLV_SRC_APP, tkey, avi, now);
        json_t *p = json_pack("{s:s, s:s, s:s}", "eventType", avi, "key", key, "eventId", d.event_id);
        size_t len;
        d.payload_json = json_dump_arena(kr->arena, p, KILN_MAX_BODY, &len);
        json_decref(p);
        rc = d.payload_json ? store_delivery_insert(kr->store, &d) : STORE_ERROR;
        (*made)++;
    }
    return rc;
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
    json_t *failed = json_array();
    int64_t now = clock_now_ms();
    size_t made = 0, nsite = 0;
    install_rec_t *site = NULL;
    int rc = store_begin(kr->store);
    /* the recipients: the active installations of the publisher's own site, read in the
     * transaction the deliveries are written in */
    if (rc == STORE_OK)
        rc = store_install_site(kr->store, kr->arena, in.site_id, &site, &nsite);
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        const char *key = json_str(json_array_get(events, i), "key");
        json_t *module = invoke_module(manifest, "event", key);
        if (!module) {
            json_array_append_new(failed, json_pack("{s:{s:s}, s:s}", "event", "key", key, "errorMessage",
                                                    "No event module with this key in the installed version."));
            continue;
        }
        const char *avi = arena_printf(kr->arena, "avi:cloud:ecosystem::event/%s/%s", in.app_id, key);
        for (size_t k = 0; k < nsite && rc == STORE_OK; k++)
            if (site[k].site_id == in.site_id && !site[k].removed && admits(module, in.app_id, site[k].app_id))
                rc = deliver_to(kr, &site[k], avi, key, now, &made);
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
