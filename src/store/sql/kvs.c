/* The store's app storage family (store/store_kvs.h) over the neutral statement layer (sql/db.h): key-value pairs,
 * entities and secrets of each installation (docs/kvs.md). Table: kvs. */
#include <stdint.h>
#include <string.h>

#include "store/sql/families.h"
#include "store/store_kvs.h"

enum q {
    Q_KVS_GET,
    Q_KVS_GET_4,
    Q_KVS_GET_16,
    Q_KVS_PUT,
    Q_KVS_LIVE,
    Q_KVS_DELETE,
    Q_KVS_LIST,
    Q_KVS_EXPIRE,
    Q_KVS_PURGE,
    Q__COUNT
};

#define KVS_COLS "kind, entity, key, value, created_ms, updated_ms, expire_ms"

/* one key of a several-key get: ?1-?4 the owner, kind and entity, ?5 now, ?N the key */
#define GET_ARM(n)                                                                                                     \
    "SELECT " KVS_COLS " FROM kvs WHERE site_id = ?1 AND installation_id = ?2 AND kind = ?3 AND entity = ?4 "          \
    "AND key = ?" #n " AND (expire_ms IS NULL OR expire_ms > ?5)"

static const char *const sql[Q__COUNT] = {
    /* app storage: (site_id, installation_id) lead every statement's key (docs/kvs.md) */
    [Q_KVS_GET] = "SELECT " KVS_COLS " FROM kvs WHERE site_id = ?1 AND installation_id = ?2 AND kind = ?3 "
                  "AND entity = ?4 AND key = ?5 AND (expire_ms IS NULL OR expire_ms > ?6)",
    /* several keys: one index lookup per key (a UNION ALL: `key IN (...)` lets PostgreSQL's
       generic plan scan the installation's rows instead), keys from ?6 on, an unused one
       bound NULL (which matches nothing) */
    [Q_KVS_GET_4] = GET_ARM(6) " UNION ALL " GET_ARM(7) " UNION ALL " GET_ARM(8) " UNION ALL " GET_ARM(9),
    [Q_KVS_GET_16] =
        GET_ARM(6) " UNION ALL " GET_ARM(7) " UNION ALL " GET_ARM(8) " UNION ALL " GET_ARM(9) " UNION ALL " GET_ARM(10) " UNION ALL " GET_ARM(11) " UNION ALL " GET_ARM(12) " UNION ALL " GET_ARM(13) " UNION ALL " GET_ARM(
            14) " UNION ALL " GET_ARM(15) " UNION ALL " GET_ARM(16) " UNION ALL " GET_ARM(17) " UNION ALL " GET_ARM(18) " UNION ALL " GET_ARM(19) " UNION ALL " GET_ARM(20) " UNION ALL " GET_ARM(21),
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

/* PostgreSQL (docs/store.md, the overrides): the keys as one array, each looked up by the
 * whole primary key in a nested loop: one index scan set up once and run again per key
 * (where UNION ALL makes the executor set up an arm per key). LIMIT 1 (the key is unique)
 * keeps the subquery from being flattened, which would let a generic plan scan the
 * installation's rows and filter the keys (measured: EXPLAIN with plan_cache_mode =
 * force_generic_plan; docs/scale.md) */
#define GET_KEYS_PG(keys)                                                                                              \
    "SELECT v.kind, v.entity, v.key, v.value, v.created_ms, v.updated_ms, v.expire_ms FROM unnest(ARRAY[" keys         \
    "]::text[]) AS k(key) CROSS JOIN LATERAL (SELECT " KVS_COLS " FROM kvs WHERE site_id = ?1 AND "                    \
    "installation_id = ?2 AND kind = ?3 AND entity = ?4 AND kvs.key = k.key COLLATE \"C\" AND (expire_ms IS NULL "     \
    "OR expire_ms > ?5) LIMIT 1) v"
static const char *const pg[Q__COUNT] = {
    [Q_KVS_GET_4] = GET_KEYS_PG("?6, ?7, ?8, ?9"),
    [Q_KVS_GET_16] = GET_KEYS_PG("?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21"),
};

static const db_sql_t statements = {DB_KVS, Q__COUNT, sql, pg};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

static void bind_owner(db_stmt_t *q, const kvs_owner_t *o)
{
    db_bind_i64(q, 1, o->site_id);
    db_bind_text(q, 2, o->installation_id);
}

static void read_kvs(arena_t *a, db_stmt_t *q, void *p)
{
    kvs_rec_t *r = p;
    r->kind = db_col_int(q, 0);
    r->entity = db_col_str(a, q, 1);
    r->key = db_col_str(a, q, 2);
    const void *v = db_col_bytes(q, 3, &r->value_len);
    char *c = arena_alloc(a, r->value_len + 1);
    if (!c)
        kiln_oom(r->value_len);
    if (r->value_len)
        memcpy(c, v, r->value_len);
    c[r->value_len] = '\0';
    r->value = c;
    r->created_ms = db_col_i64(q, 4);
    r->updated_ms = db_col_i64(q, 5);
    r->expire_ms = db_col_null(q, 6) ? 0 : db_col_i64(q, 6);
}

static int db_kvs_get(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *key,
                      int64_t now, kvs_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_KVS_GET);
    bind_owner(q, o);
    db_bind_i64(q, 3, kind);
    db_bind_text(q, 4, entity ? entity : "");
    db_bind_text(q, 5, key);
    db_bind_i64(q, 6, now);
    int rc = db_step(q);
    int r = rc == DB_ROW ? (read_kvs(a, q, out), STORE_OK) : rc == DB_DONE ? STORE_NOTFOUND : db_rc(st, rc);
    db_done(q);
    return r;
}

