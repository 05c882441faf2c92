#include "platform/invoke.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "http/reply.h"
#include "platform/egress.h"
#include "platform/variables.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

/* ---- the per-thread cache of parsed manifests ---- */

typedef struct manifest_cache {
    struct {
        char *app_id, *env_key;
        int64_t seq;
        json_t *manifest;
    } e[INVOKE_MANIFESTS_CACHED];
    unsigned next; /* round-robin victim */
} manifest_cache_t;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
    manifest_cache_t *c = p;
    for (unsigned i = 0; i < INVOKE_MANIFESTS_CACHED; i++) {
        free(c->e[i].app_id);
        free(c->e[i].env_key);
        json_decref(c->e[i].manifest);
    }
    free(c);
}

static void cache_init(void)
{
    pthread_key_create(&cache_key, cache_free);
}

json_t *invoke_manifest(arena_t *a, const version_rec_t *ver)
{
    pthread_once(&cache_once, cache_init);
    manifest_cache_t *c = pthread_getspecific(cache_key);
    if (!c) {
        c = xcalloc(1, sizeof *c);
        pthread_setspecific(cache_key, c);
    }
    for (unsigned i = 0; i < INVOKE_MANIFESTS_CACHED; i++)
        if (c->e[i].manifest && c->e[i].seq == ver->seq && strcmp(c->e[i].app_id, ver->app_id) == 0 &&
            strcmp(c->e[i].env_key, ver->env_key) == 0)
            return json_own(a, json_incref(c->e[i].manifest));
    json_t *m = json_loads(ver->manifest_json, 0, NULL);
    if (!m)
        return NULL;
    unsigned v = c->next++ % INVOKE_MANIFESTS_CACHED;
    free(c->e[v].app_id);
    free(c->e[v].env_key);
    json_decref(c->e[v].manifest);
    c->e[v].app_id = xstrdup(ver->app_id);
    c->e[v].env_key = xstrdup(ver->env_key);
    c->e[v].seq = ver->seq;
    c->e[v].manifest = m;
    return json_own(a, json_incref(m));
}

int invoke_legacy_runtime(json_t *manifest)
{
    if (!manifest)
        return 0;
    json_t *rt = json_object_get(json_object_get(manifest, "app"), "runtime");
    const char *name = json_str(rt, "name");
    return !name || strcmp(name, "sandbox") == 0;
}

json_t *invoke_module(json_t *manifest, const char *type, const char *key)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(json_object_get(manifest, "modules"), type), i, m)
    {
        const char *k = json_str(m, "key");
        if (k && strcmp(k, key) == 0)
            return m;
    }
    return NULL;
}

static const char *env_type(const char *key)
{
    return strcmp(key, "production") == 0 ? "PRODUCTION" : strcmp(key, "staging") == 0 ? "STAGING" : "DEVELOPMENT";
}

/* The consented scopes (a JSON array of strings) as the space-separated set the gateway
 * checks; *arr gets the parsed array (owned by `a`; an empty one if the text is broken). */
static char *scopes_string(arena_t *a, const char *scopes_json, json_t **arr)
{
    json_err_t e;
    *arr = json_parse_arena(a, scopes_json ? scopes_json : "", scopes_json ? strlen(scopes_json) : 0, 4, &e);
    if (!json_is_array(*arr))
        *arr = json_own(a, json_array());
    buf_t b;
    buf_init(&b, 1 << 16);
    size_t i;
    json_t *s;
    json_array_foreach(*arr, i, s)
    {
        if (b.len)
            buf_add(&b, " ", 1);
        buf_adds(&b, json_string_value(s) ? json_string_value(s) : "");
    }
    char *out = xstrdup(b.ptr ? b.ptr : "");
    buf_free(&b);
    return out;
}

/* A finished jsonw document as a heap string (the job frees it), or NULL. */
static char *finish(jsonw_t *w, buf_t *b)
{
    if (w->err || !b->ptr) {
        buf_free(b);
        return NULL;
    }
    return b->ptr;
}

/* {"ari":"ari:cloud:ecosystem::installation/ID","contexts":[{"cloudId":C[,"apiBaseUrl":U]}]} */
static void installation(jsonw_t *w, const install_rec_t *in, const site_rec_t *site, const char *public_url)
{
    jw_obj(w);
    jw_key(w, "ari");
    JW_STRCAT(w, "ari:cloud:ecosystem::installation/", in->id);
    jw_key(w, "contexts");
    jw_arr(w);
    jw_obj(w);
    jw_kstr(w, "cloudId", site->cloud_id);
    if (public_url) {
        jw_key(w, "apiBaseUrl");
        JW_STRCAT(w, public_url, "/ex/jira/", site->cloud_id);
    }
    jw_obj_end(w);
    jw_arr_end(w);
    jw_obj_end(w);
}

