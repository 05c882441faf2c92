/* Private PostgreSQL clusters for the unit tests (docs/scale.md "Test clusters"): the
 * C twin of tests/e2e/lib/pg.mjs over tools/pg-cluster (its path from KILN_PG_CLUSTER,
 * default tools/pg-cluster). Header-only, like unit.h. Plain returns, no cmocka
 * assertions: the group setups that call these may not assert. */
#ifndef KILN_UNIT_PG_H
#define KILN_UNIT_PG_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

/* runs `tools/pg-cluster VERB 'DIR'` (quiet unless it fails); 0 when it exited 0 */
static inline int unit_pg_tool(const char *verb, const char *dir)
{
    const char *tool = getenv("KILN_PG_CLUSTER");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s %s '%s' >/dev/null", tool && *tool ? tool : "tools/pg-cluster", verb, dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Starts a cluster in a new private directory: its path (also the socket directory) into
 * dir, its superuser into user. 0, or -1 with nothing left behind. */
static inline int unit_pg_start(char *dir, size_t dirlen, char *user, size_t userlen)
{
    /* the directory is ours before the tool runs, so a start that fails half way is still
     * removed (unit_pg_stop) */
    char *d = unit_tempdir();
    snprintf(dir, dirlen, "%s", d);
    free(d);
    *user = 0;
    const char *tool = getenv("KILN_PG_CLUSTER");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s start '%s'", tool && *tool ? tool : "tools/pg-cluster", dir);
    FILE *p = popen(cmd, "r");
    if (p) {
        char line[512];
        while (fgets(line, sizeof line, p)) {
            line[strcspn(line, "\n")] = 0;
            if (!strncmp(line, "export PGUSER=", 14))
                snprintf(user, userlen, "%s", line + 14);
        }
    }
    if (!p || pclose(p) != 0 || !*user) {
        fprintf(stderr, "unit_pg_start: %s failed\n", cmd);
        return -1;
    }
    return 0;
}

/* Stops the cluster of dir and removes dir (also a dir the tool never got to); empties dir. */
static inline int unit_pg_stop(char *dir)
{
    if (!*dir)
        return 0;
    int rc = unit_pg_tool("stop", dir);
    if (rc) /* the tool never got as far as initdb: an empty directory of ours */
        rc = rmdir(dir) == 0 ? 0 : -1;
    dir[0] = 0;
    return rc;
}

/* Creates database `name` on the cluster of dir as its superuser user. 0, or -1 and a line
 * on stderr. */
static inline int unit_pg_createdb(const char *dir, const char *user, const char *name)
{
    const char *keys[] = {"host", "port", "user", "dbname", NULL};
    const char *vals[] = {dir, "5432", user, "postgres", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    char sql[160];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    PGresult *r = PQexec(c, sql);
    int created = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!created)
        fprintf(stderr, "unit_pg: %s: %s\n", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return created ? 0 : -1;
}

/* unit_pg_start, then database `name` on it; when either fails the cluster is stopped and
 * removed again. 0 or -1. */
static inline int unit_pg_start_db(char *dir, size_t dirlen, char *user, size_t userlen, const char *name)
{
    if (unit_pg_start(dir, dirlen, user, userlen) == 0 && unit_pg_createdb(dir, user, name) == 0)
        return 0;
    unit_pg_stop(dir);
    return -1;
}

#endif
