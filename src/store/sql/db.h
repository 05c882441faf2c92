/* The store's neutral statement layer: what every table family (src/store/sql/<family>.c)
 * uses to run its SQL, whichever database holds the tables. Private to the store: nothing
 * outside src/store/ includes it. Names start with db_.
 *
 * A family writes each statement ONCE, in a table indexed by its own enum (a db_sql_t),
 * with numbered placeholders ?1, ?2 ... A driver prepares a statement once per store
 * handle on first use (db_stmt) and runs it: the SQLite driver (src/store/sqlite/sqlite.c)
 * as SQLite SQL, the PostgreSQL driver (src/store/postgres/driver.c) with every ?N outside
 * a string literal turned into $N. Where the dialects really differ, the table's `pg`
 * array carries the PostgreSQL text of that one statement (the list of overrides:
 * docs/store.md). Dynamic SQL (search.c) asks db_dialect.
 *
 * Parameters are 1-based, columns 0-based (as in SQLite). A statement handed out by
 * db_stmt is reset and has no bindings; bound text and blobs must outlive its run. A run
 * ends with db_done (the row helpers below call it): the next db_stmt of the same
 * statement may come before, but no other statement may run in between on the same handle
 * while a statement's rows are still being read, except where the SQLite semantics allow
 * it (the PostgreSQL driver reads a statement's whole result at its first db_step).
 *
 * Results: db_step gives DB_ROW, DB_DONE, or a STORE_* error (the driver has logged the
 * unexpected ones): a uniqueness violation is STORE_CONFLICT. */
#ifndef KILN_STORE_SQL_DB_H
#define KILN_STORE_SQL_DB_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/store_backend.h"

/* Each family file's statements form a table of their own; a driver keeps one array of
 * prepared statements per table and handle. */
enum db_table {
    DB_SITES,
    DB_PRODUCT,
    DB_APPS,
    DB_INSTALLS,
    DB_KVS,
    DB_JOURNAL,
    DB_AUTH,
    DB_EVENTS,
    DB_FIELDS,
    DB_CATALOG,
    DB_CHANGELOG,
    DB_LINKS,
    DB_COMMENTS,
    DB_WORKLOGS,
    DB_PROPERTIES,
    DB_ROLES,
    DB_SEARCH,
    DB_AGILE,
    DB_DEVOPS,
    DB_DELIVERIES,
    DB_SCHEDULES,
    DB_SESSIONS,
    DB__TABLES
};

typedef struct db_sql {
    enum db_table slot;
    unsigned count;         /* entries in sql (and pg) */
    const char *const *sql; /* indexed by the family's enum */
    const char *const *pg;  /* NULL, or the PostgreSQL text where it differs (NULL entries: sql) */
} db_sql_t;

enum db_dialect { DB_SQLITE, DB_POSTGRES };
enum { DB_ROW = 1, DB_DONE = 2 };

typedef struct db_stmt db_stmt_t;

/* What a driver does (one table per driver; the store handle points to it). */
typedef struct db_driver {
    enum db_dialect dialect;
    /* statement `id` of table t, prepared once per handle, reset, no bindings */
    db_stmt_t *(*stmt)(store_t *st, const db_sql_t *t, int id);
    /* a statement of SQL built at run time (in the driver's dialect), for one use: run it,
     * then db_free it. NULL after a logged error. */
    db_stmt_t *(*prepare)(store_t *st, const char *sql, size_t len);
    void (*free)(db_stmt_t *q);
    int (*in_tx)(store_t *st);       /* a write transaction is open */
    int64_t (*changes)(store_t *st); /* rows the last statement changed */
    void (*bind_i64)(db_stmt_t *q, int i, int64_t v);
    void (*bind_double)(db_stmt_t *q, int i, double v);
    void (*bind_text)(db_stmt_t *q, int i, const char *s); /* s NULL: SQL NULL */
    void (*bind_blob)(db_stmt_t *q, int i, const void *p, size_t len);
    void (*bind_null)(db_stmt_t *q, int i);
    /* the next row; deadline_ms > 0: STORE_BUSY once the clock passes it */
    int (*step)(db_stmt_t *q, int64_t deadline_ms);
    void (*done)(db_stmt_t *q); /* resets q and clears its bindings */
    int (*col_null)(db_stmt_t *q, int i);
    int64_t (*col_i64)(db_stmt_t *q, int i);
    double (*col_double)(db_stmt_t *q, int i);
    /* text or blob bytes of column i (NULL for SQL NULL), valid until the next step */
    const void *(*col_bytes)(db_stmt_t *q, int i, size_t *len);
    /* the project-search cache's generations (store/qcache.h) for a search of site_id's
     * projects: 0 when nothing may be cached now; else *now_gen (current), *read_gen (what
     * this read sees at least) and *ttl_ms (the longest an entry may be served) */
    int (*cache_gen)(store_t *st, int64_t site_id, uint64_t *now_gen, uint64_t *read_gen, int64_t *ttl_ms);
} db_driver_t;

/* A driver's table, from functions named drv_<operation> in the driver's file:
 * `static const db_driver_t d = {DB_DRIVER_OPS(DB_SQLITE)};` */
