/* The store's apps family (store/store_apps.h) over the neutral statement layer (sql/db.h): apps, environments,
 * versions, their snapshots' chunks and environment variables. Tables: apps, environments, versions, variables,
 * snapshot_chunks. */
#include <stdint.h>
#include <string.h>

#include "store/sql/families.h"
#include "store/store_apps.h"

enum q {
    Q_APP_INSERT,
    Q_APP_GET,
    Q_ENV_INSERT,
    Q_ENV_GET,
    Q_ENV_LIST,
    Q_ENV_SET_ISOLATION,
    Q_VERSION_NEXT_SEQ,
    Q_VERSION_INSERT,
    Q_VERSION_LATEST,
    Q_VERSION_LATEST_MAJOR,
    Q_VERSION_LIST,
    Q_VERSION_LATEST_SEQ,
    Q_VERSION_BY_SNAPSHOT,
    Q_CHUNK_PUT,
    Q_CHUNK_GET,
    Q_CHUNK_COUNT,
    Q_VERSION_UNHASHED,
    Q_VERSION_SET_SHA256,
    Q_VAR_PUT,
    Q_VAR_DELETE,
    Q_VAR_LIST,
    Q__COUNT
};

#define APP_COLS "id, name, created_ms"
#define ENV_COLS "app_id, key, id, created_ms"
#define ENV_READ_COLS ENV_COLS ", isolation"
#define VERSION_COLS                                                                                                   \
    "app_id, env_key, seq, major, minor, manifest_json, major_key, scopes_json, egress_json, snapshot, "               \
    "snapshot_bytes, created_ms, snapshot_sha256"

static const char *const sql[Q__COUNT] = {
    [Q_APP_INSERT] = "INSERT INTO apps (" APP_COLS ") VALUES (?1, ?2, ?3)",
    [Q_APP_GET] = "SELECT " APP_COLS " FROM apps WHERE id = ?1",
    [Q_ENV_INSERT] = "INSERT INTO environments (" ENV_COLS ") VALUES (?1, ?2, ?3, ?4)",
    [Q_ENV_GET] = "SELECT " ENV_READ_COLS " FROM environments WHERE app_id = ?1 AND key = ?2",
    [Q_ENV_LIST] = "SELECT " ENV_READ_COLS " FROM environments WHERE app_id = ?1 ORDER BY created_ms, key",
    [Q_ENV_SET_ISOLATION] = "UPDATE environments SET isolation = ?3 WHERE app_id = ?1 AND key = ?2",
    [Q_VERSION_NEXT_SEQ] = "SELECT coalesce(max(seq), 0) + 1 FROM versions WHERE app_id = ?1 AND env_key = ?2",
    [Q_VERSION_INSERT] =
        "INSERT INTO versions (" VERSION_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [Q_VERSION_LATEST] = "SELECT " VERSION_COLS " FROM versions WHERE app_id = ?1 AND env_key = ?2 "
                         "ORDER BY seq DESC LIMIT 1",
    [Q_VERSION_LATEST_MAJOR] = "SELECT " VERSION_COLS " FROM versions WHERE app_id = ?1 AND env_key = ?2 "
                               "AND major = ?3 ORDER BY seq DESC LIMIT 1",
    [Q_VERSION_LIST] = "SELECT " VERSION_COLS " FROM versions WHERE app_id = ?1 AND env_key = ?2 ORDER BY seq",
    [Q_VERSION_LATEST_SEQ] =
        "SELECT coalesce(max(seq), 0) FROM versions WHERE app_id = ?1 AND env_key = ?2 AND major = ?3",
    [Q_VERSION_BY_SNAPSHOT] = "SELECT " VERSION_COLS " FROM versions WHERE snapshot = ?1",
    [Q_CHUNK_PUT] = "INSERT INTO snapshot_chunks (snapshot, idx, bytes) VALUES (?1, ?2, ?3)",
    [Q_CHUNK_GET] = "SELECT bytes FROM snapshot_chunks WHERE snapshot = ?1 AND idx = ?2",
    [Q_CHUNK_COUNT] =
        "SELECT count(*), CAST(coalesce(sum(length(bytes)), 0) AS BIGINT) FROM snapshot_chunks WHERE snapshot = ?1",
    /* versions deployed before kiln kept snapshots in the store (migration 23): no SHA-256,
       no chunks */
    [Q_VERSION_UNHASHED] = "SELECT " VERSION_COLS " FROM versions WHERE snapshot_sha256 = '' AND snapshot > ?1 "
                           "ORDER BY snapshot LIMIT ?2",
    /* only from '': of two nodes backfilling one version, the second changes no row */
    [Q_VERSION_SET_SHA256] = "UPDATE versions SET snapshot_sha256 = ?2 WHERE snapshot = ?1 AND snapshot_sha256 = ''",
    [Q_VAR_PUT] = "INSERT INTO variables (app_id, env_key, key, encrypted, value, created_ms, updated_ms) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (app_id, env_key, key) DO UPDATE SET "
                  "encrypted = excluded.encrypted, value = excluded.value, updated_ms = excluded.updated_ms",
    [Q_VAR_DELETE] = "DELETE FROM variables WHERE app_id = ?1 AND env_key = ?2 AND key = ?3",
    [Q_VAR_LIST] = "SELECT key, encrypted, value, created_ms, updated_ms FROM variables "
                   "WHERE app_id = ?1 AND env_key = ?2 ORDER BY key",
};

