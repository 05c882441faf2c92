/* Unit tests for the generations other nodes move (src/store/changes.c, store.h "several
 * nodes"): a notification "<kind> <site>" moves exactly the generation of its kind; one
 * that is not well-formed (unknown kind, no site, a site that is not digits or too long,
 * extra words) moves nothing; store_change_all moves every one; a write noted on a
 * SQLite handle moves its generation and sends nothing (no notify op). */
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
    store_change_all();
    gens_t g1 = now();
    assert_true(g1.auth > g0.auth && g1.installs > g0.installs && g1.keys > g0.keys);
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
        cmocka_unit_test(test_local_write_on_sqlite),
    };
    return cmocka_run_group_tests_name("changes", tests, NULL, NULL);
}
