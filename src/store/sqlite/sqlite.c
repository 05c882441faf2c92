/* The SQLite backend's connection: one per handle (so per thread), WAL,
 * synchronous=NORMAL with group commit (gsync.c) so that a write is answered only once an
 * fsync covers it (it survives kill -9 and power loss) without holding the write lock
 * through that fsync, the process's writers queued on one lock (wlock.c) and a busy
 * timeout for other processes'; checkpoints after the lock is handed on; migrations, the
 * integrity check, transactions and read snapshots, and the neutral statement layer's
 * SQLite driver (store/sql/db.h: the statement cache, binds, steps, columns) over which the
 * families (store/sql/) run. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "store/qcache.h"
#include "store/sql/families.h"
#include "store/sqlite/sqlite_int.h"

enum q { Q_BEGIN, Q_BEGIN_READ, Q_COMMIT, Q_ROLLBACK, Q_SAVEPOINT, Q_RELEASE, Q_ROLLBACK_TO, Q__COUNT };

static const char *const sql[Q__COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_BEGIN_READ] = "BEGIN",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT unit",
    [Q_RELEASE] = "RELEASE unit",
    [Q_ROLLBACK_TO] = "ROLLBACK TO unit",
};

/* The transaction statements, prepared once per handle (without releasing a parked
 * snapshot: sq_snap_release uses it). */
static sqlite3_stmt *tx_prepare(struct sqlite_store *s, enum q id)
{
    if (!s->tx)
        s->tx = xcalloc(Q__COUNT, sizeof *s->tx);
    if (!s->tx[id] &&
        sqlite3_prepare_v3(s->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->tx[id], NULL) != SQLITE_OK) {
        log_msg(LOG_ERROR, "store: prepare failed", "error", sqlite3_errmsg(s->db), "sql", sql[id], NULL);
        abort();
    }
    return s->tx[id];
}

_Atomic uint64_t sq_write_gen;

void sq_snap_release(struct sqlite_store *s)
{
    sqlite3_stmt *q = tx_prepare(s, Q_COMMIT);
    sqlite3_step(q);
    sqlite3_reset(q);
    s->snap = SNAP_NONE;
}

/* Any statement outside an active read ends a parked snapshot first, so it never sees
 * stale data. */
static inline void unpark(struct sqlite_store *s)
{
    if (s->snap == SNAP_PARKED)
        sq_snap_release(s);
}

/* An SQLite result as a STORE_* code (logs the unexpected ones). */
static int sq_rc(struct sqlite_store *s, int rc)
{
    if (rc == SQLITE_DONE || rc == SQLITE_OK || rc == SQLITE_ROW)
        return STORE_OK;
    if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT)
        return STORE_CONFLICT;
    if ((rc & 0xff) == SQLITE_FULL)
        store_note_full();
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
        /* another process held the database's lock for longer than the busy timeout */
        log_msg(LOG_ERROR, "store: the database is locked", "error", sqlite3_errmsg(s->db), NULL);
        store_unavailable_note();
        return STORE_UNAVAILABLE;
    }
    log_msg(LOG_ERROR, "store: statement failed", "error", sqlite3_errmsg(s->db), NULL);
    return STORE_ERROR;
}

static int sq_exec(struct sqlite_store *s, sqlite3_stmt *q)
{
    int r = sq_rc(s, sqlite3_step(q));
    sqlite3_reset(q);
    return r;
}

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    unpark(SQ(st));
    return tx_prepare(SQ(st), id);
}

/* ---- the driver (store/sql/db.h) ---- */

static const db_driver_t sqlite_driver;

#define SQS(q) (((struct sq_stmt *)(q))->q)

static struct sq_stmt *wrap(store_t *st, sqlite3_stmt *q)
{
    struct sq_stmt *w = xcalloc(1, sizeof *w);
    w->base.drv = &sqlite_driver;
    w->base.st = st;
    w->q = q;
    return w;
}

