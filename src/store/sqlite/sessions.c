/* The store's sessions family (store/store_sessions.h) on SQLite: the web UI's sessions
 * and one-time sign-in links, by the SHA-256 of their secrets. Tables: sessions,
 * login_links. */
#include <sqlite3.h>
#include <stdint.h>

#include "store/sqlite/sqlite_int.h"
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

static const sq_sql_t statements = {SQ_SESSIONS, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

static int sq_session_insert(store_t *st, const unsigned char *hash, const session_rec_t *s)
{
    sqlite3_stmt *q = stmt(st, Q_INSERT);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, s->site_id);
    sq_bind_text(q, 3, s->account_id);
    sq_bind_text(q, 4, s->csrf);
    sqlite3_bind_int64(q, 5, s->created_ms);
    sqlite3_bind_int64(q, 6, s->expires_ms);
    sqlite3_bind_int64(q, 7, s->last_seen_ms);
    return sq_write1(st, q);
}

static void read_session(arena_t *a, sqlite3_stmt *q, void *p)
{
    session_rec_t *s = p;
    s->site_id = sqlite3_column_int64(q, 0);
    s->account_id = sq_col_str(a, q, 1);
    s->csrf = sq_col_str(a, q, 2);
    s->created_ms = sqlite3_column_int64(q, 3);
    s->expires_ms = sqlite3_column_int64(q, 4);
    s->last_seen_ms = sqlite3_column_int64(q, 5);
}

static int sq_session_lookup(store_t *st, arena_t *a, const unsigned char *hash, session_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_LOOKUP);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    return sq_one(st, a, q, read_session, out);
}

static int sq_session_touch(store_t *st, const unsigned char *hash, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_TOUCH);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, now);
    return sq_write_one_row(st, q);
}

static int sq_session_delete(store_t *st, const unsigned char *hash)
{
    sqlite3_stmt *q = stmt(st, Q_DELETE);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    return sq_write_one_row(st, q);
}

static int sq_session_purge(store_t *st, int64_t now, int64_t idle_before, int64_t *deleted)
{
    sqlite3_stmt *q = stmt(st, Q_PURGE);
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, idle_before);
    int rc = sq_write1(st, q);
    if (deleted)
        *deleted = rc == STORE_OK ? sqlite3_changes(DB(st)) : 0;
    return rc;
}

static int sq_link_insert(store_t *st, const unsigned char *hash, int64_t site_id, const char *account_id,
                          int64_t created, int64_t expires)
{
    sqlite3_stmt *q = stmt(st, Q_LINK_INSERT);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, site_id);
    sq_bind_text(q, 3, account_id);
    sqlite3_bind_int64(q, 4, created);
    sqlite3_bind_int64(q, 5, expires);
    return sq_write1(st, q);
}

static int sq_link_consume(store_t *st, arena_t *a, const unsigned char *hash, int64_t site_id, int64_t now,
                           const char **account_id)
{
    int opened, rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_LINK_CONSUME);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, site_id);
    int s = sqlite3_step(q);
    if (s == SQLITE_ROW) {
        *account_id = sq_col_str(a, q, 0);
        s = sqlite3_step(q); /* runs the statement to its end */
        rc = s == SQLITE_DONE ? STORE_OK : sq_rc(st, s);
    } else {
        rc = s == SQLITE_DONE ? STORE_NOTFOUND : sq_rc(st, s);
    }
    sq_done(q);
    /* a link not found changed nothing: committing the empty transaction is harmless */
    return sq_tx_close(st, opened, rc == STORE_NOTFOUND ? STORE_OK : rc) == STORE_OK ? rc : STORE_ERROR;
}

static int sq_link_purge(store_t *st, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_LINK_PURGE);
    sqlite3_bind_int64(q, 1, now);
    return sq_write1(st, q);
}

const store_sessions_ops_t sq_sessions_ops = {
    .insert = sq_session_insert,
    .lookup = sq_session_lookup,
    .touch = sq_session_touch,
    .del = sq_session_delete,
    .purge = sq_session_purge,
    .link_insert = sq_link_insert,
    .link_consume = sq_link_consume,
    .link_purge = sq_link_purge,
};
