/* failsync.so: preloaded (with nullfmt.so) into a kiln an e2e test starts to see what a
 * failed fsync of the store's WAL does (tests/e2e/durability.test.mjs, "a failed fsync").
 * While the file named by FAILSYNC_FLAG exists, fsync and fdatasync of a file whose
 * name ends in "-wal" fail with EIO; every other call goes to libc. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failing(int fd)
{
    const char *flag = getenv("FAILSYNC_FLAG");
    if (!flag || access(flag, F_OK) != 0)
        return 0;
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 4)
        return 0;
    target[n] = '\0';
    return strcmp(target + n - 4, "-wal") == 0;
}

/* The libc call `name` on fd, or EIO while failing. */
static int call(const char *name, int (**real)(int), int fd)
{
    if (!*real)
        *real = (int (*)(int))dlsym(RTLD_NEXT, name);
    if (failing(fd)) {
        errno = EIO;
        return -1;
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
