/* The store's issue-links family (store/store_links.h) over the neutral statement layer (sql/db.h). Table: issue_links.
 */
#include <stdint.h>

#include "store/sql/families.h"
#include "store/store_links.h"
#include "store/store_product.h"

enum q { Q_INSERT, Q_GET, Q_DELETE, Q_OF_ISSUE, Q__COUNT };

#define LINK_COLS "id, type_id, outward_issue_id, inward_issue_id, created_ms"

static const char *const sql[Q__COUNT] = {
    [Q_INSERT] = "INSERT INTO issue_links (site_id, id, type_id, outward_issue_id, inward_issue_id, created_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_GET] = "SELECT " LINK_COLS " FROM issue_links WHERE site_id = ?1 AND id = ?2",
    [Q_DELETE] = "DELETE FROM issue_links WHERE site_id = ?1 AND id = ?2",
    [Q_OF_ISSUE] = "SELECT " LINK_COLS " FROM issue_links WHERE site_id = ?1 AND outward_issue_id = ?2 "
                   "UNION SELECT " LINK_COLS " FROM issue_links WHERE site_id = ?1 AND inward_issue_id = ?2 "
                   "ORDER BY 1 LIMIT ?3",
};

static const db_sql_t statements = {DB_LINKS, Q__COUNT, sql};

static void read_link(arena_t *a, db_stmt_t *q, void *rec)
{
    (void)a;
    link_rec_t *l = rec;
    l->id = db_col_i64(q, 0);
    l->type_id = db_col_i64(q, 1);
    l->outward_issue_id = db_col_i64(q, 2);
    l->inward_issue_id = db_col_i64(q, 3);
    l->created_ms = db_col_i64(q, 4);
}

static int db_link_insert(store_t *st, int64_t site, link_rec_t *l)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc == STORE_OK)
        rc = store_next_id(st, site, "link", &l->id);
    if (rc == STORE_OK) {
        db_stmt_t *q = db_stmt(st, &statements, Q_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, l->id);
        db_bind_i64(q, 3, l->type_id);
        db_bind_i64(q, 4, l->outward_issue_id);
        db_bind_i64(q, 5, l->inward_issue_id);
        db_bind_i64(q, 6, l->created_ms);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_link_get(store_t *st, int64_t site, int64_t id, link_rec_t *out)
{
    db_stmt_t *q = db_stmt(st, &statements, Q_GET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, id);
    return db_one(st, NULL, q, read_link, out);
}

static int db_link_delete(store_t *st, int64_t site, int64_t id)
{
    db_stmt_t *q = db_stmt(st, &statements, Q_DELETE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, id);
    return db_write_one_row(st, q);
}

static int db_links_of_issue(store_t *st, arena_t *a, int64_t site, int64_t issue, link_rec_t **out, size_t *n)
{
    db_stmt_t *q = db_stmt(st, &statements, Q_OF_ISSUE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    db_bind_i64(q, 3, LINKS_MAX_PER_ISSUE);
    return db_collect(st, a, q, sizeof **out, read_link, (void **)out, n);
}

const store_links_ops_t db_links_ops = {
    .insert = db_link_insert,
    .get = db_link_get,
    .del = db_link_delete,
    .of_issue = db_links_of_issue,
};
