#include "platform/proxy_egress.h"
#include "gateway/gateway.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/invocation.h"
#include "base/clock.h"
#include "gateway/ratelimit.h"
#include "http/reply.h"
#include "http/server.h"
#include "journal/audit.h"
#include "platform/egress.h"
#include "platform/outbound.h"

/* Request headers that are kiln's or the hop's, never the remote's. */
static const char *const drop_request[] = {
    "host",           "connection",     "keep-alive", "proxy-connection",          "transfer-encoding",  "te",
    "upgrade",        "content-length", "expect",     "forge-proxy-authorization", "forge-proxy-target", "trailer",
    "http2-settings",
};
/* Response headers that are the hop's, or that only kiln may set. */
static const char *const drop_response[] = {
    "connection", "keep-alive",        "transfer-encoding", "content-length", "content-type", "trailer",
    "upgrade",    "forge-proxy-error", "x-kiln-egress",     "server",         "date",
};

static int in(const char *const *list, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0)
            return 1;
    return 0;
}

/* What the call needs once it ends (in the request's arena: gone if the client went). */
typedef struct egress_call {
    kreq_t *kr;
    const char *origin, *method;
    invocation_t inv;
} egress_call_t;

static const char *origin_of(arena_t *a, const egress_url_t *u)
{
    int v6 = strchr(u->host, ':') != NULL;
    return arena_printf(a, v6 ? "%s://[%s]:%u" : "%s://%s:%u", u->scheme, u->host, u->port);
}

static void audit(kreq_t *kr, const invocation_t *inv, const char *method, const char *dest, int status,
                  const char *category, const char *detail)
{
    audit_event_t ev = {
        .site_id = inv ? inv->site_id : 0,
        .kind = category ? AUDIT_DENY : AUDIT_ALLOW,
        .plane = AUDIT_PLANE_EGRESS,
        .actor = inv ? inv->bot_account_id : NULL,
        .app_id = inv ? inv->app_id : NULL,
        .installation_id = inv ? inv->installation_id : NULL,
        .invocation_id = inv ? inv->id : NULL,
        .method = method,
        .path = dest, /* the destination's origin: never its path or query */
        .status = status,
        .category = category,
        .detail = detail,
    };
    audit_record(&ev);
}

/* A refusal: forge-proxy-error for @forge/api, x-kiln-egress for the worker's log line. */
static void refuse(kreq_t *kr, int status, const char *forge_error, const char *category, const char *msg)
{
    reply_header(kr, "forge-proxy-error", forge_error);
    reply_header(kr, "x-kiln-egress", "refused");
    reply_failure(kr, status, category, msg);
}

