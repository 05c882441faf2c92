#include "platform/remote.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/invocation.h"
#include "auth/jwt.h"
#include "auth/signkeys.h"
#include "auth/systoken.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "journal/audit.h"
#include "journal/fnlog.h"
#include "journal/ledger.h"

static struct {
    _Atomic uint64_t calls, ok, failed, retries, transfers, transfer_bytes;
} S;

void remote_get_stats(remote_stats_t *o)
{
    *o = (remote_stats_t){S.calls, S.ok, S.failed, S.retries, S.transfers, S.transfer_bytes};
}

void remote_note_transfer(const remote_call_t *c, size_t bytes)
{
    S.transfers++;
    S.transfer_bytes += bytes;
    invocation_t inv = {.site_id = c->site_id};
    snprintf(inv.id, sizeof inv.id, "%s", c->invocation_id);
    snprintf(inv.installation_id, sizeof inv.installation_id, "%.36s", c->installation_id); /* UUIDs */
    snprintf(inv.app_id, sizeof inv.app_id, "%.36s", c->app_id);
    snprintf(inv.env_key, sizeof inv.env_key, "%s", c->env_key);
    snprintf(inv.module_key, sizeof inv.module_key, "%s", c->dest);
    ledger_record(&inv, LEDGER_REMOTE, c->url, bytes);
}

/* ---------------------------------------------------------------- manifest */

static int enabled(json_t *auth, const char *name)
{
    return json_is_true(json_object_get(json_object_get(auth, name), "enabled"));
}

int remote_lookup(json_t *manifest, const char *key, remote_def_t *out)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(manifest, "remotes"), i, r)
    {
        const char *k = json_str(r, "key");
        if (!k || strcmp(k, key) != 0)
            continue;
        json_t *b = json_object_get(r, "baseUrl");
        const char *base = json_is_string(b) ? json_string_value(b) : json_str(b, "default");
        if (!base)
            return -1;
        json_t *auth = json_object_get(r, "auth");
        *out = (remote_def_t){.key = k,
                              .base_url = base,
                              .system_token = enabled(auth, "appSystemToken"),
                              .user_token = enabled(auth, "appUserToken")};
        size_t j;
        json_t *op;
        json_array_foreach(json_object_get(r, "operations"), j,
                           op) if (json_is_string(op) && strcmp(json_string_value(op), "compute") == 0) out->compute =
            1;
        return 0;
    }
    return -1;
}

int remote_endpoint(json_t *manifest, const char *endpoint_key, remote_def_t *out, const char **route_path)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(json_object_get(manifest, "modules"), "endpoint"), i, e)
    {
        const char *k = json_str(e, "key"), *remote = json_str(e, "remote");
        if (!k || strcmp(k, endpoint_key) != 0 || !remote || remote_lookup(manifest, remote, out) != 0)
            continue;
        json_t *auth = json_object_get(e, "auth");
        out->system_token |= enabled(auth, "appSystemToken");
        out->user_token |= enabled(auth, "appUserToken");
        const char *p = json_str(json_object_get(e, "route"), "path");
        *route_path = p ? p : "";
        return 0;
    }
    return -1;
}

/* ---------------------------------------------------------------- FIT */

static const char *env_type(const char *key)
{
    return strcmp(key, "production") == 0 ? "PRODUCTION" : strcmp(key, "staging") == 0 ? "STAGING" : "DEVELOPMENT";
}

json_t *remote_fit_claims(const remote_who_t *w)
{
    char app_ari[128], inst_ari[128], env_ari[160], api[700], version[24], app_version[64], site_ari[96];
    snprintf(app_ari, sizeof app_ari, "ari:cloud:ecosystem::app/%s", w->in->app_id);
    snprintf(inst_ari, sizeof inst_ari, "ari:cloud:ecosystem::installation/%s", w->in->id);
    snprintf(env_ari, sizeof env_ari, "ari:cloud:ecosystem::environment/%s/%s", w->in->app_id, w->env->id);
    snprintf(api, sizeof api, "%s/ex/jira/%s", w->public_url, w->site->cloud_id);
    snprintf(site_ari, sizeof site_ari, "ari:cloud:jira::site/%s", w->site->cloud_id);
    snprintf(version, sizeof version, "%lld", (long long)w->ver->major);
    snprintf(app_version, sizeof app_version, "%lld.%lld.0", (long long)w->ver->major, (long long)w->ver->minor);
    json_t *c =
        json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:[{s:s,s:s,s:s}]}},s:{s:s,s:s}}",
                  "iss", REMOTE_FIT_ISSUER, "aud", app_ari, "app", "id", app_ari, "version", version, "appVersion",
                  app_version, "installationId", inst_ari, "apiBaseUrl", api, "environment", "type",
                  env_type(w->env->key), "id", env_ari, "module", "type", w->module_type, "key", w->module_key,
                  "installation", "id", inst_ari, "contexts", "cloudId", w->site->cloud_id, "apiBaseUrl", api, "name",
                  site_ari, "context", "cloudId", w->site->cloud_id, "moduleKey", w->module_key);
    if (c && w->principal)
        json_object_set_new(c, "principal", json_string(w->principal));
    return c;
}

