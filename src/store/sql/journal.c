/* The store's journal family (store/store_journal.h) over the neutral statement layer (sql/db.h): function logs, the
 * audit log and the data-flow ledger. Tables: function_logs, audit_log, ledger. */
#include <stdint.h>

#include "store/sql/families.h"
#include "store/store_journal.h"

enum q {
    Q_LOG_INSERT,
    Q_LOG_LIST,
    Q_LOG_LIST_SITE,
    Q_LOG_NEXT,
    Q_LOG_NEXT_SITE,
    Q_AUDIT_INSERT,
    Q_AUDIT_LIST,
    Q_AUDIT_LIST_SITE,
    Q_AUDIT_NEXT,
    Q_AUDIT_NEXT_SITE,
    Q_AUDIT_PURGE,
    Q_LEDGER_INSERT,
    Q_LEDGER_LIST,
    Q_LEDGER_LIST_SITE,
    Q_LEDGER_NEXT,
    Q_LEDGER_NEXT_SITE,
    Q_LEDGER_PURGE,
    Q__COUNT
};

#define LOG_COLS "id, site_id, installation_id, app_id, invocation_id, module_key, level, message, time_ms"
#define AUDIT_COLS                                                                                                     \
    "id, time_ms, site_id, kind, plane, actor, app_id, installation_id, invocation_id, method, path, status, "         \
    "category, detail, count, last_ms"
#define LEDGER_COLS                                                                                                    \
    "id, time_ms, site_id, dest_site_id, kind, app_id, installation_id, invocation_id, destination, bytes"

/* Each listing twice: without `after`, the newest `max` rows (in id order); with it, the
 * `max` rows that follow that id (a client paging forward, or following new rows). */
/* ?4: with the rows that say how each invocation ended (level 'invocation') */
#define LOG_WHERE "FROM function_logs WHERE id > ?2 AND (?4 OR level != 'invocation') "
#define LOG_WHERE_SITE "FROM function_logs WHERE site_id = ?1 AND id > ?2 AND (?4 OR level != 'invocation') "
#define AUDIT_WHERE "FROM audit_log WHERE time_ms >= ?2 AND id > ?3 "
#define AUDIT_WHERE_SITE "FROM audit_log WHERE site_id = ?1 AND time_ms >= ?2 AND id > ?3 "
#define LEDGER_WHERE "FROM ledger WHERE time_ms >= ?2 AND id > ?3 "
/* a site's view: its data going out, and other sites' data coming in; nothing else */
#define LEDGER_VIEW(cols)                                                                                              \
    "SELECT " cols " FROM ledger WHERE site_id = ?1 AND time_ms >= ?2 AND id > ?3 UNION ALL SELECT " cols              \
    " FROM ledger WHERE dest_site_id = ?1 AND dest_site_id != 0 AND site_id != ?1 AND time_ms >= ?2 AND id > ?3 "
#define NEWEST(select, limit) "SELECT * FROM (" select "ORDER BY id DESC LIMIT " limit ") AS newest ORDER BY id"
#define NEXT(select, limit) select "ORDER BY id LIMIT " limit

static const char *const sql[Q__COUNT] = {
    [Q_LOG_INSERT] = "INSERT INTO function_logs (site_id, installation_id, app_id, invocation_id, module_key, "
                     "level, message, time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_LOG_LIST] = NEWEST("SELECT " LOG_COLS " " LOG_WHERE, "?3"),
    [Q_LOG_LIST_SITE] = NEWEST("SELECT " LOG_COLS " " LOG_WHERE_SITE, "?3"),
    [Q_LOG_NEXT] = NEXT("SELECT " LOG_COLS " " LOG_WHERE, "?3"),
    [Q_LOG_NEXT_SITE] = NEXT("SELECT " LOG_COLS " " LOG_WHERE_SITE, "?3"),
    [Q_AUDIT_INSERT] = "INSERT INTO audit_log (time_ms, site_id, kind, plane, actor, app_id, installation_id, "
                       "invocation_id, method, path, status, category, detail, count, last_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [Q_AUDIT_LIST] = NEWEST("SELECT " AUDIT_COLS " " AUDIT_WHERE, "?4"),
    [Q_AUDIT_LIST_SITE] = NEWEST("SELECT " AUDIT_COLS " " AUDIT_WHERE_SITE, "?4"),
    [Q_AUDIT_NEXT] = NEXT("SELECT " AUDIT_COLS " " AUDIT_WHERE, "?4"),
    [Q_AUDIT_NEXT_SITE] = NEXT("SELECT " AUDIT_COLS " " AUDIT_WHERE_SITE, "?4"),
    [Q_AUDIT_PURGE] = "DELETE FROM audit_log WHERE time_ms < ?1",
    [Q_LEDGER_INSERT] = "INSERT INTO ledger (time_ms, site_id, dest_site_id, kind, app_id, installation_id, "
                        "invocation_id, destination, bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_LEDGER_LIST] = NEWEST("SELECT " LEDGER_COLS " " LEDGER_WHERE, "?4"),
    [Q_LEDGER_LIST_SITE] = NEWEST(LEDGER_VIEW(LEDGER_COLS), "?4"),
    [Q_LEDGER_NEXT] = NEXT("SELECT " LEDGER_COLS " " LEDGER_WHERE, "?4"),
    [Q_LEDGER_NEXT_SITE] = NEXT(LEDGER_VIEW(LEDGER_COLS), "?4"),
    /* rows are written in time order (one writer, batches in queue order), so everything
       below the first id at or past the cutoff is older: no index on time_ms needed */
    [Q_LEDGER_PURGE] = "DELETE FROM ledger WHERE id < COALESCE((SELECT id FROM ledger WHERE time_ms >= ?1 ORDER BY id "
                       "LIMIT 1), (SELECT MAX(id) + 1 FROM ledger), 0)",
};

