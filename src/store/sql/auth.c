/* The store's auth family (store/store_auth.h) over the neutral statement layer (sql/db.h): wrapped data keys and the
 * hashes of app system tokens. Tables: keys, system_tokens. */
#include <stdint.h>
#include <string.h>

#include "store/sql/families.h"
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

static const db_sql_t statements = {DB_AUTH, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

/* ---- the key store ---- */

static void read_key(arena_t *a, db_stmt_t *q, key_rec_t *k)
{
    k->id = db_col_str(a, q, 0);
    k->purpose = db_col_str(a, q, 1);
    const void *b = db_col_bytes(q, 2, &k->wrapped_len);
    unsigned char *w = arena_alloc(a, k->wrapped_len + 1);
    if (!w)
        kiln_oom(k->wrapped_len);
    if (k->wrapped_len)
        memcpy(w, b, k->wrapped_len);
    k->wrapped = w;
    k->created_ms = db_col_i64(q, 3);
    k->retired_ms = db_col_null(q, 4) ? 0 : db_col_i64(q, 4);
}

static int one_key(store_t *st, arena_t *a, db_stmt_t *q, key_rec_t *out)
{
    int rc = db_step(q);
    int r = rc == DB_ROW ? (read_key(a, q, out), STORE_OK) : rc == DB_DONE ? STORE_NOTFOUND : db_rc(st, rc);
    db_done(q);
    return r;
}

static int db_key_insert(store_t *st, const key_rec_t *k)
{
    db_stmt_t *q = stmt(st, Q_KEY_INSERT);
    db_bind_text(q, 1, k->id);
    db_bind_text(q, 2, k->purpose);
    db_bind_blob(q, 3, k->wrapped, k->wrapped_len);
    db_bind_i64(q, 4, k->created_ms);
    return db_write1(st, q);
}

static int db_key_get(store_t *st, arena_t *a, const char *id, key_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_KEY_GET);
    db_bind_text(q, 1, id);
    return one_key(st, a, q, out);
}

static int db_key_current(store_t *st, arena_t *a, const char *purpose, key_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_KEY_CURRENT);
    db_bind_text(q, 1, purpose);
    return one_key(st, a, q, out);
}

static int db_key_retire(store_t *st, const char *purpose, int64_t now)
{
    db_stmt_t *q = stmt(st, Q_KEY_RETIRE);
    db_bind_text(q, 1, purpose);
    db_bind_i64(q, 2, now);
    return db_write1(st, q);
}

static void read_key_item(arena_t *a, db_stmt_t *q, void *p)
{
    read_key(a, q, p);
}

static int db_key_list(store_t *st, arena_t *a, const char *purpose, size_t max, key_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_KEY_LIST);
    db_bind_text(q, 1, purpose);
    db_bind_i64(q, 2, (int64_t)max);
    return db_collect(st, a, q, sizeof **out, read_key_item, (void **)out, n);
}

/* ---- app system tokens ---- */

static int db_systoken_insert(store_t *st, const unsigned char *hash, const systoken_rec_t *r)
{
    db_stmt_t *q = stmt(st, Q_SYSTOKEN_INSERT);
    db_bind_blob(q, 1, hash, 32);
    db_bind_text(q, 2, r->installation_id);
    db_bind_i64(q, 3, r->site_id);
    db_bind_i64(q, 4, r->created_ms);
    db_bind_i64(q, 5, r->expires_ms);
    return db_write1(st, q);
}

static int db_systoken_lookup(store_t *st, arena_t *a, const unsigned char *hash, systoken_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_SYSTOKEN_LOOKUP);
    db_bind_blob(q, 1, hash, 32);
    int rc = db_step(q);
    int r = STORE_NOTFOUND;
    if (rc == DB_ROW) {
        out->installation_id = db_col_str(a, q, 0);
        out->site_id = db_col_i64(q, 1);
        out->created_ms = db_col_i64(q, 2);
        out->expires_ms = db_col_i64(q, 3);
        r = STORE_OK;
    } else if (rc != DB_DONE) {
        r = db_rc(st, rc);
    }
    db_done(q);
    return r;
}

static int db_systoken_delete_installation(store_t *st, const char *id)
{
    db_stmt_t *q = stmt(st, Q_SYSTOKEN_DELETE_INSTALL);
    db_bind_text(q, 1, id);
    return db_write1(st, q);
}

static int db_systoken_delete_expired(store_t *st, int64_t now)
{
    db_stmt_t *q = stmt(st, Q_SYSTOKEN_DELETE_EXPIRED);
    db_bind_i64(q, 1, now);
    return db_write1(st, q);
}

const store_auth_ops_t db_auth_ops = {
    .key_insert = db_key_insert,
    .key_get = db_key_get,
    .key_current = db_key_current,
    .key_retire = db_key_retire,
    .key_list = db_key_list,
    .systoken_insert = db_systoken_insert,
    .systoken_lookup = db_systoken_lookup,
    .systoken_delete_installation = db_systoken_delete_installation,
    .systoken_delete_expired = db_systoken_delete_expired,
};
