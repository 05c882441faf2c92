#include "platform/admin_journal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "http/reply.h"
#include "http/server.h"
#include "journal/audit.h"
#include "journal/fnlog.h"
#include "journal/ledger.h"
#include "platform/app.h"
#include "platform/site.h"
#include "store/store.h"
#include "store/store_journal.h"
#include "store/store_sites.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

/* ---- paging: one reader for the three listings ---- */

typedef struct page {
    int64_t n, since, after;
    int64_t invocations; /* logs: 1 = with the row saying how each invocation ended */
    site_rec_t site;     /* id 0: every site */
} page_t;

/* Reads ?n, ?after, ?since (when `with_since`) and ?site; on bad input replies and
 * returns -1. `noun` is what `after` names ("an event id"). */
static int page_read(kreq_t *kr, const char *noun, int with_since, const site_rec_t *bound, page_t *p)
{
    *p = (page_t){.n = PAGE_DEFAULT};
    if (kreq_query_int(kr, "n", 1, INT64_MAX, &p->n) || kreq_query_int(kr, "after", 0, INT64_MAX, &p->after) ||
        (with_since && kreq_query_int(kr, "since", 0, INT64_MAX, &p->since)) ||
        kreq_query_int(kr, "invocations", 0, 1, &p->invocations)) {
        reply_error(kr, 400, 0,
                    arena_printf(kr->arena, "n must be a positive integer%s after %s (and invocations 0 or 1).",
                                 with_since ? ", since a time in epoch milliseconds and" : " and", noun));
        return -1;
    }
    if (p->n > PAGE_MAX)
        p->n = PAGE_MAX;
    int bad = 0;
    const char *name = kreq_query(kr, "site", &bad);
    if (bound) {
        if (bad || name) {
            reply_error(kr, 400, 0, "This listing is of the signed-in site only: it takes no site parameter.");
            return -1;
        }
        p->site = *bound;
        return 0;
    }
    if (bad ||
        (name && (!site_name_valid(name) || store_site_by_name(kr->store, kr->arena, name, &p->site) != STORE_OK))) {
        reply_error(kr, 404, 0, "No such site.");
        return -1;
    }
    return 0;
}

/* The name of site `id` for a row, looked up once per request and id ("" for 0 or a
 * site gone); the page's own site without a lookup. */
typedef struct names {
    const page_t *page;
    int64_t id[16];
    const char *name[16];
    unsigned n;
} names_t;

