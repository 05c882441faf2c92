#include "runtime/invoke.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "platform/egress.h"
#include "platform/variables.h"

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

static void cache_init(void) { pthread_key_create(&cache_key, cache_free); }

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

/* The consented scopes as the space-separated set the gateway checks. */
static char *scopes_string(const char *scopes_json)
{
    json_t *arr = json_loads(scopes_json, 0, NULL);
    buf_t b;
    buf_init(&b, 1 << 16);
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s)
    {
        if (b.len)
            buf_add(&b, " ", 1);
        buf_adds(&b, json_string_value(s) ? json_string_value(s) : "");
    }
    json_decref(arr);
    char *out = xstrdup(b.ptr ? b.ptr : "");
    buf_free(&b);
    return out;
}

static char *dump(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    return s;
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
    job->memory_mb = json_is_integer(mem) && json_integer_value(mem) >= 128 && json_integer_value(mem) <= 4096
                         ? (unsigned)json_integer_value(mem)
                         : 512;
    job->deadline_ms = clock_now_ms() + limit;
    job->payload_json = payload_json;
    const char *install_ari = arena_printf(a, "ari:cloud:ecosystem::installation/%s", in->id);
    job->context_json = dump(json_pack("{s:s,s:s,s:s,s:{s:s,s:[{s:s,s:s}]},s:s}", "installContext",
                                       arena_printf(a, "ari:cloud:jira::site/%s", site->cloud_id), "moduleKey",
                                       module_key, "installationId", in->id, "installation", "ari", install_ari,
                                       "contexts", "cloudId", site->cloud_id, "apiBaseUrl",
                                       arena_printf(a, "%s/ex/jira/%s", public_url, site->cloud_id),
                                       "environmentType", env_type(env->key)));
    json_t *scopes = json_loads(in->scopes_json, 0, NULL);
    job->app_context_json = dump(json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:o,s:{}},s:{s:s,s:[{s:s}]}}", "appId", in->app_id, "appVersion",
        arena_printf(a, "%lld.%lld.0", (long long)ver->major, (long long)ver->minor), "environmentId", env->id,
        "environmentType", env_type(env->key), "invocationId", inv_id, "installationId", in->id, "moduleKey",
        module_key, "permissions", "scopes", scopes ? scopes : json_array(), "external", "installation", "ari",
        install_ari, "contexts", "cloudId", site->cloud_id));
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
    job->inv.scopes = scopes_string(in->scopes_json);
    json_t *manifest = invoke_manifest(a, ver); /* cached per thread; owned by the arena */
    job->inv.egress = manifest ? egress_allowlist_from_manifest(manifest) : xstrdup("");
    job->inv.deadline_ms = job->deadline_ms;
    return job;
}
