/* Fan-out of product events to subscribed triggers (platform/fanout.h).
 *
 * A batch is one write transaction: the site's events after its cursor, the site's
 * active installations (read in the same transaction, so an installation and an event
 * are seen in the order they committed), one delivery per (event, installation, trigger
 * module) that passes, and the cursor's advance.
 *
 * What a version subscribes to (its trigger modules' events and filters, expressions
 * compiled) is worked out once per site and kept: FANOUT_SITES_CACHED sites, each in its
 * own arena. An entry is used while the site's generation (bumped by fanout_invalidate,
 * from any thread), the installations it was built from and the versions it read (each
 * one's newest seq, read in the batch's transaction: a deploy committed before the
 * batch counts even before its invalidation) are unchanged. */
#include "platform/fanout.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "journal/fnlog.h"
#include "platform/deliver.h"
#include "platform/event_scopes.h"
#include "platform/invoke.h"
#include "platform/manifest.h"
#include "product/events.h"
#include "product/jexpr.h"
#include "store/store_apps.h"
#include "store/store_deliveries.h"
#include "store/store_events.h"
#include "store/store_installs.h"

#define FANOUT_SITES_CACHED 64
#define FANOUT_GEN_SLOTS 64            /* sites share a generation counter by id modulo this */
#define FANOUT_CACHE_ARENA (64u << 20) /* a site's entry: its triggers and compiled filters (grown as used) */
/* a deployed manifest has no more (platform/manifest.h: a deploy with more fails); the caps
 * stay as a bound on what the store hands back */
#define FANOUT_EVENTS_PER_TRIGGER MANIFEST_MAX_TRIGGER_EVENTS
#define FANOUT_TRIGGERS_PER_VERSION MANIFEST_MAX_TRIGGERS
/* of one delivered event: a recorded payload (4 MiB at most) and what fan-out adds */
#define FANOUT_PAYLOAD_MAX (5u * 1024 * 1024)
#define FANOUT_PAYLOAD_DEPTH 512        /* JSON nesting of a payload (ADF bodies nest) */
#define FANOUT_CHUNK 16                 /* events read at once within a batch */
#define FANOUT_CHUNK_ARENA (256u << 20) /* ... and the most their arena may hold (grown as used) */

/* Forge's filter.onError: what an expression that fails to evaluate does (default
 * IGNORE_AND_LOG; the manifest schema's enum). */
enum on_error { ON_IGNORE_AND_LOG = 0, ON_IGNORE, ON_RECEIVE, ON_RECEIVE_AND_LOG };
static const struct {
    const char *name;
    enum on_error v;
} on_error_names[] = {
    {"IGNORE_AND_LOG", ON_IGNORE_AND_LOG},
    {"IGNORE", ON_IGNORE},
    {"RECEIVE", ON_RECEIVE},
    {"RECEIVE_AND_LOG", ON_RECEIVE_AND_LOG},
};
static const struct {
    int receive, log;
} on_error_does[] = {
    [ON_IGNORE_AND_LOG] = {0, 1},
    [ON_IGNORE] = {0, 0},
    [ON_RECEIVE] = {1, 0},
    [ON_RECEIVE_AND_LOG] = {1, 1},
};

typedef struct filter {
    int ignore_self;
    const jexpr_t *expr;  /* NULL: no expression */
    const char *bad_expr; /* the expression did not compile: why (every event: onError) */
    enum on_error on_error;
} filter_t;

typedef struct sub_event {
    const char *type; /* avi:jira:updated:issue */
    filter_t filter;  /* the event's own filter, else the trigger's */
} sub_event_t;

typedef struct trig {
    const char *module_key;
    sub_event_t *events;
    size_t nevents;
} trig_t;

typedef struct inst {
    install_rec_t in;
    int64_t version_seq; /* the version its triggers were read from (0: none deployed) */
    trig_t *trigs;       /* none: nothing to fan out to this installation */
    size_t ntrigs;
} inst_t;

typedef struct site_subs {
    int64_t site_id; /* 0: free */
    uint64_t gen;    /* the site's generation when built */
    arena_t *a;
    inst_t *insts;
    size_t n;
    uint64_t used; /* for eviction */
} site_subs_t;

static _Atomic uint64_t gens[FANOUT_GEN_SLOTS];
static _Atomic uint64_t gen_all;
static site_subs_t cache[FANOUT_SITES_CACHED]; /* the engine's thread only */
static uint64_t use_clock;

static uint64_t site_gen(int64_t site_id)
{
    return atomic_load(&gens[(uint64_t)site_id % FANOUT_GEN_SLOTS]) + atomic_load(&gen_all);
}

