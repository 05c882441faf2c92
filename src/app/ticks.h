/* What each HTTP thread does besides serving requests (http_config_t's hooks): its setup
 * (warm workers driven from its loop), the periodic work of thread 0 (the delivery engine's passes,
 * retention purges, abandoned uploads), and what thread 0 does when kiln stops (outbound
 * calls end, so the requests waiting for them are answered within the drain period). */
#ifndef KILN_TICKS_H
#define KILN_TICKS_H

#include <stdint.h>

#include "http/server.h"

#define TICK_DELIVER_MS 200     /* how often thread 0 runs a delivery pass besides the kicks (platform/deliver.h) */
#define TICK_PURGE_MS 60000     /* how often thread 0 purges data past its retention */
#define TICK_PURGE_WORK "purge" /* its store_work_claim name: one node at a time purges */

void ticks_thread_init(http_thread_t *t, void *arg);
void ticks_tick(http_thread_t *t, int64_t now_ms, void *arg);
void ticks_thread_stopping(http_thread_t *t, void *arg);
/* After the thread drained: the workers it still has lent go back to the runtime
 * (rt_unbind_thread), so none is left in a loop that no longer runs. */
void ticks_thread_exit(http_thread_t *t, void *arg);

#endif
