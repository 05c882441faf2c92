/* Forwards the sessions family (store/store_sessions.h) to the handle's backend. */
#include "store/store_sessions.h"

#include "store/store_backend.h"

int store_session_insert(store_t *st, const unsigned char hash[32], const session_rec_t *s)
{
    return st->be->sessions->insert(st, hash, s);
}

int store_session_lookup(store_t *st, arena_t *a, const unsigned char hash[32], session_rec_t *out)
{
    return st->be->sessions->lookup(store_admin(st), a, /* finds the site: admin path */ hash, out);
}

int store_session_touch(store_t *st, const unsigned char hash[32], int64_t now_ms)
{
    return st->be->sessions->touch(st, hash, now_ms);
}

int store_session_delete(store_t *st, const unsigned char hash[32])
{
    int rc = st->be->sessions->del(st, hash);
    store_note_auth(st, 0);
    return rc;
}

int store_session_purge(store_t *st, int64_t now_ms, int64_t idle_before_ms, int64_t *deleted)
{
    int64_t n = 0;
    int rc = st->be->sessions->purge(st, now_ms, idle_before_ms, &n);
    if (n > 0 || rc != STORE_OK)
        store_note_auth(st, 0);
    if (deleted)
        *deleted = n;
    return rc;
}

int store_login_link_insert(store_t *st, const unsigned char hash[32], int64_t site_id, const char *account_id,
                            int64_t created_ms, int64_t expires_ms)
{
    return st->be->sessions->link_insert(st, hash, site_id, account_id, created_ms, expires_ms);
}

int store_login_link_consume(store_t *st, arena_t *a, const unsigned char hash[32], int64_t site_id, int64_t now_ms,
                             const char **account_id)
{
    return st->be->sessions->link_consume(st, a, hash, site_id, now_ms, account_id);
}

int store_login_link_purge(store_t *st, int64_t now_ms)
{
    return st->be->sessions->link_purge(st, now_ms);
}
