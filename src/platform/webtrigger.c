#include "platform/webtrigger.h"
#include "platform/config.h"
#include "platform/plane.h"

#include <jansson.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/invocation.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "gateway/gateway.h"
#include "gateway/ratelimit.h"
#include "http/reply.h"
#include "http/server.h"
#include "journal/audit.h"
#include "journal/leak.h"
#include "journal/ledger.h"
#include "platform/app.h"
#include "platform/install.h"
#include "platform/invoke.h"
#include "platform/site.h"
#include "runtime/supervisor.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

/* The request as Forge's webtrigger payload: {method, path, userPath, headers,
 * queryParameters, body}; header and parameter values are arrays, as on Forge. Written
 * with jsonw (jansson's json_pack + dump cost ~5 us of each round trip); the groups by
 * name are jansson objects. NULL when a header or parameter is not UTF-8 text (JSON
 * cannot carry it); a body that is not UTF-8 text is passed as "". */
static char *request_payload(kreq_t *kr, const char *user_path)
{
    h2o_req_t *req = kr->req;
    char *out = NULL;
    json_t *headers = json_object(), *query = json_object();
    for (size_t i = 0; i < req->headers.size; i++) {
        h2o_header_t *h = &req->headers.entries[i];
        char *name = arena_strndup(kr->arena, h->name->base, h->name->len);
        for (char *c = name; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        if (strcmp(name, "authorization") == 0 || strcmp(name, "cookie") == 0)
            continue; /* credentials for kiln itself never reach the app */
        if (!enc_utf8_valid(h->value.base, h->value.len))
            goto done;
        json_t *arr = json_object_get(headers, name);
        if (!arr && json_object_set_new(headers, name, arr = json_array()) != 0)
            goto done; /* h2o's names are tokens: unreachable */
        json_array_append_new(arr, json_stringn_nocheck(h->value.base, h->value.len));
    }
    const char *p = kr->query, *end = kr->query + kr->query_len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *pe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pe - p)), *ke = eq ? eq : pe;
        size_t klen = (size_t)(ke - p), vlen = (size_t)(pe - (eq ? eq + 1 : pe));
        char *k = arena_alloc(kr->arena, klen + 1), *v = arena_alloc(kr->arena, vlen + 1);
        long kn = k ? enc_pct_decode(k, p, klen, 1) : -1, vn = v ? enc_pct_decode(v, eq ? eq + 1 : pe, vlen, 1) : -1;
        if (kn >= 0 && vn >= 0 && *k) {
            if (!enc_utf8_valid(k, strlen(k)) || !enc_utf8_valid(v, strlen(v)))
                goto done;
            json_t *arr = json_object_get(query, k);
            if (!arr && json_object_set_new(query, k, arr = json_array()) != 0)
                goto done;
            json_array_append_new(arr, json_string_nocheck(v));
        }
        p = amp ? amp + 1 : end;
    }
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    if (!enc_utf8_valid(req->method.base, req->method.len) || !enc_utf8_valid(req->path.base, plen) ||
        !enc_utf8_valid(user_path, strlen(user_path)))
        goto done;
    int text = req->entity.base && enc_utf8_valid(req->entity.base, req->entity.len);
    buf_t b;
    buf_init(&b, KILN_MAX_BODY * 6 + 65536); /* a body of control bytes escapes 6 to 1 */
    buf_reserve(&b, 1024 + (text ? req->entity.len + req->entity.len / 8 : 0));
    jsonw_t w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_key(&w, "method");
    jw_strn(&w, req->method.base, req->method.len);
    jw_key(&w, "path");
    jw_strn(&w, req->path.base, plen);
    jw_kstr(&w, "userPath", user_path);
    jw_key(&w, "headers");
    jw_json(&w, headers);
    jw_key(&w, "queryParameters");
    jw_json(&w, query);
    jw_key(&w, "body");
    jw_strn(&w, text ? req->entity.base : "", text ? req->entity.len : 0);
    jw_obj_end(&w);
    if (!w.err && b.ptr)
        out = b.ptr; /* the job owns it (free) */
    else
        buf_free(&b);