static const db_sql_t statements = {DB_APPS, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

/* ---- apps and environments ---- */

static void read_app(arena_t *a, db_stmt_t *q, void *p)
{
    app_rec_t *r = p;
    r->id = db_col_str(a, q, 0);
    r->name = db_col_str(a, q, 1);
    r->created_ms = db_col_i64(q, 2);
}

static int db_app_insert(store_t *st, const app_rec_t *r)
{
    db_stmt_t *q = stmt(st, Q_APP_INSERT);
    db_bind_text(q, 1, r->id);
    db_bind_text(q, 2, r->name);
    db_bind_i64(q, 3, r->created_ms);
    return db_write1(st, q);
}

static int db_app_get(store_t *st, arena_t *a, const char *id, app_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_APP_GET);
    db_bind_text(q, 1, id);
    return db_one(st, a, q, read_app, out);
}

static void read_env(arena_t *a, db_stmt_t *q, void *p)
{
    env_rec_t *r = p;
    r->app_id = db_col_str(a, q, 0);
    r->key = db_col_str(a, q, 1);
    r->id = db_col_str(a, q, 2);
    r->created_ms = db_col_i64(q, 3);
    r->isolation = db_col_str(a, q, 4);
}

static int db_env_insert(store_t *st, const env_rec_t *r)
{
    db_stmt_t *q = stmt(st, Q_ENV_INSERT);
    db_bind_text(q, 1, r->app_id);
    db_bind_text(q, 2, r->key);
    db_bind_text(q, 3, r->id);
    db_bind_i64(q, 4, r->created_ms);
    return db_write1(st, q);
}

static int db_env_get(store_t *st, arena_t *a, const char *app, const char *key, env_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_ENV_GET);
    db_bind_text(q, 1, app);
    db_bind_text(q, 2, key);
    return db_one(st, a, q, read_env, out);
}

static int db_env_set_isolation(store_t *st, const char *app, const char *key, const char *isolation)
{
    db_stmt_t *q = stmt(st, Q_ENV_SET_ISOLATION);
    db_bind_text(q, 1, app);
    db_bind_text(q, 2, key);
    db_bind_text(q, 3, isolation);
    int rc = db_write1(st, q);
    return rc == STORE_OK && db_changes(st) == 0 ? STORE_NOTFOUND : rc;
}

static int db_env_list(store_t *st, arena_t *a, const char *app, env_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_ENV_LIST);
    db_bind_text(q, 1, app);
    return db_collect(st, a, q, sizeof **out, read_env, (void **)out, n);
}

/* ---- versions ---- */

