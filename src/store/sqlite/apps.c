/* The store's apps family (store/store_apps.h) on SQLite: apps, environments,
 * versions and environment variables. Tables: apps, environments, versions, variables. */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
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
    "snapshot_bytes, created_ms"

static const char *const sql[Q__COUNT] = {
    [Q_APP_INSERT] = "INSERT INTO apps (" APP_COLS ") VALUES (?1, ?2, ?3)",
    [Q_APP_GET] = "SELECT " APP_COLS " FROM apps WHERE id = ?1",
    [Q_ENV_INSERT] = "INSERT INTO environments (" ENV_COLS ") VALUES (?1, ?2, ?3, ?4)",
    [Q_ENV_GET] = "SELECT " ENV_READ_COLS " FROM environments WHERE app_id = ?1 AND key = ?2",
    [Q_ENV_LIST] = "SELECT " ENV_READ_COLS " FROM environments WHERE app_id = ?1 ORDER BY created_ms, key",
    [Q_ENV_SET_ISOLATION] = "UPDATE environments SET isolation = ?3 WHERE app_id = ?1 AND key = ?2",
    [Q_VERSION_NEXT_SEQ] = "SELECT coalesce(max(seq), 0) + 1 FROM versions WHERE app_id = ?1 AND env_key = ?2",
    [Q_VERSION_INSERT] =
        "INSERT INTO versions (" VERSION_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [Q_VERSION_LATEST] = "SELECT " VERSION_COLS " FROM versions WHERE app_id = ?1 AND env_key = ?2 "
                         "ORDER BY seq DESC LIMIT 1",
    [Q_VERSION_LATEST_MAJOR] = "SELECT " VERSION_COLS " FROM versions WHERE app_id = ?1 AND env_key = ?2 "
                               "AND major = ?3 ORDER BY seq DESC LIMIT 1",
    [Q_VERSION_LIST] = "SELECT " VERSION_COLS " FROM versions WHERE app_id = ?1 AND env_key = ?2 ORDER BY seq",
    [Q_VERSION_LATEST_SEQ] =
        "SELECT coalesce(max(seq), 0) FROM versions WHERE app_id = ?1 AND env_key = ?2 AND major = ?3",
    [Q_VAR_PUT] = "INSERT INTO variables (app_id, env_key, key, encrypted, value, created_ms, updated_ms) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (app_id, env_key, key) DO UPDATE SET "
                  "encrypted = excluded.encrypted, value = excluded.value, updated_ms = excluded.updated_ms",
    [Q_VAR_DELETE] = "DELETE FROM variables WHERE app_id = ?1 AND env_key = ?2 AND key = ?3",
    [Q_VAR_LIST] = "SELECT key, encrypted, value, created_ms, updated_ms FROM variables "
                   "WHERE app_id = ?1 AND env_key = ?2 ORDER BY key",
};

static const sq_sql_t statements = {SQ_APPS, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

/* ---- apps and environments ---- */

static void read_app(arena_t *a, sqlite3_stmt *q, void *p)
{
    app_rec_t *r = p;
    r->id = sq_col_str(a, q, 0);
    r->name = sq_col_str(a, q, 1);
    r->created_ms = sqlite3_column_int64(q, 2);
}

static int sq_app_insert(store_t *st, const app_rec_t *r)
{
    sqlite3_stmt *q = stmt(st, Q_APP_INSERT);
    sq_bind_text(q, 1, r->id);
    sq_bind_text(q, 2, r->name);
    sqlite3_bind_int64(q, 3, r->created_ms);
    return sq_write1(st, q);
}

static int sq_app_get(store_t *st, arena_t *a, const char *id, app_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_APP_GET);
    sq_bind_text(q, 1, id);
    return sq_one(st, a, q, read_app, out);
}

static void read_env(arena_t *a, sqlite3_stmt *q, void *p)
{
    env_rec_t *r = p;
    r->app_id = sq_col_str(a, q, 0);
    r->key = sq_col_str(a, q, 1);
    r->id = sq_col_str(a, q, 2);
    r->created_ms = sqlite3_column_int64(q, 3);
    r->isolation = sq_col_str(a, q, 4);
}

static int sq_env_insert(store_t *st, const env_rec_t *r)
{
    sqlite3_stmt *q = stmt(st, Q_ENV_INSERT);
    sq_bind_text(q, 1, r->app_id);
    sq_bind_text(q, 2, r->key);
    sq_bind_text(q, 3, r->id);
    sqlite3_bind_int64(q, 4, r->created_ms);
    return sq_write1(st, q);
}

static int sq_env_get(store_t *st, arena_t *a, const char *app, const char *key, env_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_ENV_GET);
    sq_bind_text(q, 1, app);
    sq_bind_text(q, 2, key);
    return sq_one(st, a, q, read_env, out);
}

static int sq_env_set_isolation(store_t *st, const char *app, const char *key, const char *isolation)
{
    sqlite3_stmt *q = stmt(st, Q_ENV_SET_ISOLATION);
    sq_bind_text(q, 1, app);
    sq_bind_text(q, 2, key);
    sq_bind_text(q, 3, isolation);
    int rc = sq_write1(st, q);
    return rc == STORE_OK && sqlite3_changes(DB(st)) == 0 ? STORE_NOTFOUND : rc;
}

static int sq_env_list(store_t *st, arena_t *a, const char *app, env_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_ENV_LIST);
    sq_bind_text(q, 1, app);
    return sq_collect(st, a, q, sizeof **out, read_env, (void **)out, n);
}

/* ---- versions ---- */

