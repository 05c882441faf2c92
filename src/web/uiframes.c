#include "web/uiframes.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/invocation.h"
#include "auth/uitoken.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "gateway/gateway.h"
#include "gateway/ratelimit.h"
#include "http/reply.h"
#include "http/server.h"
#include "http/vreq.h"
#include "journal/audit.h"
#include "journal/leak.h"
#include "journal/ledger.h"
#include "platform/app.h"
#include "platform/config.h"
#include "platform/consent.h"
#include "platform/install.h"
#include "platform/invoke.h"
#include "platform/manifest.h"
#include "platform/plane.h"
#include "platform/proxy_remote.h"
#include "platform/remote.h"
#include "platform/ui_modules.h"
#include "platform/uictx.h"
#include "runtime/supervisor.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_properties.h"
#include "web/uiorigin.h"
#include "web/web.h"

/* ---------------------------------------------------------------- shared steps */

/* Who and where: web_ui_api (web/ui_api.h) checked the session and its CSRF header and
 * bound its site before routing here. */
static int signed_in(kreq_t *kr, session_rec_t *s, site_rec_t *site)
{
    memset(s, 0, sizeof *s);
    s->site_id = kr->site.id;
    s->account_id = kr->principal.account_id;
    *site = kr->site;
    return kr->principal.kind == PRINCIPAL_USER && kr->site.id > 0 && s->account_id ? 0 : -1;
}

/* The body as a JSON object of at most UIFRAMES_BODY_MAX bytes, members only from
 * `allowed` (NULL-terminated); else answered. */
static json_t *body_of(kreq_t *kr, const char *const *allowed, const char *const *keep)
{
    if (kr->req->entity.len > UIFRAMES_BODY_MAX) {
        reply_error(kr, 413, 0, "The request body is larger than the UI accepts.");
        return NULL;
    }
    json_t *b = kreq_json_body_keep(kr, 0, keep);
    if (!b)
        return NULL;
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], k) != 0)
            i++;
        if (!allowed[i]) {
            reply_error(kr, 400, 0, arena_printf(kr->arena, "Unknown member \"%.64s\".", k));
            return NULL;
        }
    }
    return b;
}

/* The extension's canonical text (compact, sorted keys): what the token's digest is of. */
static const char *ext_text(kreq_t *kr, json_t *ext, size_t *len)
{
    char *t = json_dumps(ext, JSON_COMPACT | JSON_SORT_KEYS);
    if (!t)
        return NULL;
    const char *s = arena_strdup(kr->arena, t);
    free(t);
    *len = strlen(s);
    return s;
}

/* The Custom UI module `key` of a UI type in the manifest, with its type; NULL if none. */
static json_t *customui_module(json_t *manifest, const char *key, const char **type)
{
    const char *t;
    json_t *list;
    json_object_foreach(json_object_get(manifest, "modules"), t, list)
    {
        if (!manifest_ui_type(t))
            continue;
        size_t i;
        json_t *m;
        json_array_foreach(list, i, m)
        {
            const char *k = json_str(m, "key");
            if (k && strcmp(k, key) == 0) {
                *type = t;
                return m;
            }
        }
    }
    return NULL;
}

/* What a frame is made of, found again for each bridge request. */
typedef struct frame {
    site_rec_t site;
    session_rec_t sess;
    install_rec_t in;
    version_rec_t ver;
    env_rec_t env;
    user_rec_t user;
    json_t *manifest, *module, *ext, *ctx;
    const char *type;
    const char *resource;     /* the frame's resource: the module's, or a gadget's edit one */
    int gadget_edit;          /* a dashboard gadget's edit view (extension.entryPoint "edit") */
    json_t *gadget_config;    /* gadgetConfig: written after the read transaction (op_gadget_config) */
    json_t *remote_payload;   /* fetchRemote: sent after the read transaction (op_fetch_remote) */
    json_t *endpoint_payload; /* invoke of ui-remote-fetch: likewise (op_invoke_remote) */
} frame_t;

/* A dashboard gadget's part of the context, as Forge gives it: extension.gadgetConfiguration
 * (what its edit view last submitted, {} before) and, for extension.entryPoint "edit" (the
 * module's edit resource, which only site administrators may open), entryPoint. Any other
 * module gets no gadgetConfiguration from the caller. 0, else answered. */
static int gadget_context(kreq_t *kr, frame_t *f, const char *key)
{
    json_t *cext = json_object_get(f->ctx, "extension");
    const char *entry = json_str(f->ext, "entryPoint");
    json_object_del(cext, "gadgetConfiguration");
    if (strcmp(f->type, "jira:dashboardGadget") != 0)
        return 0;
    if (entry) {
        const char *er = json_str(json_object_get(f->module, "edit"), "resource");
        if (strcmp(entry, "edit") != 0 || !er) {
            reply_error(kr, 400, 0, "extension.entryPoint is \"edit\", for a gadget with an edit resource.");
            return -1;
        }
        if (!web_is_admin(kr, &f->site, f->user.account_id)) {
            reply_error(kr, 403, 0, "Only the site's administrators configure its dashboard's gadgets.");
            return -1;
        }
        f->resource = er;
        f->gadget_edit = 1;
    }
    prop_rec_t pr;
    json_error_t je;
    int st = store_prop_get(kr->store, kr->arena, f->site.id, PROP_GADGET, f->in.id, key, &pr);
    json_t *cfg = st == STORE_OK ? json_loads(pr.value_json, 0, &je) : NULL;
    if (st != STORE_OK && st != STORE_NOTFOUND) {
        reply_error(kr, 500, 0, "Internal server error");
        return -1;
    }
    json_object_set_new(cext, "gadgetConfiguration", json_is_object(cfg) ? cfg : json_object());
    if (cfg && !json_is_object(cfg))
        json_decref(cfg);
    return 0;
}