void fanout_invalidate(int64_t site_id)
{
    if (site_id == 0)
        atomic_fetch_add(&gen_all, 1);
    else
        atomic_fetch_add(&gens[(uint64_t)site_id % FANOUT_GEN_SLOTS], 1);
}

/* ---- what a version subscribes to ---- */

static void read_filter(arena_t *a, json_t *f, filter_t *out, const char *module_key)
{
    *out = (filter_t){0};
    if (!json_is_object(f))
        return;
    out->ignore_self = json_is_true(json_object_get(f, "ignoreSelf"));
    const char *oe = json_str(f, "onError");
    for (size_t i = 0; oe && i < sizeof on_error_names / sizeof *on_error_names; i++)
        if (strcmp(oe, on_error_names[i].name) == 0)
            out->on_error = on_error_names[i].v;
    const char *src = json_str(f, "expression");
    if (!src)
        return;
    jexpr_err_t err;
    out->expr = jexpr_compile(a, src, strlen(src), &err);
    if (!out->expr)
        out->bad_expr = arena_printf(a, "trigger %s: its filter expression does not compile (%u:%u: %s)", module_key,
                                     err.line, err.col, err.msg);
    if (!out->expr && !out->bad_expr) /* out of room for the message: still never a missing filter */
        out->bad_expr = "the trigger's filter expression does not compile";
}

/* The trigger modules of a manifest that subscribe to product events (kiln:* and the
 * lifecycle's avi:forge:* are not product events). */
static int read_triggers(arena_t *a, json_t *manifest, inst_t *out)
{
    json_t *list = json_object_get(json_object_get(manifest, "modules"), "trigger");
    size_t cap =
        json_array_size(list) < FANOUT_TRIGGERS_PER_VERSION ? json_array_size(list) : FANOUT_TRIGGERS_PER_VERSION;
    out->trigs = arena_calloc(a, (cap ? cap : 1) * sizeof *out->trigs);
    out->ntrigs = 0;
    if (!out->trigs)
        return -1;
    for (size_t i = 0; i < cap; i++) {
        json_t *t = json_array_get(list, i), *events = json_object_get(t, "events");
        const char *key = json_str(t, "key");
        if (!key || !json_is_array(events))
            continue;
        trig_t *tr = &out->trigs[out->ntrigs];
        tr->module_key = key;
        filter_t shared;
        read_filter(a, json_object_get(t, "filter"), &shared, key);
        size_t ne =
            json_array_size(events) < FANOUT_EVENTS_PER_TRIGGER ? json_array_size(events) : FANOUT_EVENTS_PER_TRIGGER;
        tr->events = arena_calloc(a, (ne ? ne : 1) * sizeof *tr->events);
        tr->nevents = 0;
        if (!tr->events)
            return -1;
        for (size_t j = 0; j < ne; j++) {
            json_t *e = json_array_get(events, j);
            const char *type = json_is_string(e) ? json_string_value(e) : json_str(e, "eventType");
            if (!type || strncmp(type, "avi:forge:", 10) == 0 || strncmp(type, "kiln:", 5) == 0)
                continue;
            sub_event_t *se = &tr->events[tr->nevents++];
            se->type = type;
            if (json_is_object(e) && json_is_object(json_object_get(e, "filter")))
                read_filter(a, json_object_get(e, "filter"), &se->filter, key);
            else
                se->filter = shared;
        }
        if (tr->nevents)
            out->ntrigs++;
    }
    return 0;
}

/* 1 if the entry was built from exactly these installations (ids and consented majors)
 * and the newest versions of their majors, in the caller's transaction, are the ones it
 * read; 0 if not, or the store failed (the entry is then built again, which reads it). */
static int same_installations(store_t *st, const site_subs_t *c, const install_rec_t *ins, size_t n)
{
    if (c->n != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int64_t seq;
        if (strcmp(c->insts[i].in.id, ins[i].id) != 0 || c->insts[i].in.major != ins[i].major ||
            c->insts[i].in.updated_ms != ins[i].updated_ms ||
            store_version_latest_seq(st, ins[i].app_id, ins[i].env_key, ins[i].major, &seq) != STORE_OK ||
            seq != c->insts[i].version_seq)
            return 0;
    }
    return 1;
}

/* The site's subscriptions, built from `ins` (its active installations, read in the
 * batch's transaction) unless the cached entry still holds. NULL: out of memory or a
 * store error. */
