/* The store's journal family (store/store_journal.h) on SQLite: function logs, the
 * audit log and the data-flow ledger. Tables: function_logs, audit_log, ledger. */
#include <sqlite3.h>
#include <stdint.h>

#include "store/sqlite/sqlite_int.h"
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
#define NEWEST(select, limit) "SELECT * FROM (" select "ORDER BY id DESC LIMIT " limit ") ORDER BY id"
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

static const sq_sql_t statements = {SQ_JOURNAL, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

/* ---- function logs ---- */

static void read_log(arena_t *a, sqlite3_stmt *q, void *p)
{
    log_rec_t *r = p;
    r->id = sqlite3_column_int64(q, 0);
    r->site_id = sqlite3_column_int64(q, 1);
    r->installation_id = sq_col_str(a, q, 2);
    r->app_id = sq_col_str(a, q, 3);
    r->invocation_id = sq_col_str(a, q, 4);
    r->module_key = sq_col_str(a, q, 5);
    r->level = sq_col_str(a, q, 6);
    r->message = sq_col_str(a, q, 7);
    r->time_ms = sqlite3_column_int64(q, 8);
}

static int sq_logs_insert(store_t *st, const log_rec_t *r, size_t n)
{
    int opened, rc = sq_tx_open(st, &opened);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        sqlite3_stmt *q = stmt(st, Q_LOG_INSERT);
        sqlite3_bind_int64(q, 1, r[i].site_id);
        sq_bind_text(q, 2, r[i].installation_id);
        sq_bind_text(q, 3, r[i].app_id);
        sq_bind_text(q, 4, r[i].invocation_id);
        sq_bind_text(q, 5, r[i].module_key);
        sq_bind_text(q, 6, r[i].level);
        sq_bind_text(q, 7, r[i].message);
        sqlite3_bind_int64(q, 8, r[i].time_ms);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_logs_list(store_t *st, arena_t *a, int64_t site, int64_t after, int64_t max, int with_invocations,
                        log_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, after ? (site ? Q_LOG_NEXT_SITE : Q_LOG_NEXT) : site ? Q_LOG_LIST_SITE : Q_LOG_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, after);
    sqlite3_bind_int64(q, 3, max);
    sqlite3_bind_int(q, 4, with_invocations != 0);
    return sq_collect(st, a, q, sizeof **out, read_log, (void **)out, n);
}

/* ---- the audit log ---- */

static void read_audit(arena_t *a, sqlite3_stmt *q, void *p)
{
    audit_rec_t *r = p;
    r->id = sqlite3_column_int64(q, 0);
    r->time_ms = sqlite3_column_int64(q, 1);
    r->site_id = sqlite3_column_int64(q, 2);
    r->kind = sq_col_str(a, q, 3);
    r->plane = sq_col_str(a, q, 4);
    r->actor = sq_col_str(a, q, 5);
    r->app_id = sq_col_str(a, q, 6);
    r->installation_id = sq_col_str(a, q, 7);
    r->invocation_id = sq_col_str(a, q, 8);
    r->method = sq_col_str(a, q, 9);
    r->path = sq_col_str(a, q, 10);
    r->status = sqlite3_column_int(q, 11);
    r->category = sq_col_str(a, q, 12);
    r->detail = sq_col_str(a, q, 13);
    r->count = sqlite3_column_int64(q, 14);
    r->last_ms = sqlite3_column_int64(q, 15);
}

static int sq_audit_insert(store_t *st, const audit_rec_t *r, size_t n)
{
    int opened, rc = sq_tx_open(st, &opened);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        sqlite3_stmt *q = stmt(st, Q_AUDIT_INSERT);
        sqlite3_bind_int64(q, 1, r[i].time_ms);
        sqlite3_bind_int64(q, 2, r[i].site_id);
        sq_bind_text(q, 3, r[i].kind ? r[i].kind : "");
        sq_bind_text(q, 4, r[i].plane ? r[i].plane : "");
        sq_bind_text(q, 5, r[i].actor ? r[i].actor : "");
        sq_bind_text(q, 6, r[i].app_id ? r[i].app_id : "");
        sq_bind_text(q, 7, r[i].installation_id ? r[i].installation_id : "");
        sq_bind_text(q, 8, r[i].invocation_id ? r[i].invocation_id : "");
        sq_bind_text(q, 9, r[i].method ? r[i].method : "");
        sq_bind_text(q, 10, r[i].path ? r[i].path : "");
        sqlite3_bind_int(q, 11, r[i].status);
        sq_bind_text(q, 12, r[i].category ? r[i].category : "");
        sq_bind_text(q, 13, r[i].detail ? r[i].detail : "");
        sqlite3_bind_int64(q, 14, r[i].count > 0 ? r[i].count : 1);
        sqlite3_bind_int64(q, 15, r[i].last_ms > r[i].time_ms ? r[i].last_ms : r[i].time_ms);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_audit_list(store_t *st, arena_t *a, int64_t site, int64_t since, int64_t after, int64_t max,
                         audit_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, after  ? (site ? Q_AUDIT_NEXT_SITE : Q_AUDIT_NEXT)
                               : site ? Q_AUDIT_LIST_SITE
                                      : Q_AUDIT_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, since);
    sqlite3_bind_int64(q, 3, after);
    sqlite3_bind_int64(q, 4, max);
    return sq_collect(st, a, q, sizeof **out, read_audit, (void **)out, n);
}

static int sq_audit_purge(store_t *st, int64_t before, int64_t *deleted)
{
    int opened, rc = sq_tx_open(st, &opened);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_AUDIT_PURGE);
        sqlite3_bind_int64(q, 1, before);
        rc = sq_exec(st, q);
        if (deleted)
            *deleted = rc == STORE_OK ? sqlite3_changes(DB(st)) : 0;
    }
    return sq_tx_close(st, opened, rc);
}

