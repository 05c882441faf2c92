/* Queries (platform/kvs_int.h): `query` over the keys of one installation, and what every
 * query shares — conditions ({property, condition, values}), the order of values, page
 * limits and cursors. */
#include <string.h>

#include "base/enc.h"
#include "base/json.h"
#include "platform/kvs_int.h"
#include "store/store_kvs.h"

/* ---------------------------------------------------------------- cursors */

/* Cursors are opaque to apps: hex of a small JSON array [sortValue, key]. */
static const char *cursor_in(arena_t *a, const json_t *sort_value, const char *key)
{
    json_t *arr = json_pack("[Os]", sort_value ? (json_t *)sort_value : json_null(), key);
    size_t n;
    char *s = arr ? json_dump_arena(a, arr, 8192, &n) : NULL;
    json_decref(arr);
    if (!s)
        return NULL;
    char *hex = arena_alloc(a, 2 * n + 1);
    if (!hex)
        kiln_oom(2 * n + 1);
    enc_hex(hex, s, n);
    return hex;
}

const char *kvs_cursor_make(kvs_req_t *c, const json_t *sort_value, const char *key)
{
    return cursor_in(c->a, sort_value, key);
}

const char *kvs_cursor_after(arena_t *a, const char *key)
{
    return cursor_in(a, NULL, key);
}

json_t *kvs_cursor_read(kvs_req_t *c, const char *cur)
{
    size_t n = strlen(cur);
    if (n == 0 || n % 2 || n > 16384)
        return NULL;
    char *raw = arena_alloc(c->a, n / 2 + 1);
    if (!raw)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = enc_hexval((unsigned char)cur[2 * i]), lo = enc_hexval((unsigned char)cur[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return NULL;
        raw[i] = (char)(hi << 4 | lo);
    }
    json_err_t e;
    json_t *j = json_parse_arena(c->a, raw, n / 2, 4, &e);
    json_t *key = json_array_get(j, 1);
    if (!json_is_array(j) || json_array_size(j) != 2 || !json_is_string(key) ||
        memchr(json_string_value(key), '\0', json_string_length(key)))
        return NULL;
    return j;
}

/* ---------------------------------------------------------------- conditions */

static int type_rank(const json_t *v)
{
    return json_is_number(v) ? 0 : json_is_string(v) ? 1 : json_is_boolean(v) ? 2 : 3;
}

int kvs_cmp_values(const json_t *a, const json_t *b)
{
    int ra = type_rank(a), rb = type_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (ra == 0) {
        double x = json_number_value(a), y = json_number_value(b);
        return x < y ? -1 : x > y;
    }
    if (ra == 1) {
        size_t la = json_string_length(a), lb = json_string_length(b);
        int r = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
        return r ? (r < 0 ? -1 : 1) : la < lb ? -1 : la > lb;
    }
    if (ra == 2)
        return (int)json_is_true(a) - (int)json_is_true(b);
    return 0;
}

/* Names and value counts, by enum kvs_cond_op. */
static const char *const conditions[KVS_C__COUNT] = {"BEGINS_WITH",  "BETWEEN",
                                                     "EQUAL_TO",     "NOT_EQUAL_TO",
                                                     "GREATER_THAN", "GREATER_THAN_EQUAL_TO",
                                                     "LESS_THAN",    "LESS_THAN_EQUAL_TO",
                                                     "CONTAINS",     "NOT_CONTAINS",
                                                     "EXISTS",       "NOT_EXISTS"};
static const unsigned char cond_nvalues[KVS_C__COUNT] = {1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

int kvs_cond_parse(kvs_req_t *c, const json_t *o, unsigned allowed, int need_property, kvs_cond_t *out)
{
    const char *name = json_str(o, "condition");
    json_t *vals = json_object_get(o, "values");
    out->property = json_str(o, "property");
    if (!json_is_object(o) || !name || (need_property && !out->property))
        return kvs_bad_request(c, "a condition is {property, condition, values}");
    int op = -1;
    for (int i = 0; i < KVS_C__COUNT; i++)
        if (strcmp(name, conditions[i]) == 0)
            op = i;
    if (op < 0 || !(allowed & (1u << op)))
        return kvs_fail(c, 400, "INVALID_FILTER_CONDITION", "The specified condition is not supported for filters.");
    if (!json_is_array(vals) || json_array_size(vals) != cond_nvalues[op])
        return kvs_fail(c, 400, "INVALID_FILTER_VALUES",
                        "The specified number of values are not supported by the given condition.");
    for (size_t i = 0; i < json_array_size(vals); i++) {
        json_t *v = json_array_get(vals, i);
        if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v))
            return kvs_fail(c, 400, "INVALID_FILTER_VALUES", "Condition values are strings, numbers or booleans.");
    }
    out->op = (enum kvs_cond_op)op;
    out->v1 = json_array_get(vals, 0);
    out->v2 = json_array_get(vals, 1);
    return 0;
}

