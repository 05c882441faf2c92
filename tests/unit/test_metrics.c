/* Unit tests for src/http/metrics.h: route ids, counters per (route, status), summing of
 * several threads' tables, and a histogram whose buckets are cumulative with +Inf equal
 * to _count. */
#include "unit.h"

#include "base/clock.h"
#include "http/metrics.h"

static unsigned R_A, R_B;

static int group_setup(void **state)
{
    (void)state;
    R_A = metrics_route_id("unit GET /a");
    R_B = metrics_route_id("unit POST /b");
    return 0;
}

/* Renders n tables into a fresh heap string (caller frees). */
static char *render(metrics_t *const *all, unsigned n)
{
    buf_t b;
    buf_init(&b, 1u << 20);
    metrics_render(&b, all, n);
    char *s = xstrdup(b.ptr ? b.ptr : "");
    buf_free(&b);
    return s;
}

/* The value on the line that starts with `prefix` followed by a space; -1 if no line. */
static double value_of(const char *text, const char *prefix)
{
    size_t pl = strlen(prefix);
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (strncmp(p, prefix, pl) == 0 && p[pl] == ' ')
            return strtod(p + pl + 1, NULL);
        p = eol ? eol + 1 : NULL;
    }
    return -1;
}

static int has_line(const char *text, const char *line)
{
    char *want = xmalloc(strlen(line) + 3);
    sprintf(want, "\n%s\n", line);
    int found = strstr(text, want) != NULL;
    free(want);
    return found;
}

static void test_route_id(void **state)
{
    (void)state;
    assert_int_not_equal(R_A, 0);
    assert_int_not_equal(R_B, 0);
    assert_int_not_equal(R_A, R_B);
    assert_int_equal(metrics_route_id("unit GET /a"), R_A); /* idempotent */
    char copy[] = "unit GET /a";                            /* by content, not pointer */
    assert_int_equal(metrics_route_id(copy), R_A);
    assert_int_equal(metrics_route_id("unmatched"), 0);
    assert_true(R_A < METRICS_MAX_ROUTES);
    assert_true(R_B < METRICS_MAX_ROUTES);
}

static void test_counters(void **state)
{
    (void)state;
    metrics_t *m = metrics_new();
    uint64_t now = clock_mono_ns();
    for (int i = 0; i < 3; i++)
        metrics_observe(m, R_A, 200, now);
    metrics_observe(m, R_A, 404, now);
    metrics_observe(m, R_B, 201, now);
    metrics_observe(m, R_B, 418, now); /* not a counted status: "other" */
    metrics_observe(m, R_B, -1, now);
    metrics_observe(m, 0, 404, now);      /* unmatched */
    metrics_observe(m, 9999, 400, now);   /* an id out of range counts as unmatched */
    metrics_observe(NULL, R_A, 200, now); /* no table: a no-op */
    metrics_t *all[] = {m};
    char *t = render(all, 1);
    assert_true(has_line(t, "kiln_http_requests_total{route=\"unit GET /a\",status=\"200\"} 3"));
    assert_true(has_line(t, "kiln_http_requests_total{route=\"unit GET /a\",status=\"404\"} 1"));
    assert_true(has_line(t, "kiln_http_requests_total{route=\"unit POST /b\",status=\"201\"} 1"));
    assert_true(has_line(t, "kiln_http_requests_total{route=\"unit POST /b\",status=\"other\"} 2"));
    assert_true(has_line(t, "kiln_http_requests_total{route=\"unmatched\",status=\"404\"} 1"));
    assert_true(has_line(t, "kiln_http_requests_total{route=\"unmatched\",status=\"400\"} 1"));
    /* zero counters are not printed */
    assert_false(unit_contains(t, "route=\"unit GET /a\",status=\"500\""));
    assert_false(unit_contains(t, "route=\"unit POST /b\",status=\"200\""));
    assert_true(unit_contains(t, "# TYPE kiln_http_requests_total counter\n"));
    assert_true(unit_contains(t, "# TYPE kiln_http_request_duration_seconds histogram\n"));
    assert_true(value_of(t, "kiln_http_request_duration_seconds_count") == 9);
    free(t);
    metrics_free(m);
}

static void test_sum_of_tables(void **state)
{
    (void)state;
    metrics_t *m1 = metrics_new(), *m2 = metrics_new(), *m3 = metrics_new();
    uint64_t now = clock_mono_ns();
    metrics_observe(m1, R_A, 200, now);
    metrics_observe(m2, R_A, 200, now);
    metrics_observe(m2, R_A, 200, now);
    metrics_observe(m3, R_B, 500, now);
    metrics_t *all[] = {m1, m2, m3};
    char *t = render(all, 3);
    assert_true(has_line(t, "kiln_http_requests_total{route=\"unit GET /a\",status=\"200\"} 3"));
    assert_true(has_line(t, "kiln_http_requests_total{route=\"unit POST /b\",status=\"500\"} 1"));
    assert_true(value_of(t, "kiln_http_request_duration_seconds_count") == 4);
    assert_true(value_of(t, "kiln_http_request_duration_seconds_bucket{le=\"+Inf\"}") == 4);
    free(t);
    /* only the tables passed are summed */
    t = render(all, 1);
    assert_true(has_line(t, "kiln_http_requests_total{route=\"unit GET /a\",status=\"200\"} 1"));
    assert_false(unit_contains(t, "status=\"500\""));
    free(t);
    metrics_free(m1);
    metrics_free(m2);
    metrics_free(m3);
}

