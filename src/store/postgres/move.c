/* kiln store migrate's copy (store/store_move.h): a SQLite store into a PostgreSQL
 * database, every table of the catalog, in one transaction, verified before it commits.
 *
 * Why one transaction, not resumable batches: a failure anywhere (a refused value, the
 * network, the verification) then leaves the target exactly as empty as it was, so the
 * way out of any failure is to run the command again, and no node can ever serve a
 * half-copied store. PostgreSQL keeps a transaction of any size; the copy streams (COPY
 * in 256 KiB pieces, rows read back one at a time), so memory stays bounded by the
 * largest row. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/enc.h"
#include "store/postgres/postgres_int.h"
#include "store/store_backend.h"
#include "store/store_move.h"

#define MOVE_MAX_TABLES 256
#define MOVE_MAX_COLS 128
#define MOVE_ROW_MAX (256u * 1024 * 1024) /* one row's canonical encoding (a KVS value is 240 KiB) */
#define MOVE_COPY_CHUNK (256u * 1024)
#define MOVE_LOCK "1802070382" /* the migrations' advisory lock (migrate.c) */

/* how a column's values are copied and encoded (store_move.h) */
enum kind { K_INT, K_BOOL, K_REAL, K_TEXT, K_BLOB };

static const struct {
    const char *type; /* format_type() of the PostgreSQL column */
    enum kind kind;
} kinds[] = {
    {"bigint", K_INT},
    {"integer", K_INT},
    {"smallint", K_INT},
    {"boolean", K_BOOL},
    {"double precision", K_REAL},
    {"real", K_REAL},
    {"text", K_TEXT},
    {"bytea", K_BLOB},
    {"character varying", K_TEXT},
};

typedef struct col {
    const char *name;
    enum kind kind;
    int identity;
} col_t;

typedef struct table {
    const char *name;
    col_t cols[MOVE_MAX_COLS];
    int ncols;
    int done; /* copied (the parents-first order) */
} table_t;

typedef struct mv {
    arena_t *a;
    sqlite3 *db;
    PGconn *pg;
    table_t *t;
    int nt;
    char *err;
    size_t errlen;
    const char *data_dir; /* db_path's directory: the snapshot files */
} mv_t;

/* ---------------------------------------------------------------- errors */

static int pg_fail(mv_t *m, PGresult *r, const char *what)
{
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg || !*msg)
        msg = r ? PQresultErrorMessage(r) : "";
    if (!msg || !*msg)
        msg = PQerrorMessage(m->pg);
    /* PostgreSQL's first line names the table, column or constraint; a DETAIL or CONTEXT
     * line (which may quote a value) is left out. A data exception (class 22: a value the
     * column refuses) quotes the value after a colon in the first line too: cut there,
     * and name the column from COPY's context instead. */
    size_t n = strcspn(msg, "\n");
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    char col[80] = "";
    if (state && strncmp(state, "22", 2) == 0) {
        n = strcspn(msg, ":\n");
        const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);
        const char *c = ctx ? strstr(ctx, ", column ") : NULL;
        if (c)
            snprintf(col, sizeof col, " (column %.*s)", (int)strcspn(c + 9, ": \n"), c + 9);
    }
    snprintf(m->err, m->errlen, "%s%s: %.*s", what, col, (int)n, msg);
    return STORE_ERROR;
}

static int sq_fail(mv_t *m, const char *what)
{
    snprintf(m->err, m->errlen, "%s: %s", what, sqlite3_errmsg(m->db));
    return STORE_ERROR;
}

