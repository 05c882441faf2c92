/* The store's project-catalog family (store/store_catalog.h) over the neutral statement layer (sql/db.h): components
 * and versions, and the issues that carry them. Tables: components, versions_jira, issue_components, issue_versions. */
#include <stdint.h>

#include "store/sql/families.h"
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

static const db_sql_t statements = {DB_CATALOG, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

/* ---- components ---- */

static void bind_comp(db_stmt_t *q, int first, const component_rec_t *c)
{
    db_bind_text(q, first, c->name);
    db_bind_text(q, first + 1, c->description ? c->description : "");
    db_bind_text(q, first + 2, c->lead_account_id);
    db_bind_text(q, first + 3, c->assignee_type ? c->assignee_type : "PROJECT_DEFAULT");
}

static int db_comp_insert(store_t *st, int64_t site, component_rec_t *c)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "component", &c->id);
    if (rc == STORE_OK) {
        db_stmt_t *q = stmt(st, Q_COMP_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, c->id);
        db_bind_i64(q, 3, c->project_id);
        bind_comp(q, 4, c);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_comp_update(store_t *st, int64_t site, const component_rec_t *c)
{
    db_stmt_t *q = stmt(st, Q_COMP_UPDATE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, c->id);
    bind_comp(q, 3, c);
    return db_write_one_row(st, q);
}

static void read_comp(arena_t *a, db_stmt_t *q, void *rec)
{
    component_rec_t *c = rec;
    c->id = db_col_i64(q, 0);
    c->project_id = db_col_i64(q, 1);
    c->name = db_col_str(a, q, 2);
    c->description = db_col_str(a, q, 3);
    c->lead_account_id = db_col_str(a, q, 4);
    c->assignee_type = db_col_str(a, q, 5);
}

static int db_comp_get(store_t *st, arena_t *a, int64_t site, int64_t id, component_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_COMP_GET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, id);
    return db_one(st, a, q, read_comp, out);
}

/* Deletes row `id` with statement `del` after unlinking it from issues with `unlink`. */
static int delete_linked(store_t *st, int64_t site, int64_t id, enum q unlink, enum q del)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, unlink);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, id);
    rc = db_exec(st, q);
    if (rc == STORE_OK) {
        q = stmt(st, del);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, id);
        rc = db_write_one_row(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_comp_delete(store_t *st, int64_t site, int64_t id)
{
    return delete_linked(st, site, id, Q_COMP_UNLINK, Q_COMP_DELETE);
}

static int db_comp_list(store_t *st, arena_t *a, int64_t site, int64_t project, component_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_COMP_LIST);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, project);
    return db_collect(st, a, q, sizeof **out, read_comp, (void **)out, n);
}

/* ---- versions ---- */

static void bind_ver(db_stmt_t *q, int first, const pversion_rec_t *v)
{
    db_bind_text(q, first, v->name);
    db_bind_text(q, first + 1, v->description ? v->description : "");
    db_bind_i64(q, first + 2, v->released != 0);
    db_bind_i64(q, first + 3, v->archived != 0);
    db_bind_text(q, first + 4, v->start_date);
    db_bind_text(q, first + 5, v->release_date);
}

static int db_ver_insert(store_t *st, int64_t site, pversion_rec_t *v)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "version", &v->id);
    if (rc == STORE_OK) {
        db_stmt_t *q = stmt(st, Q_VER_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, v->id);
        db_bind_i64(q, 3, v->project_id);
        bind_ver(q, 4, v);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_ver_update(store_t *st, int64_t site, const pversion_rec_t *v)
{
    db_stmt_t *q = stmt(st, Q_VER_UPDATE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, v->id);
    bind_ver(q, 3, v);
    return db_write_one_row(st, q);
}

static void read_ver(arena_t *a, db_stmt_t *q, void *rec)
{
    pversion_rec_t *v = rec;
    v->id = db_col_i64(q, 0);
    v->project_id = db_col_i64(q, 1);
    v->name = db_col_str(a, q, 2);
    v->description = db_col_str(a, q, 3);
    v->released = db_col_int(q, 4);
    v->archived = db_col_int(q, 5);
    v->start_date = db_col_str(a, q, 6);
    v->release_date = db_col_str(a, q, 7);
}

static int db_ver_get(store_t *st, arena_t *a, int64_t site, int64_t id, pversion_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_VER_GET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, id);
    return db_one(st, a, q, read_ver, out);
}

