#include "platform/direct.h"
#include "platform/plane.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "http/reply.h"
#include "http/server.h"
#include "journal/leak.h"
#include "journal/ledger.h"
#include "platform/app.h"
#include "platform/consent.h"
#include "platform/install.h"
#include "platform/invoke.h"
#include "platform/site.h"
#include "platform/uictx.h"
#include "runtime/supervisor.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

/* What on_done needs: the answer's fixed members. */
typedef struct direct_ctx {
    const char *function, *site, *invocation_id;
} direct_ctx_t;

static json_t *answer(const direct_ctx_t *c, int ok)
{
    return json_pack("{s:b,s:s,s:s,s:s}", "ok", ok, "function", c->function, "site", c->site, "invocationId",
                     c->invocation_id);
}

static void on_done(completion_t *done)
{
    rt_job_t *job = (rt_job_t *)done;
    kreq_t *kr = job->c.owner;
    if (kr) {
        kr->waiting = NULL;
        const direct_ctx_t *c = plane_kept(kr);
        if (job->status == RT_OK || job->status == RT_ERROR) {
            json_t *v = invoke_job_value(job);
            json_t *o = answer(c, job->status == RT_OK);
            if (job->status == RT_OK) {
                if (ledger_enabled() || leak_applies(job->inv.env_key)) {
                    /* the value leaves the invocation towards the admin API's caller */
                    char *text = json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
                    size_t len = text ? strlen(text) : 0;
                    ledger_record(&job->inv, LEDGER_INVOKE_RESULT, "admin API (kiln invoke)", len);
                    leak_scan(&job->inv, LEAK_SRC_INVOKE, "admin API (kiln invoke)", text, len);
                    free(text);
                }
                json_object_set_new(o, "value", v ? v : json_null());
            } else {
                if (job->result_json) /* the error's text leaves too */
                    leak_scan(&job->inv, LEAK_SRC_INVOKE, "admin API (kiln invoke)", job->result_json,
                              strlen(job->result_json));
                json_object_set_new(o, "error", invoke_thrown(v));
                json_decref(v);
            }
            reply_json_new(kr, 200, o);
        } else {
            invoke_fault(kr, job->status, "The function", invoke_reply_error);
        }
    }
    rt_job_free(job);
}

/* The module whose resolver is function `key`, or NULL. */
static json_t *resolver_module(json_t *manifest, const char *key, const char **type)
{
    const char *t;
    json_t *list;
    json_object_foreach(json_object_get(manifest, "modules"), t, list)
    {
        size_t i;
        json_t *m;
        json_array_foreach(list, i, m)
        {
            const char *fn = json_str(json_object_get(m, "resolver"), "function");
            if (fn && strcmp(fn, key) == 0) {
                *type = t;
                return m;
            }
        }
    }
    return NULL;
}

static const char *env_type(const char *key)
{
    return strcmp(key, "production") == 0 ? "PRODUCTION" : strcmp(key, "staging") == 0 ? "STAGING" : "DEVELOPMENT";
}

