/* Unit tests for the generations other nodes move (src/store/changes.c, store.h "several
 * nodes"): a notification "<kind> <site>" moves exactly the generation of its kind; one
 * that is not well-formed (unknown kind, no site, a site that is not digits or too long,
 * extra words) moves nothing; store_change_all moves every one; a write noted on a
 * SQLite handle moves its generation and sends nothing (no notify op). The projects
 * generation is per site: a write or notification naming a site moves that site's and no
 * other's (but one sharing its slot), one naming no site moves every site's, and a write
 * made in a transaction moves it again when the transaction ends. */
#include "unit.h"

#include <string.h>

#include "store/store.h"
#include "store/store_backend.h"
#include "store/store_sites.h"

typedef struct gens {
    uint64_t auth, installs, keys;
} gens_t;

static gens_t now(void)
{
    return (gens_t){store_auth_gen(), store_installs_gen(), store_keys_gen()};
}

static void test_heard(void **state)
{
    (void)state;
    static const struct {
        const char *payload;
        int rc;
        int auth, installs, keys; /* how much each moves */
    } cases[] = {
        {"auth 0", 0, 1, 0, 0},
        {"auth 42", 0, 1, 0, 0},
        {"installs 7", 0, 0, 1, 0},
        {"keys 0", 0, 0, 0, 1},
        {"keys 9223372036854775807", 0, 0, 0, 1},
        {"auth", -1, 0, 0, 0},
        {"auth ", -1, 0, 0, 0},
        {"auth -1", -1, 0, 0, 0},
        {"auth 1 2", -1, 0, 0, 0},
        {"auth 1;", -1, 0, 0, 0},
        {"auth 12345678901234567890", -1, 0, 0, 0},
        {"authx 1", -1, 0, 0, 0},
        {"aut 1", -1, 0, 0, 0},
        {"AUTH 1", -1, 0, 0, 0},
        {" 1", -1, 0, 0, 0},
        {"", -1, 0, 0, 0},
        {"sessions 1", -1, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gens_t g0 = now();
        assert_int_equal(store_change_heard(cases[i].payload), cases[i].rc);
        gens_t g1 = now();
        assert_int_equal(g1.auth - g0.auth, cases[i].auth);
        assert_int_equal(g1.installs - g0.installs, cases[i].installs);
        assert_int_equal(g1.keys - g0.keys, cases[i].keys);
    }
    assert_int_equal(store_change_heard(NULL), -1);
}

static void test_all(void **state)
{
    (void)state;
    gens_t g0 = now();
    uint64_t p0 = store_projects_gen(5), e0 = store_projects_epoch();
    store_change_all();
    gens_t g1 = now();
    assert_true(g1.auth > g0.auth && g1.installs > g0.installs && g1.keys > g0.keys);
    assert_true(store_projects_gen(5) > p0);
    assert_true(store_projects_epoch() > e0);
    e0 = store_projects_epoch();
    store_projects_settled(9); /* one site's move moves the epoch too */
    assert_true(store_projects_epoch() > e0);
}

/* Which sites' projects generations a notification moves. */
static void test_projects_heard(void **state)
{
    (void)state;
    static const struct {
        const char *payload;
        int rc;
        int s5, s6, s5_slot; /* site 5, site 6, site 5 + STORE_SITE_GEN_SLOTS moved? */
    } cases[] = {
        {"projects 5", 0, 1, 0, 1},    {"projects 6", 0, 0, 1, 0},
        {"projects 0", 0, 1, 1, 1}, /* no site named: every site */
        {"projects 1029", 0, 1, 0, 1}, {"projects -5", -1, 0, 0, 0},
        {"projects 5x", -1, 0, 0, 0},  {"projects", -1, 0, 0, 0},
        {"auth 5", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint64_t a = store_projects_gen(5), b = store_projects_gen(6), c = store_projects_gen(5 + STORE_SITE_GEN_SLOTS);
        uint64_t e = store_projects_epoch();
        assert_int_equal(store_change_heard(cases[i].payload), cases[i].rc);
        /* the epoch moves whenever any site's generation does (and only then) */
        assert_int_equal(store_projects_epoch() != e, cases[i].s5 || cases[i].s6 || cases[i].s5_slot);
        assert_int_equal(store_projects_gen(5) != a, cases[i].s5);
        assert_int_equal(store_projects_gen(6) != b, cases[i].s6);
        assert_int_equal(store_projects_gen(5 + STORE_SITE_GEN_SLOTS) != c, cases[i].s5_slot);
    }
}

/* A project write on a handle: its site's generation moves at once, and again when the
 * transaction that made it ends (a reader that cached the old rows meanwhile misses). */
static void test_projects_local(void **state)
{
    (void)state;
    char dir[] = "/tmp/kiln-test-changes-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char err[256];
    store_t *st = store_open(dir, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    uint64_t a = store_projects_gen(7), b = store_projects_gen(8);
    assert_int_equal(store_begin(st), STORE_OK);
    store_note_projects(st, 7);
    uint64_t mid = store_projects_gen(7);
    assert_true(mid > a);
    assert_int_equal(store_projects_gen(8), b);
    assert_int_equal(store_commit(st), STORE_OK);
    assert_true(store_projects_gen(7) > mid); /* the second move, at the end */
    assert_int_equal(store_projects_gen(8), b);
    /* two sites in one transaction: both move again at its end (every site does) */
    assert_int_equal(store_begin(st), STORE_OK);
    store_note_projects(st, 7);
    store_note_projects(st, 8);
    uint64_t m7 = store_projects_gen(7), m8 = store_projects_gen(8);
    store_rollback(st);
    assert_true(store_projects_gen(7) > m7 && store_projects_gen(8) > m8);
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_local_write_on_sqlite(void **state)
{
    (void)state;
    char dir[] = "/tmp/kiln-test-changes-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char err[256];
    store_t *st = store_open(dir, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    assert_null(st->be->notify); /* one process: nobody to tell */
    gens_t g0 = now();
    store_note_auth(st, 3);
    store_note_keys(st);
    gens_t g1 = now();
    assert_int_equal(g1.auth - g0.auth, 1);
    assert_int_equal(g1.keys - g0.keys, 1);
    assert_int_equal(g1.installs, g0.installs);
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heard),
        cmocka_unit_test(test_all),
        cmocka_unit_test(test_projects_heard),
        cmocka_unit_test(test_projects_local),
        cmocka_unit_test(test_local_write_on_sqlite),
    };
    return cmocka_run_group_tests_name("changes", tests, NULL, NULL);
}
