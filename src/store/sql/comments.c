/* The store's comments family (store/store_comments.h) over the neutral statement layer (sql/db.h). Table: comments. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/sql/families.h"
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

static const db_sql_t statements = {DB_COMMENTS, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

static void read_comment(arena_t *a, db_stmt_t *q, void *rec)
{
    comment_rec_t *c = rec;
    c->id = db_col_i64(q, 0);
    c->issue_id = db_col_i64(q, 1);
    c->author_account_id = db_col_str(a, q, 2);
    c->update_author_account_id = db_col_str(a, q, 3);
    c->body_json = db_col_str(a, q, 4);
    c->visibility_json = db_col_str(a, q, 5);
    c->created_ms = db_col_i64(q, 6);
    c->updated_ms = db_col_i64(q, 7);
}

static int db_comment_insert(store_t *st, int64_t site, comment_rec_t *c)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "comment", &c->id);
    if (rc == STORE_OK) {
        db_stmt_t *q = stmt(st, Q_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, c->id);
        db_bind_i64(q, 3, c->issue_id);
        db_bind_text(q, 4, c->author_account_id);
        db_bind_text(q, 5, c->update_author_account_id);
        db_bind_text(q, 6, c->body_json);
        db_bind_text(q, 7, c->visibility_json);
        db_bind_i64(q, 8, c->created_ms);
        db_bind_i64(q, 9, c->updated_ms);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_comment_get(store_t *st, arena_t *a, int64_t site, int64_t id, comment_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_GET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, id);
    return db_one(st, a, q, read_comment, out);
}

static int db_comment_update(store_t *st, int64_t site, const comment_rec_t *c)
{
    db_stmt_t *q = stmt(st, Q_UPDATE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, c->id);
    db_bind_text(q, 3, c->update_author_account_id);
    db_bind_text(q, 4, c->body_json);
    db_bind_text(q, 5, c->visibility_json);
    db_bind_i64(q, 6, c->updated_ms);
    return db_write_one_row(st, q);
}

static int db_comment_delete(store_t *st, int64_t site, int64_t id)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_DELETE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, id);
    rc = db_exec(st, q);
    if (rc == STORE_OK && db_changes(st) == 0)
        rc = STORE_NOTFOUND;
    if (rc == STORE_OK) {
        char sid[24];
        snprintf(sid, sizeof sid, "%lld", (long long)id);
        rc = store_prop_delete_all(st, site, PROP_COMMENT, sid);
    }
    return db_tx_close(st, opened, rc);
}

static int db_comment_list(store_t *st, arena_t *a, int64_t site, int64_t issue, int desc, int64_t start, int64_t max,
                           comment_rec_t **out, size_t *n, int64_t *total)
{
    db_stmt_t *q = stmt(st, Q_COUNT);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    int rc = db_count(st, q, total);
    if (rc != STORE_OK)
        return rc;
    q = stmt(st, desc ? Q_LIST_DESC : Q_LIST_ASC);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    db_bind_i64(q, 3, max);
    db_bind_i64(q, 4, start);
    return db_collect(st, a, q, sizeof **out, read_comment, (void **)out, n);
}

static int db_comment_restricted(store_t *st, int64_t site, int64_t issue, int64_t *n)
{
    db_stmt_t *q = stmt(st, Q_RESTRICTED);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    return db_count(st, q, n);
}

const store_comments_ops_t db_comments_ops = {
    .restricted = db_comment_restricted,
    .insert = db_comment_insert,
    .get = db_comment_get,
    .update = db_comment_update,
    .delete = db_comment_delete,
    .list = db_comment_list,
};
