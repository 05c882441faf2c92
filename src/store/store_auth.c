/* Forwards the wrapped keys, system tokens family (store/store_auth.h) to the handle's backend. */
#include "store/store_auth.h"

#include "store/store_backend.h"

int store_key_insert(store_t *st, const key_rec_t *k)
{
    int rc = st->be->auth->key_insert(st, k);
    store_note_keys(st);
    return rc;
}

int store_key_get(store_t *st, arena_t *a, const char *id, key_rec_t *out)
{
    return st->be->auth->key_get(st, a, id, out);
}

int store_key_current(store_t *st, arena_t *a, const char *purpose, key_rec_t *out)
{
    return st->be->auth->key_current(st, a, purpose, out);
}

int store_key_retire(store_t *st, const char *purpose, int64_t now_ms)
{
    int rc = st->be->auth->key_retire(st, purpose, now_ms);
    store_note_keys(st);
    return rc;
}

int store_key_list(store_t *st, arena_t *a, const char *purpose, size_t max, key_rec_t **out, size_t *n)
{
    return st->be->auth->key_list(st, a, purpose, max, out, n);
}

int store_systoken_insert(store_t *st, const unsigned char hash[32], const systoken_rec_t *r)
{
    return st->be->auth->systoken_insert(st, hash, r);
}

int store_systoken_lookup(store_t *st, arena_t *a, const unsigned char hash[32], systoken_rec_t *out)
{
    return st->be->auth->systoken_lookup(store_admin(st), a, /* finds the site: admin path */ hash, out);
}

int store_systoken_delete_installation(store_t *st, const char *installation_id)
{
    return st->be->auth->systoken_delete_installation(st, installation_id);
}

int store_systoken_delete_expired(store_t *st, int64_t now_ms)
{
    return st->be->auth->systoken_delete_expired(st, now_ms);
}
