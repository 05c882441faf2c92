/* The store's sessions family (store/store_sessions.h) over the neutral statement layer (sql/db.h): the web UI's
 * sessions and one-time sign-in links, by the SHA-256 of their secrets. Tables: sessions, login_links. */
#include <stdint.h>

#include "store/sql/families.h"
#include "store/store_sessions.h"

enum q { Q_INSERT, Q_LOOKUP, Q_TOUCH, Q_DELETE, Q_PURGE, Q_LINK_INSERT, Q_LINK_CONSUME, Q_LINK_PURGE, Q__COUNT };

static const char *const sql[Q__COUNT] = {
    [Q_INSERT] = "INSERT INTO sessions (token_hash, site_id, account_id, csrf, created_ms, expires_ms, last_seen_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_LOOKUP] = "SELECT site_id, account_id, csrf, created_ms, expires_ms, last_seen_ms FROM sessions "
                 "WHERE token_hash = ?1",
    [Q_TOUCH] = "UPDATE sessions SET last_seen_ms = max(last_seen_ms, ?2) WHERE token_hash = ?1",
    [Q_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
    [Q_PURGE] = "DELETE FROM sessions WHERE expires_ms <= ?1 OR last_seen_ms < ?2",
    [Q_LINK_INSERT] = "INSERT INTO login_links (token_hash, site_id, account_id, created_ms, expires_ms) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_LINK_CONSUME] = "UPDATE login_links SET used = 1 WHERE token_hash = ?1 AND used = 0 AND expires_ms > ?2 "
                       "AND site_id = ?3 RETURNING account_id",
    [Q_LINK_PURGE] = "DELETE FROM login_links WHERE expires_ms < ?1",
};

static const db_sql_t statements = {DB_SESSIONS, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

static int db_session_insert(store_t *st, const unsigned char *hash, const session_rec_t *s)
{
    db_stmt_t *q = stmt(st, Q_INSERT);
    db_bind_blob(q, 1, hash, 32);
    db_bind_i64(q, 2, s->site_id);
    db_bind_text(q, 3, s->account_id);
    db_bind_text(q, 4, s->csrf);
    db_bind_i64(q, 5, s->created_ms);
    db_bind_i64(q, 6, s->expires_ms);
    db_bind_i64(q, 7, s->last_seen_ms);
    return db_write1(st, q);
}

static void read_session(arena_t *a, db_stmt_t *q, void *p)
{
    session_rec_t *s = p;
    s->site_id = db_col_i64(q, 0);
    s->account_id = db_col_str(a, q, 1);
    s->csrf = db_col_str(a, q, 2);
    s->created_ms = db_col_i64(q, 3);
    s->expires_ms = db_col_i64(q, 4);
    s->last_seen_ms = db_col_i64(q, 5);
}

static int db_session_lookup(store_t *st, arena_t *a, const unsigned char *hash, session_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_LOOKUP);
    db_bind_blob(q, 1, hash, 32);
    return db_one(st, a, q, read_session, out);
}

static int db_session_touch(store_t *st, const unsigned char *hash, int64_t now)
{
    db_stmt_t *q = stmt(st, Q_TOUCH);
    db_bind_blob(q, 1, hash, 32);
    db_bind_i64(q, 2, now);
    return db_write_one_row(st, q);
}

static int db_session_delete(store_t *st, const unsigned char *hash)
{
    db_stmt_t *q = stmt(st, Q_DELETE);
    db_bind_blob(q, 1, hash, 32);
    return db_write_one_row(st, q);
}

static int db_session_purge(store_t *st, int64_t now, int64_t idle_before, int64_t *deleted)
{
    db_stmt_t *q = stmt(st, Q_PURGE);
    db_bind_i64(q, 1, now);
    db_bind_i64(q, 2, idle_before);
    int rc = db_write1(st, q);
    if (deleted)
        *deleted = rc == STORE_OK ? db_changes(st) : 0;
    return rc;
}

static int db_link_insert(store_t *st, const unsigned char *hash, int64_t site_id, const char *account_id,
                          int64_t created, int64_t expires)
{
    db_stmt_t *q = stmt(st, Q_LINK_INSERT);
    db_bind_blob(q, 1, hash, 32);
    db_bind_i64(q, 2, site_id);
    db_bind_text(q, 3, account_id);
    db_bind_i64(q, 4, created);
    db_bind_i64(q, 5, expires);
    return db_write1(st, q);
}

static int db_link_consume(store_t *st, arena_t *a, const unsigned char *hash, int64_t site_id, int64_t now,
                           const char **account_id)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_LINK_CONSUME);
    db_bind_blob(q, 1, hash, 32);
    db_bind_i64(q, 2, now);
    db_bind_i64(q, 3, site_id);
    int s = db_step(q);
    if (s == DB_ROW) {
        *account_id = db_col_str(a, q, 0);
        s = db_step(q); /* runs the statement to its end */
        rc = s == DB_DONE ? STORE_OK : db_rc(st, s);
    } else {
        rc = s == DB_DONE ? STORE_NOTFOUND : db_rc(st, s);
    }
    db_done(q);
    /* a link not found changed nothing: committing the empty transaction is harmless */
    return db_tx_close(st, opened, rc == STORE_NOTFOUND ? STORE_OK : rc) == STORE_OK ? rc : STORE_ERROR;
}

static int db_link_purge(store_t *st, int64_t now)
{
    db_stmt_t *q = stmt(st, Q_LINK_PURGE);
    db_bind_i64(q, 1, now);
    return db_write1(st, q);
}

const store_sessions_ops_t db_sessions_ops = {
    .insert = db_session_insert,
    .lookup = db_session_lookup,
    .touch = db_session_touch,
    .del = db_session_delete,
    .purge = db_session_purge,
    .link_insert = db_link_insert,
    .link_consume = db_link_consume,
    .link_purge = db_link_purge,
};
