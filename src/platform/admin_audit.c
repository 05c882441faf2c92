#include "platform/admin_audit.h"

#include <jansson.h>
#include <stdlib.h>

#include "base/clock.h"
#include "http/reply.h"
#include "journal/audit.h"
#include "platform/app.h"
#include "platform/site.h"
#include "store/store_journal.h"
#include "store/store_sites.h"

/* An integer query parameter: 0 and *v set (or left at its default when absent), -1 if malformed. */
static int int_param(kreq_t *kr, const char *name, long long min, long long *v)
{
    int bad = 0;
    const char *q = kreq_query(kr, name, &bad);
    if (bad)
        return -1;
    if (!q)
        return 0;
    char *end;
    long long x = strtoll(q, &end, 10);
    if (!*q || *end || x < min)
        return -1;
    *v = x;
    return 0;
}

void audit_list(kreq_t *kr)
{
    long long n = 100, since = 0, after = 0;
    if (int_param(kr, "n", 1, &n) || int_param(kr, "since", 0, &since) || int_param(kr, "after", 0, &after)) {
        reply_error(kr, 400, 0,
                    "n must be a positive integer, since a time in epoch milliseconds and after an event id.");
        return;
    }
    if (n > 1000)
        n = 1000;
    int bad = 0;
    const char *site_name = kreq_query(kr, "site", &bad);
    site_rec_t site = {0};
    if (bad || (site_name && (!site_name_valid(site_name) ||
                              store_site_by_name(kr->store, kr->arena, site_name, &site) != STORE_OK))) {
        reply_error(kr, 404, 0, "No such site.");
        return;
    }
    audit_rec_t *ev;
    size_t count;
    if (store_audit_list(kr->store, kr->arena, site.id, since, after, n, &ev, &count) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < count; i++) {
        site_rec_t s;
        const char *name = site.id ? site.name
                           : ev[i].site_id && store_site_by_id(kr->store, kr->arena, ev[i].site_id, &s) == STORE_OK
                               ? s.name
                               : "";
        char *when = arena_alloc(kr->arena, 40), *last = arena_alloc(kr->arena, 40);
        clock_iso8601(when, 40, ev[i].time_ms);
        clock_iso8601(last, 40, ev[i].last_ms);
        json_array_append_new(
            arr, json_pack("{s:I,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s}", "id",
                           (json_int_t)ev[i].id, "time", when, "timeMs", (json_int_t)ev[i].time_ms, "count",
                           (json_int_t)ev[i].count, "lastTime", last, "site", name, "kind", ev[i].kind, "plane",
                           ev[i].plane, "actor", ev[i].actor, "appId",
                           *ev[i].app_id ? arena_printf(kr->arena, "%s%s", APP_ARI_PREFIX, ev[i].app_id) : "",
                           "installationId", ev[i].installation_id, "invocationId", ev[i].invocation_id, "method",
                           ev[i].method, "path", ev[i].path, "status", ev[i].status, "category", ev[i].category,
                           "detail", ev[i].detail));
    }
    reply_json_new(kr, 200, json_pack("{s:o}", "events", arr));
}