static site_subs_t *subscriptions(store_t *st, int64_t site_id, const install_rec_t *ins, size_t n)
{
    uint64_t gen = site_gen(site_id);
    site_subs_t *slot = &cache[0];
    for (size_t i = 0; i < FANOUT_SITES_CACHED; i++) {
        site_subs_t *c = &cache[i];
        if (c->site_id == site_id) {
            if (c->gen == gen && same_installations(st, c, ins, n)) {
                c->used = ++use_clock;
                return c;
            }
            slot = c;
            break;
        }
        if (c->site_id == 0 || c->used < slot->used)
            slot = c;
    }
    if (slot->a)
        arena_free(slot->a);
    *slot = (site_subs_t){.site_id = site_id, .gen = gen, .used = ++use_clock};
    slot->a = arena_new(FANOUT_CACHE_ARENA);
    slot->insts = arena_calloc(slot->a, (n ? n : 1) * sizeof *slot->insts);
    int ok = slot->insts != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        inst_t *it = &slot->insts[i];
        it->in = (install_rec_t){
            .id = arena_strdup(slot->a, ins[i].id),
            .site_id = ins[i].site_id,
            .app_id = arena_strdup(slot->a, ins[i].app_id),
            .env_key = arena_strdup(slot->a, ins[i].env_key),
            .bot_account_id = ins[i].bot_account_id ? arena_strdup(slot->a, ins[i].bot_account_id) : NULL,
            .major = ins[i].major,
            .scopes_json = ins[i].scopes_json ? arena_strdup(slot->a, ins[i].scopes_json) : NULL,
            .created_ms = ins[i].created_ms,
            .updated_ms = ins[i].updated_ms,
        };
        ok = it->in.id && it->in.app_id && it->in.env_key && (it->in.bot_account_id || !ins[i].bot_account_id) &&
             (it->in.scopes_json || !ins[i].scopes_json);
        version_rec_t ver;
        int rc =
            ok ? store_version_latest(st, slot->a, ins[i].app_id, ins[i].env_key, ins[i].major, &ver) : STORE_ERROR;
        if (rc == STORE_NOTFOUND)
            continue; /* nothing deployed for its major: nothing subscribes */
        if (rc == STORE_OK)
            it->version_seq = ver.seq;
        json_t *manifest = rc == STORE_OK ? invoke_manifest(slot->a, &ver) : NULL;
        if (rc == STORE_OK && !manifest) { /* a stored manifest that does not parse: it subscribes to nothing */
            log_msg(LOG_WARN, "fan-out: an installed version's manifest does not parse", "app", ins[i].app_id, NULL);
            continue;
        }
        ok = manifest && read_triggers(slot->a, manifest, it) == 0;
    }
    if (!ok) { /* a store error or out of room: nothing kept, the batch is not made */
        log_msg(LOG_WARN, "fan-out: the subscriptions of a site could not be read", NULL);
        arena_free(slot->a);
        *slot = (site_subs_t){0};
        return NULL;
    }
    slot->n = n;
    return slot;
}

/* ---- one event ---- */

/* Which of the actor's members an event carries, as Forge's reference lists them
 * (developer.atlassian.com/platform/forge/events-reference/jira/): issue and comment
 * events `atlassianId` and `associatedUsers`; a deleted comment, the mention events, a
 * viewed issue, versions and components `atlassianId` only; worklogs, issue links,
 * projects and custom fields neither; Jira Software's boards
 * (events-reference/jira-software/) and sprints `atlassianId` only. Events not named keep
 * both. */
enum { ACTOR_ID = 1, ACTOR_USERS = 2, ACTOR_BOTH = 3 };
static const struct {
    const char *kind;
    unsigned members;
} actor_members[] = {
    {EV_COMMENT_DELETED, ACTOR_ID},
    {EV_ISSUE_MENTIONED, ACTOR_ID},
    {EV_COMMENT_MENTIONED, ACTOR_ID},
    {EV_ISSUE_VIEWED, ACTOR_ID},
    {EV_VERSION_CREATED, ACTOR_ID},
    {EV_VERSION_UPDATED, ACTOR_ID},
    {EV_VERSION_DELETED, ACTOR_ID},
    {EV_VERSION_RELEASED, ACTOR_ID},
    {EV_VERSION_UNRELEASED, ACTOR_ID},
    {EV_VERSION_ARCHIVED, ACTOR_ID},
    {EV_VERSION_UNARCHIVED, ACTOR_ID},
    {EV_COMPONENT_CREATED, ACTOR_ID},
    {EV_COMPONENT_UPDATED, ACTOR_ID},
    {EV_COMPONENT_DELETED, ACTOR_ID},
    {EV_WORKLOG_CREATED, 0},
    {EV_WORKLOG_UPDATED, 0},
    {EV_WORKLOG_DELETED, 0},
    {EV_LINK_CREATED, 0},
    {EV_LINK_DELETED, 0},
    {EV_PROJECT_CREATED, 0},
    {EV_PROJECT_UPDATED, 0},
    {EV_PROJECT_DELETED, 0},
    {EV_FIELD_CREATED, 0},
    {EV_SPRINT_CREATED, ACTOR_ID},
    {EV_SPRINT_UPDATED, ACTOR_ID},
    {EV_SPRINT_STARTED, ACTOR_ID},
    {EV_SPRINT_CLOSED, ACTOR_ID},
    {EV_SPRINT_DELETED, ACTOR_ID},
    {EV_BOARD_CREATED, ACTOR_ID},
    {EV_BOARD_DELETED, ACTOR_ID},
};

