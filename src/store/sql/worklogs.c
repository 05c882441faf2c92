/* The store's worklogs family (store/store_worklogs.h) over the neutral statement layer (sql/db.h). Table: worklogs. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/sql/families.h"
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

static const db_sql_t statements = {DB_WORKLOGS, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

static void read_worklog(arena_t *a, db_stmt_t *q, void *rec)
{
    worklog_rec_t *w = rec;
    w->id = db_col_i64(q, 0);
    w->issue_id = db_col_i64(q, 1);
    w->author_account_id = db_col_str(a, q, 2);
    w->update_author_account_id = db_col_str(a, q, 3);
    w->comment_json = db_col_str(a, q, 4);
    w->visibility_json = db_col_str(a, q, 5);
    w->started_ms = db_col_i64(q, 6);
    w->time_spent_s = db_col_i64(q, 7);
    w->created_ms = db_col_i64(q, 8);
    w->updated_ms = db_col_i64(q, 9);
    w->deleted_ms = db_col_opt_i64(q, 10, 0);
}

static int db_worklog_insert(store_t *st, int64_t site, worklog_rec_t *w)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "worklog", &w->id);
    if (rc == STORE_OK) {
        db_stmt_t *q = stmt(st, Q_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, w->id);
        db_bind_i64(q, 3, w->issue_id);
        db_bind_text(q, 4, w->author_account_id);
        db_bind_text(q, 5, w->update_author_account_id);
        db_bind_text(q, 6, w->comment_json);
        db_bind_text(q, 7, w->visibility_json);
        db_bind_i64(q, 8, w->started_ms);
        db_bind_i64(q, 9, w->time_spent_s);
        db_bind_i64(q, 10, w->created_ms);
        db_bind_i64(q, 11, w->updated_ms);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_worklog_get(store_t *st, arena_t *a, int64_t site, int64_t id, worklog_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_GET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, id);
    return db_one(st, a, q, read_worklog, out);
}

static int db_worklog_update(store_t *st, int64_t site, const worklog_rec_t *w)
{
    db_stmt_t *q = stmt(st, Q_UPDATE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, w->id);
    db_bind_text(q, 3, w->update_author_account_id);
    db_bind_text(q, 4, w->comment_json);
    db_bind_text(q, 5, w->visibility_json);
    db_bind_i64(q, 6, w->started_ms);
    db_bind_i64(q, 7, w->time_spent_s);
    db_bind_i64(q, 8, w->updated_ms);
    return db_write_one_row(st, q);
}

static int db_worklog_delete(store_t *st, int64_t site, int64_t id, int64_t now)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_DELETE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, id);
    db_bind_i64(q, 3, now);
    rc = db_exec(st, q);
    if (rc == STORE_OK && db_changes(st) == 0)
        rc = STORE_NOTFOUND;
    if (rc == STORE_OK) {
        char sid[24];
        snprintf(sid, sizeof sid, "%lld", (long long)id);
        rc = store_prop_delete_all(st, site, PROP_WORKLOG, sid);
    }
    return db_tx_close(st, opened, rc);
}

static int db_worklog_list(store_t *st, arena_t *a, int64_t site, int64_t issue, int64_t after, int64_t before,
                           int64_t start, int64_t max, worklog_rec_t **out, size_t *n, int64_t *total)
{
    db_stmt_t *q = stmt(st, Q_COUNT);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    db_bind_i64(q, 3, after);
    db_bind_i64(q, 4, before);
    int rc = db_count(st, q, total);
    if (rc != STORE_OK)
        return rc;
    q = stmt(st, Q_LIST);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    db_bind_i64(q, 3, after);
    db_bind_i64(q, 4, before);
    db_bind_i64(q, 5, max);
    db_bind_i64(q, 6, start);
    return db_collect(st, a, q, sizeof **out, read_worklog, (void **)out, n);
}

static int db_worklog_changed(store_t *st, arena_t *a, int64_t site, int deleted, int64_t since, int64_t max,
                              worklog_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, deleted ? Q_DELETED : Q_CHANGED);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, since);
    db_bind_i64(q, 3, max);
    return db_collect(st, a, q, sizeof **out, read_worklog, (void **)out, n);
}

const store_worklogs_ops_t db_worklogs_ops = {
    .insert = db_worklog_insert,
    .get = db_worklog_get,
    .update = db_worklog_update,
    .delete = db_worklog_delete,
    .list = db_worklog_list,
    .changed = db_worklog_changed,
};
