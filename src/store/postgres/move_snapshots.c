/* kiln store migrate's second part (store/store_move.h): the deploy snapshots. A SQLite
 * installation keeps each version's snapshot as a file of its data dir (the versions row
 * names it); on PostgreSQL every node reads it from snapshot_chunks (docs/scale.md "Deploy
 * snapshots"). Inside the copy's transaction, after the tables were copied and verified:
 * every version's file is read in STORE_SNAPSHOT_CHUNK pieces into snapshot_chunks, its
 * SHA-256 compared with the version's (or, for a version deployed before kiln kept it,
 * written into the copied row), and every snapshot read back from PostgreSQL and hashed
 * again. A missing or changed file stops the copy: nothing is committed. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/enc.h"
#include "base/fdio.h"
#include "store/postgres/postgres_int.h"
#include "store/store_apps.h"
#include "store/store_move.h"

/* PostgreSQL's message's first line, without DETAIL or CONTEXT (they may quote a value) */
static void pg_why(PGconn *pg, PGresult *r, char *err, size_t errlen, const char *what)
{
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(pg);
    size_t n = strcspn(msg, "\n");
    snprintf(err, errlen, "%s: %.*s", what, (int)n, msg);
}

static int params_exec(PGconn *pg, const char *sql, int n, const char *const *v, const int *len, const int *fmt,
                       char *err, size_t errlen, const char *what)
{
    PGresult *r = PQexecParams(pg, sql, n, NULL, v, len, fmt, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        pg_why(pg, r, err, errlen, what);
    PQclear(r);
    return ok ? 0 : -1;
}

/* Copies the file of one snapshot into snapshot_chunks; *chunks, *bytes and hex (its SHA-256). */
static int copy_file(PGconn *pg, const char *data_dir, const char *snapshot, char *buf, int64_t *chunks, int64_t *bytes,
                     char hex[65], char *err, size_t errlen)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", data_dir, snapshot);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "the snapshot file %s of a version cannot be read: %s: nothing was written", path,
                 strerror(errno));
        return -1;
    }
    enc_sha256_ctx_t *c = enc_sha256_begin();
    int rc = 0;
    ssize_t r;
    int64_t idx = 0;
    while (rc == 0 && (r = fdio_read_full(fd, buf, STORE_SNAPSHOT_CHUNK)) > 0) {
        enc_sha256_add(c, buf, (size_t)r);
        char idxs[24];
        snprintf(idxs, sizeof idxs, "%lld", (long long)idx);
        const char *v[3] = {snapshot, idxs, buf};
        int len[3] = {0, 0, (int)r}, fmt[3] = {0, 0, 1};
        if (idx >= STORE_SNAPSHOT_CHUNKS_MAX) {
            snprintf(err, errlen, "the snapshot file %s has more than %d chunks", path, STORE_SNAPSHOT_CHUNKS_MAX);
            rc = -1;
        } else
            rc = params_exec(pg, "INSERT INTO kiln.snapshot_chunks (snapshot, idx, bytes) VALUES ($1, $2, $3)", 3, v,
                             len, fmt, err, errlen, "copying a snapshot into snapshot_chunks");
        idx++;
        *bytes += r;
    }
    if (rc == 0 && r < 0) {
        snprintf(err, errlen, "the snapshot file %s cannot be read: %s", path, strerror(errno));
        rc = -1;
    }
    close(fd);
    unsigned char sum[32];
    enc_sha256_end(c, sum);
    enc_hex(hex, sum, sizeof sum);
    *chunks += idx;
    return rc;
}

