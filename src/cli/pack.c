#include "cli/pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/snapshot.h"

extern char **environ;

/* Runs esbuild for one handler file; its diagnostics go to our stderr. */
static int bundle(const char *app_dir, const char *src, const char *out)
{
    const char *esbuild = getenv("KILN_ESBUILD") ? getenv("KILN_ESBUILD") : "esbuild";
    char entry[4096], outfile[4500];
    snprintf(entry, sizeof entry, "%s/%s", app_dir, src);
    snprintf(outfile, sizeof outfile, "--outfile=%s", out);
    char *argv[] = {(char *)esbuild,   entry,   "--bundle",          "--platform=node", "--format=cjs",
                    "--target=node20", outfile, "--log-level=error", "--jsx=automatic", NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, esbuild, NULL, NULL, argv, environ);
    if (rc != 0) {
        fprintf(stderr, "kiln: cannot run esbuild (%s): install it with `make deps`\n", strerror(rc));
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "kiln: bundling %s failed (esbuild's messages above); nothing was deployed\n", src);
        return -1;
    }
    return 0;
}

/* ---- the archive ---- */

static struct {
    struct archive *ar;
    const char *root; /* the tree being walked */
    size_t root_len;
    const char *prefix; /* its path inside the archive ("" for the app itself) */
    char app_real[PATH_MAX];
    uint64_t total, max;
    int failed, depth;
} W;

static int add_file(const char *path, const char *name, const struct stat *sb)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_copy_stat(e, sb);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_uname(e, "");
    archive_entry_set_gname(e, "");
    int rc = 0;
    if (S_ISLNK(sb->st_mode)) {
        char target[4096];
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n < 0) {
            archive_entry_free(e);
            return -1;
        }
        target[n] = '\0';
        archive_entry_set_symlink(e, target);
        archive_entry_set_size(e, 0);
    } else if (!S_ISREG(sb->st_mode)) {
        archive_entry_set_size(e, 0);
    }
    if (archive_write_header(W.ar, e) != ARCHIVE_OK) {
        fprintf(stderr, "kiln: cannot archive %s: %s\n", name, archive_error_string(W.ar));
        rc = -1;
    } else if (S_ISREG(sb->st_mode)) {
        W.total += (uint64_t)sb->st_size;
        if (W.total > W.max) {
            fprintf(stderr, "kiln: the app directory is larger than the snapshot limit of %llu bytes\n",
                    (unsigned long long)W.max);
            rc = -1;
        }
        int fd = rc == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        char buf[65536];
        ssize_t n;
        while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
            if (archive_write_data(W.ar, buf, (size_t)n) != n) {
                rc = -1;
                break;
            }
        if (fd >= 0)
            close(fd);
        else if (rc == 0)
            rc = -1;
    }
    archive_entry_free(e);
    return rc;
}

static int walk(const char *path, const struct stat *sb, int flag, struct FTW *ftw);

/* Archives the tree at `dir` under `prefix` (nested walks save and restore W). */
static int add_tree(const char *dir, const char *prefix)
{
    if (++W.depth > 8) {
        fprintf(stderr, "kiln: symlinks outside the app nest too deeply at %s\n", prefix);
        return -1;
    }
    const char *root = W.root, *pfx = W.prefix;
    size_t root_len = W.root_len;
    W.root = dir;
    W.root_len = strlen(dir);
    W.prefix = prefix;
    int rc = nftw(dir, walk, 32, FTW_PHYS | FTW_ACTIONRETVAL) != 0 || W.failed ? -1 : 0;
    W.root = root;
    W.root_len = root_len;
    W.prefix = pfx;
    W.depth--;
    return rc;
}

static int walk(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)flag;
    const char *rel = path + W.root_len;
    while (*rel == '/')
        rel++;
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s%s%s", W.prefix, *W.prefix && *rel ? "/" : "", rel);
    if (!*name)
        return 0;
    const char *base = path + ftw->base;
    /* version control and kiln's own build output are not part of an app */
    if ((S_ISDIR(sb->st_mode) && strcmp(base, ".git") == 0) ||
        (!*W.prefix && ftw->level == 1 && strcmp(base, ".kiln") == 0))
        return FTW_SKIP_SUBTREE;
    if (S_ISLNK(sb->st_mode)) {
        /* A link that stays inside the app is kept as a link; one that leaves it (a
         * node_modules linked from elsewhere, a workspace package) is replaced by what it
         * points to: the snapshot must stand alone. */
        char real[PATH_MAX];
        struct stat tsb;
        if (realpath(path, real) && stat(real, &tsb) == 0) {
            size_t al = strlen(W.app_real);
            int inside = strncmp(real, W.app_real, al) == 0 && (real[al] == '/' || real[al] == '\0');
            if (!inside) {
                if (S_ISDIR(tsb.st_mode))
                    return add_tree(real, name) == 0 ? FTW_CONTINUE : (W.failed = 1, FTW_STOP);
                if (S_ISREG(tsb.st_mode))
                    return add_file(real, name, &tsb) == 0 ? FTW_CONTINUE : (W.failed = 1, FTW_STOP);
                return FTW_CONTINUE;
            }
        }
    } else if (!S_ISREG(sb->st_mode) && !S_ISDIR(sb->st_mode)) {
        return FTW_CONTINUE; /* sockets, fifos, devices: never part of an app */
    }
    if (add_file(path, name, sb) != 0) {
        W.failed = 1;
        return FTW_STOP;
    }
    return FTW_CONTINUE;
}

int pack_app(const char *app_dir, const manifest_t *m, const char *work_dir, const char *out_path, uint64_t max_bytes,
             uint64_t *bytes)
{
    /* 1. one bundle per handler file */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/functions", work_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "kiln: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < m->n_functions; i++) {
        const manifest_function_t *f = &m->functions[i];
        char out[4400];
        snprintf(out, sizeof out, "%s/%s.cjs", dir, f->file);
        if (access(out, F_OK) == 0)
            continue; /* another function with the same file */
        if (bundle(app_dir, f->resolved_path, out) != 0)
            return -1;
    }
    /* 2. the archive */
    W.ar = archive_write_new();
    W.total = 0;
    W.max = max_bytes;
    W.failed = 0;
    W.depth = 0;
    if (!realpath(app_dir, W.app_real)) {
        fprintf(stderr, "kiln: cannot resolve %s: %s\n", app_dir, strerror(errno));
        archive_write_free(W.ar);
        return -1;
    }
    archive_write_set_format_pax_restricted(W.ar);
    if (archive_write_open_filename(W.ar, out_path) != ARCHIVE_OK) {
        fprintf(stderr, "kiln: cannot write %s: %s\n", out_path, archive_error_string(W.ar));
        archive_write_free(W.ar);
        return -1;
    }
    int rc = add_tree(app_dir, "");
    for (size_t i = 0; rc == 0 && i < m->n_functions; i++) {
        char src[4400], name[4400];
        struct stat sb;
        snprintf(src, sizeof src, "%s/%s.cjs", dir, m->functions[i].file);
        snprintf(name, sizeof name, "%s%s.cjs", SNAPSHOT_FUNCTIONS_DIR, m->functions[i].file);
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= strcmp(m->functions[j].file, m->functions[i].file) == 0;
        if (!dup && (stat(src, &sb) != 0 || add_file(src, name, &sb) != 0))
            rc = -1;
    }
    if (archive_write_close(W.ar) != ARCHIVE_OK)
        rc = -1;
    archive_write_free(W.ar);
    struct stat sb;
    if (rc == 0 && stat(out_path, &sb) == 0)
        *bytes = (uint64_t)sb.st_size;
    return rc;
}
