#include "platform/schedule.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "platform/deliver.h"
#include "platform/install.h"
#include "platform/invoke.h"
#include "platform/schedheap.h"
#include "platform/schedule_rows.h"
#include "store/store_deliveries.h"
#include "store/store_installs.h"
#include "store/store_schedules.h"
#include "store/store_sites.h"

#define ARENA_BYTES (64u * 1024 * 1024)
#define LOAD_ARENA_BYTES                                                                                               \
    (1024u * 1024 * 1024) /* every installation's record at start (a cap:                                              \
                               about 400 bytes each) */
#define RETRY_MS 1000     /* a slot whose firing failed (store busy) is tried again this much later */

/* Thread 0's, except the clock and the receiver, which any thread reads. */
static schedheap_t heap;
static store_t *st0;
static _Atomic(h2o_multithread_receiver_t *) receiver;
static _Atomic int64_t offset_ms;
static atomic_int test_clock;
static _Atomic int64_t frozen_ms; /* under --test-clock: the wall clock when it was enabled */
static int shared;                /* a store other nodes share (PostgreSQL) */
static uint64_t next_adopt_ns;    /* thread 0: when adopt_due runs next */

int64_t schedule_now_ms(void)
{
    /* a test clock stands still but for its advances: what runs is what a test asked for */
    return (atomic_load(&test_clock) ? atomic_load(&frozen_ms) : clock_now_ms()) + atomic_load(&offset_ms);
}

void schedule_test_clock_enable(int on)
{
    atomic_store(&frozen_ms, clock_now_ms());
    atomic_store(&test_clock, on ? 1 : 0);
}

int schedule_test_clock_enabled(void)
{
    return atomic_load(&test_clock);
}

/* ---------------------------------------------------------------- one run */

int schedule_insert_run(store_t *st, arena_t *a, const install_rec_t *in, const site_rec_t *site,
                        const char *module_key, const char *interval, int64_t *id)
{
    json_t *p = json_own(a, json_pack("{s:{s:s,s:s}}", "context", "cloudId", site->cloud_id, "moduleKey", module_key));
    size_t len;
    delivery_rec_t d;
    deliver_rec_init(a, &d, in, DLV_SRC_SCHEDULE, module_key, interval, clock_now_ms());
    d.payload_json = p ? json_dump_arena(a, p, 1 << 16, &len) : NULL;
    if (!d.payload_json)
        return STORE_ERROR;
    int rc = store_delivery_insert(st, &d);
    if (rc == STORE_OK && id)
        *id = d.id;
    return rc;
}

/* ---------------------------------------------------------------- an installation's rows */

static const schedule_rec_t *row_of(const schedule_rec_t *rows, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].module_key, key) == 0)
            return &rows[i];
    return NULL;
}

/* Brings the rows of installation `in` in line with the scheduledTrigger modules of the
 * version it runs (platform/schedule_rows.h; the install, upgrade, uninstall or deploy
 * that changed it wrote them in its own transaction already, so this usually writes
 * nothing), then its entries with the rows. In its own transaction, or (in_tx) in the
 * caller's: then its entries are in the heap before the caller commits, and a caller whose
 * commit fails syncs each installation again on its own (rows and heap converge). An
 * entry whose row another writer removed stays until it falls due, then follows the row
 * (fire_one). 0 or -1 (store error: nothing written). */
static int sync_installation(store_t *st, arena_t *a, const install_rec_t *in, int in_tx)
{
    json_t *mods = NULL;
    version_rec_t ver;
    if (!in->removed && install_version(st, a, in, &ver) == STORE_OK)
        mods = schedule_rows_modules(invoke_manifest(a, &ver));
    schedule_rec_t *rows = NULL, *now_rows = NULL;
    size_t n = 0, now_n = 0, i;
    if (schedule_rows_sync(st, a, in, mods, schedule_now_ms(), !in_tx, &rows, &n, &now_rows, &now_n) != STORE_OK)
        return -1;
    for (i = 0; i < n; i++) { /* entries of rows that went */
        sched_entry_t *e = schedheap_find(&heap, in->id, rows[i].module_key);
        if (e && !row_of(now_rows, now_n, rows[i].module_key))
            schedheap_remove(&heap, e);
    }
    for (i = 0; i < now_n; i++)
        schedheap_put(&heap, in->id, now_rows[i].module_key, in->site_id, now_rows[i].interval_ms, now_rows[i].next_ms);
    return 0;
}

