#include "platform/proxy_kvs.h"
#include "platform/config.h"
#include "platform/plane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/systoken.h"
#include "base/clock.h"
#include "gateway/gateway.h"
#include "http/offload.h"
#include "http/reply.h"
#include "http/server.h"
#include "journal/audit.h"
#include "journal/leak.h"
#include "platform/kvs.h"
#include "platform/kvs_writer.h"

/* Writes an answer; copy: the body lives elsewhere (a writer job) and is copied into the
 * request's arena. */
static void answer(kreq_t *kr, const kvs_reply_t *r, int copy)
{
    if (r->rated)
        ratelimit_headers(kr, &r->rate);
    if (r->rated && !r->rate.allowed)
        reply_header(kr, "x-failure-category", FAILURE_CLIENT_RATE_LIMITED);
    if (r->away) /* the writer's group met the store away (kvs_writer.c) */
        reply_header(kr, "retry-after", STORE_RETRY_AFTER);
    if (r->away == 2)
        reply_header(kr, "x-kiln-write-outcome", "unknown");
    const char *body = r->body ? r->body : "";
    size_t len = r->body ? r->len : 0;
    if (copy && len && !(body = arena_strndup(kr->arena, body, len))) {
        reply_error(kr, 500, 0, "The answer is too large.");
        return;
    }
    reply_raw(kr, r->status, "application/json", body, len);
}

/* A write came back from the writer thread, committed (or failed). */
static void on_written(completion_t *c)
{
    kvs_job_t *j = (kvs_job_t *)c;
    kreq_t *kr = c->owner;
    if (kr) { /* NULL: the client went away meanwhile */
        kr->waiting = NULL;
        answer(kr, &j->reply, 1);
        gateway_audit(kr, plane_kept(kr) ? (const char *)plane_kept(kr) : AUDIT_PLANE_PROXY); /* the plane left the
                                                                                      answered-later write to us */
    }
    kvs_job_free(j);
}

/* An app storage read on a store thread (http/offload.h), when store threads run: the
 * store is a network away, and the request's HTTP thread must not wait for it. */
typedef struct read_job {
    offload_job_t o; /* first: its completion first */
    kvs_job_t *j;    /* the call: ctx, op and body copied (platform/kvs_writer.h) */
} read_job_t;
_Static_assert(OFFLOAD_BATCH_MAX <= KVS_READS_MAX, "a store thread's batch of reads fits kvs_call_reads");

/* The store thread: the batch's calls at once (their plain gets in one statement per
 * installation: kvs_call_reads). */
static void run_reads(offload_job_t **jobs, size_t n, store_t *st)
{
    kvs_read_t calls[OFFLOAD_BATCH_MAX];
    for (size_t i = 0; i < n; i++) {
        kvs_job_t *j = ((read_job_t *)jobs[i])->j;
        j->arena = arena_new(KILN_ARENA_CAP);
        calls[i] = (kvs_read_t){.a = j->arena, .ctx = &j->ctx, .op = j->op, .body = j->body, .len = j->len};
    }
    uint64_t away0 = store_unavailable_count(); /* this thread's: its HTTP thread's reply cannot see it */
    kvs_call_reads(st, calls, n);
    int away = store_unavailable_count() != away0;
    for (size_t i = 0; i < n; i++) {
        /* the store away during the batch: what a failed lookup can cause is not the truth
           (as http/reply.c answers a request during which its own thread met the store away) */
        if (away && calls[i].out.status != 503 && reply_store_status(calls[i].out.status) == 503)
            kvs_reply_away(&calls[i].out, 1);
        ((read_job_t *)jobs[i])->j->reply = calls[i].out;
    }
}

/* A read came back from a store thread. */
static void on_read(completion_t *c)
{
    read_job_t *r = (read_job_t *)c;
    kreq_t *kr = c->owner;
    if (kr) { /* NULL: the client went away meanwhile */
        kr->waiting = NULL;
        answer(kr, &r->j->reply, 1);
        gateway_audit(kr, plane_kept(kr) ? (const char *)plane_kept(kr) : AUDIT_PLANE_PROXY);
    }
    kvs_job_free(r->j);
    free(r);
}

static const char not_found[] = "{\"code\":\"NOT_FOUND\",\"message\":\"No such app storage operation.\"}";

/* One operation for the installation bound by the caller's credential. `plane` names
 * the audit plane of an answer that comes later (a write); `inv` is the calling
 * invocation (NULL for a remote's system token: no invocation's bytes to scan). */
