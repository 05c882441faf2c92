/* Unit tests for the store's shared interface (src/store/store.h) on its SQLite
 * backend, each test on a fresh data dir: opening and migrations, the integrity check,
 * transactions, durability across reopen, several handles, read snapshots. The
 * families have their own: test_store_sites.c, test_store_product.c, and the tests of
 * the modules that use the others (test_install.c, test_kvs.c, ...). */
#include "unit.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "store/store_product.h"
#include "store/store_sites.h"
#include "store_fixture.h"

/* ---- lifecycle ---- */

static void test_open_migrate_idempotent(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char sub[600], err[256];
    snprintf(sub, sizeof sub, "%s/data", dir); /* store_open creates the directory */
    store_t *st = open_migrated(sub);
    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_mode & 077, 0);                          /* private to the owner */
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK); /* twice */
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    int64_t n = -1;
    assert_int_equal(store_site_count(st, &n), STORE_OK);
    assert_int_equal(n, 0);
    char out[256];
    assert_int_equal(store_check(st, out, sizeof out), STORE_OK);
    assert_string_equal(out, "ok");
    store_close(st);
    /* reopening an already migrated store */
    st = open_migrated(sub);
    assert_int_equal(store_site_count(st, &n), STORE_OK);
    assert_int_equal(n, 0);
    store_close(st);
    store_close(NULL);
    unit_rmtree(dir);
}

static void test_open_failure(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char file[600], bad[700], err[256] = "";
    snprintf(file, sizeof file, "%s/plainfile", dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(bad, sizeof bad, "%s/sub", file); /* a directory under a regular file */
    assert_null(store_open(bad, err, sizeof err));
    assert_true(strlen(err) > 0);
    unit_rmtree(dir);
}

static void test_check_ok(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_issue(f, f->A.id, 10000, "one", 1);
    char out[512];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
    assert_string_equal(out, "ok");
}

/* ---- transactions and durability ---- */

static void test_rollback_leaves_nothing(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_begin(f->st), STORE_OK);
    site_rec_t s = {.cloud_id = "55555555-5555-4555-8555-555555555555",
                    .name = "ghost",
                    .admin_account_id = "g",
                    .canary = "c",
                    .created_ms = 1};
    assert_int_equal(store_site_insert(f->st, &s), STORE_OK);
    user_rec_t u = {.account_id = "g",
                    .email = "g@x",
                    .display_name = "G",
                    .account_type = "atlassian",
                    .time_zone = "Etc/UTC",
                    .locale = "en_US",
                    .active = 1};
    assert_int_equal(store_user_insert(f->st, s.id, &u), STORE_OK);
    project_rec_t p = proj(f, f->A.id, "GHOST", "Ghost", "software");
    assert_int_equal(store_project_insert(f->st, s.id, &p), STORE_OK);
    issue_rec_t i = {.project_id = p.id,
                     .summary = "boo",
                     .issuetype_id = 10001,
                     .status_id = 10000,
                     .priority_id = 3,
                     .reporter_account_id = "g",
                     .creator_account_id = "g",
                     .created_ms = 1,
                     .updated_ms = 1};
    assert_int_equal(store_issue_insert(f->st, s.id, &i), STORE_OK);
    unsigned char h[32];
    memset(h, 0x5a, 32);
    assert_int_equal(store_token_insert(f->st, h, s.id, "g"), STORE_OK);
    /* also a row on an existing site, in the same transaction */
    project_rec_t pa = proj(f, f->A.id, "TXA", "In tx", "software");
    assert_int_equal(store_project_insert(f->st, f->A.id, &pa), STORE_OK);
    store_rollback(f->st);

    site_rec_t got;
    assert_int_equal(store_site_by_name(f->st, f->a, "ghost", &got), STORE_NOTFOUND);
    assert_int_equal(store_site_by_id(f->st, f->a, s.id, &got), STORE_NOTFOUND);
    int64_t n = 0;
    assert_int_equal(store_site_count(f->st, &n), STORE_OK);
    assert_int_equal(n, 2);
    user_rec_t ug;
    assert_int_equal(store_user_get(f->st, f->a, s.id, "g", &ug), STORE_NOTFOUND);
    project_rec_t pg;
    assert_int_equal(store_project_by_key(f->st, f->a, s.id, "GHOST", &pg), STORE_NOTFOUND);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "TXA", &pg), STORE_NOTFOUND);
    int64_t site;
    const char *acct;
    assert_int_equal(store_token_lookup(f->st, f->a, h, &site, &acct), STORE_NOTFOUND);
    /* the id sequence was rolled back too */
    assert_int_equal(add_project(f, f->A.id, "AFTER", "After", "software"), 10000);
    char out[256];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
}

