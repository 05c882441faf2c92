/* The store's project-catalog family (store/store_catalog.h) on SQLite: components and
 * versions, and the issues that carry them. Tables: components, versions_jira,
 * issue_components, issue_versions. */
#include <sqlite3.h>
#include <stdint.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_catalog.h"
#include "store/store_product.h"

enum q {
    Q_COMP_INSERT,
    Q_COMP_UPDATE,
    Q_COMP_GET,
    Q_COMP_DELETE,
    Q_COMP_UNLINK,
    Q_COMP_LIST,
    Q_VER_INSERT,
    Q_VER_UPDATE,
    Q_VER_GET,
    Q_VER_DELETE,
    Q_VER_UNLINK,
    Q_VER_LIST,
    Q_ISSUE_COMPS_GET,
    Q_ISSUE_COMPS_CLEAR,
    Q_ISSUE_COMP_ADD,
    Q_ISSUE_VERS_GET,
    Q_ISSUE_VERS_CLEAR,
    Q_ISSUE_VER_ADD,
    Q_COMP_MOVE,
    Q_VER_MOVE,
    Q__COUNT
};

#define COMP_COLS "id, project_id, name, description, lead_account_id, assignee_type"
#define VER_COLS "id, project_id, name, description, released, archived, start_date, release_date"

static const char *const sql[Q__COUNT] = {
    [Q_COMP_INSERT] = "INSERT INTO components (site_id, id, project_id, name, description, lead_account_id, "
                      "assignee_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_COMP_UPDATE] = "UPDATE components SET name = ?3, description = ?4, lead_account_id = ?5, assignee_type = ?6 "
                      "WHERE site_id = ?1 AND id = ?2",
    [Q_COMP_GET] = "SELECT " COMP_COLS " FROM components WHERE site_id = ?1 AND id = ?2",
    [Q_COMP_DELETE] = "DELETE FROM components WHERE site_id = ?1 AND id = ?2",
    [Q_COMP_UNLINK] = "DELETE FROM issue_components WHERE site_id = ?1 AND component_id = ?2",
    [Q_COMP_LIST] = "SELECT " COMP_COLS " FROM components WHERE site_id = ?1 AND project_id = ?2 ORDER BY name, id",
    [Q_VER_INSERT] = "INSERT INTO versions_jira (site_id, id, project_id, name, description, released, archived, "
                     "start_date, release_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_VER_UPDATE] = "UPDATE versions_jira SET name = ?3, description = ?4, released = ?5, archived = ?6, "
                     "start_date = ?7, release_date = ?8 WHERE site_id = ?1 AND id = ?2",
    [Q_VER_GET] = "SELECT " VER_COLS " FROM versions_jira WHERE site_id = ?1 AND id = ?2",
    [Q_VER_DELETE] = "DELETE FROM versions_jira WHERE site_id = ?1 AND id = ?2",
    [Q_VER_UNLINK] = "DELETE FROM issue_versions WHERE site_id = ?1 AND version_id = ?2",
    [Q_VER_LIST] = "SELECT " VER_COLS " FROM versions_jira WHERE site_id = ?1 AND project_id = ?2 ORDER BY id",
    [Q_ISSUE_COMPS_GET] = "SELECT component_id FROM issue_components WHERE site_id = ?1 AND issue_id = ?2 "
                          "ORDER BY component_id",
    [Q_ISSUE_COMPS_CLEAR] = "DELETE FROM issue_components WHERE site_id = ?1 AND issue_id = ?2",
    [Q_ISSUE_COMP_ADD] = "INSERT OR IGNORE INTO issue_components (site_id, issue_id, component_id) VALUES (?1, ?2, ?3)",
    [Q_ISSUE_VERS_GET] = "SELECT version_id FROM issue_versions WHERE site_id = ?1 AND issue_id = ?2 AND kind = ?3 "
                         "ORDER BY version_id",
    [Q_ISSUE_VERS_CLEAR] = "DELETE FROM issue_versions WHERE site_id = ?1 AND issue_id = ?2 AND kind = ?3",
    [Q_ISSUE_VER_ADD] = "INSERT OR IGNORE INTO issue_versions (site_id, issue_id, kind, version_id) "
                        "VALUES (?1, ?2, ?3, ?4)",
    /* an id's issues carry another id of the same kind too (then the first is unlinked) */
    [Q_COMP_MOVE] = "INSERT OR IGNORE INTO issue_components (site_id, issue_id, component_id) "
                    "SELECT site_id, issue_id, ?3 FROM issue_components WHERE site_id = ?1 AND component_id = ?2",
    [Q_VER_MOVE] = "INSERT OR IGNORE INTO issue_versions (site_id, issue_id, kind, version_id) "
                   "SELECT site_id, issue_id, kind, ?3 FROM issue_versions WHERE site_id = ?1 AND version_id = ?2 "
                   "AND kind = ?4",
};