static unsigned actor_members_of(const char *kind)
{
    for (size_t i = 0; i < sizeof actor_members / sizeof *actor_members; i++)
        if (strcmp(kind, actor_members[i].kind) == 0)
            return actor_members[i].members;
    return ACTOR_BOTH;
}

/* The event as Forge delivers it: the recorded payload (product/events.h: the issue's
 * fields of its moment, the changelog ...) with eventType, and the actor as atlassianId
 * and associatedUsers where Forge's reference has them (table above); a new reference (on
 * the heap: a payload may be large, and is released as soon as its deliveries are
 * written). NULL: not an object. */
static json_t *event_json(const event_rec_t *e)
{
    json_err_t jerr;
    json_t *ev = json_parse_limited(e->payload_json, strlen(e->payload_json), FANOUT_PAYLOAD_DEPTH, &jerr);
    if (!json_is_object(ev)) {
        json_decref(ev);
        return NULL;
    }
    json_object_set_new(ev, "eventType", json_string(e->kind));
    unsigned members = actor_members_of(e->kind);
    if (e->actor_account_id && (members & ACTOR_ID))
        json_object_set_new(ev, "atlassianId", json_string(e->actor_account_id));
    if (e->actor_account_id && (members & ACTOR_USERS))
        json_object_set_new(ev, "associatedUsers", json_pack("[{s:s}]", "accountId", e->actor_account_id));
    return ev;
}

/* The order key of an issue-scoped event (issue, comment, worklog, link: the issue's id,
 * a link's source issue):
 * its deliveries to one installation run one at a time, in order. NULL: none. */
static const char *order_key(arena_t *a, json_t *ev)
{
    json_t *id = json_object_get(json_object_get(ev, "issue"), "id");
    if (!id)
        id = json_object_get(json_object_get(ev, "worklog"), "issueId");
    if (!id)
        id = json_object_get(ev, "sourceIssueId");
    if (json_is_string(id))
        return json_string_value(id);
    if (json_is_integer(id))
        return arena_printf(a, "%lld", (long long)json_integer_value(id));
    return NULL;
}

/* A line in the installation's `kiln logs` about a filter that could not decide. */
static void log_filter_error(const install_rec_t *in, const char *module_key, const event_rec_t *e, const char *why,
                             int received)
{
    invocation_t inv = {.site_id = in->site_id};
    enc_uuid4(inv.id);
    snprintf(inv.installation_id, sizeof inv.installation_id, "%s", in->id);
    snprintf(inv.app_id, sizeof inv.app_id, "%s", in->app_id);
    snprintf(inv.module_key, sizeof inv.module_key, "%s", module_key);
    char msg[512];
    snprintf(msg, sizeof msg, "event %s (seq %lld): trigger filter failed (%s); the event was %s", e->kind,
             (long long)e->seq, why, received ? "delivered (onError RECEIVE)" : "not delivered (onError IGNORE)");
    fnlog_line(&inv, "warn", msg);
}

/* Whether the filter lets event e through to (in, module). */
static int passes(const filter_t *f, const install_rec_t *in, const char *module_key, const event_rec_t *e,
                  json_t *vars)
{
    if (f->ignore_self && e->actor_account_id && in->bot_account_id &&
        strcmp(e->actor_account_id, in->bot_account_id) == 0)
        return 0;
    if (!f->expr && !f->bad_expr)
        return 1;
    char err[256] = "";
    int r = f->expr ? jexpr_test(f->expr, vars, err, sizeof err) : JEXPR_ERROR;
    if (r != JEXPR_ERROR)
        return r == JEXPR_TRUE;
    int receive = on_error_does[f->on_error].receive;
    if (on_error_does[f->on_error].log)
        log_filter_error(in, module_key, e, f->bad_expr ? f->bad_expr : err, receive);
    return receive;
}

