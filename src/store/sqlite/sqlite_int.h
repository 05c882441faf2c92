/* The SQLite backend's internals, shared by its files and private to them (like
 * SQLite's own *Int.h headers): nothing outside src/store/sqlite/ includes this. Its
 * names start with sq_.
 *
 *   sqlite.c    the connection: open, pragmas, migrations, integrity check, the
 *               statement cache, transactions and read snapshots, row helpers
 *   schema.c    the migrations (SQL DDL), append-only
 *   sites.c     store/store_sites.h      (sites, users, user_tokens)
 *   product.c   store/store_product.h    (projects, issues, id_seq; the project-search cache)
 *   apps.c      store/store_apps.h       (apps, environments, versions, variables)
 *   installs.c  store/store_installs.h   (installations, webtriggers, lifecycle_events)
 *   kvs.c       store/store_kvs.h        (kvs)
 *   journal.c   store/store_journal.h    (function_logs, audit_log, ledger)
 *   auth.c      store/store_auth.h       (keys, system_tokens)
 *   events.c    store/store_events.h     (product_events)
 *   links.c     store/store_links.h      (issue_links)
 *   fields.c    store/store_fields.h     (fields, field_values, issue_labels)
 *   catalog.c   store/store_catalog.h    (components, versions_jira, issue_components, issue_versions)
 *   changelog.c store/store_changelog.h  (changegroups, changeitems)
 *   comments.c  store/store_comments.h   (comments)
 *   worklogs.c  store/store_worklogs.h   (worklogs)
 *   properties.c store/store_properties.h (entity_properties)
 *   roles.c     store/store_roles.h      (project_role_actors; permissions by grant or role)
 *   search.c    store/store_search.h     (JQL searches over issues and what hangs on them)
 *   agile.c     store/store_agile.h      (boards, sprints, issue_sprints, issues.rank)
 *   devops.c    store/store_devops.h     (devops_entities, devops_issue_keys)
 *   sessions.c  store/store_sessions.h   (sessions, login_links)
 *
 * Each family file owns the SQL of its statements: a table indexed by its own enum,
 * described by an sq_sql_t, prepared once per handle on first use (sq_stmt). A
 * statement runs in the caller's transaction, or in one of its own (sq_write1,
 * sq_tx_open/sq_tx_close) when the caller has none open. */
#ifndef KILN_SQLITE_INT_H
#define KILN_SQLITE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/qcache.h"
#include "store/store_backend.h"

/* ---- schema (schema.c) ---- */

/* Migration i brings `PRAGMA user_version` from i to i+1. */
extern const char *const sq_schema[];
extern const unsigned sq_schema_len;

/* ---- statement tables ---- */

/* Each file's statements form a table of their own (sqlite.c's transaction statements,
 * each family's); the handle keeps one array of prepared statements per table. */
enum sq_table {
    SQ_TX,
    SQ_SITES,
    SQ_PRODUCT,
    SQ_APPS,
    SQ_INSTALLS,
    SQ_KVS,
    SQ_JOURNAL,
    SQ_AUTH,
    SQ_EVENTS,
    SQ_FIELDS,
    SQ_CATALOG,
    SQ_CHANGELOG,
    SQ_LINKS, /* links.c: issue links */
    SQ_COMMENTS,
    SQ_WORKLOGS,
    SQ_PROPERTIES,
    SQ_ROLES,
    SQ_SEARCH,
    SQ_AGILE,
    SQ_DEVOPS,
    SQ_DELIVERIES,
    SQ_SCHEDULES,
    SQ_SESSIONS,
    SQ__TABLES
};

typedef struct sq_sql {
    enum sq_table slot;
    unsigned count;         /* entries in sql */
    const char *const *sql; /* indexed by the family's enum */
} sq_sql_t;

/* ---- the handle ---- */

