/* Batches and transactions (platform/kvs_int.h): batch/get, batch/set, batch/delete
 * (each item answered on its own) and transaction (all or nothing, with conditions). */
#include <string.h>

#include "base/json.h"
#include "platform/kvs_int.h"

/* ---------------------------------------------------------------- batches */

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

/* Parses a batch: a non-empty array of at most KVS_BATCH_MAX_ITEMS items, no key twice. */
static kvs_item_t *batch_items(kvs_req_t *c, json_t *body, int need_value, size_t *n)
{
    if (!json_is_array(body) || json_array_size(body) == 0) {
        kvs_bad_request(c, "A batch is a non-empty array of items.");
        return NULL;
    }
    if (json_array_size(body) > KVS_BATCH_MAX_ITEMS) {
        kvs_fail(c, 400, "TOO_MANY_ITEMS", "A batch holds at most 25 items.");
        return NULL;
    }
    *n = json_array_size(body);
    kvs_item_t *items = arena_calloc(c->a, *n * sizeof *items);
    for (size_t i = 0; i < *n; i++) {
        kvs_item_read(c, json_array_get(body, i), KVS_KIND_PLAIN, need_value, &items[i]);
        for (size_t j = 0; j < i; j++)
            if (items[i].key && items[j].key && strcmp(items[i].key, items[j].key) == 0 &&
                strcmp(items[i].entity, items[j].entity) == 0) {
                kvs_fail(c, 400, "DUPLICATE_KEYS", "Each key may appear only once in a batch.");
                return NULL;
            }
    }
    return items;
}

int kvs_op_batch_set(kvs_req_t *c, json_t *body, int kind)
{
    size_t n;
    kvs_item_t *items = batch_items(c, body, 1, &n);
    if (!items)
        return -1;
    if (kvs_tx_begin(c) != STORE_OK)
        return kvs_store_error(c);
    for (size_t i = 0; i < n; i++) {
        if (!items[i].err_code && kvs_item_save(c, &items[i]) != STORE_OK) {
            kvs_tx_rollback(c);
            return kvs_store_error(c);
        }
    }
    if (kvs_tx_commit(c) != STORE_OK)
        return kvs_store_error(c);
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
        jw_kstr(&w, "key", items[i].key);
        if (items[i].kind == KVS_KIND_ENTITY)
            jw_kstr(&w, "entityName", items[i].entity);
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

int kvs_op_batch_get(kvs_req_t *c, json_t *body, int kind)
{
    size_t n;
    kvs_item_t *items = batch_items(c, body, 0, &n);
    if (!items)
        return -1;
    kvs_rec_t *rows = arena_calloc(c->a, n * sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        if (items[i].err_code)
            continue;
        int rc = kvs_item_load(c, &items[i], &rows[i]);
        if (rc == STORE_NOTFOUND) {
            items[i].err_code = "KEY_NOT_FOUND";
            items[i].err_msg = "Key does not exist";
        } else if (rc != STORE_OK) {
            return kvs_store_error(c);
        }
    }
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
        kvs_write_row(&w, &rows[i], 1, kvs_meta_fields(json_array_get(body, i), "options", "metadataFields"));
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

int kvs_op_batch_delete(kvs_req_t *c, json_t *body, int kind)
{
    size_t n;
    kvs_item_t *items = batch_items(c, body, 0, &n);
    if (!items)
        return -1;
    if (kvs_tx_begin(c) != STORE_OK)
        return kvs_store_error(c);
    for (size_t i = 0; i < n; i++) {
        if (items[i].err_code)
            continue;
        int rc = store_kvs_delete(c->st, &c->own, items[i].kind, items[i].entity, items[i].key, c->now);
        if (rc == STORE_NOTFOUND) {
            items[i].err_code = "KEY_NOT_FOUND";
            items[i].err_msg = "Key does not exist";
        } else if (rc != STORE_OK) {
            kvs_tx_rollback(c);
            return kvs_store_error(c);
        }
    }
    if (kvs_tx_commit(c) != STORE_OK)
        return kvs_store_error(c);
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
        jw_kstr(&w, "key", items[i].key);
        if (items[i].kind == KVS_KIND_ENTITY)
            jw_kstr(&w, "entityName", items[i].entity);
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

/* ---------------------------------------------------------------- transactions */

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
    size_t len = c->body_len;
    if (len > KVS_TX_MAX_BYTES)
        return kvs_fail(c, 400, "PAYLOAD_TOO_LARGE", "A transaction is limited to a payload of 4MB.");
    static const char *const parts[] = {"set", "delete", "check"};
    size_t total = 0;
    for (int p = 0; p < 3; p++) {
        json_t *l = json_object_get(body, parts[p]);
        if (l && !json_is_null(l) && !json_is_array(l))
            return kvs_bad_request(c, "set, delete and check are arrays");
        total += json_array_size(l);
    }
    if (total == 0)
        return kvs_bad_request(c, "A transaction needs at least one operation.");
    if (total > KVS_TX_MAX_OPS)
        return kvs_fail(c, 400, "TOO_MANY_OPERATIONS", "Each transaction can contain a maximum of 25 operations.");
    kvs_item_t *items = arena_calloc(c->a, total * sizeof *items);
    json_t **conds = arena_calloc(c->a, total * sizeof *conds);
    int *part = arena_calloc(c->a, total * sizeof *part);
    size_t n = 0;
    for (int p = 0; p < 3; p++) {
        json_t *l = json_object_get(body, parts[p]), *o;
        size_t i;
        json_array_foreach(l, i, o)
        {
            if (kvs_item_read(c, o, KVS_KIND_PLAIN, p == 0, &items[n]))
                return kvs_item_fail(c, &items[n]);
            if (p == 2 && items[n].kind != KVS_KIND_ENTITY)
                return kvs_bad_request(c, "a check names an entity");
            for (size_t j = 0; j < n; j++)
                if (strcmp(items[j].key, items[n].key) == 0 && strcmp(items[j].entity, items[n].entity) == 0)
                    return kvs_fail(c, 400, "DUPLICATE_KEYS", "Each key can only be used once in a transaction.");
            conds[n] = json_object_get(o, "conditions");
            part[n++] = p;
        }
    }
    if (kvs_tx_begin(c) != STORE_OK)
        return kvs_store_error(c);
    for (size_t i = 0; i < n; i++) {
        int err;
        if (!conditions_hold(c, &items[i], conds[i], &err)) {
            kvs_tx_rollback(c);
            return err ? -1
                       : kvs_fail(c, 409, "CONDITION_CHECK_FAILED", "A condition of the transaction did not hold.");
        }
    }
    int rc = STORE_OK;
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        if (part[i] == 0)
            rc = kvs_item_save(c, &items[i]);
        else if (part[i] == 1) {
            rc = store_kvs_delete(c->st, &c->own, items[i].kind, items[i].entity, items[i].key, c->now);
            if (rc == STORE_NOTFOUND)
                rc = STORE_OK;
        }
    }
    if (rc == STORE_OK)
        rc = kvs_tx_commit(c);
    else
        kvs_tx_rollback(c);
    if (rc != STORE_OK)
        return kvs_store_error(c);
    return kvs_no_content(c);
}