static db_stmt_t *drv_stmt(store_t *st, const db_sql_t *t, int id)
{
    struct sqlite_store *s = SQ(st);
    unpark(s);
    struct sq_stmt **v = s->stmts[t->slot];
    if (v && v[id])
        return &v[id]->base;
    if (!v) {
        v = s->stmts[t->slot] = xcalloc(t->count, sizeof *v);
        s->nstmts[t->slot] = t->count;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v3(s->db, t->sql[id], -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK) {
        /* The SQL is static: failing to prepare it is a bug or a schema mismatch. */
        log_msg(LOG_ERROR, "store: prepare failed", "error", sqlite3_errmsg(s->db), "sql", t->sql[id], NULL);
        abort();
    }
    v[id] = wrap(st, q);
    return &v[id]->base;
}

static db_stmt_t *drv_prepare(store_t *st, const char *text, size_t len)
{
    struct sqlite_store *s = SQ(st);
    unpark(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, text, (int)len, &q, NULL) != SQLITE_OK) {
        sq_rc(s, sqlite3_errcode(s->db));
        return NULL;
    }
    return &wrap(st, q)->base;
}

static void drv_free(db_stmt_t *q)
{
    sqlite3_finalize(SQS(q));
    free(q);
}

static int drv_in_tx(store_t *st)
{
    return SQ(st)->in_tx;
}

static int64_t drv_changes(store_t *st)
{
    return sqlite3_changes(DB(st));
}

static void drv_bind_i64(db_stmt_t *q, int i, int64_t v)
{
    sqlite3_bind_int64(SQS(q), i, v);
}

static void drv_bind_double(db_stmt_t *q, int i, double v)
{
    sqlite3_bind_double(SQS(q), i, v);
}

