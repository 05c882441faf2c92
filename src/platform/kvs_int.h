/* App storage's internals, shared by src/platform/kvs*.c only (the public contract is
 * platform/kvs.h; kvs_writer.c is the group-commit writer, a caller of kvs_call):
 *
 *   kvs.c         the call: rate limit, scope, the table of operations, the body's
 *                 checks, savepoints; replies and transactions every operation uses
 *   kvs_item.c    one key a request names: Forge's key rules, value limits, TTL
 *   kvs_value.c   get, set and delete of one key (plain, secret or entity), secrets
 *                 sealed at rest, the row writer
 *   kvs_query.c   `query` over keys; the conditions and cursors queries share
 *   kvs_entity.c  custom entities: declarations, typed values, `entity/query`
 *   kvs_batch.c   batch/get, batch/set, batch/delete and transaction: one item walker,
 *                 one reply writer
 *
 * An operation returns 0, or -1 with the reply already set; the reply helpers below set
 * it and return -1 (kvs_store_error also marks the call as failed: kvs_call returns -1).
 * Everything lives in the call's arena. */
#ifndef KILN_KVS_INT_H
#define KILN_KVS_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "platform/kvs.h"
#include "store/store_kvs.h"

#define KVS_BODY_PARSE_DEPTH 64 /* the request; values are then held to KVS_VALUE_MAX_DEPTH */

/* One kvs_call. */
typedef struct kvs_req {
    store_t *st;
    arena_t *a;
    const kvs_ctx_t *ctx;
    kvs_owner_t own; /* every store call's (site, installation), from ctx */
    int64_t now;
    kvs_reply_t *out;
    json_t *entities; /* app.storage.entities, loaded on first use (kvs_entity.c) */
    int entities_loaded;
    int store_failed;
    size_t body_len;
    /* a plain key's row read ahead with others' (kvs_call_reads): kvs_item_load answers
       that key with ahead_rc and ahead_row instead of asking the store */
    const char *ahead_key;
    int ahead_rc;
    kvs_rec_t ahead_row;
} kvs_req_t;

/* One key a request addresses: plain, secret or entity. */
typedef struct kvs_item {
    int kind;           /* KVS_KIND_* */
    const char *entity; /* "" unless kind is entity */
    const char *key;    /* never NULL once read ("" when the request had none) */
    const json_t *src;  /* the item's object in the request */
    json_t *value;      /* set: the value */
    const char *json;   /* set: its compact JSON */
    size_t json_len;
    int64_t expire_ms;    /* set: 0 or the TTL's end */
    const char *err_code; /* why the item failed (batches answer it per item), or NULL */
    const char *err_msg;
} kvs_item_t;

/* ---- replies (kvs.c) */

/* {code, message} with `status`; returns -1. */
int kvs_fail(kvs_req_t *c, int status, const char *code, const char *msg);
/* 400 BAD_REQUEST; returns -1. */
int kvs_bad_request(kvs_req_t *c, const char *msg);
/* 500, and kvs_call returns -1; returns -1. */
int kvs_store_error(kvs_req_t *c);
/* 204 without a body; returns 0. */
int kvs_no_content(kvs_req_t *c);
/* Opens a JSON writer for a 200-style answer (capped at the reply's maximum). */
void kvs_writer(kvs_req_t *c, buf_t *b, jsonw_t *w);
/* Answers with what the writer wrote (500 if it did not fit); 0 or -1. */
int kvs_send(kvs_req_t *c, int status, buf_t *b, jsonw_t *w);

/* ---- the operation's transaction (kvs.c): its own, or in grouped mode (ctx->grouped)
 * none, since the caller's open transaction holds it and kvs_call wraps the operation in
 * a savepoint instead */

int kvs_tx_begin(kvs_req_t *c);
int kvs_tx_commit(kvs_req_t *c);
void kvs_tx_rollback(kvs_req_t *c);

/* ---- items (kvs_item.c) */

/* Reads {key, entityName?, value?, options?} of kind `kind_default` (entity when
 * entityName is set on a plain one: batches and transactions mix them). need_value: a
 * set (value and TTL checked). Returns 0, or -1 with the reason in it->err_*. */
int kvs_item_read(kvs_req_t *c, const json_t *o, int kind_default, int need_value, kvs_item_t *it);
/* Answers an item's failure (404 for KEY_NOT_FOUND, else 400); returns -1. */
int kvs_item_fail(kvs_req_t *c, const kvs_item_t *it);

/* ---- rows (kvs_value.c) */

