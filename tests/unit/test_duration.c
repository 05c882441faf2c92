/* Unit tests for src/product/duration.h: Jira's "1w 2d 3h 30m" durations (1w = 5d,
 * 1d = 8h), read and written. */
#include "unit.h"

#include "product/duration.h"

static void test_duration_parse_table(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
        int64_t seconds;
    } cases[] = {
        {"1h", 1, 3600},
        {"1h 30m", 1, 5400},
        {"30m", 1, 1800},
        {"1d", 1, 8 * 3600},
        {"1w", 1, 5 * 8 * 3600},
        {"1w 2d 3h 4m", 1, (5 * 8 + 2 * 8 + 3) * 3600 + 240},
        {"2D 1H", 1, 17 * 3600},
        {"1.5h", 1, 5400},
        {"0.25d", 1, 2 * 3600},
        {"45", 1, 45 * 60}, /* a bare number is minutes */
        {"  1h   5m ", 1, 3900},
        {"0m", 1, 0},
        {"", 0, 0},
        {"   ", 0, 0},
        {"h", 0, 0},
        {"1x", 0, 0},
        {"1hh", 0, 0},
        {"1h 2h", 0, 0}, /* a unit twice */
        {"-1h", 0, 0},
        {"1.h", 0, 0},
        {".5h", 0, 0},
        {"1.2345h", 0, 0},
        {"1h30m", 0, 0}, /* Jira wants the space */
        {"9999999999w", 0, 0},
        {"100000w", 0, 0},                                                           /* past a century */
        {"1h 1234567890123456789012345678901234567890123456789012345678901m", 0, 0}, /* too long */
        {"5200w", 1, 5200LL * 5 * 8 * 3600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t s = -7;
        int rc = duration_parse(cases[i].s, &s);
        if ((rc == 0) != cases[i].ok)
            fail_msg("duration_parse(\"%s\") = %d, want %s", cases[i].s, rc, cases[i].ok ? "ok" : "error");
        if (cases[i].ok && s != cases[i].seconds)
            fail_msg("duration_parse(\"%s\") = %lld s, want %lld", cases[i].s, (long long)s,
                     (long long)cases[i].seconds);
    }
    int64_t s;
    assert_int_equal(duration_parse(NULL, &s), -1);
}

static void test_duration_format(void **state)
{
    (void)state;
    static const struct {
        int64_t s;
        const char *want;
    } cases[] = {
        {0, "0m"},
        {59, "0m"},
        {60, "1m"},
        {3600, "1h"},
        {5400, "1h 30m"},
        {8 * 3600, "1d"},
        {40 * 3600, "1w"},
        {(40 + 16 + 3) * 3600 + 240, "1w 2d 3h 4m"},
        {41 * 3600, "1w 1h"},
        {-5, "0m"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_string_equal(duration_format(cases[i].s, buf, sizeof buf), cases[i].want);
    /* what it writes, it reads back */
    for (int64_t v = 0; v < 200 * 3600; v += 1380) {
        int64_t back;
        assert_int_equal(duration_parse(duration_format(v, buf, sizeof buf), &back), 0);
        assert_int_equal(back, v / 60 * 60);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_parse_table),
        cmocka_unit_test(test_duration_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