static const sq_sql_t statements = {SQ_CATALOG, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

/* ---- components ---- */

static void bind_comp(sqlite3_stmt *q, int first, const component_rec_t *c)
{
    sq_bind_text(q, first, c->name);
    sq_bind_text(q, first + 1, c->description ? c->description : "");
    sq_bind_text(q, first + 2, c->lead_account_id);
    sq_bind_text(q, first + 3, c->assignee_type ? c->assignee_type : "PROJECT_DEFAULT");
}

static int sq_comp_insert(store_t *st, int64_t site, component_rec_t *c)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "component", &c->id);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_COMP_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, c->id);
        sqlite3_bind_int64(q, 3, c->project_id);
        bind_comp(q, 4, c);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_comp_update(store_t *st, int64_t site, const component_rec_t *c)
{
    sqlite3_stmt *q = stmt(st, Q_COMP_UPDATE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, c->id);
    bind_comp(q, 3, c);
    return sq_write_one_row(st, q);
}

static void read_comp(arena_t *a, sqlite3_stmt *q, void *rec)
{
    component_rec_t *c = rec;
    c->id = sqlite3_column_int64(q, 0);
    c->project_id = sqlite3_column_int64(q, 1);
    c->name = sq_col_str(a, q, 2);
    c->description = sq_col_str(a, q, 3);
    c->lead_account_id = sq_col_str(a, q, 4);
    c->assignee_type = sq_col_str(a, q, 5);
}

static int sq_comp_get(store_t *st, arena_t *a, int64_t site, int64_t id, component_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_COMP_GET);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, id);
    return sq_one(st, a, q, read_comp, out);
}

/* Deletes row `id` with statement `del` after unlinking it from issues with `unlink`. */
static int delete_linked(store_t *st, int64_t site, int64_t id, enum q unlink, enum q del)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, unlink);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, id);
    rc = sq_exec(st, q);
    if (rc == STORE_OK) {
        q = stmt(st, del);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, id);
        rc = sq_write_one_row(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_comp_delete(store_t *st, int64_t site, int64_t id)
{
    return delete_linked(st, site, id, Q_COMP_UNLINK, Q_COMP_DELETE);
}

static int sq_comp_list(store_t *st, arena_t *a, int64_t site, int64_t project, component_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_COMP_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, project);
    return sq_collect(st, a, q, sizeof **out, read_comp, (void **)out, n);
}

/* ---- versions ---- */

static void bind_ver(sqlite3_stmt *q, int first, const pversion_rec_t *v)
{
    sq_bind_text(q, first, v->name);
    sq_bind_text(q, first + 1, v->description ? v->description : "");
    sqlite3_bind_int(q, first + 2, v->released != 0);
    sqlite3_bind_int(q, first + 3, v->archived != 0);
    sq_bind_text(q, first + 4, v->start_date);
    sq_bind_text(q, first + 5, v->release_date);
}

static int sq_ver_insert(store_t *st, int64_t site, pversion_rec_t *v)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "version", &v->id);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_VER_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, v->id);
        sqlite3_bind_int64(q, 3, v->project_id);
        bind_ver(q, 4, v);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_ver_update(store_t *st, int64_t site, const pversion_rec_t *v)
{
    sqlite3_stmt *q = stmt(st, Q_VER_UPDATE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, v->id);
    bind_ver(q, 3, v);
    return sq_write_one_row(st, q);
}

