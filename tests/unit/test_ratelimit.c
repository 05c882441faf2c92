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

/* Keys of any length count (a 40-byte-or-longer key used to be cut and never match again,
 * so its count restarted on every call), and long keys differing only past 95 bytes are
 * still counted apart. */
static void test_long_keys(void **state)
{
    (void)state;
    int64_t t = 1700000180000;
    const char *lens[] = {"kvs:0123456789abcdef0123456789abcdef0123", /* 40 bytes */
                          "kvs:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                          "0123456789abcdef-a",
                          "kvs:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                          "0123456789abcdef-b"};
    for (size_t k = 0; k < 3; k++) {
        for (int i = 0; i < 3; i++)
            assert_true(ratelimit_take(lens[k], 3, t).allowed);
        ratelimit_result_t r = ratelimit_take(lens[k], 3, t);
        assert_false(r.allowed);
        assert_int_equal(r.remaining, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_long_keys),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
