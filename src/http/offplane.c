#include "http/offplane.h"

#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "http/offload.h"
#include "http/reply.h"
#include "http/server.h"
#include "http/vreq.h"

typedef struct plane_job {
    offload_job_t o; /* first: its completion first */
    int (*prepare)(kreq_t *kr);
    void (*plane)(kreq_t *kr);
    arena_t *a; /* the copies below and the answer */
    const char *public_url;
    const char *method, *path, *body;
    size_t mlen, plen, blen, nh;
    const char **names, **values;
    vreq_answer_t ans;
} plane_job_t;

static void job_free(plane_job_t *j)
{
    arena_free(j->a);
    free(j);
}

/* The store thread: each job as a virtual request on this thread's handle. */
static void run_planes(offload_job_t **jobs, size_t n, store_t *st)
{
    for (size_t i = 0; i < n; i++) {
        plane_job_t *j = (plane_job_t *)jobs[i];
        vreq_t v;
        store_unbind_site(st); /* each request starts with no site until the gateway binds its own */
        vreq_init(&v, j->a, st, j->public_url, j->method, j->mlen, j->path, j->plen, j->names, j->values, j->nh,
                  j->body, j->blen);
        v.http = 1;
        if (!j->prepare || j->prepare(&v.kr) == 0) /* else it replied */
            j->plane(&v.kr);
        vreq_take_answer(&v, j->a, &j->ans);
        vreq_dispose(&v);
    }
}

/* The request's thread: the answer sent, unless its client went away. */
static void on_answered(completion_t *c)
{
    plane_job_t *j = (plane_job_t *)c;
    kreq_t *kr = c->owner;
    if (kr) {
        kr->waiting = NULL;
        reply_captured(kr, &j->ans);
    }
    job_free(j);
}

int offplane_submit(kreq_t *kr, int (*prepare)(kreq_t *kr), void (*plane)(kreq_t *kr))
{
    if (!kr->thr || kr->vreq || !offload_running())
        return -1;
    h2o_req_t *req = kr->req;
    plane_job_t *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->a = arena_new(KILN_ARENA_CAP);
    const h2o_headers_t *hs = &req->headers;
    j->names = arena_alloc(j->a, (hs->size + 1) * sizeof *j->names);
    j->values = arena_alloc(j->a, (hs->size + 1) * sizeof *j->values);
    j->method = arena_strndup(j->a, req->method.base, req->method.len);
    j->path = arena_strndup(j->a, req->path.base, req->path.len);
    j->body = req->entity.base ? arena_strndup(j->a, req->entity.base, req->entity.len) : NULL;
    int ok = j->names && j->values && j->method && j->path && (!req->entity.base || j->body);
    for (size_t i = 0; ok && i < hs->size; i++) {
        j->names[i] = arena_strndup(j->a, hs->entries[i].name->base, hs->entries[i].name->len);
        j->values[i] = arena_strndup(j->a, hs->entries[i].value.base, hs->entries[i].value.len);
        ok = j->names[i] && j->values[i];
    }
    if (!ok) {
        job_free(j);
        return -1;
    }
    j->nh = hs->size;
    j->mlen = req->method.len;
    j->plen = req->path.len;
    j->blen = req->entity.base ? req->entity.len : 0;
    j->public_url = kr->public_url; /* the server's: lives as long as it */
    j->prepare = prepare;
    j->plane = plane;
    j->o.run = run_planes;
    j->o.c.receiver = &kr->thr->completions;
    j->o.c.done = on_answered;
    j->o.c.owner = kr;
    kr->waiting = &j->o.c;
    if (offload_submit(&j->o) != 0) {
        kr->waiting = NULL;
        job_free(j);
        return -1;
    }
    return 0;
}