/* ---- the data-flow ledger ---- */

static void read_ledger(arena_t *a, sqlite3_stmt *q, void *p)
{
    ledger_rec_t *r = p;
    r->id = sqlite3_column_int64(q, 0);
    r->time_ms = sqlite3_column_int64(q, 1);
    r->site_id = sqlite3_column_int64(q, 2);
    r->dest_site_id = sqlite3_column_int64(q, 3);
    r->kind = sq_col_str(a, q, 4);
    r->app_id = sq_col_str(a, q, 5);
    r->installation_id = sq_col_str(a, q, 6);
    r->invocation_id = sq_col_str(a, q, 7);
    r->destination = sq_col_str(a, q, 8);
    r->bytes = sqlite3_column_int64(q, 9);
}

static int sq_ledger_insert(store_t *st, const ledger_rec_t *r, size_t n)
{
    int opened, rc = sq_tx_open(st, &opened);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        sqlite3_stmt *q = stmt(st, Q_LEDGER_INSERT);
        sqlite3_bind_int64(q, 1, r[i].time_ms);
        sqlite3_bind_int64(q, 2, r[i].site_id);
        sqlite3_bind_int64(q, 3, r[i].dest_site_id);
        sq_bind_text(q, 4, r[i].kind ? r[i].kind : "");
        sq_bind_text(q, 5, r[i].app_id ? r[i].app_id : "");
        sq_bind_text(q, 6, r[i].installation_id ? r[i].installation_id : "");
        sq_bind_text(q, 7, r[i].invocation_id ? r[i].invocation_id : "");
        sq_bind_text(q, 8, r[i].destination ? r[i].destination : "");
        sqlite3_bind_int64(q, 9, r[i].bytes);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_ledger_list(store_t *st, arena_t *a, int64_t site, int64_t since, int64_t after, int64_t max,
                          ledger_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, after  ? (site ? Q_LEDGER_NEXT_SITE : Q_LEDGER_NEXT)
                               : site ? Q_LEDGER_LIST_SITE
                                      : Q_LEDGER_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, since);
    sqlite3_bind_int64(q, 3, after);
    sqlite3_bind_int64(q, 4, max);
    return sq_collect(st, a, q, sizeof **out, read_ledger, (void **)out, n);
}

static int sq_ledger_purge(store_t *st, int64_t before, int64_t *deleted)
{
    int opened, rc = sq_tx_open(st, &opened);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_LEDGER_PURGE);
        sqlite3_bind_int64(q, 1, before);
        rc = sq_exec(st, q);
        if (deleted)
            *deleted = rc == STORE_OK ? sqlite3_changes(DB(st)) : 0;
    }
    return sq_tx_close(st, opened, rc);
}

const store_journal_ops_t sq_journal_ops = {
    .logs_insert = sq_logs_insert,
    .logs_list = sq_logs_list,
    .audit_insert = sq_audit_insert,
    .audit_list = sq_audit_list,
    .audit_purge = sq_audit_purge,
    .ledger_insert = sq_ledger_insert,
    .ledger_list = sq_ledger_list,
    .ledger_purge = sq_ledger_purge,
};
