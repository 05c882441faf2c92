/* Unit tests for src/base/relpath.h: the one check of relative paths that the packer
 * (kiln.include entries) and the snapshot reader (archive entry names) share. */
#include "unit.h"

#include "base/relpath.h"

static void test_relpath_table(void **state)
{
    (void)state;
    static const struct {
        const char *p;
        size_t max;
        int ok;
    } cases[] = {
        {"a", 16, 1},
        {"a/b.js", 16, 1},
        {"node_modules/x/y", 64, 1},
        {".kiln/functions", 64, 1}, /* a dot file is a name, not "." */
        {"a..b/c", 16, 1},
        {"...", 16, 1},
        {"", 16, 0},
        {"/etc/passwd", 64, 0},
        {"a//b", 16, 0},
        {"./a", 16, 0},
        {"a/.", 16, 0},
        {"a/..", 16, 0},
        {"../a", 16, 0},
        {"a/../b", 16, 0},
        {"a/", 16, 0},
        {"a\\b", 16, 0},
        {"..\\a", 16, 0},
        {"abcdefgh", 8, 1},
        {"abcdefghi", 8, 0}, /* the cap is on bytes */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (relpath_ok(cases[i].p, cases[i].max) != cases[i].ok)
            fail_msg("relpath_ok(\"%s\", %zu) != %d", cases[i].p, cases[i].max, cases[i].ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relpath_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
