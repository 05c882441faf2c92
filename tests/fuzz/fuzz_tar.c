/* libFuzzer harness for snapshot archives (runtime/unpack.h: what `kiln deploy` uploads
 * and every worker runs): any bytes are checked by unpack_verify, once with no rules but a
 * size limit and once with a manifest.yml and a required file; an archive it accepts is
 * extracted by unpack_extract (which checks again) into a fresh directory, and then:
 * the extraction succeeded, nothing was written beside the destination, the destination
 * holds only regular files, directories and symlinks, every symlink resolves (when it
 * does) inside the destination, and the files' contents add up to at most the total
 * unpack_verify reported. */
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "runtime/unpack.h"

#include "fuzz_util.h"

#define MAX_BYTES (1u << 20)

static const char *root;
static char dest_real[PATH_MAX];
static uint64_t seen_bytes;
static int bad_entry;

static int check_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (S_ISREG(sb->st_mode)) {
        seen_bytes += (uint64_t)sb->st_size;
    } else if (S_ISLNK(sb->st_mode)) {
        char r[PATH_MAX];
        size_t n = strlen(dest_real);
        if (realpath(p, r) && (strncmp(r, dest_real, n) != 0 || (r[n] != '/' && r[n] != '\0')))
            bad_entry = 1; /* a link that reaches out of the snapshot */
    } else if (!S_ISDIR(sb->st_mode) || flag == FTW_DNR) {
        bad_entry = 1;
    }
    return 0;
}

static int root_empty(void)
{
    DIR *d = opendir(root);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return d && n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!root)
        root = fuzz_tmpdir("tar");
    int fd = memfd_create("snapshot", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64], err[512];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    uint64_t total = 0, total2 = 0;
    static const char manifest[] = "app:\n  id: ari:cloud:ecosystem::app/fuzz\n";
    static const char *const required[] = {"index.js"};
    unpack_rules_t with = {MAX_BYTES, manifest, sizeof manifest - 1, required, 1};
    int ok_with = unpack_verify(path, &with, &total2, err, sizeof err) == 0;
    unpack_rules_t plain = {.max_bytes = MAX_BYTES};
    int ok = unpack_verify(path, &plain, &total, err, sizeof err) == 0;
    if (ok_with && (!ok || total != total2)) /* the rules only add checks */
        abort();
    if (!ok && (!err[0] || strchr(err, '\n')))
        abort(); /* a one-line reason */
    if (ok) {
        char dest[128];
        snprintf(dest, sizeof dest, "%s/x", root);
        if (unpack_extract(path, dest, MAX_BYTES, err, sizeof err) != 1)
            abort(); /* verified, so it extracts */
        if (!realpath(dest, dest_real))
            abort();
        seen_bytes = 0;
        bad_entry = 0;
        nftw(dest, check_entry, 16, FTW_PHYS);
        if (bad_entry || seen_bytes > total)
            abort();
        nftw(dest, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    if (!root_empty()) /* nothing was left beside (or instead of) the destination */
        abort();
    close(fd);
    return 0;
}