/* ---------------------------------------------------------------- firing */

/* This node's entry e agrees with row r again (another node fired its slot, or moved or
 * removed the row); r NULL: the row is gone. */
static void follow_row(sched_entry_t *e, const schedule_rec_t *r)
{
    if (r)
        schedheap_put(&heap, e->installation_id, e->module_key, r->site_id, r->interval_ms, r->next_ms);
    else
        schedheap_remove(&heap, e);
}

/* Fires entry e (due): claims the row's slot, inserts one delivery and moves the row's
 * next run, in one transaction. The row, not this node's entry, says what is due: nodes
 * sharing a store each hold the entry, and only the first claim of a slot changes the row
 * (store_schedule_claim); a node whose claim finds the slot taken takes the row's next
 * run. 1 fired, 0 nothing to fire (the slot was another node's, the row moved, or its
 * installation is gone: the entry follows the row), -1 store error. */
static int fire_one(store_t *st, arena_t *a, sched_entry_t *e, int64_t now)
{
    install_rec_t in;
    site_rec_t site;
    schedule_rec_t *rows = NULL;
    size_t n = 0;
    if (store_begin(st) != STORE_OK)
        return -1;
    int rc = store_install_get(st, a, e->installation_id, &in);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && in.removed)) {
        /* removed before its notice arrived: no run, and no more */
        if (store_schedule_delete(st, e->installation_id, e->module_key) != STORE_OK || store_commit(st) != STORE_OK) {
            store_rollback(st);
            return -1;
        }
        schedheap_remove(&heap, e);
        return 0;
    }
    if (rc == STORE_OK)
        rc = store_schedule_list(st, a, e->installation_id, 0, &rows, &n);
    const schedule_rec_t *r = rc == STORE_OK ? row_of(rows, n, e->module_key) : NULL;
    if (rc == STORE_OK && (!r || r->next_ms > now || r->interval_ms != e->interval_ms)) {
        store_rollback(st); /* read only: the slot was fired elsewhere, or the row changed */
        follow_row(e, r);
        return 0;
    }
    int64_t next = sched_next_after(now, e->interval_ms, e->phase_ms); /* missed slots: this one run */
    if (rc == STORE_OK)
        rc = store_schedule_claim(st, e->installation_id, e->module_key, r->next_ms, next);
    if (rc == STORE_NOTFOUND) { /* another node claimed it between the read and the claim */
        store_rollback(st);
        rows = NULL;
        n = 0;
        if (store_schedule_list(st, a, e->installation_id, 0, &rows, &n) != STORE_OK)
            return -1;
        follow_row(e, row_of(rows, n, e->module_key));
        return 0;
    }
    if (rc == STORE_OK)
        rc = store_site_by_id(st, a, in.site_id, &site);
    if (rc == STORE_OK)
        rc = schedule_insert_run(st, a, &in, &site, e->module_key, sched_interval_name(e->interval_ms), NULL);
    if (rc != STORE_OK) {
        store_rollback(st);
        return -1;
    }
    if (store_commit(st) != STORE_OK)
        return -1;
    schedheap_update(&heap, e, next);
    return 1;
}

/* A shared store: rows due that this node's timetable lacks, or holds for later, join it
 * (rows another node wrote for an install or deploy it served, whose notice this node
 * never had), so that a node that dies leaves no slot unfired. */
