/* The store's changelog family (store/store_changelog.h) on SQLite. Tables:
 * changegroups, changeitems. */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
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

static const sq_sql_t statements = {SQ_CHANGELOG, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

static int sq_changelog_append(store_t *st, int64_t site, change_group_t *g)
{
    if (g->nitems == 0 || g->nitems > CHANGELOG_MAX_ITEMS)
        return STORE_ERROR;
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "changegroup", &g->id);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_GROUP_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, g->id);
        sqlite3_bind_int64(q, 3, g->issue_id);
        sq_bind_text(q, 4, g->author_account_id);
        sqlite3_bind_int64(q, 5, g->created_ms);
        rc = sq_exec(st, q);
    }
    for (size_t i = 0; rc == STORE_OK && i < g->nitems; i++) {
        const change_item_t *it = &g->items[i];
        sqlite3_stmt *q = stmt(st, Q_ITEM_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, g->id);
        sqlite3_bind_int64(q, 3, (int64_t)i);
        sq_bind_text(q, 4, it->field);
        sq_bind_text(q, 5, it->fieldtype ? it->fieldtype : "jira");
        sq_bind_text(q, 6, it->field_id);
        sq_bind_text(q, 7, it->from_id);
        sq_bind_text(q, 8, it->from_string);
        sq_bind_text(q, 9, it->to_id);
        sq_bind_text(q, 10, it->to_string);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static void read_group(arena_t *a, sqlite3_stmt *q, void *rec)
{
    change_group_t *g = rec;
    memset(g, 0, sizeof *g);
    g->id = sqlite3_column_int64(q, 0);
    g->issue_id = sqlite3_column_int64(q, 1);
    g->author_account_id = sq_col_str(a, q, 2);
    g->created_ms = sqlite3_column_int64(q, 3);
}

static void read_item(arena_t *a, sqlite3_stmt *q, void *rec)
{
    change_item_t *it = rec;
    it->field = sq_col_str(a, q, 0);
    it->fieldtype = sq_col_str(a, q, 1);
    it->field_id = sq_col_str(a, q, 2);
    it->from_id = sq_col_str(a, q, 3);
    it->from_string = sq_col_str(a, q, 4);
    it->to_id = sq_col_str(a, q, 5);
    it->to_string = sq_col_str(a, q, 6);
}

static int sq_changelog_list(store_t *st, arena_t *a, int64_t site, int64_t issue, int64_t start, int64_t max,
                             change_group_t **out, size_t *n, int64_t *total)
{
    sqlite3_stmt *q = stmt(st, Q_COUNT);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    int rc = sq_count(st, q, total);
    if (rc != STORE_OK)
        return rc;
    q = stmt(st, Q_GROUPS);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    sqlite3_bind_int64(q, 3, max);
    sqlite3_bind_int64(q, 4, start);
    rc = sq_collect(st, a, q, sizeof **out, read_group, (void **)out, n);
    for (size_t i = 0; rc == STORE_OK && i < *n; i++) {
        q = stmt(st, Q_ITEMS);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, (*out)[i].id);
        rc = sq_collect(st, a, q, sizeof *(*out)[i].items, read_item, (void **)&(*out)[i].items, &(*out)[i].nitems);
    }
    return rc;
}

const store_changelog_ops_t sq_changelog_ops = {
    .append = sq_changelog_append,
    .list = sq_changelog_list,
};
