/* App storage (platform/kvs.h): one call — the installation's rate and scope, the
 * operation from the table `ops`, the body's checks, a savepoint in grouped mode — and
 * the replies and transactions every operation uses. The operations live in kvs_*.c
 * (platform/kvs_int.h). */
#include "platform/kvs.h"

#include <string.h>

#include "base/json.h"
#include "gateway/ratelimit.h"
#include "platform/kvs_int.h"
#include "store/store_kvs.h"

#define REPLY_MAX (8u * 1024 * 1024)

/* ---------------------------------------------------------------- transactions */

int kvs_tx_begin(kvs_req_t *c)
{
    return c->ctx->grouped ? STORE_OK : store_begin(c->st);
}

int kvs_tx_commit(kvs_req_t *c)
{
    return c->ctx->grouped ? STORE_OK : store_commit(c->st);
}

void kvs_tx_rollback(kvs_req_t *c)
{
    if (!c->ctx->grouped)
        store_rollback(c->st);
}

/* ---------------------------------------------------------------- replies */

static void reply_body(kvs_req_t *c, int status, buf_t *b)
{
    c->out->status = status;
    c->out->body = b ? b->ptr : NULL;
    c->out->len = b ? b->len : 0;
}

int kvs_fail(kvs_req_t *c, int status, const char *code, const char *msg)
{
    buf_t b;
    jsonw_t w;
    buf_init_arena(&b, c->a, 4096);
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "code", code);
    jw_kstr(&w, "message", msg);
    jw_obj_end(&w);
    reply_body(c, status, &b);
    return -1;
}

int kvs_bad_request(kvs_req_t *c, const char *msg)
{
    return kvs_fail(c, 400, "BAD_REQUEST", msg);
}

int kvs_store_error(kvs_req_t *c)
{
    c->store_failed = 1;
    return kvs_fail(c, 500, "INTERNAL_SERVER_ERROR", "An internal server error has occurred");
}

int kvs_no_content(kvs_req_t *c)
{
    reply_body(c, 204, NULL);
    return 0;
}

void kvs_writer(kvs_req_t *c, buf_t *b, jsonw_t *w)
{
    buf_init_arena(b, c->a, REPLY_MAX);
    jw_init(w, b);
}

int kvs_send(kvs_req_t *c, int status, buf_t *b, jsonw_t *w)
{
    if (w->err)
        return kvs_fail(c, 500, "INTERNAL_SERVER_ERROR", "The answer is too large.");
    reply_body(c, status, b);
    return 0;
}

/* ---------------------------------------------------------------- dispatch */

static const struct op {
    const char *name;
    int (*fn)(kvs_req_t *, json_t *, int kind);
    int kind;       /* the kind of key the operation addresses */
    int array_body; /* batches send an array */
} ops[] = {
    {"get", kvs_op_get, KVS_KIND_PLAIN, 0},
    {"set", kvs_op_set, KVS_KIND_PLAIN, 0},
    {"delete", kvs_op_delete, KVS_KIND_PLAIN, 0},
    {"query", kvs_op_query, KVS_KIND_PLAIN, 0},
    {"batch/get", kvs_op_batch_get, KVS_KIND_PLAIN, 1},
    {"batch/set", kvs_op_batch_set, KVS_KIND_PLAIN, 1},
    {"batch/delete", kvs_op_batch_delete, KVS_KIND_PLAIN, 1},
    {"transaction", kvs_op_transaction, KVS_KIND_PLAIN, 0},
    {"secret/get", kvs_op_get, KVS_KIND_SECRET, 0},
    {"secret/set", kvs_op_set, KVS_KIND_SECRET, 0},
    {"secret/delete", kvs_op_delete, KVS_KIND_SECRET, 0},
    {"entity/get", kvs_op_get, KVS_KIND_ENTITY, 0},
    {"entity/set", kvs_op_set, KVS_KIND_ENTITY, 0},
    {"entity/delete", kvs_op_delete, KVS_KIND_ENTITY, 0},
    {"entity/query", kvs_op_entity_query, KVS_KIND_ENTITY, 0},
};