int kvs_cond_holds(const kvs_cond_t *k, const json_t *v)
{
    if (k->op == KVS_C_EXISTS)
        return v && !json_is_null(v);
    if (k->op == KVS_C_NOT_EXISTS)
        return !v || json_is_null(v);
    if (!v || json_is_null(v))
        return k->op == KVS_C_NE || k->op == KVS_C_NOT_CONTAINS;
    switch (k->op) {
    case KVS_C_BEGINS:
        return json_is_string(v) && json_is_string(k->v1) && json_string_length(v) >= json_string_length(k->v1) &&
               memcmp(json_string_value(v), json_string_value(k->v1), json_string_length(k->v1)) == 0;
    case KVS_C_BETWEEN:
        return type_rank(v) == type_rank(k->v1) && kvs_cmp_values(v, k->v1) >= 0 && kvs_cmp_values(v, k->v2) <= 0;
    case KVS_C_EQ:
        return json_equal((json_t *)v, k->v1) ||
               (type_rank(v) == 0 && type_rank(k->v1) == 0 && kvs_cmp_values(v, k->v1) == 0);
    case KVS_C_NE:
        return !(json_equal((json_t *)v, k->v1) ||
                 (type_rank(v) == 0 && type_rank(k->v1) == 0 && kvs_cmp_values(v, k->v1) == 0));
    case KVS_C_GT: return type_rank(v) == type_rank(k->v1) && kvs_cmp_values(v, k->v1) > 0;
    case KVS_C_GE: return type_rank(v) == type_rank(k->v1) && kvs_cmp_values(v, k->v1) >= 0;
    case KVS_C_LT: return type_rank(v) == type_rank(k->v1) && kvs_cmp_values(v, k->v1) < 0;
    case KVS_C_LE: return type_rank(v) == type_rank(k->v1) && kvs_cmp_values(v, k->v1) <= 0;
    case KVS_C_CONTAINS:
    case KVS_C_NOT_CONTAINS: {
        int has = 0;
        if (json_is_string(v) && json_is_string(k->v1))
            has = memmem(json_string_value(v), json_string_length(v), json_string_value(k->v1),
                         json_string_length(k->v1)) != NULL;
        else if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) has |= json_equal(e, k->v1);
        }
        return k->op == KVS_C_CONTAINS ? has : !has;
    }
    default: return 0;
    }
}

/* ---------------------------------------------------------------- pages */

int kvs_parse_limit(kvs_req_t *c, const json_t *body, int64_t *limit, const char *code)
{
    json_t *l = json_object_get(body, "limit");
    *limit = KVS_QUERY_DEFAULT_LIMIT;
    if (!l || json_is_null(l))
        return 0;
    if (!json_is_integer(l) || json_integer_value(l) < 1 || json_integer_value(l) > KVS_QUERY_MAX_LIMIT)
        return kvs_fail(c, 400, code, "The limit of a query must be between 1 and 100.");
    *limit = json_integer_value(l);
    return 0;
}

void kvs_write_listed(jsonw_t *w, const kvs_rec_t *r, unsigned meta)
{
    jw_obj(w);
    kvs_write_row(w, r, 0, meta);
    jw_obj_end(w);
}

/* ---------------------------------------------------------------- query */

/* Smallest string greater than every string that starts with p: p with its last byte
 * incremented (UTF-8 never holds 0xff); NULL when there is none (p empty). */
static const char *prefix_end(kvs_req_t *c, const char *p)
{
    size_t n = strlen(p);
    if (n == 0)
        return NULL;
    char *e = arena_strndup(c->a, p, n);
    if (!e)
        kiln_oom(n);
    while (n > 0 && (unsigned char)e[n - 1] == 0xff)
        e[--n] = '\0';
    if (n == 0)
        return NULL;
    e[n - 1] = (char)((unsigned char)e[n - 1] + 1);
    return e;
}