/* The item's row (a secret opened); STORE_* code. */
int kvs_item_load(kvs_req_t *c, const kvs_item_t *it, kvs_rec_t *r);
/* Writes the item (a secret sealed); STORE_* code. */
int kvs_item_save(kvs_req_t *c, const kvs_item_t *it);

enum { KVS_META_CREATED = 1, KVS_META_UPDATED = 2, KVS_META_EXPIRE = 4 };
/* The metadata fields a request asks for in o[options][field] (e.g. metadataFields). */
unsigned kvs_meta_fields(const json_t *o, const char *options, const char *field);
/* Writes key, entityName (with_entity, for entities), value and the `meta` fields of a
 * row into an open object. */
void kvs_write_row(jsonw_t *w, const kvs_rec_t *r, int with_entity, unsigned meta);

/* ---- conditions, cursors, limits (kvs_query.c) */

enum kvs_cond_op {
    KVS_C_BEGINS,
    KVS_C_BETWEEN,
    KVS_C_EQ,
    KVS_C_NE,
    KVS_C_GT,
    KVS_C_GE,
    KVS_C_LT,
    KVS_C_LE,
    KVS_C_CONTAINS,
    KVS_C_NOT_CONTAINS,
    KVS_C_EXISTS,
    KVS_C_NOT_EXISTS,
    KVS_C__COUNT /* none */
};
/* What a key query and an index range allow. */
#define KVS_C_RANGE                                                                                                    \
    (1u << KVS_C_BEGINS | 1u << KVS_C_BETWEEN | 1u << KVS_C_EQ | 1u << KVS_C_GT | 1u << KVS_C_GE | 1u << KVS_C_LT |    \
     1u << KVS_C_LE)

typedef struct kvs_cond {
    enum kvs_cond_op op;
    const char *property;
    json_t *v1, *v2;
} kvs_cond_t;

/* Parses {property?, condition, values}; allowed: a bitmask of enum kvs_cond_op. */
int kvs_cond_parse(kvs_req_t *c, const json_t *o, unsigned allowed, int need_property, kvs_cond_t *out);
/* 1 if the condition holds for v (NULL: absent). */
int kvs_cond_holds(const kvs_cond_t *k, const json_t *v);
/* Orders scalars for ranges and sorting: numbers < strings < booleans. */
int kvs_cmp_values(const json_t *a, const json_t *b);
/* body.limit (default KVS_QUERY_DEFAULT_LIMIT), refused with `code` out of 1..100. */
int kvs_parse_limit(kvs_req_t *c, const json_t *body, int64_t *limit, const char *code);
/* An opaque cursor for (sort_value, key). */
const char *kvs_cursor_make(kvs_req_t *c, const json_t *sort_value, const char *key);
/* The [sortValue, key] of a cursor; NULL if it is not one of ours. */
json_t *kvs_cursor_read(kvs_req_t *c, const char *cur);
/* Writes {key, value, meta...} as an item of a query's `data`. */
void kvs_write_listed(jsonw_t *w, const kvs_rec_t *r, unsigned meta);

/* ---- custom entities (kvs_entity.c) */

/* The declaration of entity `name` in app.storage.entities, or NULL. */
json_t *kvs_entity_decl(kvs_req_t *c, const char *name);
/* Forge's rules for an entity name, and that the manifest declares it; 0 or -1 with
 * it->err_*. */
int kvs_entity_check_name(kvs_req_t *c, kvs_item_t *it, const char *name);
/* An entity value is an object whose declared attributes have their types; 0 or -1. */
int kvs_entity_check_value(kvs_req_t *c, kvs_item_t *it);

/* ---- the operations (kvs.c's table), each given the request body and the kind of key
 * its name addresses */

int kvs_op_get(kvs_req_t *c, json_t *body, int kind);    /* kvs_value.c */
int kvs_op_set(kvs_req_t *c, json_t *body, int kind);    /* kvs_value.c */
int kvs_op_delete(kvs_req_t *c, json_t *body, int kind); /* kvs_value.c */
int kvs_op_query(kvs_req_t *c, json_t *body, int kind);  /* kvs_query.c */
int kvs_op_entity_query(kvs_req_t *c, json_t *body, int kind);
int kvs_op_batch_get(kvs_req_t *c, json_t *body, int kind); /* kvs_batch.c */
int kvs_op_batch_set(kvs_req_t *c, json_t *body, int kind);
int kvs_op_batch_delete(kvs_req_t *c, json_t *body, int kind);
int kvs_op_transaction(kvs_req_t *c, json_t *body, int kind);

#endif
