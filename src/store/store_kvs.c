/* Forwards the app storage family (store/store_kvs.h) to the handle's backend. */
#include "store/store_kvs.h"

#include "store/store_backend.h"

int store_kvs_get(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *key,
                  int64_t now_ms, kvs_rec_t *out)
{
    return st->be->kvs->kvs_get(st, a, o, kind, entity, key, now_ms, out);
}

int store_kvs_get_many(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity,
                       const char *const *keys, size_t n, int64_t now_ms, kvs_rec_t *out, int *rc)
{
    return st->be->kvs->kvs_get_many(st, a, o, kind, entity, keys, n, now_ms, out, rc);
}

int store_kvs_put(store_t *st, const kvs_owner_t *o, const kvs_rec_t *r, int64_t now_ms)
{
    return st->be->kvs->kvs_put(st, o, r, now_ms);
}

int store_kvs_delete(store_t *st, const kvs_owner_t *o, int kind, const char *entity, const char *key, int64_t now_ms)
{
    return st->be->kvs->kvs_delete(st, o, kind, entity, key, now_ms);
}

int store_kvs_list(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *from,
                   const char *to, const char *after, int64_t max, int64_t now_ms, kvs_rec_t **out, size_t *n)
{
    return st->be->kvs->kvs_list(st, a, o, kind, entity, from, to, after, max, now_ms, out, n);
}

int store_kvs_expire(store_t *st, int64_t now_ms, int64_t max, int64_t *removed)
{
    return st->be->kvs->kvs_expire(st, now_ms, max, removed);
}