static void drv_bind_text(db_stmt_t *q, int i, const char *t)
{
    if (t)
        sqlite3_bind_text(SQS(q), i, t, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(SQS(q), i);
}

static void drv_bind_blob(db_stmt_t *q, int i, const void *p, size_t len)
{
    sqlite3_bind_blob(SQS(q), i, p, (int)len, SQLITE_STATIC);
}

static void drv_bind_null(db_stmt_t *q, int i)
{
    sqlite3_bind_null(SQS(q), i);
}

static int progress(void *arg)
{
    return clock_now_ms() > *(int64_t *)arg;
}

static int drv_step(db_stmt_t *q, int64_t deadline_ms)
{
    struct sqlite_store *s = SQ(q->st);
    int rc;
    if (deadline_ms) {
        sqlite3_progress_handler(s->db, 2000, progress, &deadline_ms);
        rc = sqlite3_step(SQS(q));
        sqlite3_progress_handler(s->db, 0, NULL, NULL);
        if (rc == SQLITE_INTERRUPT)
            return STORE_BUSY;
    } else {
        rc = sqlite3_step(SQS(q));
    }
    return rc == SQLITE_ROW ? DB_ROW : rc == SQLITE_DONE ? DB_DONE : sq_rc(s, rc);
}

static void drv_done(db_stmt_t *q)
{
    sqlite3_reset(SQS(q));
    sqlite3_clear_bindings(SQS(q));
}

static int drv_col_null(db_stmt_t *q, int i)
{
    return sqlite3_column_type(SQS(q), i) == SQLITE_NULL;
}

static int64_t drv_col_i64(db_stmt_t *q, int i)
{
    return sqlite3_column_int64(SQS(q), i);
}

static double drv_col_double(db_stmt_t *q, int i)
{
    return sqlite3_column_double(SQS(q), i);
}

static const void *drv_col_bytes(db_stmt_t *q, int i, size_t *len)
{
    sqlite3_stmt *s = SQS(q);
    int type = sqlite3_column_type(s, i);
    if (type == SQLITE_NULL) {
        *len = 0;
        return NULL;
    }
    /* blobs as they are, anything else as text (a number as its digits) */
    const void *p = type == SQLITE_BLOB ? sqlite3_column_blob(s, i) : (const void *)sqlite3_column_text(s, i);
    *len = (size_t)sqlite3_column_bytes(s, i);
    return p ? p : ""; /* an empty blob has no pointer */
}

static int drv_cache_gen(store_t *st, int64_t site_id, uint64_t *now_gen, uint64_t *read_gen, int64_t *ttl_ms)
{
    struct sqlite_store *s = SQ(st);
    if (s->in_tx)
        return 0;
    /* the data about to be read is at least as new as the active snapshot's generation
     * (taken before its BEGIN), or now (the statement starts after this) */
    *now_gen = sq_write_gen;
    *read_gen = s->snap == SNAP_ACTIVE ? s->snap_gen : *now_gen;
    *ttl_ms = QCACHE_TTL_MS; /* another process's write moves no generation here */
    return 1;
}

static const db_driver_t sqlite_driver = {
    DB_DRIVER_OPS(DB_SQLITE),
};

/* ---- the handle ---- */

/* The process's write lock (sqlite_int.h) let go by this handle, if it holds it. */
static void wlock_drop(struct sqlite_store *s)
{
    if (s->wlocked) {
        s->wlocked = 0;
        sq_wlock_give();
    }
}

static void sq_close(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    if (s->snap != SNAP_NONE)
        sq_snap_release(s);
    if (s->in_tx) {
        s->in_tx = 0;
        sq_exec(s, stmt(st, Q_ROLLBACK));
    }
    wlock_drop(s);
    qcache_free(st->qc);
    for (int t = 0; t < DB__TABLES; t++) {
        for (unsigned i = 0; i < s->nstmts[t]; i++)
            if (s->stmts[t][i])
                drv_free(&s->stmts[t][i]->base);
        free(s->stmts[t]);
    }
    for (int i = 0; s->tx && i < Q__COUNT; i++)
        sqlite3_finalize(s->tx[i]);
    free(s->tx);
    sqlite3_close(s->db);
    free(s);
}

static int sq_migrate(store_t *st, char *err, size_t errlen)
{
    sqlite3 *db = DB(st);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
        goto fail;
    int version = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    if (version < 0)
        goto fail;
    if ((unsigned)version > sq_schema_len) {
        snprintf(err, errlen, "store schema version %d is newer than this binary (%u)", version, sq_schema_len);
        return STORE_ERROR;
    }
    for (unsigned v = (unsigned)version; v < sq_schema_len; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %u", v + 1);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        if (sqlite3_exec(db, sq_schema[v], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "migration %u failed: %s", v + 1, sqlite3_errmsg(db));
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return STORE_ERROR;
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        log_msg(LOG_INFO, "store: migrated", "version", pragma + 22, NULL);
    }
    return STORE_OK;
fail:
    snprintf(err, errlen, "migration failed: %s", sqlite3_errmsg(db));
    return STORE_ERROR;
}

static int sq_check(store_t *st, char *out, size_t outlen)
{
    sqlite3_stmt *q;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(DB(st), "PRAGMA integrity_check", -1, &q, NULL) != SQLITE_OK) {
        snprintf(out, outlen, "%s", sqlite3_errmsg(DB(st)));
        return STORE_ERROR;
    }
    size_t used = 0;
    out[0] = '\0';
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(q, 0);
        if (strcmp(line, "ok") != 0)
            rc = STORE_ERROR;
        int n = snprintf(out + used, outlen - used, "%s%s", used ? "\n" : "", line);
        if (n < 0 || (size_t)n >= outlen - used)
            break;
        used += (size_t)n;
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(DB(st), "PRAGMA foreign_key_check", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            rc = STORE_ERROR;
            snprintf(out, outlen, "foreign key violation in table %s", sqlite3_column_text(q, 0));
        }
        sqlite3_finalize(q);
    }
    return rc;
}

/* ---- transactions and read snapshots ---- */