static void test_histogram_cumulative(void **state)
{
    (void)state;
    metrics_t *m = metrics_new();
    uint64_t now = clock_mono_ns();
    metrics_observe(m, R_A, 200, now);                 /* ~0 */
    metrics_observe(m, R_A, 200, now);                 /* ~0 */
    metrics_observe(m, R_A, 200, now - 3000000);       /* >= 3 ms */
    metrics_observe(m, R_A, 200, now - 200000000);     /* >= 200 ms */
    metrics_observe(m, R_A, 200, now - 2000000000ull); /* >= 2 s: only +Inf */
    metrics_t *all[] = {m};
    char *t = render(all, 1);

    /* walk every bucket line in order */
    int nbuckets = 0;
    double prev = -1, inf = -1;
    for (const char *p = t; (p = strstr(p, "kiln_http_request_duration_seconds_bucket{le=\"")) != NULL;) {
        const char *le = p + strlen("kiln_http_request_duration_seconds_bucket{le=\"");
        const char *sp = strchr(p, ' ');
        assert_non_null(sp);
        double v = strtod(sp + 1, NULL);
        assert_true(v >= prev); /* cumulative */
        prev = v;
        if (strncmp(le, "+Inf\"", 5) == 0)
            inf = v;
        nbuckets++;
        p = sp;
    }
    assert_int_equal(nbuckets, METRICS_BUCKETS + 1);
    double count = value_of(t, "kiln_http_request_duration_seconds_count");
    assert_true(inf == count);
    assert_true(count == 5);
    assert_true(value_of(t, "kiln_http_request_duration_seconds_bucket{le=\"0.0025\"}") == 2);
    assert_true(value_of(t, "kiln_http_request_duration_seconds_bucket{le=\"0.1\"}") == 3);
    assert_true(value_of(t, "kiln_http_request_duration_seconds_bucket{le=\"1\"}") == 4);
    double sum = value_of(t, "kiln_http_request_duration_seconds_sum");
    assert_true(sum >= 2.203);
    assert_true(sum < 100);
    /* the +Inf bucket is the last bucket line, followed by _sum and _count */
    const char *infline = strstr(t, "{le=\"+Inf\"}");
    assert_non_null(infline);
    assert_true(infline < strstr(t, "kiln_http_request_duration_seconds_sum"));
    assert_true(strstr(t, "kiln_http_request_duration_seconds_sum") <
                strstr(t, "kiln_http_request_duration_seconds_count"));
    free(t);
    metrics_free(m);
}

static void test_empty_render(void **state)
{
    (void)state;
    metrics_t *m = metrics_new();
    metrics_t *all[] = {m};
    char *t = render(all, 1);
    assert_false(unit_contains(t, "kiln_http_requests_total{"));
    assert_true(value_of(t, "kiln_http_request_duration_seconds_bucket{le=\"+Inf\"}") == 0);
    assert_true(value_of(t, "kiln_http_request_duration_seconds_count") == 0);
    free(t);
    t = render(NULL, 0); /* no threads at all */
    assert_true(value_of(t, "kiln_http_request_duration_seconds_count") == 0);
    free(t);
    metrics_free(m);
}

static void test_every_line_is_prometheus(void **state)
{
    (void)state;
    metrics_t *m = metrics_new();
    metrics_observe(m, R_A, 200, clock_mono_ns());
    metrics_t *all[] = {m};
    char *t = render(all, 1);
    assert_true(strlen(t) > 0);
    assert_int_equal(t[strlen(t) - 1], '\n');
    for (char *save = NULL, *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') {
            assert_true(strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0);
            continue;
        }
        assert_true(strncmp(line, "kiln_", 5) == 0);
        const char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        char *end;
        strtod(sp + 1, &end);
        assert_int_equal(*end, '\0'); /* the value is a number */
    }
    free(t);
    metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_id),      cmocka_unit_test(test_counters),
        cmocka_unit_test(test_sum_of_tables), cmocka_unit_test(test_histogram_cumulative),
        cmocka_unit_test(test_empty_render),  cmocka_unit_test(test_every_line_is_prometheus),
    };
    return cmocka_run_group_tests_name("metrics", tests, group_setup, NULL);
}