#define DB_DRIVER_OPS(d)                                                                                               \
    .dialect = (d), .stmt = drv_stmt, .prepare = drv_prepare, .free = drv_free, .in_tx = drv_in_tx,                    \
    .changes = drv_changes, .bind_i64 = drv_bind_i64, .bind_double = drv_bind_double, .bind_text = drv_bind_text,      \
    .bind_blob = drv_bind_blob, .bind_null = drv_bind_null, .step = drv_step, .done = drv_done,                        \
    .col_null = drv_col_null, .col_i64 = drv_col_i64, .col_double = drv_col_double, .col_bytes = drv_col_bytes,        \
    .cache_gen = drv_cache_gen

/* Every driver's statement starts with this. */
struct db_stmt {
    const db_driver_t *drv;
    store_t *st;
};

/* The handle's driver (struct store's `db`, set by the backend at open). */
static inline const db_driver_t *db_driver(store_t *st)
{
    return st->db;
}
static inline enum db_dialect db_dialect(store_t *st)
{
    return st->db->dialect;
}
static inline db_stmt_t *db_stmt(store_t *st, const db_sql_t *t, int id)
{
    return st->db->stmt(st, t, id);
}
static inline db_stmt_t *db_prepare(store_t *st, const char *sql, size_t len)
{
    return st->db->prepare(st, sql, len);
}
static inline void db_free(db_stmt_t *q)
{
    if (q)
        q->drv->free(q);
}
static inline int64_t db_changes(store_t *st)
{
    return st->db->changes(st);
}
static inline void db_bind_i64(db_stmt_t *q, int i, int64_t v)
{
    q->drv->bind_i64(q, i, v);
}
static inline void db_bind_double(db_stmt_t *q, int i, double v)
{
    q->drv->bind_double(q, i, v);
}
static inline void db_bind_text(db_stmt_t *q, int i, const char *s)
{
    q->drv->bind_text(q, i, s);
}
static inline void db_bind_blob(db_stmt_t *q, int i, const void *p, size_t len)
{
    q->drv->bind_blob(q, i, p, len);
}
static inline void db_bind_null(db_stmt_t *q, int i)
{
    q->drv->bind_null(q, i);
}
static inline int db_step(db_stmt_t *q)
{
    return q->drv->step(q, 0);
}
static inline int db_step_until(db_stmt_t *q, int64_t deadline_ms)
{
    return q->drv->step(q, deadline_ms);
}
static inline void db_done(db_stmt_t *q)
{
    q->drv->done(q);
}
static inline int db_col_null(db_stmt_t *q, int i)
{
    return q->drv->col_null(q, i);
}
static inline int64_t db_col_i64(db_stmt_t *q, int i)
{
    return q->drv->col_i64(q, i);
}
static inline int db_col_int(db_stmt_t *q, int i)
{
    return (int)q->drv->col_i64(q, i);
}
static inline double db_col_double(db_stmt_t *q, int i)
{
    return q->drv->col_double(q, i);
}
static inline const void *db_col_bytes(db_stmt_t *q, int i, size_t *len)
{
    return q->drv->col_bytes(q, i, len);
}

/* ---- statements and rows (db.c) ---- */

/* A db_step result as a STORE_* code: DB_ROW and DB_DONE are STORE_OK. */
int db_rc(store_t *st, int rc);
/* Runs a statement that returns no rows (or ignores them). */
int db_exec(store_t *st, db_stmt_t *q);
/* Column i as a string in the arena; NULL for SQL NULL. */
const char *db_col_str(arena_t *a, db_stmt_t *q, int i);
/* Binds v, or SQL NULL when v == none (a record's "not set" value: 0 or -1). */
void db_bind_opt_i64(db_stmt_t *q, int i, int64_t v, int64_t none);
/* Column i as a number; `none` for SQL NULL. */
int64_t db_col_opt_i64(db_stmt_t *q, int i, int64_t none);

/* Reads the current row of q into one record. */
typedef void db_read_fn(arena_t *a, db_stmt_t *q, void *rec);
/* One row into *out via `read`; STORE_NOTFOUND if none. */
int db_one(store_t *st, arena_t *a, db_stmt_t *q, db_read_fn *read, void *out);
/* Steps q to the end, reading each row with `read` into a growable arena array of
 * `size`-byte records. */
int db_collect(store_t *st, arena_t *a, db_stmt_t *q, size_t size, db_read_fn *read, void **out, size_t *n);
/* The first column of q's one row as a number: a count, the next value of a sequence, or
 * the id an INSERT ... RETURNING id gave (STORE_NOTFOUND if q returned no row). */
int db_count(store_t *st, db_stmt_t *q, int64_t *n);
int db_next_id(store_t *st, db_stmt_t *q, int64_t *id);

/* ---- transactions as the families use them (db.c) ---- */

/* Writes that need several statements run in a transaction of their own unless the
 * caller already opened one: db_tx_open sets *opened when it began one, db_tx_close
 * commits it (rc == STORE_OK) or rolls it back, and returns the result. */
int db_tx_open(store_t *st, int *opened);
int db_tx_close(store_t *st, int opened, int rc);
/* A single-statement write, in a transaction of its own unless one is open. */
int db_write1(store_t *st, db_stmt_t *q);
/* A single-row write that must hit exactly one row (UPDATE ... WHERE id = ?):
 * STORE_NOTFOUND if it changed none. */
int db_write_one_row(store_t *st, db_stmt_t *q);
/* A single-row INSERT ... RETURNING id, in a transaction of its own unless one is open:
 * *id the new row's id. */
int db_insert_id(store_t *st, db_stmt_t *q, int64_t *id);

#endif
