#include "platform/snapshot.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/enc.h"

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

/* A relative path that cannot leave the snapshot's root. */
static int safe_rel_path(const char *p)
{
    if (!*p || p[0] == '/' || strchr(p, '\\'))
        return 0;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return 0;
        s += n + (e != NULL);
    }
    return 1;
}

/* A symlink target that, resolved from the link's directory, stays inside the root. */
static int safe_link(const char *link_path, const char *target)
{
    if (!*target || target[0] == '/' || strchr(target, '\\'))
        return 0;
    int depth = 0;
    for (const char *s = link_path; *s; s++)
        depth += *s == '/'; /* directories above the link */
    for (const char *s = target; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (--depth < 0)
                return 0;
        } else if (n > 0 && !(n == 1 && s[0] == '.')) {
            depth++;
        }
        s += n + (e != NULL);
    }
    return 1;
}

int snapshot_verify(const char *data_dir, const char *upload_id, uint64_t max_bytes, const char *manifest,
                    size_t manifest_len, const char *const *required, size_t n_required, uint64_t *bytes_out,
                    char *err, size_t errlen)
{
    char path[4200];
    if (!snapshot_upload_id_valid(upload_id)) {
        snprintf(err, errlen, "No such upload.");
        return -1;
    }
    upload_path(path, sizeof path, data_dir, upload_id);
    struct archive *ar = archive_read_new();
    archive_read_support_format_tar(ar);
    archive_read_support_filter_none(ar);
    archive_read_support_filter_gzip(ar);
    int rc = -1, found_manifest = 0;
    size_t found = 0;
    uint64_t total = 0;
    unsigned char *seen = calloc(n_required ? n_required : 1, 1);
    if (!seen || archive_read_open_filename(ar, path, 65536) != ARCHIVE_OK) {
        snprintf(err, errlen, "The upload is not a tar archive.");
        goto out;
    }
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (!name) {
            snprintf(err, errlen, "The snapshot has an entry without a name.");
            goto out;
        }
        if (strncmp(name, "./", 2) == 0)
            name += 2;
        if (!*name)
            continue; /* the root itself */
        if (!safe_rel_path(name)) {
            snprintf(err, errlen, "The snapshot has an unsafe path: %.200s", name);
            goto out;
        }
        mode_t type = archive_entry_filetype(e);
        if (archive_entry_hardlink(e)) {
            snprintf(err, errlen, "The snapshot has a hard link: %.200s", name);
            goto out;
        }
        if (type == AE_IFLNK) {
            const char *target = archive_entry_symlink(e);
            if (!target || !safe_link(name, target)) {
                snprintf(err, errlen, "The snapshot has a symlink that leaves it: %.200s", name);
                goto out;
            }
        } else if (type != AE_IFREG && type != AE_IFDIR) {
            snprintf(err, errlen, "The snapshot has an entry that is not a file, directory or symlink: %.200s", name);
            goto out;
        }
        int64_t size = archive_entry_size(e);
        if (size < 0 || (total += (uint64_t)size) > max_bytes) {
            snprintf(err, errlen, "The snapshot is larger than the limit of %llu bytes.", (unsigned long long)max_bytes);
            goto out;
        }
        if (type == AE_IFREG && strcmp(name, "manifest.yml") == 0) {
            if ((uint64_t)size != manifest_len) {
                snprintf(err, errlen, "The snapshot's manifest.yml is not the manifest being deployed.");
                goto out;
            }
            char *buf = malloc(manifest_len + 1);
            la_ssize_t got = buf ? archive_read_data(ar, buf, manifest_len + 1) : -1;
            int same = got == (la_ssize_t)manifest_len && memcmp(buf, manifest, manifest_len) == 0;
            free(buf);
            if (!same) {
                snprintf(err, errlen, "The snapshot's manifest.yml is not the manifest being deployed.");
                goto out;
            }
            found_manifest = 1;
        }
        for (size_t i = 0; i < n_required; i++) {
            if (!seen[i] && type == AE_IFREG && strcmp(name, required[i]) == 0) {
                seen[i] = 1;
                found++;
            }
        }
    }
    if (r != ARCHIVE_EOF) {
        snprintf(err, errlen, "The snapshot is not a valid tar archive: %.200s", archive_error_string(ar));
        goto out;
    }
    if (!found_manifest) {
        snprintf(err, errlen, "The snapshot has no manifest.yml.");
        goto out;
    }
    for (size_t i = 0; found < n_required && i < n_required; i++) {
        if (!seen[i]) {
            snprintf(err, errlen, "The snapshot lacks %.200s (deploy with the kiln CLI, which bundles each function).",
                     required[i]);
            goto out;
        }
    }
    *bytes_out = total;
    rc = 0;
out:
    free(seen);
    archive_read_free(ar);
    return rc;
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