static int db_ver_delete(store_t *st, int64_t site, int64_t id)
{
    return delete_linked(st, site, id, Q_VER_UNLINK, Q_VER_DELETE);
}

static int db_ver_list(store_t *st, arena_t *a, int64_t site, int64_t project, pversion_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_VER_LIST);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, project);
    return db_collect(st, a, q, sizeof **out, read_ver, (void **)out, n);
}

/* ---- an issue's components and versions ---- */

static void read_id(arena_t *a, db_stmt_t *q, void *rec)
{
    *(int64_t *)rec = db_col_i64(q, 0);
}

static int db_issue_comps_get(store_t *st, arena_t *a, int64_t site, int64_t issue, int64_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_ISSUE_COMPS_GET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    return db_collect(st, a, q, sizeof **out, read_id, (void **)out, n);
}

/* Replaces an issue's set: `clear` then `add` for each id; kind < 0: no kind column. */
static int set_ids(store_t *st, int64_t site, int64_t issue, int kind, enum q clear, enum q add, const int64_t *ids,
                   size_t n)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, clear);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    if (kind >= 0)
        db_bind_i64(q, 3, kind);
    rc = db_exec(st, q);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        q = stmt(st, add);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, issue);
        if (kind >= 0) {
            db_bind_i64(q, 3, kind);
            db_bind_i64(q, 4, ids[i]);
        } else {
            db_bind_i64(q, 3, ids[i]);
        }
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_issue_comps_set(store_t *st, int64_t site, int64_t issue, const int64_t *ids, size_t n)
{
    return set_ids(st, site, issue, -1, Q_ISSUE_COMPS_CLEAR, Q_ISSUE_COMP_ADD, ids, n);
}

static int db_issue_vers_get(store_t *st, arena_t *a, int64_t site, int64_t issue, int kind, int64_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_ISSUE_VERS_GET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    db_bind_i64(q, 3, kind);
    return db_collect(st, a, q, sizeof **out, read_id, (void **)out, n);
}

static int db_issue_vers_set(store_t *st, int64_t site, int64_t issue, int kind, const int64_t *ids, size_t n)
{
    return set_ids(st, site, issue, kind, Q_ISSUE_VERS_CLEAR, Q_ISSUE_VER_ADD, ids, n);
}

static int db_comp_move(store_t *st, int64_t site, int64_t from, int64_t to)
{
    db_stmt_t *q = stmt(st, Q_COMP_MOVE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, from);
    db_bind_i64(q, 3, to);
    return db_exec(st, q);
}

static int db_ver_move(store_t *st, int64_t site, int64_t from, int64_t to, int kind)
{
    db_stmt_t *q = stmt(st, Q_VER_MOVE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, from);
    db_bind_i64(q, 3, to);
    db_bind_i64(q, 4, kind);
    return db_exec(st, q);
}

const store_catalog_ops_t db_catalog_ops = {
    .component_insert = db_comp_insert,
    .component_update = db_comp_update,
    .component_get = db_comp_get,
    .component_delete = db_comp_delete,
    .component_move = db_comp_move,
    .pversion_move = db_ver_move,
    .component_list = db_comp_list,
    .pversion_insert = db_ver_insert,
    .pversion_update = db_ver_update,
    .pversion_get = db_ver_get,
    .pversion_delete = db_ver_delete,
    .pversion_list = db_ver_list,
    .issue_components_get = db_issue_comps_get,
    .issue_components_set = db_issue_comps_set,
    .issue_versions_get = db_issue_vers_get,
    .issue_versions_set = db_issue_vers_set,
};
