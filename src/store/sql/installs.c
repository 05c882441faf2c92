/* The store's installations family (store/store_installs.h) over the neutral statement layer (sql/db.h): installations,
 * their webtriggers. Tables: installations, webtriggers (lifecycle_events: see
 * store/store_installs.h). */
#include <stdint.h>

#include "store/sql/families.h"
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
    /* the row's site is its installation's (no row: an unknown installation, or another
     * site's under row-level security) */
    [Q_WEBTRIGGER_INSERT] = "INSERT OR IGNORE INTO webtriggers (id, site_id, installation_id, module_key, created_ms) "
                            "SELECT ?1, site_id, ?2, ?3, ?4 FROM installations WHERE id = ?2",
    [Q_WEBTRIGGER_BY_MODULE] = "SELECT id FROM webtriggers WHERE installation_id = ?1 AND module_key = ?2",
    [Q_WEBTRIGGER_GET] = "SELECT installation_id, module_key FROM webtriggers WHERE id = ?1",
    [Q_WEBTRIGGER_DELETE] = "DELETE FROM webtriggers WHERE id = ?1 AND installation_id = ?2",
    [Q_WEBTRIGGER_LIST] = "SELECT id, module_key FROM webtriggers WHERE installation_id = ?1 ORDER BY module_key",
};

static const db_sql_t statements = {DB_INSTALLS, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

/* ---- installations ---- */

static void read_install(arena_t *a, db_stmt_t *q, void *p)
{
    install_rec_t *r = p;
    r->id = db_col_str(a, q, 0);
    r->site_id = db_col_i64(q, 1);
    r->app_id = db_col_str(a, q, 2);
    r->env_key = db_col_str(a, q, 3);
    r->installer_account_id = db_col_str(a, q, 4);
    r->bot_account_id = db_col_str(a, q, 5);
    r->major = db_col_i64(q, 6);
    r->scopes_json = db_col_str(a, q, 7);
    r->egress_json = db_col_str(a, q, 8);
    r->removed = db_col_int(q, 9);
    r->purged = db_col_int(q, 10);
    r->created_ms = db_col_i64(q, 11);
    r->updated_ms = db_col_i64(q, 12);
    r->removed_ms = db_col_i64(q, 13);
    r->purge_after_ms = db_col_i64(q, 14);
}

static int db_install_insert(store_t *st, const install_rec_t *r)
{
    db_stmt_t *q = stmt(st, Q_INSTALL_INSERT);
    db_bind_text(q, 1, r->id);
    db_bind_i64(q, 2, r->site_id);
    db_bind_text(q, 3, r->app_id);
    db_bind_text(q, 4, r->env_key);
    db_bind_text(q, 5, r->installer_account_id);
    db_bind_text(q, 6, r->bot_account_id);
    db_bind_i64(q, 7, r->major);
    db_bind_text(q, 8, r->scopes_json);
    db_bind_text(q, 9, r->egress_json);
    db_bind_i64(q, 10, r->created_ms);
    return db_write1(st, q);
}

static int db_install_get(store_t *st, arena_t *a, const char *id, install_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_INSTALL_GET);
    db_bind_text(q, 1, id);
    return db_one(st, a, q, read_install, out);
}

static int db_install_active(store_t *st, arena_t *a, int64_t site, const char *app, const char *env,
                             install_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_INSTALL_ACTIVE);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, app);
    db_bind_text(q, 3, env);
    return db_one(st, a, q, read_install, out);
}

static int db_install_list(store_t *st, arena_t *a, const char *app, install_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, app ? Q_INSTALL_LIST : Q_INSTALL_LIST_ALL);
    if (app)
        db_bind_text(q, 1, app);
    return db_collect(st, a, q, sizeof **out, read_install, (void **)out, n);
}

static int db_install_site(store_t *st, arena_t *a, int64_t site, install_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_INSTALL_SITE);
    db_bind_i64(q, 1, site);
    return db_collect(st, a, q, sizeof **out, read_install, (void **)out, n);
}

static int db_install_site_mentions(store_t *st, int64_t site, const char *needle, int *yes)
{
    db_stmt_t *q = stmt(st, Q_INSTALL_SITE_MENTIONS);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, needle);
    int64_t n = 0;
    int rc = db_count(st, q, &n);
    *yes = rc == STORE_OK && n > 0;
    return rc;
}

static int db_install_set_major(store_t *st, const char *id, int64_t major, const char *scopes, const char *egress,
                                int64_t now)
{
    db_stmt_t *q = stmt(st, Q_INSTALL_SET_MAJOR);
    db_bind_text(q, 1, id);
    db_bind_i64(q, 2, major);
    db_bind_text(q, 3, scopes);
    db_bind_text(q, 4, egress);
    db_bind_i64(q, 5, now);
    return db_write_one_row(st, q);
}

