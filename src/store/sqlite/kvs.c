/* The store's app storage family (store/store_kvs.h) on SQLite: key-value pairs,
 * entities and secrets of each installation (docs/kvs.md). Table: kvs. */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_kvs.h"

enum q { Q_KVS_GET, Q_KVS_PUT, Q_KVS_LIVE, Q_KVS_DELETE, Q_KVS_LIST, Q_KVS_EXPIRE, Q_KVS_PURGE, Q__COUNT };

#define KVS_COLS "kind, entity, key, value, created_ms, updated_ms, expire_ms"

static const char *const sql[Q__COUNT] = {
    /* app storage: (site_id, installation_id) lead every statement's key (docs/kvs.md) */
    [Q_KVS_GET] = "SELECT " KVS_COLS " FROM kvs WHERE site_id = ?1 AND installation_id = ?2 AND kind = ?3 "
                  "AND entity = ?4 AND key = ?5 AND (expire_ms IS NULL OR expire_ms > ?6)",
    [Q_KVS_PUT] = "INSERT INTO kvs (site_id, installation_id, kind, entity, key, value, created_ms, updated_ms, "
                  "expire_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                  "ON CONFLICT (site_id, installation_id, kind, entity, key) DO UPDATE SET value = excluded.value, "
                  "created_ms = CASE WHEN kvs.expire_ms IS NULL OR kvs.expire_ms > ?10 THEN kvs.created_ms "
                  "ELSE excluded.created_ms END, updated_ms = excluded.updated_ms, expire_ms = excluded.expire_ms",
    /* (not DELETE ... RETURNING: SQLite 3.40 returns wrong column values from it on a
       WITHOUT ROWID table) */
    [Q_KVS_LIVE] = "SELECT expire_ms IS NULL OR expire_ms > ?6 FROM kvs WHERE site_id = ?1 AND installation_id = ?2 "
                   "AND kind = ?3 AND entity = ?4 AND key = ?5",
    [Q_KVS_DELETE] = "DELETE FROM kvs WHERE site_id = ?1 AND installation_id = ?2 AND kind = ?3 AND entity = ?4 "
                     "AND key = ?5",
    [Q_KVS_LIST] = "SELECT " KVS_COLS " FROM kvs WHERE site_id = ?1 AND installation_id = ?2 AND kind = ?3 "
                   "AND entity = ?4 AND (?5 IS NULL OR key >= ?5) AND (?6 IS NULL OR key < ?6) "
                   "AND (?7 IS NULL OR key > ?7) AND (expire_ms IS NULL OR expire_ms > ?8) ORDER BY key LIMIT ?9",
    [Q_KVS_EXPIRE] = "DELETE FROM kvs WHERE (site_id, installation_id, kind, entity, key) IN "
                     "(SELECT site_id, installation_id, kind, entity, key FROM kvs "
                     "WHERE expire_ms IS NOT NULL AND expire_ms <= ?1 LIMIT ?2)",
    [Q_KVS_PURGE] = "DELETE FROM kvs WHERE site_id = ?1 AND installation_id = ?2",
};

static const sq_sql_t statements = {SQ_KVS, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

static void bind_owner(sqlite3_stmt *q, const kvs_owner_t *o)
{
    sqlite3_bind_int64(q, 1, o->site_id);
    sq_bind_text(q, 2, o->installation_id);
}

static void read_kvs(arena_t *a, sqlite3_stmt *q, void *p)
{
    kvs_rec_t *r = p;
    r->kind = sqlite3_column_int(q, 0);
    r->entity = sq_col_str(a, q, 1);
    r->key = sq_col_str(a, q, 2);
    r->value_len = (size_t)sqlite3_column_bytes(q, 3);
    const void *v = sqlite3_column_blob(q, 3);
    char *c = arena_alloc(a, r->value_len + 1);
    if (!c)
        kiln_oom(r->value_len);
    if (r->value_len)
        memcpy(c, v, r->value_len);
    c[r->value_len] = '\0';
    r->value = c;
    r->created_ms = sqlite3_column_int64(q, 4);
    r->updated_ms = sqlite3_column_int64(q, 5);
    r->expire_ms = sqlite3_column_type(q, 6) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 6);
}