static void test_commit_keeps_all(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_begin(f->st), STORE_OK);
    project_rec_t p1 = proj(f, f->A.id, "ONE", "One", "software");
    project_rec_t p2 = proj(f, f->A.id, "TWO", "Two", "software");
    assert_int_equal(store_project_insert(f->st, f->A.id, &p1), STORE_OK);
    assert_int_equal(store_project_insert(f->st, f->A.id, &p2), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    page_t pg = search(f, f->A.id, (project_filter_t){.max_results = 50});
    assert_string_equal(keys_of(f, &pg), "ONE,TWO");
    /* a read snapshot */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    project_rec_t got;
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "TWO", &got), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(got.id, 10001);
}

static void test_reopen_persists(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_issue(f, f->A.id, 10001, "persisted", 42);
    unsigned char h[32];
    memset(h, 0x77, 32);
    assert_int_equal(store_token_insert(f->st, h, f->A.id, f->A.admin_account_id), STORE_OK);
    store_close(f->st);
    f->st = open_migrated(f->dir);

    site_rec_t s;
    assert_int_equal(store_site_by_name(f->st, f->a, "alpha", &s), STORE_OK);
    assert_int_equal(s.id, f->A.id);
    assert_string_equal(s.canary, "kiln-canary-alpha");
    project_rec_t p;
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "MKT", &p), STORE_OK);
    assert_int_equal(p.id, 10001);
    issue_rec_t is;
    const char *pkey;
    assert_int_equal(store_issue_by_key(f->st, f->a, f->A.id, "MKT", 1, &is, &pkey), STORE_OK);
    assert_string_equal(is.summary, "persisted");
    int64_t site;
    const char *acct;
    assert_int_equal(store_token_lookup(f->st, f->a, h, &site, &acct), STORE_OK);
    assert_int_equal(site, f->A.id);
    /* sequences continue where they were */
    assert_int_equal(add_project(f, f->A.id, "NEW", "New", "software"), 10004);
    issue_rec_t next = add_issue(f, f->A.id, 10001, "next", 43);
    assert_int_equal(next.id, 10001);
    assert_int_equal(next.num, 2);
}

static void test_two_handles(void **state)
{
    fx_t *f = *state;
    store_t *other = open_migrated(f->dir); /* as a second HTTP thread would */
    add_project(f, f->A.id, "SEEN", "Seen elsewhere", "business");
    project_rec_t p;
    assert_int_equal(store_project_by_key(other, f->a, f->A.id, "SEEN", &p), STORE_OK);
    project_rec_t q = proj(f, f->A.id, "OTHER", "From the other handle", "software");
    assert_int_equal(store_project_insert(other, f->A.id, &q), STORE_OK);
    assert_int_equal(q.id, 10001);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "OTHER", &p), STORE_OK);
    store_close(other);
}

/* ---- read snapshots ---- */

static void test_read_snapshot_consistent(void **state)
{
    fx_t *f = *state;
    store_t *other = open_migrated(f->dir);
    project_rec_t p;
    /* a read transaction sees one snapshot: a write committed meanwhile by another
     * handle is not visible inside it... */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "SNAP", &p), STORE_NOTFOUND);
    project_rec_t q = proj(f, f->A.id, "SNAP", "Snapshot", "software");
    assert_int_equal(store_project_insert(other, f->A.id, &q), STORE_OK);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "SNAP", &p), STORE_NOTFOUND);
    assert_int_equal(store_commit(f->st), STORE_OK);
    /* ...and the next read includes every write acknowledged before it started */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "SNAP", &p), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    /* also without a read transaction */
    project_rec_t r = proj(f, f->A.id, "SNAP2", "Snapshot 2", "software");
    assert_int_equal(store_project_insert(other, f->A.id, &r), STORE_OK);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "SNAP2", &p), STORE_OK);
    store_close(other);
}

