/* The store's installations family (store/store_installs.h) on SQLite: installations,
 * their webtriggers. Tables: installations, webtriggers (lifecycle_events: see
 * store/store_installs.h). */
#include <sqlite3.h>
#include <stdint.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_installs.h"

enum q {
    Q_INSTALL_INSERT,
    Q_INSTALL_GET,
    Q_INSTALL_ACTIVE,
    Q_INSTALL_LIST,
    Q_INSTALL_LIST_ALL,
    Q_INSTALL_SITE,
    Q_INSTALL_SITE_MENTIONS,
    Q_INSTALL_SET_MAJOR,
    Q_INSTALL_REMOVE,
    Q_INSTALL_PURGEABLE,
    Q_INSTALL_PURGE,
    Q_WEBTRIGGER_INSERT,
    Q_WEBTRIGGER_BY_MODULE,
    Q_WEBTRIGGER_GET,
    Q_WEBTRIGGER_DELETE,
    Q_WEBTRIGGER_LIST,
    Q__COUNT
};

#define INSTALL_COLS                                                                                                   \
    "id, site_id, app_id, env_key, installer_account_id, bot_account_id, major, scopes_json, egress_json, "            \
    "removed, purged, created_ms, updated_ms, removed_ms, purge_after_ms"

static const char *const sql[Q__COUNT] = {
    [Q_INSTALL_INSERT] = "INSERT INTO installations (" INSTALL_COLS ") "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0, ?10, ?10, NULL, NULL)",
    [Q_INSTALL_GET] = "SELECT " INSTALL_COLS " FROM installations WHERE id = ?1",
    [Q_INSTALL_ACTIVE] = "SELECT " INSTALL_COLS " FROM installations "
                         "WHERE site_id = ?1 AND app_id = ?2 AND env_key = ?3 AND removed = 0",
    [Q_INSTALL_LIST] = "SELECT " INSTALL_COLS " FROM installations WHERE app_id = ?1 ORDER BY created_ms DESC, id",
    [Q_INSTALL_LIST_ALL] = "SELECT " INSTALL_COLS " FROM installations ORDER BY created_ms DESC, id",
    [Q_INSTALL_SITE] = "SELECT " INSTALL_COLS " FROM installations WHERE site_id = ?1 AND removed = 0 "
                       "ORDER BY created_ms, id",
    /* whether an active installation's newest version of its major names ?2 anywhere in its
     * manifest (a cheap over-approximation of "a trigger subscribes to it") */
    [Q_INSTALL_SITE_MENTIONS] = "SELECT EXISTS (SELECT 1 FROM installations i WHERE i.site_id = ?1 AND i.removed = 0 "
                                "AND instr((SELECT v.manifest_json FROM versions v WHERE v.app_id = i.app_id AND "
                                "v.env_key = i.env_key AND v.major = i.major ORDER BY v.seq DESC LIMIT 1), ?2) > 0)",
    [Q_INSTALL_SET_MAJOR] = "UPDATE installations SET major = ?2, scopes_json = ?3, egress_json = ?4, "
                            "updated_ms = ?5 WHERE id = ?1 AND removed = 0",
    [Q_INSTALL_REMOVE] = "UPDATE installations SET removed = 1, removed_ms = ?2, purge_after_ms = ?3, "
                         "updated_ms = ?2 WHERE id = ?1 AND removed = 0",
    [Q_INSTALL_PURGEABLE] = "SELECT " INSTALL_COLS " FROM installations "
                            "WHERE removed = 1 AND purged = 0 AND purge_after_ms <= ?1 ORDER BY purge_after_ms",
    [Q_INSTALL_PURGE] = "UPDATE installations SET purged = 1 WHERE id = ?1 AND removed = 1",
    [Q_WEBTRIGGER_INSERT] = "INSERT OR IGNORE INTO webtriggers (id, installation_id, module_key, created_ms) "
                            "VALUES (?1, ?2, ?3, ?4)",
    [Q_WEBTRIGGER_BY_MODULE] = "SELECT id FROM webtriggers WHERE installation_id = ?1 AND module_key = ?2",
    [Q_WEBTRIGGER_GET] = "SELECT installation_id, module_key FROM webtriggers WHERE id = ?1",
    [Q_WEBTRIGGER_DELETE] = "DELETE FROM webtriggers WHERE id = ?1 AND installation_id = ?2",
    [Q_WEBTRIGGER_LIST] = "SELECT id, module_key FROM webtriggers WHERE installation_id = ?1 ORDER BY module_key",
};

