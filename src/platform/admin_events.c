/* The deliveries on the admin plane: platform/admin_events.h. */
#include "platform/admin_events.h"

#include <jansson.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "http/server.h"
#include "platform/app.h"
#include "platform/deliver.h"
#include "platform/site.h"
#include "store/store.h"
#include "store/store_deliveries.h"
#include "store/store_sites.h"

static const char *const state_names[DLV__STATES] = {
    [DLV_PENDING] = "pending", [DLV_RUNNING] = "running",     [DLV_DELIVERED] = "delivered",
    [DLV_DEAD] = "dead",       [DLV_CANCELLED] = "cancelled", [DLV_DROPPED] = "dropped",
};

const char *deliveries_state_name(int state)
{
    return state >= 0 && state < DLV__STATES ? state_names[state] : "unknown";
}

const char *deliveries_source_name(int source)
{
    const deliver_source_t *s = deliver_source(source); /* its name is the sources table's */
    return s ? s->name : "unknown";
}

int deliveries_state_of(const char *name)
{
    for (int i = 0; i < DLV__STATES; i++)
        if (strcmp(state_names[i], name) == 0)
            return i;
    return -1;
}

/* ---- one row ---- */

static const char *iso(kreq_t *kr, int64_t ms)
{
    char *s = arena_alloc(kr->arena, 40);
    clock_iso8601(s, 40, ms);
    return s;
}

/* A site's name for a row, looked up once per request for runs of one site. */
typedef struct names {
    int64_t id;
    const char *name;
} names_t;

static const char *site_name(kreq_t *kr, names_t *c, int64_t id)
{
    if (c->id != id) {
        site_rec_t s;
        c->id = id;
        c->name = store_site_by_id(kr->store, kr->arena, id, &s) == STORE_OK ? s.name : "";
    }
    return c->name;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *row_json(kreq_t *kr, names_t *names, const delivery_rec_t *d)
{
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:s,s:I,s:s,s:I}", "id", (json_int_t)d->id, "site",
        site_name(kr, names, d->site_id), "appId", arena_printf(kr->arena, "%s%s", APP_ARI_PREFIX, d->app_id),
        "installationId", d->installation_id, "environment", d->env_key, "source", deliveries_source_name(d->source),
        "module", d->module_key, "eventType", d->event_type, "eventId", d->event_id, "state",
        deliveries_state_name(d->state), "attempts", (json_int_t)d->attempts, "due", iso(kr, d->due_ms), "dueMs",
        (json_int_t)d->due_ms, "created", iso(kr, d->created_ms), "createdMs", (json_int_t)d->created_ms, "updated",
        iso(kr, d->updated_ms), "updatedMs", (json_int_t)d->updated_ms);
    json_object_set_new(o, "jobId", str_or_null(d->job_id));
    json_object_set_new(o, "lastError", str_or_null(d->last_error));
    json_object_set_new(o, "retryReason", str_or_null(d->retry_reason));
    return o;
}

/* The stored JSON text as JSON (null when absent or unreadable). */
static json_t *stored_json(kreq_t *kr, const char *text)
{
    json_err_t err;
    json_t *j = text ? json_parse_arena(kr->arena, text, strlen(text), 64, &err) : NULL;
    return j ? json_incref(j) : json_null();
}

/* ---- the handlers ---- */

void deliveries_list(kreq_t *kr)
{
    delivery_filter_t f = {.state = -1};
    int64_t limit = ADMIN_DELIVERIES_LIMIT_DEFAULT, after = 0;
    if (kreq_query_int(kr, "limit", 1, ADMIN_DELIVERIES_LIMIT_MAX, &limit)) {
        reply_error(kr, 400, 0, "limit must be an integer from 1 to 1000.");
        return;
    }
    if (kreq_query_int(kr, "after", 0, INT64_MAX, &after)) {
        reply_error(kr, 400, 0, "after must be a delivery id (a non-negative integer).");
        return;
    }
    int bad = 0;
    const char *state = kreq_query(kr, "state", &bad);
    if (bad || (state && (f.state = deliveries_state_of(state)) < 0)) {
        reply_error(kr, 400, 0, "state must be one of pending, running, delivered, dead, cancelled, dropped.");
        return;
    }
    const char *app = kreq_query(kr, "app", &bad);
    if (bad || (app && !(f.app_id = app_id_from_ari(app)))) {
        reply_error(kr, 400, 0, "app must be an app id or ARI.");
        return;
    }
    const char *site = kreq_query(kr, "site", &bad);
    site_rec_t s;
    if (bad || (site && (!site_name_valid(site) || store_site_by_name(kr->store, kr->arena, site, &s) != STORE_OK))) {
        reply_error(kr, 404, 0, "No such site.");
        return;
    }
    f.site_id = site ? s.id : 0;
    f.after_id = after;
    f.limit = (size_t)limit;
    delivery_rec_t *rows;
    size_t n;
    if (store_delivery_list(kr->store, kr->arena, &f, &rows, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    names_t names = {.id = site ? s.id : 0, .name = site ? s.name : ""};
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, row_json(kr, &names, &rows[i]));
    reply_json_new(kr, 200, json_pack("{s:o}", "deliveries", arr));
}

/* The {id} param's delivery; replies 400/404 and returns -1 when there is none. */
static int load(kreq_t *kr, delivery_rec_t *d)
{
    int64_t id;
    if (enc_parse_i64(kr->params[0], 1, INT64_MAX, &id) != 0) {
        reply_error(kr, 400, 0, "A delivery id is a positive integer.");
        return -1;
    }
    int rc = store_delivery_get(kr->store, kr->arena, id, d);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 0,
                    rc == STORE_NOTFOUND ? "No such delivery." : "Internal server error");
        return -1;
    }
    return 0;
}

void deliveries_get(kreq_t *kr)
{
    delivery_rec_t d;
    if (load(kr, &d))
        return;
    names_t names = {0};
    json_t *o = row_json(kr, &names, &d);
    json_object_set_new(o, "payload", stored_json(kr, d.payload_json));
    json_object_set_new(o, "retryData", stored_json(kr, d.retry_data_json));
    reply_json_new(kr, 200, o);
}

void deliveries_replay(kreq_t *kr)
{
    if (kr->req->entity.len > 0) {
        reply_error(kr, 400, 0, "This request takes no body.");
        return;
    }
    delivery_rec_t d;
    if (load(kr, &d))
        return;
    int rc = store_delivery_replay(kr->store, d.id, clock_now_ms());
    if (rc == STORE_NOTFOUND) { /* not dead (any more): only a dead letter is replayed */
        reply_error(kr, 409, 0,
                    arena_printf(kr->arena, "Delivery %lld is %s, not dead: only a dead delivery can be replayed.",
                                 (long long)d.id, deliveries_state_name(d.state)));
        return;
    }
    if (rc != STORE_OK || store_delivery_get(kr->store, kr->arena, d.id, &d) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    deliver_kick();
    names_t names = {0};
    reply_json_new(kr, 200, row_json(kr, &names, &d));
}
