/* The PostgreSQL store's check without a handle (store_backend.h: store_postgres_check,
 * for `kiln store check --store URL`): what a serving node relies on, seen as the runtime
 * role (docs/scale.md "Connections"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/postgres_int.h"
#include "store/store_backend.h"

/* the tables with a site_id column that lack forced row-level security or its policy */
static const char unguarded_sql[] =
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'site_id' AND NOT a.attisdropped"
    " WHERE n.nspname = 'kiln' AND c.relkind IN ('r', 'p') AND NOT (c.relrowsecurity AND c.relforcerowsecurity"
    " AND EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'site_isolation'))"
    " ORDER BY 1";

/* appends a line to out */
static void add(char *out, size_t outlen, size_t *used, const char *line)
{
    if (*used >= outlen)
        return;
    int n = snprintf(out + *used, outlen - *used, "%s%s", *used ? "\n" : "", line);
    *used += n > 0 ? (size_t)n : 0;
}

/* runs sql, which returns rows; NULL (and a line in out) on an error */
static PGresult *rows(PGconn *c, const char *sql, char *out, size_t outlen, size_t *used)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        return r;
    char line[512];
    const char *m = PQresultErrorMessage(r);
    snprintf(line, sizeof line, "%.*s", (int)strcspn(m, "\n"), m);
    add(out, outlen, used, line);
    PQclear(r);
    return NULL;
}

int store_postgres_check(const char *url, char *out, size_t outlen)
{
    char err[512];
    size_t used = 0;
    out[0] = 0;
    PGconn *c = pg_connect(url, err, sizeof err);
    if (!c) {
        snprintf(out, outlen, "the database is unavailable: %s", err);
        return STORE_UNAVAILABLE;
    }
    PGresult *r = rows(c, "SELECT version FROM schema_version", out, outlen, &used);
    if (r) {
        long v = PQntuples(r) == 1 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
        if (v != (long)pg_schema_len) {
            char line[256];
            snprintf(line, sizeof line,
                     "schema version %ld, this binary's is %u (kiln serve --store with a login that may migrate "
                     "brings it there)",
                     v, pg_schema_len);
            add(out, outlen, &used, line);
        }
        PQclear(r);
    }
    r = rows(c, "SELECT current_user, rolbypassrls FROM pg_roles WHERE rolname = current_user", out, outlen, &used);
    if (r) {
        if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), PG_RUNTIME_ROLE) || strcmp(PQgetvalue(r, 0, 1), "f"))
            add(out, outlen, &used, "the session does not run as kiln_runtime without BYPASSRLS");
        PQclear(r);
    }
    r = rows(c, unguarded_sql, out, outlen, &used);
    if (r) {
        for (int i = 0; i < PQntuples(r); i++) {
            char line[256];
            snprintf(line, sizeof line, "table %s has a site_id column but no forced row-level security policy",
                     PQgetvalue(r, i, 0));
            add(out, outlen, &used, line);
        }
        PQclear(r);
    }
    PQfinish(c);
    if (used)
        return STORE_ERROR;
    snprintf(out, outlen, "ok");
    return STORE_OK;
}