static void on_done(completion_t *done)
{
    outbound_req_t *req = (outbound_req_t *)done;
    egress_call_t *c = req->c.owner ? req->data : NULL;
    if (!c) {
        outbound_req_free(req); /* the function's request went away */
        return;
    }
    kreq_t *kr = c->kr;
    kr->waiting = NULL;
    if (req->err != OUTBOUND_OK) {
        egress_count("failed");
        int status = req->err == OUTBOUND_ETIMEOUT ? 504 : 502;
        const char *why = req->err == OUTBOUND_ETIMEOUT   ? "the remote did not answer in time"
                          : req->err == OUTBOUND_ETOOBIG  ? "the remote's answer is larger than kiln relays (10 MiB)"
                          : req->err == OUTBOUND_ECONNECT ? "the remote could not be reached"
                                                          : "the remote's answer could not be read";
        reply_header(kr, "forge-proxy-error", EGRESS_ERR_FETCH);
        reply_failure(kr, status, "FAILURE_EGRESS_FETCH", arena_printf(kr->arena, "%s: %s", c->origin, why));
        audit(kr, &c->inv, c->method, c->origin, status, NULL, outbound_err_name(req->err));
        outbound_req_free(req);
        return;
    }
    egress_count_in(req->resp_body.len);
    const char *type = "application/octet-stream";
    for (unsigned i = 0; i < req->nresp_headers; i++) {
        const char *name = req->resp_headers[i].name, *value = req->resp_headers[i].value;
        size_t nl = strlen(name);
        if (strcasecmp(name, "content-type") == 0) {
            type = arena_strdup(kr->arena, value);
            continue;
        }
        if (in(drop_response, sizeof drop_response / sizeof *drop_response, name, nl) ||
            (nl > 6 && strncasecmp(name, "x-kiln", 6) == 0))
            continue;
        char *lower = arena_strdup(kr->arena, name);
        for (char *p = lower; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        reply_header(kr, lower, arena_strdup(kr->arena, value));
    }
    char *body = req->resp_body.len ? arena_strndup(kr->arena, req->resp_body.ptr, req->resp_body.len) : "";
    int status = req->status >= 100 && req->status <= 599 ? req->status : 502;
    audit(kr, &c->inv, c->method, c->origin, status, NULL, NULL);
    reply_raw(kr, status, type, body, req->resp_body.len);
    outbound_req_free(req);
}

void proxy_egress(kreq_t *kr)
{
    const char *method =
        arena_strndup(kr->arena, kr->req->method.base, kr->req->method.len < 15 ? kr->req->method.len : 15);
    /* 1. authenticate */
    ssize_t ai = h2o_find_header_by_str(&kr->req->headers, H2O_STRLIT("forge-proxy-authorization"), -1);
    h2o_iovec_t auth = ai >= 0 ? kr->req->headers.entries[ai].value : h2o_iovec_init(NULL, 0);
    invocation_t inv; /* the token is taken with its exact length, never up to a NUL */
    if (auth.len <= 7 || memcmp(auth.base, "Bearer ", 7) != 0 ||
        invocation_lookup(auth.base + 7, auth.len - 7, kr->arena, &inv) != 0) {
        if (auth.len > 7 && memcmp(auth.base, "Bearer ", 7) == 0) { /* unawaited work of an ended one? */
            const char *target = kreq_header(kr, "forge-proxy-target");
            egress_url_t u;
            const char *dest =
                target && egress_url_parse(target, strlen(target), &u) == 0 ? origin_of(kr->arena, &u) : "(not a URL)";
            gateway_late_call(auth.base + 7, auth.len - 7, method, dest, strlen(dest));
        }
        reply_failure(kr, 401, FAILURE_CLIENT_AUTH, "Unauthorized");
        audit(kr, NULL, method, NULL, 401, FAILURE_CLIENT_AUTH, NULL);
        return;
    }
    gateway_who(kr)->app_id = inv.app_id;
    gateway_who(kr)->installation_id = inv.installation_id;
    gateway_who(kr)->invocation_id = inv.id;
    /* 2, 3. the target and the allowlist */
    const char *target = kreq_header(kr, "forge-proxy-target");
    egress_url_t u;
    if (!target || egress_url_parse(target, strlen(target), &u) != 0) {
        egress_count("refused");
        refuse(kr, 403, EGRESS_ERR_NOT_ALLOWED, "FAILURE_EGRESS_NOT_ALLOWED",
               "URL not included in the external fetch backend permissions: (not an absolute http or https URL "
               "without user info). Visit go.atlassian.com/forge-egress for more information.");
        audit(kr, &inv, method, NULL, 403, "FAILURE_EGRESS_NOT_ALLOWED", "malformed URL");
        return;
    }
    const char *origin = origin_of(kr->arena, &u);
    if (!egress_allowed(inv.egress, &u)) {
        egress_count("refused");
        refuse(kr, 403, EGRESS_ERR_NOT_ALLOWED, "FAILURE_EGRESS_NOT_ALLOWED",
               arena_printf(kr->arena,
                            "URL not included in the external fetch backend permissions: %s. Visit "
                            "go.atlassian.com/forge-egress for more information.",
                            origin));
        audit(kr, &inv, method, origin, 403, "FAILURE_EGRESS_NOT_ALLOWED", NULL);
        return;
    }
    /* 4. the rate limit: per invocation and minute */
    ratelimit_result_t rl =
        ratelimit_take(arena_printf(kr->arena, "eg:%s", inv.id), EGRESS_RATE_PER_MIN, clock_now_ms());
    if (!rl.allowed) {
        egress_count("rate_limited");
        ratelimit_headers(kr, &rl);
        refuse(kr, 429, EGRESS_ERR_RATE, FAILURE_CLIENT_RATE_LIMITED,
               "Too many outbound requests: a function may make 100 per invocation and minute.");
        audit(kr, &inv, method, origin, 429, FAILURE_CLIENT_RATE_LIMITED, NULL);
        return;
    }
    /* 5. limits, and the request as libcurl will send it */
    h2o_iovec_t body = kr->req->entity;
    if (body.len > EGRESS_BODY_MAX) {
        reply_failure(kr, 413, "FAILURE_EGRESS_TOO_LARGE", "The request body is larger than 5 MB.");
        audit(kr, &inv, method, origin, 413, "FAILURE_EGRESS_TOO_LARGE", NULL);
        return;
    }
    outbound_req_t *req = outbound_req_new();
    int bad = outbound_set_method(req, method) != 0 || outbound_set_url(req, target) != 0;
    for (size_t i = 0; !bad && i < kr->req->headers.size; i++) {
        h2o_header_t *h = &kr->req->headers.entries[i];
        if (in(drop_request, sizeof drop_request / sizeof *drop_request, h->name->base, h->name->len))
            continue;
        bad = outbound_add_header(req, arena_strndup(kr->arena, h->name->base, h->name->len),
                                  arena_strndup(kr->arena, h->value.base, h->value.len)) != 0;
    }
    if (!bad && body.len)
        bad = outbound_set_body(req, body.base, body.len) != 0;
    if (bad) {
        outbound_req_free(req);
        reply_failure(kr, 431, "FAILURE_EGRESS_BAD_REQUEST",
                      "The outbound request cannot be sent: a method kiln does not carry, or more than 32 headers.");
        audit(kr, &inv, method, origin, 431, "FAILURE_EGRESS_BAD_REQUEST", NULL);
        return;
    }
    int64_t left = inv.deadline_ms - clock_now_ms();
    req->timeout_ms = left > 0 && left < EGRESS_TIMEOUT_MS ? (unsigned)left : EGRESS_TIMEOUT_MS;
    req->max_response = EGRESS_RESPONSE_MAX;
    egress_call_t *c = arena_calloc(kr->arena, sizeof *c);
    c->kr = kr;
    c->origin = origin;
    c->method = method;
    c->inv = inv;
    req->c.receiver = &kr->thr->completions;
    req->c.done = on_done;
    req->c.owner = kr;
    req->data = c;
    if (outbound_submit(req) != 0) {
        outbound_req_free(req);
        egress_count("failed");
        reply_header(kr, "retry-after", "1");
        reply_header(kr, "forge-proxy-error", EGRESS_ERR_FETCH);
        reply_failure(kr, 503, "FAILURE_EGRESS_FETCH", "kiln's outbound client is busy; retry.");
        audit(kr, &inv, method, origin, 503, NULL, "outbound queue full");
        return;
    }
    kr->waiting = &req->c; /* its owner is cleared if the function's request goes away */
    /* 6. the transfer point: these bytes leave kiln now (the request's own copy of the body
     * stays valid until it is answered) */
    egress_note_transfer(&inv, target, body.base, body.len);
}