static int sq_begin(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    if (s->snap != SNAP_NONE)
        sq_snap_release(s);
    if (sq_gsync_failed())
        return STORE_ERROR; /* an fsync failed: no write until a restart (gsync.c, store.h) */
    int took = !s->wlocked; /* held already: a transaction is open (BEGIN fails below) */
    if (took && sq_wlock_take(SQ_WLOCK_TIMEOUT_MS) != 0) {
        log_msg(LOG_ERROR, "store: no turn to write within the busy timeout", NULL);
        store_unavailable_note();
        return STORE_UNAVAILABLE;
    }
    s->wlocked = 1;
    int rc = sq_exec(s, stmt(st, Q_BEGIN));
    if (rc == STORE_OK)
        s->in_tx = 1;
    else if (took)
        wlock_drop(s);
    return rc;
}

static int sq_reading(store_t *st)
{
    return SQ(st)->snap == SNAP_ACTIVE;
}

static int sq_begin_read(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    if (s->in_tx || s->snap == SNAP_ACTIVE)
        return STORE_ERROR; /* reads do not nest */
    uint64_t gen = sq_write_gen;
    int64_t now = clock_now_ms();
    if (s->snap == SNAP_PARKED && s->snap_gen == gen && now - s->snap_ms < SQ_SNAP_REUSE_MS) {
        s->snap = SNAP_ACTIVE;
        return STORE_OK;
    }
    int rc = sq_exec(s, stmt(st, Q_BEGIN_READ)); /* stmt() released a parked one */
    if (rc == STORE_OK) {
        s->snap = SNAP_ACTIVE;
        s->snap_gen = gen; /* read before BEGIN: a write in between only makes it look older */
        s->snap_ms = now;
    }
    return rc;
}

static int sq_commit(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    if (s->snap == SNAP_ACTIVE) {
        s->snap = SNAP_PARKED;
        if (s->no_park)
            sq_snap_release(s);
        return STORE_OK;
    }
    s->in_tx = 0;
    int rc = sq_exec(s, stmt(st, Q_COMMIT)); /* durable on return unless unsynced (wal_hook) */
    if (rc == STORE_OK)
        sq_write_gen++; /* before the caller acknowledges the write */
    else
        sq_gsync_check_ioerr(s->db); /* SQLite's own fsync failed: as ours (fsyncgate) */
    if (rc != STORE_OK && !sqlite3_get_autocommit(s->db))
        sq_exec(s, stmt(st, Q_ROLLBACK)); /* a commit that failed leaves nothing open */
    wlock_drop(s);                        /* already dropped by wal_hook when the commit wrote to the WAL */
    s->unsynced = 0;
    return rc;
}

static void sq_rollback(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    if (s->snap == SNAP_ACTIVE) {
        s->snap = SNAP_PARKED;
        if (s->no_park)
            sq_snap_release(s);
        return;
    }
    s->in_tx = 0;
    if (!sqlite3_get_autocommit(s->db)) /* else nothing is open: its begin was refused (a stopped store, a timeout) */
        sq_exec(s, stmt(st, Q_ROLLBACK));
    wlock_drop(s);
    s->unsynced = 0;
}

static int sq_begin_unsynced(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    if (s->in_tx)
        return STORE_ERROR; /* transactions do not nest */
    int rc = sq_begin(st);
    s->unsynced = rc == STORE_OK;
    return rc;
}

static int sq_synced(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    if (s->pending_seq != 0 && sq_gsync_durable(s->pending_seq)) /* a group fsync that began after it ended */
        s->pending_seq = 0;
    return s->pending_seq == 0;
}

static uint64_t sq_last_awaited_commit(store_t *st)
{
    (void)st;
    return sq_gsync_last_awaited();
}

static enum store_seq_state sq_seq_state(store_t *st, uint64_t seq)
{
    (void)st;
    return sq_gsync_durable(seq) ? STORE_SEQ_DURABLE : sq_gsync_coming(seq) ? STORE_SEQ_COMING : STORE_SEQ_WAITING;
}

static int sq_sync(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    if (sq_synced(st))
        return STORE_OK;
    if (sq_gsync_wait(s->db, s->pending_seq) != 0) {
        log_msg(LOG_ERROR, "store: cannot fsync the WAL", NULL);
        return STORE_ERROR;
    }
    s->pending_seq = 0;
    return STORE_OK;
}

