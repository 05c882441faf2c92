/* The store's changelog family (store/store_changelog.h) over the neutral statement layer (sql/db.h). Tables:
 * changegroups, changeitems. */
#include <stdint.h>
#include <string.h>

#include "store/sql/families.h"
#include "store/store_changelog.h"
#include "store/store_product.h"

enum q { Q_GROUP_INSERT, Q_ITEM_INSERT, Q_COUNT, Q_GROUPS, Q_ITEMS, Q__COUNT };

static const char *const sql[Q__COUNT] = {
    [Q_GROUP_INSERT] = "INSERT INTO changegroups (site_id, id, issue_id, author_account_id, created_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_ITEM_INSERT] = "INSERT INTO changeitems (site_id, group_id, seq, field, fieldtype, field_id, from_id, "
                      "from_string, to_id, to_string) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [Q_COUNT] = "SELECT count(*) FROM changegroups WHERE site_id = ?1 AND issue_id = ?2",
    [Q_GROUPS] = "SELECT id, issue_id, author_account_id, created_ms FROM changegroups "
                 "WHERE site_id = ?1 AND issue_id = ?2 ORDER BY id LIMIT ?3 OFFSET ?4",
    [Q_ITEMS] = "SELECT field, fieldtype, field_id, from_id, from_string, to_id, to_string FROM changeitems "
                "WHERE site_id = ?1 AND group_id = ?2 ORDER BY seq",
};

static const db_sql_t statements = {DB_CHANGELOG, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

static int db_changelog_append(store_t *st, int64_t site, change_group_t *g)
{
    if (g->nitems == 0 || g->nitems > CHANGELOG_MAX_ITEMS)
        return STORE_ERROR;
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "changegroup", &g->id);
    if (rc == STORE_OK) {
        db_stmt_t *q = stmt(st, Q_GROUP_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, g->id);
        db_bind_i64(q, 3, g->issue_id);
        db_bind_text(q, 4, g->author_account_id);
        db_bind_i64(q, 5, g->created_ms);
        rc = db_exec(st, q);
    }
    for (size_t i = 0; rc == STORE_OK && i < g->nitems; i++) {
        const change_item_t *it = &g->items[i];
        db_stmt_t *q = stmt(st, Q_ITEM_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, g->id);
        db_bind_i64(q, 3, (int64_t)i);
        db_bind_text(q, 4, it->field);
        db_bind_text(q, 5, it->fieldtype ? it->fieldtype : "jira");
        db_bind_text(q, 6, it->field_id);
        db_bind_text(q, 7, it->from_id);
        db_bind_text(q, 8, it->from_string);
        db_bind_text(q, 9, it->to_id);
        db_bind_text(q, 10, it->to_string);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static void read_group(arena_t *a, db_stmt_t *q, void *rec)
{
    change_group_t *g = rec;
    memset(g, 0, sizeof *g);
    g->id = db_col_i64(q, 0);
    g->issue_id = db_col_i64(q, 1);
    g->author_account_id = db_col_str(a, q, 2);
    g->created_ms = db_col_i64(q, 3);
}

static void read_item(arena_t *a, db_stmt_t *q, void *rec)
{
    change_item_t *it = rec;
    it->field = db_col_str(a, q, 0);
    it->fieldtype = db_col_str(a, q, 1);
    it->field_id = db_col_str(a, q, 2);
    it->from_id = db_col_str(a, q, 3);
    it->from_string = db_col_str(a, q, 4);
    it->to_id = db_col_str(a, q, 5);
    it->to_string = db_col_str(a, q, 6);
}

static int db_changelog_list(store_t *st, arena_t *a, int64_t site, int64_t issue, int64_t start, int64_t max,
                             change_group_t **out, size_t *n, int64_t *total)
{
    db_stmt_t *q = stmt(st, Q_COUNT);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    int rc = db_count(st, q, total);
    if (rc != STORE_OK)
        return rc;
    q = stmt(st, Q_GROUPS);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    db_bind_i64(q, 3, max);
    db_bind_i64(q, 4, start);
    rc = db_collect(st, a, q, sizeof **out, read_group, (void **)out, n);
    for (size_t i = 0; rc == STORE_OK && i < *n; i++) {
        q = stmt(st, Q_ITEMS);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, (*out)[i].id);
        rc = db_collect(st, a, q, sizeof *(*out)[i].items, read_item, (void **)&(*out)[i].items, &(*out)[i].nitems);
    }
    return rc;
}

const store_changelog_ops_t db_changelog_ops = {
    .append = db_changelog_append,
    .list = db_changelog_list,
};
