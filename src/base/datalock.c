#include "base/datalock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int datalock_take(const char *dir, int mode, char *err, size_t errlen)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/serve.lock", dir) >= sizeof path) {
        snprintf(err, errlen, "the data dir's path is too long");
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, (mode == DATALOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
        return fd;
    int e = errno;
    close(fd);
    if (e == EWOULDBLOCK) {
        snprintf(err, errlen,
                 mode == DATALOCK_EXCLUSIVE
                     ? "a kiln server is running on the data dir %s (it holds serve.lock): stop it first"
                     : "the data dir %s is being copied by kiln store migrate (it holds serve.lock): wait for it",
                 dir);
        return -2;
    }
    snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
    return -1;
}