static void read_ver(arena_t *a, sqlite3_stmt *q, void *rec)
{
    pversion_rec_t *v = rec;
    v->id = sqlite3_column_int64(q, 0);
    v->project_id = sqlite3_column_int64(q, 1);
    v->name = sq_col_str(a, q, 2);
    v->description = sq_col_str(a, q, 3);
    v->released = sqlite3_column_int(q, 4);
    v->archived = sqlite3_column_int(q, 5);
    v->start_date = sq_col_str(a, q, 6);
    v->release_date = sq_col_str(a, q, 7);
}

static int sq_ver_get(store_t *st, arena_t *a, int64_t site, int64_t id, pversion_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_VER_GET);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, id);
    return sq_one(st, a, q, read_ver, out);
}

static int sq_ver_delete(store_t *st, int64_t site, int64_t id)
{
    return delete_linked(st, site, id, Q_VER_UNLINK, Q_VER_DELETE);
}

static int sq_ver_list(store_t *st, arena_t *a, int64_t site, int64_t project, pversion_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_VER_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, project);
    return sq_collect(st, a, q, sizeof **out, read_ver, (void **)out, n);
}

/* ---- an issue's components and versions ---- */

static void read_id(arena_t *a, sqlite3_stmt *q, void *rec)
{
    *(int64_t *)rec = sqlite3_column_int64(q, 0);
}

static int sq_issue_comps_get(store_t *st, arena_t *a, int64_t site, int64_t issue, int64_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_ISSUE_COMPS_GET);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    return sq_collect(st, a, q, sizeof **out, read_id, (void **)out, n);
}

/* Replaces an issue's set: `clear` then `add` for each id; kind < 0: no kind column. */
static int set_ids(store_t *st, int64_t site, int64_t issue, int kind, enum q clear, enum q add, const int64_t *ids,
                   size_t n)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, clear);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    if (kind >= 0)
        sqlite3_bind_int(q, 3, kind);
    rc = sq_exec(st, q);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        q = stmt(st, add);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, issue);
        if (kind >= 0) {
            sqlite3_bind_int(q, 3, kind);
            sqlite3_bind_int64(q, 4, ids[i]);
        } else {
            sqlite3_bind_int64(q, 3, ids[i]);
        }
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_issue_comps_set(store_t *st, int64_t site, int64_t issue, const int64_t *ids, size_t n)
{
    return set_ids(st, site, issue, -1, Q_ISSUE_COMPS_CLEAR, Q_ISSUE_COMP_ADD, ids, n);
}

static int sq_issue_vers_get(store_t *st, arena_t *a, int64_t site, int64_t issue, int kind, int64_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_ISSUE_VERS_GET);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    sqlite3_bind_int(q, 3, kind);
    return sq_collect(st, a, q, sizeof **out, read_id, (void **)out, n);
}

static int sq_issue_vers_set(store_t *st, int64_t site, int64_t issue, int kind, const int64_t *ids, size_t n)
{
    return set_ids(st, site, issue, kind, Q_ISSUE_VERS_CLEAR, Q_ISSUE_VER_ADD, ids, n);
}

static int sq_comp_move(store_t *st, int64_t site, int64_t from, int64_t to)
{
    sqlite3_stmt *q = stmt(st, Q_COMP_MOVE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, from);
    sqlite3_bind_int64(q, 3, to);
    return sq_exec(st, q);
}

static int sq_ver_move(store_t *st, int64_t site, int64_t from, int64_t to, int kind)
{
    sqlite3_stmt *q = stmt(st, Q_VER_MOVE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, from);
    sqlite3_bind_int64(q, 3, to);
    sqlite3_bind_int(q, 4, kind);
    return sq_exec(st, q);
}

const store_catalog_ops_t sq_catalog_ops = {
    .component_insert = sq_comp_insert,
    .component_update = sq_comp_update,
    .component_get = sq_comp_get,
    .component_delete = sq_comp_delete,
    .component_move = sq_comp_move,
    .pversion_move = sq_ver_move,
    .component_list = sq_comp_list,
    .pversion_insert = sq_ver_insert,
    .pversion_update = sq_ver_update,
    .pversion_get = sq_ver_get,
    .pversion_delete = sq_ver_delete,
    .pversion_list = sq_ver_list,
    .issue_components_get = sq_issue_comps_get,
    .issue_components_set = sq_issue_comps_set,
    .issue_versions_get = sq_issue_vers_get,
    .issue_versions_set = sq_issue_vers_set,
};
