#include "platform/admin_ledger.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "base/clock.h"
#include "http/reply.h"
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
    errno = 0;
    long long x = strtoll(q, &end, 10);
    if (!*q || *end || x < min || errno == ERANGE)
        return -1;
    *v = x;
    return 0;
}

/* The name of site `id`, looked up once per request and id ("" for 0 or a site gone). */
typedef struct name_cache {
    int64_t id[16];
    const char *name[16];
    unsigned n;
} name_cache_t;

static const char *site_name_of(kreq_t *kr, name_cache_t *c, int64_t id)
{
    if (!id)
        return "";
    for (unsigned i = 0; i < c->n; i++)
        if (c->id[i] == id)
            return c->name[i];
    site_rec_t s;
    const char *name = store_site_by_id(kr->store, kr->arena, id, &s) == STORE_OK ? s.name : "";
    unsigned slot = c->n < 16 ? c->n++ : (unsigned)(id % 16);
    c->id[slot] = id;
    c->name[slot] = name;
    return name;
}

void ledger_list(kreq_t *kr)
{
    long long n = 100, since = 0, after = 0;
    if (int_param(kr, "n", 1, &n) || int_param(kr, "since", 0, &since) || int_param(kr, "after", 0, &after)) {
        reply_error(kr, 400, 0,
                    "n must be a positive integer, since a time in epoch milliseconds and after a record id.");
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
    ledger_rec_t *r;
    size_t count;
    if (store_ledger_list(kr->store, kr->arena, site.id, since, after, n, &r, &count) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    name_cache_t names = {0};
    json_t *arr = json_array();
    for (size_t i = 0; i < count; i++) {
        char *when = arena_alloc(kr->arena, 40);
        clock_iso8601(when, 40, r[i].time_ms);
        const char *dir = !site.id ? "" : r[i].site_id == site.id ? "out" : "in";
        json_array_append_new(
            arr, json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "id", (json_int_t)r[i].id, "time", when,
                           "timeMs", (json_int_t)r[i].time_ms, "direction", dir, "site",
                           site_name_of(kr, &names, r[i].site_id), "destinationSite",
                           site_name_of(kr, &names, r[i].dest_site_id), "kind", r[i].kind, "appId",
                           *r[i].app_id ? arena_printf(kr->arena, "%s%s", APP_ARI_PREFIX, r[i].app_id) : "",
                           "installationId", r[i].installation_id, "invocationId", r[i].invocation_id, "destination",
                           r[i].destination, "bytes", (json_int_t)r[i].bytes));
    }
    reply_json_new(kr, 200, json_pack("{s:o}", "records", arr));
}
