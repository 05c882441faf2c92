#include "platform/lifecycle.h"
#include "platform/config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "journal/fnlog.h"
#include "platform/invoke.h"
#include "platform/remote.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

#define INFLIGHT_MAX 64

/* One event being delivered: the functions still running and whether one failed. Only
 * the ticking thread touches these. */
static struct delivery {
    int64_t event_id, attempts;
    unsigned pending, failed;
    store_t *store;
    /* for `kiln logs`: whose event it is, and why its last failure failed */
    int64_t site_id;
    char installation_id[37], app_id[37], event[64], why[200];
} inflight[INFLIGHT_MAX];

static void settle(struct delivery *d);

/* A remote endpoint's delivery ended (platform/remote.h retried it up to 4 times). A
 * remote that still failed is not a reason to deliver the event again: it had its
 * retries (Forge's contract); only failed functions (or a delivery cut short because
 * kiln is stopping) make the event be retried. */
static void on_remote_done(completion_t *done)
{
    remote_call_t *c = (remote_call_t *)done;
    struct delivery *d = c->answer.owner;
    if (c->err == OUTBOUND_ESHUTDOWN) {
        if (d) /* kiln is stopping mid-delivery: the event stays due for the next start */
            d->failed++;
    } else if (!c->ok) {
        char st[16];
        snprintf(st, sizeof st, "%d", c->status);
        log_msg(LOG_WARN, "lifecycle event not accepted by the remote after retries", "remote", c->dest, "status", st,
                "failure", c->failure ? c->failure : "", NULL);
    }
    if (d && --d->pending == 0)
        settle(d);
    remote_call_free(c);
}

/* Starts the delivery of `event` (JSON text) to endpoint `ekey`; 0 or -1. */
static int deliver_remote(http_thread_t *t, json_t *manifest, const install_rec_t *in, const site_rec_t *site,
                          const version_rec_t *ver, const env_rec_t *env, const char *ekey, const char *body,
                          struct delivery *d)
{
    remote_def_t rd;
    const char *route;
    if (remote_endpoint(manifest, ekey, &rd, &route) != 0)
        return -1;
    remote_who_t w = {in, site, ver, env, "core:endpoint", ekey, NULL, platform_config()->public_url};
    char err[128];
    remote_call_t *c =
        remote_call_new(t->store, &w, &rd, route[0] ? route : "/", NULL, body, strlen(body), 1, err, sizeof err);
    if (!c) {
        log_msg(LOG_WARN, "lifecycle event cannot go to the remote", "endpoint", ekey, "error", err, NULL);
        return -1;
    }
    c->answer.receiver = &t->completions;
    c->answer.owner = d;
    c->answer.done = on_remote_done;
    if (remote_call_start(c) != 0) {
        remote_call_free(c);
        return -1;
    }
    return 0;
}

static struct delivery *find(int64_t id)
{
    for (unsigned i = 0; i < INFLIGHT_MAX; i++)
        if (inflight[i].event_id == id)
            return &inflight[i];
    return NULL;
}

/* A failed attempt in `kiln logs` of the installation: its outcome, then the next
 * attempt's time (next_ms: its delay) or, with next_ms < 0, the give-up. The lines of one
 * event share a delivery id made from the event's (its module: "lifecycle"). */
static void note_attempt(const struct delivery *d, int64_t next_ms)
{
    invocation_t inv = {.site_id = d->site_id};
    unsigned long long n = (unsigned long long)d->event_id;
    snprintf(inv.id, sizeof inv.id, "00000000-0000-4000-8000-%012llx", n & 0xffffffffffffULL);
    memcpy(inv.installation_id, d->installation_id, sizeof inv.installation_id);
    memcpy(inv.app_id, d->app_id, sizeof inv.app_id);
    snprintf(inv.module_key, sizeof inv.module_key, "lifecycle");
    char then[96], when[40], msg[512];
    if (next_ms >= 0) {
        clock_iso8601(when, sizeof when, clock_now_ms() + next_ms);
        snprintf(then, sizeof then, "next attempt in %lld s, at %s", (long long)(next_ms / 1000), when);
    } else {
        snprintf(then, sizeof then, "given up");
    }
    snprintf(msg, sizeof msg, "lifecycle event %s: attempt %lld of %d failed (%s); %s", d->event,
             (long long)d->attempts + 1, LIFECYCLE_ATTEMPTS, d->why[0] ? d->why : "no trigger function could start",
             then);
    fnlog_line(&inv, "warn", msg);
}

static void settle(struct delivery *d)
{
    int64_t now = clock_now_ms();
    if (!d->failed) {
        store_lifecycle_delivered(d->store, d->event_id, now);
    } else if (d->attempts + 1 >= LIFECYCLE_ATTEMPTS) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)d->event_id);
        log_msg(LOG_WARN, "lifecycle event given up after retries", "event", id, NULL);
        note_attempt(d, -1);
        store_lifecycle_delivered(d->store, d->event_id, now);
    } else {
        note_attempt(d, 1000LL << d->attempts);
        store_lifecycle_retry(d->store, d->event_id, now + (1000LL << d->attempts));
    }
    d->event_id = 0;
}