static const char *site_name(kreq_t *kr, names_t *c, int64_t id)
{
    if (!id)
        return "";
    if (id == c->page->site.id)
        return c->page->site.name;
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

static const char *iso(kreq_t *kr, int64_t ms)
{
    char *s = arena_alloc(kr->arena, 40);
    clock_iso8601(s, 40, ms);
    return s;
}

static const char *app_ari(kreq_t *kr, const char *app_id)
{
    return *app_id ? arena_printf(kr->arena, "%s%s", APP_ARI_PREFIX, app_id) : "";
}

/* ---- the listings ---- */

static void list_audit(kreq_t *kr, const page_t *pp)
{
    const page_t p = *pp;
    audit_rec_t *ev;
    size_t count;
    if (store_audit_list(kr->store, kr->arena, p.site.id, p.since, p.after, p.n, &ev, &count) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    names_t names = {.page = &p};
    json_t *arr = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(
            arr, json_pack("{s:I,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s}", "id",
                           (json_int_t)ev[i].id, "time", iso(kr, ev[i].time_ms), "timeMs", (json_int_t)ev[i].time_ms,
                           "count", (json_int_t)ev[i].count, "lastTime", iso(kr, ev[i].last_ms), "site",
                           site_name(kr, &names, ev[i].site_id), "kind", ev[i].kind, "plane", ev[i].plane, "actor",
                           ev[i].actor, "appId", app_ari(kr, ev[i].app_id), "installationId", ev[i].installation_id,
                           "invocationId", ev[i].invocation_id, "method", ev[i].method, "path", ev[i].path, "status",
                           ev[i].status, "category", ev[i].category, "detail", ev[i].detail));
    reply_json_new(kr, 200, json_pack("{s:o}", "events", arr));
}

static void list_ledger(kreq_t *kr, const page_t *pp)
{
    const page_t p = *pp;
    ledger_rec_t *r;
    size_t count;
    if (store_ledger_list(kr->store, kr->arena, p.site.id, p.since, p.after, p.n, &r, &count) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    names_t names = {.page = &p};
    json_t *arr = json_array();
    for (size_t i = 0; i < count; i++) {
        const char *dir = !p.site.id ? "" : r[i].site_id == p.site.id ? "out" : "in";
        json_array_append_new(
            arr, json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "id", (json_int_t)r[i].id, "time",
                           iso(kr, r[i].time_ms), "timeMs", (json_int_t)r[i].time_ms, "direction", dir, "site",
                           site_name(kr, &names, r[i].site_id), "destinationSite",
                           site_name(kr, &names, r[i].dest_site_id), "kind", r[i].kind, "appId",
                           app_ari(kr, r[i].app_id), "installationId", r[i].installation_id, "invocationId",
                           r[i].invocation_id, "destination", r[i].destination, "bytes", (json_int_t)r[i].bytes));
    }
    reply_json_new(kr, 200, json_pack("{s:o}", "records", arr));
}

static void list_logs(kreq_t *kr, const page_t *pp)
{
    const page_t p = *pp;
    log_rec_t *logs;
    size_t count;
    if (store_logs_list(kr->store, kr->arena, p.site.id, p.after, p.n, (int)p.invocations, &logs, &count) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    names_t names = {.page = &p};
    json_t *arr = json_array();
    for (size_t i = 0; i < count; i++) {
        json_t *row =
            json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)logs[i].id, "time",
                      iso(kr, logs[i].time_ms), "level", logs[i].level, "message", logs[i].message, "invocationId",
                      logs[i].invocation_id, "appId", arena_printf(kr->arena, "%s%s", APP_ARI_PREFIX, logs[i].app_id),
                      "site", site_name(kr, &names, logs[i].site_id), "module", logs[i].module_key);
        /* how an invocation ended: "<outcome> in <N> ms" (journal/fnlog.h) */
        char outcome[16];
        long long ms;
        if (strcmp(logs[i].level, FNLOG_INVOCATION) == 0 &&
            sscanf(logs[i].message, "%15s in %lld ms", outcome, &ms) == 2) {
            json_object_set_new(row, "outcome", json_string(outcome));
            json_object_set_new(row, "durationMs", json_integer(ms));
        }
        json_array_append_new(arr, row);
    }
    reply_json_new(kr, 200, json_pack("{s:o}", "logs", arr));
}

/* ---- read your writes: each listing waits for its journal's writer, never blocking ---- */

typedef struct listing {
    journal_wait_t w; /* first: its completion comes once what was recorded before is written */
    void (*list)(kreq_t *kr, const page_t *p);
    page_t *page; /* in the request's arena */
} listing_t;

static void on_written(completion_t *c)
{
    listing_t *l = (listing_t *)c;
    kreq_t *kr = c->owner;
    if (kr) {
        kr->waiting = NULL;
        l->list(kr, l->page);
    }
    free(l);
}

/* Reads the page and lists once the journal has written what was recorded before this
 * request: an event a client saw happen is in the answer. */
static void listing(kreq_t *kr, const char *noun, int with_since, const site_rec_t *bound,
                    void (*barrier)(journal_wait_t *), void (*list)(kreq_t *, const page_t *))
{
    page_t *p = arena_alloc(kr->arena, sizeof *p);
    if (page_read(kr, noun, with_since, bound, p))
        return;
    listing_t *l = xcalloc(1, sizeof *l);
    l->w.c.receiver = &kr->thr->completions;
    l->w.c.owner = kr;
    l->w.c.done = on_written;
    l->list = list;
    l->page = p;
    kr->waiting = &l->w.c;
    barrier(&l->w);
}

void audit_list(kreq_t *kr)
{
    listing(kr, "an event id", 1, NULL, audit_barrier, list_audit);
}
void ledger_list(kreq_t *kr)
{
    listing(kr, "a record id", 1, NULL, ledger_barrier, list_ledger);
}
void logs_list(kreq_t *kr)
{
    listing(kr, "a log id", 0, NULL, fnlog_barrier, list_logs);
}
void audit_list_site(kreq_t *kr, const site_rec_t *site)
{
    listing(kr, "an event id", 1, site, audit_barrier, list_audit);
}
void ledger_list_site(kreq_t *kr, const site_rec_t *site)
{
    listing(kr, "a record id", 1, site, ledger_barrier, list_ledger);
}
