#include "platform/proxycall.h"
#include "platform/proxy.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "base/limits.h"
#include "gateway/gateway.h"
#include "http/metrics.h"
#include "http/reply.h"
#include "http/vreq.h"

#define MAX_HEADERS 100

static unsigned metric_route;

void proxycall_init(void)
{
    metric_route = metrics_route_id(PROXY_METRIC_ROUTE);
}

/* Appends the reply as a response frame (Content-Type first, then the headers the
 * handler set). The body goes as `text` (a JSON string) when it is UTF-8 text, as all
 * product answers are: the worker then skips a base64 decode and a UTF-8 decode (about
 * half of what reading a 2 KB answer cost it); otherwise, or when the escaped text would
 * pass the frame's cap, as `body`, base64url. 0, or -1 with `out` as it was (the frame
 * would pass its cap either way). */
static int frame_as(const vreq_t *v, json_int_t seq, arena_t *a, buf_t *out, int as_text)
{
    size_t start = out->len;
    int status = v->replied ? v->status : 500;
    const char *ctype = v->replied ? v->content_type : "application/json;charset=UTF-8";
    const char *body = v->replied ? v->body : "{\"code\":500,\"message\":\"No answer\"}";
    size_t blen = v->replied ? v->body_len : strlen(body);
    char *b64 = NULL;
    if (!as_text) {
        b64 = arena_alloc(a, enc_b64url_len(blen) + 1);
        if (!b64)
            kiln_oom(blen);
        enc_b64url(b64, body, blen);
    }

    jsonw_t jw;
    jw_init(&jw, out);
    jw_obj(&jw);
    jw_kstr(&jw, "type", "response");
    jw_kint(&jw, "seq", seq);
    jw_kint(&jw, "status", status);
    jw_key(&jw, "headers");
    jw_arr(&jw);
    jw_arr(&jw);
    jw_str(&jw, "content-type");
    jw_str(&jw, ctype);
    jw_arr_end(&jw);
    const h2o_headers_t *hs = &v->req.res.headers;
    for (size_t i = 0; v->replied && i < hs->size; i++) {
        if (h2o_lcstris(hs->entries[i].name->base, hs->entries[i].name->len, H2O_STRLIT("content-type")))
            continue; /* reply_raw set it there too: it is the first pair already */
        jw_arr(&jw);
        jw_strn(&jw, hs->entries[i].name->base, hs->entries[i].name->len);
        jw_strn(&jw, hs->entries[i].value.base, hs->entries[i].value.len);
        jw_arr_end(&jw);
    }
    jw_arr_end(&jw);
    if (as_text) {
        jw_key(&jw, "text");
        jw_strn(&jw, body ? body : "", body ? blen : 0);
    } else {
        jw_kstr(&jw, "body", b64);
    }
    jw_obj_end(&jw);
    if (jw.err || buf_add(out, "\n", 1) != 0) {
        out->len = start;
        if (out->ptr)
            out->ptr[start] = '\0';
        return -1;
    }
    return 0;
}

int proxycall_response_frame(const vreq_t *v, json_int_t seq, arena_t *a, buf_t *out)
{
    const char *body = v->replied ? v->body : "";
    size_t blen = v->replied ? v->body_len : 0;
    if ((blen == 0 || enc_utf8_valid(body, blen)) && frame_as(v, seq, a, out, 1) == 0)
        return 0;
    return frame_as(v, seq, a, out, 0);
}

