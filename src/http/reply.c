#include "http/reply.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/limits.h"
#include "base/log.h"
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
    {507, "Insufficient Storage"},
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
    return (kr->thr || (kr->vreq && kr->vreq->http)) && status != 503 && store_unavailable_count() != kr->store_away0 &&
           reply_store_status(status) == 503;
}

/* The away answer's headers; its message: STORE_INDOUBT_MSG when a write of the request
 * may have landed (its COMMIT's answer never came: store.h), else STORE_UNAVAILABLE_MSG. */
static const char *store_away_header(kreq_t *kr)
{
    reply_header(kr, "retry-after", STORE_RETRY_AFTER);
    if (store_indoubt_count() == kr->store_indoubt0)
        return STORE_UNAVAILABLE_MSG;
    reply_header(kr, "x-kiln-write-outcome", "unknown");
    return STORE_INDOUBT_MSG;
}

#define FULL_MSG "Insufficient Storage: the data dir's disk is full; writes are refused until space is freed."
static const char full_jira[] = "{\"errorMessages\":[\"" FULL_MSG "\"],\"errors\":{}}";
static const char full_code[] = "{\"code\":507,\"message\":\"" FULL_MSG "\"}";

/* The idle timeout of a kept-alive connection, announced on every answer that keeps one
 * (`Keep-Alive: timeout=N`, as Node's and Apache's servers do): a client that honours it
 * (Node's http.Agent) retires an idle connection a little before N instead of sending its
 * next request into kiln's close and getting ECONNRESET — a non-idempotent request is then
 * not retried (the soak battery saw it, docs/reliability.md). kiln announces half of the
 * idle time it keeps (KILN_REQ_TIMEOUT_MS): the other half is the client's margin. Node
 * takes one second, and a client whose event loop lags longer than that (a loaded machine:
 * the hour soak's client saw 1 reset in 478,627 requests with the full 10 s announced)
 * still reused a socket kiln had just closed. */
#define KEEP_ALIVE_HINT "timeout=5"
_Static_assert(KILN_REQ_TIMEOUT_MS == 2 * 5 * 1000u, "KEEP_ALIVE_HINT announces half of KILN_REQ_TIMEOUT_MS, in s");

/* Sends the answer now (the one place a response starts). */
static void send_now(kreq_t *kr, int status, const char *content_type, const char *body, size_t len)
{
    h2o_req_t *req = kr->req;
    req->res.status = status;
    req->res.reason = reason_of(status);
    req->res.content_length = len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type, strlen(content_type));
    if (req->http1_is_persistent)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_KEEP_ALIVE, NULL, H2O_STRLIT(KEEP_ALIVE_HINT));
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

static const char fsync_failed[] =
    "{\"errorMessages\":[\"The write could not be made durable (the store's fsync failed); it may not have "
    "been kept. kiln takes no more writes until it is restarted.\"],\"errors\":{}}";
static const char writes_stopped[] =
    "{\"errorMessages\":[\"kiln takes no writes: an fsync of its store failed earlier, so it cannot promise "
    "that anything written since is kept. Check the disk, then restart kiln.\"],\"errors\":{}}";
#define JSON_TYPE "application/json;charset=UTF-8"

/* An answer held until the store says the request's writes are durable. */
typedef struct held {
    completion_t c;     /* first: comes back on the request's thread */
    store_dwait_t w;    /* the store's; w.arg is the held answer */
    http_thread_t *thr; /* counts it in held until it comes back (http/server.h) */
    int status;
    const char *content_type, *body; /* in the request's arena, or static */
    size_t len;
} held_t;

/* What the handler added to its answer's headers belonged to the answer it meant. */
static void send_instead(kreq_t *kr, int status, const char *body, size_t len)
{
    kr->req->res.headers = (h2o_headers_t){0};
    send_now(kr, status, JSON_TYPE, body, len);
}

static void send_failed(kreq_t *kr)
{
    log_msg(LOG_ERROR, "a write was answered 500: its fsync failed", NULL);
    send_instead(kr, 500, fsync_failed, sizeof fsync_failed - 1);
}

/* The syncer's thread: hands the answer to the request's. */
static void on_synced(store_dwait_t *w)
{
    completion_send(&((held_t *)w->arg)->c);
}

/* The request's thread, once the syncer's fsync ended or failed: the answer is sent, or
 * only freed when its client went away (on_dispose cleared the owner; kr is gone). */