/* Installation, version, environment, user, module and UI context of a frame of `key` on
 * the bound site; else answered. */
static int frame_load(kreq_t *kr, frame_t *f, const char *key)
{
    int rc = consent_site_user(kr->store, kr->arena, f->site.id, f->sess.account_id, &f->user);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 401 : 500, 0,
                    rc == STORE_NOTFOUND ? "Unauthorized: sign in first." : "Internal server error");
        return -1;
    }
    if (install_version(kr->store, kr->arena, &f->in, &f->ver) != STORE_OK ||
        store_env_get(kr->store, kr->arena, f->in.app_id, f->in.env_key, &f->env) != STORE_OK) {
        reply_error(kr, 404, 0, "The app is not installed on this site.");
        return -1;
    }
    f->manifest = invoke_manifest(kr->arena, &f->ver);
    f->module = f->manifest ? customui_module(f->manifest, key, &f->type) : NULL;
    if (!f->module) {
        reply_error(kr, 404, 0, "The installed version has no UI module with that key.");
        return -1;
    }
    /* UI Kit (render: native) runs the app's bundle in the same kind of frame, hidden; the
     * host draws the ForgeDoc it reconciles (ui/src/uikit/UiKitFrame.jsx) */
    if (!json_str(f->module, "resource")) {
        reply_error(kr, 400, 0, "The module is not a Custom UI or UI Kit module (it has no resource).");
        return -1;
    }
    const char *err = NULL;
    int st = uictx_build(kr->store, kr->arena, &f->site, &f->env, f->in.app_id, key, f->type, &f->user, f->ext,
                         kr->public_url, &f->ctx, &err);
    if (st) {
        reply_error(kr, st, 0, err ? err : "Internal server error");
        return -1;
    }
    json_object_set_new(f->ctx, "accountId", json_string(f->user.account_id));
    f->resource = json_str(f->module, "resource");
    if (gadget_context(kr, f, key) != 0)
        return -1;
    /* shown to this user here: the placement's listing (platform/ui_modules.h: display
     * conditions, admin pages for administrators only) must hold this module */
    json_t *cext = json_object_get(f->ctx, "extension"), *list = NULL;
    const char *lerr = NULL;
    st = ui_modules_list(kr->store, kr->arena, &f->site, &f->user, f->type + 5,
                         json_str(json_object_get(cext, "issue"), "key"),
                         json_str(json_object_get(cext, "project"), "key"), &list, &lerr);
    if (st) {
        reply_error(kr, st, 0, lerr ? lerr : "Internal server error");
        return -1;
    }
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(list, "modules"), i, m)
    {
        const char *mi = json_str(m, "installationId"), *mk = json_str(m, "moduleKey");
        if (mi && mk && !strcmp(mi, f->in.id) && !strcmp(mk, key))
            return 0;
    }
    reply_error(kr, 404, 0, "The module is not shown here (its display conditions, or an admin page).");
    return -1;
}

/* A UI Kit <Frame resource="…">: the frame shows `res`, another resource of the same app
 * version, inside the UI Kit module f->module (render: native), with the module's token,
 * context and checks (frame_load ran). Not for a gadget's edit view. 0, else answered. */
static int frame_resource(kreq_t *kr, frame_t *f, const char *res)
{
    if (strcmp(json_str(f->module, "render") ? json_str(f->module, "render") : "", "native") != 0 || f->gadget_edit) {
        reply_error(kr, 400, 0, "resource is for a UI Kit (render: native) module's Frame component.");
        return -1;
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(f->manifest, "resources"), i, r)
    {
        const char *k = json_str(r, "key");
        if (k && !strcmp(k, res)) {
            f->resource = k;
            return 0;
        }
    }
    reply_error(kr, 404, 0, "The app's installed version has no resource with that key.");
    return -1;
}