/* An answer made here, not by the pipeline (limits, a frame of another invocation). */
static void answer(struct metrics *counted, json_int_t seq, int status, const char *category, const char *message,
                   arena_t *a, buf_t *out)
{
    vreq_t v;
    memset(&v, 0, sizeof v);
    h2o_mem_init_pool(&v.req.pool);
    v.replied = 1;
    v.status = status;
    v.content_type = "application/json;charset=UTF-8";
    if (category)
        h2o_add_header_by_str(&v.req.pool, &v.req.res.headers, H2O_STRLIT("x-failure-category"), 0, NULL, category,
                              strlen(category));
    v.body = arena_printf(a, "{\"code\":%d,\"message\":\"%s\"}", status, message);
    v.body_len = strlen(v.body);
    metrics_observe(counted, metric_route, status, clock_mono_ns()); /* as HTTP counts its early refusals */
    proxycall_response_frame(&v, seq, a, out); /* small: fits unless the writer's buffer is full */
    h2o_mem_clear_pool(&v.req.pool);
}

/* An HTTP token (RFC 9110: method and header names): 1 or more tchars. */
static int is_token(const char *s, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !memchr(extra, s[i], sizeof extra - 1))
            return 0;
    return 1;
}

/* A frame of an invocation that is not the running one: when its Authorization is the token
 * of one that ended, gateway_late_call logs it under that invocation. */
static void late_call(const json_t *jm, const json_t *jp, const json_t *jh)
{
    if (!json_is_string(jm) || !json_is_string(jp))
        return;
    size_t i;
    json_t *pair;
    json_array_foreach(jh, i, pair)
    {
        const char *n = json_string_value(json_array_get(pair, 0)), *v = json_string_value(json_array_get(pair, 1));
        if (!n || !v || strcasecmp(n, "authorization") != 0 || strncmp(v, "Bearer ", 7) != 0)
            continue;
        size_t vlen = json_string_length(json_array_get(pair, 1));
        gateway_late_call(v + 7, vlen - 7, json_string_value(jm), json_string_value(jp), json_string_length(jp));
        return;
    }
}

int proxycall_carried(const char *path, size_t len)
{
    static const char rest[] = "/_proxy/fpp/rest/", gql[] = "/_proxy/fpp/graphql";
    if (len >= sizeof rest - 1 && memcmp(path, rest, sizeof rest - 1) == 0)
        return 1;
    return len >= sizeof gql - 1 && memcmp(path, gql, sizeof gql - 1) == 0 &&
           (len == sizeof gql - 1 || path[sizeof gql - 1] == '?');
}

