/* Unit tests for gateway_split_path (src/gateway/gateway.h), step 1 of the gateway: good
 * paths are split and decoded; anything that needs normalising, or could be read
 * differently by another parser, is refused. */
#include "unit.h"

#include "base/limits.h"
#include "gateway/gateway.h"

static arena_t *A;

static int setup(void **state)
{
    (void)state;
    A = arena_new(KILN_ARENA_CAP);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(A);
    A = NULL;
    return 0;
}

static int split_n(const char *p, size_t len, const char **seg, size_t *nseg)
{
    return gateway_split_path(A, p, len, seg, nseg);
}

static int split(const char *p, const char **seg, size_t *nseg)
{
    return split_n(p, strlen(p), seg, nseg);
}

static void refused(const char *p, int want)
{
    const char *seg[KILN_MAX_SEGMENTS];
    size_t nseg = 0;
    int got = split(p, seg, &nseg);
    if (got != want)
        print_error("path %s\n", p);
    assert_int_equal(got, want);
}

static void test_good_paths(void **state)
{
    (void)state;
    const char *seg[KILN_MAX_SEGMENTS];
    size_t nseg = 99;
    assert_int_equal(split("/ex/jira/123e4567-e89b-42d3-a456-426614174000/rest/api/3/project/search", seg, &nseg), 0);
    assert_int_equal(nseg, 8);
    static const char *const want[] = {"ex",      "jira",  "123e4567-e89b-42d3-a456-426614174000", "rest", "api", "3",
                                       "project", "search"};
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(seg[i], want[i]);

    assert_int_equal(split("/", seg, &nseg), 0);
    assert_int_equal(nseg, 0);

    assert_int_equal(split("/healthz", seg, &nseg), 0);
    assert_int_equal(nseg, 1);
    assert_string_equal(seg[0], "healthz");
}

static void test_decoding(void **state)
{
    (void)state;
    const char *seg[KILN_MAX_SEGMENTS];
    size_t nseg = 0;
    assert_int_equal(split("/a%20b/c%41/%7e~/x+y", seg, &nseg), 0);
    assert_int_equal(nseg, 4);
    assert_string_equal(seg[0], "a b");
    assert_string_equal(seg[1], "cA");
    assert_string_equal(seg[2], "~~");
    assert_string_equal(seg[3], "x+y"); /* '+' is not a space in a path */

    /* decoded exactly once: %25 is a literal percent, and what follows stays text */
    assert_int_equal(split("/a%252e%252e/b%252f", seg, &nseg), 0);
    assert_int_equal(nseg, 2);
    assert_string_equal(seg[0], "a%2e%2e");
    assert_string_equal(seg[1], "b%2f");

    /* UTF-8, encoded or raw */
    assert_int_equal(split("/caf%C3%A9/caf\xc3\xa9", seg, &nseg), 0);
    assert_string_equal(seg[0], "caf\xc3\xa9");
    assert_string_equal(seg[1], "caf\xc3\xa9");
}

static void test_dots_inside_names_are_fine(void **state)
{
    (void)state;
    const char *seg[KILN_MAX_SEGMENTS];
    size_t nseg = 0;
    assert_int_equal(split("/.well-known/a.b/.../..x/x..", seg, &nseg), 0);
    assert_int_equal(nseg, 5);
    assert_string_equal(seg[0], ".well-known");
    assert_string_equal(seg[2], "...");
    assert_string_equal(seg[3], "..x");
}

static void test_dot_segments_refused(void **state)
{
    (void)state;
    refused("/..", 400);
    refused("/.", 400);
    refused("/a/../b", 400);
    refused("/a/./b", 400);
    refused("/a/..", 400);
    refused("/a/.", 400);
    refused("/ex/jira/../../admin/v1/sites", 400);
}

static void test_encoded_dots_refused(void **state)
{
    (void)state;
    refused("/a/%2e%2e/b", 400);
    refused("/a/%2E%2E/b", 400);
    refused("/a/%2e/b", 400);
    refused("/a/.%2e/b", 400);
    refused("/a/%2e./b", 400);
    refused("/a%2eb", 400); /* anywhere, not only as a whole segment */
    refused("/a/b%2E", 400);
}

static void test_encoded_separators_refused(void **state)
{
    (void)state;
    refused("/a%2fb", 400);
    refused("/a%2Fb", 400);
    refused("/a%5cb", 400);
    refused("/a%5Cb", 400);
    refused("/a\\b", 400);
    refused("/a/..\\b", 400);
    refused("\\a", 400);
    refused("/%2f", 400);
}

