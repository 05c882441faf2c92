#include "base/datadir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int datadir_secure(const char *dir, char *err, size_t errlen)
{
    umask(077);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create the data dir %s: %s", dir, strerror(errno));
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat sb;
    if (dfd < 0 || fstat(dfd, &sb) != 0) {
        snprintf(err, errlen, "cannot open the data dir %s: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        return -1;
    }
    int rc = -1;
    if (sb.st_uid != geteuid()) {
        snprintf(err, errlen, "the data dir %s belongs to uid %u, not to kiln's uid %u", dir, (unsigned)sb.st_uid,
                 (unsigned)geteuid());
        goto out;
    }
    if ((sb.st_mode & 077) && fchmod(dfd, 0700) != 0) {
        snprintf(err, errlen, "cannot make the data dir %s private: %s", dir, strerror(errno));
        goto out;
    }
    int it = dup(dfd);
    DIR *d = it >= 0 ? fdopendir(it) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat eb;
        if (fstatat(dfd, e->d_name, &eb, AT_SYMLINK_NOFOLLOW) != 0 || eb.st_uid != geteuid())
            continue;
        if (S_ISREG(eb.st_mode) && (eb.st_mode & 077))
            fchmodat(dfd, e->d_name, eb.st_mode & 0700, 0);
        else if (S_ISDIR(eb.st_mode) && (eb.st_mode & 077))
            fchmodat(dfd, e->d_name, 0700, 0);
    }
    if (d)
        closedir(d);
    else if (it >= 0)
        close(it);
    rc = 0;
out:
    close(dfd);
    return rc;
}
