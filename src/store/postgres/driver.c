/* The PostgreSQL backend (issue 20, docs/scale.md): store_postgres_open and the neutral
 * statement layer's PostgreSQL driver (store/sql/db.h), over which the same table families
 * as SQLite's run (store/sql/).
 *
 * One connection per store handle (so per thread). A family statement is translated once
 * (?N outside string literals -> $N; the table's `pg` text where it has one) and prepared
 * on the connection on first use with PQprepare; its parameters go as text (numbers as
 * digits, NULL as NULL), blobs in binary; db_step runs it at the first step and then reads
 * the PGresult row by row.
 *
 * Transactions: store_begin is BEGIN (READ COMMITTED), store_begin_read BEGIN ISOLATION
 * LEVEL REPEATABLE READ READ ONLY, sent only before the transaction's first statement (the
 * snapshot is taken there anyway): a read answered from caches costs no round trip at all,
 * neither BEGIN nor COMMIT. Savepoints as SQLite's. A failed statement inside a
 * transaction would abort it in PostgreSQL but not in SQLite, where the families rely on
 * going on after a uniqueness conflict: inside a transaction each statement that writes
 * runs under a savepoint of its own, rolled back on error. Errors: SQLSTATE class 23
 * (integrity: 23505 unique, 23503 foreign key ...) -> STORE_CONFLICT, a lost connection ->
 * STORE_ERROR (logged), anything else -> STORE_ERROR (logged).
 *
 * Row-level security (postgres/security.c): store_bind_site(st, site) binds the handle to
 * a site; the driver sets kiln.site_id on the connection when the bound site changes
 * (set_config, session-wide), so every transaction and every statement outside one runs
 * with the site its request was bound to (0: none, which a kiln_runtime connection reads
 * as "no rows").
 *
 * Connections (conn.c): pg_connect_as on the URL, as kiln_runtime (kiln_admin for the
 * admin handle, store_postgres_open_admin), with its deadlines. Before a transaction, and
 * before a statement outside one, pg_conn_alive checks the session and reopens it after
 * the database went away (bounded backoff): STORE_UNAVAILABLE while it is away, which the
 * HTTP layer answers 503 with Retry-After. A reopened session prepares its statements
 * again and is sent the bound site again. A session lost inside a transaction fails that
 * transaction's statements with STORE_UNAVAILABLE; the next transaction reconnects. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "store/postgres/postgres_int.h"
#include "store/qcache.h"
#include "store/sql/families.h"
#include "store/store_search.h"

#define PG_BYTEA_OID 17
#define PG_BOOL_OID 16
#define PG_TEXT_OID 25
#define DB_MAX_PARAMS 256 /* a statement's ?N beyond this get no type of their own */
#define STR2(x) #x
#define STR(x) STR2(x)
#define PG_STATEMENT_MS_TEXT STR(PG_STATEMENT_MS)
#define PG_SITE_LOCK "1802070383" /* pg_advisory_xact_lock(this, site): a site's writers */
#define PG_WORK_LOCK "1802465131" /* pg_try_advisory_lock(this, hash of a name): store_work_claim */
#define PG_WRITE_TURN_MS 5000     /* the longest a write transaction waits for its site's turn */

struct pg_stmt {
    struct db_stmt base;
    char name[16];      /* "" for a dynamic one (the unnamed statement) */
    char *text;         /* the translated SQL */
    int nparams;        /* the highest $N */
    int writes;         /* not a SELECT: runs under a savepoint inside a transaction */
    int prepared;       /* PQprepare done on this connection */
    int broken;         /* PQprepare refused the SQL (logged once): every run is STORE_ERROR */
    Oid *types;         /* nparams: 0 (PostgreSQL infers it), text for one the SQL skips */
    char **vals;        /* nparams each: the bound value (NULL: SQL NULL) */
    int *lens, *fmts;   /* lengths and formats (1: binary, for blobs) */
    char (*num)[32];    /* digits of bound numbers */
    PGresult *res;      /* the current run's result */
    int row, nrows;     /* the row db_col_* read, the rows in res */
    unsigned char *bin; /* the last bytea column read (PQunescapeBytea) */
};

struct pg_store {
    store_t base;
    PGconn *c;        /* NULL while the database is away (pg_ready reopens it) */
    char *url;        /* what c was opened from */
    const char *role; /* PG_RUNTIME_ROLE or PG_ADMIN_ROLE */
    struct pg_stmt **stmts[DB__TABLES];
    unsigned nstmts[DB__TABLES];
    unsigned next_name;
    int in_tx;              /* a write transaction is open */
    int whole;              /* it is all or nothing (store_begin_whole): no per-statement savepoint */
    int reading;            /* a read transaction is open (its BEGIN perhaps not sent yet) */
    int read_begun;         /* its BEGIN was sent (with its first statement): its snapshot is taken */
    int64_t snap_site;      /* the bound site when it was sent, and that site's */
    uint64_t snap_gen;      /* store_projects_gen then: a lower bound of what the snapshot sees */
    uint64_t snap_epoch;    /* store_projects_epoch then (another site's generation, unmoved since) */
    int64_t changes;        /* rows the last family statement changed */
    int64_t site;           /* the bound site (store_bind_site) */
    int64_t site_sent;      /* the site the connection has (-1: not sent yet) */
    int commit_unread;      /* a read transaction's COMMIT sent, its answer not read yet (pg_drain) */
    struct pg_store *admin; /* store_admin's handle (kiln_admin), opened on first use */
};