static int sq_kvs_get(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *key,
                      int64_t now, kvs_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_KVS_GET);
    bind_owner(q, o);
    sqlite3_bind_int(q, 3, kind);
    sq_bind_text(q, 4, entity ? entity : "");
    sq_bind_text(q, 5, key);
    sqlite3_bind_int64(q, 6, now);
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? (read_kvs(a, q, out), STORE_OK) : rc == SQLITE_DONE ? STORE_NOTFOUND : sq_rc(st, rc);
    sq_done(q);
    return r;
}

static int sq_kvs_put(store_t *st, const kvs_owner_t *o, const kvs_rec_t *r, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_KVS_PUT);
    bind_owner(q, o);
    sqlite3_bind_int(q, 3, r->kind);
    sq_bind_text(q, 4, r->entity ? r->entity : "");
    sq_bind_text(q, 5, r->key);
    sqlite3_bind_blob(q, 6, r->value, (int)r->value_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, r->created_ms);
    sqlite3_bind_int64(q, 8, r->updated_ms);
    if (r->expire_ms)
        sqlite3_bind_int64(q, 9, r->expire_ms);
    else
        sqlite3_bind_null(q, 9);
    sqlite3_bind_int64(q, 10, now);
    return sq_write1(st, q);
}

static int sq_kvs_delete(store_t *st, const kvs_owner_t *o, int kind, const char *entity, const char *key, int64_t now)
{
    int opened, rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_KVS_LIVE);
    bind_owner(q, o);
    sqlite3_bind_int(q, 3, kind);
    sq_bind_text(q, 4, entity ? entity : "");
    sq_bind_text(q, 5, key);
    sqlite3_bind_int64(q, 6, now);
    int s = sqlite3_step(q);
    rc = s == SQLITE_ROW    ? (sqlite3_column_int(q, 0) ? STORE_OK : STORE_NOTFOUND)
         : s == SQLITE_DONE ? STORE_NOTFOUND
                            : sq_rc(st, s);
    sq_done(q);
    if (s == SQLITE_ROW) { /* live or expired: it goes */
        q = stmt(st, Q_KVS_DELETE);
        bind_owner(q, o);
        sqlite3_bind_int(q, 3, kind);
        sq_bind_text(q, 4, entity ? entity : "");
        sq_bind_text(q, 5, key);
        int d = sq_exec(st, q);
        if (d != STORE_OK)
            rc = d;
    }
    /* a missing key is an answer, not a failure: the (empty) transaction still commits */
    int trc = sq_tx_close(st, opened, rc == STORE_NOTFOUND ? STORE_OK : rc);
    return trc != STORE_OK ? trc : rc;
}

static int sq_kvs_list(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *from,
                       const char *to, const char *after, int64_t max, int64_t now, kvs_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_KVS_LIST);
    bind_owner(q, o);
    sqlite3_bind_int(q, 3, kind);
    sq_bind_text(q, 4, entity ? entity : "");
    sq_bind_text(q, 5, from);
    sq_bind_text(q, 6, to);
    sq_bind_text(q, 7, after);
    sqlite3_bind_int64(q, 8, now);
    sqlite3_bind_int64(q, 9, max);
    return sq_collect(st, a, q, sizeof **out, read_kvs, (void **)out, n);
}

static int sq_kvs_expire(store_t *st, int64_t now, int64_t max, int64_t *removed)
{
    sqlite3_stmt *q = stmt(st, Q_KVS_EXPIRE);
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, max);
    int rc = sq_write1(st, q);
    *removed = rc == STORE_OK ? sqlite3_changes(DB(st)) : 0;
    return rc;
}

int sq_kvs_purge_installation(store_t *st, int64_t site_id, const char *installation_id)
{
    sqlite3_stmt *q = stmt(st, Q_KVS_PURGE);
    sqlite3_bind_int64(q, 1, site_id);
    sq_bind_text(q, 2, installation_id);
    return sq_exec(st, q);
}

const store_kvs_ops_t sq_kvs_ops = {
    .kvs_get = sq_kvs_get,
    .kvs_put = sq_kvs_put,
    .kvs_delete = sq_kvs_delete,
    .kvs_list = sq_kvs_list,
    .kvs_expire = sq_kvs_expire,
};
