#include "platform/snapshot_db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/enc.h"
#include "base/fdio.h"
#include "base/log.h"
#include "store/store_apps.h"

/* snapshots/<app>/<env>/<name>.tar and nothing else: what snapshot_commit names */
static int relpath_valid(const char *rel)
{
    size_t n = strlen(rel);
    return n > 14 && n < 1024 && strncmp(rel, "snapshots/", 10) == 0 && strcmp(rel + n - 4, ".tar") == 0 &&
           !strstr(rel, "..") && !strstr(rel, "//");
}

static void hex_of(enc_sha256_ctx_t *c, char hex[65])
{
    unsigned char sum[32];
    enc_sha256_end(c, sum);
    enc_hex(hex, sum, sizeof sum);
}

int snapshot_file_sha256(const char *data_dir, const char *relpath, char hex[65], char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", data_dir, relpath);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read the snapshot: %s", strerror(errno));
        return -1;
    }
    char *buf = xmalloc(STORE_SNAPSHOT_CHUNK);
    enc_sha256_ctx_t *c = enc_sha256_begin();
    ssize_t r;
    while ((r = fdio_read_full(fd, buf, STORE_SNAPSHOT_CHUNK)) > 0)
        enc_sha256_add(c, buf, (size_t)r);
    hex_of(c, hex);
    free(buf);
    close(fd);
    if (r < 0) {
        snprintf(err, errlen, "cannot read the snapshot: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int snapshot_db_kept(store_t *st)
{
    return store_snapshots_kept(st);
}

int snapshot_db_put(store_t *st, const char *data_dir, const char *relpath, const char *sha256, char *err,
                    size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", data_dir, relpath);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read the snapshot: %s", strerror(errno));
        return STORE_ERROR;
    }
    char *buf = xmalloc(STORE_SNAPSHOT_CHUNK);
    enc_sha256_ctx_t *c = enc_sha256_begin();
    int rc = STORE_OK;
    int64_t idx = 0;
    ssize_t r;
    while (rc == STORE_OK && (r = fdio_read_full(fd, buf, STORE_SNAPSHOT_CHUNK)) > 0) {
        enc_sha256_add(c, buf, (size_t)r);
        if (idx >= STORE_SNAPSHOT_CHUNKS_MAX) {
            snprintf(err, errlen, "the snapshot has more than %d chunks", STORE_SNAPSHOT_CHUNKS_MAX);
            rc = STORE_ERROR;
        } else if ((rc = store_snapshot_chunk_put(st, relpath, idx++, buf, (size_t)r)) != STORE_OK)
            snprintf(err, errlen, "cannot write the snapshot to the database");
    }
    if (rc == STORE_OK && r < 0) {
        snprintf(err, errlen, "cannot read the snapshot: %s", strerror(errno));
        rc = STORE_ERROR;
    }
    char hex[65];
    hex_of(c, hex);
    if (rc == STORE_OK && strcmp(hex, sha256) != 0) {
        snprintf(err, errlen, "the snapshot file changed while it was deployed");
        rc = STORE_ERROR;
    }
    free(buf);
    close(fd);
    return rc;
}