/* Read snapshots are kept between requests (PARKED) and reused while no write has
 * committed through this process since (sq_write_gen unchanged) and for at most
 * SQ_SNAP_REUSE_MS. Reuse saves the two fcntl(2) lock calls that every SQLite read
 * transaction costs in WAL mode — on the hot path, half of kiln's system calls. Every
 * write commits through one function (sqlite.c), which bumps sq_write_gen before the
 * write is acknowledged, so a client always reads its own writes; writers outside this
 * process (none in normal operation) are seen within SQ_SNAP_REUSE_MS. A parked
 * snapshot is released before any statement outside a read (sq_stmt) and when the
 * thread goes idle (store_idle), so it never pins the WAL for long. */
#define SQ_SNAP_REUSE_MS 100

enum sq_snap { SNAP_NONE, SNAP_ACTIVE, SNAP_PARKED };

/* Bumped by every commit of a write through any handle of this process. */
extern _Atomic uint64_t sq_write_gen;

struct sqlite_store {
    store_t base;
    sqlite3 *db;
    sqlite3_stmt **stmts[SQ__TABLES]; /* per table, allocated and prepared on first use */
    unsigned nstmts[SQ__TABLES];
    int in_tx;         /* a write transaction is open */
    int wlocked;       /* this handle holds the process's write lock (sq_wlock_take) */
    enum sq_snap snap; /* the read snapshot's state */
    qcache_t *qc;      /* project-search answers (store/qcache.h) */
    uint64_t snap_gen;
    int64_t snap_ms;
    int relaxed;          /* its commits never wait for the group fsync (a log writer's handle) */
    int unsynced;         /* the open write transaction's commit does not wait for it */
    uint64_t commit_seq;  /* the number of this handle's last commit written to the WAL (gsync.c) */
    uint64_t pending_seq; /* its last commit that may not be durable yet (0: none) */
    int deferred;         /* its commits do not wait: its owner answers through store_when_durable */
};

#define SQ(st) ((struct sqlite_store *)(st))
#define DB(st) (SQ(st)->db)

/* ---- the write lock (wlock.c) ----
 * One per process: every write transaction (sq_begin) holds it from before BEGIN IMMEDIATE
 * until its commit is written to the WAL (not fsynced: group commit, below) or it rolled back, so the process's writers
 * queue on it in order, each handed the lock as the one before lets go, and never poll SQLite's lock. sq_wlock_take: 0,
 * or -1 after timeout_ms without the lock. */
int sq_wlock_take(int64_t timeout_ms);
void sq_wlock_give(void);
#define SQ_WLOCK_TIMEOUT_MS 5000 /* as long as SQLite's busy timeout: a writer then fails */

/* ---- group commit (gsync.c) ----
 * Every connection runs at synchronous=NORMAL: in WAL mode a commit then writes its
 * frames without an fsync (checkpoints still fsync the WAL before and the database
 * after copying, and a WAL restarted from its start has its header fsynced). A commit
 * that wrote frames takes the next number (sq_gsync_written) while it still holds the
 * write lock, so the numbers follow the commits' order in the WAL; after handing the
 * lock on, its writer calls sq_gsync_wait, which returns 0 once an fsync of the WAL that
 * began after that commit was written has ended (-1: the fsync failed). A writer leads
 * the next fsync when none is under way, others wait for it: one fsync for every commit
 * written before it began. */
uint64_t sq_gsync_written(void);
int sq_gsync_wait(sqlite3 *db, uint64_t seq);
/* 1 when commit `seq` is durable (0 always is). */
int sq_gsync_durable(uint64_t seq);
/* Commit `seq`'s writer is about to call sq_gsync_wait (before it does); sq_gsync_coming:
 * 1 when a writer whose commit came after `seq` waits (or is about to), so an fsync that
 * covers `seq` will end without anyone else starting one. */
