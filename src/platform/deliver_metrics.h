/* The delivery engine's counters for /metrics (platform/deliver.h): per app, the
 * attempts that delivered, were retried, went dead or were dropped since kiln started;
 * the latency of deliveries from their creation to their first attempt's start and to
 * their end (delivered or dead), as histograms; and, read from the store at each scrape,
 * each app's deliveries waiting (PENDING: its queue depth) and under way (RUNNING).
 *
 * Recorded on the engine's thread, rendered on any: one mutex. At most
 * DELIVER_METRICS_APPS apps are counted one by one; the rest add into app="other". */
#ifndef KILN_DELIVER_METRICS_H
#define KILN_DELIVER_METRICS_H

#include <stdint.h>

#include "base/buf.h"
#include "store/store.h"

#define DELIVER_METRICS_APPS 256

/* DM_FAULT: retried as a platform fault, not counted against the app (deliver.h) */
enum deliver_outcome { DM_DELIVERED = 0, DM_RETRIED, DM_DEAD, DM_DROPPED, DM_FAULT, DM__OUTCOMES };

/* An attempt of a delivery of app `app_id` created at created_ms started now. */
void deliver_metrics_started(const char *app_id, int64_t attempt, int64_t created_ms, int64_t now_ms);
/* ... and ended with `outcome` (its delivery done unless DM_RETRIED). */
void deliver_metrics_ended(const char *app_id, enum deliver_outcome outcome, int64_t created_ms, int64_t now_ms);

/* Appends the engine's series in Prometheus text format (st: for the per-app depths). */
void deliver_metrics_render(buf_t *b, store_t *st);

#endif