#define PG(st) ((struct pg_store *)(st))
#define PGS(q) ((struct pg_stmt *)(q))

static const db_driver_t pg_driver;

/* ---- SQL text ---- */

/* ?N outside string literals and quoted names -> $N; *nparams the highest N. One rewrite
 * of the statement's head: SQLite's INSERT OR IGNORE INTO is INSERT INTO ... ON CONFLICT
 * DO NOTHING. */
static char *translate(const char *sql, int *nparams, unsigned char used[DB_MAX_PARAMS])
{
    static const char ignore[] = "INSERT OR IGNORE INTO ";
    int or_ignore = strncmp(sql, ignore, sizeof ignore - 1) == 0;
    if (or_ignore)
        sql += strlen("INSERT OR IGNORE ");
    size_t n = strlen(sql);
    char *out = xcalloc(1, n + 64);
    if (or_ignore)
        memcpy(out, "INSERT ", 7);
    char *o = out + strlen(out);
    int max = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            *o++ = *p;
            continue;
        }
        if (*p == '\'' || *p == '"') {
            quote = *p;
            *o++ = *p;
            continue;
        }
        if (*p == '?' && p[1] >= '0' && p[1] <= '9') {
            int v = 0;
            *o++ = '$';
            while (p[1] >= '0' && p[1] <= '9') {
                v = v * 10 + (p[1] - '0');
                *o++ = *++p;
            }
            if (v > max)
                max = v;
            if (v < DB_MAX_PARAMS)
                used[v] = 1;
            continue;
        }
        *o++ = *p;
    }
    *o = '\0';
    if (or_ignore)
        strcat(out, " ON CONFLICT DO NOTHING");
    *nparams = max;
    return out;
}

static int is_select(const char *sql)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '(')
        sql++;
    return strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "WITH", 4) == 0 ||
           strncasecmp(sql, "EXPLAIN", 7) == 0;
}

static struct pg_stmt *stmt_new(store_t *st, const char *sql)
{
    struct pg_stmt *q = xcalloc(1, sizeof *q);
    q->base.drv = &pg_driver;
    q->base.st = st;
    unsigned char used[DB_MAX_PARAMS] = {0};
    q->text = translate(sql, &q->nparams, used);
    q->writes = !is_select(sql);
    int n = q->nparams ? q->nparams : 1;
    q->vals = xcalloc((size_t)n, sizeof *q->vals);
    q->lens = xcalloc((size_t)n, sizeof *q->lens);
    q->fmts = xcalloc((size_t)n, sizeof *q->fmts);
    q->num = xcalloc((size_t)n, sizeof *q->num);
    q->types = xcalloc((size_t)n, sizeof *q->types);
    for (int i = 1; i <= q->nparams && i < DB_MAX_PARAMS; i++)
        q->types[i - 1] = used[i] ? 0 : PG_TEXT_OID;
    return q;
}

static void stmt_reset(struct pg_stmt *q)
{
    PQclear(q->res);
    q->res = NULL;
    q->row = q->nrows = 0;
    PQfreemem(q->bin);
    q->bin = NULL;
}

static void stmt_free(struct pg_stmt *q)
{
    stmt_reset(q);
    free(q->text);
    free(q->vals);
    free(q->lens);
    free(q->fmts);
    free(q->num);
    free(q->types);
    free(q);
}

/* ---- errors ---- */

/* A failed result as a STORE_* code (logs all but integrity violations). */
static int pg_fail(struct pg_store *s, const PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && strncmp(state, "23", 2) == 0)
        return STORE_CONFLICT;
    if (!s->c || PQstatus(s->c) != CONNECTION_OK) { /* the session is gone: pg_ready reopens it */
        log_msg(LOG_WARN, "store: PostgreSQL session lost", "error", s->c ? PQerrorMessage(s->c) : "", NULL);
        store_unavailable_note();
        return STORE_UNAVAILABLE;
    }
    const char *m = r ? PQresultErrorMessage(r) : "";
    if (!m || !*m)
        m = PQerrorMessage(s->c);
    log_msg(LOG_ERROR, "store: statement failed", "error", m, "sqlstate", state ? state : "", "sql", what, NULL);
    return STORE_ERROR;
}

/* The answer of a read transaction's COMMIT (pg_commit sends it without waiting), read
 * before the session's next command: usually there already. A read-only transaction has
 * nothing to lose, so its COMMIT failing (the session lost) only means the site set in it
 * went back: sent again. */
static void pg_drain(struct pg_store *s)
{
    if (!s->commit_unread)
        return;
    s->commit_unread = 0;
    PGresult *r;
    while (s->c && (r = PQgetResult(s->c))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            log_msg(LOG_WARN, "store: a read transaction's COMMIT failed", "error", PQresultErrorMessage(r), NULL);
            s->site_sent = -1;
        }
        PQclear(r);
    }
}

/* Runs a parameterless command; STORE_OK or the failure. */
static int pg_cmd(struct pg_store *s, const char *sql)
{
    pg_drain(s);
    if (!s->c)
        return STORE_UNAVAILABLE;
    PGresult *r = PQexec(s->c, sql);
    ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK ? STORE_OK : pg_fail(s, r, sql);
    PQclear(r);
    return rc;
}

