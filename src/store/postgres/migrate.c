/* Applying the PostgreSQL schema (postgres_int.h): pg_setup, pg_migrate; and
 * store_postgres_prepare (store_backend.h), which runs both as the URL's own login. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/postgres_int.h"
#include "store/store_backend.h"

/* the advisory lock every node's setup and migration takes (security.c's pg_setup_sql
 * names the same number) */
#define PG_MIGRATE_LOCK "1802070382"

/* the first line of PostgreSQL's message, after what */
static void fail(PGconn *c, const PGresult *r, const char *what, char *err, size_t errlen)
{
    const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
    if (!m || !*m)
        m = PQerrorMessage(c);
    size_t n = strcspn(m, "\n");
    snprintf(err, errlen, "%s: %.*s", what, (int)n, m);
}

/* runs sql (one or more statements, no parameters); 0 when it succeeded */
static int exec(PGconn *c, const char *sql, const char *what, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
        PQclear(r);
        return 0;
    }
    fail(c, r, what, err, errlen);
    PQclear(r);
    return -1;
}

int pg_setup(PGconn *c, char *err, size_t errlen)
{
    return exec(c, pg_setup_sql, "setup", err, errlen);
}

static int version(PGconn *c, long *v, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, "SELECT version FROM schema_version");
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        if (r && PQresultStatus(r) == PGRES_TUPLES_OK)
            snprintf(err, errlen, "schema_version holds %d rows, not 1", PQntuples(r));
        else
            fail(c, r, "schema_version", err, errlen);
        PQclear(r);
        return -1;
    }
    *v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

int pg_migrate(PGconn *c, unsigned *applied, char *err, size_t errlen)
{
    if (applied)
        *applied = 0;
    if (exec(c,
             "BEGIN;"
             "SET LOCAL ROLE kiln_owner;"
             "SET LOCAL search_path = kiln;"
             "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ");"
             "CREATE TABLE IF NOT EXISTS schema_version ("
             "  one boolean PRIMARY KEY DEFAULT true CHECK (one),"
             "  version integer NOT NULL);"
             "INSERT INTO schema_version (version) VALUES (0) ON CONFLICT DO NOTHING;",
             "migrate", err, errlen))
        goto rollback;
    long v;
    if (version(c, &v, err, errlen))
        goto rollback;
    if (v < 0 || v > (long)pg_schema_len) {
        snprintf(err, errlen, "store schema version %ld is newer than this binary (%u)", v, pg_schema_len);
        goto rollback;
    }
    for (unsigned i = (unsigned)v; i < pg_schema_len; i++) {
        char what[32];
        snprintf(what, sizeof what, "migration %u", i + 1);
        if (exec(c, pg_schema[i], what, err, errlen))
            goto rollback;
    }
    /* the functions the shared SQL calls: replaced on every run, so a new binary's text
       takes effect without a migration */
    if (exec(c, pg_words_sql, "kiln_words", err, errlen))
        goto rollback;
    if ((unsigned)v < pg_schema_len) {
        char sql[64];
        snprintf(sql, sizeof sql, "UPDATE schema_version SET version = %u", pg_schema_len);
        if (exec(c, sql, "migrate", err, errlen) || exec(c, pg_security_sql, "row-level security", err, errlen))
            goto rollback;
    }
    if (exec(c, "COMMIT", "migrate", err, errlen))
        goto rollback;
    if (applied)
        *applied = pg_schema_len - (unsigned)v;
    return 0;
rollback:
    PQclear(PQexec(c, "ROLLBACK"));
    return -1;
}

int store_postgres_prepare(const char *url, unsigned *applied, char *err, size_t errlen)
{
    char why[512];
    PGconn *c = pg_connect_as(url, NULL, why, sizeof why);
    if (!c) {
        snprintf(err, errlen, "the database is unavailable: %s", why);
        return STORE_UNAVAILABLE;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    /* up to date: nothing to set up or apply, and nothing a least-privilege login (the
     * serving nodes' kiln_runtime, which may not SET ROLE kiln_owner) could not do */
    PGresult *r = PQexec(c, "SELECT version FROM kiln.schema_version");
    int current = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
                  strtol(PQgetvalue(r, 0, 0), NULL, 10) == (long)pg_schema_len;
    PQclear(r);
    if (applied)
        *applied = 0;
    int rc = !current && (pg_setup(c, err, errlen) || pg_migrate(c, applied, err, errlen)) ? STORE_ERROR : STORE_OK;
    /* the driver's SQLite compatibility functions, as kiln_owner, by a login that may
     * become it (a kiln_runtime login may not: it relies on a migrating login having run);
     * SET LOCAL, so the session's role is back when the transaction ends, never RESET */
    r = PQexec(c, "SELECT pg_has_role(current_user, 'kiln_owner', 'MEMBER')");
    int owner = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (rc == STORE_OK && owner &&
        (exec(c,
              "BEGIN; SET LOCAL ROLE kiln_owner; SET LOCAL search_path = kiln;"
              "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ");",
              "compatibility functions", err, errlen) ||
         exec(c, pg_compat_sql, "compatibility functions", err, errlen) ||
         exec(c, "COMMIT", "compatibility functions", err, errlen))) {
        PQclear(PQexec(c, "ROLLBACK"));
        rc = STORE_ERROR;
    }
    PQfinish(c);
    return rc;
}