static const sq_sql_t statements = {SQ_INSTALLS, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

/* ---- installations ---- */

static void read_install(arena_t *a, sqlite3_stmt *q, void *p)
{
    install_rec_t *r = p;
    r->id = sq_col_str(a, q, 0);
    r->site_id = sqlite3_column_int64(q, 1);
    r->app_id = sq_col_str(a, q, 2);
    r->env_key = sq_col_str(a, q, 3);
    r->installer_account_id = sq_col_str(a, q, 4);
    r->bot_account_id = sq_col_str(a, q, 5);
    r->major = sqlite3_column_int64(q, 6);
    r->scopes_json = sq_col_str(a, q, 7);
    r->egress_json = sq_col_str(a, q, 8);
    r->removed = sqlite3_column_int(q, 9);
    r->purged = sqlite3_column_int(q, 10);
    r->created_ms = sqlite3_column_int64(q, 11);
    r->updated_ms = sqlite3_column_int64(q, 12);
    r->removed_ms = sqlite3_column_int64(q, 13);
    r->purge_after_ms = sqlite3_column_int64(q, 14);
}

static int sq_install_insert(store_t *st, const install_rec_t *r)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_INSERT);
    sq_bind_text(q, 1, r->id);
    sqlite3_bind_int64(q, 2, r->site_id);
    sq_bind_text(q, 3, r->app_id);
    sq_bind_text(q, 4, r->env_key);
    sq_bind_text(q, 5, r->installer_account_id);
    sq_bind_text(q, 6, r->bot_account_id);
    sqlite3_bind_int64(q, 7, r->major);
    sq_bind_text(q, 8, r->scopes_json);
    sq_bind_text(q, 9, r->egress_json);
    sqlite3_bind_int64(q, 10, r->created_ms);
    return sq_write1(st, q);
}

static int sq_install_get(store_t *st, arena_t *a, const char *id, install_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_GET);
    sq_bind_text(q, 1, id);
    return sq_one(st, a, q, read_install, out);
}

static int sq_install_active(store_t *st, arena_t *a, int64_t site, const char *app, const char *env,
                             install_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_ACTIVE);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, app);
    sq_bind_text(q, 3, env);
    return sq_one(st, a, q, read_install, out);
}

static int sq_install_list(store_t *st, arena_t *a, const char *app, install_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, app ? Q_INSTALL_LIST : Q_INSTALL_LIST_ALL);
    if (app)
        sq_bind_text(q, 1, app);
    return sq_collect(st, a, q, sizeof **out, read_install, (void **)out, n);
}

static int sq_install_site(store_t *st, arena_t *a, int64_t site, install_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_SITE);
    sqlite3_bind_int64(q, 1, site);
    return sq_collect(st, a, q, sizeof **out, read_install, (void **)out, n);
}

static int sq_install_site_mentions(store_t *st, int64_t site, const char *needle, int *yes)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_SITE_MENTIONS);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, needle);
    int64_t n = 0;
    int rc = sq_count(st, q, &n);
    *yes = rc == STORE_OK && n > 0;
    return rc;
}

static int sq_install_set_major(store_t *st, const char *id, int64_t major, const char *scopes, const char *egress,
                                int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_SET_MAJOR);
    sq_bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, major);
    sq_bind_text(q, 3, scopes);
    sq_bind_text(q, 4, egress);
    sqlite3_bind_int64(q, 5, now);
    return sq_write_one_row(st, q);
}

static int sq_install_remove(store_t *st, const char *id, int64_t now, int64_t purge_after)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_REMOVE);
    sq_bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, purge_after);
    return sq_write_one_row(st, q);
}

static int sq_install_purgeable(store_t *st, arena_t *a, int64_t now, install_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_PURGEABLE);
    sqlite3_bind_int64(q, 1, now);
    return sq_collect(st, a, q, sizeof **out, read_install, (void **)out, n);
}