/* A write transaction's lock on its site: SQLite's single writer made the families'
 * read-modify-write sequences (an issue edit reads the issue, then writes it back; a
 * deploy numbers its version after the last) safe; under READ COMMITTED two nodes or
 * threads would lose one of two concurrent edits. Every write transaction takes this
 * transaction-level advisory lock on its bound site, so the writes of one site are
 * serialised as SQLite serialises them all, and other sites' run side by side. A
 * transaction bound to no site (the admin path's, which writes the global tables and
 * spans sites) takes the lock of "site" 0: those are serialised among themselves. It
 * waits as long as SQLite's writers wait for their turn (PG_WRITE_TURN_MS, SQLite's
 * SQ_WLOCK_TIMEOUT_MS; then STORE_ERROR), the transaction's other locks lock_timeout. */
static int pg_lock_site(struct pg_store *s)
{
    if (!s->in_tx)
        return STORE_OK;
    char sql[192];
    snprintf(sql, sizeof sql,
             "SET LOCAL lock_timeout = " STR(PG_WRITE_TURN_MS) ";SELECT pg_advisory_xact_lock(" PG_SITE_LOCK
                                                               ", %d);SET LOCAL lock_timeout = " STR(PG_LOCK_MS),
             (int)(s->site % 2147483647));
    return pg_cmd(s, sql);
}

/* The bound site onto the connection, when it changed (inside a write transaction: with
 * its lock, the KVS writer's groups change site between jobs). */
#define PG_SITE_SQL_MAX 96
static void site_sql(const struct pg_store *s, char sql[PG_SITE_SQL_MAX])
{
    if (s->site > 0)
        snprintf(sql, PG_SITE_SQL_MAX, "SELECT set_config('kiln.site_id', '%lld', false)", (long long)s->site);
    else
        snprintf(sql, PG_SITE_SQL_MAX, "SELECT set_config('kiln.site_id', '', false)");
}

static int pg_apply_site(struct pg_store *s)
{
    pg_drain(s); /* a read COMMIT that failed took back a site set in it: site_sent is -1 then */
    if (s->site == s->site_sent)
        return STORE_OK;
    char sql[PG_SITE_SQL_MAX];
    site_sql(s, sql);
    int rc = pg_cmd(s, sql);
    if (rc == STORE_OK)
        s->site_sent = s->site;
    return rc == STORE_OK ? pg_lock_site(s) : rc;
}

/* The session, checked before a transaction or a statement outside one (conn.c's
 * pg_conn_alive: reopened after the database went away, within its deadline and backoff).
 * A new session has none of the old one's prepared statements nor its site. STORE_OK or
 * STORE_UNAVAILABLE (noted for the 503 path). */
static int pg_ready(struct pg_store *s)
{
    pg_drain(s);
    PGconn *before = s->c;
    int pid = s->c ? PQbackendPID(s->c) : 0;
    int rc = pg_conn_alive_as(&s->c, s->url, s->role);
    if (rc != STORE_OK) {
        log_msg(LOG_WARN, "store: PostgreSQL unavailable", "error", pg_conn_why(), NULL);
        return STORE_UNAVAILABLE;
    }
    /* a new session (a freed PGconn's address may be reused: its server process differs) */
    if (s->c != before || PQbackendPID(s->c) != pid) {
        PQclear(PQexec(s->c, "SET client_min_messages = warning"));
        for (int t = 0; t < DB__TABLES; t++)
            for (unsigned i = 0; i < s->nstmts[t]; i++)
                if (s->stmts[t][i])
                    s->stmts[t][i]->prepared = 0;
        s->site_sent = -1;
    }
    return STORE_OK;
}

/* ---- the driver ---- */

static db_stmt_t *drv_stmt(store_t *st, const db_sql_t *t, int id)
{
    struct pg_store *s = PG(st);
    struct pg_stmt **v = s->stmts[t->slot];
    if (v && v[id])
        return &v[id]->base;
    if (!v) {
        v = s->stmts[t->slot] = xcalloc(t->count, sizeof *v);
        s->nstmts[t->slot] = t->count;
    }
    const char *sql = t->pg && t->pg[id] ? t->pg[id] : t->sql[id];
    v[id] = stmt_new(st, sql);
    snprintf(v[id]->name, sizeof v[id]->name, "k%u", s->next_name++);
    return &v[id]->base;
}

static db_stmt_t *drv_prepare(store_t *st, const char *sql, size_t len)
{
    char *copy = xcalloc(1, len + 1);
    memcpy(copy, sql, len);
    struct pg_stmt *q = stmt_new(st, copy);
    free(copy);
    return &q->base;
}

static void drv_free(db_stmt_t *q)
{
    stmt_free(PGS(q));
}

static int drv_in_tx(store_t *st)
{
    return PG(st)->in_tx;
}

static int64_t drv_changes(store_t *st)
{
    return PG(st)->changes;
}

static void bind(db_stmt_t *qq, int i, char *v, int len, int fmt)
{
    struct pg_stmt *q = PGS(qq);
    if (i < 1 || i > q->nparams)
        return; /* a parameter the statement does not use (SQLite would say RANGE) */
    q->vals[i - 1] = v;
    q->lens[i - 1] = len;
    q->fmts[i - 1] = fmt;
}

static void drv_bind_i64(db_stmt_t *qq, int i, int64_t v)
{
    struct pg_stmt *q = PGS(qq);
    if (i < 1 || i > q->nparams)
        return;
    snprintf(q->num[i - 1], sizeof q->num[i - 1], "%lld", (long long)v);
    bind(qq, i, q->num[i - 1], 0, 0);
}

