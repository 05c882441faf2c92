/* Unit tests for snapshot extraction (src/runtime/unpack.h): the same reader checks and
 * extracts, so a gzip snapshot that deploy accepts is one a worker can run; what is
 * extracted is readable by a sandboxed worker's uid and writable by nobody else; a
 * hostile archive leaves nothing behind; an existing extraction is kept. */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <sys/stat.h>

#include "runtime/unpack.h"

enum { E_FILE, E_DIR, E_LINK };
struct ent {
    int kind;
    const char *name, *data;
    int mode;
};

static void write_archive(const char *path, int gzip, const struct ent *ents, size_t n)
{
    struct archive *ar = archive_write_new();
    archive_write_set_format_pax_restricted(ar);
    if (gzip)
        archive_write_add_filter_gzip(ar);
    assert_int_equal(archive_write_open_filename(ar, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, ents[i].name);
        archive_entry_set_perm(e, ents[i].mode ? ents[i].mode : 0600);
        if (ents[i].kind == E_FILE) {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_size(e, (la_int64_t)strlen(ents[i].data));
        } else if (ents[i].kind == E_DIR) {
            archive_entry_set_filetype(e, AE_IFDIR);
        } else {
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, ents[i].data);
        }
        assert_int_equal(archive_write_header(ar, e), ARCHIVE_OK);
        if (ents[i].kind == E_FILE)
            archive_write_data(ar, ents[i].data, strlen(ents[i].data));
        archive_entry_free(e);
    }
    archive_write_close(ar);
    archive_write_free(ar);
}

static int mode_of(const char *path)
{
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    return (int)(sb.st_mode & 07777);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *s = xcalloc(1, 4096);
    size_t n = fread(s, 1, 4095, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Entries in dir other than `keep` (what a failed extraction left behind). */
static int others(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, keep))
            n++;
    if (d)
        closedir(d);
    return n;
}

static void test_gzip_end_to_end(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char tar[600], dest[600], path[700];
    snprintf(tar, sizeof tar, "%s/snap.tar", dir);
    snprintf(dest, sizeof dest, "%s/out/app/v1", dir);
    const struct ent ents[] = {
        {E_FILE, "manifest.yml", "app: {}\n", 0600},
        {E_FILE, ".kiln/functions/index.cjs", "module.exports={}", 0600}, /* .kiln has no entry of its own */
        {E_FILE, "bin/tool", "#!/bin/sh\n", 0700},
        {E_LINK, "link", ".kiln/functions/index.cjs", 0},
    };
    write_archive(tar, 1, ents, sizeof ents / sizeof *ents);
    char err[512] = "";
    uint64_t bytes = 0;
    unpack_rules_t rules = {.max_bytes = 1 << 20, .manifest = "app: {}\n", .manifest_len = 8};
    if (unpack_verify(tar, &rules, &bytes, err, sizeof err) != 0)
        fail_msg("verify: %s", err);
    assert_int_equal(unpack_extract(tar, dest, 1 << 20, err, sizeof err), 1);
    snprintf(path, sizeof path, "%s/.kiln/functions/index.cjs", dest);
    char *s = slurp(path);
    assert_string_equal(s, "module.exports={}");
    free(s);
    /* readable by any uid (the sandbox's), writable by kiln only */
    assert_int_equal(mode_of(dest), 0755);
    snprintf(path, sizeof path, "%s/.kiln", dest);
    assert_int_equal(mode_of(path), 0755);
    snprintf(path, sizeof path, "%s/manifest.yml", dest);
    assert_int_equal(mode_of(path), 0644);
    snprintf(path, sizeof path, "%s/bin/tool", dest);
    assert_int_equal(mode_of(path), 0755);
    snprintf(path, sizeof path, "%s/link", dest);
    char target[256] = "";
    assert_true(readlink(path, target, sizeof target - 1) > 0);
    assert_string_equal(target, ".kiln/functions/index.cjs");
    /* there already: kept, not redone */
    assert_int_equal(unpack_extract(tar, dest, 1 << 20, err, sizeof err), 0);
    unit_rmtree(dir);
}

