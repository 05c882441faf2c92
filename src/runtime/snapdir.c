/* The extracted directory of each app version a pool runs (DATA/unpacked/...): unpacked
 * once (runtime/unpack.h), on a thread of its own, so the runtime thread keeps serving
 * other versions meanwhile. A snapshot file this node lacks is first fetched there by the
 * source registered from above (rt_set_snapshot_source: the database's copy). */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "runtime/rt_int.h"
#include "runtime/unpack.h"

#define RT_UNPACK_MAX_BYTES (10240ull << 20) /* deploy checked the configured limit already */

static rt_snapshot_source_fn snapshot_source; /* set before rt_start, read by unpack threads */

void rt_set_snapshot_source(rt_snapshot_source_fn source)
{
    snapshot_source = source;
}

/* DATA/unpacked/<app>/<env>/<name> for snapshots/<app>/<env>/<name>.tar, or -1. */
static int unpacked_path(const char *snapshot, char *out, size_t outlen)
{
    return rt_unpacked_dir(RT.data_dir, snapshot, out, outlen);
}

int rt_unpacked_dir(const char *data_dir, const char *snapshot, char *out, size_t outlen)
{
    const char *rel = strncmp(snapshot, "snapshots/", 10) == 0 ? snapshot + 10 : snapshot;
    size_t rl = strlen(rel);
    if (rl < 5 || strcmp(rel + rl - 4, ".tar") != 0 || strstr(rel, "..") || rel[0] == '/')
        return -1;
    return (size_t)snprintf(out, outlen, "%s/unpacked/%.*s", data_dir, (int)(rl - 4), rel) < outlen ? 0 : -1;
}

/* Extracts the snapshot once (runtime/unpack.h); returns the directory (heap) or NULL
 * with err. */
static char *extract(const char *snapshot, char *err, size_t errlen)
{
    char tar[PATH_MAX + 64], dir[PATH_MAX + 64];
    if (unpacked_path(snapshot, dir, sizeof dir) != 0) {
        snprintf(err, errlen, "bad snapshot path");
        return NULL;
    }
    snprintf(tar, sizeof tar, "%s/%s", RT.data_dir, snapshot);
    if (snapshot_source && access(tar, F_OK) != 0 && snapshot_source(RT.data_dir, snapshot, err, errlen) != 0)
        return NULL;
    if (unpack_extract(tar, dir, RT_UNPACK_MAX_BYTES, err, errlen) < 0)
        return NULL;
    return xstrdup(dir);
}

static void *unpack_main(void *arg)
{
    unpack_t *u = arg;
    char err[sizeof u->err];
    char *dir = extract(u->snapshot, err, sizeof err);
    pthread_mutex_lock(&RT.mu);
    u->dir = dir;
    if (!dir)
        snprintf(u->err, sizeof u->err, "%s", err);
    u->done = 1;
    pthread_mutex_unlock(&RT.mu);
    rt_wake();
    return NULL;
}

/* The extracted directory of a snapshot, without waiting for the disk: 1 and *dir (heap)
 * when it is ready, 0 while a thread of its own extracts it (the runtime thread is woken
 * when it ends), -1 with err when it failed. A failure is reported once; the next call
 * tries again. */
int rt_snapshot_dir(const char *snapshot, char **dir, char *err, size_t errlen)
{
    unpack_t **pp = &RT.unpacks;
    while (*pp && strcmp((*pp)->snapshot, snapshot) != 0)
        pp = &(*pp)->next;
    unpack_t *u = *pp;
    if (!u) {
        /* already on disk (an earlier run, another pool of this version): no thread */
        char probe[PATH_MAX + 64];
        if (unpacked_path(snapshot, probe, sizeof probe) == 0 && access(probe, F_OK) == 0) {
            *dir = xstrdup(probe);
            return 1;
        }
        u = xcalloc(1, sizeof *u);
        u->snapshot = xstrdup(snapshot);
        if (pthread_create(&u->tid, NULL, unpack_main, u) != 0) {
            free(u->snapshot);
            free(u);
            snprintf(err, errlen, "cannot start a thread to unpack the snapshot");
            return -1;
        }
        u->next = RT.unpacks;
        RT.unpacks = u;
        return 0;
    }
    pthread_mutex_lock(&RT.mu);
    int done = u->done;
    pthread_mutex_unlock(&RT.mu);
    if (!done)
        return 0;
    pthread_join(u->tid, NULL);
    *pp = u->next;
    int rc = u->dir ? 1 : -1;
    *dir = u->dir;
    if (!u->dir)
        snprintf(err, errlen, "%s", u->err);
    free(u->snapshot);
    free(u);
    return rc;
}

/* Waits for the unpack threads still running and forgets them (rt_stop). */
void rt_unpacks_join(void)
{
    while (RT.unpacks) {
        unpack_t *u = RT.unpacks;
        RT.unpacks = u->next;
        pthread_join(u->tid, NULL);
        free(u->dir);
        free(u->snapshot);
        free(u);
    }
}