static void read_version(arena_t *a, sqlite3_stmt *q, void *p)
{
    version_rec_t *r = p;
    r->app_id = sq_col_str(a, q, 0);
    r->env_key = sq_col_str(a, q, 1);
    r->seq = sqlite3_column_int64(q, 2);
    r->major = sqlite3_column_int64(q, 3);
    r->minor = sqlite3_column_int64(q, 4);
    r->manifest_json = sq_col_str(a, q, 5);
    r->major_key = sq_col_str(a, q, 6);
    r->scopes_json = sq_col_str(a, q, 7);
    r->egress_json = sq_col_str(a, q, 8);
    r->snapshot = sq_col_str(a, q, 9);
    r->snapshot_bytes = sqlite3_column_int64(q, 10);
    r->created_ms = sqlite3_column_int64(q, 11);
}

static int sq_version_insert(store_t *st, version_rec_t *v)
{
    int opened, rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_VERSION_NEXT_SEQ);
    sq_bind_text(q, 1, v->app_id);
    sq_bind_text(q, 2, v->env_key);
    rc = sq_next_id(st, q, &v->seq);
    if (rc == STORE_OK) {
        q = stmt(st, Q_VERSION_INSERT);
        sq_bind_text(q, 1, v->app_id);
        sq_bind_text(q, 2, v->env_key);
        sqlite3_bind_int64(q, 3, v->seq);
        sqlite3_bind_int64(q, 4, v->major);
        sqlite3_bind_int64(q, 5, v->minor);
        sq_bind_text(q, 6, v->manifest_json);
        sq_bind_text(q, 7, v->major_key);
        sq_bind_text(q, 8, v->scopes_json);
        sq_bind_text(q, 9, v->egress_json);
        sq_bind_text(q, 10, v->snapshot);
        sqlite3_bind_int64(q, 11, v->snapshot_bytes);
        sqlite3_bind_int64(q, 12, v->created_ms);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_version_latest(store_t *st, arena_t *a, const char *app, const char *env, int64_t major,
                             version_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, major < 0 ? Q_VERSION_LATEST : Q_VERSION_LATEST_MAJOR);
    sq_bind_text(q, 1, app);
    sq_bind_text(q, 2, env);
    if (major >= 0)
        sqlite3_bind_int64(q, 3, major);
    return sq_one(st, a, q, read_version, out);
}

static int sq_version_latest_seq(store_t *st, const char *app, const char *env, int64_t major, int64_t *seq)
{
    sqlite3_stmt *q = stmt(st, Q_VERSION_LATEST_SEQ);
    sq_bind_text(q, 1, app);
    sq_bind_text(q, 2, env);
    sqlite3_bind_int64(q, 3, major);
    return sq_count(st, q, seq);
}

static int sq_version_list(store_t *st, arena_t *a, const char *app, const char *env, version_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_VERSION_LIST);
    sq_bind_text(q, 1, app);
    sq_bind_text(q, 2, env);
    return sq_collect(st, a, q, sizeof **out, read_version, (void **)out, n);
}

/* ---- environment variables ---- */

static int sq_var_put(store_t *st, const char *app, const char *env, const var_rec_t *v)
{
    sqlite3_stmt *q = stmt(st, Q_VAR_PUT);
    sq_bind_text(q, 1, app);
    sq_bind_text(q, 2, env);
    sq_bind_text(q, 3, v->key);
    sqlite3_bind_int(q, 4, v->encrypted ? 1 : 0);
    sqlite3_bind_blob(q, 5, v->value_len ? v->value : "", (int)v->value_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, v->updated_ms);
    return sq_write1(st, q);
}

static int sq_var_delete(store_t *st, const char *app, const char *env, const char *key)
{
    sqlite3_stmt *q = stmt(st, Q_VAR_DELETE);
    sq_bind_text(q, 1, app);
    sq_bind_text(q, 2, env);
    sq_bind_text(q, 3, key);
    return sq_write_one_row(st, q);
}

static void read_var(arena_t *a, sqlite3_stmt *q, void *p)
{
    var_rec_t *v = p;
    v->key = sq_col_str(a, q, 0);
    v->encrypted = sqlite3_column_int(q, 1);
    v->value_len = (size_t)sqlite3_column_bytes(q, 2);
    const void *b = sqlite3_column_blob(q, 2);
    char *c = arena_alloc(a, v->value_len + 1);
    if (!c)
        kiln_oom(v->value_len);
    if (v->value_len)
        memcpy(c, b, v->value_len);
    c[v->value_len] = '\0';
    v->value = c;
    v->created_ms = sqlite3_column_int64(q, 3);
    v->updated_ms = sqlite3_column_int64(q, 4);
}

static int sq_var_list(store_t *st, arena_t *a, const char *app, const char *env, var_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_VAR_LIST);
    sq_bind_text(q, 1, app);
    sq_bind_text(q, 2, env);
    return sq_collect(st, a, q, sizeof **out, read_var, (void **)out, n);
}

const store_apps_ops_t sq_apps_ops = {
    .app_insert = sq_app_insert,
    .app_get = sq_app_get,
    .env_insert = sq_env_insert,
    .env_get = sq_env_get,
    .env_set_isolation = sq_env_set_isolation,
    .env_list = sq_env_list,
    .version_insert = sq_version_insert,
    .version_latest = sq_version_latest,
    .version_latest_seq = sq_version_latest_seq,
    .version_list = sq_version_list,
    .var_put = sq_var_put,
    .var_delete = sq_var_delete,
    .var_list = sq_var_list,
};
