/* The PostgreSQL unit tests' private cluster (test_pg_schema.c, test_pg_store.c): started
 * with tools/pg-cluster (KILN_PG_CLUSTER names another) in a new temp directory, with an
 * empty database `kiln`, and stopped and removed at the end. Header-only, like unit.h. */
#ifndef KILN_TESTS_PG_CLUSTER_H
#define KILN_TESTS_PG_CLUSTER_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

/* Stops the cluster of dir (if one started) and removes dir; dir becomes "". 0 or -1. */
static inline int pg_cluster_stop(char *dir)
{
    if (!*dir)
        return 0;
    const char *tool = getenv("KILN_PG_CLUSTER");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s stop '%s' 2>/dev/null", tool && *tool ? tool : "tools/pg-cluster", dir);
    int rc = system(cmd) == 0 ? 0 : -1;
    if (rc) /* the tool never got as far as initdb: an empty directory of ours */
        rc = rmdir(dir) == 0 ? 0 : -1;
    dir[0] = 0;
    return rc;
}

/* Starts a cluster in a new temp directory (dir: its path and socket directory; user: its
 * superuser) and creates the database kiln. 0, or -1 with the cluster stopped again and a
 * line on stderr (plain returns: no cmocka assertions outside a test). */
static inline int pg_cluster_start(char dir[512], char user[512])
{
    /* the directory is ours before the tool runs, so a start that fails half way is still
     * stopped and removed */
    char *tmp = unit_tempdir();
    snprintf(dir, 512, "%s", tmp);
    free(tmp);
    user[0] = 0;
    const char *tool = getenv("KILN_PG_CLUSTER");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s start '%s'", tool && *tool ? tool : "tools/pg-cluster", dir);
    FILE *p = popen(cmd, "r");
    if (!p)
        return pg_cluster_stop(dir), -1;
    char line[512];
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "export PGUSER=", 14))
            snprintf(user, 512, "%s", line + 14);
    }
    if (pclose(p) != 0 || !*user) {
        fprintf(stderr, "pg_cluster: %s failed\n", cmd);
        return pg_cluster_stop(dir), -1;
    }
    const char *keys[] = {"host", "port", "user", "dbname", NULL};
    const char *vals[] = {dir, "5432", user, "postgres", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    PGresult *r = PQexec(c, "CREATE DATABASE kiln");
    int created = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!created)
        fprintf(stderr, "pg_cluster: CREATE DATABASE kiln: %s\n", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return created ? 0 : (pg_cluster_stop(dir), -1);
}

#endif
