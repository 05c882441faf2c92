/* DATA/serve.lock (base/datalock.h): servers share it, a migration takes it alone; each
 * side is refused with a line naming the other while it is held, and free again once its
 * holder lets go (flock locks belong to the open file, so one process stands for two). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/datalock.h"
#include "unit.h"

static void test_shared_and_exclusive(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char err[512];
    int s1 = datalock_take(dir, DATALOCK_SHARED, err, sizeof err);
    int s2 = datalock_take(dir, DATALOCK_SHARED, err, sizeof err); /* a second server still starts */
    assert_true(s1 >= 0 && s2 >= 0);
    assert_int_equal(datalock_take(dir, DATALOCK_EXCLUSIVE, err, sizeof err), -2);
    assert_true(unit_contains(err, "a kiln server is running on the data dir"));
    close(s1);
    assert_int_equal(datalock_take(dir, DATALOCK_EXCLUSIVE, err, sizeof err), -2);
    close(s2);
    int x = datalock_take(dir, DATALOCK_EXCLUSIVE, err, sizeof err);
    assert_true(x >= 0);
    assert_int_equal(datalock_take(dir, DATALOCK_SHARED, err, sizeof err), -2);
    assert_true(unit_contains(err, "is being copied by kiln store migrate"));
    assert_int_equal(datalock_take(dir, DATALOCK_EXCLUSIVE, err, sizeof err), -2);
    close(x);
    int s3 = datalock_take(dir, DATALOCK_SHARED, err, sizeof err);
    assert_true(s3 >= 0);
    close(s3);
    /* the file is kiln's alone */
    char path[600];
    snprintf(path, sizeof path, "%s/serve.lock", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* a missing dir is an error, not a refusal */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nope", dir);
    assert_int_equal(datalock_take(missing, DATALOCK_EXCLUSIVE, err, sizeof err), -1);
    assert_true(unit_contains(err, "cannot open"));
    unit_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_shared_and_exclusive)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