done:
    json_decref(headers);
    json_decref(query);
    return out;
}

/* ------------------------------------------------------------------ answering */

static void reply_plain(kreq_t *kr, int status, const char *msg)
{
    reply_json_new(kr, status, json_pack("{s:i,s:s}", "code", status, "message", msg));
}

/* Where a webtrigger's answer goes, for the ledger: "client" and the peer's address. */
static const char *client_of(kreq_t *kr)
{
    struct sockaddr_storage ss;
    h2o_conn_t *c = kr->req->conn;
    socklen_t len = c && c->callbacks && c->callbacks->get_peername ? c->callbacks->get_peername(c, (void *)&ss) : 0;
    char host[NI_MAXHOST];
    if (len == 0 || h2o_socket_getnumerichost((void *)&ss, len, host) == SIZE_MAX)
        return "client";
    return arena_printf(kr->arena, "client %s", host);
}

/* The bytes of a webtrigger's answer leave the invocation: into the ledger, and scanned
 * for other sites' canaries. */
static void note_out(kreq_t *kr, const invocation_t *inv, const char *body, size_t len)
{
    int ledger_on = ledger_enabled();
    if (!ledger_on && !leak_applies(inv->env_key))
        return;
    const char *dest = ledger_on ? client_of(kr) : "client"; /* the address only for the ledger */
    ledger_record(inv, LEDGER_WEBTRIGGER_RESPONSE, dest, len);
    leak_scan(inv, LEAK_SRC_WEBTRIGGER, dest, body, len);
}

const char *webtrigger_response_invalid(json_t *v)
{
    json_t *sc = json_object_get(v, "statusCode"), *headers = json_object_get(v, "headers"),
           *body = json_object_get(v, "body");
    const char *why = NULL;
    if (!json_is_object(v))
        why = "the result is not an object";
    else if (!json_is_integer(sc) || json_integer_value(sc) < 100 || json_integer_value(sc) > 599)
        why = "statusCode must be an integer from 100 to 599";
    else if (headers && !json_is_object(headers) && !json_is_null(headers))
        why = "headers must be an object of arrays of strings";
    else if (body && !json_is_string(body) && !json_is_null(body))
        why = "body must be a string";
    const char *k;
    json_t *vals;
    if (!why && json_is_object(headers)) {
        json_object_foreach(headers, k, vals)
        {
            size_t i;
            json_t *x;
            if (!json_is_array(vals) || !*k || strpbrk(k, " \r\n:")) {
                why = "headers must be an object of arrays of strings";
                break;
            }
            json_array_foreach(vals, i, x) if (!json_is_string(x) || strpbrk(json_string_value(x), "\r\n")) why =
                "headers must be an object of arrays of strings";
        }
    }
    return why;
}

/* The function's dynamic response {statusCode, headers, body, statusText}. */
static void reply_dynamic(kreq_t *kr, json_t *v, const invocation_t *inv)
{
    json_t *sc = json_object_get(v, "statusCode"), *headers = json_object_get(v, "headers"),
           *body = json_object_get(v, "body");
    const char *why = webtrigger_response_invalid(v);
    const char *k;
    json_t *vals;
    if (why) {
        reply_plain(kr, 500,
                    arena_printf(kr->arena, "The webtrigger function returned a malformed response: %s.", why));
        return;
    }
    const char *ctype = "application/octet-stream";
    json_object_foreach(headers, k, vals)
    {
        size_t i;
        json_t *x;
        json_array_foreach(vals, i, x)
        {
            const char *val = arena_strdup(kr->arena, json_string_value(x));
            if (strcasecmp(k, "content-type") == 0)
                ctype = val;
            else if (strcasecmp(k, "content-length") != 0 && strcasecmp(k, "transfer-encoding") != 0 &&
                     strcasecmp(k, "connection") != 0)
                reply_header(kr, arena_strdup(kr->arena, k), val);
        }
    }
    size_t blen = json_is_string(body) ? json_string_length(body) : 0;
    char *b = arena_strndup(kr->arena, json_is_string(body) ? json_string_value(body) : "", blen);
    note_out(kr, inv, b, blen);
    reply_raw(kr, (int)json_integer_value(sc), arena_strdup(kr->arena, ctype), b, blen);
}