static int scope_granted(const char *scopes)
{
    size_t n = strlen(KVS_SCOPE);
    for (const char *p = scopes; p && *p;) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, KVS_SCOPE, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}

/* 403 in both Forge's {code, message} (which @forge/kvs reads) and the proxy's Jira shape. */
static void forbidden(kvs_req_t *c)
{
    const char *scopes = c->ctx->scopes;
    const char *msg = arena_printf(c->a,
                                   "The app's installation does not have the scopes for this operation. "
                                   "Granted: [%s]. Allowed with all of: [" KVS_SCOPE "].",
                                   scopes ? scopes : "");
    buf_t b;
    jsonw_t w;
    buf_init_arena(&b, c->a, 65536);
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "code", "FORBIDDEN");
    jw_kstr(&w, "message", msg);
    jw_key(&w, "errorMessages");
    jw_arr(&w);
    jw_str(&w, msg);
    jw_arr_end(&w);
    jw_key(&w, "errors");
    jw_obj(&w);
    jw_obj_end(&w);
    jw_obj_end(&w);
    reply_body(c, 403, &b);
}

int kvs_call(store_t *st, arena_t *a, const kvs_ctx_t *ctx, const char *op, const char *body, size_t len,
             kvs_reply_t *out)
{
    memset(out, 0, sizeof *out);
    kvs_req_t c = {
        .st = st, .a = a, .ctx = ctx, .own = {ctx->site_id, ctx->installation_id}, .now = ctx->now_ms, .out = out};
    if (ctx->rate_per_min) {
        out->rated = 1;
        out->rate = ratelimit_take(arena_printf(a, "kv:%s", ctx->installation_id) /* keys hold 39 bytes */,
                                   ctx->rate_per_min, ctx->now_ms);
        if (!out->rate.allowed) {
            kvs_fail(&c, 429, "RATE_LIMIT_EXCEEDED", "The installation exceeded the app storage rate limit.");
            return 0;
        }
    }
    if (!scope_granted(ctx->scopes)) {
        forbidden(&c);
        return 0;
    }
    const struct op *o = NULL;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(ops[i].name, op) == 0)
            o = &ops[i];
    if (!o) {
        kvs_fail(&c, 404, "NOT_FOUND", "No such app storage operation.");
        return 0;
    }
    json_err_t e;
    json_t *j = json_parse_arena(a, body ? body : "", len, KVS_BODY_PARSE_DEPTH, &e);
    if (!j) {
        if (e.code == JERR_DEPTH)
            kvs_fail(&c, 400, "MAX_DEPTH", "The provided value has exceeded the maximum object depth (31).");
        else
            kvs_bad_request(&c, "Provided request body is invalid");
        return 0;
    }
    if (o->array_body ? !json_is_array(j) : !json_is_object(j)) {
        kvs_bad_request(&c, o->array_body ? "Provided request body is invalid: an array of items"
                                          : "Provided request body is invalid: a JSON object");
        return 0;
    }
    /* Keys, entity and index names, conditions, cursors are read as C strings: a NUL in
     * one would cut it. Values stay JSON and round-trip byte for byte, NUL included;
     * condition values are compared with their lengths (a key condition is checked in
     * kvs_op_query, since keys never hold NUL). */
    static const char *const values[] = {"value", "values", "partition", NULL};
    char path[128];
    if (json_nul_field(j, body, len, values, path, sizeof path)) {
        kvs_bad_request(&c,
                        arena_printf(a, "Provided request body is invalid: %s must not contain a NUL character", path));
        return 0;
    }
    c.body_len = len;
    if (ctx->grouped && store_savepoint(st) != STORE_OK) {
        kvs_store_error(&c);
        return -1;
    }
    o->fn(&c, j, o->kind);
    if (ctx->grouped) {
        if (out->status >= 400)
            store_savepoint_rollback(st); /* undo what a failed operation wrote, and only that */
        else if (store_savepoint_release(st) != STORE_OK)
            kvs_store_error(&c);
    }
    return c.store_failed ? -1 : 0;
}

int64_t kvs_expire(store_t *st, int64_t now_ms, int64_t max)
{
    int64_t removed;
    return store_kvs_expire(st, now_ms, max, &removed) == STORE_OK ? removed : -1;
}