static void read_version(arena_t *a, db_stmt_t *q, void *p)
{
    version_rec_t *r = p;
    r->app_id = db_col_str(a, q, 0);
    r->env_key = db_col_str(a, q, 1);
    r->seq = db_col_i64(q, 2);
    r->major = db_col_i64(q, 3);
    r->minor = db_col_i64(q, 4);
    r->manifest_json = db_col_str(a, q, 5);
    r->major_key = db_col_str(a, q, 6);
    r->scopes_json = db_col_str(a, q, 7);
    r->egress_json = db_col_str(a, q, 8);
    r->snapshot = db_col_str(a, q, 9);
    r->snapshot_bytes = db_col_i64(q, 10);
    r->created_ms = db_col_i64(q, 11);
    r->snapshot_sha256 = db_col_str(a, q, 12);
}

static int db_version_insert(store_t *st, version_rec_t *v)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_VERSION_NEXT_SEQ);
    db_bind_text(q, 1, v->app_id);
    db_bind_text(q, 2, v->env_key);
    rc = db_next_id(st, q, &v->seq);
    if (rc == STORE_OK) {
        q = stmt(st, Q_VERSION_INSERT);
        db_bind_text(q, 1, v->app_id);
        db_bind_text(q, 2, v->env_key);
        db_bind_i64(q, 3, v->seq);
        db_bind_i64(q, 4, v->major);
        db_bind_i64(q, 5, v->minor);
        db_bind_text(q, 6, v->manifest_json);
        db_bind_text(q, 7, v->major_key);
        db_bind_text(q, 8, v->scopes_json);
        db_bind_text(q, 9, v->egress_json);
        db_bind_text(q, 10, v->snapshot);
        db_bind_i64(q, 11, v->snapshot_bytes);
        db_bind_i64(q, 12, v->created_ms);
        db_bind_text(q, 13, v->snapshot_sha256 ? v->snapshot_sha256 : "");
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_version_latest(store_t *st, arena_t *a, const char *app, const char *env, int64_t major,
                             version_rec_t *out)
{
    db_stmt_t *q = stmt(st, major < 0 ? Q_VERSION_LATEST : Q_VERSION_LATEST_MAJOR);
    db_bind_text(q, 1, app);
    db_bind_text(q, 2, env);
    if (major >= 0)
        db_bind_i64(q, 3, major);
    return db_one(st, a, q, read_version, out);
}

static int db_version_latest_seq(store_t *st, const char *app, const char *env, int64_t major, int64_t *seq)
{
    db_stmt_t *q = stmt(st, Q_VERSION_LATEST_SEQ);
    db_bind_text(q, 1, app);
    db_bind_text(q, 2, env);
    db_bind_i64(q, 3, major);
    return db_count(st, q, seq);
}

static int db_version_list(store_t *st, arena_t *a, const char *app, const char *env, version_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_VERSION_LIST);
    db_bind_text(q, 1, app);
    db_bind_text(q, 2, env);
    return db_collect(st, a, q, sizeof **out, read_version, (void **)out, n);
}

static int db_version_by_snapshot(store_t *st, arena_t *a, const char *snapshot, version_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_VERSION_BY_SNAPSHOT);
    db_bind_text(q, 1, snapshot);
    return db_one(st, a, q, read_version, out);
}

/* ---- snapshot chunks ---- */

static int db_snapshot_chunk_put(store_t *st, const char *snapshot, int64_t idx, const void *bytes, size_t len)
{
    db_stmt_t *q = stmt(st, Q_CHUNK_PUT);
    db_bind_text(q, 1, snapshot);
    db_bind_i64(q, 2, idx);
    db_bind_blob(q, 3, len ? bytes : "", len);
    return db_write1(st, q);
}

typedef struct chunk {
    const void *bytes;
    size_t len;
} chunk_t;

static void read_chunk(arena_t *a, db_stmt_t *q, void *p)
{
    chunk_t *c = p;
    const void *b = db_col_bytes(q, 0, &c->len);
    void *copy = arena_alloc(a, c->len ? c->len : 1); /* NULL over the caller's cap: bytes NULL */
    if (copy && c->len)
        memcpy(copy, b, c->len);
    c->bytes = copy;
}

static int db_snapshot_chunk_get(store_t *st, arena_t *a, const char *snapshot, int64_t idx, const void **bytes,
                                 size_t *len)
{
    db_stmt_t *q = stmt(st, Q_CHUNK_GET);
    db_bind_text(q, 1, snapshot);
    db_bind_i64(q, 2, idx);
    chunk_t c = {0};
    int rc = db_one(st, a, q, read_chunk, &c);
    *bytes = c.bytes;
    *len = c.len;
    return rc;
}

