#include "auth/admin_token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/enc.h"

int admin_token_load(const char *data_dir, char out[TOKEN_MAX], char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/admin.token", data_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read admin token %s: %s", path, strerror(errno));
        return -1;
    }
    ssize_t n = read(fd, out, TOKEN_MAX - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read admin token %s: %s", path, strerror(errno));
        return -1;
    }
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
        n--;
    out[n] = '\0';
    if (token_kind_of(out, (size_t)n) != TOKEN_ADMIN) {
        snprintf(err, errlen, "%s does not hold a kiln admin token", path);
        return -1;
    }
    return 0;
}

int admin_token_load_or_create(const char *data_dir, char out[TOKEN_MAX], char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/admin.token", data_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        return admin_token_load(data_dir, out, err, errlen);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    token_mint(TOKEN_ADMIN, out);
    size_t len = strlen(out);
    int ok = write(fd, out, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

int admin_token_matches(const char *expected, const char *got, size_t n)
{
    size_t el = strlen(expected);
    return n == el && enc_ct_eq(expected, got, n);
}
