/* The store's auth family (store/store_auth.h) on SQLite: wrapped data keys and the
 * hashes of app system tokens. Tables: keys, system_tokens. */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_auth.h"

enum q {
    Q_KEY_INSERT,
    Q_KEY_GET,
    Q_KEY_CURRENT,
    Q_KEY_RETIRE,
    Q_KEY_LIST,
    Q_SYSTOKEN_INSERT,
    Q_SYSTOKEN_LOOKUP,
    Q_SYSTOKEN_DELETE_INSTALL,
    Q_SYSTOKEN_DELETE_EXPIRED,
    Q__COUNT
};

#define KEY_COLS "id, purpose, wrapped, created_ms, retired_ms"

static const char *const sql[Q__COUNT] = {
    [Q_KEY_INSERT] = "INSERT INTO keys (id, purpose, wrapped, created_ms) VALUES (?1, ?2, ?3, ?4)",
    [Q_KEY_GET] = "SELECT " KEY_COLS " FROM keys WHERE id = ?1",
    [Q_KEY_CURRENT] = "SELECT " KEY_COLS " FROM keys WHERE purpose = ?1 AND retired_ms IS NULL "
                      "ORDER BY created_ms DESC, id LIMIT 1",
    [Q_KEY_RETIRE] = "UPDATE keys SET retired_ms = ?2 WHERE purpose = ?1 AND retired_ms IS NULL",
    [Q_KEY_LIST] = "SELECT " KEY_COLS " FROM keys WHERE purpose = ?1 ORDER BY created_ms DESC, id LIMIT ?2",
    [Q_SYSTOKEN_INSERT] = "INSERT INTO system_tokens (token_hash, installation_id, site_id, created_ms, expires_ms) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_SYSTOKEN_LOOKUP] = "SELECT installation_id, site_id, created_ms, expires_ms FROM system_tokens "
                          "WHERE token_hash = ?1",
    [Q_SYSTOKEN_DELETE_INSTALL] = "DELETE FROM system_tokens WHERE installation_id = ?1",
    [Q_SYSTOKEN_DELETE_EXPIRED] = "DELETE FROM system_tokens WHERE expires_ms < ?1",
};

static const sq_sql_t statements = {SQ_AUTH, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

/* ---- the key store ---- */

static void read_key(arena_t *a, sqlite3_stmt *q, key_rec_t *k)
{
    k->id = sq_col_str(a, q, 0);
    k->purpose = sq_col_str(a, q, 1);
    k->wrapped_len = (size_t)sqlite3_column_bytes(q, 2);
    unsigned char *w = arena_alloc(a, k->wrapped_len + 1);
    if (!w)
        kiln_oom(k->wrapped_len);
    if (k->wrapped_len)
        memcpy(w, sqlite3_column_blob(q, 2), k->wrapped_len);
    k->wrapped = w;
    k->created_ms = sqlite3_column_int64(q, 3);
    k->retired_ms = sqlite3_column_type(q, 4) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 4);
}

static int one_key(store_t *st, arena_t *a, sqlite3_stmt *q, key_rec_t *out)
{
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? (read_key(a, q, out), STORE_OK) : rc == SQLITE_DONE ? STORE_NOTFOUND : sq_rc(st, rc);
    sq_done(q);
    return r;
}

static int sq_key_insert(store_t *st, const key_rec_t *k)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_INSERT);
    sq_bind_text(q, 1, k->id);
    sq_bind_text(q, 2, k->purpose);
    sqlite3_bind_blob(q, 3, k->wrapped, (int)k->wrapped_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, k->created_ms);
    return sq_write1(st, q);
}

static int sq_key_get(store_t *st, arena_t *a, const char *id, key_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_GET);
    sq_bind_text(q, 1, id);
    return one_key(st, a, q, out);
}

static int sq_key_current(store_t *st, arena_t *a, const char *purpose, key_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_CURRENT);
    sq_bind_text(q, 1, purpose);
    return one_key(st, a, q, out);
}

static int sq_key_retire(store_t *st, const char *purpose, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_RETIRE);
    sq_bind_text(q, 1, purpose);
    sqlite3_bind_int64(q, 2, now);
    return sq_write1(st, q);
}

static void read_key_item(arena_t *a, sqlite3_stmt *q, void *p)
{
    read_key(a, q, p);
}

static int sq_key_list(store_t *st, arena_t *a, const char *purpose, size_t max, key_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_LIST);
    sq_bind_text(q, 1, purpose);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
    return sq_collect(st, a, q, sizeof **out, read_key_item, (void **)out, n);
}

/* ---- app system tokens ---- */

static int sq_systoken_insert(store_t *st, const unsigned char *hash, const systoken_rec_t *r)
{
    sqlite3_stmt *q = stmt(st, Q_SYSTOKEN_INSERT);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    sq_bind_text(q, 2, r->installation_id);
    sqlite3_bind_int64(q, 3, r->site_id);
    sqlite3_bind_int64(q, 4, r->created_ms);
    sqlite3_bind_int64(q, 5, r->expires_ms);
    return sq_write1(st, q);
}

static int sq_systoken_lookup(store_t *st, arena_t *a, const unsigned char *hash, systoken_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_SYSTOKEN_LOOKUP);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int r = STORE_NOTFOUND;
    if (rc == SQLITE_ROW) {
        out->installation_id = sq_col_str(a, q, 0);
        out->site_id = sqlite3_column_int64(q, 1);
        out->created_ms = sqlite3_column_int64(q, 2);
        out->expires_ms = sqlite3_column_int64(q, 3);
        r = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        r = sq_rc(st, rc);
    }
    sq_done(q);
    return r;
}

static int sq_systoken_delete_installation(store_t *st, const char *id)
{
    sqlite3_stmt *q = stmt(st, Q_SYSTOKEN_DELETE_INSTALL);
    sq_bind_text(q, 1, id);
    return sq_write1(st, q);
}

static int sq_systoken_delete_expired(store_t *st, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_SYSTOKEN_DELETE_EXPIRED);
    sqlite3_bind_int64(q, 1, now);
    return sq_write1(st, q);
}

const store_auth_ops_t sq_auth_ops = {
    .key_insert = sq_key_insert,
    .key_get = sq_key_get,
    .key_current = sq_key_current,
    .key_retire = sq_key_retire,
    .key_list = sq_key_list,
    .systoken_insert = sq_systoken_insert,
    .systoken_lookup = sq_systoken_lookup,
    .systoken_delete_installation = sq_systoken_delete_installation,
    .systoken_delete_expired = sq_systoken_delete_expired,
};