rt_job_t *invoke_job(store_t *st, arena_t *a, const char *public_url, const install_rec_t *in, const site_rec_t *site,
                     const version_rec_t *ver, const env_rec_t *env, json_t *fn, const char *module_key,
                     int64_t default_timeout_ms, int64_t max_timeout_ms, char *payload_json)
{
    const char *handler = json_str(fn, "handler");
    const char *dot = handler ? strrchr(handler, '.') : NULL;
    if (!dot || dot == handler || !dot[1] || !payload_json) {
        free(payload_json);
        return NULL;
    }
    char inv_id[37];
    enc_uuid4(inv_id);
    json_t *timeout = json_object_get(fn, "timeoutSeconds");
    int64_t limit = json_is_integer(timeout) && json_integer_value(timeout) > 0 &&
                            json_integer_value(timeout) * 1000 <= max_timeout_ms
                        ? json_integer_value(timeout) * 1000
                        : default_timeout_ms;
    json_t *mem = json_object_get(json_object_get(fn, "runtime"), "memoryMB");

    rt_job_t *job = rt_job_new();
    job->snapshot = xstrdup(ver->snapshot);
    if (env->isolation && strcmp(env->isolation, "installation") == 0)
        job->isolate = xstrdup(in->id); /* its own workers: never shared with another installation */
    job->file = xstrndup(handler, (size_t)(dot - handler));
    job->export_name = xstrdup(dot + 1);
    job->legacy_api = invoke_legacy_runtime(invoke_manifest(a, ver));
    job->memory_mb = json_is_integer(mem) && json_integer_value(mem) >= 128 && json_integer_value(mem) <= 4096
                         ? (unsigned)json_integer_value(mem)
                         : 512;
    job->deadline_ms = clock_now_ms() + limit;
    job->payload_json = payload_json;
    /* the function's context and the runtime's appContext, written once per invocation
     * with jsonw (json_pack + dump cost ~8 us of each round trip) */
    buf_t b;
    jsonw_t w;
    buf_init(&b, 1 << 20);
    buf_reserve(&b, 512);
    jw_init(&w, &b);
    jw_obj(&w);
    jw_key(&w, "installContext");
    JW_STRCAT(&w, "ari:cloud:jira::site/", site->cloud_id);
    jw_kstr(&w, "moduleKey", module_key);
    jw_kstr(&w, "installationId", in->id);
    jw_key(&w, "installation");
    installation(&w, in, site, public_url);
    jw_kstr(&w, "environmentType", env_type(env->key));
    jw_obj_end(&w);
    job->context_json = finish(&w, &b);

    json_t *scopes;
    job->inv.scopes = scopes_string(a, in->scopes_json, &scopes);
    char version[48];
    snprintf(version, sizeof version, "%lld.%lld.0", (long long)ver->major, (long long)ver->minor);
    buf_init(&b, 1 << 20);
    buf_reserve(&b, 1024);
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "appId", in->app_id);
    jw_kstr(&w, "appVersion", version);
    jw_kstr(&w, "environmentId", env->id);
    jw_kstr(&w, "environmentType", env_type(env->key));
    jw_kstr(&w, "invocationId", inv_id);
    jw_kstr(&w, "installationId", in->id);
    jw_kstr(&w, "moduleKey", module_key);
    jw_key(&w, "permissions");
    jw_obj(&w);
    jw_key(&w, "scopes");
    jw_json(&w, scopes);
    jw_key(&w, "external");
    jw_obj(&w);
    jw_obj_end(&w);
    jw_obj_end(&w);
    jw_key(&w, "installation");
    installation(&w, in, site, NULL);
    jw_obj_end(&w);
    job->app_context_json = finish(&w, &b);
    job->env_json = variables_env_json(st, a, in->app_id, env->key);
    if (!job->context_json || !job->app_context_json || !job->env_json) {
        rt_job_free(job);
        return NULL;
    }
    strcpy(job->inv.id, inv_id);
    snprintf(job->inv.installation_id, sizeof job->inv.installation_id, "%s", in->id);
    snprintf(job->inv.app_id, sizeof job->inv.app_id, "%s", in->app_id);
    snprintf(job->inv.env_key, sizeof job->inv.env_key, "%s", in->env_key);
    snprintf(job->inv.cloud_id, sizeof job->inv.cloud_id, "%s", site->cloud_id);
    snprintf(job->inv.bot_account_id, sizeof job->inv.bot_account_id, "%s", in->bot_account_id);
    snprintf(job->inv.module_key, sizeof job->inv.module_key, "%s", module_key);
    job->inv.site_id = site->id;
    json_t *manifest = invoke_manifest(a, ver); /* cached per thread; owned by the arena */
    job->inv.egress = manifest ? egress_allowlist_from_manifest(manifest) : xstrdup("");
    job->inv.deadline_ms = job->deadline_ms;
    return job;
}

/* ------------------------------------------------------------------ users in invocations */

const char *invoke_local_id(arena_t *a, const char *app_id, const char *env_id, const char *module_key)
{
    char *s = arena_printf(a, "ari-cloud-ecosystem--extension-%s-%s-static-%s", app_id, env_id, module_key);
    for (char *c = s; *c; c++)
        if (*c == ':' || *c == '/')
            *c = '-';
    return s;
}

