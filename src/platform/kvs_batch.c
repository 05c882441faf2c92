/* Batches and transactions (platform/kvs_int.h). One walker reads the items of either
 * (each checked as kvs_item_read checks it, no key twice); a batch applies one action to
 * each valid item and answers through one writer, successes and failures item by item; a
 * transaction checks its conditions and applies its sets and deletes all or nothing. */
#include <string.h>

#include "base/json.h"
#include "platform/kvs_int.h"
#include "store/store_kvs.h"

/* ---------------------------------------------------------------- actions on one item */

/* STORE_OK; STORE_NOTFOUND: the item's key has no value (the item fails, KEY_NOT_FOUND);
 * another code: the store failed. */
typedef int (*apply_fn)(kvs_req_t *c, const kvs_item_t *it, kvs_rec_t *row);

static int apply_get(kvs_req_t *c, const kvs_item_t *it, kvs_rec_t *row)
{
    return kvs_item_load(c, it, row);
}

static int apply_set(kvs_req_t *c, const kvs_item_t *it, kvs_rec_t *row)
{
    int rc = kvs_item_save(c, it);
    return rc == STORE_NOTFOUND ? STORE_ERROR : rc; /* a write that misses is the store's failure */
}

static int apply_delete(kvs_req_t *c, const kvs_item_t *it, kvs_rec_t *row)
{
    return store_kvs_delete(c->st, &c->own, it->kind, it->entity, it->key, c->now);
}

/* ---------------------------------------------------------------- the item walker */

typedef struct walk {
    int kind;            /* the items' kind unless they name an entity (kvs_item_read) */
    int need_value;      /* sets: each item carries a value */
    int need_entity;     /* each item names an entity (a transaction's checks) */
    int strict;          /* an invalid item fails the request (transactions); else its
                            error stays in it and a batch answers it in failedKeys */
    const char *dup_msg; /* the DUPLICATE_KEYS message */
} walk_t;

/* Reads the items of the JSON array `list` into items[*n], items[*n + 1], ..., each
 * checked against every item before it (of this list or an earlier one): the same key of
 * the same entity twice fails the request. 0, or -1 with the reply set. */
static int read_items(kvs_req_t *c, const json_t *list, const walk_t *how, kvs_item_t *items, size_t *n)
{
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        kvs_item_t *it = &items[*n];
        if (kvs_item_read(c, o, how->kind, how->need_value, it) && how->strict)
            return kvs_item_fail(c, it);
        if (how->need_entity && it->kind != KVS_KIND_ENTITY)
            return kvs_bad_request(c, "a check names an entity");
        for (size_t j = 0; j < *n; j++)
            if (strcmp(items[j].key, it->key) == 0 && strcmp(items[j].entity, it->entity) == 0)
                return kvs_fail(c, 400, "DUPLICATE_KEYS", how->dup_msg);
        (*n)++;
    }
    return 0;
}

/* ---------------------------------------------------------------- batches */

typedef struct batch {
    int need_value; /* batch/set */
    int in_tx;      /* writes: every item in one transaction */
    apply_fn apply;
    int rows; /* batch/get: a success answers with its row */
} batch_t;

static const batch_t batch_get = {0, 0, apply_get, 1};
static const batch_t batch_set = {1, 1, apply_set, 0};
static const batch_t batch_delete = {0, 1, apply_delete, 0};