static void drv_bind_double(db_stmt_t *qq, int i, double v)
{
    struct pg_stmt *q = PGS(qq);
    if (i < 1 || i > q->nparams)
        return;
    snprintf(q->num[i - 1], sizeof q->num[i - 1], "%.17g", v);
    bind(qq, i, q->num[i - 1], 0, 0);
}

static void drv_bind_text(db_stmt_t *q, int i, const char *t)
{
    bind(q, i, (char *)t, 0, 0);
}

static void drv_bind_blob(db_stmt_t *q, int i, const void *p, size_t len)
{
    bind(q, i, (char *)(p ? p : ""), (int)len, 1);
}

static void drv_bind_null(db_stmt_t *q, int i)
{
    bind(q, i, NULL, 0, 0);
}

#define PG_READ_BEGIN "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"

/* What a read transaction's snapshot starts from, noted before its BEGIN is sent: the
 * projects generation of the bound site (what the snapshot sees is at least as new:
 * drv_cache_gen) and the epoch. */
static void snap_note(struct pg_store *s)
{
    s->snap_site = s->site;
    s->snap_gen = store_projects_gen(s->site);
    s->snap_epoch = store_projects_epoch();
}

/* A read transaction's BEGIN, sent with its first statement (pg_begin_read). */
static int read_begin(struct pg_store *s)
{
    snap_note(s);
    int rc = pg_cmd(s, PG_READ_BEGIN);
    s->read_begun = rc == STORE_OK;
    return rc;
}

/* One round trip instead of up to three: a reading statement (prepared already, outside a
 * write transaction, without a deadline of its own) whose read transaction's BEGIN or
 * bound site is still to be sent goes in one libpq pipeline after them, [BEGIN,]
 * [set_config,] the statement, one Sync. They run in order in one transaction (the BEGIN
 * first, before any snapshot; without it, the implicit transaction of the pipeline), so
 * when one fails the later ones do not run (PGRES_PIPELINE_ABORTED): the statement never
 * runs with a site other than the bound one. A set_config made in a transaction that does
 * not commit goes back with it: site_sent is then unknown (-1), and a read transaction's
 * rollback resets it too (pg_rollback). The result in q->res, as run's. */
static int run_pipelined(struct pg_store *s, struct pg_stmt *q)
{
    pg_drain(s); /* a pipeline starts on an idle session */
    PGconn *c = s->c;
    if (!c)
        return STORE_UNAVAILABLE;
    int begin = s->reading && !s->read_begun, site = s->site != s->site_sent;
    char sql[PG_SITE_SQL_MAX];
    site_sql(s, sql);
    if (begin)
        snap_note(s);
    int n = 0, ok = PQenterPipelineMode(c);
    if (ok && begin)
        n += ok = PQsendQueryParams(c, PG_READ_BEGIN, 0, NULL, NULL, NULL, NULL, 0);
    if (ok && site)
        n += ok = PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (ok)
        n += ok = PQsendQueryPrepared(c, q->name, q->nparams, (const char *const *)q->vals, q->lens, q->fmts, 0);
    if (ok)
        ok = PQpipelineSync(c);
    int rc = ok ? STORE_OK : STORE_UNAVAILABLE, synced = 0;
    PGresult *res = NULL;
    for (int i = 0; ok && i < n; i++) {
        PGresult *r = PQgetResult(c);
        ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        int good = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK, got = r != NULL;
        if (good && begin && i == 0)
            s->read_begun = 1;
        if (good && i == n - 1)
            res = r, r = NULL;
        else if (!good && rc == STORE_OK)
            rc = pg_fail(s, t == PGRES_PIPELINE_ABORTED ? NULL : r, i == n - 1 ? q->text : sql);
        PQclear(r);
        if (got)
            PQclear(PQgetResult(c)); /* the NULL that ends each query's results */
    }
    if (ok) {
        PGresult *r = PQgetResult(c);
        synced = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
    }
    if (!synced || !PQexitPipelineMode(c)) {
        /* the session is in a state this driver does not know: closed, reopened by pg_ready */
        log_msg(LOG_WARN, "store: PostgreSQL pipeline failed", "error", PQerrorMessage(c), NULL);
        PQclear(res);
        PQfinish(c);
        s->c = NULL;
        s->site_sent = -1;
        store_unavailable_note();
        return STORE_UNAVAILABLE;
    }
    s->site_sent = rc == STORE_OK ? s->site : -1;
    if (rc != STORE_OK) {
        PQclear(res);
        return rc;
    }
    q->res = res;
    q->nrows = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : 0;
    return STORE_OK;
}