void sq_gsync_will_wait(uint64_t seq);
int sq_gsync_coming(uint64_t seq);
/* 1 once an fsync of the WAL failed (fsyncgate): from then on every wait fails, and
 * sq_begin refuses writes, until the process restarts. sq_gsync_fail marks it (logged
 * once); sq_gsync_check_ioerr marks it when db's last error is one of SQLite's own
 * fsyncs failing (a commit that restarted the WAL syncs its header, a checkpoint syncs
 * the WAL and the database). */
int sq_gsync_failed(void);
void sq_gsync_fail(void);
void sq_gsync_check_ioerr(sqlite3 *db);
/* For tests: fsyncs ended so far, the last number handed out, a replacement for the
 * fsync itself (0 or -1; NULL: the WAL file's xSync), and forgetting a failed fsync (a
 * test process runs on after one; kiln never does). */
void sq_gsync_test_reset(void);
uint64_t sq_gsync_count(void);
uint64_t sq_gsync_last_written(void);
typedef int sq_gsync_sync_fn(sqlite3_file *wal);
extern sq_gsync_sync_fn *sq_gsync_sync_hook;

/* The syncer (gsync.c, store.h "store_when_durable"): one thread, with its own
 * connection on like's database, that fsyncs the WAL whenever waits are queued and
 * answers each covered one. start: 0, or -1 (then waits are not queued); queue: 0, or -1
 * when it does not run. stop answers what was queued, then joins. */
int sq_syncer_start(sqlite3 *like);
void sq_syncer_stop(void);
int sq_syncer_queue(store_dwait_t *w);
uint64_t sq_syncer_waits(void);

/* Ends a parked read snapshot. */
void sq_snap_release(struct sqlite_store *s);
/* Prepares statement `id` of table t (once per handle; aborts if the static SQL does not
 * prepare: a bug or a schema mismatch). */
sqlite3_stmt *sq_prepare(struct sqlite_store *s, const sq_sql_t *t, int id);

/* Statement `id` of table t, prepared once per handle, returned reset and with its
 * bindings cleared. Any statement outside an active read ends a parked snapshot first,
 * so it never sees stale data. */
static inline sqlite3_stmt *sq_stmt(store_t *st, const sq_sql_t *t, int id)
{
    struct sqlite_store *s = SQ(st);
    if (s->snap == SNAP_PARKED)
        sq_snap_release(s);
    sqlite3_stmt **v = s->stmts[t->slot];
    return v && v[id] ? v[id] : sq_prepare(s, t, id);
}

/* ---- transactions as the families use them ---- */

/* Writes that need several statements run in a transaction of their own unless the
 * caller already opened one: sq_tx_open sets *opened when it began one, sq_tx_close
 * commits it (rc == STORE_OK) or rolls it back, and returns the result. */
int sq_tx_open(store_t *st, int *opened);
int sq_tx_close(store_t *st, int opened, int rc);
/* A single-statement write, in a transaction of its own unless one is open. */
int sq_write1(store_t *st, sqlite3_stmt *q);
/* A single-row write that must hit exactly one row (UPDATE ... WHERE id = ?):
 * STORE_NOTFOUND if it changed none. */
int sq_write_one_row(store_t *st, sqlite3_stmt *q);

/* ---- statements and rows ---- */

/* Resets q and clears its bindings. */
void sq_done(sqlite3_stmt *q);
/* An SQLite result as a STORE_* code (logs the unexpected ones). SQLITE_BUSY or _LOCKED
 * (another process held the lock past the busy timeout): STORE_UNAVAILABLE, noted for the
 * thread (store_unavailable_note). */
int sq_rc(store_t *st, int rc);
/* Runs a statement that returns no rows (or ignores them). */
int sq_exec(store_t *st, sqlite3_stmt *q);
/* Column i as a string in the arena; NULL for SQL NULL. */
const char *sq_col_str(arena_t *a, sqlite3_stmt *q, int i);
/* Binds s (NULL: SQL NULL); s must outlive the statement's run. */
void sq_bind_text(sqlite3_stmt *q, int i, const char *s);
/* Binds v, or SQL NULL when v == none (a record's "not set" value: 0 or -1). */
void sq_bind_opt_i64(sqlite3_stmt *q, int i, int64_t v, int64_t none);
/* Column i as a number; `none` for SQL NULL. */
int64_t sq_col_opt_i64(sqlite3_stmt *q, int i, int64_t none);