_Static_assert(STORE_KVS_GET_MANY == 16, "Q_KVS_GET_16 binds 16 keys");

static int db_kvs_get_many(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity,
                           const char *const *keys, size_t n, int64_t now, kvs_rec_t *out, int *rc)
{
    if (n == 1) { /* the one-key statement */
        rc[0] = db_kvs_get(st, a, o, kind, entity, keys[0], now, &out[0]);
        return rc[0] == STORE_OK || rc[0] == STORE_NOTFOUND ? STORE_OK : rc[0];
    }
    for (size_t i = 0; i < n; i++)
        rc[i] = STORE_NOTFOUND;
    for (size_t at = 0; at < n; at += STORE_KVS_GET_MANY) {
        size_t m = n - at < STORE_KVS_GET_MANY ? n - at : STORE_KVS_GET_MANY, slots = m <= 4 ? 4 : 16;
        db_stmt_t *q = stmt(st, m <= 4 ? Q_KVS_GET_4 : Q_KVS_GET_16);
        bind_owner(q, o);
        db_bind_i64(q, 3, kind);
        db_bind_text(q, 4, entity ? entity : "");
        db_bind_i64(q, 5, now);
        for (size_t k = 0; k < slots; k++) {
            if (k < m)
                db_bind_text(q, 6 + (int)k, keys[at + k]);
            else
                db_bind_null(q, 6 + (int)k);
        }
        int step;
        while ((step = db_step(q)) == DB_ROW) {
            kvs_rec_t r;
            read_kvs(a, q, &r);
            for (size_t k = at; k < at + m; k++) /* every asker of this key */
                if (strcmp(keys[k], r.key) == 0) {
                    out[k] = r;
                    rc[k] = STORE_OK;
                }
        }
        int failed = step != DB_DONE ? db_rc(st, step) : STORE_OK;
        db_done(q);
        if (failed != STORE_OK)
            return failed;
    }
    return STORE_OK;
}

static int db_kvs_put(store_t *st, const kvs_owner_t *o, const kvs_rec_t *r, int64_t now)
{
    db_stmt_t *q = stmt(st, Q_KVS_PUT);
    bind_owner(q, o);
    db_bind_i64(q, 3, r->kind);
    db_bind_text(q, 4, r->entity ? r->entity : "");
    db_bind_text(q, 5, r->key);
    db_bind_blob(q, 6, r->value, r->value_len);
    db_bind_i64(q, 7, r->created_ms);
    db_bind_i64(q, 8, r->updated_ms);
    if (r->expire_ms)
        db_bind_i64(q, 9, r->expire_ms);
    else
        db_bind_null(q, 9);
    db_bind_i64(q, 10, now);
    return db_write1(st, q);
}

static int db_kvs_delete(store_t *st, const kvs_owner_t *o, int kind, const char *entity, const char *key, int64_t now)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_KVS_LIVE);
    bind_owner(q, o);
    db_bind_i64(q, 3, kind);
    db_bind_text(q, 4, entity ? entity : "");
    db_bind_text(q, 5, key);
    db_bind_i64(q, 6, now);
    int s = db_step(q);
    rc = s == DB_ROW ? (db_col_int(q, 0) ? STORE_OK : STORE_NOTFOUND) : s == DB_DONE ? STORE_NOTFOUND : db_rc(st, s);
    db_done(q);
    if (s == DB_ROW) { /* live or expired: it goes */
        q = stmt(st, Q_KVS_DELETE);
        bind_owner(q, o);
        db_bind_i64(q, 3, kind);
        db_bind_text(q, 4, entity ? entity : "");
        db_bind_text(q, 5, key);
        int d = db_exec(st, q);
        if (d != STORE_OK)
            rc = d;
    }
    /* a missing key is an answer, not a failure: the (empty) transaction still commits */
    int trc = db_tx_close(st, opened, rc == STORE_NOTFOUND ? STORE_OK : rc);
    return trc != STORE_OK ? trc : rc;
}

static int db_kvs_list(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *from,
                       const char *to, const char *after, int64_t max, int64_t now, kvs_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_KVS_LIST);
    bind_owner(q, o);
    db_bind_i64(q, 3, kind);
    db_bind_text(q, 4, entity ? entity : "");
    db_bind_text(q, 5, from);
    db_bind_text(q, 6, to);
    db_bind_text(q, 7, after);
    db_bind_i64(q, 8, now);
    db_bind_i64(q, 9, max);
    return db_collect(st, a, q, sizeof **out, read_kvs, (void **)out, n);
}

static int db_kvs_expire(store_t *st, int64_t now, int64_t max, int64_t *removed)
{
    db_stmt_t *q = stmt(st, Q_KVS_EXPIRE);
    db_bind_i64(q, 1, now);
    db_bind_i64(q, 2, max);
    int rc = db_write1(st, q);
    *removed = rc == STORE_OK ? db_changes(st) : 0;
    return rc;
}

int db_kvs_purge_installation(store_t *st, int64_t site_id, const char *installation_id)
{
    db_stmt_t *q = stmt(st, Q_KVS_PURGE);
    db_bind_i64(q, 1, site_id);
    db_bind_text(q, 2, installation_id);
    return db_exec(st, q);
}

const store_kvs_ops_t db_kvs_ops = {
    .kvs_get = db_kvs_get,
    .kvs_get_many = db_kvs_get_many,
    .kvs_put = db_kvs_put,
    .kvs_delete = db_kvs_delete,
    .kvs_list = db_kvs_list,
    .kvs_expire = db_kvs_expire,
};