static void on_durable(completion_t *c)
{
    held_t *h = (held_t *)c;
    kreq_t *kr = c->owner;
    h->thr->held--;
    if (kr) {
        kr->waiting = NULL;
        if (h->w.rc == STORE_OK)
            send_now(kr, h->status, h->content_type, h->body, h->len);
        else
            send_failed(kr);
    }
    free(h);
}

int reply_held(const kreq_t *kr)
{
    return kr->waiting && kr->waiting->done == on_durable;
}

void reply_raw(kreq_t *kr, int status, const char *content_type, const char *body, size_t len)
{
    if (store_was_away(kr, status)) {
        static const char away[] = "{\"code\":503,\"message\":\"" STORE_UNAVAILABLE_MSG "\"}";
        static const char unsure[] = "{\"code\":503,\"message\":\"" STORE_INDOUBT_MSG "\"}";
        int doubt = strcmp(store_away_header(kr), STORE_INDOUBT_MSG) == 0;
        status = 503;
        content_type = "application/json;charset=UTF-8";
        body = doubt ? unsure : away;
        len = doubt ? sizeof unsure - 1 : sizeof away - 1;
    }
    /* A request that failed while a write met a full disk (store.h, store_full_since) is
     * answered 507 in the shape its plane uses, whichever handler made the 500. */
    if (status == 500 && kr->start_ns && store_full_since(kr->start_ns) == STORE_FULL) {
        int jira = len >= 16 && memcmp(body, "{\"errorMessages\"", 16) == 0;
        status = 507;
        content_type = "application/json;charset=UTF-8";
        body = jira ? full_jira : full_code;
        len = jira ? sizeof full_jira - 1 : sizeof full_code - 1;
    }
    /* its own commits: while its handler runs, every commit of the thread's handle since it
     * began; after (answered later), what its handler had committed when it returned */
    int in_handler = !kr->thr || kr->thr->handling == kr;
    uint64_t seq = !in_handler ? kr->commit_seq : kr->store ? store_last_commit(kr->store) : 0;
    if (in_handler && kr->thr)
        kr->thr->handling = NULL;                             /* replied: the handler's caller leaves kr alone */
    if (seq == 0 || (in_handler && seq == kr->commit_seq0)) { /* nothing written (or written durably) */
        if (status == 500 && kr->store && store_writes_stopped(kr->store)) /* its write refused: say why */
            send_instead(kr, 503, writes_stopped, sizeof writes_stopped - 1);
        else
            send_now(kr, status, content_type, body, len);
        return;
    }
    if (!kr->thr || kr->vreq) { /* no loop to come back to: wait here, as a plain commit does */
        if (store_sync(kr->store) != STORE_OK)
            send_failed(kr);
        else
            send_now(kr, status, content_type, body, len);
        return;
    }
    held_t *h = calloc(1, sizeof *h);
    if (!h)
        kiln_oom(sizeof *h);
    *h = (held_t){.thr = kr->thr, .status = status, .content_type = content_type, .body = body, .len = len};
    h->c.receiver = &kr->thr->completions;
    h->c.done = on_durable;
    h->c.owner = kr;
    h->w.done = on_synced;
    h->w.arg = h;
    int q = store_when_durable(kr->store, seq, &h->w);
    if (q == 1) {
        kr->thr->held++;
        kr->waiting = &h->c; /* its owner is cleared if the client goes away */
        return;
    }
    free(h);
    if (q != 0)
        send_failed(kr);
    else
        send_now(kr, status, content_type, body, len);
}

void reply_captured(kreq_t *kr, const vreq_answer_t *ans)
{
    if (!ans->replied) { /* every handler replies once: a bug, said as such */
        reply_error(kr, 500, 1, "No answer");
        return;
    }
    const char *body = ans->body_len ? arena_strndup(kr->arena, ans->body, ans->body_len) : "";
    if (!body) {
        reply_error(kr, 500, 1, "Response too large");
        return;
    }
    for (size_t i = 0; i < ans->nh; i++) /* copied: the answer's arena goes before kr does */
        reply_header(kr, arena_strdup(kr->arena, ans->names[i]), arena_strdup(kr->arena, ans->values[i]));
    if (ans->metric_route)
        kr->metric_route = ans->metric_route;
    /* the store thread judged a store that was away (vreq_t.http): this thread's own count
       may have moved for other requests meanwhile */
    kr->store_away0 = store_unavailable_count();
    kr->store_indoubt0 = store_indoubt_count();
    reply_raw(kr, ans->status, arena_strdup(kr->arena, ans->content_type), body, ans->body_len);
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
        msg = store_away_header(kr);
        status = 503;
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
