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
    kr->public_url = public_url;
    kr->vreq = v;
}

void vreq_dispose(vreq_t *v)
{
    h2o_mem_clear_pool(&v->req.pool);
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