int invoke_set_user(rt_job_t *job, const char *account_id, json_t *ui)
{
    json_error_t je;
    json_t *ctx = json_loads(job->context_json ? job->context_json : "{}", 0, &je);
    if (!json_is_object(ctx) || strlen(account_id) >= sizeof job->inv.user_account_id) {
        json_decref(ctx);
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(ui, k, v) json_object_set(ctx, k, v);
    json_object_set_new(ctx, "accountId", json_string(account_id));
    json_object_set_new(ctx, "principal", json_pack("{s:s}", "accountId", account_id));
    char *text = json_dumps(ctx, JSON_COMPACT);
    json_decref(ctx);
    if (!text)
        return -1;
    free(job->context_json);
    job->context_json = text;
    snprintf(job->inv.user_account_id, sizeof job->inv.user_account_id, "%s", account_id);
    return 0;
}

/* 1 when `scope` is one of the space-separated `set`. */
static int in_set(const char *set, const char *scope)
{
    size_t n = strlen(scope);
    for (const char *p = set; p && *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, scope, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

void invoke_allow_impersonation(rt_job_t *job, json_t *manifest)
{
    json_t *scopes = json_object_get(json_object_get(manifest, "permissions"), "scopes");
    if (!json_is_object(scopes)) /* only the map form can say allowImpersonation */
        return;
    buf_t b;
    buf_init(&b, 1 << 16);
    const char *k;
    json_t *v;
    json_object_foreach(scopes, k, v)
    {
        if (!json_is_true(json_object_get(v, "allowImpersonation")) || !in_set(job->inv.scopes, k))
            continue; /* not declared for impersonation, or not consented by the site */
        if (b.len)
            buf_add(&b, " ", 1);
        buf_adds(&b, k);
    }
    free(job->inv.imp_scopes);
    job->inv.imp_scopes = xstrdup(b.ptr ? b.ptr : "");
    buf_free(&b);
}

/* ------------------------------------------------------------------ answering a trigger */

int invoke_submit(kreq_t *kr, void (*prepare)(kreq_t *kr), invoke_reply_fn reply)
{
    int read_tx = store_begin_read(kr->store) == STORE_OK;
    prepare(kr);
    if (read_tx)
        store_commit(kr->store);
    /* prepare's job, or none when it replied: kr->waiting is then NULL, or the answer held
     * until a write of the request (a session's touch) is durable, which is no job */
    if (!kr->waiting || reply_held(kr))
        return 0;
    rt_job_t *job = (rt_job_t *)kr->waiting;
    if (rt_submit(job) == 0)
        return 1;
    rt_job_free(job);
    kr->waiting = NULL;
    reply_header(kr, "retry-after", "1");
    /* the runtime's reason (its queue or the app's workers full, not running, stopping):
     * "too many waiting" sent an operator whose runtime never started looking for load */
    reply(kr, 503, arena_printf(kr->arena, "The function was not run: %s; retry shortly.", rt_submit_refusal()));
    return -1;
}

void invoke_fault(kreq_t *kr, enum rt_status st, const char *subject, invoke_reply_fn reply)
{
    static const struct {
        int status;
        const char *fmt;   /* %s: the subject */
        int retry_after_s; /* a Retry-After to send, when a retry soon may work */
    } faults[] = {
        [RT_ERROR] = {500, "%s failed.", 0},
        [RT_TIMEOUT] = {504, "%s did not answer within its time limit.", 0},
        [RT_CRASH] = {500, "%s's process failed.", 0},
        [RT_OVERLOAD] = {503, "Too many invocations at once; retry shortly.", 1},
        [RT_SETUP] = {500, "The app could not be started.", 0},
        [RT_NOSTART] = {503, "kiln could not start a process for the app now; retry shortly.", 1},
    };
    if (st <= RT_OK || st >= (int)(sizeof faults / sizeof *faults)) /* not a fault: a caller's slip */
        st = RT_CRASH;
    if (faults[st].retry_after_s)
        reply_header(kr, "retry-after", arena_printf(kr->arena, "%d", faults[st].retry_after_s));
    reply(kr, faults[st].status, arena_printf(kr->arena, faults[st].fmt, subject));
}

void invoke_reply_error(kreq_t *kr, int status, const char *msg)
{
    reply_error(kr, status, 0, msg);
}

json_t *invoke_job_value(rt_job_t *job)
{
    if (job->status == RT_OK && job->result)
        return json_incref(job->result);
    json_error_t je;
    return json_loads(job->result_json ? job->result_json : "null", JSON_DECODE_ANY, &je);
}

json_t *invoke_thrown(const json_t *v)
{
    const char *name = json_str(v, "name"), *msg = json_str(v, "message");
    return json_pack("{s:s,s:s}", "name", name ? name : "Error", "message", msg ? msg : "The function failed.");
}

json_t *invoke_resolver_payload(json_t *call, json_t *payload, json_t *context)
{
    return json_pack("{s:{s:O,s:O},s:O}", "call", "functionKey", call, "payload", payload ? payload : json_null(),
                     "context", context);
}