/* Runs q (its first step): the result in q->res. */
static int run(struct pg_stmt *q, int64_t deadline_ms)
{
    int rc0;
    struct pg_store *s = PG(q->base.st);
    int ready = s->in_tx || s->reading ? (s->c ? STORE_OK : STORE_UNAVAILABLE) : pg_ready(s);
    if (ready != STORE_OK)
        return ready;
    if (q->name[0] && q->prepared && !q->broken && !q->writes && !s->in_tx && !deadline_ms &&
        (s->site != s->site_sent || (s->reading && !s->read_begun)))
        return run_pipelined(s, q);
    ready = pg_apply_site(s);
    if (ready == STORE_OK && s->reading && !s->read_begun)
        ready = read_begin(s);
    if (ready != STORE_OK)
        return ready;
    if (q->broken)
        return STORE_ERROR;
    if (q->name[0] && !q->prepared) {
        PGresult *r;
        /* A parameter PostgreSQL cannot type from its first use (?2 IS NULL OR ...) is text,
         * as SQLite would take it: typed one by one, as the server names them (42P18, 42P08). */
        /* inside a transaction a failed PQprepare would abort it: each attempt under a
         * savepoint, rolled back when it failed */
        int in = s->in_tx || s->reading;
        for (;;) {
            if (in && pg_cmd(s, "SAVEPOINT kiln_prep") != STORE_OK)
                return pg_fail(s, NULL, q->text);
            r = PQprepare(s->c, q->name, q->text, q->nparams, q->types);
            if (in)
                pg_cmd(s, r && PQresultStatus(r) == PGRES_COMMAND_OK ? "RELEASE kiln_prep"
                                                                     : "ROLLBACK TO kiln_prep; RELEASE kiln_prep");
            const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
            const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
            const char *d = m ? strchr(m, '$') : NULL;
            int n = d ? atoi(d + 1) : 0;
            if (!state || (strcmp(state, "42P18") != 0 && strcmp(state, "42P08") != 0) || n < 1 || n > q->nparams ||
                q->types[n - 1])
                break;
            q->types[n - 1] = PG_TEXT_OID;
            PQclear(r);
        }
        if ((!r || PQresultStatus(r) != PGRES_COMMAND_OK) && PQstatus(s->c) != CONNECTION_OK) {
            PQclear(r);
            return pg_fail(s, NULL, q->text); /* the session went away, not the SQL */
        }
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
            /* The SQL is static: failing to prepare it is a bug, a schema mismatch, or a
             * statement whose PostgreSQL dialect is still missing (docs/scale.md "Dialect").
             * Unlike SQLite's driver this does not abort a serving node: the statement is
             * marked broken, logged once, and every run of it is STORE_ERROR (a 500 for
             * the one call that needs it). */
            log_msg(LOG_ERROR, "store: prepare failed", "error", PQresultErrorMessage(r), "sql", q->text, NULL);
            PQclear(r);
            q->broken = 1;
            return STORE_ERROR;
        }
        PQclear(r);
        q->prepared = 1;
    }
    int guard = (s->in_tx || s->reading) && q->writes && !s->whole;
    if (guard && (rc0 = pg_cmd(s, "SAVEPOINT kiln_stmt")) != STORE_OK)
        return rc0;
    if (deadline_ms) {
        int64_t left = deadline_ms - clock_now_ms();
        char sql[64];
        snprintf(sql, sizeof sql, "SET statement_timeout = %lld", (long long)(left > 1 ? left : 1));
        pg_cmd(s, sql);
    }
    PGresult *r =
        q->name[0]
            ? PQexecPrepared(s->c, q->name, q->nparams, (const char *const *)q->vals, q->lens, q->fmts, 0)
            : PQexecParams(s->c, q->text, q->nparams, q->types, (const char *const *)q->vals, q->lens, q->fmts, 0);
    ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = STORE_OK;
    if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
        q->res = r;
        q->nrows = t == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        const char *n = PQcmdTuples(r);
        if (q->writes)
            s->changes = n && *n ? strtoll(n, NULL, 10) : 0;
    } else {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        rc = state && strcmp(state, "57014") == 0 && deadline_ms ? STORE_BUSY : pg_fail(s, r, q->text);
        PQclear(r);
    }
    if (deadline_ms && s->c)
        pg_cmd(s, "SET statement_timeout = " PG_STATEMENT_MS_TEXT); /* the session's own (conn.c) */
    if (guard && s->c)
        pg_cmd(s, rc == STORE_OK ? "RELEASE kiln_stmt" : "ROLLBACK TO kiln_stmt");
    return rc;
}

static int drv_step(db_stmt_t *qq, int64_t deadline_ms)
{
    struct pg_stmt *q = PGS(qq);
    if (!q->res) {
        int rc = run(q, deadline_ms);
        if (rc != STORE_OK)
            return rc;
        q->row = -1;
    }
    PQfreemem(q->bin);
    q->bin = NULL;
    if (q->row + 1 < q->nrows) {
        q->row++;
        return DB_ROW;
    }
    q->row = q->nrows;
    return DB_DONE;
}

static void drv_done(db_stmt_t *qq)
{
    struct pg_stmt *q = PGS(qq);
    stmt_reset(q);
    for (int i = 0; i < q->nparams; i++)
        q->vals[i] = NULL, q->lens[i] = 0, q->fmts[i] = 0;
}

static int drv_col_null(db_stmt_t *qq, int i)
{
    struct pg_stmt *q = PGS(qq);
    return !q->res || q->row < 0 || q->row >= q->nrows || PQgetisnull(q->res, q->row, i);
}