/* Writes the chunks of `relpath` into fd and checks them against v. 0 or -1 with err. */
static int fetch_into(store_t *st, const version_rec_t *v, const char *relpath, int fd, char *err, size_t errlen)
{
    int64_t n = 0, total = 0;
    int rc = store_snapshot_chunk_count(st, relpath, &n, &total);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot read the snapshot's chunks from the database%s",
                 rc == STORE_UNAVAILABLE ? " (unavailable)" : "");
        return -1;
    }
    if (n == 0) {
        snprintf(err, errlen,
                 "the database holds no bytes of this snapshot (deployed before kiln kept snapshots there, or "
                 "on a SQLite store): copy %s from the deploying node's data dir, or deploy again",
                 relpath);
        return -1;
    }
    if (n > STORE_SNAPSHOT_CHUNKS_MAX || total > n * (int64_t)STORE_SNAPSHOT_CHUNK) {
        snprintf(err, errlen, "the snapshot's chunks in the database are malformed (%lld chunks, %lld bytes)",
                 (long long)n, (long long)total);
        return -1;
    }
    enc_sha256_ctx_t *c = enc_sha256_begin();
    int bad = 0;
    for (int64_t i = 0; i < n && !bad; i++) {
        arena_t *a = arena_new(2 * STORE_SNAPSHOT_CHUNK);
        const void *bytes;
        size_t len;
        rc = store_snapshot_chunk_get(st, a, relpath, i, &bytes, &len);
        if (rc != STORE_OK) {
            snprintf(err, errlen, "the snapshot's chunk %lld is missing from the database", (long long)i);
            bad = 1;
        } else if (!bytes || len == 0 || len > STORE_SNAPSHOT_CHUNK || (i < n - 1 && len != STORE_SNAPSHOT_CHUNK)) {
            snprintf(err, errlen, "the snapshot's chunk %lld in the database has a wrong length (%zu bytes)",
                     (long long)i, len);
            bad = 1;
        } else {
            enc_sha256_add(c, bytes, len);
            if (fdio_write_all(fd, bytes, len) != 0) {
                snprintf(err, errlen, "cannot write the snapshot: %s", strerror(errno));
                bad = 1;
            }
        }
        arena_free(a);
    }
    char hex[65];
    hex_of(c, hex);
    if (bad)
        return -1;
    if (strcmp(hex, v->snapshot_sha256) != 0) {
        snprintf(err, errlen,
                 "the snapshot in the database is corrupt: its SHA-256 is %.16s..., version %lld.%lld of the app "
                 "was deployed with %.16s...; nothing of it runs (deploy the version again)",
                 hex, (long long)v->major, (long long)v->minor, v->snapshot_sha256);
        return -1;
    }
    if (fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write the snapshot: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int mkdir_parents(const char *path)
{
    char tmp[4400];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return 0;
}

int snapshot_db_fetch(const char *data_dir, const char *relpath, char *err, size_t errlen)
{
    if (!relpath_valid(relpath)) {
        snprintf(err, errlen, "bad snapshot path");
        return -1;
    }
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/%s", data_dir, relpath);
    if (access(path, F_OK) == 0)
        return 0;
    store_t *st = store_open(data_dir, err, errlen);
    if (!st)
        return -1;
    arena_t *a = arena_new(64 * 1024);
    version_rec_t v;
    int rc = store_version_by_snapshot(st, a, relpath, &v), out = -1;
    if (rc != STORE_OK)
        snprintf(err, errlen, "%s", rc == STORE_NOTFOUND ? "no version has this snapshot" : "cannot read the version");
    else if (!v.snapshot_sha256 || strlen(v.snapshot_sha256) != 64)
        snprintf(err, errlen, "the version has no snapshot SHA-256 (deployed before kiln kept snapshots in the store)");
    else {
        unsigned char rnd[8];
        char rhex[17];
        enc_random(rnd, sizeof rnd);
        enc_hex(rhex, rnd, sizeof rnd);
        snprintf(tmp, sizeof tmp, "%s.fetch-%s", path, rhex);
        int fd = mkdir_parents(tmp) == 0 ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
        if (fd < 0)
            snprintf(err, errlen, "cannot create the snapshot file: %s", strerror(errno));
        else {
            int ok = fetch_into(st, &v, relpath, fd, err, errlen) == 0;
            close(fd);
            if (ok && rename(tmp, path) != 0)
                snprintf(err, errlen, "cannot place the snapshot: %s", strerror(errno));
            else if (ok)
                out = 0;
            if (out != 0)
                unlink(tmp);
        }
    }
    arena_free(a);
    store_close(st);
    return out;
}

/* ---------------------------------------------------------------- at start */

/* NAME.tar.fetch-<16 hex>: what snapshot_db_fetch names its temporary */
static int fetch_temp_name(const char *name)
{
    const char *f = strstr(name, ".tar.fetch-");
    return f && strlen(f + 11) == 16 && strspn(f + 11, "0123456789abcdef") == 16;
}

size_t snapshot_db_clean(const char *data_dir, int64_t before_ms)
{
    char top[4200], env[4600], path[5000];
    size_t removed = 0;
    snprintf(top, sizeof top, "%s/snapshots", data_dir);
    DIR *d1 = opendir(top);
    struct dirent *a, *e, *f;
    while (d1 && (a = readdir(d1))) { /* snapshots/<app>/<env>/<file> */
        if (a->d_name[0] == '.')
            continue;
        snprintf(env, sizeof env, "%s/%s", top, a->d_name);
        DIR *d2 = opendir(env);
        while (d2 && (e = readdir(d2))) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", env, e->d_name);
            DIR *d3 = opendir(path);
            while (d3 && (f = readdir(d3))) {
                if (!fetch_temp_name(f->d_name))
                    continue;
                char file[5300];
                struct stat sb;
                snprintf(file, sizeof file, "%s/%s", path, f->d_name);
                /* a fetch under way writes its file chunk by chunk: one not written since
                   before_ms is left by a process that died */
                if (lstat(file, &sb) == 0 && S_ISREG(sb.st_mode) &&
                    (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000 < before_ms && unlink(file) == 0)
                    removed++;
            }
            if (d3)
                closedir(d3);
        }
        if (d2)
            closedir(d2);
    }
    if (d1)
        closedir(d1);
    return removed;
}

/* One version's chunks from this node's file, with its SHA-256, in one transaction. 1
 * written, 0 not this node's to do (no file here, or another node did it first), -1 a
 * failure (logged). */
static int backfill_one(store_t *st, const char *data_dir, const version_rec_t *v)
{
    char path[4200], hex[65], err[256];
    snprintf(path, sizeof path, "%s/%s", data_dir, v->snapshot);
    if (!relpath_valid(v->snapshot) || access(path, R_OK) != 0)
        return 0;
    if (snapshot_file_sha256(data_dir, v->snapshot, hex, err, sizeof err) != 0)
        goto fail;
    if (store_begin(st) != STORE_OK) {
        snprintf(err, sizeof err, "cannot begin a transaction");
        goto fail;
    }
    /* the SHA-256 first: it locks the row, so a second node waits, then changes nothing */
    int rc = store_version_set_sha256(st, v->snapshot, hex);
    if (rc == STORE_NOTFOUND) {
        store_rollback(st);
        return 0;
    }
    if (rc != STORE_OK) {
        snprintf(err, sizeof err, "cannot write the version's SHA-256");
        store_rollback(st);
        goto fail;
    }
    if (snapshot_db_put(st, data_dir, v->snapshot, hex, err, sizeof err) != STORE_OK) {
        store_rollback(st);
        goto fail;
    }
    if (store_commit(st) != STORE_OK) {
        snprintf(err, sizeof err, "cannot commit");
        goto fail;
    }
    return 1;
fail:
    log_msg(LOG_WARN, "snapshots: cannot copy an older version's snapshot into the database", "snapshot", v->snapshot,
            "error", err, NULL);
    return -1;
}

int snapshot_db_backfill(store_t *st, const char *data_dir, size_t *written, size_t *absent)
{
    *written = *absent = 0;
    if (!snapshot_db_kept(st))
        return 0;
    char after[1100] = "";
    int failed = 0;
    for (;;) {
        arena_t *a = arena_new(64u * 1024 * 1024);
        version_rec_t *v = NULL;
        size_t n = 0;
        int rc = store_version_unhashed(st, a, after, SNAPSHOT_BACKFILL_BATCH, &v, &n);
        for (size_t i = 0; rc == STORE_OK && i < n; i++) {
            int r = backfill_one(st, data_dir, &v[i]);
            *written += r == 1;
            *absent += r == 0;
            failed |= r < 0;
        }
        if (rc == STORE_OK && n > 0)
            snprintf(after, sizeof after, "%s", v[n - 1].snapshot);
        arena_free(a);
        if (rc != STORE_OK)
            return -1;
        if (n < SNAPSHOT_BACKFILL_BATCH)
            break;
    }
    return failed ? -1 : 0;
}
