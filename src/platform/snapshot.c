#include "platform/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/enc.h"
#include "runtime/unpack.h"

int snapshot_upload_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n != 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    return 1;
}

static int mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(tmp, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static void upload_path(char *out, size_t n, const char *data_dir, const char *id)
{
    snprintf(out, n, "%s/uploads/%s.part", data_dir, id);
}

int snapshot_upload_create(const char *data_dir, char id[33], char *err, size_t errlen)
{
    char dir[4096], path[4200];
    unsigned char raw[16];
    snprintf(dir, sizeof dir, "%s/uploads", data_dir);
    if (mkdir_p(dir) != 0) {
        snprintf(err, errlen, "cannot create the uploads directory: %s", strerror(errno));
        return -1;
    }
    enc_random(raw, sizeof raw);
    enc_hex(id, raw, sizeof raw);
    upload_path(path, sizeof path, data_dir, id);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create the upload: %s", strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

int snapshot_upload_append(const char *data_dir, const char *id, uint64_t offset, const void *buf, size_t len,
                           uint64_t max_bytes, uint64_t *size_out, char *err, size_t errlen)
{
    char path[4200];
    if (!snapshot_upload_id_valid(id)) {
        snprintf(err, errlen, "No such upload.");
        return 404;
    }
    upload_path(path, sizeof path, data_dir, id);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "No such upload.");
        return 404;
    }
    int status = 0;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        snprintf(err, errlen, "Cannot read the upload.");
        status = 500;
    } else if ((uint64_t)sb.st_size != offset) {
        snprintf(err, errlen, "Wrong offset: the upload holds %lld bytes.", (long long)sb.st_size);
        status = 409;
    } else if (offset + len > max_bytes) {
        snprintf(err, errlen, "The snapshot is larger than the limit of %llu bytes.", (unsigned long long)max_bytes);
        status = 413;
    } else {
        const char *p = buf;
        size_t left = len;
        while (left > 0) {
            ssize_t w = write(fd, p, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                snprintf(err, errlen, "Cannot write the upload: %s", strerror(errno));
                status = 500;
                /* leave no partial chunk: the client retries the chunk at the old offset */
                if (ftruncate(fd, (off_t)offset) != 0)
                    status = 500;
                break;
            }
            p += w;
            left -= (size_t)w;
        }
        *size_out = offset + (status ? 0 : len);
    }
    close(fd);
    return status;
}

int snapshot_verify(const char *data_dir, const char *upload_id, uint64_t max_bytes, const char *manifest,
                    size_t manifest_len, const char *const *required, size_t n_required, uint64_t *bytes_out, char *err,
                    size_t errlen)
{
    char path[4200];
    if (!snapshot_upload_id_valid(upload_id)) {
        snprintf(err, errlen, "No such upload.");
        return -1;
    }
    upload_path(path, sizeof path, data_dir, upload_id);
    unpack_rules_t rules = {.max_bytes = max_bytes,
                            .manifest = manifest,
                            .manifest_len = manifest_len,
                            .required = required,
                            .n_required = n_required};
    return unpack_verify(path, &rules, bytes_out, err, errlen);
}

int snapshot_commit(arena_t *a, const char *data_dir, const char *upload_id, const char *app_id, const char *env_key,
                    const char **relpath, char *err, size_t errlen)
{
    char from[4200], dir[4200], to[4400];
    unsigned char raw[8];
    char name[17];
    upload_path(from, sizeof from, data_dir, upload_id);
    int fd = open(from, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "Cannot read the upload: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    enc_random(raw, sizeof raw);
    enc_hex(name, raw, sizeof raw);
    const char *rel = arena_printf(a, "snapshots/%s/%s/%s.tar", app_id, env_key, name);
    snprintf(dir, sizeof dir, "%s/snapshots/%s/%s", data_dir, app_id, env_key);
    snprintf(to, sizeof to, "%s/%s", data_dir, rel);
    if (mkdir_p(dir) != 0 || rename(from, to) != 0) {
        snprintf(err, errlen, "Cannot store the snapshot: %s", strerror(errno));
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd); /* the rename itself is durable before the version is recorded */
        close(dfd);
    }
    *relpath = rel;
    return 0;
}

size_t snapshot_gc_uploads(const char *data_dir, int64_t now_ms, int64_t max_age_ms)
{
    char dir[4200], path[4500];
    snprintf(dir, sizeof dir, "%s/uploads", data_dir);
    DIR *d = opendir(dir);
    size_t removed = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n != 37 || strcmp(e->d_name + 32, ".part") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) == 0 && now_ms - (int64_t)sb.st_mtime * 1000 > max_age_ms && unlink(path) == 0)
            removed++;
    }
    if (d)
        closedir(d);
    return removed;
}