/* runs sql without rows; 0 or STORE_ERROR with err */
static int exec(mv_t *m, const char *sql, const char *what)
{
    PGresult *r = PQexec(m->pg, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    int rc = ok ? 0 : pg_fail(m, r, what);
    PQclear(r);
    return rc;
}

/* ---------------------------------------------------------------- the source */

/* Opens db_path (never creating it) and checks it is a sound kiln store of this binary's
 * schema version; then starts the read transaction the copy sees the source through. */
static int source_open(mv_t *m, const char *db_path)
{
    if (sqlite3_open_v2(db_path, &m->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(m->err, m->errlen, "cannot open %s: %s", db_path, m->db ? sqlite3_errmsg(m->db) : "out of memory");
        return STORE_ERROR;
    }
    sqlite3_busy_timeout(m->db, 2000);
    sqlite3_stmt *s = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(m->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (version < 0) {
        snprintf(m->err, m->errlen, "%s is not a kiln store: %s", db_path, sqlite3_errmsg(m->db));
        return STORE_ERROR;
    }
    if (version == 0) {
        snprintf(m->err, m->errlen, "%s is not a kiln store (no schema)", db_path);
        return STORE_ERROR;
    }
    if (version != (int)pg_schema_len) {
        snprintf(m->err, m->errlen,
                 "%s has schema version %d, this kiln's is %u: migrate with the kiln that wrote it, or run this "
                 "kiln's serve on it once first",
                 db_path, version, pg_schema_len);
        return STORE_ERROR;
    }
    /* the whole file, so a damaged page is found before anything is copied */
    char first[200] = "";
    int lines = 0;
    if (sqlite3_prepare_v2(m->db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
        return sq_fail(m, "the source's integrity check");
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        if (lines++ == 0)
            snprintf(first, sizeof first, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    if (step != SQLITE_DONE) {
        snprintf(m->err, m->errlen, "%s is damaged: %s", db_path, sqlite3_errmsg(m->db));
        return STORE_ERROR;
    }
    if (lines != 1 || strcmp(first, "ok") != 0) {
        snprintf(m->err, m->errlen, "%s is damaged (integrity check: %s%s)", db_path, first,
                 lines > 1 ? ", and more" : "");
        return STORE_ERROR;
    }
    if (sqlite3_exec(m->db, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(m, "the source's read transaction");
    return STORE_OK;
}

/* the source's tables must be exactly the target's (one schema version, so they are, unless
 * someone changed one of them by hand) */
static int source_tables_match(mv_t *m)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(m->db,
                           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                           "ORDER BY name",
                           -1, &s, NULL) != SQLITE_OK)
        return sq_fail(m, "the source's tables");
    int rc = STORE_OK;
    while (rc == STORE_OK && sqlite3_step(s) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        int found = 0;
        for (int i = 0; i < m->nt && !found; i++)
            found = strcmp(m->t[i].name, name) == 0;
        if (!found) {
            snprintf(m->err, m->errlen, "the source has a table %.100s the target's schema lacks", name);
            rc = STORE_ERROR;
        }
    }
    sqlite3_finalize(s);
    for (int i = 0; rc == STORE_OK && i < m->nt; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s')", m->t[i].name);
        int n = -1;
        if (sqlite3_prepare_v2(m->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
        if (n != m->t[i].ncols) {
            snprintf(m->err, m->errlen, "table %s: %d columns in the source, %d in the target", m->t[i].name, n,
                     m->t[i].ncols);
            rc = STORE_ERROR;
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- the catalog */

static int kind_of(const char *type, enum kind *k)
{
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(kinds[i].type, type) == 0) {
            *k = kinds[i].kind;
            return 0;
        }
    return -1;
}

/* Every table of schema kiln but schema_version (the copy's target sets its own), with its
 * columns and their kinds, in an order where each table comes after the tables its foreign
 * keys reference. Read from the target's catalog: nothing here lists tables by hand.
 * STORE_NOTFOUND when the schema has no table yet (made by an operator, never migrated). */
static int catalog(mv_t *m)
{
    PGresult *r = PQexec(m->pg, "SELECT c.relname, a.attname, format_type(a.atttypid, NULL), a.attidentity <> ''"
                                " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
                                " WHERE c.relnamespace = 'kiln'::regnamespace AND c.relkind IN ('r', 'p')"
                                " AND c.relname <> 'schema_version' AND a.attnum > 0 AND NOT a.attisdropped"
                                " ORDER BY c.relname, a.attnum");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = pg_fail(m, r, "the target's catalog");
        PQclear(r);
        return rc;
    }
    table_t *all = arena_calloc(m->a, sizeof *all * MOVE_MAX_TABLES);
    int n = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *tn = PQgetvalue(r, i, 0);
        if (n == 0 || strcmp(all[n - 1].name, tn) != 0) {
            if (n == MOVE_MAX_TABLES) {
                snprintf(m->err, m->errlen, "the target has more than %d tables", MOVE_MAX_TABLES);
                PQclear(r);
                return STORE_ERROR;
            }
            all[n++].name = arena_strdup(m->a, tn);
        }
        table_t *t = &all[n - 1];
        if (t->ncols == MOVE_MAX_COLS) {
            snprintf(m->err, m->errlen, "table %s has more than %d columns", t->name, MOVE_MAX_COLS);
            PQclear(r);
            return STORE_ERROR;
        }
        col_t *c = &t->cols[t->ncols++];
        c->name = arena_strdup(m->a, PQgetvalue(r, i, 1));
        c->identity = PQgetvalue(r, i, 3)[0] == 't';
        if (kind_of(PQgetvalue(r, i, 2), &c->kind) != 0) {
            snprintf(m->err, m->errlen, "table %s column %s: migrate does not know type %s", t->name, c->name,
                     PQgetvalue(r, i, 2));
            PQclear(r);
            return STORE_ERROR;
        }
    }
    PQclear(r);
    if (n == 0) { /* the schema before its first migration (an operator made it) */
        snprintf(m->err, m->errlen, "the target has no kiln tables");
        return STORE_NOTFOUND;
    }
    /* parents first: the foreign keys between kiln's tables (a table's reference to itself
     * needs no order here: kiln has none, and a row before its parent would fail the copy) */
    r = PQexec(m->pg, "SELECT a.relname, b.relname FROM pg_constraint k JOIN pg_class a ON a.oid = k.conrelid"
                      " JOIN pg_class b ON b.oid = k.confrelid"
                      " WHERE k.contype = 'f' AND a.relnamespace = 'kiln'::regnamespace AND a.oid <> b.oid");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = pg_fail(m, r, "the target's foreign keys");
        PQclear(r);
        return rc;
    }
    m->t = arena_calloc(m->a, sizeof *m->t * (size_t)n);
    m->nt = 0;
    while (m->nt < n) {
        int progress = 0;
        for (int i = 0; i < n; i++) {
            if (all[i].done)
                continue;
            int ready = 1;
            for (int k = 0; k < PQntuples(r) && ready; k++) {
                if (strcmp(PQgetvalue(r, k, 0), all[i].name) != 0)
                    continue;
                for (int j = 0; j < n; j++)
                    if (!all[j].done && strcmp(all[j].name, PQgetvalue(r, k, 1)) == 0)
                        ready = 0;
            }
            if (ready) {
                all[i].done = 1;
                m->t[m->nt++] = all[i];
                progress = 1;
            }
        }
        if (!progress) {
            snprintf(m->err, m->errlen, "the target's foreign keys form a cycle");
            PQclear(r);
            return STORE_ERROR;
        }
    }
    PQclear(r);
    return STORE_OK;
}

/* The first table of the catalog that holds a row (as a role that sees every site's), or
 * NULL; "" with err on a failure. */
static const char *first_nonempty(mv_t *m)
{
    for (int i = 0; i < m->nt; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT FROM kiln.\"%s\")", m->t[i].name);
        PGresult *r = PQexec(m->pg, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            pg_fail(m, r, "checking the target is empty");
            PQclear(r);
            return "";
        }
        int has = PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (has)
            return m->t[i].name;
    }
    return NULL;
}

/* ---------------------------------------------------------------- the encoding */

typedef struct sum {
    uint64_t w[4];
    int64_t rows;
} sum_t;

/* a failed append (past the buffer's cap) leaves len at max: sum_row and the copy see it */
static void mark(buf_t *b, int rc)
{
    if (rc)
        b->len = b->max;
}

static void put_len(buf_t *b, uint64_t n)
{
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(n >> (8 * i));
    mark(b, buf_add(b, le, 8));
}

/* adds a row's encoding to the table's sum; -1 when the row is larger than the cap */
static int sum_row(sum_t *s, buf_t *row)
{
    if (row->len >= row->max)
        return -1;
    unsigned char h[32];
    enc_sha256(h, row->ptr ? row->ptr : "", row->len);
    for (int w = 0; w < 4; w++) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
            v = v << 8 | h[w * 8 + i];
        s->w[w] += v;
    }
    s->rows++;
    buf_reset(row);
    return 0;
}

static void sum_bytes(const sum_t *s, unsigned char out[32])
{
    for (int w = 0; w < 4; w++)
        for (int i = 0; i < 8; i++)
            out[w * 8 + i] = (unsigned char)(s->w[w] >> (8 * i));
}

static void enc_int(buf_t *row, long long v)
{
    mark(row, buf_printf(row, "I%lld", v));
}

static void enc_real(buf_t *row, double v)
{
    mark(row, buf_printf(row, "R%.17g", v));
}

static void enc_bytes(buf_t *row, char tag, const void *p, size_t n)
{
    mark(row, buf_add(row, &tag, 1));
    put_len(row, n);
    if (n) /* an empty blob's pointer is NULL */
        mark(row, buf_add(row, p, n));
}

/* COPY's text format: backslash, newline, carriage return and tab escaped */
static void copy_text(buf_t *out, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *esc = p[i] == '\\'   ? "\\\\"
                          : p[i] == '\n' ? "\\n"
                          : p[i] == '\r' ? "\\r"
                          : p[i] == '\t' ? "\\t"
                                         : NULL;
        mark(out, esc ? buf_add(out, esc, 2) : buf_add(out, &p[i], 1));
    }
}

/* One SQLite value as COPY text (into out) and as its canonical encoding (into row). */
static void source_value(sqlite3_stmt *s, int i, enum kind k, buf_t *out, buf_t *row)
{
    int type = sqlite3_column_type(s, i);
    if (type == SQLITE_NULL) {
        mark(out, buf_add(out, "\\N", 2));
        mark(row, buf_add(row, "N", 1));
        return;
    }
    char num[64];
    switch (k) {
    case K_INT:
    case K_BOOL:
        if (type == SQLITE_INTEGER) {
            long long v = sqlite3_column_int64(s, i);
            if (k == K_BOOL)
                snprintf(num, sizeof num, "%s", v ? "t" : "f");
            else
                snprintf(num, sizeof num, "%lld", v);
            mark(out, buf_adds(out, num));
            enc_int(row, k == K_BOOL ? v != 0 : v);
            return;
        }
        break; /* not an integer: as text (the target refuses it or the checksums differ) */
    case K_REAL:
        if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
            double v = sqlite3_column_double(s, i);
            snprintf(num, sizeof num, "%.17g", v);
            mark(out, buf_adds(out, num));
            enc_real(row, v);
            return;
        }
        break;
    case K_BLOB: {
        const unsigned char *p = sqlite3_column_blob(s, i);
        size_t n = (size_t)sqlite3_column_bytes(s, i);
        static const char hex[] = "0123456789abcdef";
        mark(out, buf_add(out, "\\\\x", 3));
        for (size_t j = 0; j < n; j++) {
            char h[2] = {hex[p[j] >> 4], hex[p[j] & 15]};
            mark(out, buf_add(out, h, 2));
        }
        enc_bytes(row, 'B', p, n);
        return;
    }
    case K_TEXT: break;
    }
    const unsigned char *p = sqlite3_column_text(s, i);
    size_t n = (size_t)sqlite3_column_bytes(s, i);
    copy_text(out, p, n);
    enc_bytes(row, 'T', p, n);
}

/* One PostgreSQL value (text format) as its canonical encoding. -1 if it cannot be read. */
static int target_value(const PGresult *r, int i, enum kind k, buf_t *row)
{
    if (PQgetisnull(r, 0, i)) {
        mark(row, buf_add(row, "N", 1));
        return 0;
    }
    const char *v = PQgetvalue(r, 0, i);
    size_t n = (size_t)PQgetlength(r, 0, i);
    switch (k) {
    case K_INT: enc_int(row, strtoll(v, NULL, 10)); return 0;
    case K_BOOL: enc_int(row, v[0] == 't'); return 0;
    case K_REAL: enc_real(row, strtod(v, NULL)); return 0;
    case K_TEXT: enc_bytes(row, 'T', v, n); return 0;
    case K_BLOB: {
        size_t len;
        unsigned char *b = PQunescapeBytea((const unsigned char *)v, &len);
        if (!b)
            return -1;
        enc_bytes(row, 'B', b, len);
        PQfreemem(b);
        return 0;
    }
    }
    return -1;
}

/* the column list `"a", "b"` of t */
static char *columns(mv_t *m, const table_t *t)
{
    buf_t b;
    buf_init_arena(&b, m->a, 64 * 1024);
    for (int i = 0; i < t->ncols; i++)
        buf_printf(&b, "%s\"%s\"", i ? ", " : "", t->cols[i].name);
    return b.ptr;
}

/* ---------------------------------------------------------------- copy and verify */

static int copy_table(mv_t *m, const table_t *t, sum_t *sum)
{
    const char *cols = columns(m, t);
    char *sql = arena_printf(m->a, "SELECT %s FROM \"%s\"", cols, t->name);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(m->db, sql, -1, &s, NULL) != SQLITE_OK) {
        snprintf(m->err, m->errlen, "table %s in the source: %s", t->name, sqlite3_errmsg(m->db));
        return STORE_ERROR;
    }
    char what[160];
    snprintf(what, sizeof what, "copying table %s", t->name);
    PGresult *r = PQexec(m->pg, arena_printf(m->a, "COPY kiln.\"%s\" (%s) FROM STDIN", t->name, cols));
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        int rc = pg_fail(m, r, what);
        PQclear(r);
        sqlite3_finalize(s);
        return rc;
    }
    PQclear(r);
    buf_t out, row;
    buf_init(&out, MOVE_ROW_MAX * 2 + MOVE_COPY_CHUNK);
    buf_init(&row, MOVE_ROW_MAX);
    int rc = STORE_OK, step;
    while (rc == STORE_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        for (int i = 0; i < t->ncols; i++) {
            if (i)
                mark(&out, buf_add(&out, "\t", 1));
            source_value(s, i, t->cols[i].kind, &out, &row);
        }
        mark(&out, buf_add(&out, "\n", 1));
        if (sum_row(sum, &row) != 0 || out.len >= out.max) {
            snprintf(m->err, m->errlen, "table %s: a row is larger than %u MiB", t->name, MOVE_ROW_MAX >> 20);
            rc = STORE_ERROR;
        } else if (out.len >= MOVE_COPY_CHUNK) {
            if (PQputCopyData(m->pg, out.ptr, (int)out.len) != 1)
                rc = pg_fail(m, NULL, what);
            buf_reset(&out);
        }
    }
    if (rc == STORE_OK && step != SQLITE_DONE)
        rc = sq_fail(m, what);
    sqlite3_finalize(s);
    if (rc == STORE_OK && out.len && PQputCopyData(m->pg, out.ptr, (int)out.len) != 1)
        rc = pg_fail(m, NULL, what);
    buf_free(&out);
    buf_free(&row);
    if (PQputCopyEnd(m->pg, rc == STORE_OK ? NULL : "kiln store migrate stopped") != 1 && rc == STORE_OK)
        rc = pg_fail(m, NULL, what);
    while ((r = PQgetResult(m->pg))) {
        if (rc == STORE_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = pg_fail(m, r, what);
        PQclear(r);
    }
    return rc;
}

/* Identity columns draw their next id from a sequence, which the copy (explicit ids) did
 * not move: set it past the largest copied id, and past SQLite's AUTOINCREMENT high-water
 * mark, so no id of a deleted row is handed out again. */
static int identities(mv_t *m, const table_t *t)
{
    for (int i = 0; i < t->ncols; i++) {
        if (!t->cols[i].identity)
            continue;
        long long seq = 0;
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(m->db, "SELECT seq FROM sqlite_sequence WHERE name = ?1", -1, &s, NULL) == SQLITE_OK) {
            sqlite3_bind_text(s, 1, t->name, -1, SQLITE_STATIC);
            if (sqlite3_step(s) == SQLITE_ROW)
                seq = sqlite3_column_int64(s, 0);
        }
        sqlite3_finalize(s);
        char *sql = arena_printf(m->a,
                                 "SELECT setval(pg_get_serial_sequence('kiln.\"%s\"', '%s'), v) FROM (SELECT"
                                 " GREATEST(max(\"%s\"), %lld) AS v FROM kiln.\"%s\") x WHERE v > 0",
                                 t->name, t->cols[i].name, t->cols[i].name, seq, t->name);
        char what[160];
        snprintf(what, sizeof what, "table %s: its id sequence", t->name);
        if (exec(m, sql, what))
            return STORE_ERROR;
    }
    return STORE_OK;
}

/* reads t back from the target, one row at a time, into sum */
static int verify_table(mv_t *m, const table_t *t, sum_t *sum)
{
    char what[160];
    snprintf(what, sizeof what, "reading table %s back", t->name);
    if (!PQsendQuery(m->pg, arena_printf(m->a, "SELECT %s FROM kiln.\"%s\"", columns(m, t), t->name)) ||
        !PQsetSingleRowMode(m->pg))
        return pg_fail(m, NULL, what);
    buf_t row;
    buf_init(&row, MOVE_ROW_MAX);
    int rc = STORE_OK;
    PGresult *r;
    while ((r = PQgetResult(m->pg))) {
        ExecStatusType st = PQresultStatus(r);
        if (rc == STORE_OK && st == PGRES_SINGLE_TUPLE) {
            for (int i = 0; i < t->ncols && rc == STORE_OK; i++)
                if (target_value(r, i, t->cols[i].kind, &row) != 0)
                    rc = pg_fail(m, NULL, what);
            if (rc == STORE_OK && sum_row(sum, &row) != 0) {
                snprintf(m->err, m->errlen, "table %s: a row is larger than %u MiB", t->name, MOVE_ROW_MAX >> 20);
                rc = STORE_ERROR;
            }
        } else if (rc == STORE_OK && st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE) {
            rc = pg_fail(m, r, what);
        }
        PQclear(r);
    }
    buf_free(&row);
    return rc;
}

/* ---------------------------------------------------------------- the whole move */

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* BEGIN as kiln_owner (BYPASSRLS: every site's rows), without the serving deadlines, under
 * the migrations' lock, with every kiln table locked against writers */
static int begin(mv_t *m, int lock_tables)
{
    if (exec(m,
             "BEGIN; SET LOCAL ROLE kiln_owner; SET LOCAL search_path = kiln; SET LOCAL statement_timeout = 0;"
             " SET LOCAL lock_timeout = '10s'; SET LOCAL idle_in_transaction_session_timeout = 0;"
             " SELECT pg_advisory_xact_lock(" MOVE_LOCK ")",
             "starting the copy"))
        return STORE_ERROR;
    if (!lock_tables)
        return STORE_OK;
    buf_t b;
    buf_init_arena(&b, m->a, 64 * 1024);
    buf_adds(&b, "LOCK TABLE ");
    for (int i = 0; i < m->nt; i++)
        buf_printf(&b, "%skiln.\"%s\"", i ? ", " : "", m->t[i].name);
    buf_adds(&b, " IN EXCLUSIVE MODE");
    return exec(m, b.ptr, "locking the target's tables") ? STORE_ERROR : STORE_OK;
}

static int refuse_full(mv_t *m, const char *table)
{
    snprintf(m->err, m->errlen,
             "the target database already holds kiln data (table %s has rows): migrate only into an empty one; "
             "nothing was written",
             table);
    return STORE_CONFLICT;
}

/* Before the setup: a database whose kiln schema exists already must hold no kiln rows
 * (checked before anything is written, so a refused target is left exactly as it was). */
static int precheck(mv_t *m)
{
    PGresult *r = PQexec(m->pg, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'kiln')");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = pg_fail(m, r, "the target");
        PQclear(r);
        return rc;
    }
    int exists = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!exists)
        return STORE_OK;
    if (begin(m, 0))
        goto fail;
    int rc = catalog(m);
    if (rc == STORE_NOTFOUND) { /* no tables: empty */
        PQclear(PQexec(m->pg, "ROLLBACK"));
        return STORE_OK;
    }
    if (rc)
        goto fail;
    const char *full = first_nonempty(m);
    if (full && !*full)
        goto fail;
    PQclear(PQexec(m->pg, "ROLLBACK"));
    if (full) {
        return refuse_full(m, full);
    }
    return STORE_OK;
fail:
    PQclear(PQexec(m->pg, "ROLLBACK"));
    return STORE_ERROR;
}