static int db_install_remove(store_t *st, const char *id, int64_t now, int64_t purge_after)
{
    db_stmt_t *q = stmt(st, Q_INSTALL_REMOVE);
    db_bind_text(q, 1, id);
    db_bind_i64(q, 2, now);
    db_bind_i64(q, 3, purge_after);
    return db_write_one_row(st, q);
}

static int db_install_purgeable(store_t *st, arena_t *a, int64_t now, install_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_INSTALL_PURGEABLE);
    db_bind_i64(q, 1, now);
    return db_collect(st, a, q, sizeof **out, read_install, (void **)out, n);
}

/* The installation's app storage and deliveries go in the same transaction that marks it
 * purged. */
static int db_install_purge(store_t *st, const char *id)
{
    arena_t *a = arena_new(64 * 1024);
    install_rec_t in;
    int opened, rc = db_tx_open(st, &opened);
    if (rc == STORE_OK)
        rc = db_install_get(st, a, id, &in);
    if (rc == STORE_OK)
        rc = db_kvs_purge_installation(st, in.site_id, id);
    if (rc == STORE_OK)
        rc = db_deliveries_purge_installation(st, id);
    if (rc == STORE_OK) {
        db_stmt_t *q = stmt(st, Q_INSTALL_PURGE);
        db_bind_text(q, 1, id);
        rc = db_exec(st, q);
        if (rc == STORE_OK && db_changes(st) == 0)
            rc = STORE_NOTFOUND;
    }
    arena_free(a);
    return db_tx_close(st, opened, rc);
}

/* ---- webtriggers ---- */

static int db_webtrigger_ensure(store_t *st, arena_t *a, const char *inst, const char *module, const char *new_id,
                                int64_t now, const char **id)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_WEBTRIGGER_INSERT); /* a no-op when the pair has its id already */
    db_bind_text(q, 1, new_id);
    db_bind_text(q, 2, inst);
    db_bind_text(q, 3, module);
    db_bind_i64(q, 4, now);
    rc = db_exec(st, q);
    if (rc == STORE_OK) {
        q = stmt(st, Q_WEBTRIGGER_BY_MODULE);
        db_bind_text(q, 1, inst);
        db_bind_text(q, 2, module);
        rc = db_step(q) == DB_ROW ? (*id = db_col_str(a, q, 0), STORE_OK) : STORE_ERROR;
        db_done(q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_webtrigger_get(store_t *st, arena_t *a, const char *id, const char **inst, const char **module)
{
    db_stmt_t *q = stmt(st, Q_WEBTRIGGER_GET);
    db_bind_text(q, 1, id);
    int rc = db_step(q);
    int r = rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOTFOUND : db_rc(st, rc);
    if (rc == DB_ROW) {
        *inst = db_col_str(a, q, 0);
        *module = db_col_str(a, q, 1);
    }
    db_done(q);
    return r;
}

static int db_webtrigger_delete(store_t *st, const char *id, const char *inst)
{
    db_stmt_t *q = stmt(st, Q_WEBTRIGGER_DELETE);
    db_bind_text(q, 1, id);
    db_bind_text(q, 2, inst);
    return db_write_one_row(st, q);
}

struct pair {
    const char *a, *b;
};

static void read_pair(arena_t *a, db_stmt_t *q, void *p)
{
    struct pair *r = p;
    r->a = db_col_str(a, q, 0);
    r->b = db_col_str(a, q, 1);
}

static int db_webtrigger_list(store_t *st, arena_t *a, const char *inst, const char ***ids, const char ***modules,
                              size_t *n)
{
    db_stmt_t *q = stmt(st, Q_WEBTRIGGER_LIST);
    db_bind_text(q, 1, inst);
    struct pair *v;
    int rc = db_collect(st, a, q, sizeof *v, read_pair, (void **)&v, n);
    *ids = arena_alloc(a, (*n ? *n : 1) * sizeof **ids);
    *modules = arena_alloc(a, (*n ? *n : 1) * sizeof **modules);
    for (size_t i = 0; rc == STORE_OK && i < *n; i++) {
        (*ids)[i] = v[i].a;
        (*modules)[i] = v[i].b;
    }
    return rc;
}

const store_installs_ops_t db_installs_ops = {
    .install_insert = db_install_insert,
    .install_get = db_install_get,
    .install_active = db_install_active,
    .install_list = db_install_list,
    .install_site = db_install_site,
    .install_site_mentions = db_install_site_mentions,
    .install_set_major = db_install_set_major,
    .install_remove = db_install_remove,
    .install_purgeable = db_install_purgeable,
    .install_purge = db_install_purge,
    .webtrigger_ensure = db_webtrigger_ensure,
    .webtrigger_get = db_webtrigger_get,
    .webtrigger_delete = db_webtrigger_delete,
    .webtrigger_list = db_webtrigger_list,
};