int kvs_op_query(kvs_req_t *c, json_t *body, int kind)
{
    int64_t limit;
    if (kvs_parse_limit(c, body, &limit, "LIST_QUERY_LIMIT_EXCEEDED"))
        return -1;
    json_t *where = json_object_get(body, "where");
    const char *after = NULL, *from = NULL, *to = NULL, *cs = json_str(body, "after");
    if (cs) {
        json_t *cur = kvs_cursor_read(c, cs);
        if (!cur)
            return kvs_bad_request(c, "The cursor is not valid.");
        after = json_string_value(json_array_get(cur, 1));
    }
    kvs_cond_t k = {.op = KVS_C__COUNT};
    if (where && !json_is_null(where)) {
        if (!json_is_array(where) || json_array_size(where) != 1)
            return kvs_fail(c, 400, "QUERY_WHERE_INVALID",
                            "KVS queries should contain only a single \"where\" clause.");
        json_t *w0 = json_array_get(where, 0);
        const char *prop = json_str(w0, "property");
        if (!prop || strcmp(prop, "key") != 0)
            return kvs_fail(c, 400, "QUERY_WHERE_FIELD_INVALID", "The specified field is not supported for filters.");
        if (kvs_cond_parse(c, w0, KVS_C_RANGE, 1, &k))
            return -1;
        if (!json_is_string(k.v1) || (k.v2 && !json_is_string(k.v2)))
            return kvs_fail(c, 400, "INVALID_FILTER_VALUES", "Key conditions compare with strings.");
        if (memchr(json_string_value(k.v1), '\0', json_string_length(k.v1)) ||
            (k.v2 && memchr(json_string_value(k.v2), '\0', json_string_length(k.v2))))
            return kvs_fail(c, 400, "INVALID_FILTER_VALUES", "Key conditions must not contain a NUL character.");
        const char *v1 = json_string_value(k.v1);
        switch (k.op) {
        case KVS_C_BEGINS: from = v1, to = prefix_end(c, v1); break;
        case KVS_C_BETWEEN:
        case KVS_C_EQ:
        case KVS_C_GE: from = v1; break;
        case KVS_C_GT:
            if (!after || strcmp(v1, after) > 0)
                after = v1;
            break;
        case KVS_C_LT: to = v1; break;
        default: break;
        }
    }
    kvs_rec_t *rows;
    size_t n;
    if (store_kvs_list(c->st, c->a, &c->own, kind, "", from, to, after, limit + 1, c->now, &rows, &n) != STORE_OK)
        return kvs_store_error(c);
    /* upper bounds that include their value are cut here: rows come in key order */
    for (size_t i = 0; i < n; i++) {
        json_t *kv = json_string(rows[i].key);
        int keep = k.op == KVS_C__COUNT || k.op == KVS_C_BEGINS || k.op == KVS_C_GT || k.op == KVS_C_GE ||
                   k.op == KVS_C_LT || kvs_cond_holds(&k, kv);
        json_decref(kv);
        if (!keep) {
            n = i;
            break;
        }
    }
    buf_t b;
    jsonw_t w;
    kvs_writer(c, &b, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        kvs_write_listed(&w, &rows[i], kvs_meta_fields(body, "options", "metadataFields"));
    jw_arr_end(&w);
    if (n > (size_t)limit)
        jw_kstr(&w, "cursor", kvs_cursor_make(c, NULL, rows[shown - 1].key));
    jw_obj_end(&w);
    return kvs_send(c, 200, &b, &w);
}

/* ---------------------------------------------------------------- an operator's listing */

int kvs_rows(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *prefix,
             const char *after, int64_t limit, int open_secrets, int64_t now_ms, kvs_rec_t **out, size_t *n,
             const char **why)
{
    kvs_reply_t rep;
    kvs_ctx_t ctx = {.site_id = o->site_id, .installation_id = o->installation_id, .now_ms = now_ms};
    kvs_req_t c = {.st = st, .a = a, .ctx = &ctx, .own = *o, .now = now_ms, .out = &rep};
    *why = NULL;
    if (kind == KVS_KIND_ENTITY) { /* only a declared entity, as the app's own calls */
        kvs_item_t it = {.kind = KVS_KIND_ENTITY};
        if (kvs_entity_check_name(&c, &it, entity) != 0) {
            *why = arena_printf(a, "%s: %s", it.err_code, it.err_msg);
            return -2;
        }
    }
    /* the prefix as a range: [prefix, prefix with its last byte raised) */
    size_t pl = strlen(prefix);
    char *to = NULL;
    if (pl && (unsigned char)prefix[pl - 1] < 0xff) {
        to = arena_strdup(a, prefix);
        to[pl - 1]++;
    }
    kvs_rec_t *rows;
    size_t got;
    if (store_kvs_list(st, a, o, kind, entity, pl ? prefix : NULL, to, after, limit, now_ms, &rows, &got) != STORE_OK)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < got; i++) {
        if (strncmp(rows[i].key, prefix, pl) != 0)
            continue;
        if (kind == KVS_KIND_SECRET) {
            if (open_secrets) { /* as the app's own secret/get opens it */
                kvs_item_t it = {.kind = KVS_KIND_SECRET, .entity = "", .key = rows[i].key};
                kvs_rec_t r;
                int rc = kvs_item_load(&c, &it, &r);
                if (rc == STORE_NOTFOUND) /* expired since it was listed */
                    continue;
                if (rc != STORE_OK)
                    return -1;
                rows[i].value = r.value;
                rows[i].value_len = r.value_len;
            } else {
                rows[i].value = NULL;
                rows[i].value_len = 0;
            }
        }
        rows[k++] = rows[i];
    }
    *out = rows;
    *n = k;
    return 0;
}