static void test_nul_and_control_refused(void **state)
{
    (void)state;
    refused("/a%00b", 400);
    refused("/a%01", 400);
    refused("/a%0a", 400);
    refused("/a%0D%0Ab", 400);
    refused("/a%1f", 400);
    refused("/a%1F", 400);
    refused("/a%7f", 400);
    refused("/a\tb", 400);
    refused("/a\nb", 400);
    refused("/a\rb", 400);
    refused("/a\x01", 400);
    refused("/a\x1f", 400);
    refused("/a\x7f", 400);
    refused("/a b\x1b[2J", 400);
    /* a raw NUL within the length */
    const char *seg[KILN_MAX_SEGMENTS];
    size_t nseg = 0;
    assert_int_equal(split_n("/a\0b", 4, seg, &nseg), 400);
    assert_int_equal(split_n("/\0", 2, seg, &nseg), 400);
}

static void test_empty_segments_refused(void **state)
{
    (void)state;
    refused("//", 400);
    refused("//a", 400);
    refused("/a//b", 400);
    refused("/a/", 400);
    refused("/ex/jira/", 400);
    refused("///", 400);
}

static void test_bad_escapes_refused(void **state)
{
    (void)state;
    refused("/%", 400);
    refused("/a%", 400);
    refused("/a%4", 400);
    refused("/a%zz", 400);
    refused("/a%g0", 400);
    refused("/a%0g", 400);
    refused("/a% 1", 400);
    refused("/a%%41", 400);
    refused("/a%-1", 400);
    /* a valid escape cut short by the length */
    const char *seg[KILN_MAX_SEGMENTS];
    size_t nseg = 0;
    assert_int_equal(split_n("/a%41", 4, seg, &nseg), 400);
}

static void test_leading_slash_required(void **state)
{
    (void)state;
    refused("", 400);
    refused("a/b", 400);
    refused("*", 400);
    refused("ex/jira", 400);
    refused("http://evil/x", 400);
    refused("%2fa", 400);
}

static void test_length_limit(void **state)
{
    (void)state;
    const char *seg[KILN_MAX_SEGMENTS];
    size_t nseg = 0;
    char *p = xmalloc(KILN_MAX_PATH + 2);
    p[0] = '/';
    memset(p + 1, 'a', KILN_MAX_PATH);
    p[KILN_MAX_PATH + 1] = '\0';
    /* exactly the limit is accepted */
    assert_int_equal(split_n(p, KILN_MAX_PATH, seg, &nseg), 0);
    assert_int_equal(nseg, 1);
    assert_int_equal(strlen(seg[0]), KILN_MAX_PATH - 1);
    /* one more byte is 414 */
    assert_int_equal(split_n(p, KILN_MAX_PATH + 1, seg, &nseg), 414);
    /* the length check comes first: an over-long path that is also malformed is 414 */
    p[5] = '\\';
    assert_int_equal(split_n(p, KILN_MAX_PATH + 1, seg, &nseg), 414);
    free(p);
}

static void test_segment_limit(void **state)
{
    (void)state;
    const char *seg[KILN_MAX_SEGMENTS + 1];
    seg[KILN_MAX_SEGMENTS] = (const char *)0x1; /* a sentinel just past the array's size */
    size_t nseg = 0;
    char p[4 * KILN_MAX_SEGMENTS + 8];
    size_t o = 0;
    for (unsigned i = 0; i < KILN_MAX_SEGMENTS; i++)
        o += (size_t)sprintf(p + o, "/s%u", i % 10);
    assert_int_equal(split_n(p, o, seg, &nseg), 0);
    assert_int_equal(nseg, KILN_MAX_SEGMENTS);
    assert_string_equal(seg[KILN_MAX_SEGMENTS - 1], "s1");
    o += (size_t)sprintf(p + o, "/x");
    assert_int_equal(split_n(p, o, seg, &nseg), 414);
    assert_ptr_equal(seg[KILN_MAX_SEGMENTS], (const char *)0x1); /* never written */

    /* many short segments in a long path */
    char *q = xmalloc(2 * 1000 + 1);
    for (int i = 0; i < 1000; i++)
        q[2 * i] = '/', q[2 * i + 1] = 'a';
    assert_int_equal(split_n(q, 2000, seg, &nseg), 414);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_paths),
        cmocka_unit_test(test_decoding),
        cmocka_unit_test(test_dots_inside_names_are_fine),
        cmocka_unit_test(test_dot_segments_refused),
        cmocka_unit_test(test_encoded_dots_refused),
        cmocka_unit_test(test_encoded_separators_refused),
        cmocka_unit_test(test_nul_and_control_refused),
        cmocka_unit_test(test_empty_segments_refused),
        cmocka_unit_test(test_bad_escapes_refused),
        cmocka_unit_test(test_leading_slash_required),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_segment_limit),
    };
    return cmocka_run_group_tests_name("path", tests, setup, teardown);
}