static int sq_savepoint(store_t *st)
{
    if (!SQ(st)->in_tx)
        return STORE_ERROR; /* only inside a write transaction */
    return sq_exec(SQ(st), stmt(st, Q_SAVEPOINT));
}

static int sq_savepoint_release(store_t *st)
{
    return sq_exec(SQ(st), stmt(st, Q_RELEASE));
}

static void sq_savepoint_rollback(store_t *st)
{
    sq_exec(SQ(st), stmt(st, Q_ROLLBACK_TO));
    sq_exec(SQ(st), stmt(st, Q_RELEASE));
}

static void sq_keep_nothing(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    s->no_park = 1;
    if (s->snap == SNAP_PARKED)
        sq_snap_release(s);
}

static void sq_idle(store_t *st)
{
    struct sqlite_store *s = SQ(st);
    if (s->snap == SNAP_PARKED && clock_now_ms() - s->snap_ms >= SQ_SNAP_REUSE_MS)
        sq_snap_release(s);
}

static void sq_commit_stats(uint64_t *commits, uint64_t *fsyncs, uint64_t *held)
{
    *held = sq_syncer_waits();
    *commits = sq_gsync_last_written();
    *fsyncs = sq_gsync_count();
}

static void sq_defer_durability(store_t *st, int on)
{
    SQ(st)->deferred = on;
}

static uint64_t sq_last_commit(store_t *st)
{
    return SQ(st)->commit_seq;
}

static int sq_when_durable(store_t *st, uint64_t seq, store_dwait_t *w)
{
    struct sqlite_store *s = SQ(st);
    if (seq == 0 || sq_gsync_durable(seq))
        return 0;
    if (sq_gsync_failed())
        return STORE_ERROR; /* never durable now (fsyncgate: gsync.c) */
    w->seq = seq;
    if (sq_syncer_queue(w) == 0)
        return 1;
    if (sq_gsync_wait(s->db, seq) != 0) { /* no syncer: on this thread, as a plain commit would */
        log_msg(LOG_ERROR, "store: cannot fsync the WAL", NULL);
        return STORE_ERROR;
    }
    return 0;
}

static int sq_writes_stopped(store_t *st)
{
    (void)st;
    return sq_gsync_failed();
}

/* The syncer and the checkpointer start and stop together: both are the store's threads
 * that take from HTTP threads the disk work that is not their request's. */
static int sq_syncer_start_on(store_t *st)
{
    if (sq_ckpt_start(SQ(st)->db) != 0)
        log_msg(LOG_WARN, "store: no checkpointer thread; the commit that grows the WAL checkpoints it on its thread",
                NULL);
    return sq_syncer_start(SQ(st)->db);
}

static void sq_syncer_stop_all(void)
{
    sq_syncer_stop();
    sq_ckpt_stop();
}

static void sq_relax_durability(store_t *st)
{
    SQ(st)->relaxed = 1; /* every handle is at synchronous=NORMAL already: it just does not wait */
}

/* ---- opening ---- */