static int64_t drv_col_i64(db_stmt_t *qq, int i)
{
    struct pg_stmt *q = PGS(qq);
    if (drv_col_null(qq, i))
        return 0;
    const char *v = PQgetvalue(q->res, q->row, i);
    if (PQftype(q->res, i) == PG_BOOL_OID)
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static double drv_col_double(db_stmt_t *qq, int i)
{
    struct pg_stmt *q = PGS(qq);
    return drv_col_null(qq, i) ? 0 : strtod(PQgetvalue(q->res, q->row, i), NULL);
}

static const void *drv_col_bytes(db_stmt_t *qq, int i, size_t *len)
{
    struct pg_stmt *q = PGS(qq);
    *len = 0;
    if (drv_col_null(qq, i))
        return NULL;
    const char *v = PQgetvalue(q->res, q->row, i);
    if (PQftype(q->res, i) == PG_BYTEA_OID) {
        PQfreemem(q->bin);
        q->bin = PQunescapeBytea((const unsigned char *)v, len);
        if (!q->bin)
            kiln_oom(strlen(v));
        return q->bin;
    }
    if (PQftype(q->res, i) == PG_BOOL_OID) {
        *len = 1;
        return v[0] == 't' ? "1" : "0";
    }
    *len = (size_t)PQgetlength(q->res, q->row, i);
    return v;
}

/* The project-search cache (store/qcache.h) on PostgreSQL: only for a search of the site
 * the handle is bound to (the one row-level security lets it read), outside a write
 * transaction, and while this process hears the other nodes' changes (a lost listening
 * session also moves every generation: store.h). The generation is the site's
 * store_projects_gen: every node's project writes move it. Inside a read transaction whose
 * snapshot is taken already, it is the one read before that snapshot. */
static int drv_cache_gen(store_t *st, int64_t site_id, uint64_t *now_gen, uint64_t *read_gen, int64_t *ttl_ms)
{
    struct pg_store *s = PG(st);
    if (s->in_tx || site_id <= 0 || site_id != s->site || !store_postgres_listening())
        return 0;
    *now_gen = store_projects_gen(site_id);
    if (s->reading && s->read_begun) {
        /* a snapshot begun before this site was bound (the credential's lookups run in
         * it): this site's generation then is its generation now if no project generation
         * moved since (the epoch read after now_gen) */
        if (s->snap_site != site_id && store_projects_epoch() != s->snap_epoch)
            return 0;
        *read_gen = s->snap_site == site_id ? s->snap_gen : *now_gen;
    } else {
        *read_gen = *now_gen;
    }
    *ttl_ms = QCACHE_TTL_NOTIFIED_MS;
    return 1;
}

static const db_driver_t pg_driver = {
    DB_DRIVER_OPS(DB_POSTGRES),
};

/* ---- the handle, migrations, transactions ---- */

static void pg_close(store_t *st)
{
    struct pg_store *s = PG(st);
    for (int t = 0; t < DB__TABLES; t++) {
        for (unsigned i = 0; i < s->nstmts[t]; i++)
            if (s->stmts[t][i])
                stmt_free(s->stmts[t][i]);
        free(s->stmts[t]);
    }
    if (s->admin)
        pg_close(&s->admin->base);
    qcache_free(st->qc);
    PQfinish(s->c);
    free(s->url);
    free(s);
}

/* SQLite's scalar functions that the families' shared SQL calls, as PostgreSQL functions
 * in the schema kiln (docs/scale.md, "Dialect"): instr, two-argument max, and json_each
 * over a JSON array of strings (its `value` column). Idempotent; store_postgres_prepare
 * runs it as kiln_owner (postgres_int.h). */
const char pg_compat_sql[] =
    "CREATE OR REPLACE FUNCTION kiln.instr(a text, b text) RETURNS integer LANGUAGE sql IMMUTABLE "
    "  AS 'SELECT strpos(a, b)';"
    "CREATE OR REPLACE FUNCTION kiln.max(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE "
    "  AS 'SELECT GREATEST(a, b)';"
    "CREATE OR REPLACE FUNCTION kiln.json_each(j text) RETURNS TABLE (value text) LANGUAGE sql IMMUTABLE "
    "  AS 'SELECT json_array_elements_text(j::json)';";

/* A serving handle does not migrate (store_postgres_prepare did, as the URL's login): it
 * checks that the schema is this binary's version. */
static int pg_store_migrate(store_t *st, char *err, size_t errlen)
{
    struct pg_store *s = PG(st);
    if (pg_ready(s) != STORE_OK) {
        snprintf(err, errlen, "%s", pg_conn_why());
        return STORE_UNAVAILABLE;
    }
    PGresult *r = PQexec(s->c, "SELECT version FROM schema_version");
    long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    if (v == (long)pg_schema_len)
        return STORE_OK;
    snprintf(err, errlen,
             "store schema version %ld, this binary's is %u (kiln serve --store with a login that may migrate brings "
             "it there)",
             v, pg_schema_len);
    return STORE_ERROR;
}

static int pg_check(store_t *st, char *out, size_t outlen)
{
    int rc = pg_ready(PG(st));
    if (rc == STORE_OK)
        rc = pg_cmd(PG(st), "SELECT 1");
    snprintf(out, outlen, "%s", rc == STORE_OK ? "ok" : PG(st)->c ? PQerrorMessage(PG(st)->c) : pg_conn_why());
    return rc;
}

static void pg_rollback(store_t *st);

static int pg_begin(store_t *st)
{
    struct pg_store *s = PG(st);
    if (s->in_tx || s->reading)
        return STORE_ERROR;
    s->whole = 0;
    int rc = pg_ready(s);
    if (rc == STORE_OK)
        rc = pg_apply_site(s);
    if (rc == STORE_OK)
        rc = pg_cmd(s, "BEGIN");
    s->in_tx = rc == STORE_OK;
    if (rc == STORE_OK && (rc = pg_lock_site(s)) != STORE_OK)
        pg_rollback(st);
    return rc;
}

/* A write transaction without the per-statement savepoint (run): each savepoint that
 * writes is a subtransaction, and thousands of them in one transaction (a demo site's
 * 3,400 inserts) cost 3-4x the inserts themselves, holding the write turn meanwhile
 * (docs/scale.md). The caller continues no statement after a failure, so none is needed:
 * the first failure leaves the transaction failed and the caller rolls it back. */
static int pg_begin_whole(store_t *st)
{
    int rc = pg_begin(st);
    PG(st)->whole = rc == STORE_OK;
    return rc;
}

static int pg_begin_read(store_t *st)
{
    struct pg_store *s = PG(st);
    if (s->in_tx || s->reading)
        return STORE_ERROR; /* reads do not nest */
    /* the session is checked now (STORE_UNAVAILABLE here, as before any transaction); the
     * site and BEGIN go with the first statement (run) */
    int rc = pg_ready(s);
    s->reading = rc == STORE_OK;
    s->read_begun = 0;
    return rc;
}

static int pg_reading(store_t *st)
{
    return PG(st)->reading;
}

static void pg_idle(store_t *st) {}

static _Atomic uint64_t write_commits; /* process-wide, for /metrics (pg_commit_stats) */

static int pg_commit(store_t *st)
{
    struct pg_store *s = PG(st);
    if (!s->in_tx && !s->reading)
        return STORE_ERROR;
    int writing = s->in_tx, unsent = s->reading && !s->read_begun;
    s->in_tx = s->reading = s->read_begun = s->whole = 0;
    if (unsent)
        return STORE_OK;                                /* a read that ran no statement: nothing was sent */
    int sent = s->c && PQstatus(s->c) == CONNECTION_OK; /* a session lost before: nothing committed */
    if (!writing && sent && PQsendQuery(s->c, "COMMIT")) {
        /* a read: nothing waits for its COMMIT's answer (one round trip less per request
           that read from the database); read before the session's next command */
        s->commit_unread = 1;
        return STORE_OK;
    }
    int rc = pg_cmd(s, "COMMIT");
    if (rc == STORE_UNAVAILABLE && writing && sent)
        store_indoubt_note(); /* lost during the COMMIT: it may have landed (store.h) */
    if (rc != STORE_OK) {
        pg_cmd(s, "ROLLBACK");
        s->site_sent = -1; /* a site set inside it went back with it */
    } else if (writing)
        write_commits++;
    return rc;
}

static void pg_rollback(store_t *st)
{
    struct pg_store *s = PG(st);
    if (!s->in_tx && !s->reading)
        return;
    int unsent = s->reading && !s->in_tx && !s->read_begun;
    s->in_tx = s->reading = s->read_begun = s->whole = 0;
    if (!unsent)
        pg_cmd(s, "ROLLBACK");
    s->site_sent = -1; /* a site set inside the transaction went back with it: sent again */
}

static int pg_savepoint(store_t *st)
{
    if (!PG(st)->in_tx)
        return STORE_ERROR; /* only inside a write transaction */
    return pg_cmd(PG(st), "SAVEPOINT unit");
}

static int pg_savepoint_release(store_t *st)
{
    return pg_cmd(PG(st), "RELEASE unit");
}

static void pg_savepoint_rollback(store_t *st)
{
    pg_cmd(PG(st), "ROLLBACK TO unit");
    pg_cmd(PG(st), "RELEASE unit");
    PG(st)->site_sent = -1; /* a site set since the savepoint went back with it */
}

static void pg_relax_durability(store_t *st)
{
    pg_cmd(PG(st), "SET synchronous_commit = off");
}

static void pg_bind_site(store_t *st, int64_t site_id)
{
    PG(st)->site = site_id > 0 ? site_id : 0;
}

/* Durability: a COMMIT returns once PostgreSQL made it durable (synchronous_commit, unless
 * relax_durability turned it off for the journal), so there is no group fsync to wait
 * for: an unsynced begin is a begin, every commit is durable already, nothing is held. */
static int pg_begin_unsynced(store_t *st)
{
    return pg_begin(st);
}

static int pg_sync(store_t *st)
{
    return STORE_OK;
}

static int pg_synced(store_t *st)
{
    return 1;
}

/* Write commits of this process; fsyncs and held answers are kiln's group commit's, which
 * PostgreSQL does not need (it groups its own WAL flushes, unseen from here): 0. */
static void pg_commit_stats(uint64_t *commits, uint64_t *fsyncs, uint64_t *held)
{
    *commits = write_commits;
    *fsyncs = *held = 0;
}

static void pg_defer_durability(store_t *st, int on) {}

static uint64_t pg_last_commit(store_t *st)
{
    return 0; /* never grows: a request's answer never waits for a syncer */
}

static uint64_t pg_last_awaited_commit(store_t *st)
{
    return 0; /* every commit is durable when it returns */
}

static enum store_seq_state pg_seq_state(store_t *st, uint64_t seq)
{
    return STORE_SEQ_DURABLE;
}

static int pg_when_durable(store_t *st, uint64_t seq, store_dwait_t *w)
{
    return 0;
}

static int pg_syncer_start(store_t *st)
{
    return 0;
}

static void pg_syncer_stop(void) {}

static int pg_writes_stopped(store_t *st)
{
    return 0;
}

/* The other nodes' cue (store.h, "several nodes"): NOTIFY with the open transaction, so
 * that it is delivered only if that commits (and after its writes are visible), or at
 * once after a write made outside one (committed already). The payload is "<kind> <site>"
 * from store/changes.c: a kind name and digits, nothing that needs quoting (checked). A
 * failure is logged; the other nodes' caches then fall back to their TTLs. */
static void pg_notify(store_t *st, const char *payload)
{
    struct pg_store *s = PG(st);
    if (strspn(payload, "abcdefghijklmnopqrstuvwxyz0123456789 ") != strlen(payload) || strlen(payload) > 64)
        return;
    if (!s->in_tx && !s->reading && pg_ready(s) != STORE_OK)
        return;
    char sql[128];
    snprintf(sql, sizeof sql, "NOTIFY " STORE_LISTEN_CHANNEL ", '%s'", payload);
    if (pg_cmd(s, sql) != STORE_OK)
        log_msg(LOG_WARN, "store: could not tell the other nodes of a change", "change", payload, NULL);
}

/* store_work_claim's key within PG_WORK_LOCK: FNV-1a of the name, as a positive int4 */
static int work_key(const char *work)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)work; *p; p++)
        h = (h ^ *p) * 16777619u;
    return (int)(h & 0x7fffffff);
}