int proxycall_serve(store_t *st, struct metrics *m, const char *public_url, unsigned rate_per_min,
                    const char *running_id, const json_t *f, buf_t *out)
{
    json_t *jseq = json_object_get(f, "seq"), *jm = json_object_get(f, "method"), *jp = json_object_get(f, "path"),
           *jh = json_object_get(f, "headers"), *jb = json_object_get(f, "body");
    const char *id = json_str(f, "id");
    if (!json_is_integer(jseq) || json_integer_value(jseq) < 0 || !json_is_string(jm) || !json_is_string(jp) ||
        !json_is_array(jh) || (jb && !json_is_string(jb) && !json_is_null(jb)) || !id)
        return -1;
    json_int_t seq = json_integer_value(jseq);
    arena_t *a = arena_new(KILN_ARENA_CAP);

    /* only the invocation running on this worker may call, with its own live token */
    if (!running_id || strcmp(id, running_id) != 0) {
        late_call(jm, jp, jh); /* unawaited work of an invocation that ended? */
        answer(m, seq, 401, FAILURE_CLIENT_AUTH, "Unauthorized", a, out);
        goto done;
    }
    const char *method = json_string_value(jm), *path = json_string_value(jp);
    size_t mlen = json_string_length(jm), plen = json_string_length(jp);
    if (mlen == 0 || mlen > 16 || !is_token(method, mlen) || !proxycall_carried(path, plen)) {
        answer(m, seq, 400, NULL, "Bad Request", a, out);
        goto done;
    }
    if (plen > KILN_MAX_PATH) {
        answer(m, seq, 414, NULL, "URI Too Long", a, out);
        goto done;
    }
    size_t nh = json_array_size(jh), hbytes = 0;
    if (nh > MAX_HEADERS) {
        answer(m, seq, 400, NULL, "Too many headers", a, out);
        goto done;
    }
    const char **names = arena_alloc(a, (nh + 1) * sizeof *names), **values = arena_alloc(a, (nh + 1) * sizeof *values);
    for (size_t i = 0; i < nh; i++) {
        json_t *pair = json_array_get(jh, i), *n = json_array_get(pair, 0), *val = json_array_get(pair, 1);
        if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_string(n) || !json_is_string(val) ||
            !is_token(json_string_value(n), json_string_length(n)) ||
            strcspn(json_string_value(val), "\r\n") != json_string_length(val)) {
            answer(m, seq, 400, NULL, "Malformed header", a, out);
            goto done;
        }
        char *lc = arena_strndup(a, json_string_value(n), json_string_length(n));
        for (char *c = lc; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        names[i] = lc;
        values[i] = json_string_value(val);
        hbytes += json_string_length(n) + json_string_length(val);
    }
    if (hbytes > KILN_MAX_HEADERS_BYTES) {
        answer(m, seq, 431, NULL, "Request Header Fields Too Large", a, out);
        goto done;
    }
    char *body = NULL;
    long blen = 0;
    if (json_is_string(jb) && json_string_length(jb) > 0) {
        size_t cap = json_string_length(jb) / 4 * 3 + 3;
        if (cap > KILN_MAX_BODY + 3) {
            answer(m, seq, 413, NULL, "Payload Too Large", a, out);
            goto done;
        }
        body = arena_alloc(a, cap + 1);
        blen = body ? enc_b64_decode((unsigned char *)body, cap, json_string_value(jb), json_string_length(jb)) : -1;
        if (blen < 0) {
            answer(m, seq, 400, NULL, "Malformed body", a, out);
            goto done;
        }
        if ((size_t)blen > KILN_MAX_BODY) {
            answer(m, seq, 413, NULL, "Payload Too Large", a, out);
            goto done;
        }
        body[blen] = '\0';
    }
    vreq_t v;
    store_unbind_site(st); /* each call starts with no site until the gateway binds its own (store.h) */
    vreq_init(&v, a, st, public_url, method, mlen, path, plen, names, values, nh, body, (size_t)blen);
    v.metrics = m;
    v.kr.metric_route = metric_route;
    if (gateway_normalise(&v.kr) == 0) /* else it replied 400/414 */
        proxy_serve(&v.kr, rate_per_min, running_id);
    if (proxycall_response_frame(&v, seq, a, out) !=
        0) /* past the frame cap: say so rather than leave the call hanging */
        answer(NULL, seq, 500, NULL, "Response too large", a, out); /* the handler's reply was counted already */
    vreq_dispose(&v);
done:
    arena_free(a);
    return 0;
}

/* ------------------------------------------------------------------ the runtime's handler */

static proxycall_ctx_t *runtime_ctx;

int proxycall_fetch(void *ctx, const char *running_id, const json_t *frame, buf_t *out)
{
    proxycall_ctx_t *c = ctx;
    return proxycall_serve(c->st, c->m, c->public_url, c->rate_per_min, running_id, frame, out);
}

proxycall_ctx_t *proxycall_runtime_ctx(const char *data_dir, const char *public_url, unsigned rate_per_min, char *err,
                                       size_t errlen)
{
    store_t *st = store_open(data_dir, err, errlen);
    if (!st)
        return NULL;
    /* the runtime thread sleeps in poll between calls, for as long as no worker it owns
     * calls (workers lent to HTTP threads call there): nothing may stay open meanwhile */
    store_keep_nothing(st);
    proxycall_ctx_t *c = xcalloc(1, sizeof *c);
    *c = (proxycall_ctx_t){
        .st = st, .m = metrics_new(), .public_url = xstrdup(public_url), .rate_per_min = rate_per_min};
    runtime_ctx = c;
    return c;
}

struct metrics *proxycall_metrics(void)
{
    return runtime_ctx ? runtime_ctx->m : NULL;
}
