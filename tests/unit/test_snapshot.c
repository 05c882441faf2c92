/* Unit tests for version snapshots (src/platform/snapshot.h): chunked uploads (offsets,
 * limits, unknown ids) and the archive checks against hostile tars (path traversal,
 * absolute paths, escaping symlinks, hard links, devices, size, manifest mismatch,
 * missing bundles, not a tar at all). */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "platform/snapshot.h"

static const char manifest[] = "app:\n  id: x\n";

typedef struct {
    char *dir;
    char id[33];
} fx_t;

static int setup(void **state)
{
    fx_t *f = xcalloc(1, sizeof *f);
    char err[256];
    f->dir = unit_tempdir();
    assert_int_equal(snapshot_upload_create(f->dir, f->id, err, sizeof err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

enum { E_FILE, E_DIR, E_LINK, E_HARD, E_FIFO };
struct ent {
    int kind;
    const char *name, *data; /* data: file content or link target */
};

/* Writes a tar of `ents` straight into the upload file. */
static void write_tar(fx_t *f, const struct ent *ents, size_t n)
{
    char path[600];
    snprintf(path, sizeof path, "%s/uploads/%s.part", f->dir, f->id);
    struct archive *ar = archive_write_new();
    archive_write_set_format_pax_restricted(ar);
    assert_int_equal(archive_write_open_filename(ar, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, ents[i].name);
        archive_entry_set_perm(e, 0644);
        switch (ents[i].kind) {
        case E_FILE:
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_size(e, (la_int64_t)strlen(ents[i].data));
            break;
        case E_DIR: archive_entry_set_filetype(e, AE_IFDIR); break;
        case E_LINK:
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, ents[i].data);
            break;
        case E_HARD:
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, ents[i].data);
            break;
        case E_FIFO: archive_entry_set_filetype(e, AE_IFIFO); break;
        }
        assert_int_equal(archive_write_header(ar, e), ARCHIVE_OK);
        if (ents[i].kind == E_FILE)
            archive_write_data(ar, ents[i].data, strlen(ents[i].data));
        archive_entry_free(e);
    }
    archive_write_close(ar);
    archive_write_free(ar);
}

static const char *const bundles[] = {".kiln/functions/index.cjs"};

static int verify(fx_t *f, char *err, size_t errlen)
{
    uint64_t bytes = 0;
    return snapshot_verify(f->dir, f->id, 1u << 20, manifest, strlen(manifest), bundles, 1, &bytes, err, errlen);
}

static void test_good_archive(void **state)
{
    fx_t *f = *state;
    const struct ent ok[] = {
        {E_DIR, "src/", NULL},
        {E_FILE, "manifest.yml", manifest},
        {E_FILE, "./src/index.js", "export function run() {}"},
        {E_LINK, "node_modules/.bin/tool", "../tool/bin.js"},
        {E_FILE, ".kiln/functions/index.cjs", "module.exports = {}"},
    };
    write_tar(f, ok, sizeof ok / sizeof *ok);
    char err[512] = "";
    assert_int_equal(verify(f, err, sizeof err), 0);
    const char *rel;
    arena_t *a = arena_new(1 << 20);
    assert_int_equal(snapshot_commit(a, f->dir, f->id, "app", "development", &rel, err, sizeof err), 0);
    assert_true(unit_contains(rel, "snapshots/app/development/"));
    char path[700];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/uploads/%s.part", f->dir, f->id);
    assert_int_not_equal(access(path, F_OK), 0); /* moved, not copied */
    arena_free(a);
}

static void expect_refused(fx_t *f, const struct ent *ents, size_t n, const char *why)
{
    write_tar(f, ents, n);
    char err[512] = "";
    assert_int_equal(verify(f, err, sizeof err), -1);
    if (!unit_contains(err, why))
        fail_msg("expected \"%s\" in \"%s\"", why, err);
}

#define GOOD                                                                                                           \
    {E_FILE, "manifest.yml", manifest},                                                                                \
    {                                                                                                                  \
        E_FILE, ".kiln/functions/index.cjs", "x"                                                                       \
    }
#define REFUSED(why, ...)                                                                                              \
    do {                                                                                                               \
        const struct ent e_[] = {__VA_ARGS__};                                                                         \
        expect_refused(f, e_, sizeof e_ / sizeof *e_, why);                                                            \
    } while (0)

static void test_hostile_archives(void **state)
{
    fx_t *f = *state;
    REFUSED("unsafe path", GOOD, {E_FILE, "../evil", "x"});
    REFUSED("unsafe path", GOOD, {E_FILE, "src/../../evil", "x"});
    REFUSED("unsafe path", GOOD, {E_FILE, "/etc/passwd", "x"});
    REFUSED("unsafe path", GOOD, {E_FILE, "a\\b", "x"});
    REFUSED("symlink that leaves", GOOD, {E_LINK, "src/l", "../../etc"});
    REFUSED("symlink that leaves", GOOD, {E_LINK, "l", "/etc/passwd"});
    REFUSED("hard link", GOOD, {E_HARD, "h", "manifest.yml"});
    REFUSED("not a file, directory or symlink", GOOD, {E_FIFO, "fifo", NULL});
    REFUSED("no manifest.yml", {E_FILE, ".kiln/functions/index.cjs", "x"});
    REFUSED("not the manifest being deployed", {E_FILE, "manifest.yml", "app:\n  id: y\n"},
            {E_FILE, ".kiln/functions/index.cjs", "x"});
    REFUSED("lacks .kiln/functions/index.cjs", {E_FILE, "manifest.yml", manifest});
    /* symlinks are resolved against the root through the archive's other links: each
     * link of these stays inside on its own, the chain does not */
    REFUSED("symlink that leaves", GOOD, {E_LINK, "a", "."}, {E_LINK, "x", "a/.."});
    REFUSED("symlink that leaves", GOOD, {E_DIR, "d/", NULL}, {E_LINK, "d/up", ".."}, {E_LINK, "y", "d/up/.."});
    REFUSED("symlink that leaves", GOOD, {E_LINK, "p", "q"}, {E_LINK, "q", "p"}); /* a loop */
    REFUSED("symlink that leaves", GOOD, {E_DIR, "s/", NULL}, {E_LINK, "s/l", "../r"}, {E_LINK, "r", "/etc"});
    REFUSED("entry below a symlink", GOOD, {E_LINK, "l", "src"}, {E_DIR, "src/", NULL}, {E_FILE, "l/f", "x"});
    REFUSED("entry below a file", GOOD, {E_FILE, "f", "x"}, {E_FILE, "f/g", "x"});
    REFUSED("twice", GOOD, {E_FILE, "src/a", "x"}, {E_LINK, "src/a", "../etc"});
    REFUSED("unsafe path", GOOD, {E_FILE, "src/./a", "x"});
    REFUSED("unsafe path", GOOD, {E_FILE, "src//a", "x"});
}

/* Links that stay inside, however they get there, are kept. */
static void test_link_chains_inside(void **state)
{
    fx_t *f = *state;
    const struct ent ok[] = {
        GOOD,
        {E_DIR, "a/", NULL},
        {E_DIR, "a/b/", NULL},
        {E_FILE, "a/b/f", "x"},
        {E_LINK, "a/up", ".."},        /* the root itself */
        {E_LINK, "via", "a/up/a/b/f"}, /* through a link to the root */
        {E_LINK, "l1", "l2"},          /* a link to a link to a file */
        {E_LINK, "l2", "a/b/f"},
        {E_LINK, "a/b/dangling", "../nothing"}, /* dangling, but inside */
    };
    write_tar(f, ok, sizeof ok / sizeof *ok);
    char err[512] = "";
    if (verify(f, err, sizeof err) != 0)
        fail_msg("refused: %s", err);
}

static void test_size_limit(void **state)
{
    fx_t *f = *state;
    char *big = xmalloc(300000);
    memset(big, 'a', 299999);
    big[299999] = '\0';
    const struct ent ents[] = {GOOD, {E_FILE, "big1", big}, {E_FILE, "big2", big}};
    write_tar(f, ents, sizeof ents / sizeof *ents);
    char err[512];
    uint64_t bytes;
    assert_int_equal(
        snapshot_verify(f->dir, f->id, 500000, manifest, strlen(manifest), bundles, 1, &bytes, err, sizeof err), -1);
    assert_true(unit_contains(err, "larger than the limit"));
    int rc = snapshot_verify(f->dir, f->id, 1000000, manifest, strlen(manifest), bundles, 1, &bytes, err, sizeof err);
    if (rc != 0)
        fail_msg("refused: %s", err);
    assert_true(bytes >= 600000);
    free(big);
}

static void test_not_a_tar(void **state)
{
    fx_t *f = *state;
    char err[512];
    uint64_t size;
    const char junk[] = "this is not an archive at all, just some bytes that go on for a while............";
    assert_int_equal(snapshot_upload_append(f->dir, f->id, 0, junk, sizeof junk, 1 << 20, &size, err, sizeof err), 0);
    assert_int_equal(verify(f, err, sizeof err), -1);
}

static void test_upload_chunks(void **state)
{
    fx_t *f = *state;
    char err[256];
    uint64_t size = 0;
    assert_int_equal(snapshot_upload_append(f->dir, f->id, 0, "abc", 3, 10, &size, err, sizeof err), 0);
    assert_int_equal(size, 3);
    assert_int_equal(snapshot_upload_append(f->dir, f->id, 0, "abc", 3, 10, &size, err, sizeof err), 409);
    assert_int_equal(snapshot_upload_append(f->dir, f->id, 5, "abc", 3, 10, &size, err, sizeof err), 409);
    assert_int_equal(snapshot_upload_append(f->dir, f->id, 3, "defgh", 5, 10, &size, err, sizeof err), 0);
    assert_int_equal(size, 8);
    assert_int_equal(snapshot_upload_append(f->dir, f->id, 8, "ijk", 3, 10, &size, err, sizeof err), 413);
    assert_true(unit_contains(err, "limit"));
    assert_int_equal(
        snapshot_upload_append(f->dir, "0123456789abcdef0123456789abcdef", 0, "a", 1, 10, &size, err, sizeof err), 404);
    assert_int_equal(snapshot_upload_append(f->dir, "../../etc/passwd", 0, "a", 1, 10, &size, err, sizeof err), 404);
    assert_false(snapshot_upload_id_valid("0123456789ABCDEF0123456789abcdef"));
    assert_false(snapshot_upload_id_valid(""));
    char path[600];
    struct stat sb;
    snprintf(path, sizeof path, "%s/uploads/%s.part", f->dir, f->id);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 8); /* refusals wrote nothing */
    assert_int_equal(sb.st_mode & 0777, 0600);
}

static void test_gc_uploads(void **state)
{
    fx_t *f = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/uploads/%s.part", f->dir, f->id);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    int64_t mtime_ms = (int64_t)sb.st_mtime * 1000;
    assert_int_equal(snapshot_gc_uploads(f->dir, mtime_ms + 1000, 60000), 0); /* fresh: kept */
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(snapshot_gc_uploads(f->dir, mtime_ms + 120000, 60000), 1); /* abandoned: removed */
    assert_int_not_equal(access(path, F_OK), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_good_archive), T(test_hostile_archives), T(test_link_chains_inside), T(test_size_limit),
        T(test_not_a_tar),    T(test_upload_chunks),    T(test_gc_uploads),
    };
    return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