/* Mints the frame's token into out; its expiry in *exp. */
static int mint(kreq_t *kr, const frame_t *f, const char *key, const char *digest, char out[UITOKEN_MAX], int64_t *exp)
{
    uitoken_t t = {
        .site_id = f->site.id,
        .installation_id = f->in.id,
        .app_id = f->in.app_id,
        .env_key = f->in.env_key,
        .module_key = key,
        .account_id = f->sess.account_id,
        .expires_ms = clock_now_ms() + UITOKEN_LIFETIME_MS,
    };
    snprintf(t.ext_digest, sizeof t.ext_digest, "%s", digest);
    *exp = t.expires_ms;
    if (uitoken_mint(&t, out) != 0) {
        reply_error(kr, 500, 0, "Internal server error");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- POST /_ui/v1/frames */

void uiframes_frames(kreq_t *kr)
{
    frame_t f = {0};
    if (signed_in(kr, &f.sess, &f.site) != 0) {
        reply_error(kr, 401, 0, "Sign in first.");
        return;
    }
    if (!uiorigin_url()) {
        reply_error(kr, 503, 0, "Custom UI is off: kiln serve runs without --ui-listen.");
        return;
    }
    static const char *const allowed[] = {"appId", "moduleKey", "environment", "extension", "resource", NULL};
    json_t *body = body_of(kr, allowed, NULL);
    if (!body)
        return;
    const char *app = json_str(body, "appId"), *key = json_str(body, "moduleKey"),
               *envk = json_str(body, "environment"), *frame_res = json_str(body, "resource");
    if (json_object_get(body, "resource") &&
        (!frame_res || !*frame_res || strlen(frame_res) > MANIFEST_MAX_REMOTE_KEY)) {
        reply_error(kr, 400, 0, "resource is a resource key of the app (at most 23 characters).");
        return;
    }
    f.ext = json_object_get(body, "extension");
    const char *app_id = app ? app_id_from_ari(app) : NULL;
    if (!app_id || !key || !*key || strlen(key) > 255 || (envk && !app_env_key_valid(envk)) ||
        (f.ext && !json_is_object(f.ext))) {
        reply_error(kr, 400, 0,
                    "The body is {\"appId\": an app id, \"moduleKey\": a module key, \"environment\"?: an environment "
                    "key, \"extension\"?: an object}.");
        return;
    }
    if (!f.ext)
        f.ext = json_own(kr->arena, json_object());
    /* the site's installation of the app: of the environment named, else the only one */
    install_rec_t *ins;
    size_t n, found = 0;
    if (store_install_site(kr->store, kr->arena, f.site.id, &ins, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ins[i].app_id, app_id) && (!envk || !strcmp(ins[i].env_key, envk)))
            f.in = ins[i], found++;
    if (found != 1) {
        reply_error(kr, found ? 400 : 404, 0,
                    found ? "The app is installed in several environments on this site: name one."
                          : "The app is not installed on this site.");
        return;
    }
    if (frame_load(kr, &f, key) != 0 || (frame_res && frame_resource(kr, &f, frame_res) != 0))
        return;
    size_t el;
    const char *et = ext_text(kr, f.ext, &el);
    char digest[65], tok[UITOKEN_MAX];
    int64_t exp;
    if (!et) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    uitoken_digest(et, el, digest);
    if (mint(kr, &f, key, digest, tok, &exp) != 0)
        return;
    /* the manifest checked both parts of "<key>/<entry>": [a-zA-Z0-9_-]{1,23} */
    const char *url = uiorigin_module_url(kr->arena, f.in.id, f.ver.seq, f.resource);
    if (!url) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *vp = json_object_get(f.module, "viewportSize");
    reply_json_new(kr, 200,
                   json_pack("{s:s,s:I,s:s,s:s,s:O,s:O,s:s,s:s,s:s}", "token", tok, "expiresAt", (json_int_t)exp,
                             "frameUrl", url, "uiOrigin", uiorigin_url(), "context", f.ctx, "viewportSize",
                             json_is_string(vp) ? vp : json_null(), "moduleKey", key, "appId", f.in.app_id,
                             "environment", f.in.env_key));
}

/* ---------------------------------------------------------------- POST /_ui/v1/bridge */

/* What the invoke op's answer needs. */
typedef struct bridge_call {
    const char *fn;
} bridge_call_t;

static void on_invoked(completion_t *done)
{
    rt_job_t *job = (rt_job_t *)done;
    kreq_t *kr = job->c.owner;
    if (kr) {
        kr->waiting = NULL;
        if (job->status == RT_OK || job->status == RT_ERROR) {
            json_t *v = invoke_job_value(job);
            json_t *o = json_pack("{s:b}", "ok", job->status == RT_OK);
            char *text = json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
            size_t len = text ? strlen(text) : 0;
            /* the value leaves the invocation towards the user's browser */
            ledger_record(&job->inv, LEDGER_INVOKE_RESULT, "site UI (bridge invoke)", len);
            leak_scan(&job->inv, LEAK_SRC_INVOKE, "site UI (bridge invoke)", text, len);
            free(text);
            if (job->status == RT_OK && job->result_undefined) {
                json_decref(v); /* undefined, as on Forge: `invoke` resolves to undefined */
            } else if (job->status == RT_OK) {
                json_object_set_new(o, "value", v ? v : json_null());
            } else {
                json_object_set_new(o, "error", invoke_thrown(v));
                json_decref(v);
            }
            reply_json_new(kr, 200, o);
        } else {
            invoke_fault(kr, job->status, "The resolver", invoke_reply_error);
        }
        gateway_audit(kr, AUDIT_PLANE_WEB); /* answered later: web_ui_api left it to us */
    }
    rt_job_free(job);
}

/* The bridge request checked up to its op; what it binds in *f. Else answered. */
static int bridge_frame(kreq_t *kr, frame_t *f, json_t **body, uitoken_t *t)
{
    const char *h = kreq_header(kr, "x-kiln-context");
    int rc = h ? uitoken_check(kr->arena, h, strlen(h), clock_now_ms(), t) : UITOKEN_INVALID;
    if (rc != UITOKEN_OK) {
        reply_error(kr, 401, 0,
                    rc == UITOKEN_EXPIRED ? "Unauthorized: the frame's context token expired; renew it."
                                          : "Unauthorized: no valid X-Kiln-Context token.");
        return -1;
    }
    /* bound to this session's site and user: a token of another site or user is refused */
    if (t->site_id != f->site.id || strcmp(t->account_id, f->sess.account_id) != 0) {
        reply_error(kr, 403, 0, "Forbidden: the context token belongs to another site or user.");
        return -1;
    }
    if (store_install_get(kr->store, kr->arena, t->installation_id, &f->in) != STORE_OK || f->in.removed ||
        f->in.site_id != t->site_id || strcmp(f->in.app_id, t->app_id) != 0 || strcmp(f->in.env_key, t->env_key) != 0) {
        reply_error(kr, 401, 0, "Unauthorized: the app is no longer installed here.");
        return -1;
    }
    static const char *const allowed[] = {"op", "payload", "extension", NULL};
    static const char *const keep[] = {"payload", NULL};
    if (!(*body = body_of(kr, allowed, keep)))
        return -1;
    f->ext = json_object_get(*body, "extension");
    if (!f->ext)
        f->ext = json_own(kr->arena, json_object());
    size_t el;
    const char *et = json_is_object(f->ext) ? ext_text(kr, f->ext, &el) : NULL;
    char digest[65];
    if (et)
        uitoken_digest(et, el, digest);
    if (!et || !enc_ct_eq(digest, t->ext_digest, 64)) {
        reply_error(kr, 403, 0, "Forbidden: the extension is not the one the frame was made for.");
        return -1;
    }
    if (ratelimit_check(kr, arena_printf(kr->arena, "ui:%s:%s", f->in.id, f->sess.account_id), UIFRAMES_RATE_PER_MIN))
        return -1;
    return frame_load(kr, f, t->module_key);
}

static void op_invoke(kreq_t *kr, frame_t *f, json_t *payload, const uitoken_t *t)
{
    const char *fkey = json_str(json_object_get(f->module, "resolver"), "function");
    json_t *call = json_object_get(payload, "functionKey");
    if (!fkey) {
        reply_error(kr, 400, 0, "The module has no resolver function.");
        return;
    }
    if (!json_is_string(call) || json_string_length(call) == 0 || json_string_length(call) > 255) {
        reply_error(kr, 400, 0,
                    "invoke's payload is {\"functionKey\": a resolver definition name, \"payload\"?: any}.");
        return;
    }
    json_t *fn = invoke_module(f->manifest, "function", fkey);
    if (!fn) {
        reply_error(kr, 404, 0, "The module's resolver function is not in the installed version.");
        return;
    }
    json_t *inner = json_object_get(payload, "payload");
    json_t *p = invoke_resolver_payload(call, inner, f->ctx);
    char *pj = p ? json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(p);
    rt_job_t *job = pj ? invoke_job(kr->store, kr->arena, kr->public_url, &f->in, &f->site, &f->ver, &f->env, fn,
                                    t->module_key, UIFRAMES_TIMEOUT_MS, UIFRAMES_MAX_TIMEOUT_MS, pj)
                       : NULL;
    if (!job) {
        reply_error(kr, 400, 0, "The resolver cannot be invoked (its handler is not file.export).");
        return;
    }
    if (invoke_set_user(job, f->user.account_id, f->ctx) != 0) {
        rt_job_free(job);
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    leak_scan_inbound(&job->inv, LEDGER_INVOKE_PAYLOAD, job->payload_json, strlen(job->payload_json));
    job->c.receiver = &kr->thr->completions;
    job->c.owner = kr;
    job->c.done = on_invoked;
    kr->waiting = &job->c;
}

/* A fresh invocation of the frame's module for its user, as the ledger, the leak scan and
 * the gateway's user checks see a bridge call (no job runs). */
static void frame_invocation(const frame_t *f, invocation_t *inv)
{
    memset(inv, 0, sizeof *inv);
    enc_uuid4(inv->id);
    snprintf(inv->installation_id, sizeof inv->installation_id, "%s", f->in.id);
    snprintf(inv->app_id, sizeof inv->app_id, "%s", f->in.app_id);
    snprintf(inv->env_key, sizeof inv->env_key, "%s", f->in.env_key);
    snprintf(inv->cloud_id, sizeof inv->cloud_id, "%s", f->site.cloud_id);
    inv->site_id = f->site.id;
    snprintf(inv->module_key, sizeof inv->module_key, "%s", json_str(f->module, "key"));
    snprintf(inv->user_account_id, sizeof inv->user_account_id, "%s", f->user.account_id);
}

/* 1 for a method the bridge's fetches take (@forge/bridge's HttpMethod). */
static int bridge_method(const char *m)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (strcmp(methods[i], m) == 0)
            return 1;
    return 0;
}

/* fetchProduct (requestJira): the Jira API as the signed-in user within the installation's
 * consented scopes, through the very steps a function's asUser() call takes
 * (gateway_invocation_product: the user's consent, else NEEDS_AUTHENTICATION_ERR; the
 * route; the scopes; the user's own permissions), on a virtual request (http/vreq.h). */
static void op_fetch_product(kreq_t *kr, frame_t *f, json_t *payload)
{
    const char *product = json_str(payload, "product"), *rest = json_str(payload, "restPath");
    json_t *init = json_object_get(payload, "fetchRequestInit");
    const char *method = json_str(init, "method");
    json_t *jb = json_object_get(init, "body");
    if (!method)
        method = "GET";
    if (!product || strcmp(product, "jira") != 0) {
        reply_error(
            kr, 400, 0,
            arena_printf(kr->arena, "kiln hosts Jira only: request%.32s is not supported.", product ? product : "?"));
        return;
    }
    if (!rest || strncmp(rest, "/rest/", 6) != 0 || strlen(rest) > KILN_MAX_PATH - 16 || !bridge_method(method) ||
        (jb && !json_is_string(jb) && !json_is_null(jb))) {
        reply_error(kr, 400, 0,
                    "fetchProduct's payload is {product: \"jira\", restPath: \"/rest/...\", fetchRequestInit?: "
                    "{method?, headers?, body?: a string}}.");
        return;
    }
    /* the call as an invocation of this module for this user would make it */
    invocation_t inv;
    frame_invocation(f, &inv);
    snprintf(inv.bot_account_id, sizeof inv.bot_account_id, "%s", f->in.bot_account_id ? f->in.bot_account_id : "");
    buf_t scopes;
    buf_init_arena(&scopes, kr->arena, 64 * 1024);
    json_error_t je;
    json_t *sj = json_own(kr->arena, json_loads(f->in.scopes_json ? f->in.scopes_json : "[]", 0, &je));
    size_t i;
    json_t *x;
    json_array_foreach(sj, i, x) if (json_is_string(x))
        buf_printf(&scopes, "%s%s", scopes.len ? " " : "", json_string_value(x));
    inv.scopes = arena_strndup(kr->arena, scopes.ptr ? scopes.ptr : "", scopes.len);
    const char *ctype = NULL;
    json_t *hs = json_object_get(init, "headers"), *h;
    json_array_foreach(hs, i, h) /* [[name, value], ...] as @forge/bridge sends them */
    {
        const char *n = json_string_value(json_array_get(h, 0)), *v = json_string_value(json_array_get(h, 1));
        if (n && v && strcasecmp(n, "content-type") == 0 && strlen(v) < 256)
            ctype = v;
    }
    const char *names[] = {"x-forge-provider", "accept", "content-type"};
    const char *values[] = {"user", "application/json", ctype ? ctype : "application/json"};
    const char *path = arena_printf(kr->arena, "/_proxy/fpp%s", rest);
    const char *body = json_is_string(jb) ? json_string_value(jb) : NULL;
    vreq_t v;
    vreq_init(&v, kr->arena, kr->store, kr->public_url, method, strlen(method), path, strlen(path), names, values,
              body ? 3 : 2, body, body ? json_string_length(jb) : 0);
    /* the call may write (a PUT, a POST): not inside the bridge's read (invoke_submit's) */
    int paused = store_read_pause(kr->store);
    if (gateway_normalise(&v.kr) == 0) {
        gateway_bind_site(&v.kr, &f->site);
        gateway_who_t *who = gateway_who(&v.kr);
        who->site_id = f->site.id;
        who->app_id = f->in.app_id;
        who->installation_id = f->in.id;
        who->credential = "session";
        gateway_invocation_product(&v.kr, &inv, platform_config()->proxy_rate);
        gateway_audit(&v.kr, "ui");
    }
    if (store_read_again(kr->store, paused) != STORE_OK)
        log_msg(LOG_WARN, "bridge: the read snapshot could not be opened again", NULL);
    const h2o_headers_t *rh = &v.req.res.headers;
    ssize_t pe = h2o_find_header_by_str(rh, H2O_STRLIT("forge-proxy-error"), -1);
    int consent = pe >= 0 && h2o_memis(rh->entries[pe].value.base, rh->entries[pe].value.len,
                                       H2O_STRLIT("NEEDS_AUTHENTICATION_ERR"));
    int text = !v.body_len || enc_utf8_valid(v.body, v.body_len);
    char *b64 = NULL;
    if (!text) {
        /* @forge/bridge decodes it with atob: the standard alphabet, padded */
        b64 = arena_alloc(kr->arena, enc_b64_len(v.body_len) + 1);
        enc_b64(b64, v.body, v.body_len);
    }
    json_t *out =
        json_pack("{s:i,s:s,s:{s:s},s:s%,s:b,s:b}", "status", v.status, "statusText", "", "headers", "content-type",
                  v.content_type ? v.content_type : "application/json", "body", text ? (v.body ? v.body : "") : b64,
                  text ? v.body_len : strlen(b64), "isAttachment", !text, "consentRequired", consent);
    vreq_dispose(&v);
    reply_json_new(kr, 200, out);
}

/* A call of one of the frame's app's remotes through proxy_remote_send (as a function's
 * invokeRemote): a FIT whose principal is the user, app.module the UI module and
 * installation the session's site's (the context token and the session are bound to it);
 * the ledger and the leak scan under a fresh invocation of that module and user. */
static void send_remote(kreq_t *kr, frame_t *f, const remote_def_t *rd, const char *path, const char *method,
                        const char *body, size_t len, const char **names, const char **values, size_t n,
                        const proxy_remote_answer_t *answer)
{
    const char *mkey = json_str(f->module, "key");
    invocation_t inv;
    frame_invocation(f, &inv);
    remote_who_t w = {&f->in, &f->site, &f->ver, &f->env, f->type, mkey, f->user.account_id, kr->public_url};
    gateway_who_t *who = gateway_who(kr);
    who->app_id = f->in.app_id;
    who->installation_id = f->in.id;
    proxy_remote_req_t pr = {
        .who = &w,
        .rd = rd,
        .path = path,
        .method = method,
        .body = body,
        .len = len,
        .hnames = names,
        .hvalues = values,
        .nheaders = n,
        .inv = &inv,
        .answer = answer,
    };
    proxy_remote_send(kr, &pr);
}

/* The remote's answer headers the app sees (those passed on, and content-type), names in
 * lower case: {name: value} (the last of a repeated one), or with `all` {name: [values]}. */
static json_t *remote_headers(kreq_t *kr, const outbound_req_t *r, int all)
{
    json_t *hs = json_object();
    for (unsigned i = 0; i < r->nresp_headers; i++) {
        const char *name = r->resp_headers[i].name;
        if (!proxy_remote_header_kept(name) && strcasecmp(name, "content-type") != 0)
            continue;
        char *n = arena_strdup(kr->arena, name);
        for (char *q = n; *q; q++)
            if (*q >= 'A' && *q <= 'Z')
                *q = (char)(*q - 'A' + 'a');
        json_t *v = json_string(r->resp_headers[i].value), *vs = json_object_get(hs, n);
        if (!all) {
            json_object_set_new(hs, n, v);
            continue;
        }
        if (!vs)
            json_object_set_new(hs, n, vs = json_array());
        json_array_append_new(vs, v);
    }
    return hs;
}

/* fetchRemote's answer as @forge/bridge's remoteFetchApi reads it: {status, statusText,
 * headers, body, isAttachment} (a body that is not UTF-8 as standard, padded base64). */
static void answer_fetch_remote(kreq_t *kr, remote_call_t *c)
{
    if (!proxy_remote_error(kr, c)) {
        outbound_req_t *r = c->req;
        json_t *hs = remote_headers(kr, r, 0);
        const char *b = r->resp_body.len ? r->resp_body.ptr : "";
        size_t bl = r->resp_body.len;
        int text = !bl || enc_utf8_valid(b, bl);
        char *b64 = NULL;
        if (!text) {
            b64 = arena_alloc(kr->arena, enc_b64_len(bl) + 1);
            enc_b64(b64, b, bl);
        }
        reply_json_new(kr, 200,
                       json_pack("{s:i,s:s,s:o,s:s%,s:b}", "status", c->status, "statusText", "", "headers", hs, "body",
                                 text ? b : b64, text ? bl : strlen(b64), "isAttachment", !text));
    }
    gateway_audit(kr, AUDIT_PLANE_WEB); /* answered later: web_ui_api left it to us */
}

static const proxy_remote_answer_t fetch_remote_answer = {answer_fetch_remote};

/* fetchRemote (requestRemote): a call of one of the installed version's remotes, with a
 * FIT naming the user (principal), the module and the installation of the session's site
 * (the frame's token is bound to both); as Forge's requestRemote, no OAuth tokens. Sent
 * through proxy_remote_send, as a function's invokeRemote is. */
static void op_fetch_remote(kreq_t *kr, frame_t *f)
{
    json_t *payload = f->remote_payload, *init = json_object_get(payload, "fetchRequestInit");
    const char *key = json_str(payload, "remoteKey"), *path = json_str(init, "path");
    const char *method = json_str(init, "method");
    json_t *jb = json_object_get(init, "body"), *hs = json_object_get(init, "headers");
    if (!method)
        method = "GET";
    if (!key || !*key || !json_is_object(init) || !bridge_method(method) ||
        (jb && !json_is_string(jb) && !json_is_null(jb)) || (hs && !json_is_array(hs)) ||
        json_is_true(json_object_get(payload, "isMultipartFormData"))) {
        reply_error(kr, 400, 0,
                    "fetchRemote's payload is {remoteKey, fetchRequestInit: {path: \"/...\", method?, headers?: "
                    "[[name, value]], body?: a string}} (multipart bodies are not supported).");
        return;
    }
    remote_def_t rd;
    if (remote_lookup(f->manifest, key, &rd) != 0) {
        reply_header(kr, "forge-proxy-error", "INVALID_REMOTE");
        reply_error(kr, 400, 0, "The app declares no remote with this key (manifest remotes).");
        return;
    }
    rd.system_token = rd.user_token = 0; /* requestRemote carries no OAuth tokens */
    size_t nh = json_array_size(hs), n = 0, i;
    const char **names = arena_alloc(kr->arena, (nh + 1) * sizeof *names);
    const char **values = arena_alloc(kr->arena, (nh + 1) * sizeof *values);
    json_t *h;
    json_array_foreach(hs, i, h)
    {
        const char *hn = json_string_value(json_array_get(h, 0)), *hv = json_string_value(json_array_get(h, 1));
        if (!hn || !hv || json_array_size(h) != 2) {
            reply_error(kr, 400, 0, "fetchRemote's headers are [[name, value], ...] strings.");
            return;
        }
        names[n] = hn;
        values[n++] = hv;
    }
    send_remote(kr, f, &rd, path && *path == '/' ? path : NULL, method,
                json_is_string(jb) ? json_string_value(jb) : NULL, json_is_string(jb) ? json_string_length(jb) : 0,
                names, values, n, &fetch_remote_answer);
}

/* invokeRemote's answer as @forge/bridge's _invokeEndpointFn reads it: {success, payload}
 * for a 2xx, else {success: false, error}, both {status, headers: {name: [values]}, body?}
 * (the body parsed when it is JSON, else its text; not UTF-8: standard base64). A call that
 * failed (timeout, unreachable, redirect) is a 502/504 {code, message}: the call rejects. */
static void answer_invoke_remote(kreq_t *kr, remote_call_t *c)
{
    if (!proxy_remote_error(kr, c)) {
        outbound_req_t *r = c->req;
        json_t *hs = remote_headers(kr, r, 1);
        json_t *res = json_pack("{s:i,s:o}", "status", c->status, "headers", hs);
        const char *b = r->resp_body.ptr;
        size_t bl = r->resp_body.len;
        json_err_t je;
        json_t *body = bl ? json_parse_limited(b, bl, 64, &je) : NULL;
        if (!body && bl && enc_utf8_valid(b, bl)) {
            body = json_stringn(b, bl);
        } else if (!body && bl) {
            char *b64 = arena_alloc(kr->arena, enc_b64_len(bl) + 1);
            enc_b64(b64, b, bl);
            body = json_string(b64);
        }
        if (body)
            json_object_set_new(res, "body", body);
        int ok = c->status >= 200 && c->status < 300;
        reply_json_new(kr, 200, json_pack("{s:b,s:o}", "success", ok, ok ? "payload" : "error", res));
    }
    gateway_audit(kr, AUDIT_PLANE_WEB); /* answered later: web_ui_api left it to us */
}

static const proxy_remote_answer_t invoke_remote_answer = {answer_invoke_remote};

/* invoke with invokeType "ui-remote-fetch" (@forge/bridge's invokeRemote): {path, method,
 * headers?: {name: value}, body?} to the module's `resolver.endpoint`: the endpoint's
 * remote, at route.path + path, with the endpoint's auth (an app system token when
 * enabled), a FIT of the user, the module and the site. A body that is not a string is
 * sent as JSON. A module without resolver.endpoint, or one naming no endpoint: 400. */
static void op_invoke_remote(kreq_t *kr, frame_t *f)
{
    json_t *p = f->endpoint_payload, *jb = json_object_get(p, "body"), *hs = json_object_get(p, "headers");
    const char *path = json_str(p, "path"), *method = json_str(p, "method");
    const char *ekey = json_str(json_object_get(f->module, "resolver"), "endpoint"), *route = NULL;
    if (!method)
        method = "GET";
    /* the path's own form is checked as a remote call's (no "//" start), the prefix aside */
    if (!path || *path != '/' || path[1] == '/' || !bridge_method(method) || (hs && !json_is_object(hs))) {
        reply_error(kr, 400, 0,
                    "invokeRemote's payload is {path: \"/...\", method: GET|POST|PUT|PATCH|DELETE, headers?: "
                    "{name: value}, body?}.");
        return;
    }
    remote_def_t rd;
    if (!ekey || remote_endpoint(f->manifest, ekey, &rd, &route) != 0) {
        reply_header(kr, "forge-proxy-error", "INVALID_REMOTE");
        reply_error(kr, 400, 0, "The module's resolver names no endpoint of a declared remote (resolver.endpoint).");
        return;
    }
    rd.user_token = 0; /* kiln issues no app user tokens (platform/remote.h) */
    size_t nh = json_object_size(hs), n = 0;
    const char **names = arena_alloc(kr->arena, (nh + 2) * sizeof *names);
    const char **values = arena_alloc(kr->arena, (nh + 2) * sizeof *values);
    const char *k;
    json_t *v;
    int typed = 0;
    json_object_foreach(hs, k, v)
    {
        if (!json_is_string(v)) {
            reply_error(kr, 400, 0, "invokeRemote's headers are {name: value} strings.");
            return;
        }
        typed |= strcasecmp(k, "content-type") == 0;
        names[n] = k;
        values[n++] = json_string_value(v);
    }
    const char *body = NULL;
    size_t len = 0;
    if (json_is_string(jb)) {
        body = json_string_value(jb);
        len = json_string_length(jb);
    } else if (jb && !json_is_null(jb)) {
        body = json_dump_arena(kr->arena, jb, UIFRAMES_PAYLOAD_MAX, &len);
        if (!typed) {
            names[n] = "content-type";
            values[n++] = "application/json";
        }
    }
    const char *full = arena_printf(kr->arena, "%s%s", strcmp(route, "/") == 0 ? "" : route, path);
    send_remote(kr, f, &rd, full, method, body, len, names, values, n, &invoke_remote_answer);
}

/* gadgetConfig (view.submit in a dashboard gadget's edit view): the object becomes the
 * gadget's configuration on this site (extension.gadgetConfiguration of its next frames).
 * Only from an edit view's frame (its token binds the extension, entryPoint "edit"), which
 * only the site's administrators get; an object of at most UIFRAMES_GADGET_CONFIG_MAX
 * bytes of JSON. */
static void op_gadget_config(kreq_t *kr, frame_t *f)
{
    size_t len = 0;
    const char *text = json_dump_arena(kr->arena, f->gadget_config, UIFRAMES_GADGET_CONFIG_MAX, &len);
    if (!text) {
        reply_error(kr, 413, 0, "The gadget's configuration is larger than kiln keeps (32 KiB of JSON).");
        return;
    }
    int created = 0;
    if (store_prop_set(kr->store, f->site.id, PROP_GADGET, f->in.id, json_str(f->module, "key"), text, clock_now_ms(),
                       &created) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    reply_json_new(kr, 200, json_pack("{s:b}", "saved", 1));
}

/* Parsed once, run by invoke_submit: the frame, then the op. */
static void bridge_prepare(kreq_t *kr)
{
    frame_t *f = plane_kept(kr);
    json_t *body;
    uitoken_t t;
    if (bridge_frame(kr, f, &body, &t) != 0)
        return;
    const char *op = json_str(body, "op");
    json_t *payload = json_object_get(body, "payload");
    if (payload) {
        char *pt = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
        size_t pl = pt ? strlen(pt) : 0;
        free(pt);
        if (pl > UIFRAMES_PAYLOAD_MAX) {
            reply_error(kr, 413, 0, "The bridge payload is larger than kiln accepts.");
            return;
        }
    }
    if (!op) {
        reply_error(kr, 400, 0, "The body is {\"op\": a bridge operation, \"payload\"?, \"extension\"?}.");
        return;
    }
    if (!strcmp(op, "getContext")) {
        reply_json_new(kr, 200, json_pack("{s:O}", "context", f->ctx));
    } else if (!strcmp(op, "renew")) {
        char tok[UITOKEN_MAX];
        int64_t exp;
        if (mint(kr, f, t.module_key, t.ext_digest, tok, &exp) == 0)
            reply_json_new(kr, 200, json_pack("{s:s,s:I}", "token", tok, "expiresAt", (json_int_t)exp));
    } else if (!strcmp(op, "fetchProduct")) {
        if (!json_is_object(payload)) {
            reply_error(kr, 400, 0, "fetchProduct's payload is an object.");
            return;
        }
        op_fetch_product(kr, f, payload);
    } else if (!strcmp(op, "invoke") && json_is_object(payload) &&
               !strcmp(json_str(payload, "invokeType") ? json_str(payload, "invokeType") : "", "ui-remote-fetch")) {
        f->endpoint_payload = payload; /* sent by uiframes_bridge once invoke_submit is done */
    } else if (!strcmp(op, "invoke")) {
        if (!json_is_object(payload)) {
            reply_error(kr, 400, 0, "invoke's payload is {\"functionKey\": a resolver definition name, \"payload\"?}.");
            return;
        }
        op_invoke(kr, f, payload, &t);
    } else if (!strcmp(op, "gadgetConfig")) {
        if (!f->gadget_edit || !json_is_object(payload)) {
            reply_error(kr, f->gadget_edit ? 400 : 403, 0,
                        f->gadget_edit ? "gadgetConfig's payload is an object."
                                       : "Only a dashboard gadget's edit view submits its configuration.");
            return;
        }
        f->gadget_config = payload; /* written by uiframes_bridge once invoke_submit is done */
    } else if (!strcmp(op, "fetchRemote")) {
        if (!json_is_object(payload)) {
            reply_error(kr, 400, 0, "fetchRemote's payload is an object.");
            return;
        }
        f->remote_payload = payload; /* sent by uiframes_bridge once invoke_submit is done */
    } else {
        reply_error(kr, 400, 0,
                    arena_printf(kr->arena, "Unsupported bridge operation \"%.64s\" (docs/ui.md lists them).", op));
    }
}

void uiframes_bridge(kreq_t *kr)
{
    frame_t *f = arena_calloc(kr->arena, sizeof *f);
    if (signed_in(kr, &f->sess, &f->site) != 0) {
        reply_error(kr, 401, 0, "Sign in first.");
        return;
    }
    plane_keep(kr, f);
    /* submitted: on_invoked answers, on this thread; kr->waiting is an invocation there, so
     * a remote call starts after it (its answer comes the same way: answer_fetch_remote) */
    if (invoke_submit(kr, bridge_prepare, invoke_reply_error) != 0)
        return;
    if (f->remote_payload)
        op_fetch_remote(kr, f);
    else if (f->endpoint_payload)
        op_invoke_remote(kr, f);
    else if (f->gadget_config)
        op_gadget_config(kr, f);
}