/* The deliveries of one event: *made += how many. A store error: -1. */
static int fan_event(store_t *st, arena_t *a, const site_subs_t *subs, const event_rec_t *e, size_t *made)
{
    json_t *ev = NULL, *vars = NULL;
    char *text = NULL;
    const char *okey = NULL;
    int64_t now = clock_now_ms();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < subs->n; i++) {
        const inst_t *it = &subs->insts[i];
        if (!it->ntrigs || it->in.created_ms > e->created_ms || !event_scopes_allowed(e->kind, it->in.scopes_json))
            continue;
        for (size_t t = 0; rc == 0 && t < it->ntrigs; t++) {
            const trig_t *tr = &it->trigs[t];
            const sub_event_t *se = NULL;
            for (size_t k = 0; k < tr->nevents && !se; k++)
                if (strcmp(tr->events[k].type, e->kind) == 0)
                    se = &tr->events[k];
            if (!se)
                continue;
            if (!ev) { /* built once per event, for every installation it goes to */
                ev = event_json(e);
                text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
                if (!text || strlen(text) > FANOUT_PAYLOAD_MAX) {
                    log_msg(LOG_WARN, "product event not fanned out: its payload is not an object, or too large",
                            "kind", e->kind, NULL);
                    goto out; /* nothing to deliver: passed over */
                }
                vars = json_pack("{s:O}", "event", ev);
                okey = order_key(a, ev);
            }
            if (!passes(&se->filter, &it->in, tr->module_key, e, vars))
                continue;
            delivery_rec_t d;
            deliver_rec_init(a, &d, &it->in, DLV_SRC_PRODUCT, tr->module_key, e->kind, now);
            d.payload_json = text;
            d.order_key = okey;
            d.source_seq = e->seq;
            if (!d.event_id || store_delivery_insert(st, &d) != STORE_OK)
                rc = -1;
            else
                ++*made;
        }
    }
out:
    json_decref(vars);
    json_decref(ev);
    free(text);
    return rc;
}

/* One batch, in the caller's transaction as a savepoint, else in one of its own: its
 * events are read FANOUT_CHUNK at a time, each chunk in an arena of its own (payloads may
 * be large), so what a batch holds at once stays bounded. */
int fanout_site(store_t *st, arena_t *a, int64_t site_id, int *more, size_t *made)
{
    *more = 0;
    *made = 0;
    int inner = store_savepoint(st) == STORE_OK; /* fails when no transaction is open */
    if (!inner && store_begin(st) != STORE_OK)
        return -1;
    int64_t after;
    size_t ni = 0, count = 0, done = 0;
    install_rec_t *ins = NULL;
    const site_subs_t *subs = NULL;
    int rc = store_event_cursor_get(st, site_id, &after), last_full = 0;
    while (rc == STORE_OK && done < FANOUT_BATCH) {
        arena_t *c = arena_new(FANOUT_CHUNK_ARENA);
        event_rec_t *evs = NULL;
        size_t n = 0, want = FANOUT_BATCH - done < FANOUT_CHUNK ? FANOUT_BATCH - done : FANOUT_CHUNK;
        rc = store_event_list(st, c, site_id, after, (int64_t)want, &evs, &n);
        if (rc == STORE_OK && n && !subs) { /* the installations, read in this transaction */
            rc = store_install_site(st, a, site_id, &ins, &ni);
            subs = rc == STORE_OK ? subscriptions(st, site_id, ins, ni) : NULL;
            if (rc == STORE_OK && !subs)
                rc = STORE_ERROR;
        }
        for (size_t i = 0; rc == STORE_OK && i < n; i++)
            if (fan_event(st, c, subs, &evs[i], &count) != 0)
                rc = STORE_ERROR;
        if (rc == STORE_OK && n)
            after = evs[n - 1].seq;
        done += n;
        last_full = n == want;
        arena_free(c);
        if (!last_full)
            break;
    }
    if (rc == STORE_OK && done)
        rc = store_event_cursor_set(st, site_id, after);
    if (inner && rc == STORE_OK)
        rc = store_savepoint_release(st);
    else if (inner)
        store_savepoint_rollback(st);
    else if (rc == STORE_OK)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc != STORE_OK)
        return -1;
    *more = done == FANOUT_BATCH && last_full;
    *made = count;
    return 0;
}
