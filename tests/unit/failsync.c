/* failsync.so: preloaded (with nullfmt.so) into a kiln an e2e test starts to see what a
 * failed or a slow fsync of the store's WAL does (tests/e2e/durability.test.mjs).
 * While the file named by FAILSYNC_HOLD exists, the store's syncer thread (named
 * "kiln-syncer", src/store/sqlite/gsync.c) waits in its fsyncs of the WAL (it looks again
 * every 10 ms), so answers held for its fsync stay held as long as a test needs (every
 * other writer waits for that group fsync too; SQLite's own syncs inside a commit or a
 * checkpoint are not held). While the file named by FAILSYNC_FLAG exists, fsync and
 * fdatasync of a file whose name ends in "-wal" fail with EIO, on any thread. While the
 * file named by FAILSYNC_HOLD_DB exists, fsyncs of the database file itself (a name ending
 * in ".db": in WAL mode only a checkpoint syncs it, after copying the WAL into it) wait,
 * on any thread, so a checkpoint lasts as long as a test needs. Every other call goes to
 * libc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* 1 while the file named by environment variable `var` exists. */
static int flag_set(const char *var)
{
    const char *flag = getenv(var);
    return flag && access(flag, F_OK) == 0;
}

/* 1 when fd's file name ends in `suffix`. */
static int named(int fd, const char *suffix)
{
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    size_t sl = strlen(suffix);
    if (n < (ssize_t)sl)
        return 0;
    target[n] = '\0';
    return strcmp(target + n - sl, suffix) == 0;
}

static int on_syncer(void)
{
    char name[16] = "";
    prctl(PR_GET_NAME, name, 0, 0, 0);
    return strcmp(name, "kiln-syncer") == 0;
}

/* The libc call `name` on fd, after the hold, or EIO while failing. */
static int call(const char *name, int (**real)(int), int fd)
{
    if (!*real)
        *real = (int (*)(int))dlsym(RTLD_NEXT, name);
    if (named(fd, ".db"))
        while (flag_set("FAILSYNC_HOLD_DB"))
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    if (named(fd, "-wal")) {
        while (on_syncer() && flag_set("FAILSYNC_HOLD"))
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        if (flag_set("FAILSYNC_FLAG")) {
            errno = EIO;
            return -1;
        }
    }
    return (*real)(fd);
}

int fsync(int fd)
{
    static int (*real)(int);
    return call("fsync", &real, fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    return call("fdatasync", &real, fd);
}
