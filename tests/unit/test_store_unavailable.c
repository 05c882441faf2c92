/* STORE_UNAVAILABLE (store.h): the store cannot be reached now.
 *
 * - SQLite returns it, and notes it for the thread, where it honestly applies: another
 *   process holds the database's write lock past the busy timeout (here: the sqlite3
 *   library's own connection with BEGIN EXCLUSIVE, as `sqlite3 DATA/kiln.db` would); the
 *   same write succeeds once the lock is gone;
 * - the HTTP mapping (http/reply.h): what a failed lookup can cause (401, 403, 404, 5xx)
 *   becomes 503, what bad input causes stays. The e2e test store_unavailable.test.mjs
 *   sees the 503 with Retry-After over HTTP. */
#include <sqlite3.h>

#include "base/clock.h"
#include "http/reply.h"
#include "store/store.h"
#include "store_fixture.h"
#include "unit.h"

static void test_mapping(void **state)
{
    (void)state;
    static const int same[] = {200, 201, 204, 400, 405, 409, 413, 415, 429, 503};
    static const int away[] = {401, 403, 404, 500, 502, 504};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++)
        assert_int_equal(reply_store_status(same[i]), same[i]);
    for (size_t i = 0; i < sizeof away / sizeof *away; i++)
        assert_int_equal(reply_store_status(away[i]), 503);
}

static void test_sqlite_busy(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    store_t *st = open_migrated(dir);
    char path[600];
    snprintf(path, sizeof path, "%s/kiln.db", dir);
    sqlite3 *other;
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);

    uint64_t seen = store_unavailable_count();
    uint64_t t0 = clock_mono_ns();
    assert_int_equal(store_begin(st), STORE_UNAVAILABLE);
    uint64_t took_ms = (clock_mono_ns() - t0) / 1000000u;
    assert_true(took_ms >= 4500 && took_ms < 9000); /* the busy timeout, 5 s */
    assert_int_equal(store_unavailable_count(), seen + 1);

    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    assert_int_equal(store_begin(st), STORE_OK);
    assert_int_equal(store_commit(st), STORE_OK);
    assert_int_equal(store_unavailable_count(), seen + 1);
    store_close(st);
    unit_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping),
        cmocka_unit_test(test_sqlite_busy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
