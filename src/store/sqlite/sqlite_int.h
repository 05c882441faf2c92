/* The SQLite backend's internals, shared by its files and private to them (like
 * SQLite's own *Int.h headers): nothing outside src/store/sqlite/ includes this. Its
 * names start with sq_. The table families are not here: they are written once over the
 * neutral statement layer (store/sql/db.h, store/sql/families.h), and this backend is
 * that layer's SQLite driver.
 *
 *   sqlite.c    the connection: open, pragmas, migrations, integrity check, the
 *               driver (statement cache, binds, steps, columns), transactions and read
 *               snapshots
 *   schema.c    the migrations (SQL DDL), append-only
 *   wlock.c     the process's write lock
 *   gsync.c     group commit and the syncer thread
 *   ckpt.c      the checkpointer thread
 *   words.c     kiln_words(text, adf, query), the JQL text search's SQL function */
#ifndef KILN_SQLITE_INT_H
#define KILN_SQLITE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/sql/db.h"
#include "store/store_backend.h"

/* ---- schema (schema.c) ---- */

/* Migration i brings `PRAGMA user_version` from i to i+1. */
extern const char *const sq_schema[];
extern const unsigned sq_schema_len;

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

/* A prepared statement as the neutral layer sees it (store/sql/db.h). */
struct sq_stmt {
    struct db_stmt base;
    sqlite3_stmt *q;
};

struct sqlite_store {
    store_t base;
    sqlite3 *db;
    struct sq_stmt **stmts[DB__TABLES]; /* per table, allocated and prepared on first use */
    unsigned nstmts[DB__TABLES];
    sqlite3_stmt **tx; /* the transaction statements (sqlite.c) */
    int in_tx;         /* a write transaction is open */
    int wlocked;       /* this handle holds the process's write lock (sq_wlock_take) */
    enum sq_snap snap; /* the read snapshot's state */
    uint64_t snap_gen;
    int64_t snap_ms;
    int no_park;          /* store_keep_nothing: a read snapshot ends at its commit */
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
/* Commit `seq` (numbered under the write lock) is one whose writer waits for it or
 * acknowledges it only once durable; sq_gsync_last_awaited: the last such number
 * (store_last_awaited_commit). */
void sq_gsync_awaited(uint64_t seq);
uint64_t sq_gsync_last_awaited(void);
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

/* ---- the checkpointer (ckpt.c) ----
 * One thread, with its own connection on like's database, that runs a passive WAL
 * checkpoint each time it is kicked (kicks that come while it sleeps or runs make one
 * checkpoint). A commit that finds the WAL at SQ_CHECKPOINT_PAGES or more kicks it
 * (sqlite.c, wal_hook), so no committing thread copies the WAL or waits for a checkpoint's
 * fsyncs. start: 0, or -1 (it does not run); kick: 0, or -1 when it does not run (the
 * caller then checkpoints itself). stop: no kick counts from its start; a checkpoint under
 * way ends, then the thread is joined (started and stopped with the syncer). */
#define SQ_CHECKPOINT_PAGES 1000 /* SQLite's default auto-checkpoint threshold */
/* A passive checkpoint that ends with this many frames in the WAL, copied or not (writers
 * never paused for it to start over), is followed by a TRUNCATE checkpoint with the write
 * lock held (ckpt.c, "the WAL's bound"): about 16 MiB of 4 KiB pages. */
#define SQ_WAL_RESTART_PAGES 4000
int sq_ckpt_start(sqlite3 *like);
void sq_ckpt_stop(void);
int sq_ckpt_kick(void);
uint64_t sq_ckpt_count(void);     /* checkpoints the thread ran (tests) */
uint64_t sq_ckpt_truncated(void); /* of them, followed by a TRUNCATE one (tests) */

/* Registers kiln_words(text, adf, query) on a connection (words.c). */
int sq_search_register(sqlite3 *db);

#endif
