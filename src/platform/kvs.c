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

/* A call's checks before its operation: the installation's rate and scope, the operation,
 * the body. 0 with *o and *body_json; -1 when answered (c->out). */
static int prelude(kvs_req_t *c, const char *op, const char *body, size_t len, const struct op **o, json_t **body_json)
{
    const kvs_ctx_t *ctx = c->ctx;
    arena_t *a = c->a;
    kvs_reply_t *out = c->out;
    if (ctx->rate_per_min) {
        out->rated = 1;
        out->rate = ratelimit_take(arena_printf(a, "kv:%s", ctx->installation_id) /* keys hold 39 bytes */,
                                   ctx->rate_per_min, ctx->now_ms);
        if (!out->rate.allowed)
            return kvs_fail(c, 429, "RATE_LIMIT_EXCEEDED", "The installation exceeded the app storage rate limit.");
    }
    if (!scope_granted(ctx->scopes)) {
        forbidden(c);
        return -1;
    }
    *o = NULL;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(ops[i].name, op) == 0)
            *o = &ops[i];
    if (!*o)
        return kvs_fail(c, 404, "NOT_FOUND", "No such app storage operation.");
    json_err_t e;
    json_t *j = json_parse_arena(a, body ? body : "", len, KVS_BODY_PARSE_DEPTH, &e);
    if (!j) {
        if (e.code == JERR_DEPTH)
            return kvs_fail(c, 400, "MAX_DEPTH", "The provided value has exceeded the maximum object depth (31).");
        return kvs_bad_request(c, "Provided request body is invalid");
    }
    if ((*o)->array_body ? !json_is_array(j) : !json_is_object(j))
        return kvs_bad_request(c, (*o)->array_body ? "Provided request body is invalid: an array of items"
                                                   : "Provided request body is invalid: a JSON object");
    /* Keys, entity and index names, conditions, cursors are read as C strings: a NUL in
     * one would cut it. Values stay JSON and round-trip byte for byte, NUL included;
     * condition values are compared with their lengths (a key condition is checked in
     * kvs_op_query, since keys never hold NUL). */
    static const char *const values[] = {"value", "values", "partition", NULL};
    char path[128];
    if (json_nul_field(j, body, len, values, path, sizeof path))
        return kvs_bad_request(
            c, arena_printf(a, "Provided request body is invalid: %s must not contain a NUL character", path));
    c->body_len = len;
    *body_json = j;
    return 0;
}

/* The operation itself, after prelude: in a savepoint of its own in grouped mode. */
static int run_op(kvs_req_t *c, const struct op *o, json_t *j)
{
    store_t *st = c->st;
    if (c->ctx->grouped && store_savepoint(st) != STORE_OK) {
        kvs_store_error(c);
        return -1;
    }
    o->fn(c, j, o->kind);
    if (c->ctx->grouped) {
        if (c->out->status >= 400)
            store_savepoint_rollback(st); /* undo what a failed operation wrote, and only that */
        else if (store_savepoint_release(st) != STORE_OK)
            kvs_store_error(c);
    }
    return c->store_failed ? -1 : 0;
}

static void req_init(kvs_req_t *c, store_t *st, arena_t *a, const kvs_ctx_t *ctx, kvs_reply_t *out)
{
    memset(out, 0, sizeof *out);
    *c = (kvs_req_t){
        .st = st, .a = a, .ctx = ctx, .own = {ctx->site_id, ctx->installation_id}, .now = ctx->now_ms, .out = out};
}

int kvs_call(store_t *st, arena_t *a, const kvs_ctx_t *ctx, const char *op, const char *body, size_t len,
             kvs_reply_t *out)
{
    kvs_req_t c;
    req_init(&c, st, a, ctx, out);
    const struct op *o;
    json_t *j;
    if (prelude(&c, op, body, len, &o, &j) != 0)
        return 0;
    return run_op(&c, o, j);
}

/* Whether the call is a plain get whose key reads (its row can be read ahead). */
static int plain_get(kvs_req_t *c, const struct op *o, json_t *j, kvs_item_t *it)
{
    return o->fn == kvs_op_get && o->kind == KVS_KIND_PLAIN && kvs_item_read(c, j, o->kind, 0, it) == 0 &&
           it->kind == KVS_KIND_PLAIN;
}

/* Rows read ahead: at most KVS_READS_MAX values of at most KVS_VALUE_MAX_BYTES (what a
 * set lets in), with their keys and the arena's own headroom. */
#define AHEAD_ARENA_CAP ((size_t)KVS_READS_MAX * (KVS_VALUE_MAX_BYTES + 4096))