char *remote_fit_sign(store_t *st, arena_t *a, json_t *claims, int64_t now_ms)
{
    EVP_PKEY *key = NULL;
    char kid[SIGNKEYS_KID_LEN + 1];
    if (signkeys_current(st, now_ms, &key, kid) != 0)
        return NULL;
    unsigned char raw[20];
    char jti[41];
    enc_random(raw, sizeof raw);
    enc_hex(jti, raw, sizeof raw);
    json_int_t now = (json_int_t)(now_ms / 1000);
    json_object_set_new(claims, "iat", json_integer(now));
    json_object_set_new(claims, "nbf", json_integer(now));
    json_object_set_new(claims, "exp", json_integer(now + REMOTE_FIT_LIFETIME_S));
    json_object_set_new(claims, "jti", json_string(jti));
    char *tok = jwt_sign_rs256(a, key, kid, claims);
    EVP_PKEY_free(key);
    return tok;
}

/* ---------------------------------------------------------------- URLs */

int remote_same_origin(const char *a, const char *b)
{
    CURLU *ua = curl_url(), *ub = curl_url();
    int same = 0;
    if (curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK && curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK) {
        static const CURLUPart parts[] = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT, CURLUPART_USER};
        same = 1;
        for (size_t i = 0; i < sizeof parts / sizeof *parts && same; i++) {
            char *x = NULL, *y = NULL;
            CURLUcode rx = curl_url_get(ua, parts[i], &x, CURLU_DEFAULT_PORT);
            CURLUcode ry = curl_url_get(ub, parts[i], &y, CURLU_DEFAULT_PORT);
            same = rx == ry && (rx != CURLUE_OK || strcasecmp(x, y) == 0);
            curl_free(x);
            curl_free(y);
        }
    }
    curl_url_cleanup(ua);
    curl_url_cleanup(ub);
    return same;
}

char *remote_url(const char *base, const char *path)
{
    if (!path || path[0] != '/' || path[1] == '/' || strlen(path) > 4096)
        return NULL;
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '\\' || *p == '#')
            return NULL;
    if ((strncasecmp(base, "https://", 8) != 0 && strncasecmp(base, "http://", 7) != 0) || strchr(base, '?') ||
        strchr(base, '#'))
        return NULL;
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    char *url = NULL;
    if (asprintf(&url, "%.*s%s", (int)bl, base, path) < 0)
        abort();
    if (!remote_same_origin(base, url)) {
        free(url);
        return NULL;
    }
    return url;
}

/* ---------------------------------------------------------------- calls */

static const char *const reserved_headers[] = {
    "authorization",  "x-forge-oauth-system", "x-forge-oauth-user", "x-b3-traceid", "x-b3-spanid", "host",
    "content-length", "transfer-encoding",    "connection",         "expect",       "upgrade",     "te",
    "trailer",        "proxy-authorization",  "keep-alive",         "cookie"};

int remote_call_add_header(remote_call_t *c, const char *name, const char *value)
{
    for (size_t i = 0; i < sizeof reserved_headers / sizeof *reserved_headers; i++)
        if (strcasecmp(name, reserved_headers[i]) == 0 || strncasecmp(name, "x-forge-", 8) == 0)
            return 0; /* kiln's own: ignored */
    if (c->nheaders >= REMOTE_HEADERS_MAX || !*name || strlen(name) > 256 || strlen(value) > 8192)
        return -1;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == ':' || *p == 0x7f)
            return -1;
    for (const char *p = value; *p; p++)
        if (*p == '\r' || *p == '\n')
            return -1;
    char *line = NULL;
    if (asprintf(&line, "%s\n%s", name, value) < 0)
        abort();
    c->headers[c->nheaders++] = line;
    return 0;
}

void remote_call_free(remote_call_t *c)
{
    if (!c)
        return;
    free(c->url);
    free(c->body);
    for (unsigned i = 0; i < c->nheaders; i++)
        free(c->headers[i]);
    json_decref(c->claims);
    json_decref(c->event);
    outbound_req_free(c->req);
    OPENSSL_cleanse(c->systoken, sizeof c->systoken);
    free(c);
}

