#include "platform/proxy_storage.h"
#include "platform/config.h"
#include "platform/plane.h"

#include <string.h>

#include "base/clock.h"
#include "gateway/gateway.h"
#include "http/reply.h"
#include "http/server.h"
#include "journal/audit.h"
#include "journal/leak.h"
#include "platform/kvs.h"
#include "platform/kvs_writer.h"
#include "platform/storage_gql.h"

static void answer(kreq_t *kr, const storage_gql_call_t *call, const kvs_reply_t *r)
{
    if (r->rated)
        ratelimit_headers(kr, &r->rate);
    size_t len;
    const char *body = storage_gql_answer(kr->arena, call, r, &len);
    reply_raw(kr, 200, "application/json", body, len);
}

/* A write came back from the writer thread, committed (or failed). */
static void on_written(completion_t *c)
{
    kvs_job_t *j = (kvs_job_t *)c;
    kreq_t *kr = c->owner;
    if (kr) { /* NULL: the client went away meanwhile */
        kr->waiting = NULL;
        answer(kr, plane_kept(kr), &j->reply);
        gateway_audit(kr, AUDIT_PLANE_PROXY); /* proxy_serve left the answered-later write to us */
    }
    kvs_job_free(j);
}

/* Is ari the context the worker was given for this invocation (runtime/supervisor.c)? */
static int context_is(const char *ari, const char *cloud_id)
{
    static const char prefix[] = "ari:cloud:jira::site/";
    return strncmp(ari, prefix, sizeof prefix - 1) == 0 && strcmp(ari + sizeof prefix - 1, cloud_id) == 0;
}

void proxy_storage(kreq_t *kr, const invocation_t *inv)
{
    storage_gql_call_t *call = arena_alloc(kr->arena, sizeof *call);
    const char *err;
    int status;
    if (!call || storage_gql_parse(kr->arena, kr->req->entity.base, kr->req->entity.len, call, &err, &status) != 0) {
        reply_raw(kr, call ? status : 500, "application/json",
                  call ? err : "{\"errors\":[{\"message\":\"out of memory\"}]}",
                  strlen(call ? err : "{\"errors\":[{\"message\":\"out of memory\"}]}"));
        return;
    }
    if (call->context_ari && !context_is(call->context_ari, inv->cloud_id)) {
        static const char refused[] = "{\"errors\":[{\"message\":\"contextAri is not this installation's context.\","
                                      "\"extensions\":{\"errorType\":\"FORBIDDEN\",\"statusCode\":403}}]}";
        reply_raw(kr, 200, "application/json", refused, sizeof refused - 1);
        return;
    }
    kvs_ctx_t ctx = {.site_id = inv->site_id,
                     .installation_id = inv->installation_id,
                     .scopes = inv->scopes,
                     .rate_per_min = platform_config()->kvs_rate,
                     .now_ms = clock_now_ms()};
    if (kvs_op_writes(call->kvs_op))
        leak_scan(inv, LEAK_SRC_STORAGE, "app storage", call->body, call->len);
    if (kvs_op_writes(call->kvs_op) && kvs_writer_running()) {
        /* group commit: the writer thread answers through on_written, on this thread */
        kvs_job_t *j = kvs_job_new(&ctx, call->kvs_op, call->body, call->len);
        if (!j) {
            reply_error(kr, 500, 0, "Internal server error");
            return;
        }
        j->c.receiver = &kr->thr->completions;
        j->c.owner = kr;
        j->c.done = on_written;
        kr->waiting = &j->c;
        plane_keep(kr, call);
        if (kvs_writer_submit(j) != 0) {
            kr->waiting = NULL;
            kvs_job_free(j);
            reply_header(kr, "retry-after", "1");
            reply_error(kr, 503, 0, "Too many app storage writes are waiting; retry shortly.");
        }
        return;
    }
    kvs_reply_t r;
    kvs_call(kr->store, kr->arena, &ctx, call->kvs_op, call->body, call->len, &r);
    answer(kr, call, &r);
}