static const db_sql_t statements = {DB_JOURNAL, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

/* ---- function logs ---- */

static void read_log(arena_t *a, db_stmt_t *q, void *p)
{
    log_rec_t *r = p;
    r->id = db_col_i64(q, 0);
    r->site_id = db_col_i64(q, 1);
    r->installation_id = db_col_str(a, q, 2);
    r->app_id = db_col_str(a, q, 3);
    r->invocation_id = db_col_str(a, q, 4);
    r->module_key = db_col_str(a, q, 5);
    r->level = db_col_str(a, q, 6);
    r->message = db_col_str(a, q, 7);
    r->time_ms = db_col_i64(q, 8);
}

static int db_logs_insert(store_t *st, const log_rec_t *r, size_t n)
{
    int opened, rc = db_tx_open(st, &opened);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        db_stmt_t *q = stmt(st, Q_LOG_INSERT);
        db_bind_i64(q, 1, r[i].site_id);
        db_bind_text(q, 2, r[i].installation_id);
        db_bind_text(q, 3, r[i].app_id);
        db_bind_text(q, 4, r[i].invocation_id);
        db_bind_text(q, 5, r[i].module_key);
        db_bind_text(q, 6, r[i].level);
        db_bind_text(q, 7, r[i].message);
        db_bind_i64(q, 8, r[i].time_ms);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_logs_list(store_t *st, arena_t *a, int64_t site, int64_t after, int64_t max, int with_invocations,
                        log_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, after ? (site ? Q_LOG_NEXT_SITE : Q_LOG_NEXT) : site ? Q_LOG_LIST_SITE : Q_LOG_LIST);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, after);
    db_bind_i64(q, 3, max);
    db_bind_i64(q, 4, with_invocations != 0);
    return db_collect(st, a, q, sizeof **out, read_log, (void **)out, n);
}

/* ---- the audit log ---- */

static void read_audit(arena_t *a, db_stmt_t *q, void *p)
{
    audit_rec_t *r = p;
    r->id = db_col_i64(q, 0);
    r->time_ms = db_col_i64(q, 1);
    r->site_id = db_col_i64(q, 2);
    r->kind = db_col_str(a, q, 3);
    r->plane = db_col_str(a, q, 4);
    r->actor = db_col_str(a, q, 5);
    r->app_id = db_col_str(a, q, 6);
    r->installation_id = db_col_str(a, q, 7);
    r->invocation_id = db_col_str(a, q, 8);
    r->method = db_col_str(a, q, 9);
    r->path = db_col_str(a, q, 10);
    r->status = db_col_int(q, 11);
    r->category = db_col_str(a, q, 12);
    r->detail = db_col_str(a, q, 13);
    r->count = db_col_i64(q, 14);
    r->last_ms = db_col_i64(q, 15);
}