/* A static webtrigger: the function names one of the manifest's outputs. */
static void reply_static(kreq_t *kr, json_t *wt, json_t *v, const invocation_t *inv)
{
    const char *key = json_str(v, "outputKey");
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(json_object_get(wt, "response"), "outputs"), i, o)
    {
        const char *k = json_str(o, "key");
        if (key && k && strcmp(k, key) == 0) {
            json_t *sc = json_object_get(o, "statusCode");
            const char *ctype = json_str(o, "contentType") ? json_str(o, "contentType") : "application/json";
            const char *body = json_str(o, "body") ? json_str(o, "body") : "";
            reply_raw(kr, json_is_integer(sc) ? (int)json_integer_value(sc) : 200, arena_strdup(kr->arena, ctype),
                      arena_strdup(kr->arena, body), strlen(body));
            note_out(kr, inv, body, strlen(body)); /* the manifest's text, but it leaves all the same */
            return;
        }
    }
    reply_plain(kr, 500, "The webtrigger function returned no outputKey of the manifest's outputs.");
}

static void on_done(completion_t *done)
{
    rt_job_t *job = (rt_job_t *)done;
    kreq_t *kr = job->c.owner;
    if (kr) {
        kr->waiting = NULL;
        gateway_who(kr)->invocation_id = arena_strdup(kr->arena, job->inv.id);
        json_t *wt = plane_kept(kr);
        if (job->status == RT_OK) {
            json_error_t je;
            json_t *v = job->result ? json_incref(job->result) : json_loads(job->result_json, JSON_DECODE_ANY, &je);
            const char *type = json_str(json_object_get(wt, "response"), "type");
            if (type && strcmp(type, "static") == 0 && json_object_get(json_object_get(wt, "response"), "outputs"))
                reply_static(kr, wt, v, &job->inv);
            else
                reply_dynamic(kr, v, &job->inv);
            json_decref(v);
        } else {
            invoke_fault(kr, job->status, "The webtrigger function", reply_plain);
        }
        gateway_audit(kr, AUDIT_PLANE_WEBTRIGGER);
    }
    rt_job_free(job);
}

static void free_json(void *p)
{
    json_decref(p);
}

static void prepare(kreq_t *kr);

void webtrigger_handle(kreq_t *kr)
{
    if (invoke_submit(kr, prepare, reply_plain) < 0)
        gateway_who(kr)->dispatched = 0;
    if (!kr->waiting || reply_held(kr))
        gateway_audit(kr, AUDIT_PLANE_WEBTRIGGER); /* answered here; else on_done records it */
}

/* Finds the trigger's installation, version and function and builds the job into
 * kr->waiting (base/completion.h: the job's completion), or replies. */