static int move(mv_t *m, const char *url, store_move_report_t *out)
{
    char why[512];
    m->pg = pg_connect_as(url, NULL, why, sizeof why);
    if (!m->pg) {
        snprintf(m->err, m->errlen, "the database is unavailable: %s", why);
        return STORE_UNAVAILABLE;
    }
    PQsetNoticeProcessor(m->pg, quiet, NULL); /* "no transaction in progress" and the like */
    int rc = precheck(m);
    if (rc)
        return rc;
    unsigned applied;
    rc = store_postgres_prepare(url, &applied, m->err, m->errlen); /* roles, schema, migrations: as kiln serve */
    if (rc)
        return rc;
    if (begin(m, 0) || catalog(m) != STORE_OK || source_tables_match(m))
        return STORE_ERROR;
    PQclear(PQexec(m->pg, "ROLLBACK"));
    if (begin(m, 1))
        return STORE_ERROR;
    const char *full = first_nonempty(m); /* again, under the locks: nobody wrote since */
    if (full && !*full)
        return STORE_ERROR;
    if (full) {
        return refuse_full(m, full);
    }
    out->tables = arena_calloc(m->a, sizeof *out->tables * (size_t)m->nt);
    out->n = (size_t)m->nt;
    out->schema_version = pg_schema_len;
    for (int i = 0; i < m->nt; i++) {
        sum_t from = {0};
        out->tables[i].name = m->t[i].name;
        if (copy_table(m, &m->t[i], &from) || identities(m, &m->t[i])) {
            out->n = 0;
            return STORE_ERROR;
        }
        out->tables[i].rows_from = from.rows;
        sum_bytes(&from, out->tables[i].sum_from);
    }
    int differ = 0;
    for (int i = 0; i < m->nt; i++) {
        sum_t to = {0};
        if (verify_table(m, &m->t[i], &to)) {
            out->n = 0;
            return STORE_ERROR;
        }
        store_move_table_t *r = &out->tables[i];
        r->rows_to = to.rows;
        sum_bytes(&to, r->sum_to);
        differ += r->rows_to != r->rows_from || memcmp(r->sum_to, r->sum_from, 32) != 0;
    }
    if (differ) {
        snprintf(m->err, m->errlen, "the copy differs from the source in %d table%s: nothing was written", differ,
                 differ > 1 ? "s" : "");
        return STORE_ERROR;
    }
    if (pg_move_snapshots(m->db, m->pg, m->data_dir, &out->snapshots, m->err, m->errlen) != STORE_OK)
        return STORE_ERROR;
    return exec(m, "COMMIT", "committing the copy") ? STORE_ERROR : STORE_OK;
}

int store_move_sqlite_to_postgres(arena_t *a, const char *db_path, const char *url, store_move_report_t *out, char *err,
                                  size_t errlen)
{
    const char *slash = strrchr(db_path, '/');
    mv_t m = {.a = a,
              .err = err,
              .errlen = errlen,
              .data_dir = slash ? arena_strndup(a, db_path, (size_t)(slash - db_path)) : "."};
    *out = (store_move_report_t){0};
    err[0] = 0;
    int rc = source_open(&m, db_path);
    if (rc == STORE_OK)
        rc = move(&m, url, out);
    if (m.pg) {
        if (rc != STORE_OK)
            PQclear(PQexec(m.pg, "ROLLBACK"));
        PQfinish(m.pg);
    }
    if (m.db) {
        sqlite3_exec(m.db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(m.db);
    }
    return rc;
}
