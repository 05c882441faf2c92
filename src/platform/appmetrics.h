/* Apps' own metrics (@forge/metrics: counters, gauges, timers), kept per app and
 * environment in memory since kiln started, and rendered in /metrics (docs/runtime.md,
 * "Metrics").
 *
 * A worker folds an invocation's updates and sends them with its result frame
 * (runtime/node/metrics.js): {"series": [[kind, name, tags, a, b], ...], "dropped": n},
 * kind "c" (counter: a is added), "g" (gauge: b 1 sets it to a, b 0 adds a) or "t"
 * (timing: a samples summing b seconds); tags null or an object of strings. That is app
 * input, hostile: appmetrics_record checks every part and keeps within these limits.
 *
 *   - a name is 1..APPMETRICS_NAME_MAX bytes; a byte outside [A-Za-z0-9_.:-] becomes '_';
 *   - at most APPMETRICS_TAGS_MAX tags; a key is 1..APPMETRICS_TAG_KEY_MAX bytes, sanitised
 *     as names are; a value is a string of at most APPMETRICS_TAG_VALUE_MAX bytes, where
 *     control bytes, ',' and '=' become '_' (tags render as "k=v,k2=v2", keys sorted);
 *   - numbers are finite (a sum that would leave the doubles is refused too); a timing's
 *     count is an integer in 1..1e9 and its sum >= 0;
 *   - at most APPMETRICS_UPDATES_MAX series from one invocation;
 *   - a malformed update is refused and counted per app (kiln_app_metric_refused_total);
 *     a new series past APPMETRICS_SERIES_PER_APP of its app, or APPMETRICS_SERIES_MAX in
 *     all, is dropped and counted (kiln_app_metric_series_dropped_total), as are those the
 *     worker dropped itself; past APPMETRICS_APPS_MAX apps, a new app's are counted in
 *     kiln_app_metrics_apps_dropped_total only.
 *
 * Thread-safe (one mutex: a record per invocation that sent metrics, a render per scrape).
 * Nothing here is per site: an app installed on several sites adds into the same series,
 * and its tags are the app's own strings, shown as they are to whoever reads /metrics. */
#ifndef KILN_APPMETRICS_H
#define KILN_APPMETRICS_H

#include <jansson.h>

#include "auth/invocation.h"
#include "base/buf.h"

#define APPMETRICS_NAME_MAX 100
#define APPMETRICS_TAGS_MAX 4
#define APPMETRICS_TAG_KEY_MAX 32
#define APPMETRICS_TAG_VALUE_MAX 64
#define APPMETRICS_UPDATES_MAX 256
#define APPMETRICS_SERIES_PER_APP 200
#define APPMETRICS_SERIES_MAX 2000
#define APPMETRICS_APPS_MAX 256

/* Adds one invocation's metrics (the result frame's `metrics`) to app `app_id` in
 * environment `env`. Never fails: what it refuses is counted. */
void appmetrics_add(const char *app_id, const char *env, const json_t *metrics);
/* The runtime's sink (runtime/supervisor.h rt_metrics_fn): appmetrics_add with the
 * invocation's app and environment. */
void appmetrics_record(const invocation_t *inv, const json_t *metrics);
/* Appends every app's series in Prometheus text format to b. */
void appmetrics_render(buf_t *b);
/* Forgets everything (tests). */
void appmetrics_reset(void);

#endif
