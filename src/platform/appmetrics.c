/* Apps' own metrics per app and environment (platform/appmetrics.h): checking what a
 * worker sent, folding it into the series, and the Prometheus text of them all. */
#include "platform/appmetrics.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

#define TAGS_TEXT_MAX (APPMETRICS_TAGS_MAX * (APPMETRICS_TAG_KEY_MAX + 1 + APPMETRICS_TAG_VALUE_MAX + 1))
#define WORKER_DROPPED_MAX 1000000000 /* what one invocation may say its worker dropped */

typedef struct series {
    char kind;  /* 'c' counter, 'g' gauge, 't' timing */
    char *name; /* sanitised */
    char *tags; /* "k=v,k2=v2" (keys sorted), "" for none */
    double v;   /* the counter's or the gauge's value, the timing's sum of seconds */
    uint64_t n; /* the timing's samples */
} series_t;

typedef struct appm {
    char app[37], env[32];
    series_t *s;
    unsigned n, cap;
    uint64_t dropped, refused;
} appm_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static appm_t apps[APPMETRICS_APPS_MAX];
static unsigned napps, nseries; /* nseries: over every app */
static uint64_t apps_dropped;

/* ---------------------------------------------------------------- checking one update */

/* A name or a tag key: 1..max bytes, each outside [A-Za-z0-9_.:-] made '_'. 0, or -1. */
static int clean_name(const char *in, size_t max, char *out)
{
    size_t len = strlen(in);
    if (len == 0 || len > max)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                 c == ':' || c == '-';
        out[i] = ok ? (char)c : '_';
    }
    out[len] = '\0';
    return 0;
}

/* A tag value: a string of at most APPMETRICS_TAG_VALUE_MAX bytes; control bytes, ','
 * and '=' made '_' (so "k=v,..." reads back unambiguously). 0, or -1. */
static int clean_value(const json_t *v, char *out)
{
    if (!json_is_string(v))
        return -1;
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len > APPMETRICS_TAG_VALUE_MAX || memchr(s, '\0', len))
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c < 0x20 || c == 0x7f || c == ',' || c == '=' ? '_' : (char)c;
    }
    out[len] = '\0';
    return 0;
}

/* null (none) or an object of at most APPMETRICS_TAGS_MAX string tags, as "k=v,..." with
 * keys sorted into out (TAGS_TEXT_MAX + 1 bytes). 0, or -1. */
static int clean_tags(const json_t *tags, char *out)
{
    out[0] = '\0';
    if (!tags || json_is_null(tags))
        return 0;
    if (!json_is_object(tags) || json_object_size(tags) > APPMETRICS_TAGS_MAX)
        return -1;
    char keys[APPMETRICS_TAGS_MAX][APPMETRICS_TAG_KEY_MAX + 1], vals[APPMETRICS_TAGS_MAX][APPMETRICS_TAG_VALUE_MAX + 1];
    unsigned n = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)tags, k, v)
    {
        if (clean_name(k, APPMETRICS_TAG_KEY_MAX, keys[n]) != 0 || clean_value(v, vals[n]) != 0)
            return -1;
        /* insertion sort by key; two keys equal once sanitised are refused */
        unsigned i = n;
        for (; i > 0 && strcmp(keys[i - 1], keys[n]) > 0; i--)
            ;
        for (unsigned j = 0; j < n; j++)
            if (strcmp(keys[j], keys[n]) == 0)
                return -1;
        char tk[APPMETRICS_TAG_KEY_MAX + 1], tv[APPMETRICS_TAG_VALUE_MAX + 1];
        memcpy(tk, keys[n], sizeof tk);
        memcpy(tv, vals[n], sizeof tv);
        memmove(keys[i + 1], keys[i], (n - i) * sizeof keys[0]);
        memmove(vals[i + 1], vals[i], (n - i) * sizeof vals[0]);
        memcpy(keys[i], tk, sizeof tk);
        memcpy(vals[i], tv, sizeof tv);
        n++;
    }
    size_t off = 0;
    for (unsigned i = 0; i < n; i++)
        off += (size_t)snprintf(out + off, TAGS_TEXT_MAX + 1 - off, "%s%s=%s", i ? "," : "", keys[i], vals[i]);
    return 0;
}

static int finite_number(const json_t *v, double *out)
{
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return isfinite(*out) ? 0 : -1;
}

