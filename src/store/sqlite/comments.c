/* The store's comments family (store/store_comments.h) on SQLite. Table: comments. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_comments.h"
#include "store/store_product.h"
#include "store/store_properties.h"

enum q { Q_INSERT, Q_GET, Q_UPDATE, Q_DELETE, Q_COUNT, Q_RESTRICTED, Q_LIST_ASC, Q_LIST_DESC, Q__COUNT };

#define COLS                                                                                                           \
    "id, issue_id, author_account_id, update_author_account_id, body_json, visibility_json, created_ms, updated_ms"

static const char *const sql[Q__COUNT] = {
    [Q_INSERT] = "INSERT INTO comments (site_id, " COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_GET] = "SELECT " COLS " FROM comments WHERE site_id = ?1 AND id = ?2",
    [Q_UPDATE] = "UPDATE comments SET update_author_account_id = ?3, body_json = ?4, visibility_json = ?5, "
                 "updated_ms = ?6 WHERE site_id = ?1 AND id = ?2",
    [Q_DELETE] = "DELETE FROM comments WHERE site_id = ?1 AND id = ?2",
    [Q_COUNT] = "SELECT count(*) FROM comments WHERE site_id = ?1 AND issue_id = ?2",
    [Q_RESTRICTED] =
        "SELECT count(*) FROM comments WHERE site_id = ?1 AND issue_id = ?2 AND visibility_json IS NOT NULL",
    [Q_LIST_ASC] = "SELECT " COLS " FROM comments WHERE site_id = ?1 AND issue_id = ?2 "
                   "ORDER BY created_ms, id LIMIT ?3 OFFSET ?4",
    [Q_LIST_DESC] = "SELECT " COLS " FROM comments WHERE site_id = ?1 AND issue_id = ?2 "
                    "ORDER BY created_ms DESC, id DESC LIMIT ?3 OFFSET ?4",
};

static const sq_sql_t statements = {SQ_COMMENTS, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

static void read_comment(arena_t *a, sqlite3_stmt *q, void *rec)
{
    comment_rec_t *c = rec;
    c->id = sqlite3_column_int64(q, 0);
    c->issue_id = sqlite3_column_int64(q, 1);
    c->author_account_id = sq_col_str(a, q, 2);
    c->update_author_account_id = sq_col_str(a, q, 3);
    c->body_json = sq_col_str(a, q, 4);
    c->visibility_json = sq_col_str(a, q, 5);
    c->created_ms = sqlite3_column_int64(q, 6);
    c->updated_ms = sqlite3_column_int64(q, 7);
}

static int sq_comment_insert(store_t *st, int64_t site, comment_rec_t *c)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "comment", &c->id);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, c->id);
        sqlite3_bind_int64(q, 3, c->issue_id);
        sq_bind_text(q, 4, c->author_account_id);
        sq_bind_text(q, 5, c->update_author_account_id);
        sq_bind_text(q, 6, c->body_json);
        sq_bind_text(q, 7, c->visibility_json);
        sqlite3_bind_int64(q, 8, c->created_ms);
        sqlite3_bind_int64(q, 9, c->updated_ms);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_comment_get(store_t *st, arena_t *a, int64_t site, int64_t id, comment_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_GET);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, id);
    return sq_one(st, a, q, read_comment, out);
}

static int sq_comment_update(store_t *st, int64_t site, const comment_rec_t *c)
{
    sqlite3_stmt *q = stmt(st, Q_UPDATE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, c->id);
    sq_bind_text(q, 3, c->update_author_account_id);
    sq_bind_text(q, 4, c->body_json);
    sq_bind_text(q, 5, c->visibility_json);
    sqlite3_bind_int64(q, 6, c->updated_ms);
    return sq_write_one_row(st, q);
}

static int sq_comment_delete(store_t *st, int64_t site, int64_t id)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_DELETE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, id);
    rc = sq_exec(st, q);
    if (rc == STORE_OK && sqlite3_changes(DB(st)) == 0)
        rc = STORE_NOTFOUND;
    if (rc == STORE_OK) {
        char sid[24];
        snprintf(sid, sizeof sid, "%lld", (long long)id);
        rc = store_prop_delete_all(st, site, PROP_COMMENT, sid);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_comment_list(store_t *st, arena_t *a, int64_t site, int64_t issue, int desc, int64_t start, int64_t max,
                           comment_rec_t **out, size_t *n, int64_t *total)
{
    sqlite3_stmt *q = stmt(st, Q_COUNT);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    int rc = sq_count(st, q, total);
    if (rc != STORE_OK)
        return rc;
    q = stmt(st, desc ? Q_LIST_DESC : Q_LIST_ASC);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    sqlite3_bind_int64(q, 3, max);
    sqlite3_bind_int64(q, 4, start);
    return sq_collect(st, a, q, sizeof **out, read_comment, (void **)out, n);
}

static int sq_comment_restricted(store_t *st, int64_t site, int64_t issue, int64_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_RESTRICTED);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, issue);
    return sq_count(st, q, n);
}

const store_comments_ops_t sq_comments_ops = {
    .restricted = sq_comment_restricted,
    .insert = sq_comment_insert,
    .get = sq_comment_get,
    .update = sq_comment_update,
    .delete = sq_comment_delete,
    .list = sq_comment_list,
};