static void adopt_due(store_t *st, int64_t now)
{
    arena_t *a = arena_new(1u << 20);
    schedule_rec_t *rows = NULL;
    size_t n = 0;
    if (store_schedule_due(st, a, now, SCHEDULE_FIRE_PER_TICK, &rows, &n) == STORE_OK)
        for (size_t i = 0; i < n; i++) {
            sched_entry_t *e = schedheap_find(&heap, rows[i].installation_id, rows[i].module_key);
            if (!e || e->next_ms > now)
                schedheap_put(&heap, rows[i].installation_id, rows[i].module_key, rows[i].site_id, rows[i].interval_ms,
                              rows[i].next_ms);
        }
    arena_free(a);
}

/* Fires up to `max` due slots, looking at 2 * max entries at most (an entry whose slot
 * another node fired costs a read and fires nothing: the rest wait for the next turn);
 * how many fired. */
static size_t fire_due(store_t *st, size_t max)
{
    size_t fired = 0, looked = 0;
    int64_t now = schedule_now_ms();
    sched_entry_t *e;
    while (fired < max && looked++ < 2 * max && (e = schedheap_top(&heap)) && e->next_ms <= now) {
        arena_t *a = arena_new(1u << 20);
        int r = fire_one(st, a, e, now);
        arena_free(a);
        if (r < 0) {
            log_msg(LOG_WARN, "a scheduled trigger could not be fired; trying again", "installation",
                    e->installation_id, "module", e->module_key, NULL);
            schedheap_update(&heap, e, now + RETRY_MS); /* in memory only: the row still says due */
            break;
        }
        fired += (size_t)r;
    }
    if (fired)
        deliver_kick();
    return fired;
}

void schedule_tick(http_thread_t *t)
{
    if (t->index != 0 || !st0)
        return;
    if (shared && clock_mono_ns() >= next_adopt_ns) {
        next_adopt_ns = clock_mono_ns() + (uint64_t)SCHEDULE_ADOPT_MS * 1000000u;
        adopt_due(st0, schedule_now_ms());
    }
    if (schedheap_due(&heap, schedule_now_ms())) /* idle: this comparison is all */
        fire_due(st0, SCHEDULE_FIRE_PER_TICK);
}

/* ---------------------------------------------------------------- notices (any thread -> thread 0) */

typedef struct notice {
    completion_t c; /* first */
    char installation_id[40], app_id[40], env_key[72];
} notice_t;

/* Thread 0: the installations a notice names, brought in line. */
static void on_notice(completion_t *c)
{
    notice_t *n = (notice_t *)c;
    arena_t *a = arena_new(ARENA_BYTES);
    if (st0 && n->installation_id[0]) {
        install_rec_t in;
        if (store_install_get(st0, a, n->installation_id, &in) == STORE_OK && sync_installation(st0, a, &in, 0) != 0)
            log_msg(LOG_WARN, "scheduled triggers of an installation not updated", "installation", in.id, NULL);
    } else if (st0) {
        install_rec_t *ins;
        size_t k;
        if (store_install_list(st0, a, n->app_id, &ins, &k) == STORE_OK)
            for (size_t i = 0; i < k; i++)
                if (!ins[i].removed && strcmp(ins[i].env_key, n->env_key) == 0 && sync_installation(st0, a, &ins[i], 0))
                    log_msg(LOG_WARN, "scheduled triggers of an installation not updated", "installation", ins[i].id,
                            NULL);
    }
    arena_free(a);
    free(n);
}

static void post(const char *inst, const char *app, const char *env)
{
    h2o_multithread_receiver_t *r = atomic_load(&receiver);
    if (!r) /* thread 0 has not loaded yet (its load will see the change) or has stopped */
        return;
    notice_t *n = xcalloc(1, sizeof *n);
    if ((inst && strlen(inst) >= sizeof n->installation_id) || (app && strlen(app) >= sizeof n->app_id) ||
        (env && strlen(env) >= sizeof n->env_key)) {
        free(n); /* ids kiln made: unreachable */
        return;
    }
    if (inst)
        strcpy(n->installation_id, inst);
    if (app)
        strcpy(n->app_id, app);
    if (env)
        strcpy(n->env_key, env);
    n->c.receiver = r;
    n->c.owner = n;
    n->c.done = on_notice;
    completion_send(&n->c);
}

