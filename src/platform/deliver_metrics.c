#include "platform/deliver_metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_deliveries.h"

/* Latency bucket upper bounds, seconds. */
static const double bounds[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900};
#define NB (sizeof bounds / sizeof *bounds)

typedef struct hist {
    uint64_t bucket[NB + 1]; /* last: +Inf */
    uint64_t count;
    double sum;
} hist_t;

static struct {
    pthread_mutex_t mu;
    struct app {
        char id[37];
        uint64_t n[DM__OUTCOMES];
    } apps[DELIVER_METRICS_APPS + 1]; /* the last: "other" */
    size_t napps;
    hist_t start, done;
} M = {.mu = PTHREAD_MUTEX_INITIALIZER};

static struct app *app_of(const char *id)
{
    for (size_t i = 0; i < M.napps; i++)
        if (strcmp(M.apps[i].id, id) == 0)
            return &M.apps[i];
    if (M.napps < DELIVER_METRICS_APPS) {
        struct app *a = &M.apps[M.napps++];
        snprintf(a->id, sizeof a->id, "%.36s", id);
        return a;
    }
    struct app *o = &M.apps[DELIVER_METRICS_APPS];
    snprintf(o->id, sizeof o->id, "other");
    return o;
}

static void observe(hist_t *h, int64_t ms)
{
    double s = ms < 0 ? 0 : (double)ms / 1000.0;
    size_t i = 0;
    while (i < NB && s > bounds[i])
        i++;
    h->bucket[i]++;
    h->count++;
    h->sum += s;
}

void deliver_metrics_started(const char *app_id, int64_t attempt, int64_t created_ms, int64_t now_ms)
{
    pthread_mutex_lock(&M.mu);
    app_of(app_id ? app_id : "");
    if (attempt == 1)
        observe(&M.start, now_ms - created_ms);
    pthread_mutex_unlock(&M.mu);
}

void deliver_metrics_ended(const char *app_id, enum deliver_outcome outcome, int64_t created_ms, int64_t now_ms)
{
    pthread_mutex_lock(&M.mu);
    app_of(app_id ? app_id : "")->n[outcome]++;
    if (outcome == DM_DELIVERED || outcome == DM_DEAD)
        observe(&M.done, now_ms - created_ms);
    pthread_mutex_unlock(&M.mu);
}

static void render_hist(buf_t *b, const char *name, const char *help, const hist_t *h)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (size_t i = 0; i < NB; i++) {
        cum += h->bucket[i];
        buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long)cum);
    }
    cum += h->bucket[NB];
    buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name, (unsigned long long)cum, name,
               h->sum, name, (unsigned long long)h->count);
}

static const char *const outcome_names[DM__OUTCOMES] = {"delivered", "retried", "dead", "dropped", "platform_fault"};

void deliver_metrics_render(buf_t *b, store_t *st)
{
    struct app *copy = malloc(sizeof M.apps);
    if (!copy)
        return;
    pthread_mutex_lock(&M.mu);
    size_t n = M.napps;
    memcpy(copy, M.apps, n * sizeof *copy);
    if (M.apps[DELIVER_METRICS_APPS].id[0])
        copy[n++] = M.apps[DELIVER_METRICS_APPS];
    hist_t start = M.start, done = M.done;
    pthread_mutex_unlock(&M.mu);

    buf_printf(b, "# HELP kiln_delivery_attempts_total Ended attempts of event deliveries per app, by outcome "
                  "(docs/events.md).\n# TYPE kiln_delivery_attempts_total counter\n");
    for (size_t i = 0; i < n; i++)
        for (int o = 0; o < DM__OUTCOMES; o++)
            buf_printf(b, "kiln_delivery_attempts_total{app=\"%s\",outcome=\"%s\"} %llu\n", copy[i].id,
                       outcome_names[o], (unsigned long long)copy[i].n[o]);
    buf_printf(b, "# HELP kiln_deliveries Event deliveries per app in the store, by state: pending is the app's "
                  "queue depth.\n# TYPE kiln_deliveries gauge\n");
    for (size_t i = 0; i < n; i++) {
        int64_t c[DLV__STATES];
        if (strcmp(copy[i].id, "other") == 0 || store_delivery_counts(st, copy[i].id, c) != STORE_OK)
            continue;
        buf_printf(b,
                   "kiln_deliveries{app=\"%s\",state=\"pending\"} %lld\nkiln_deliveries{app=\"%s\",state=\"running\"} "
                   "%lld\n",
                   copy[i].id, (long long)c[DLV_PENDING], copy[i].id, (long long)c[DLV_RUNNING]);
    }
    free(copy);
    render_hist(b, "kiln_delivery_start_latency_seconds",
                "Time from an event delivery's creation to its first attempt's start.", &start);
    render_hist(b, "kiln_delivery_done_latency_seconds",
                "Time from an event delivery's creation to its end (delivered, or dead after its retries).", &done);
}
