#include "app/ticks.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/arena.h"
#include "gateway/gateway.h"
#include "platform/config.h"
#include "platform/deliver.h"
#include "platform/install.h"
#include "platform/outbound.h"
#include "platform/proxycall.h"
#include "platform/schedule.h"
#include "platform/snapshot.h"
#include "platform/snapshot_db.h"
#include "runtime/supervisor.h"
#include "store/store_sessions.h"

void ticks_thread_init(http_thread_t *t, void *arg)
{
    (void)arg;
    /* warm workers are driven from this loop; their pipe calls served with this thread's
     * store handle and metrics (one per thread, as long as the process: the runtime may
     * still serve a call of this thread's while the thread drains) */
    static proxycall_ctx_t ctxs[HTTP_THREADS_MAX];
    const platform_config_t *pc = platform_config();
    proxycall_ctx_t *ctx = &ctxs[t->index];
    *ctx = (proxycall_ctx_t){
        .st = t->store, .m = t->metrics, .public_url = pc->public_url, .rate_per_min = pc->proxy_rate};
    rt_bind_thread(t->loop, &t->completions, ctx);
    if (t->index == 0) {
        deliver_thread_init(t);  /* the delivery engine runs on thread 0, woken by deliver_kick */
        schedule_thread_init(t); /* the scheduled triggers' timetable is thread 0's too */
    }
}

/* Periodic work: thread 0's, each at its own interval. */
static void deliver(http_thread_t *t, int64_t now)
{
    (void)now;
    deliver_tick(t); /* the safety net of the engine's kicks: retries come due, missed kicks */
}

static void scheduler(http_thread_t *t, int64_t now)
{
    (void)now;
    schedule_tick(t); /* scheduled triggers whose slot came: one comparison when none did */
}

static _Atomic uint64_t purges_ran, purges_skipped; /* thread 0 writes, /metrics reads */

void ticks_purge_stats(ticks_purge_stats_t *out)
{
    out->ran = atomic_load(&purges_ran);
    out->skipped = atomic_load(&purges_skipped);
}

static void purge(http_thread_t *t, int64_t now)
{
    /* retention: data of apps uninstalled long enough ago goes (docs/apps.md) */
    arena_t *a = arena_new(16u * 1024 * 1024);
    size_t purged = 0;
    store_t *st = store_admin(t->store); /* purges span sites: the admin path (store.h) */
    snapshot_gc_uploads(platform_config()->data_dir, now, SNAPSHOT_UPLOAD_MAX_AGE_MS); /* this node's files */
    snapshot_db_clean(platform_config()->data_dir, now - SNAPSHOT_FETCH_STALE_MS);     /* a killed fetch's */
    /* the store's purges: one node at a time (docs/scale.md "Purges across nodes"); a node
       that finds another doing them skips this turn */
    int mine = store_work_claim(st, TICK_PURGE_WORK);
    if (mine == 0)
        atomic_fetch_add(&purges_skipped, 1);
    if (mine == 1) {
        atomic_fetch_add(&purges_ran, 1);
        install_purge_due(st, a, now, &purged);
        deliver_prune(st, now); /* final deliveries past their retention (platform/deliver.h) */
        /* web sessions past their end or idle too long, sign-in links expired (store/store_sessions.h) */
        store_session_purge(st, now, now - gateway_session_idle_ms(), NULL);
        store_login_link_purge(st, now);
        store_work_release(st, TICK_PURGE_WORK);
    }
    arena_free(a);
}

/* Thread 0's periodic work: each runs `first_ms` after the first turn, then every
 * `every_ms` (touched by thread 0 only). */
static struct tick {
    void (*fn)(http_thread_t *t, int64_t now);
    int64_t first_ms, every_ms, next_ms;
} ticks[] = {
    {deliver, 0, TICK_DELIVER_MS, -1},
    {purge, TICK_PURGE_MS, TICK_PURGE_MS, -1},
    {scheduler, 0, 0, -1},
};

int ticks_init(char *err, size_t errlen)
{
    const char *v = getenv("KILN_PURGE_INTERVAL_MS");
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long long ms = strtoll(v, &end, 10);
    if (errno || *end || ms < TICK_PURGE_MIN_MS || ms > TICK_PURGE_MAX_MS) {
        snprintf(err, errlen, "KILN_PURGE_INTERVAL_MS must be a number of ms from %d to %d", TICK_PURGE_MIN_MS,
                 TICK_PURGE_MAX_MS);
        return -1;
    }
    for (size_t i = 0; i < sizeof ticks / sizeof *ticks; i++)
        if (ticks[i].fn == purge)
            ticks[i].first_ms = ticks[i].every_ms = ms;
    return 0;
}

void ticks_tick(http_thread_t *t, int64_t now_ms, void *arg)
{
    (void)arg;
    if (t->index != 0)
        return;
    for (size_t i = 0; i < sizeof ticks / sizeof *ticks; i++) {
        if (ticks[i].next_ms < 0)
            ticks[i].next_ms = now_ms + ticks[i].first_ms;
        if (now_ms >= ticks[i].next_ms) {
            ticks[i].fn(t, now_ms);
            ticks[i].next_ms = now_ms + ticks[i].every_ms;
        }
    }
}

void ticks_thread_exit(http_thread_t *t, void *arg)
{
    (void)t;
    (void)arg;
    rt_unbind_thread();
}

void ticks_thread_stopping(http_thread_t *t, void *arg)
{
    (void)arg;
    /* outbound calls still running end now (OUTBOUND_ESHUTDOWN), so that the requests
     * waiting for them are answered within the drain period */
    if (t->index == 0) {
        deliver_thread_stopping();
        outbound_stop();
        schedule_thread_stop(); /* notices from now on are dropped */
    }
}
