/* What each HTTP thread does besides serving requests (http_config_t's hooks): its setup
 * (warm workers driven from its loop), the periodic work of thread 0 (the delivery engine's passes,
 * retention purges, abandoned uploads), and what thread 0 does when kiln stops (outbound
 * calls end, so the requests waiting for them are answered within the drain period). */
#ifndef KILN_TICKS_H
#define KILN_TICKS_H

#include <stddef.h>
#include <stdint.h>

#include "http/server.h"

#define TICK_DELIVER_MS 200   /* how often thread 0 runs a delivery pass besides the kicks (platform/deliver.h) */
#define TICK_PURGE_MS 60000   /* how often thread 0 purges data past its retention (KILN_PURGE_INTERVAL_MS) */
#define TICK_PURGE_MIN_MS 500 /* the range KILN_PURGE_INTERVAL_MS may set (tests, operators) */
#define TICK_PURGE_MAX_MS 3600000
#define TICK_PURGE_WORK "purge" /* its store_work_claim name: one node at a time purges */

/* Before the HTTP threads start: the purge interval from KILN_PURGE_INTERVAL_MS
 * (TICK_PURGE_MIN_MS..TICK_PURGE_MAX_MS; unset or empty: TICK_PURGE_MS). 0, or -1 with a
 * one-line reason in err. */
int ticks_init(char *err, size_t errlen);

/* Thread 0's purge turns so far (/metrics): run by this node, and skipped because another
 * node (or session) held the purge's claim (docs/scale.md "Purges across nodes"). */
typedef struct ticks_purge_stats {
    uint64_t ran, skipped;
} ticks_purge_stats_t;
void ticks_purge_stats(ticks_purge_stats_t *out);

void ticks_thread_init(http_thread_t *t, void *arg);
void ticks_tick(http_thread_t *t, int64_t now_ms, void *arg);
void ticks_thread_stopping(http_thread_t *t, void *arg);
/* After the thread drained: the workers it still has lent go back to the runtime
 * (rt_unbind_thread), so none is left in a loop that no longer runs. */
void ticks_thread_exit(http_thread_t *t, void *arg);

#endif