static int pg_work_claim(store_t *st, const char *work)
{
    struct pg_store *s = PG(st);
    /* inside a transaction the session stays as it is (no reconnect): the lock, a session's,
       outlives the transaction whatever its end */
    int rc = s->in_tx || s->reading ? (s->c ? STORE_OK : STORE_UNAVAILABLE) : pg_ready(s);
    if (rc != STORE_OK)
        return rc;
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_try_advisory_lock(" PG_WORK_LOCK ", %d)", work_key(work));
    PGresult *r = PQexec(s->c, sql);
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        rc = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    else
        rc = pg_fail(s, r, sql);
    PQclear(r);
    return rc;
}

static void pg_work_release(store_t *st, const char *work)
{
    struct pg_store *s = PG(st);
    if (!s->c || PQstatus(s->c) != CONNECTION_OK)
        return; /* a session that ended took its locks with it */
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(" PG_WORK_LOCK ", %d)", work_key(work));
    pg_cmd(s, sql);
}

static struct pg_store *pg_new(const char *url, const char *role);

static store_t *pg_admin(store_t *st)
{
    struct pg_store *s = PG(st);
    if (!strcmp(s->role, PG_ADMIN_ROLE))
        return st;
    /* the admin login the operator named (--store-admin) for the selected store's handles */
    const char *au = store_selected_admin(), *sel = store_selected();
    if (!s->admin)
        s->admin = pg_new(au && sel && !strcmp(sel, s->url) ? au : s->url, PG_ADMIN_ROLE);
    return &s->admin->base;
}

