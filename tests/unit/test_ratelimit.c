/* Unit tests for per-key rate limits (src/gateway/ratelimit.h): the limit per window,
 * remaining counts, keys counted apart, the next window starting afresh. */
#include "unit.h"

#include "gateway/ratelimit.h"

static void test_window(void **state)
{
    (void)state;
    int64_t t = 28333334LL * 60000; /* a window boundary */
    for (unsigned i = 0; i < 5; i++) {
        ratelimit_result_t r = ratelimit_take("inst-a", 5, t + i);
        assert_true(r.allowed);
        assert_int_equal(r.limit, 5);
        assert_int_equal(r.remaining, 4 - i);
        assert_int_equal(r.reset_s, (t + 60000) / 1000);
    }
    ratelimit_result_t r = ratelimit_take("inst-a", 5, t + 10);
    assert_false(r.allowed);
    assert_int_equal(r.remaining, 0);
    /* another key has its own budget */
    assert_true(ratelimit_take("inst-b", 5, t + 11).allowed);
    /* the next window starts afresh */
    r = ratelimit_take("inst-a", 5, t + 60000);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 4);
}

static void test_many_keys(void **state)
{
    (void)state;
    int64_t t = 1700000120000;
    for (int k = 0; k < 2000; k++) {
        char key[40];
        snprintf(key, sizeof key, "key-%d", k);
        assert_true(ratelimit_take(key, 2, t).allowed);
        assert_true(ratelimit_take(key, 2, t).allowed);
        assert_false(ratelimit_take(key, 2, t).allowed);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_many_keys),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