remote_call_t *remote_call_new(store_t *st, const remote_who_t *w, const remote_def_t *r, const char *path,
                               const char *method, const void *body, size_t len, int event, char *err, size_t errlen)
{
    char *url = remote_url(r->base_url, path);
    if (!url) {
        snprintf(err, errlen, "the path must be an absolute path below the remote's baseUrl");
        return NULL;
    }
    remote_call_t *c = xcalloc(1, sizeof *c);
    c->url = url;
    c->store = st;
    c->claims = remote_fit_claims(w);
    snprintf(c->method, sizeof c->method, "%s", event ? "POST" : method ? method : "GET");
    c->timeout_ms = event ? REMOTE_EVENT_TIMEOUT_MS : REMOTE_CALL_TIMEOUT_MS;
    c->max_attempts = event ? REMOTE_EVENT_ATTEMPTS : 1;
    snprintf(c->installation_id, sizeof c->installation_id, "%s", w->in->id);
    snprintf(c->app_id, sizeof c->app_id, "%s", w->in->app_id);
    snprintf(c->dest, sizeof c->dest, "%s", r->key);
    snprintf(c->env_key, sizeof c->env_key, "%s", w->env->key);
    c->site_id = w->site->id;
    if (event)
        enc_uuid4(c->delivery_id);
    snprintf(c->module_key, sizeof c->module_key, "%s", w->module_key ? w->module_key : "");
    if (event) {
        json_err_t je;
        c->event = len ? json_parse_limited(body, len, 64, &je) : NULL;
        if (!json_is_object(c->event)) {
            snprintf(err, errlen, "an event body must be a JSON object");
            remote_call_free(c);
            return NULL;
        }
    } else if (len) {
        c->body = xmalloc(len + 1);
        memcpy(c->body, body, len);
        c->body[len] = '\0';
        c->body_len = len;
    }
    int64_t exp;
    if (r->system_token && systoken_for(st, w->in, clock_now_ms(), c->systoken, &exp) != STORE_OK) {
        snprintf(err, errlen, "cannot issue the app system token");
        remote_call_free(c);
        return NULL;
    }
    if (!c->claims) {
        snprintf(err, errlen, "cannot build the invocation token");
        remote_call_free(c);
        return NULL;
    }
    return c;
}

static void on_attempt(completion_t *oc);

/* Builds and submits the next attempt. 0 or -1. */
static int submit(remote_call_t *c, int64_t delay_ms)
{
    arena_t *a = arena_new(1u << 20);
    int rc = -1;
    int64_t now = clock_now_ms();
    /* the FIT is signed for when the attempt is sent */
    char *fit = remote_fit_sign(c->store, a, c->claims, now + delay_ms);
    outbound_req_t *r = outbound_req_new();
    unsigned char tr[16], sp[8];
    char trace[33], span[17];
    enc_random(tr, sizeof tr);
    enc_random(sp, sizeof sp);
    enc_hex(trace, tr, sizeof tr);
    enc_hex(span, sp, sizeof sp);
    if (!fit || outbound_set_url(r, c->url) != 0 || outbound_set_method(r, c->method) != 0 ||
        outbound_add_header(r, "Authorization", arena_printf(a, "Bearer %s", fit)) != 0 ||
        outbound_add_header(r, "x-b3-traceid", trace) != 0 || outbound_add_header(r, "x-b3-spanid", span) != 0 ||
        (c->systoken[0] && outbound_add_header(r, "x-forge-oauth-system", c->systoken) != 0))
        goto out;
    for (unsigned i = 0; i < c->nheaders; i++) {
        char *nl = strchr(c->headers[i], '\n');
        char *name = arena_strndup(a, c->headers[i], (size_t)(nl - c->headers[i]));
        if (outbound_add_header(r, name, nl + 1) != 0)
            goto out;
    }
    if (c->event) {
        json_t *ev = json_deep_copy(c->event);
        if (c->attempts > 0)
            json_object_set_new(ev, "retryContext",
                                json_pack("{s:n,s:i,s:s}", "retryData", "retryCount", c->attempts, "retryReason",
                                          c->retry_reason ? c->retry_reason : "INVALID_REMOTE_INVOCATION_ERROR"));
        size_t bl = 0;
        char *b = json_dump_arena(a, ev, OUTBOUND_BODY_MAX, &bl);
        json_decref(ev);
        if (!b || outbound_add_header(r, "Content-Type", "application/json") != 0 || outbound_set_body(r, b, bl) != 0)
            goto out;
    } else if (c->body && outbound_set_body(r, c->body, c->body_len) != 0) {
        goto out;
    }
    r->timeout_ms = c->timeout_ms;
    r->connect_timeout_ms = REMOTE_CONNECT_TIMEOUT_MS < c->timeout_ms ? REMOTE_CONNECT_TIMEOUT_MS : c->timeout_ms;
    r->max_response = REMOTE_RESPONSE_MAX;
    r->not_before_ms = delay_ms ? now + delay_ms : 0;
    r->c.receiver = c->answer.receiver;
    r->c.done = on_attempt;
    r->data = c;
    size_t bytes = r->body_len;
    if (outbound_submit(r) != 0)
        goto out;
    outbound_req_free(c->req); /* the previous attempt's answer */
    c->req = r;
    r = NULL;
    c->attempts++;
    if (c->attempts > 1)
        S.retries++;
    remote_note_transfer(c, bytes);
    rc = 0;
out:
    outbound_req_free(r);
    arena_free(a);
    return rc;
}