static void prepare(kreq_t *kr)
{
    /* seg: x1|public / {id} / userPath... */
    if (kr->nseg < 2 || strlen(kr->seg[1]) != 64) {
        reply_plain(kr, 404, "No such webtrigger.");
        return;
    }
    const char *inst_id, *module_key;
    install_rec_t in;
    site_rec_t site;
    version_rec_t ver;
    if (store_webtrigger_get(kr->store, kr->arena, kr->seg[1], &inst_id, &module_key) != STORE_OK ||
        store_install_get(kr->store, kr->arena, inst_id, &in) != STORE_OK || in.removed ||
        store_site_by_id(kr->store, kr->arena, in.site_id, &site) != STORE_OK ||
        install_version(kr->store, kr->arena, &in, &ver) != STORE_OK) {
        reply_plain(kr, 404, "No such webtrigger.");
        return;
    }
    gateway_who(kr)->site_id = in.site_id;
    gateway_who(kr)->app_id = arena_strdup(kr->arena, in.app_id);
    gateway_who(kr)->installation_id = arena_strdup(kr->arena, in.id);
    if (ratelimit_check(kr, arena_printf(kr->arena, "wt:%s", in.id), platform_config()->webtrigger_rate))
        return;
    json_t *manifest = invoke_manifest(kr->arena, &ver);
    json_t *wt = invoke_module(manifest, "webtrigger", module_key);
    json_t *fn = wt && json_str(wt, "function") ? invoke_module(manifest, "function", json_str(wt, "function")) : NULL;
    const char *fmt = wt ? json_str(wt, "urlFormat") : NULL;
    if (wt && strcmp(kr->seg[0], fmt && strcmp(fmt, "v2") == 0 ? "public" : "x1") != 0) {
        reply_plain(kr, 404, "No such webtrigger."); /* a v1 id under /public/ or the reverse */
        return;
    }
    if (!fn) {
        reply_plain(kr, 404, "This webtrigger has no function in the installed version.");
        return;
    }
    env_rec_t env;
    if (store_env_get(kr->store, kr->arena, in.app_id, in.env_key, &env) != STORE_OK) {
        reply_plain(kr, 404, "No such webtrigger.");
        return;
    }
    /* the user path: what follows the id in the raw path */
    const char *raw = kr->req->path.base;
    size_t plen = kr->req->query_at == SIZE_MAX ? kr->req->path.len : kr->req->query_at;
    const char *after = memmem(raw, plen, kr->seg[1], 64);
    const char *user_path = after ? arena_strndup(kr->arena, after + 64, plen - (size_t)(after + 64 - raw)) : "";

    rt_job_t *job = invoke_job(kr->store, kr->arena, kr->public_url, &in, &site, &ver, &env, fn, module_key,
                               WEBTRIGGER_TIMEOUT_MS, WEBTRIGGER_TIMEOUT_MS, request_payload(kr, user_path));
    if (!job) {
        reply_plain(kr, 400, "The request cannot be passed to the function.");
        return;
    }
    invoke_allow_impersonation(job, manifest); /* no user present: asUser(accountId) as the manifest allows */
    /* another site's canary in the request: a declared transfer into this invocation */
    leak_scan_inbound(&job->inv, LEDGER_WEBTRIGGER_REQUEST, job->payload_json, strlen(job->payload_json));
    job->c.receiver = &kr->thr->completions;
    job->c.owner = kr;
    job->c.done = on_done;
    kr->waiting = &job->c;
    gateway_who(kr)->dispatched = 1;
    plane_keep(kr, json_incref(wt));
    arena_defer(kr->arena, free_json, wt); /* the module outlives `manifest` until the reply */
}

/* ------------------------------------------------------------------ trigger ids and URLs */

/* The trigger id of (installation, module): the one it has, or a new random one. */
static int trigger_id(kreq_t *kr, const char *installation_id, const char *module_key, const char **tid)
{
    unsigned char raw[32];
    char id[65];
    enc_random(raw, sizeof raw);
    enc_hex(id, raw, sizeof raw);
    return store_webtrigger_ensure(kr->store, kr->arena, installation_id, module_key, id, clock_now_ms(), tid);
}

/* The public URL of trigger id `tid` of webtrigger module `wt` (its urlFormat: v2 is /public/). */
static const char *trigger_url(kreq_t *kr, json_t *wt, const char *tid)
{
    const char *fmt = json_str(wt, "urlFormat");
    return arena_printf(kr->arena, "%s/%s/%s", kr->public_url, fmt && strcmp(fmt, "v2") == 0 ? "public" : "x1", tid);
}

/* ------------------------------------------------------------------ admin */

