#include "gateway/proxy_kvs.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "http/reply.h"
#include "http/server.h"
#include "platform/kvs.h"

void proxy_kvs(kreq_t *kr, const invocation_t *inv)
{
    /* seg: _proxy / kvs / api / v1 / op [/ op] */
    if (kr->nseg < 5 || kr->nseg > 6 || strcmp(kr->seg[2], "api") != 0 || strcmp(kr->seg[3], "v1") != 0) {
        reply_raw(kr, 404, "application/json", "{\"code\":\"NOT_FOUND\",\"message\":\"No such app storage operation.\"}",
                  sizeof "{\"code\":\"NOT_FOUND\",\"message\":\"No such app storage operation.\"}" - 1);
        return;
    }
    if (!kreq_method_is(kr, "POST")) {
        reply_error(kr, 405, 0, "Method Not Allowed");
        return;
    }
    const char *op = kr->nseg == 5 ? kr->seg[4] : arena_printf(kr->arena, "%s/%s", kr->seg[4], kr->seg[5]);
    kvs_ctx_t ctx = {.site_id = inv->site_id,
                     .installation_id = inv->installation_id,
                     .scopes = inv->scopes,
                     .rate_per_min = kr->thr->server->kvs_rate,
                     .now_ms = clock_now_ms()};
    kvs_reply_t r;
    kvs_call(kr->store, kr->arena, &ctx, op, kr->req->entity.base, kr->req->entity.len, &r);
    if (r.rated) {
        reply_header(kr, "x-ratelimit-limit", arena_printf(kr->arena, "%u", r.limit));
        reply_header(kr, "x-ratelimit-remaining", arena_printf(kr->arena, "%u", r.remaining));
        reply_header(kr, "x-ratelimit-reset", arena_printf(kr->arena, "%lld", (long long)r.reset_s));
    }
    if (r.status == 429) {
        reply_header(kr, "retry-after", arena_printf(kr->arena, "%lld", (long long)r.retry_after_s));
        reply_header(kr, "x-failure-category", "FAILURE_CLIENT_RATE_LIMITED");
    }
    reply_raw(kr, r.status, "application/json", r.body ? r.body : "", r.body ? r.len : 0);
}