static void test_hostile_leaves_nothing(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char tar[600], dest[700], parent[600];
    snprintf(tar, sizeof tar, "%s/snap.tar", dir);
    snprintf(parent, sizeof parent, "%s/out", dir);
    snprintf(dest, sizeof dest, "%s/v1", parent);
    /* each link alone stays inside; the chain leaves: extraction refuses it whole */
    const struct ent ents[] = {
        {E_FILE, "manifest.yml", "x", 0600},
        {E_LINK, "a", ".", 0},
        {E_LINK, "x", "a/..", 0},
    };
    write_archive(tar, 0, ents, sizeof ents / sizeof *ents);
    char err[512] = "";
    assert_int_equal(unpack_extract(tar, dest, 1 << 20, err, sizeof err), -1);
    assert_true(unit_contains(err, "symlink that leaves"));
    assert_int_not_equal(access(dest, F_OK), 0);
    assert_int_equal(others(parent, "-"), 0); /* no temporary directory either */
    /* over the size limit: refused before anything is written */
    const struct ent big[] = {{E_FILE, "f", "0123456789", 0600}};
    write_archive(tar, 0, big, 1);
    assert_int_equal(unpack_extract(tar, dest, 5, err, sizeof err), -1);
    assert_true(unit_contains(err, "larger than the limit"));
    assert_int_equal(others(parent, "-"), 0);
    unit_rmtree(dir);
}

/* A V7 tar archive of one empty entry `name` (a directory when it ends in '/'), written byte by byte (libarchive's
 * writer will not write an absolute name as tar readers meet it). */
static void write_raw_tar(const char *path, const char *name)
{
    unsigned char blk[512 * 4] = {0};
    memcpy(blk, name, strlen(name));
    memcpy(blk + 100, "0000644", 7);
    memcpy(blk + 108, "0000000", 7);
    memcpy(blk + 116, "0000000", 7);
    memcpy(blk + 124, "00000000000", 11);
    memcpy(blk + 136, "00000000000", 11);
    blk[156] = '0';
    memset(blk + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += blk[i];
    snprintf((char *)blk + 148, 8, "%06o", sum);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(blk, 1, sizeof blk, f), sizeof blk);
    fclose(f);
}

/* What deploy accepts, the runtime extracts: an absolute name is refused by both (found by
 * tests/fuzz/fuzz_tar.c: a file named "/" was skipped as the root by the check and refused
 * by the extraction, so a version deployed fine and never ran). */
static void test_verify_refuses_what_extract_would(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char tar[600], dest[700], err[512] = "";
    snprintf(tar, sizeof tar, "%s/snap.tar", dir);
    snprintf(dest, sizeof dest, "%s/v1", dir);
    static const char *const names[] = {"/", "//", "/abs.js"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        write_raw_tar(tar, names[i]);
        unpack_rules_t rules = {.max_bytes = 1 << 20};
        uint64_t bytes;
        assert_int_equal(unpack_verify(tar, &rules, &bytes, err, sizeof err), -1);
        assert_true(unit_contains(err, "unsafe path"));
        assert_int_equal(unpack_extract(tar, dest, 1 << 20, err, sizeof err), -1);
    }
    /* the root as a directory ("./"), as tar writes it, is fine */
    const struct ent root[] = {{E_DIR, "./", NULL, 0755}, {E_FILE, "./index.js", "1", 0600}};
    write_archive(tar, 0, root, 2);
    assert_int_equal(unpack_extract(tar, dest, 1 << 20, err, sizeof err), 1);
    unit_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_end_to_end),
        cmocka_unit_test(test_hostile_leaves_nothing),
        cmocka_unit_test(test_verify_refuses_what_extract_would),
    };
    return cmocka_run_group_tests_name("unpack", tests, NULL, NULL);
}