static void serve_op(kreq_t *kr, const char *op, int64_t site_id, const char *installation_id, const char *scopes,
                     const char *plane, const invocation_t *inv)
{
    if (!kreq_method_is(kr, "POST")) {
        reply_error(kr, 405, 0, "Method Not Allowed");
        return;
    }
    plane_keep(kr, (void *)plane);
    kvs_ctx_t ctx = {.site_id = site_id,
                     .installation_id = installation_id,
                     .scopes = scopes,
                     .rate_per_min = platform_config()->kvs_rate,
                     .now_ms = clock_now_ms()};
    if (inv && kvs_op_writes(op)) /* bytes leaving the invocation into its storage: another site's canary is a leak */
        leak_scan(inv, LEAK_SRC_KVS, "app storage", kr->req->entity.base, kr->req->entity.len);
    if (kvs_op_writes(op) && kvs_writer_running()) {
        /* group commit: the writer thread answers through on_written, on this thread */
        kvs_job_t *j = kvs_job_new(&ctx, op, kr->req->entity.base, kr->req->entity.len);
        if (!j) {
            reply_raw(kr, 404, "application/json", not_found, sizeof not_found - 1);
            return;
        }
        j->c.receiver = &kr->thr->completions;
        j->c.owner = kr;
        j->c.done = on_written;
        kr->waiting = &j->c;
        if (kvs_writer_submit(j) != 0) {
            kr->waiting = NULL;
            kvs_job_free(j);
            reply_header(kr, "retry-after", "1");
            reply_error(kr, 503, 0, "Too many app storage writes are waiting; retry shortly.");
        }
        return;
    }
    if (!kvs_op_writes(op) && !kr->vreq && offload_running()) {
        read_job_t *r = xcalloc(1, sizeof *r);
        if ((r->j = kvs_job_new(&ctx, op, kr->req->entity.base, kr->req->entity.len))) {
            r->o.run = run_reads;
            r->o.c.receiver = &kr->thr->completions;
            r->o.c.owner = kr;
            r->o.c.done = on_read;
            kr->waiting = &r->o.c;
            if (offload_submit(&r->o) == 0)
                return; /* answered by on_read */
            kr->waiting = NULL;
            kvs_job_free(r->j);
        }
        free(r); /* not queued (or not copied: answered below, as without store threads) */
    }
    kvs_reply_t r;
    kvs_call(kr->store, kr->arena, &ctx, op, kr->req->entity.base, kr->req->entity.len, &r);
    answer(kr, &r, 0);
}

void proxy_kvs(kreq_t *kr, const invocation_t *inv)
{
    /* seg: _proxy / kvs / api / v1 / op [/ op] */
    if (kr->nseg < 5 || kr->nseg > 6 || strcmp(kr->seg[2], "api") != 0 || strcmp(kr->seg[3], "v1") != 0) {
        reply_raw(kr, 404, "application/json", not_found, sizeof not_found - 1);
        return;
    }
    const char *op = kr->nseg == 5 ? kr->seg[4] : arena_printf(kr->arena, "%s/%s", kr->seg[4], kr->seg[5]);
    serve_op(kr, op, inv->site_id, inv->installation_id, inv->scopes, AUDIT_PLANE_PROXY, inv);
}

static void storage_pipeline(kreq_t *kr)
{
    /* seg: forge / storage / kvs / v1 / op [/ op] */
    static const char unauth[] = "{\"code\":\"UNAUTHENTICATED\",\"message\":\"Unauthorized\"}";
    if (gateway_system_token(kr, unauth) != 0)
        return;
    if (kr->nseg < 5 || kr->nseg > 6 || strcmp(kr->seg[2], "kvs") != 0 || strcmp(kr->seg[3], "v1") != 0) {
        reply_raw(kr, 404, "application/json", not_found, sizeof not_found - 1);
        return;
    }
    const char *op = kr->nseg == 5 ? kr->seg[4] : arena_printf(kr->arena, "%s/%s", kr->seg[4], kr->seg[5]);
    gateway_who(kr)->dispatched = 1;
    serve_op(kr, op, kr->site.id, gateway_who(kr)->installation_id, kr->principal.granted, AUDIT_PLANE_STORAGE, NULL);
}

void storage_kvs_handle(kreq_t *kr)
{
    storage_pipeline(kr);
    if (kr->req->res.status) /* answered now (not by the writer thread later) */
        gateway_audit(kr, AUDIT_PLANE_STORAGE);
}
