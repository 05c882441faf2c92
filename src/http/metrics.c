#include "http/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"

/* Status codes we count separately; anything else is "other". */
static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 414, 415, 429, 431, 500, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)

/* Latency bucket upper bounds, seconds. */
static const double bounds[METRICS_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                               0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

static const char *route_names[METRICS_MAX_ROUTES] = {"unmatched"};
static unsigned nroutes = 1;

struct metrics {
    uint64_t count[METRICS_MAX_ROUTES][NSTATUS];
    uint64_t bucket[METRICS_BUCKETS + 1]; /* last: +Inf */
    uint64_t n, sum_ns;
};

metrics_t *metrics_new(void)
{
    return xcalloc(1, sizeof(metrics_t));
}
void metrics_free(metrics_t *m)
{
    free(m);
}

unsigned metrics_route_id(const char *name)
{
    for (unsigned i = 0; i < nroutes; i++)
        if (strcmp(route_names[i], name) == 0)
            return i;
    if (nroutes == METRICS_MAX_ROUTES)
        abort(); /* a programming error: raise METRICS_MAX_ROUTES */
    route_names[nroutes] = name;
    return nroutes++;
}

static unsigned status_index(int status)
{
    for (unsigned i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

void metrics_observe(metrics_t *m, unsigned route, int status, uint64_t start_ns)
{
    if (!m)
        return;
    uint64_t d = clock_mono_ns() - start_ns;
    m->count[route < nroutes ? route : 0][status_index(status)]++;
    unsigned b = 0;
    while (b < METRICS_BUCKETS && (double)d / 1e9 > bounds[b])
        b++;
    m->bucket[b]++;
    m->n++;
    m->sum_ns += d;
}

void metrics_render(buf_t *b, metrics_t *const *all, unsigned n)
{
    buf_adds(b, "# HELP kiln_http_requests_total HTTP requests answered, by route and status.\n"
                "# TYPE kiln_http_requests_total counter\n");
    for (unsigned r = 0; r < nroutes; r++) {
        for (unsigned s = 0; s < NSTATUS; s++) {
            uint64_t c = 0;
            for (unsigned t = 0; t < n; t++)
                c += all[t]->count[r][s];
            if (!c)
                continue;
            if (s < NSTATUS - 1)
                buf_printf(b, "kiln_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", route_names[r],
                           statuses[s], (unsigned long long)c);
            else
                buf_printf(b, "kiln_http_requests_total{route=\"%s\",status=\"other\"} %llu\n", route_names[r],
                           (unsigned long long)c);
        }
    }
    buf_adds(b, "# HELP kiln_http_request_duration_seconds Time from request to reply.\n"
                "# TYPE kiln_http_request_duration_seconds histogram\n");
    uint64_t cum = 0, total = 0, sum = 0;
    for (unsigned t = 0; t < n; t++) {
        total += all[t]->n;
        sum += all[t]->sum_ns;
    }
    for (unsigned i = 0; i <= METRICS_BUCKETS; i++) {
        for (unsigned t = 0; t < n; t++)
            cum += all[t]->bucket[i];
        if (i < METRICS_BUCKETS)
            buf_printf(b, "kiln_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[i],
                       (unsigned long long)cum);
        else
            buf_printf(b, "kiln_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    }
    buf_printf(b, "kiln_http_request_duration_seconds_sum %.6f\n", (double)sum / 1e9);
    buf_printf(b, "kiln_http_request_duration_seconds_count %llu\n", (unsigned long long)total);
}