/* The installation's app storage and deliveries go in the same transaction that marks it
 * purged. */
static int sq_install_purge(store_t *st, const char *id)
{
    arena_t *a = arena_new(64 * 1024);
    install_rec_t in;
    int opened, rc = sq_tx_open(st, &opened);
    if (rc == STORE_OK)
        rc = sq_install_get(st, a, id, &in);
    if (rc == STORE_OK)
        rc = sq_kvs_purge_installation(st, in.site_id, id);
    if (rc == STORE_OK)
        rc = sq_deliveries_purge_installation(st, id);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_INSTALL_PURGE);
        sq_bind_text(q, 1, id);
        rc = sq_exec(st, q);
        if (rc == STORE_OK && sqlite3_changes(DB(st)) == 0)
            rc = STORE_NOTFOUND;
    }
    arena_free(a);
    return sq_tx_close(st, opened, rc);
}

/* ---- webtriggers ---- */

static int sq_webtrigger_ensure(store_t *st, arena_t *a, const char *inst, const char *module, const char *new_id,
                                int64_t now, const char **id)
{
    int opened, rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_WEBTRIGGER_INSERT); /* a no-op when the pair has its id already */
    sq_bind_text(q, 1, new_id);
    sq_bind_text(q, 2, inst);
    sq_bind_text(q, 3, module);
    sqlite3_bind_int64(q, 4, now);
    rc = sq_exec(st, q);
    if (rc == STORE_OK) {
        q = stmt(st, Q_WEBTRIGGER_BY_MODULE);
        sq_bind_text(q, 1, inst);
        sq_bind_text(q, 2, module);
        rc = sqlite3_step(q) == SQLITE_ROW ? (*id = sq_col_str(a, q, 0), STORE_OK) : STORE_ERROR;
        sq_done(q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_webtrigger_get(store_t *st, arena_t *a, const char *id, const char **inst, const char **module)
{
    sqlite3_stmt *q = stmt(st, Q_WEBTRIGGER_GET);
    sq_bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOTFOUND : sq_rc(st, rc);
    if (rc == SQLITE_ROW) {
        *inst = sq_col_str(a, q, 0);
        *module = sq_col_str(a, q, 1);
    }
    sq_done(q);
    return r;
}

static int sq_webtrigger_delete(store_t *st, const char *id, const char *inst)
{
    sqlite3_stmt *q = stmt(st, Q_WEBTRIGGER_DELETE);
    sq_bind_text(q, 1, id);
    sq_bind_text(q, 2, inst);
    return sq_write_one_row(st, q);
}

struct pair {
    const char *a, *b;
};

static void read_pair(arena_t *a, sqlite3_stmt *q, void *p)
{
    struct pair *r = p;
    r->a = sq_col_str(a, q, 0);
    r->b = sq_col_str(a, q, 1);
}

static int sq_webtrigger_list(store_t *st, arena_t *a, const char *inst, const char ***ids, const char ***modules,
                              size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_WEBTRIGGER_LIST);
    sq_bind_text(q, 1, inst);
    struct pair *v;
    int rc = sq_collect(st, a, q, sizeof *v, read_pair, (void **)&v, n);
    *ids = arena_alloc(a, (*n ? *n : 1) * sizeof **ids);
    *modules = arena_alloc(a, (*n ? *n : 1) * sizeof **modules);
    for (size_t i = 0; rc == STORE_OK && i < *n; i++) {
        (*ids)[i] = v[i].a;
        (*modules)[i] = v[i].b;
    }
    return rc;
}

const store_installs_ops_t sq_installs_ops = {
    .install_insert = sq_install_insert,
    .install_get = sq_install_get,
    .install_active = sq_install_active,
    .install_list = sq_install_list,
    .install_site = sq_install_site,
    .install_site_mentions = sq_install_site_mentions,
    .install_set_major = sq_install_set_major,
    .install_remove = sq_install_remove,
    .install_purgeable = sq_install_purgeable,
    .install_purge = sq_install_purge,
    .webtrigger_ensure = sq_webtrigger_ensure,
    .webtrigger_get = sq_webtrigger_get,
    .webtrigger_delete = sq_webtrigger_delete,
    .webtrigger_list = sq_webtrigger_list,
};