/* rt_status names, for the log line of a failed trigger function */
static const char *const outcome[] = {
    [RT_OK] = "ok",
    [RT_ERROR] = "threw",
    [RT_TIMEOUT] = "timed out",
    [RT_CRASH] = "crashed",
    [RT_OVERLOAD] = "not run: too many invocations",
    [RT_SETUP] = "could not start",
};

static void on_done(completion_t *done)
{
    rt_job_t *job = (rt_job_t *)done;
    struct delivery *d = job->c.owner;
    if (job->status != RT_OK) {
        d->failed++;
        snprintf(d->why, sizeof d->why, "trigger %.80s %s: its log is invocation %s", job->inv.module_key,
                 outcome[job->status], job->inv.id);
    }
    if (--d->pending == 0)
        settle(d);
    rt_job_free(job);
}

/* The trigger functions subscribed to `event` in the installation's version. */
static void deliver(http_thread_t *t, arena_t *a, const lifecycle_rec_t *ev)
{
    struct delivery *d = find(0);
    if (!d)
        return; /* enough in flight; the next tick takes it */
    store_t *st = t->store;
    install_rec_t in;
    site_rec_t site;
    version_rec_t ver;
    env_rec_t env;
    if (store_install_get(st, a, ev->installation_id, &in) != STORE_OK || in.removed ||
        store_site_by_id(st, a, in.site_id, &site) != STORE_OK ||
        store_version_latest(st, a, in.app_id, in.env_key, in.major, &ver) != STORE_OK ||
        store_env_get(st, a, in.app_id, in.env_key, &env) != STORE_OK) {
        store_lifecycle_delivered(st, ev->id, clock_now_ms()); /* nothing left to tell */
        return;
    }
    *d = (struct delivery){.event_id = ev->id, .attempts = ev->attempts, .store = st, .site_id = site.id};
    snprintf(d->installation_id, sizeof d->installation_id, "%.36s", in.id);
    snprintf(d->app_id, sizeof d->app_id, "%.36s", in.app_id);
    snprintf(d->event, sizeof d->event, "%.63s", ev->event);
    json_t *manifest = invoke_manifest(a, &ver);
    json_err_t jerr;
    json_t *payload = json_parse_arena(a, ev->payload_json, strlen(ev->payload_json), 64, &jerr);
    size_t i;
    json_t *trig;
    json_array_foreach(json_object_get(json_object_get(manifest, "modules"), "trigger"), i, trig)
    {
        int subscribed = 0;
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(trig, "events"), j, e)
        {
            const char *name = json_is_string(e) ? json_string_value(e) : json_str(e, "eventType");
            subscribed |= name && strcmp(name, ev->event) == 0;
        }
        const char *fkey = json_str(trig, "function"), *ekey = json_str(trig, "endpoint"), *key = json_str(trig, "key");
        json_t *fn = subscribed && fkey ? invoke_module(manifest, "function", fkey) : NULL;
        if ((!fn && !(subscribed && ekey)) || !key)
            continue;
        json_t *event = json_deep_copy(payload ? payload : json_object());
        json_object_set_new(event, "eventType", json_string(ev->event));
        char *body = json_dumps(event, JSON_COMPACT);
        json_decref(event);
        if (!fn) { /* a trigger that targets a remote endpoint */
            if (!body || deliver_remote(t, manifest, &in, &site, &ver, &env, ekey, body, d) != 0) {
                d->failed++;
                snprintf(d->why, sizeof d->why, "the endpoint %.80s could not be called (see the server log)", ekey);
            } else
                d->pending++;
            free(body);
            continue;
        }
        rt_job_t *job = invoke_job(st, a, platform_config()->public_url, &in, &site, &ver, &env, fn, key,
                                   LIFECYCLE_TIMEOUT_MS, LIFECYCLE_TIMEOUT_MS, body);
        if (!job) {
            d->failed++;
            snprintf(d->why, sizeof d->why, "function %.80s could not be prepared", fkey);
            continue;
        }
        invoke_allow_impersonation(job, manifest); /* no user present: asUser(accountId) as the manifest allows */
        job->c.receiver = &t->completions;
        job->c.owner = d;
        job->c.done = on_done;
        if (rt_submit(job) != 0) {
            rt_job_free(job);
            d->failed++;
            snprintf(d->why, sizeof d->why, "function %.80s not run: too many invocations", fkey);
            continue;
        }
        d->pending++;
    }
    if (d->pending == 0)
        settle(d); /* nobody subscribed (delivered), or nothing could start (retry) */
}

void lifecycle_tick(http_thread_t *t)
{
    arena_t *a = arena_new(32u * 1024 * 1024);
    lifecycle_rec_t *due;
    size_t n;
    if (store_lifecycle_due(t->store, a, clock_now_ms(), &due, &n) == STORE_OK)
        for (size_t i = 0; i < n; i++)
            if (!find(due[i].id))
                deliver(t, a, &due[i]);
    arena_free(a);
}