/* Reads the current row of q into one record. */
typedef void sq_read_fn(arena_t *a, sqlite3_stmt *q, void *rec);
/* One row into *out via `read`; STORE_NOTFOUND if none. */
int sq_one(store_t *st, arena_t *a, sqlite3_stmt *q, sq_read_fn *read, void *out);
/* Steps q to the end, reading each row with `read` into a growable arena array of
 * `size`-byte records. */
int sq_collect(store_t *st, arena_t *a, sqlite3_stmt *q, size_t size, sq_read_fn *read, void **out, size_t *n);
/* The first column of q's one row as a number: a count, or the next value of a
 * sequence (STORE_NOTFOUND if q returned no row). */
int sq_count(store_t *st, sqlite3_stmt *q, int64_t *n);
int sq_next_id(store_t *st, sqlite3_stmt *q, int64_t *id);

/* ---- across families ---- */

/* The columns of an issue row (product.c's ISSUE_COLS, "i." the issues table), in the
 * order sq_read_issue reads them: the JQL search and other families select the same. */
#define SQ_ISSUE_COLS                                                                                                  \
    "i.id, i.project_id, i.num, i.issuetype_id, i.status_id, i.priority_id, i.resolution_id, i.summary, "              \
    "i.description_json, i.environment_json, i.reporter_account_id, i.creator_account_id, "                            \
    "i.assignee_account_id, i.parent_id, i.duedate, i.original_estimate_s, i.remaining_estimate_s, "                   \
    "i.time_spent_s, i.rank, i.created_ms, i.updated_ms, i.resolved_ms, i.status_changed_ms"
#define SQ_ISSUE_NCOLS 23
/* Reads SQ_ISSUE_COLS from the current row into *out (strings in the arena). */
void sq_read_issue(arena_t *a, sqlite3_stmt *q, issue_rec_t *out);

/* Deletes every app storage row of an installation (kvs.c; for store_install_purge,
 * inside its transaction). */
int sq_kvs_purge_installation(store_t *st, int64_t site_id, const char *installation_id);
/* Deletes every delivery of an installation, whatever its state (deliveries.c; for
 * store_install_purge, inside its transaction). */
int sq_deliveries_purge_installation(store_t *st, const char *installation_id);

/* ---- the families' operations ---- */

extern const store_sites_ops_t sq_sites_ops;
extern const store_product_ops_t sq_product_ops;
extern const store_apps_ops_t sq_apps_ops;
extern const store_installs_ops_t sq_installs_ops;
extern const store_kvs_ops_t sq_kvs_ops;
extern const store_journal_ops_t sq_journal_ops;
extern const store_deliveries_ops_t sq_deliveries_ops;
extern const store_schedules_ops_t sq_schedules_ops;
extern const store_sessions_ops_t sq_sessions_ops;
extern const store_events_ops_t sq_events_ops;
extern const store_fields_ops_t sq_fields_ops;
extern const store_catalog_ops_t sq_catalog_ops;
extern const store_changelog_ops_t sq_changelog_ops;
extern const store_links_ops_t sq_links_ops;
extern const store_comments_ops_t sq_comments_ops;
extern const store_worklogs_ops_t sq_worklogs_ops;
extern const store_properties_ops_t sq_properties_ops;
extern const store_roles_ops_t sq_roles_ops;
extern const store_agile_ops_t sq_agile_ops;
extern const store_devops_ops_t sq_devops_ops;
extern const store_auth_ops_t sq_auth_ops;
extern const store_search_ops_t sq_search_ops;
/* Registers kiln_words(text, adf, query) on a connection (search.c). */
int sq_search_register(sqlite3 *db);

#endif