void webtrigger_url(kreq_t *kr)
{
    site_rec_t site;
    install_rec_t in;
    version_rec_t ver;
    if (install_of_route(kr, &site, &in, &ver) != 0)
        return;
    json_t *wt = invoke_module(invoke_manifest(kr->arena, &ver), "webtrigger", kr->params[3]);
    if (!wt) {
        reply_error(kr, 404, 0, "The installed version has no webtrigger module with that key.");
        return;
    }
    const char *tid;
    if (trigger_id(kr, in.id, kr->params[3], &tid) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    reply_json_new(kr, 200,
                   json_pack("{s:s,s:s,s:s,s:s}", "url", trigger_url(kr, wt, tid), "module", kr->params[3],
                             "installationId", in.id, "site", site.name));
}

/* ------------------------------------------------------------------ GraphQL (@forge/api) */

static void gql_error(kreq_t *kr, const char *msg)
{
    reply_json_new(kr, 200, json_pack("{s:[{s:s}]}", "errors", "message", msg));
}

/* The webtrigger module `module_key` of the installation's current version, or NULL. */
static json_t *trigger_module(kreq_t *kr, const install_rec_t *in, const char *module_key)
{
    version_rec_t ver;
    if (install_version(kr->store, kr->arena, in, &ver) != STORE_OK)
        return NULL;
    return invoke_module(invoke_manifest(kr->arena, &ver), "webtrigger", module_key);
}

void webtrigger_graphql(kreq_t *kr, const invocation_t *inv)
{
    json_t *body = kreq_json_body(kr, 0);
    if (!body)
        return;
    const char *query = json_str(body, "query");
    json_t *vars = json_object_get(body, "variables");
    install_rec_t in;
    if (!query || store_install_get(kr->store, kr->arena, inv->installation_id, &in) != STORE_OK || in.removed) {
        gql_error(kr, "Malformed GraphQL request.");
        return;
    }
    /* the app may only ask about its own installation: app, environment and site must be the invocation's */
    json_t *input = json_object_get(vars, "input");
    json_t *who = input ? input : vars;
    const char *app = json_str(who, "appId"), *context = json_str(who, "contextId");
    const char *want_ctx = arena_printf(kr->arena, "ari:cloud:jira::site/%s", inv->cloud_id);
    int own = (!app || strcmp(app, inv->app_id) == 0 ||
               (app_id_from_ari(app) && strcmp(app_id_from_ari(app), inv->app_id) == 0)) &&
              (!context || strcmp(context, want_ctx) == 0);
    if (strstr(query, "forge_app_createWebTriggerUrl")) {
        const char *key = json_str(input, "triggerKey"), *tid;
        json_t *wt = own && key ? trigger_module(kr, &in, key) : NULL;
        const char *url = wt && trigger_id(kr, in.id, key, &tid) == STORE_OK ? trigger_url(kr, wt, tid) : NULL;
        if (!url) {
            gql_error(kr, own ? "No webtrigger module with that key in the installed version."
                              : "Not this app's installation.");
            return;
        }
        reply_json_new(kr, 200, json_pack("{s:{s:{s:s}}}", "data", "createWebTriggerUrl", "url", url));
    } else if (strstr(query, "forge_app_deleteWebTriggerUrl")) {
        const char *id = json_str(vars, "id");
        int ok = id && store_webtrigger_delete(kr->store, id, in.id) == STORE_OK;
        reply_json_new(kr, 200,
                       json_pack("{s:{s:{s:b,s:s}}}", "data", "deleteWebTriggerUrl", "success", ok, "message",
                                 ok ? "deleted" : "No such webtrigger URL for this installation."));
    } else if (strstr(query, "forge_app_webTriggerUrlsByAppContext")) {
        if (!own) {
            gql_error(kr, "Not this app's installation.");
            return;
        }
        const char **ids, **mods;
        size_t n;
        json_t *arr = json_array();
        if (store_webtrigger_list(kr->store, kr->arena, in.id, &ids, &mods, &n) == STORE_OK) {
            for (size_t i = 0; i < n; i++) {
                json_t *wt = trigger_module(kr, &in, mods[i]); /* NULL: not in the current version */
                if (wt)
                    json_array_append_new(
                        arr, json_pack("{s:s,s:s}", "triggerKey", mods[i], "url", trigger_url(kr, wt, ids[i])));
            }
        }
        reply_json_new(kr, 200, json_pack("{s:{s:o}}", "data", "webTriggerUrlsByAppContext", arr));
    } else {
        gql_error(kr, "Unknown operation: kiln answers the webtrigger operations of @forge/api.");
    }
}
