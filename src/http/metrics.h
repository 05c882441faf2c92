/* Request metrics in Prometheus text format. Each HTTP thread owns a metrics_t and
 * writes it without locks or atomics (counters are only ever incremented by their
 * thread); /metrics sums the threads' tables. Route ids come from metrics_route_id,
 * called while the route tables are set up, before threads start. */
#ifndef KILN_METRICS_H
#define KILN_METRICS_H

#include <stdint.h>

#include "base/buf.h"

#define METRICS_MAX_ROUTES 512
#define METRICS_BUCKETS 12

typedef struct metrics metrics_t;

metrics_t *metrics_new(void);
void metrics_free(metrics_t *m);
/* Registers a route name (stable pointer) and returns its id; the same name twice gives
 * the same id. Id 0 is "unmatched". Not thread-safe: call during start-up. */
unsigned metrics_route_id(const char *name);
/* Counts one reply. m may be NULL (no thread: a no-op). */
void metrics_observe(metrics_t *m, unsigned route, int status, uint64_t start_ns);
/* Appends the sum of `n` tables in Prometheus text format to b. */
void metrics_render(buf_t *b, metrics_t *const *all, unsigned n);

#endif