int remote_call_start(remote_call_t *c)
{
    if (!c->answer.receiver || !c->answer.done)
        return -1;
    S.calls++;
    return submit(c, 0);
}

/* An event's attempt in `kiln logs`: the attempt's outcome, then the next attempt's time
 * (next_ms: its delay) or, with next_ms < 0, the end: given up, or accepted after retries. */
static void note_attempt(const remote_call_t *c, int attempt, int64_t next_ms)
{
    invocation_t inv = {.site_id = c->site_id};
    snprintf(inv.id, sizeof inv.id, "%s", c->delivery_id);
    snprintf(inv.installation_id, sizeof inv.installation_id, "%.36s", c->installation_id);
    snprintf(inv.app_id, sizeof inv.app_id, "%.36s", c->app_id);
    snprintf(inv.module_key, sizeof inv.module_key, "%s", c->module_key);
    const char *path = strstr(c->url, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    char outcome[64], when[40] = "", msg[640];
    if (c->ok)
        snprintf(outcome, sizeof outcome, "accepted (status %d)", c->status);
    else if (c->err == OUTBOUND_OK)
        snprintf(outcome, sizeof outcome, "failed (status %d%s)", c->status,
                 c->status >= 300 && c->status < 400 ? ", a redirect" : "");
    else
        snprintf(outcome, sizeof outcome, "failed (%s)", outbound_err_name(c->err));
    char then[96] = "";
    if (next_ms >= 0) {
        clock_iso8601(when, sizeof when, clock_now_ms() + next_ms);
        snprintf(then, sizeof then, "; next attempt in %lld s, at %s", (long long)(next_ms / 1000), when);
    } else if (!c->ok) {
        snprintf(then, sizeof then, "; given up");
    }
    snprintf(msg, sizeof msg, "event delivery to remote %s (%s %.*s): attempt %d of %d %s%s", c->dest, c->method,
             path ? (int)strcspn(path, "?") : 1, path ? path : "/", attempt, c->max_attempts, outcome, then);
    fnlog_line(&inv, c->ok ? "info" : "warn", msg);
}

static void on_attempt(completion_t *oc)
{
    outbound_req_t *r = (outbound_req_t *)oc;
    remote_call_t *c = r->data;
    c->status = r->status;
    c->err = r->err;
    c->ok = r->err == OUTBOUND_OK && r->status >= 200 && r->status < 300;
    c->failure = c->ok                                 ? NULL
                 : r->err != OUTBOUND_OK               ? outbound_err_name(r->err)
                 : r->status >= 300 && r->status < 400 ? "redirect"
                                                       : "status";
    c->retry_reason = r->err == OUTBOUND_ETIMEOUT ? "TIMEOUT_ERROR"
                      : r->status == 401          ? "INVALID_FORGE_INVOCATION_TOKEN"
                                                  : "INVALID_REMOTE_INVOCATION_ERROR";
    if (!c->ok && c->attempts < c->max_attempts && r->err != OUTBOUND_ESHUTDOWN && c->answer.owner) {
        int64_t delay = (int64_t)REMOTE_EVENT_BACKOFF_MS << (c->attempts - 1);
        int attempt = c->attempts;
        if (submit(c, delay) == 0) {
            note_attempt(c, attempt, delay); /* the next attempt answers */
            return;
        }
    }
    if (c->max_attempts > 1 && (!c->ok || c->attempts > 1) && r->err != OUTBOUND_ESHUTDOWN)
        note_attempt(c, c->attempts, -1);
    if (c->ok)
        S.ok++;
    else
        S.failed++;
    /* the audit log: which installation's data went to which remote, and how it ended */
    const char *path = strstr(c->url, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    char pbuf[256], detail[160];
    snprintf(pbuf, sizeof pbuf, "%.*s", path ? (int)strcspn(path, "?") : 1, path ? path : "/");
    snprintf(detail, sizeof detail, "remote %s, %d attempt%s%s%s", c->dest, c->attempts, c->attempts == 1 ? "" : "s",
             c->failure ? ", failed: " : "", c->failure ? c->failure : "");
    audit_record(&(audit_event_t){.site_id = c->site_id,
                                  .kind = AUDIT_REMOTE_CALL,
                                  .plane = AUDIT_PLANE_REMOTE,
                                  .app_id = c->app_id,
                                  .installation_id = c->installation_id,
                                  .method = c->method,
                                  .path = pbuf,
                                  .status = c->status,
                                  .detail = detail});
    c->answer.done(&c->answer);
}