/* Builds the job into kr->waiting (its completion), or replies. */
static void prepare(kreq_t *kr)
{
    static const char *const keep[] = {"payload", NULL}; /* passed on as JSON: may hold NUL */
    json_t *body = kr->req->entity.len ? kreq_json_body_keep(kr, 0, keep) : json_own(kr->arena, json_object());
    if (!body)
        return;
    const char *k;
    json_t *x;
    json_object_foreach(body, k, x)
    {
        if (strcmp(k, "payload") != 0 && strcmp(k, "call") != 0 && strcmp(k, "as") != 0 &&
            strcmp(k, "extension") != 0) {
            reply_error(kr, 400, 0,
                        "The body takes only \"payload\" (any JSON), \"call\" (a resolver definition name), \"as\" "
                        "(a site user's account id) and \"extension\" (the module's context, with \"as\").");
            return;
        }
    }
    json_t *payload = json_object_get(body, "payload"), *call = json_object_get(body, "call");
    json_t *as = json_object_get(body, "as"), *extension = json_object_get(body, "extension");
    if (as && !json_is_string(as)) {
        reply_error(kr, 400, 0, "\"as\" must be a site user's account id (a string).");
        return;
    }
    if (extension && !as) {
        reply_error(kr, 400, 0, "\"extension\" describes what a user sees: give \"as\" too.");
        return;
    }
    if (call && (!json_is_string(call) || json_string_length(call) == 0 || json_string_length(call) > 255)) {
        reply_error(kr, 400, 0, "\"call\" must be the name of a resolver definition (1 to 255 characters).");
        return;
    }
    site_rec_t site;
    install_rec_t in;
    version_rec_t ver;
    env_rec_t env;
    if (install_of_route(kr, &site, &in, &ver) != 0)
        return;
    if (store_env_get(kr->store, kr->arena, in.app_id, in.env_key, &env) != STORE_OK) {
        reply_error(kr, 404, 0, "The app is not installed on this site in this environment.");
        return;
    }
    /* the user: a person of this site, whatever other sites have (nothing is said of them) */
    user_rec_t user;
    if (as) {
        int urc = consent_site_user(kr->store, kr->arena, site.id, json_string_value(as), &user);
        if (urc != STORE_OK) {
            reply_error(kr, urc == STORE_NOTFOUND ? 404 : 500, 0,
                        urc == STORE_NOTFOUND ? "No such user on this site (an active person, not an app)."
                                              : "Internal server error");
            return;
        }
    }
    const char *key = kr->params[3];
    json_t *manifest = invoke_manifest(kr->arena, &ver);
    json_t *fn = invoke_module(manifest, "function", key);
    if (!fn) {
        reply_error(kr, 404, 0, "The installed version has no function module with that key.");
        return;
    }
    const char *ui_type = NULL;
    json_t *ui = resolver_module(manifest, key, &ui_type);
    if (ui && !call) {
        reply_error(kr, 400, 0,
                    arena_printf(kr->arena,
                                 "Function %.255s is the resolver of module %.255s: name the resolver definition to "
                                 "call (kiln invoke --call NAME).",
                                 key, json_str(ui, "key") ? json_str(ui, "key") : "?"));
        return;
    }
    if (!ui && call) {
        reply_error(kr, 400, 0,
                    "\"call\" is for resolver functions; no module of the manifest uses this one as its resolver.");
        return;
    }
    const char *module_key = ui && json_str(ui, "key") ? json_str(ui, "key") : key;
    json_t *uictx = NULL; /* what the module's UI knows: for a user only */
    if (as) {
        const char *err;
        int st = uictx_build(kr->store, kr->arena, &site, &env, in.app_id, module_key, ui ? ui_type : "function", &user,
                             extension, kr->public_url, &uictx, &err);
        if (st) {
            reply_error(kr, st, 0, err ? err : "Internal server error");
            return;
        }
    }
    json_t *p;
    if (ui) { /* what @forge/bridge's invoke(name, payload) delivers: for this user, else as on Forge */
        json_t *c;
        if (uictx) {
            c = json_deep_copy(uictx);
            json_object_set_new(c, "accountId", json_string(user.account_id));
        } else {
            c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s}}", "cloudId", site.cloud_id, "siteUrl",
                          arena_printf(kr->arena, "%s/ex/jira/%s", kr->public_url, site.cloud_id), "moduleKey",
                          module_key, "localId", invoke_local_id(kr->arena, in.app_id, env.id, module_key),
                          "environmentId", env.id, "environmentType", env_type(env.key), "extension", "type", ui_type);
        }
        json_t *empty = json_object();
        p = c ? invoke_resolver_payload(call, payload ? payload : empty, c) : NULL;
        json_decref(empty);
        json_decref(c);
    } else
        p = payload ? json_incref(payload) : json_object();
    char *payload_json = p ? json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(p);
    rt_job_t *job = payload_json ? invoke_job(kr->store, kr->arena, kr->public_url, &in, &site, &ver, &env, fn,
                                              module_key, DIRECT_TIMEOUT_MS, DIRECT_MAX_TIMEOUT_MS, payload_json)
                                 : NULL;
    if (!job) {
        reply_error(kr, 400, 0, "The function cannot be invoked (its handler is not file.export).");
        return;
    }
    if (as && invoke_set_user(job, user.account_id, uictx) != 0) {
        rt_job_free(job);
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    leak_scan_inbound(&job->inv, LEDGER_INVOKE_PAYLOAD, job->payload_json, strlen(job->payload_json));
    direct_ctx_t *c = arena_alloc(kr->arena, sizeof *c);
    c->function = key;
    c->site = site.name;
    c->invocation_id = arena_strdup(kr->arena, job->inv.id);
    job->c.receiver = &kr->thr->completions;
    job->c.owner = kr;
    job->c.done = on_done;
    kr->waiting = &job->c;
    plane_keep(kr, c);
}

void direct_invoke(kreq_t *kr)
{
    invoke_submit(kr, prepare, invoke_reply_error); /* submitted: on_done answers, on this thread */
}
