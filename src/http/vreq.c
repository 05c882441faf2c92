#include "http/vreq.h"

#include <string.h>

#include "base/clock.h"

void vreq_init(vreq_t *v, arena_t *a, store_t *st, const char *public_url, const char *method, size_t mlen,
               const char *path, size_t plen, const char *const *names, const char *const *values, size_t nh,
               const char *body, size_t blen)
{
    memset(v, 0, sizeof *v);
    h2o_req_t *req = &v->req;
    h2o_mem_init_pool(&req->pool);
    req->method = h2o_iovec_init(method, mlen);
    req->path = h2o_iovec_init(path, plen);
    req->input.path = req->path;
    const char *q = memchr(path, '?', plen);
    req->query_at = q ? (size_t)(q - path) : SIZE_MAX;
    req->entity = body ? h2o_iovec_init(body, blen) : h2o_iovec_init(NULL, 0);
    for (size_t i = 0; i < nh; i++)
        h2o_add_header_by_str(&req->pool, &req->headers, names[i], strlen(names[i]), 1, NULL, values[i],
                              strlen(values[i]));
    kreq_t *kr = &v->kr;
    kr->req = req;
    kr->arena = a;
    kr->store = st;
    kr->start_ns = clock_mono_ns();
    kr->store_away0 = store_unavailable_count(); /* this thread's counts: where its store work runs */
    kr->store_indoubt0 = store_indoubt_count();
    kr->public_url = public_url;
    kr->vreq = v;
}

void vreq_dispose(vreq_t *v)
{
    h2o_mem_clear_pool(&v->req.pool);
}

void vreq_take_answer(const vreq_t *v, arena_t *a, vreq_answer_t *out)
{
    *out = (vreq_answer_t){.replied = v->replied, .status = v->status, .metric_route = v->kr.metric_route};
    if (!v->replied)
        return;
    out->content_type = arena_strdup(a, v->content_type ? v->content_type : "application/json");
    out->body = v->body_len ? arena_strndup(a, v->body, v->body_len) : "";
    out->body_len = v->body_len;
    const h2o_headers_t *hs = &v->req.res.headers;
    out->names = arena_alloc(a, (hs->size + 1) * sizeof *out->names);
    out->values = arena_alloc(a, (hs->size + 1) * sizeof *out->values);
    if (!out->content_type || !out->body || !out->names || !out->values)
        kiln_oom(v->body_len);
    for (size_t i = 0; i < hs->size; i++) {
        const h2o_header_t *h = &hs->entries[i];
        if (h2o_lcstris(h->name->base, h->name->len, H2O_STRLIT("content-type")))
            continue; /* the answer's own: reply_raw sets it again */
        out->names[out->nh] = arena_strndup(a, h->name->base, h->name->len);
        out->values[out->nh] = arena_strndup(a, h->value.base, h->value.len);
        if (!out->names[out->nh] || !out->values[out->nh])
            kiln_oom(h->value.len);
        out->nh++;
    }
}

void vreq_capture(kreq_t *kr, const char *content_type, const char *body, size_t len)
{
    vreq_t *v = kr->vreq;
    v->replied = 1;
    v->status = kr->req->res.status;
    v->content_type = arena_strdup(kr->arena, content_type);
    v->body = body;
    v->body_len = h2o_memis(kr->req->method.base, kr->req->method.len, H2O_STRLIT("HEAD")) ? 0 : len;
}