static int db_snapshots_kept(store_t *st)
{
    return db_dialect(st) == DB_POSTGRES;
}

static int db_snapshot_chunk_count(store_t *st, const char *snapshot, int64_t *n, int64_t *total)
{
    db_stmt_t *q = stmt(st, Q_CHUNK_COUNT);
    db_bind_text(q, 1, snapshot);
    int rc = db_step(q);
    if (rc == DB_ROW) {
        *n = db_col_i64(q, 0);
        *total = db_col_i64(q, 1);
    }
    db_done(q);
    return rc == DB_ROW ? STORE_OK : db_rc(st, rc);
}

static int db_version_unhashed(store_t *st, arena_t *a, const char *after, size_t max, version_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_VERSION_UNHASHED);
    db_bind_text(q, 1, after);
    db_bind_i64(q, 2, (int64_t)max);
    return db_collect(st, a, q, sizeof **out, read_version, (void **)out, n);
}

static int db_version_set_sha256(store_t *st, const char *snapshot, const char *sha256)
{
    db_stmt_t *q = stmt(st, Q_VERSION_SET_SHA256);
    db_bind_text(q, 1, snapshot);
    db_bind_text(q, 2, sha256);
    return db_write_one_row(st, q);
}

/* ---- environment variables ---- */

static int db_var_put(store_t *st, const char *app, const char *env, const var_rec_t *v)
{
    db_stmt_t *q = stmt(st, Q_VAR_PUT);
    db_bind_text(q, 1, app);
    db_bind_text(q, 2, env);
    db_bind_text(q, 3, v->key);
    db_bind_i64(q, 4, v->encrypted ? 1 : 0);
    db_bind_blob(q, 5, v->value_len ? v->value : "", v->value_len);
    db_bind_i64(q, 6, v->updated_ms);
    return db_write1(st, q);
}

static int db_var_delete(store_t *st, const char *app, const char *env, const char *key)
{
    db_stmt_t *q = stmt(st, Q_VAR_DELETE);
    db_bind_text(q, 1, app);
    db_bind_text(q, 2, env);
    db_bind_text(q, 3, key);
    return db_write_one_row(st, q);
}

static void read_var(arena_t *a, db_stmt_t *q, void *p)
{
    var_rec_t *v = p;
    v->key = db_col_str(a, q, 0);
    v->encrypted = db_col_int(q, 1);
    const void *b = db_col_bytes(q, 2, &v->value_len);
    char *c = arena_alloc(a, v->value_len + 1);
    if (!c)
        kiln_oom(v->value_len);
    if (v->value_len)
        memcpy(c, b, v->value_len);
    c[v->value_len] = '\0';
    v->value = c;
    v->created_ms = db_col_i64(q, 3);
    v->updated_ms = db_col_i64(q, 4);
}

static int db_var_list(store_t *st, arena_t *a, const char *app, const char *env, var_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_VAR_LIST);
    db_bind_text(q, 1, app);
    db_bind_text(q, 2, env);
    return db_collect(st, a, q, sizeof **out, read_var, (void **)out, n);
}

const store_apps_ops_t db_apps_ops = {
    .app_insert = db_app_insert,
    .app_get = db_app_get,
    .env_insert = db_env_insert,
    .env_get = db_env_get,
    .env_set_isolation = db_env_set_isolation,
    .env_list = db_env_list,
    .version_insert = db_version_insert,
    .version_latest = db_version_latest,
    .version_latest_seq = db_version_latest_seq,
    .version_list = db_version_list,
    .version_by_snapshot = db_version_by_snapshot,
    .snapshot_chunk_put = db_snapshot_chunk_put,
    .snapshot_chunk_get = db_snapshot_chunk_get,
    .snapshot_chunk_count = db_snapshot_chunk_count,
    .snapshots_kept = db_snapshots_kept,
    .version_unhashed = db_version_unhashed,
    .version_set_sha256 = db_version_set_sha256,
    .var_put = db_var_put,
    .var_delete = db_var_delete,
    .var_list = db_var_list,
};
