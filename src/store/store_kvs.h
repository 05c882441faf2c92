/* The store's app storage family (platform/kvs.h, docs/kvs.md): key-value pairs,
 * custom entities and secrets an app keeps per installation. Table: kvs.
 *
 * Every row belongs to one (site, installation): both lead the primary key and every
 * function takes them; there is no function that reads rows across installations.
 * Expired rows (expire_ms <= now_ms) are never returned and count as absent. */
#ifndef KILN_STORE_KVS_H
#define KILN_STORE_KVS_H

#include "store/store.h"

enum { KVS_KIND_PLAIN = 0, KVS_KIND_SECRET = 1, KVS_KIND_ENTITY = 2 };

typedef struct kvs_rec {
    int kind;           /* KVS_KIND_* */
    const char *entity; /* entity name for KVS_KIND_ENTITY, else "" */
    const char *key;
    const char *value; /* JSON text, or sealed bytes for secrets */
    size_t value_len;
    int64_t created_ms, updated_ms;
    int64_t expire_ms; /* 0: none */
} kvs_rec_t;

typedef struct kvs_owner {
    int64_t site_id;
    const char *installation_id;
} kvs_owner_t;

/* The live row of (kind, entity, key); STORE_NOTFOUND if absent or expired. */
int store_kvs_get(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *key,
                  int64_t now_ms, kvs_rec_t *out);
/* The live rows of n keys of (kind, entity) at once, in as few round trips as
 * STORE_KVS_GET_MANY keys a statement allow: out[i] and rc[i] (STORE_OK or STORE_NOTFOUND)
 * answer keys[i] (a key named twice gets its row twice). STORE_OK, or the store's error
 * (out and rc then unset). */
#define STORE_KVS_GET_MANY 16
int store_kvs_get_many(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity,
                       const char *const *keys, size_t n, int64_t now_ms, kvs_rec_t *out, int *rc);
/* Writes r (created_ms is kept from a live row with the same key, else r->created_ms). */
int store_kvs_put(store_t *st, const kvs_owner_t *o, const kvs_rec_t *r, int64_t now_ms);
/* Deletes the live row; STORE_NOTFOUND if there was none (an expired one is removed too). */
int store_kvs_delete(store_t *st, const kvs_owner_t *o, int kind, const char *entity, const char *key, int64_t now_ms);
/* Live rows of (kind, entity) in key order with from <= key < to (either NULL: open) and
 * key > after (NULL: from the start); at most max. */
int store_kvs_list(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *from,
                   const char *to, const char *after, int64_t max, int64_t now_ms, kvs_rec_t **out, size_t *n);
/* Removes up to max expired rows of any installation; *removed counts them. */
int store_kvs_expire(store_t *st, int64_t now_ms, int64_t max, int64_t *removed);

#endif