/* Reads one snapshot back from PostgreSQL, in order: its SHA-256 (hex) and chunk count. */
static int read_back(PGconn *pg, const char *snapshot, char hex[65], int64_t *chunks, char *err, size_t errlen)
{
    const char *v[1] = {snapshot};
    if (!PQsendQueryParams(pg, "SELECT idx, bytes FROM kiln.snapshot_chunks WHERE snapshot = $1 ORDER BY idx", 1, NULL,
                           v, NULL, NULL, 1) ||
        !PQsetSingleRowMode(pg)) {
        pg_why(pg, NULL, err, errlen, "reading a snapshot back");
        return -1;
    }
    enc_sha256_ctx_t *c = enc_sha256_begin();
    int rc = 0;
    int64_t n = 0;
    PGresult *r;
    while ((r = PQgetResult(pg))) {
        ExecStatusType st = PQresultStatus(r);
        if (rc == 0 && st == PGRES_SINGLE_TUPLE) {
            enc_sha256_add(c, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
            n++;
        } else if (rc == 0 && st != PGRES_TUPLES_OK) {
            pg_why(pg, r, err, errlen, "reading a snapshot back");
            rc = -1;
        }
        PQclear(r);
    }
    unsigned char sum[32];
    enc_sha256_end(c, sum);
    enc_hex(hex, sum, sizeof sum);
    *chunks = n;
    return rc;
}

int pg_move_snapshots(sqlite3 *db, PGconn *pg, const char *data_dir, store_move_snapshots_t *out, char *err,
                      size_t errlen)
{
    sqlite3_stmt *s;
    *out = (store_move_snapshots_t){0};
    if (sqlite3_prepare_v2(db, "SELECT snapshot, snapshot_sha256 FROM versions ORDER BY app_id, env_key, seq", -1, &s,
                           NULL) != SQLITE_OK) {
        snprintf(err, errlen, "reading the versions: %s", sqlite3_errmsg(db));
        return STORE_ERROR;
    }
    char *buf = xmalloc(STORE_SNAPSHOT_CHUNK);
    int rc = STORE_OK, step;
    while (rc == STORE_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *snap = (const char *)sqlite3_column_text(s, 0);
        const char *kept = (const char *)sqlite3_column_text(s, 1);
        char hex[65], back[65];
        int64_t chunks = 0, n_back = 0;
        if (!snap || strncmp(snap, "snapshots/", 10) != 0 || strstr(snap, "..")) {
            snprintf(err, errlen, "a version names no snapshot file of the data dir");
            rc = STORE_ERROR;
            break;
        }
        if (copy_file(pg, data_dir, snap, buf, &chunks, &out->bytes, hex, err, errlen) != 0) {
            rc = STORE_ERROR;
            break;
        }
        if (kept && *kept && strcmp(kept, hex) != 0) {
            snprintf(err, errlen,
                     "the snapshot file %s/%s is not what its version was deployed with (SHA-256 %.16s..., the "
                     "version says %.16s...): nothing was written",
                     data_dir, snap, hex, kept);
            rc = STORE_ERROR;
            break;
        }
        if (!kept || !*kept) { /* deployed before kiln kept the hash: the copy's row gets it */
            const char *v[2] = {hex, snap};
            if (params_exec(pg, "UPDATE kiln.versions SET snapshot_sha256 = $1 WHERE snapshot = $2", 2, v, NULL, NULL,
                            err, errlen, "recording a snapshot's SHA-256") != 0) {
                rc = STORE_ERROR;
                break;
            }
            out->hashed++;
        }
        if (read_back(pg, snap, back, &n_back, err, errlen) != 0) {
            rc = STORE_ERROR;
            break;
        }
        out->snapshots++;
        out->chunks_from += chunks;
        out->chunks_to += n_back;
        if (n_back != chunks || strcmp(back, hex) != 0)
            out->differ++;
    }
    if (rc == STORE_OK && step != SQLITE_DONE) {
        snprintf(err, errlen, "reading the versions: %s", sqlite3_errmsg(db));
        rc = STORE_ERROR;
    }
    sqlite3_finalize(s);
    free(buf);
    if (rc == STORE_OK && out->differ) {
        snprintf(err, errlen,
                 "%lld snapshot%s read back from the database differ%s from the files: nothing was written",
                 (long long)out->differ, out->differ > 1 ? "s" : "", out->differ > 1 ? "" : "s");
        rc = STORE_ERROR;
    }
    return rc;
}