void schedule_notify_installation(const char *installation_id)
{
    post(installation_id, NULL, NULL);
}

void schedule_notify_env(const char *app_id, const char *env_key)
{
    post(NULL, app_id, env_key);
}

/* ---------------------------------------------------------------- the test clock */

static void on_advance(completion_t *hop)
{
    schedule_advance_t *r = (schedule_advance_t *)((char *)hop - offsetof(schedule_advance_t, hop));
    r->offset_ms = atomic_fetch_add(&offset_ms, r->ms) + r->ms;
    r->now_ms = schedule_now_ms();
    r->fired = 0;
    size_t f;
    if (st0 && shared)
        adopt_due(st0, r->now_ms);
    while (st0 && (f = fire_due(st0, SCHEDULE_FIRE_PER_TICK)) > 0) /* everything that became due */
        r->fired += f;
    completion_send(&r->c);
}

int schedule_advance_post(schedule_advance_t *r)
{
    h2o_multithread_receiver_t *rc = atomic_load(&receiver);
    if (!schedule_test_clock_enabled() || !rc)
        return -1;
    r->hop = (completion_t){.receiver = rc, .done = on_advance, .owner = r};
    completion_send(&r->hop);
    return 0;
}

/* ---------------------------------------------------------------- thread 0 */

void schedule_thread_init(http_thread_t *t)
{
    if (t->index != 0)
        return;
    schedheap_init(&heap);
    st0 = store_admin(t->store); /* the timetable spans sites: the admin path (store.h) */
    shared = store_selected() != NULL;
    atomic_store(&receiver, &t->completions); /* from here, changes come as notices */
    arena_t *a = arena_new(LOAD_ARENA_BYTES);
    install_rec_t *ins;
    size_t n = 0, bad = 0, active = 0;
    uint64_t t0 = clock_mono_ns();
    if (store_install_list(st0, a, NULL, &ins, &n) != STORE_OK)
        log_msg(LOG_ERROR, "the scheduled triggers could not be loaded", NULL);
    /* in transactions of SCHEDULE_LOAD_BATCH installations: the first start after
       installations were made without the scheduler writes their rows at one commit (one
       fsync) a batch, not one an installation */
    for (size_t i = 0; i < n;) {
        size_t end = i, k;
        int ok = store_begin(st0) == STORE_OK;
        for (k = i; ok && k < n && end - i < SCHEDULE_LOAD_BATCH; k++, end = k) {
            if (ins[k].removed) /* rows left of one whose notice was lost go when they fall due */
                continue;
            arena_t *b = arena_new(ARENA_BYTES);
            ok = sync_installation(st0, b, &ins[k], 1) == 0;
            arena_free(b);
        }
        if (ok && store_commit(st0) == STORE_OK) {
            for (k = i; k < end; k++)
                active += !ins[k].removed;
            i = end;
            continue;
        }
        store_rollback(st0);         /* a failed sync, or commit: nothing of the batch was written */
        end = end > i ? end : i + 1; /* the batch again, each in its own transaction */
        for (k = i; k < end && k < n; k++) {
            if (ins[k].removed)
                continue;
            active++;
            arena_t *b = arena_new(ARENA_BYTES);
            bad += sync_installation(st0, b, &ins[k], 0) != 0;
            arena_free(b);
        }
        i = end;
    }
    if (bad)
        log_msg(LOG_WARN, "some installations' scheduled triggers could not be loaded", NULL);
    char ns[24], is[24], ms[24];
    snprintf(ns, sizeof ns, "%zu", schedheap_size(&heap));
    snprintf(is, sizeof is, "%zu", active);
    snprintf(ms, sizeof ms, "%.1f", (double)(clock_mono_ns() - t0) / 1e6);
    log_msg(LOG_INFO, "scheduled triggers loaded", "schedules", ns, "installations", is, "ms", ms, NULL);
    arena_free(a);
}

void schedule_thread_stop(void)
{
    atomic_store(&receiver, NULL);
}