static int db_audit_insert(store_t *st, const audit_rec_t *r, size_t n)
{
    int opened, rc = db_tx_open(st, &opened);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        db_stmt_t *q = stmt(st, Q_AUDIT_INSERT);
        db_bind_i64(q, 1, r[i].time_ms);
        db_bind_i64(q, 2, r[i].site_id);
        db_bind_text(q, 3, r[i].kind ? r[i].kind : "");
        db_bind_text(q, 4, r[i].plane ? r[i].plane : "");
        db_bind_text(q, 5, r[i].actor ? r[i].actor : "");
        db_bind_text(q, 6, r[i].app_id ? r[i].app_id : "");
        db_bind_text(q, 7, r[i].installation_id ? r[i].installation_id : "");
        db_bind_text(q, 8, r[i].invocation_id ? r[i].invocation_id : "");
        db_bind_text(q, 9, r[i].method ? r[i].method : "");
        db_bind_text(q, 10, r[i].path ? r[i].path : "");
        db_bind_i64(q, 11, r[i].status);
        db_bind_text(q, 12, r[i].category ? r[i].category : "");
        db_bind_text(q, 13, r[i].detail ? r[i].detail : "");
        db_bind_i64(q, 14, r[i].count > 0 ? r[i].count : 1);
        db_bind_i64(q, 15, r[i].last_ms > r[i].time_ms ? r[i].last_ms : r[i].time_ms);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_audit_list(store_t *st, arena_t *a, int64_t site, int64_t since, int64_t after, int64_t max,
                         audit_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, after  ? (site ? Q_AUDIT_NEXT_SITE : Q_AUDIT_NEXT)
                            : site ? Q_AUDIT_LIST_SITE
                                   : Q_AUDIT_LIST);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, since);
    db_bind_i64(q, 3, after);
    db_bind_i64(q, 4, max);
    return db_collect(st, a, q, sizeof **out, read_audit, (void **)out, n);
}

static int db_audit_purge(store_t *st, int64_t before, int64_t *deleted)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc == STORE_OK) {
        db_stmt_t *q = stmt(st, Q_AUDIT_PURGE);
        db_bind_i64(q, 1, before);
        rc = db_exec(st, q);
        if (deleted)
            *deleted = rc == STORE_OK ? db_changes(st) : 0;
    }
    return db_tx_close(st, opened, rc);
}

/* ---- the data-flow ledger ---- */

static void read_ledger(arena_t *a, db_stmt_t *q, void *p)
{
    ledger_rec_t *r = p;
    r->id = db_col_i64(q, 0);
    r->time_ms = db_col_i64(q, 1);
    r->site_id = db_col_i64(q, 2);
    r->dest_site_id = db_col_i64(q, 3);
    r->kind = db_col_str(a, q, 4);
    r->app_id = db_col_str(a, q, 5);
    r->installation_id = db_col_str(a, q, 6);
    r->invocation_id = db_col_str(a, q, 7);
    r->destination = db_col_str(a, q, 8);
    r->bytes = db_col_i64(q, 9);
}

static int db_ledger_insert(store_t *st, const ledger_rec_t *r, size_t n)
{
    int opened, rc = db_tx_open(st, &opened);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        db_stmt_t *q = stmt(st, Q_LEDGER_INSERT);
        db_bind_i64(q, 1, r[i].time_ms);
        db_bind_i64(q, 2, r[i].site_id);
        db_bind_i64(q, 3, r[i].dest_site_id);
        db_bind_text(q, 4, r[i].kind ? r[i].kind : "");
        db_bind_text(q, 5, r[i].app_id ? r[i].app_id : "");
        db_bind_text(q, 6, r[i].installation_id ? r[i].installation_id : "");
        db_bind_text(q, 7, r[i].invocation_id ? r[i].invocation_id : "");
        db_bind_text(q, 8, r[i].destination ? r[i].destination : "");
        db_bind_i64(q, 9, r[i].bytes);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_ledger_list(store_t *st, arena_t *a, int64_t site, int64_t since, int64_t after, int64_t max,
                          ledger_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, after  ? (site ? Q_LEDGER_NEXT_SITE : Q_LEDGER_NEXT)
                            : site ? Q_LEDGER_LIST_SITE
                                   : Q_LEDGER_LIST);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, since);
    db_bind_i64(q, 3, after);
    db_bind_i64(q, 4, max);
    return db_collect(st, a, q, sizeof **out, read_ledger, (void **)out, n);
}

static int db_ledger_purge(store_t *st, int64_t before, int64_t *deleted)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc == STORE_OK) {
        db_stmt_t *q = stmt(st, Q_LEDGER_PURGE);
        db_bind_i64(q, 1, before);
        rc = db_exec(st, q);
        if (deleted)
            *deleted = rc == STORE_OK ? db_changes(st) : 0;
    }
    return db_tx_close(st, opened, rc);
}

const store_journal_ops_t db_journal_ops = {
    .logs_insert = db_logs_insert,
    .logs_list = db_logs_list,
    .audit_insert = db_audit_insert,
    .audit_list = db_audit_list,
    .audit_purge = db_audit_purge,
    .ledger_insert = db_ledger_insert,
    .ledger_list = db_ledger_list,
    .ledger_purge = db_ledger_purge,
};
