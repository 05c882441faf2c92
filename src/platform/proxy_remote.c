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

/* The remote answered (or could not be reached): hand it to the caller's answer, on the
 * request's thread; the call is freed after. */
static void on_answer(completion_t *done)
{
    remote_call_t *c = (remote_call_t *)done;
    kreq_t *kr = c->answer.owner;
    if (kr) { /* else the request went away meanwhile */
        kr->waiting = NULL;
        ((const proxy_remote_answer_t *)c->data)->fn(kr, c);
    }
    remote_call_free(c);
}

int proxy_remote_error(kreq_t *kr, const remote_call_t *c)
{
    if (c->err == OUTBOUND_ETIMEOUT) {
        gateway_error(kr, 504, "REMOTE_TIMEOUT", "The remote did not answer within 25 seconds.");
    } else if (c->err != OUTBOUND_OK) {
        gateway_error(kr, 502, "REMOTE_UNAVAILABLE",
                      c->err == OUTBOUND_ETOOBIG ? "The remote's answer is larger than 5 MB."
                                                 : "The remote could not be reached.");
    } else if (c->status >= 300 && c->status < 400) {
        gateway_error(kr, 502, "REMOTE_REDIRECT", "The remote answered with a redirect; redirects are errors.");
    } else {
        return 0;
    }
    return 1;
}

int proxy_remote_header_kept(const char *name)
{
    for (size_t j = 0; j < sizeof dropped / sizeof *dropped; j++)
        if (strcasecmp(name, dropped[j]) == 0)
            return 0;
    return 1;
}

/* invokeRemote's answer: the remote's status, headers and body as the request's. */
static void answer_function(kreq_t *kr, remote_call_t *c)
{
    outbound_req_t *r = c->req;
    if (!proxy_remote_error(kr, c)) {
        for (unsigned i = 0; i < r->nresp_headers; i++) {
            if (!proxy_remote_header_kept(r->resp_headers[i].name))
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
}

static const proxy_remote_answer_t function_answer = {answer_function};

int proxy_remote_send(kreq_t *kr, const proxy_remote_req_t *p)
{
    char err[160];
    remote_call_t *c =
        p->path ? remote_call_new(kr->store, p->who, p->rd, p->path, p->method, p->body, p->len, 0, err, sizeof err)
                : NULL;
    if (!c) {
        reply_error(kr, 400, 0, p->path ? err : "invokeRemote needs a path that starts with /.");
        return -1;
    }
    for (size_t i = 0; i < p->nheaders; i++) {
        if (strcasecmp(p->hnames[i], "accept-encoding") == 0) /* the body is passed on as received */
            continue;
        if (remote_call_add_header(c, p->hnames[i], p->hvalues[i]) != 0) {
            remote_call_free(c);
            reply_error(kr, 400, 0, "Too many or malformed headers for the remote.");
            return -1;
        }
    }
    snprintf(c->invocation_id, sizeof c->invocation_id, "%s", p->inv->id);
    /* the body leaves the invocation for the remote: another site's canary in it is a leak
     * (the ledger records the transfer itself with each attempt: remote_note_transfer) */
    leak_scan(p->inv, LEAK_SRC_REMOTE, c->url, p->body, p->len);
    c->data = (void *)p->answer;
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
        return -1;
    }
    return 0;
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
    size_t nh = kr->req->headers.size;
    const char **names = arena_alloc(kr->arena, (nh + 1) * sizeof *names);
    const char **values = arena_alloc(kr->arena, (nh + 1) * sizeof *values);
    for (size_t i = 0; i < nh; i++) {
        h2o_header_t *h = &kr->req->headers.entries[i];
        names[i] = arena_strndup(kr->arena, h->name->base, h->name->len);
        values[i] = arena_strndup(kr->arena, h->value.base, h->value.len);
    }
    proxy_remote_req_t pr = {
        .who = &w,
        .rd = &rd,
        .path = path,
        .method = arena_strndup(kr->arena, kr->req->method.base, kr->req->method.len),
        .body = kr->req->entity.base,
        .len = kr->req->entity.len,
        .hnames = names,
        .hvalues = values,
        .nheaders = nh,
        .inv = inv,
        .answer = &function_answer,
    };
    proxy_remote_send(kr, &pr);
}