static const store_backend_t postgres_backend = {
    .name = "postgres",
    .close = pg_close,
    .migrate = pg_store_migrate,
    .check = pg_check,
    .begin = pg_begin,
    .begin_whole = pg_begin_whole,
    .begin_read = pg_begin_read,
    .reading = pg_reading,
    .idle = pg_idle,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .savepoint = pg_savepoint,
    .savepoint_release = pg_savepoint_release,
    .savepoint_rollback = pg_savepoint_rollback,
    .relax_durability = pg_relax_durability,
    .begin_unsynced = pg_begin_unsynced,
    .sync = pg_sync,
    .synced = pg_synced,
    .last_awaited_commit = pg_last_awaited_commit,
    .seq_state = pg_seq_state,
    .commit_stats = pg_commit_stats,
    .defer_durability = pg_defer_durability,
    .last_commit = pg_last_commit,
    .when_durable = pg_when_durable,
    .syncer_start = pg_syncer_start,
    .syncer_stop = pg_syncer_stop,
    .writes_stopped = pg_writes_stopped,
    .bind_site = pg_bind_site,
    .admin = pg_admin,
    .notify = pg_notify,
    .work_claim = pg_work_claim,
    .work_release = pg_work_release,
    DB_FAMILIES_OPS,
};

/* a handle of role on url, its session not opened yet (pg_ready opens it) */
static struct pg_store *pg_new(const char *url, const char *role)
{
    struct pg_store *s = xcalloc(1, sizeof *s);
    s->base.be = &postgres_backend;
    s->base.db = &pg_driver;
    s->site_sent = -1;
    s->url = xstrdup(url);
    s->role = role;
    return s;
}

static store_t *open_as(const char *url, const char *role, char *err, size_t errlen)
{
    char why[512] = "";
    PGconn *c = pg_connect_as(url, role, why, sizeof why);
    if (!c) {
        snprintf(err, errlen, "the database is unavailable: %s", why);
        return NULL;
    }
    struct pg_store *s = pg_new(url, role);
    s->c = c;
    PQclear(PQexec(s->c, "SET client_min_messages = warning"));
    return &s->base;
}

store_t *store_postgres_open(const char *url, char *err, size_t errlen)
{
    return open_as(url, PG_RUNTIME_ROLE, err, errlen);
}

store_t *store_postgres_open_admin(const char *url, char *err, size_t errlen)
{
    return open_as(url, PG_ADMIN_ROLE, err, errlen);
}