static void test_read_your_writes(void **state)
{
    fx_t *f = *state;
    store_t *other = open_migrated(f->dir);
    project_rec_t p;
    for (int i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof key, "RW%d", i);
        /* a snapshot kept from the previous read must not hide a write acknowledged since,
         * whichever handle made it */
        assert_int_equal(store_begin_read(f->st), STORE_OK);
        assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, key, &p), STORE_NOTFOUND);
        assert_int_equal(store_commit(f->st), STORE_OK);
        project_rec_t q = proj(f, f->A.id, key, "Read your writes", "software");
        assert_int_equal(store_project_insert(i % 2 ? f->st : other, f->A.id, &q), STORE_OK);
        assert_int_equal(store_begin_read(f->st), STORE_OK);
        assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, key, &p), STORE_OK);
        page_t pg = search(f, f->A.id, (project_filter_t){.max_results = 0});
        assert_int_equal(pg.total, i + 1);
        assert_int_equal(store_commit(f->st), STORE_OK);
        /* the other handle too */
        assert_int_equal(store_begin_read(other), STORE_OK);
        assert_int_equal(store_project_by_key(other, f->a, f->A.id, key, &p), STORE_OK);
        assert_int_equal(store_commit(other), STORE_OK);
    }
    /* a site created and a token minted are visible to the next read at once */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    int64_t n = 0;
    assert_int_equal(store_site_count(f->st, &n), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    site_rec_t s = {
        .cloud_id = "66666666-6666-4666-8666-666666666666", .name = "late", .admin_account_id = "l", .canary = "c"};
    assert_int_equal(store_site_insert(other, &s), STORE_OK);
    unsigned char h[32];
    memset(h, 0x66, 32);
    assert_int_equal(store_token_insert(other, h, s.id, "l"), STORE_OK);
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    site_rec_t got;
    assert_int_equal(store_site_by_name(f->st, f->a, "late", &got), STORE_OK);
    int64_t site;
    const char *acct;
    assert_int_equal(store_token_lookup(f->st, f->a, h, &site, &acct), STORE_OK);
    assert_int_equal(site, s.id);
    assert_int_equal(store_commit(f->st), STORE_OK);
    store_close(other);
}

static void test_read_does_not_nest(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_begin_read(f->st), STORE_ERROR);
    assert_int_equal(store_commit(f->st), STORE_OK);
    /* a read cannot start inside a write transaction either */
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_begin_read(f->st), STORE_ERROR);
    store_rollback(f->st);
    /* a read ended by rollback */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    site_rec_t s;
    assert_int_equal(store_site_by_name(f->st, f->a, "alpha", &s), STORE_OK);
    store_rollback(f->st);
    store_idle(f->st);
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_site_by_name(f->st, f->a, "bravo", &s), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    char out[64];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
}

static void test_outside_writer_seen_after_idle(void **state)
{
    fx_t *f = *state;
    /* a writer outside this process (here: a raw SQLite connection) */
    char path[600];
    snprintf(path, sizeof path, "%s/kiln.db", f->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    site_rec_t s;
    assert_int_equal(store_site_by_name(f->st, f->a, "outside", &s), STORE_NOTFOUND);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO sites (cloud_id, name, admin_account_id, canary, created_ms) "
                                  "VALUES ('77777777-7777-4777-8777-777777777777', 'outside', 'o', 'c', 1)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    /* seen once the kept snapshot has aged out (store.h: a backend may keep it) */
    sleep_ms(150);
    store_idle(f->st);
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_site_by_name(f->st, f->a, "outside", &s), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_migrate_idempotent),
        cmocka_unit_test(test_open_failure),
        T(test_check_ok),
        T(test_rollback_leaves_nothing),
        T(test_commit_keeps_all),
        T(test_reopen_persists),
        T(test_two_handles),
        T(test_read_snapshot_consistent),
        T(test_read_your_writes),
        T(test_read_does_not_nest),
        T(test_outside_writer_seen_after_idle),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
