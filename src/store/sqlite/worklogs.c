/* The store's worklogs family (store/store_worklogs.h) on SQLite. Table: worklogs. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_product.h"
#include "store/store_properties.h"
#include "store/store_worklogs.h"

enum q { Q_INSERT, Q_GET, Q_UPDATE, Q_DELETE, Q_COUNT, Q_LIST, Q_CHANGED, Q_DELETED, Q__COUNT };

#define COLS                                                                                                           \
    "id, issue_id, author_account_id, update_author_account_id, comment_json, visibility_json, started_ms, "           \
    "time_spent_s, created_ms, updated_ms, deleted_ms"

static const char *const sql[Q__COUNT] = {
    [Q_INSERT] = "INSERT INTO worklogs (site_id, " COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL)",
    [Q_GET] = "SELECT " COLS " FROM worklogs WHERE site_id = ?1 AND id = ?2 AND deleted_ms IS NULL",
    [Q_UPDATE] = "UPDATE worklogs SET update_author_account_id = ?3, comment_json = ?4, visibility_json = ?5, "
                 "started_ms = ?6, time_spent_s = ?7, updated_ms = ?8 "
                 "WHERE site_id = ?1 AND id = ?2 AND deleted_ms IS NULL",
    [Q_DELETE] = "UPDATE worklogs SET deleted_ms = ?3, updated_ms = ?3 "
                 "WHERE site_id = ?1 AND id = ?2 AND deleted_ms IS NULL",
    [Q_COUNT] = "SELECT count(*) FROM worklogs WHERE site_id = ?1 AND issue_id = ?2 AND deleted_ms IS NULL "
                "AND started_ms >= ?3 AND started_ms < ?4",
    [Q_LIST] = "SELECT " COLS " FROM worklogs WHERE site_id = ?1 AND issue_id = ?2 AND deleted_ms IS NULL "
               "AND started_ms >= ?3 AND started_ms < ?4 ORDER BY started_ms, id LIMIT ?5 OFFSET ?6",
    [Q_CHANGED] = "SELECT " COLS " FROM worklogs WHERE site_id = ?1 AND updated_ms >= ?2 AND deleted_ms IS NULL "
                  "ORDER BY updated_ms, id LIMIT ?3",
    [Q_DELETED] = "SELECT " COLS " FROM worklogs WHERE site_id = ?1 AND updated_ms >= ?2 AND deleted_ms IS NOT NULL "
                  "ORDER BY updated_ms, id LIMIT ?3",
};

static const sq_sql_t statements = {SQ_WORKLOGS, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

static void read_worklog(arena_t *a, sqlite3_stmt *q, void *rec)
{
    worklog_rec_t *w = rec;
    w->id = sqlite3_column_int64(q, 0);
    w->issue_id = sqlite3_column_int64(q, 1);
    w->author_account_id = sq_col_str(a, q, 2);
    w->update_author_account_id = sq_col_str(a, q, 3);
    w->comment_json = sq_col_str(a, q, 4);
    w->visibility_json = sq_col_str(a, q, 5);
    w->started_ms = sqlite3_column_int64(q, 6);
    w->time_spent_s = sqlite3_column_int64(q, 7);
    w->created_ms = sqlite3_column_int64(q, 8);
    w->updated_ms = sqlite3_column_int64(q, 9);
    w->deleted_ms = sq_col_opt_i64(q, 10, 0);
}

static int sq_worklog_insert(store_t *st, int64_t site, worklog_rec_t *w)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "worklog", &w->id);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, w->id);
        sqlite3_bind_int64(q, 3, w->issue_id);
        sq_bind_text(q, 4, w->author_account_id);
        sq_bind_text(q, 5, w->update_author_account_id);
        sq_bind_text(q, 6, w->comment_json);
        sq_bind_text(q, 7, w->visibility_json);
        sqlite3_bind_int64(q, 8, w->started_ms);
        sqlite3_bind_int64(q, 9, w->time_spent_s);
        sqlite3_bind_int64(q, 10, w->created_ms);
        sqlite3_bind_int64(q, 11, w->updated_ms);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_worklog_get(store_t *st, arena_t *a, int64_t site, int64_t id, worklog_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_GET);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, id);
    return sq_one(st, a, q, read_worklog, out);
}

static int sq_worklog_update(store_t *st, int64_t site, const worklog_rec_t *w)
{
    sqlite3_stmt *q = stmt(st, Q_UPDATE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, w->id);
    sq_bind_text(q, 3, w->update_author_account_id);
    sq_bind_text(q, 4, w->comment_json);
    sq_bind_text(q, 5, w->visibility_json);
    sqlite3_bind_int64(q, 6, w->started_ms);
    sqlite3_bind_int64(q, 7, w->time_spent_s);
    sqlite3_bind_int64(q, 8, w->updated_ms);
    return sq_write_one_row(st, q);
}

static int sq_worklog_delete(store_t *st, int64_t site, int64_t id, int64_t now)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_DELETE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, id);
    sqlite3_bind_int64(q, 3, now);
    rc = sq_exec(st, q);
    if (rc == STORE_OK && sqlite3_changes(DB(st)) == 0)
        rc = STORE_NOTFOUND;
    if (rc == STORE_OK) {
        char sid[24];
        snprintf(sid, sizeof sid, "%lld", (long long)id);
        rc = store_prop_delete_all(st, site, PROP_WORKLOG, sid);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_worklog_list(store_t *st, arena_t *a, int64_t site, int64_t issue, int64_t after, int64_t before,
                           int64_t start, int64_t max, worklog_rec_t **out, size_t *n, int64_t *total)
{
    sqlite3_stmt *q = stmt(st, Q_COUNT);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    sqlite3_bind_int64(q, 3, after);
    sqlite3_bind_int64(q, 4, before);
    int rc = sq_count(st, q, total);
    if (rc != STORE_OK)
        return rc;
    q = stmt(st, Q_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    sqlite3_bind_int64(q, 3, after);
    sqlite3_bind_int64(q, 4, before);
    sqlite3_bind_int64(q, 5, max);
    sqlite3_bind_int64(q, 6, start);
    return sq_collect(st, a, q, sizeof **out, read_worklog, (void **)out, n);
}

static int sq_worklog_changed(store_t *st, arena_t *a, int64_t site, int deleted, int64_t since, int64_t max,
                              worklog_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, deleted ? Q_DELETED : Q_CHANGED);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, since);
    sqlite3_bind_int64(q, 3, max);
    return sq_collect(st, a, q, sizeof **out, read_worklog, (void **)out, n);
}

const store_worklogs_ops_t sq_worklogs_ops = {
    .insert = sq_worklog_insert,
    .get = sq_worklog_get,
    .update = sq_worklog_update,
    .delete = sq_worklog_delete,
    .list = sq_worklog_list,
    .changed = sq_worklog_changed,
};