void kvs_call_reads(store_t *st, kvs_read_t *calls, size_t n)
{
    if (n > KVS_READS_MAX)
        n = KVS_READS_MAX;
    kvs_req_t c[KVS_READS_MAX];
    const struct op *o[KVS_READS_MAX];
    json_t *j[KVS_READS_MAX];
    int ready[KVS_READS_MAX], ahead[KVS_READS_MAX] = {0};
    kvs_item_t it[KVS_READS_MAX];
    for (size_t i = 0; i < n; i++) {
        req_init(&c[i], st, calls[i].a, calls[i].ctx, &calls[i].out);
        ready[i] = prelude(&c[i], calls[i].op, calls[i].body, calls[i].len, &o[i], &j[i]) == 0;
        ahead[i] = ready[i] && plain_get(&c[i], o[i], j[i], &it[i]);
    }
    /* the plain gets of one installation: their rows in one statement (per
       STORE_KVS_GET_MANY keys), as that installation's site */
    for (size_t i = 0; i < n; i++) {
        if (ahead[i] != 1)
            continue;
        const char *keys[KVS_READS_MAX];
        size_t who[KVS_READS_MAX], m = 0;
        int64_t since = calls[i].ctx->now_ms; /* the earliest asker's now: each then drops what expired by its own */
        for (size_t k = i; k < n; k++)
            if (ahead[k] == 1 && calls[k].ctx->site_id == calls[i].ctx->site_id &&
                strcmp(calls[k].ctx->installation_id, calls[i].ctx->installation_id) == 0) {
                keys[m] = it[k].key;
                who[m++] = k;
                ahead[k] = 2; /* asked */
                if (calls[k].ctx->now_ms < since)
                    since = calls[k].ctx->now_ms;
            }
        kvs_rec_t rows[KVS_READS_MAX];
        int rc[KVS_READS_MAX];
        arena_t *tmp = arena_new(AHEAD_ARENA_CAP);
        store_bind_site(st, calls[i].ctx->site_id);
        int failed = store_kvs_get_many(st, tmp, &c[i].own, KVS_KIND_PLAIN, "", keys, m, since, rows, rc);
        for (size_t k = 0; failed != STORE_OK && k < m; k++) {
            /* each answers the store's failure as kvs_call alone would have met it, rather
               than ask again one by one (a database that hangs would make that m waits) */
            c[who[k]].ahead_key = keys[k];
            c[who[k]].ahead_rc = failed;
        }
        for (size_t k = 0; failed == STORE_OK && k < m; k++) {
            kvs_req_t *r = &c[who[k]];
            r->ahead_key = keys[k];
            r->ahead_rc = rc[k];
            if (rc[k] == STORE_OK && rows[k].expire_ms && rows[k].expire_ms <= r->now)
                r->ahead_rc = STORE_NOTFOUND; /* live at the earliest asker's now, expired at this one's */
            if (rc[k] == STORE_OK) {          /* copied into the asker's arena */
                r->ahead_row = rows[k];
                r->ahead_row.entity = "";
                r->ahead_row.key = arena_strdup(r->a, rows[k].key);
                r->ahead_row.value = arena_strndup(r->a, rows[k].value, rows[k].value_len);
                if (!r->ahead_row.key || !r->ahead_row.value)
                    r->ahead_key = NULL; /* too large for its arena: it asks on its own */
            }
        }
        arena_free(tmp);
    }
    for (size_t i = 0; i < n; i++) {
        if (!ready[i])
            continue;
        store_bind_site(st, calls[i].ctx->site_id);
        run_op(&c[i], o[i], j[i]);
    }
}

void kvs_reply_away(kvs_reply_t *r, int away)
{
    static const char unavailable[] = "{\"code\":\"SERVICE_UNAVAILABLE\",\"message\":\"" STORE_UNAVAILABLE_MSG "\"}";
    static const char unsure[] = "{\"code\":\"SERVICE_UNAVAILABLE\",\"message\":\"" STORE_INDOUBT_MSG "\"}";
    int rated = r->rated;
    ratelimit_result_t rate = r->rate;
    *r = away == 2 ? (kvs_reply_t){.status = 503, .body = unsure, .len = sizeof unsure - 1, .away = 2}
                   : (kvs_reply_t){.status = 503, .body = unavailable, .len = sizeof unavailable - 1, .away = 1};
    r->rated = rated; /* the call was counted against the limit: its headers still say so */
    r->rate = rate;
}

int64_t kvs_expire(store_t *st, int64_t now_ms, int64_t max)
{
    int64_t removed;
    return store_kvs_expire(st, now_ms, max, &removed) == STORE_OK ? removed : -1;
}