/* After a commit wrote to the WAL (SQLite calls this once the frames are written and its
 * own lock is free; every commit that writes passes here, a migration's or an autocommit
 * statement's too): the commit takes its number (gsync.c) while the write lock is still
 * held, the lock is handed on at once, then the writer waits for a group fsync covering
 * the commit — unless the handle is relaxed or the transaction unsynced (the number is
 * kept for store_sync) — and, when the WAL has grown past SQ_CHECKPOINT_PAGES, kicks the
 * checkpointer thread (ckpt.c), or runs a passive checkpoint on this thread where that
 * thread does not run (the CLI's commands, unit tests). SQLite's own auto-checkpoint would
 * run inside the commit, with the write lock held and every writer behind it waiting for
 * its copying and fsyncs; on the committing thread after the commit, an HTTP thread's
 * connections waited for them (docs/store.md). An fsync that fails fails the COMMIT statement
 * (the transaction is in the WAL, but its writer is not told it is durable). */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct sqlite_store *s = arg;
    s->commit_seq = sq_gsync_written();
    int rc = SQLITE_OK;
    if (!s->relaxed && !s->unsynced) /* its writer waits, or acknowledges it once durable (deferred) */
        sq_gsync_awaited(s->commit_seq);
    if (!s->relaxed && !s->unsynced && !s->deferred)
        sq_gsync_will_wait(s->commit_seq);
    wlock_drop(s);
    store_note_written(&s->base); /* the delivery engine kicked now: its pass acts once a later fsync covers it */
    if (s->relaxed || s->unsynced || s->deferred)
        s->pending_seq = s->commit_seq;
    else if (sq_gsync_wait(db, s->commit_seq) != 0) {
        log_msg(LOG_ERROR, "store: cannot fsync the WAL after a commit", NULL);
        rc = SQLITE_IOERR;
    }
    if (pages >= SQ_CHECKPOINT_PAGES && sq_ckpt_kick() != 0 &&
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) != SQLITE_OK)
        sq_gsync_check_ioerr(db);
    return rc;
}

static const store_backend_t sqlite_backend = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .check = sq_check,
    .begin = sq_begin,
    .begin_read = sq_begin_read,
    .reading = sq_reading,
    .idle = sq_idle,
    .keep_nothing = sq_keep_nothing,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .savepoint_release = sq_savepoint_release,
    .savepoint_rollback = sq_savepoint_rollback,
    .relax_durability = sq_relax_durability,
    .begin_unsynced = sq_begin_unsynced,
    .sync = sq_sync,
    .synced = sq_synced,
    .last_awaited_commit = sq_last_awaited_commit,
    .seq_state = sq_seq_state,
    .commit_stats = sq_commit_stats,
    .defer_durability = sq_defer_durability,
    .last_commit = sq_last_commit,
    .when_durable = sq_when_durable,
    .syncer_start = sq_syncer_start_on,
    .syncer_stop = sq_syncer_stop_all,
    .writes_stopped = sq_writes_stopped,
    DB_FAMILIES_OPS,
};

/* SQLite's error log (every thread, any connection): a write refused for a full disk
 * (SQLITE_FULL) met by a statement whose result does not pass through sq_rc (which notes
 * it too) is noted for store_full_since. */
static void on_sqlite_log(void *arg, int code, const char *msg)
{
    (void)arg;
    (void)msg;
    if ((code & 0xff) == SQLITE_FULL)
        store_note_full();
}

/* Process-wide settings, before the first connection: no global allocation statistics
 * (a mutex every malloc would take across all threads); the error log above. */
static void global_init(void)
{
    sqlite3_config(SQLITE_CONFIG_LOG, on_sqlite_log, NULL);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_initialize();
}

store_t *store_sqlite_open(const char *data_dir, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
    char path[4096];
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data dir %s: %s", data_dir, strerror(errno));
        return NULL;
    }
    snprintf(path, sizeof path, "%s/kiln.db", data_dir);
    struct sqlite_store *s = xcalloc(1, sizeof *s);
    s->base.be = &sqlite_backend;
    s->base.db = &sqlite_driver;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, SQ_WLOCK_TIMEOUT_MS); /* writers of other processes */
    sqlite3_wal_hook(s->db, wal_hook, s);             /* replaces SQLite's auto-checkpoint */
    static const char *const pragmas[] = {
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL", /* no fsync inside a commit: group commit (gsync.c) */
        "PRAGMA foreign_keys = ON",
        "PRAGMA temp_store = MEMORY",
    };
    for (size_t i = 0; i < sizeof pragmas / sizeof *pragmas; i++) {
        if (sqlite3_exec(s->db, pragmas[i], NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "cannot configure %s (%s): %s", path, pragmas[i], sqlite3_errmsg(s->db));
            goto fail;
        }
    }
    if (sq_search_register(s->db) != SQLITE_OK) {
        snprintf(err, errlen, "cannot register kiln_words on %s: %s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    return &s->base;
fail:
    sqlite3_close(s->db);
    free(s);
    return NULL;
}