/* One update, checked: kind, sanitised name and tags, its two numbers. 0, or -1. */
typedef struct update {
    char kind;
    char name[APPMETRICS_NAME_MAX + 1];
    char tags[TAGS_TEXT_MAX + 1];
    double a, b;
} update_t;

static int parse_update(const json_t *e, update_t *u)
{
    if (!json_is_array(e) || json_array_size(e) != 5)
        return -1;
    const char *kind = json_string_value(json_array_get(e, 0));
    const char *name = json_string_value(json_array_get(e, 1));
    if (!kind || !name || strlen(kind) != 1 || !strchr("cgt", kind[0]))
        return -1;
    u->kind = kind[0];
    if (clean_name(name, APPMETRICS_NAME_MAX, u->name) != 0 || clean_tags(json_array_get(e, 2), u->tags) != 0 ||
        finite_number(json_array_get(e, 3), &u->a) != 0 || finite_number(json_array_get(e, 4), &u->b) != 0)
        return -1;
    switch (u->kind) {
    case 'g': return u->b == 0 || u->b == 1 ? 0 : -1;
    case 't': return u->a >= 1 && u->a <= 1e9 && u->a == floor(u->a) && u->b >= 0 ? 0 : -1;
    default: return 0;
    }
}

/* ---------------------------------------------------------------- the tables (mu held) */

static appm_t *app_of(const char *app_id, const char *env)
{
    for (unsigned i = 0; i < napps; i++)
        if (strcmp(apps[i].app, app_id) == 0 && strcmp(apps[i].env, env) == 0)
            return &apps[i];
    if (napps == APPMETRICS_APPS_MAX || strlen(app_id) >= sizeof apps[0].app || strlen(env) >= sizeof apps[0].env)
        return NULL;
    appm_t *a = &apps[napps++];
    memset(a, 0, sizeof *a);
    strcpy(a->app, app_id);
    strcpy(a->env, env);
    return a;
}

static series_t *series_of(appm_t *a, const update_t *u)
{
    for (unsigned i = 0; i < a->n; i++)
        if (a->s[i].kind == u->kind && strcmp(a->s[i].name, u->name) == 0 && strcmp(a->s[i].tags, u->tags) == 0)
            return &a->s[i];
    if (a->n >= APPMETRICS_SERIES_PER_APP || nseries >= APPMETRICS_SERIES_MAX)
        return NULL;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        a->s = xrealloc(a->s, a->cap * sizeof *a->s);
    }
    series_t *s = &a->s[a->n++];
    nseries++;
    *s = (series_t){.kind = u->kind, .name = xstrdup(u->name), .tags = xstrdup(u->tags)};
    return s;
}

/* Folds u into its series: 0, -1 refused (the result would not be finite), -2 dropped (no room). */
static int apply(appm_t *a, const update_t *u)
{
    series_t *s = series_of(a, u);
    if (!s)
        return -2;
    double v = u->kind == 'g' && u->b == 1 ? u->a : u->kind == 't' ? s->v + u->b : s->v + u->a;
    if (!isfinite(v))
        return -1;
    s->v = v;
    if (u->kind == 't')
        s->n += (uint64_t)u->a;
    return 0;
}

void appmetrics_add(const char *app_id, const char *env, const json_t *metrics)
{
    pthread_mutex_lock(&mu);
    appm_t *a = app_of(app_id, env);
    if (!a) {
        apps_dropped++;
        pthread_mutex_unlock(&mu);
        return;
    }
    const json_t *series = json_object_get(metrics, "series"), *dropped = json_object_get(metrics, "dropped");
    if (!json_is_object(metrics) || !json_is_array(series) || !json_is_integer(dropped) ||
        json_integer_value(dropped) < 0 || json_integer_value(dropped) > WORKER_DROPPED_MAX) {
        a->refused++;
        pthread_mutex_unlock(&mu);
        return;
    }
    a->dropped += (uint64_t)json_integer_value(dropped);
    size_t n = json_array_size(series);
    if (n > APPMETRICS_UPDATES_MAX) {
        a->refused += n - APPMETRICS_UPDATES_MAX;
        n = APPMETRICS_UPDATES_MAX;
    }
    update_t u;
    for (size_t i = 0; i < n; i++) {
        int rc = parse_update(json_array_get(series, i), &u) == 0 ? apply(a, &u) : -1;
        if (rc == -1)
            a->refused++;
        else if (rc == -2)
            a->dropped++;
    }
    pthread_mutex_unlock(&mu);
}

