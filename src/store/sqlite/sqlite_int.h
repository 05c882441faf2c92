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
};

#define SQ(st) ((struct sqlite_store *)(st))
#define DB(st) (SQ(st)->db)

/* ---- the write lock (wlock.c) ----
 * One per process: every write transaction (sq_begin) holds it from before BEGIN IMMEDIATE
 * until its commit is durable or it rolled back, so the process's writers queue on it in
 * order, each handed the lock as the one before lets go, and never poll SQLite's lock.
 * sq_wlock_take: 0, or -1 after timeout_ms without the lock. */
int sq_wlock_take(int64_t timeout_ms);
void sq_wlock_give(void);
#define SQ_WLOCK_TIMEOUT_MS 5000 /* as long as SQLite's busy timeout: a writer then fails */

/* Registers kiln_words(text, adf, query) on a connection (words.c). */
int sq_search_register(sqlite3 *db);

#endif
