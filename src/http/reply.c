#include "http/reply.h"

#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/limits.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/vreq.h"
#include "store/store.h"

static const struct {
    int status;
    const char *reason;
} reasons[] = {
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {409, "Conflict"},
    {413, "Payload Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {431, "Request Header Fields Too Large"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

static const char *reason_of(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "Unknown";
}

static h2o_generator_t generator = {NULL, NULL};

void reply_header(kreq_t *kr, const char *name, const char *value)
{
    h2o_add_header_by_str(&kr->req->pool, &kr->req->res.headers, name, strlen(name), 0, NULL, value, strlen(value));
}

/* An answer a failed lookup can cause (401, 403, 404, 5xx) to a request during which the
 * store was unreachable (store.h: its thread's count moved since the request started) is
 * not the truth: 503 with Retry-After, and a message that names nothing of the request.
 * Only requests that came over HTTP: they start and answer on their own thread. */
int reply_store_status(int status)
{
    return status >= 500 || status == 401 || status == 403 || status == 404 ? 503 : status;
}

static int store_was_away(kreq_t *kr, int status)
{
    return kr->thr && status != 503 && store_unavailable_count() != kr->store_away0 &&
           reply_store_status(status) == 503;
}

static void store_away_header(kreq_t *kr)
{
    reply_header(kr, "retry-after", STORE_RETRY_AFTER);
}

void reply_raw(kreq_t *kr, int status, const char *content_type, const char *body, size_t len)
{
    if (store_was_away(kr, status)) {
        static const char away[] = "{\"code\":503,\"message\":\"" STORE_UNAVAILABLE_MSG "\"}";
        store_away_header(kr);
        status = 503;
        content_type = "application/json;charset=UTF-8";
        body = away;
        len = sizeof away - 1;
    }
    h2o_req_t *req = kr->req;
    req->res.status = status;
    req->res.reason = reason_of(status);
    req->res.content_length = len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type, strlen(content_type));
    metrics_observe(kr->thr    ? http_thread_metrics(kr->thr)
                    : kr->vreq ? kr->vreq->metrics
                               : NULL,
                    kr->metric_route, status, kr->start_ns);
    if (kr->vreq) {
        vreq_capture(kr, content_type, body, len);
        return;
    }
    h2o_start_response(req, &generator);
    h2o_iovec_t buf = h2o_iovec_init(body, len);
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD")))
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    else
        h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
}

jsonw_t *reply_writer_new(kreq_t *kr)
{
    buf_t *b = arena_alloc(kr->arena, sizeof *b);
    jsonw_t *w = arena_alloc(kr->arena, sizeof *w);
    if (!b || !w)
        kiln_oom(sizeof *b + sizeof *w);
    buf_init_arena(b, kr->arena, KILN_MAX_RESPONSE);
    buf_reserve(b, 4096); /* most answers fit: no growth on the hot path */
    jw_init(w, b);
    return w;
}

void reply_writer(kreq_t *kr, int status, jsonw_t *w)
{
    if (w->err || w->depth != 0 || !w->b->ptr) {
        reply_error(kr, 500, 1, "Response too large");
        return;
    }
    reply_raw(kr, status, "application/json;charset=UTF-8", w->b->ptr, w->b->len);
}

void reply_json(kreq_t *kr, int status, const json_t *body)
{
    size_t len = 0;
    char *s = json_dump_arena(kr->arena, body, KILN_MAX_RESPONSE, &len);
    if (!s) {
        static const char err[] = "{\"errorMessages\":[\"Response too large\"],\"errors\":{}}";
        reply_raw(kr, 500, "application/json;charset=UTF-8", err, sizeof err - 1);
        return;
    }
    reply_raw(kr, status, "application/json;charset=UTF-8", s, len);
}

void reply_json_new(kreq_t *kr, int status, json_t *body)
{
    if (!body)
        kiln_oom(0);
    reply_json(kr, status, body);
    json_decref(body);
}

void reply_error(kreq_t *kr, int status, int jira, const char *msg)
{
    if (store_was_away(kr, status)) { /* in the plane's own error shape */
        store_away_header(kr);
        status = 503;
        msg = STORE_UNAVAILABLE_MSG;
    }
    if (jira)
        reply_json_new(kr, status, json_pack("{s:[s],s:{}}", "errorMessages", msg, "errors"));
    else
        reply_json_new(kr, status, json_pack("{s:i,s:s}", "code", status, "message", msg));
}

void reply_field_errors(kreq_t *kr, int status, json_t *errors)
{
    reply_json_new(kr, status, json_pack("{s:[],s:o}", "errorMessages", "errors", errors));
}

void reply_failure(kreq_t *kr, int status, const char *category, const char *msg)
{
    reply_header(kr, "x-failure-category", category);
    reply_json_new(kr, status, json_pack("{s:i,s:s}", "code", status, "message", msg));
}