void appmetrics_record(const invocation_t *inv, const json_t *metrics)
{
    appmetrics_add(inv->app_id, inv->env_key, metrics);
}

void appmetrics_reset(void)
{
    pthread_mutex_lock(&mu);
    for (unsigned i = 0; i < napps; i++) {
        for (unsigned j = 0; j < apps[i].n; j++) {
            free(apps[i].s[j].name);
            free(apps[i].s[j].tags);
        }
        free(apps[i].s);
    }
    napps = nseries = 0;
    apps_dropped = 0;
    pthread_mutex_unlock(&mu);
}

/* ---------------------------------------------------------------- Prometheus text */

/* A label value as the text format wants it: backslash, double quote and newline escaped. */
static void label(buf_t *b, const char *s)
{
    for (; *s; s++) {
        const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
        if (esc)
            buf_adds(b, esc);
        else
            buf_add(b, s, 1);
    }
}

static void labels(buf_t *b, const appm_t *a, const series_t *s)
{
    buf_adds(b, "{app=\"");
    label(b, a->app);
    buf_adds(b, "\",env=\"");
    label(b, a->env);
    if (s) {
        buf_adds(b, "\",name=\"");
        label(b, s->name);
        buf_adds(b, "\",tags=\"");
        label(b, s->tags);
    }
    buf_adds(b, "\"}");
}

/* The shortest of %.15g and %.17g that reads back as v. */
static void number(buf_t *b, double v)
{
    char s[40];
    snprintf(s, sizeof s, "%.15g", v);
    if (strtod(s, NULL) != v)
        snprintf(s, sizeof s, "%.17g", v);
    buf_printf(b, " %s\n", s);
}

void appmetrics_render(buf_t *b)
{
    static const struct {
        char kind;
        const char *metric, *type, *help;
    } families[] = {
        {'c', "kiln_app_metric_total", "counter",
         "Counters apps recorded with @forge/metrics (net of decrements), per app and environment; tags are the "
         "app's own strings."},
        {'g', "kiln_app_gauge", "gauge", "Gauges apps recorded with @forge/metrics: the last value set."},
        {'t', "kiln_app_timing_seconds", "summary", "Timers apps recorded with @forge/metrics: samples and seconds."},
    };
    pthread_mutex_lock(&mu);
    for (size_t f = 0; f < sizeof families / sizeof *families; f++) {
        buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", families[f].metric, families[f].help, families[f].metric,
                   families[f].type);
        for (unsigned i = 0; i < napps; i++)
            for (unsigned j = 0; j < apps[i].n; j++) {
                const series_t *s = &apps[i].s[j];
                if (s->kind != families[f].kind)
                    continue;
                if (s->kind == 't') {
                    buf_printf(b, "%s_count", families[f].metric);
                    labels(b, &apps[i], s);
                    buf_printf(b, " %llu\n", (unsigned long long)s->n);
                    buf_printf(b, "%s_sum", families[f].metric);
                } else {
                    buf_adds(b, families[f].metric);
                }
                labels(b, &apps[i], s);
                number(b, s->v);
            }
    }
    buf_adds(b, "# HELP kiln_app_metric_series_dropped_total App metric updates dropped: a new series past an app's "
                "or kiln's limit, or dropped by the worker.\n# TYPE kiln_app_metric_series_dropped_total counter\n");
    for (unsigned i = 0; i < napps; i++) {
        buf_adds(b, "kiln_app_metric_series_dropped_total");
        labels(b, &apps[i], NULL);
        buf_printf(b, " %llu\n", (unsigned long long)apps[i].dropped);
    }
    buf_adds(b, "# HELP kiln_app_metric_refused_total App metric updates refused as malformed (name, tags, "
                "numbers).\n# TYPE kiln_app_metric_refused_total counter\n");
    for (unsigned i = 0; i < napps; i++) {
        buf_adds(b, "kiln_app_metric_refused_total");
        labels(b, &apps[i], NULL);
        buf_printf(b, " %llu\n", (unsigned long long)apps[i].refused);
    }
    buf_printf(b,
               "# HELP kiln_app_metrics_apps_dropped_total Invocations whose metrics were dropped: their app came "
               "past the number of apps kept.\n# TYPE kiln_app_metrics_apps_dropped_total counter\n"
               "kiln_app_metrics_apps_dropped_total %llu\n",
               (unsigned long long)apps_dropped);
    pthread_mutex_unlock(&mu);
}