static void write_failed(jsonw_t *w, const kvs_item_t *it)
{
    jw_obj(w);
    jw_kstr(w, "key", it->key ? it->key : "");
    if (it->kind == KVS_KIND_ENTITY && it->entity[0])
        jw_kstr(w, "entityName", it->entity);
    jw_key(w, "error");
    jw_obj(w);
    jw_kstr(w, "code", it->err_code);
    jw_kstr(w, "message", it->err_msg);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* 200 {successfulKeys: [...], failedKeys: [{key, entityName?, error: {code, message}}]}.
 * A success is its row with the metadata its item asked for (with rows), else
 * {key, entityName?}. */
static int write_batch(kvs_req_t *c, const kvs_item_t *items, const kvs_rec_t *rows, size_t n)
{
    buf_t b;
    jsonw_t w;
    kvs_writer(c, &b, &w);
    jw_obj(&w);
    jw_key(&w, "successfulKeys");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        if (items[i].err_code)
            continue;
        jw_obj(&w);
        if (rows) {
            kvs_write_row(&w, &rows[i], 1, kvs_meta_fields(items[i].src, "options", "metadataFields"));
        } else {
            jw_kstr(&w, "key", items[i].key);
            if (items[i].kind == KVS_KIND_ENTITY)
                jw_kstr(&w, "entityName", items[i].entity);
        }
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "failedKeys");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++)
        if (items[i].err_code)
            write_failed(&w, &items[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    return kvs_send(c, 200, &b, &w);
}

/* A non-empty array of at most KVS_BATCH_MAX_ITEMS items, no key twice; op->apply on each
 * valid one. */
static int run_batch(kvs_req_t *c, json_t *body, int kind, const batch_t *op)
{
    const walk_t how = {
        .kind = kind, .need_value = op->need_value, .dup_msg = "Each key may appear only once in a batch."};
    size_t n = 0;
    if (!json_is_array(body) || json_array_size(body) == 0)
        return kvs_bad_request(c, "A batch is a non-empty array of items.");
    if (json_array_size(body) > KVS_BATCH_MAX_ITEMS)
        return kvs_fail(c, 400, "TOO_MANY_ITEMS", "A batch holds at most 25 items.");
    kvs_item_t *items = arena_calloc(c->a, json_array_size(body) * sizeof *items);
    if (read_items(c, body, &how, items, &n))
        return -1;
    kvs_rec_t *rows = op->rows ? arena_calloc(c->a, n * sizeof *rows) : NULL;
    if (op->in_tx && kvs_tx_begin(c) != STORE_OK)
        return kvs_store_error(c);
    for (size_t i = 0; i < n; i++) {
        if (items[i].err_code)
            continue;
        int rc = op->apply(c, &items[i], rows ? &rows[i] : NULL);
        if (rc == STORE_NOTFOUND) {
            items[i].err_code = "KEY_NOT_FOUND";
            items[i].err_msg = "Key does not exist";
        } else if (rc != STORE_OK) {
            if (op->in_tx)
                kvs_tx_rollback(c);
            return kvs_store_error(c);
        }
    }
    if (op->in_tx && kvs_tx_commit(c) != STORE_OK)
        return kvs_store_error(c);
    return write_batch(c, items, rows, n);
}

int kvs_op_batch_get(kvs_req_t *c, json_t *body, int kind)
{
    return run_batch(c, body, kind, &batch_get);
}

int kvs_op_batch_set(kvs_req_t *c, json_t *body, int kind)
{
    return run_batch(c, body, kind, &batch_set);
}

int kvs_op_batch_delete(kvs_req_t *c, json_t *body, int kind)
{
    return run_batch(c, body, kind, &batch_delete);
}

/* ---------------------------------------------------------------- transactions */

/* The lists of a transaction, read and applied in this order; a delete of a missing key
 * is done, a check applies nothing. */
static const struct part {
    const char *name;
    int need_value, need_entity;
    apply_fn apply;
} parts[] = {{"set", 1, 0, apply_set}, {"delete", 0, 0, apply_delete}, {"check", 0, 1, NULL}};
#define N_PARTS (sizeof parts / sizeof parts[0])

/* conditions {and|or: [...]} on an entity item's stored value; 1 if they hold. */
static int conditions_hold(kvs_req_t *c, const kvs_item_t *it, const json_t *conds, int *err)
{
    *err = 0;
    if (!conds || json_is_null(conds))
        return 1;
    json_t *list = json_object_get(conds, "and");
    int any_mode = 0;
    if (!list && (list = json_object_get(conds, "or")))
        any_mode = 1;
    if (!json_is_array(list)) {
        *err = kvs_bad_request(c, "conditions hold an \"and\" or \"or\" list");
        return 0;
    }
    if (json_array_size(list) == 0)
        return 1;
    kvs_rec_t r;
    json_t *doc = NULL;
    int rc = kvs_item_load(c, it, &r);
    if (rc == STORE_OK) {
        json_err_t e;
        doc = json_parse_arena(c->a, r.value, r.value_len, KVS_BODY_PARSE_DEPTH, &e);
    } else if (rc != STORE_NOTFOUND) {
        *err = kvs_store_error(c);
        return 0;
    }
    int any = 0, all = 1;
    for (size_t i = 0; i < json_array_size(list); i++) {
        kvs_cond_t k;
        if (kvs_cond_parse(c, json_array_get(list, i), ~0u, 1, &k)) {
            *err = -1;
            return 0;
        }
        int h = kvs_cond_holds(&k, doc ? json_object_get(doc, k.property) : NULL);
        any |= h;
        all &= h;
    }
    return any_mode ? any : all;
}

int kvs_op_transaction(kvs_req_t *c, json_t *body, int kind)
{
    if (c->body_len > KVS_TX_MAX_BYTES)
        return kvs_fail(c, 400, "PAYLOAD_TOO_LARGE", "A transaction is limited to a payload of 4MB.");
    size_t total = 0;
    for (size_t p = 0; p < N_PARTS; p++) {
        json_t *l = json_object_get(body, parts[p].name);
        if (l && !json_is_null(l) && !json_is_array(l))
            return kvs_bad_request(c, "set, delete and check are arrays");
        total += json_array_size(l);
    }
    if (total == 0)
        return kvs_bad_request(c, "A transaction needs at least one operation.");
    if (total > KVS_TX_MAX_OPS)
        return kvs_fail(c, 400, "TOO_MANY_OPERATIONS", "Each transaction can contain a maximum of 25 operations.");
    kvs_item_t *items = arena_calloc(c->a, total * sizeof *items);
    const struct part **part = arena_calloc(c->a, total * sizeof *part);
    size_t n = 0;
    for (size_t p = 0; p < N_PARTS; p++) {
        const walk_t how = {.kind = kind,
                            .need_value = parts[p].need_value,
                            .need_entity = parts[p].need_entity,
                            .strict = 1,
                            .dup_msg = "Each key can only be used once in a transaction."};
        size_t first = n;
        if (read_items(c, json_object_get(body, parts[p].name), &how, items, &n))
            return -1;
        while (first < n)
            part[first++] = &parts[p];
    }
    if (kvs_tx_begin(c) != STORE_OK)
        return kvs_store_error(c);
    for (size_t i = 0; i < n; i++) {
        int err;
        if (!conditions_hold(c, &items[i], json_object_get(items[i].src, "conditions"), &err)) {
            kvs_tx_rollback(c);
            return err ? -1
                       : kvs_fail(c, 409, "CONDITION_CHECK_FAILED", "A condition of the transaction did not hold.");
        }
    }
    int rc = STORE_OK;
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        if (part[i]->apply)
            rc = part[i]->apply(c, &items[i], NULL);
        if (rc == STORE_NOTFOUND)
            rc = STORE_OK;
    }
    if (rc == STORE_OK)
        rc = kvs_tx_commit(c);
    else
        kvs_tx_rollback(c);
    if (rc != STORE_OK)
        return kvs_store_error(c);
    return kvs_no_content(c);
}
