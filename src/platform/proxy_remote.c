#include "platform/proxy_remote.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "gateway/gateway.h"
#include "http/reply.h"
#include "http/server.h"
#include "journal/audit.h"
#include "journal/leak.h"
#include "platform/invoke.h"
#include "platform/remote.h"
#include "store/store_apps.h"
#include "store/store_installs.h"

#define FRC_PREFIX "/_proxy/frc"

/* Response headers of the remote that are not passed on (hop-by-hop, or set by kiln). */
static const char *const dropped[] = {
    "connection", "keep-alive", "transfer-encoding",  "content-length", "content-type", "upgrade",
    "trailer",    "te",         "proxy-authenticate", "set-cookie",     "server",       "date"};

static void invalid_remote(kreq_t *kr)
{
    reply_header(kr, "forge-proxy-error", "INVALID_REMOTE");
    reply_error(kr, 400, 0, "No remote with this key that functions may call (operations: compute).");
}

static void gateway_error(kreq_t *kr, int status, const char *code, const char *msg)
{
    reply_json_new(kr, status, json_pack("{s:s,s:s}", "code", code, "message", msg));
}

/* The remote answered (or could not be reached): finish the request, on its thread. */
static void on_answer(completion_t *done)
{
    remote_call_t *c = (remote_call_t *)done;
    kreq_t *kr = c->answer.owner;
    if (!kr) { /* the function went away meanwhile */
        remote_call_free(c);
        return;
    }
    kr->waiting = NULL;
    outbound_req_t *r = c->req;
    if (c->err == OUTBOUND_ETIMEOUT) {
        gateway_error(kr, 504, "REMOTE_TIMEOUT", "The remote did not answer within 25 seconds.");
    } else if (c->err != OUTBOUND_OK) {
        gateway_error(kr, 502, "REMOTE_UNAVAILABLE",
                      c->err == OUTBOUND_ETOOBIG ? "The remote's answer is larger than 5 MB."
                                                 : "The remote could not be reached.");
    } else if (c->status >= 300 && c->status < 400) {
        gateway_error(kr, 502, "REMOTE_REDIRECT", "The remote answered with a redirect; redirects are errors.");
    } else {
        for (unsigned i = 0; i < r->nresp_headers; i++) {
            int skip = 0;
            for (size_t j = 0; j < sizeof dropped / sizeof *dropped && !skip; j++)
                skip = strcasecmp(r->resp_headers[i].name, dropped[j]) == 0;
            if (skip)
                continue;
            char *name = arena_strdup(kr->arena, r->resp_headers[i].name);
            for (char *p = name; p && *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
            reply_header(kr, name, arena_strdup(kr->arena, r->resp_headers[i].value));
        }
        const char *ct = outbound_resp_header(r, "content-type");
        char *body = r->resp_body.len ? arena_strndup(kr->arena, r->resp_body.ptr, r->resp_body.len) : "";
        reply_raw(kr, c->status, arena_strdup(kr->arena, ct ? ct : "application/octet-stream"), body, r->resp_body.len);
    }
    gateway_audit(kr, AUDIT_PLANE_PROXY); /* proxy_serve left the answered-later call to us */
    remote_call_free(c);
}

void proxy_remote(kreq_t *kr, const invocation_t *inv)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    const char *key = kreq_header(kr, "x-forge-remote");
    install_rec_t in;
    version_rec_t ver;
    env_rec_t env;
    remote_def_t rd;
    json_t *manifest = NULL;
    if (kr->vreq || !kr->thr) { /* only over HTTP: the answer comes later, on this thread */
        reply_error(kr, 400, 0, "Remote calls are not carried on this transport.");
        return;
    }
    if (!key || !*key || store_install_get(kr->store, kr->arena, inv->installation_id, &in) != STORE_OK ||
        store_version_latest(kr->store, kr->arena, in.app_id, in.env_key, in.major, &ver) != STORE_OK ||
        store_env_get(kr->store, kr->arena, in.app_id, in.env_key, &env) != STORE_OK ||
        !(manifest = invoke_manifest(kr->arena, &ver)) || remote_lookup(manifest, key, &rd) != 0 || !rd.compute) {
        invalid_remote(kr);
        return;
    }
    int method_ok = 0;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        method_ok |= kreq_method_is(kr, methods[i]);
    if (!method_ok) {
        reply_error(kr, 405, 0, "Method Not Allowed");
        return;
    }
    h2o_iovec_t p = kr->req->path;
    size_t pl = strlen(FRC_PREFIX);
    const char *path = p.len > pl ? arena_strndup(kr->arena, p.base + pl, p.len - pl) : NULL;
    remote_who_t w = {&in, &kr->site, &ver, &env, "core:function", inv->module_key, NULL, kr->public_url};
    char err[160];
    remote_call_t *c = path ? remote_call_new(kr->store, &w, &rd, path,
                                              arena_strndup(kr->arena, kr->req->method.base, kr->req->method.len),
                                              kr->req->entity.base, kr->req->entity.len, 0, err, sizeof err)
                            : NULL;
    if (!c) {
        reply_error(kr, 400, 0, path ? err : "invokeRemote needs a path that starts with /.");
        return;
    }
    for (size_t i = 0; i < kr->req->headers.size; i++) {
        h2o_header_t *h = &kr->req->headers.entries[i];
        const char *name = arena_strndup(kr->arena, h->name->base, h->name->len);
        if (strcasecmp(name, "accept-encoding") == 0) /* the body is passed on as received */
            continue;
        if (remote_call_add_header(c, name, arena_strndup(kr->arena, h->value.base, h->value.len)) != 0) {
            remote_call_free(c);
            reply_error(kr, 400, 0, "Too many or malformed headers for the remote.");
            return;
        }
    }
    snprintf(c->invocation_id, sizeof c->invocation_id, "%s", inv->id);
    /* the body leaves the invocation for the remote: another site's canary in it is a leak
     * (the ledger records the transfer itself with each attempt: remote_note_transfer) */
    leak_scan(inv, LEAK_SRC_REMOTE, c->url, kr->req->entity.base, kr->req->entity.len);
    c->answer.receiver = &kr->thr->completions;
    c->answer.owner = kr;
    c->answer.done = on_answer;
    kr->waiting = &c->answer;
    gateway_who(kr)->dispatched = 1;
    if (remote_call_start(c) != 0) {
        kr->waiting = NULL;
        remote_call_free(c);
        reply_header(kr, "retry-after", "1");
        reply_error(kr, 503, 0, "Too many outbound calls are waiting; retry shortly.");
    }
}
