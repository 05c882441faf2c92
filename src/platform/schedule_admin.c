#include "platform/schedule_admin.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/json.h"
#include "http/reply.h"
#include "http/server.h"
#include "platform/app.h"
#include "platform/install.h"
#include "platform/invoke.h"
#include "platform/schedheap.h"
#include "platform/schedule.h"
#include "platform/site.h"
#include "store/store_schedules.h"

static const char *const state_names[DLV__STATES] = {
    [DLV_PENDING] = "pending", [DLV_RUNNING] = "running",     [DLV_DELIVERED] = "delivered",
    [DLV_DEAD] = "failed",     [DLV_CANCELLED] = "cancelled", [DLV_DROPPED] = "dropped",
};

static const char *iso(kreq_t *kr, int64_t ms)
{
    char *b = arena_alloc(kr->arena, 40);
    clock_iso8601(b, 40, ms);
    return b;
}

void schedule_list(kreq_t *kr)
{
    int bad = 0;
    const char *name = kreq_query(kr, "site", &bad);
    site_rec_t site;
    if (bad || !name) {
        reply_error(kr, 400, 0, "site=NAME is required.");
        return;
    }
    if (!site_name_valid(name) || store_site_by_name(kr->store, kr->arena, name, &site) != STORE_OK) {
        reply_error(kr, 404, 0, "No such site.");
        return;
    }
    schedule_rec_t *rows;
    size_t n;
    if (store_schedule_list(kr->store, kr->arena, NULL, site.id, &rows, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "installationId", rows[i].installation_id,
                                             "appId", rows[i].app_id, "environment", rows[i].env_key, "moduleKey",
                                             rows[i].module_key, "interval", rows[i].interval, "nextRun",
                                             iso(kr, rows[i].next_ms), "nextRunMs", (json_int_t)rows[i].next_ms));
    reply_json_new(
        kr, 200, json_pack("{s:s,s:I,s:o}", "site", site.name, "now", (json_int_t)schedule_now_ms(), "schedules", arr));
}

void schedule_run(kreq_t *kr)
{
    site_rec_t site;
    install_rec_t in;
    version_rec_t ver;
    if (install_of_route(kr, &site, &in, &ver) != 0)
        return;
    json_t *mod = invoke_module(invoke_manifest(kr->arena, &ver), "scheduledTrigger", kr->params[3]);
    if (!mod) {
        reply_error(kr, 404, 0, "The installed version has no scheduledTrigger module with that key.");
        return;
    }
    int64_t id = 0;
    if (schedule_insert_run(kr->store, kr->arena, &in, &site, kr->params[3], json_str(mod, "interval"), &id) !=
        STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    deliver_kick();
    reply_json_new(kr, 202, json_pack("{s:I}", "deliveryId", (json_int_t)id));
}

void schedule_run_get(kreq_t *kr)
{
    char *end;
    long long id = strtoll(kr->params[0], &end, 10);
    delivery_rec_t d;
    if (*end || id <= 0 || store_delivery_get(kr->store, kr->arena, id, &d) != STORE_OK ||
        d.source != DLV_SRC_SCHEDULE) {
        reply_error(kr, 404, 0, "No such scheduled run.");
        return;
    }
    site_rec_t site;
    const char *sname = store_site_by_id(kr->store, kr->arena, d.site_id, &site) == STORE_OK ? site.name : "";
    json_t *o = json_pack("{s:I,s:s,s:I,s:s,s:s,s:s}", "id", (json_int_t)d.id, "state",
                          d.state >= 0 && d.state < DLV__STATES ? state_names[d.state] : "unknown", "attempts",
                          (json_int_t)d.attempts, "moduleKey", d.module_key, "site", sname, "installationId",
                          d.installation_id);
    json_object_set_new(o, "error", d.last_error ? json_string(d.last_error) : json_null());
    reply_json_new(kr, 200, o);
}

/* ---- the test clock ---- */

static void on_advanced(completion_t *c)
{
    schedule_advance_t *r = (schedule_advance_t *)c;
    kreq_t *kr = c->owner;
    if (kr) {
        kr->waiting = NULL;
        reply_json_new(kr, 200,
                       json_pack("{s:I,s:I,s:s,s:I}", "offsetMs", (json_int_t)r->offset_ms, "now",
                                 (json_int_t)r->now_ms, "nowIso", iso(kr, r->now_ms), "fired", (json_int_t)r->fired));
    }
    free(r);
}

void schedule_advance(kreq_t *kr)
{
    if (!schedule_test_clock_enabled()) {
        reply_error(kr, 404, 0, "The scheduler's clock moves only under kiln serve --test-clock.");
        return;
    }
    json_t *body = kreq_json_body(kr, 0);
    if (!body)
        return;
    const char *k;
    json_t *v, *ms = json_object_get(body, "ms");
    json_object_foreach(body, k, v) if (strcmp(k, "ms") != 0)
    {
        reply_error(kr, 400, 0, "Unknown field; an advance takes \"ms\".");
        return;
    }
    if (!json_is_integer(ms) || json_integer_value(ms) < 1 || json_integer_value(ms) > SCHEDULE_ADVANCE_MAX_MS) {
        reply_error(kr, 400, 0, "ms must be an integer from 1 to 31622400000 (366 days).");
        return;
    }
    schedule_advance_t *r = xcalloc(1, sizeof *r);
    r->ms = json_integer_value(ms);
    r->c.receiver = &kr->thr->completions;
    r->c.owner = kr;
    r->c.done = on_advanced;
    if (schedule_advance_post(r) != 0) {
        free(r);
        reply_error(kr, 503, 0, "The scheduler is not running.");
        return;
    }
    kr->waiting = &r->c;
}
