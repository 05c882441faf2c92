/* product/viewwant.h: the per-thread cached "does an app installed on this site name
 * avi:jira:viewed:issue", and the installations generation that invalidates it
 * (store_installs_gen, store.h): an install, an uninstall and a deploy made through
 * another handle are seen by the very next call, even from inside a read snapshot that
 * began before them. */
#include "unit.h"

#include "product/events.h"
#include "product/viewwant.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store_fixture.h"

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const char WANTS[] = "{\"modules\":{\"trigger\":[{\"key\":\"t\",\"function\":\"f\",\"events\":"
                            "[\"avi:jira:viewed:issue\"]}]}}";
static const char QUIET[] = "{\"modules\":{\"trigger\":[{\"key\":\"t\",\"function\":\"f\",\"events\":"
                            "[\"avi:jira:updated:issue\"]}]}}";

static void deploy(store_t *st, const char *manifest)
{
    static int64_t minor;
    version_rec_t v = {"app-v", "development", 0, 1, minor++, manifest, "k", "[]", "[]", "", 0, 1};
    assert_int_equal(store_begin(st), STORE_OK);
    assert_int_equal(store_version_insert(st, &v), STORE_OK);
    assert_int_equal(store_commit(st), STORE_OK);
}

static int wants(store_t *st, int64_t site)
{
    int yes = -1;
    assert_int_equal(viewwant_get(st, site, EV_ISSUE_VIEWED, &yes), STORE_OK);
    return yes;
}

static void test_generation(void **state)
{
    fx_t *f = *state;
    app_rec_t app = {"app-g", "g", 1};
    env_rec_t env = {"app-g", "development", "env-g", "version", 1};
    assert_int_equal(store_app_insert(f->st, &app), STORE_OK);
    assert_int_equal(store_env_insert(f->st, &env), STORE_OK);
    uint64_t g0 = store_installs_gen();
    install_rec_t in = {"inst-g", f->A.id, "app-g", "development", "acc", "bot", 1, "[]", "[]", 0, 0, 1, 1, 0, 0};
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_install_insert(f->st, &in), STORE_OK);
    uint64_t g1 = store_installs_gen();
    assert_true(g1 > g0); /* when made */
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_true(store_installs_gen() > g1); /* and once its transaction ended */
    uint64_t g2 = store_installs_gen();
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_install_remove(f->st, "inst-g", 2, 3), STORE_OK);
    store_rollback(f->st);
    assert_true(store_installs_gen() >= g2 + 2); /* a rollback too */
    uint64_t g3 = store_installs_gen();
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(store_installs_gen(), g3); /* other transactions leave it alone */
}

static void test_invalidated(void **state)
{
    fx_t *f = *state;
    store_t *other = open_migrated(f->dir); /* the installer: another thread's handle */
    app_rec_t app = {"app-v", "v", 1};
    env_rec_t env = {"app-v", "development", "env-v", "version", 1};
    assert_int_equal(store_app_insert(other, &app), STORE_OK);
    assert_int_equal(store_env_insert(other, &env), STORE_OK);
    deploy(other, WANTS);

    assert_int_equal(wants(f->st, f->A.id), 0); /* nothing installed: cached "no" */
    uint64_t hits0, misses0, hits, misses;
    viewwant_stats(&hits0, &misses0);
    assert_int_equal(wants(f->st, f->A.id), 0);
    viewwant_stats(&hits, &misses);
    assert_int_equal(hits, hits0 + 1); /* served from the cache */

    /* the GET's snapshot began before the install */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    site_rec_t got;
    assert_int_equal(store_site_by_id(f->st, f->a, f->A.id, &got), STORE_OK); /* the snapshot is taken */
    assert_int_equal(wants(f->st, f->A.id), 0);
    install_rec_t in = {"inst-v", f->A.id, "app-v", "development", "acc", "bot", 1, "[]", "[]", 0, 0, 1, 1, 0, 0};
    assert_int_equal(store_begin(other), STORE_OK);
    assert_int_equal(store_install_insert(other, &in), STORE_OK);
    assert_int_equal(store_commit(other), STORE_OK);
    assert_int_equal(wants(f->st, f->A.id), 1); /* the install is seen at once */
    assert_true(store_reading(f->st));          /* and the caller's snapshot is open again */
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(wants(f->st, f->B.id), 0); /* another site's apps are not A's */
    assert_int_equal(wants(f->st, f->A.id), 1);

    deploy(other, QUIET); /* a deploy that drops the subscription: the installation runs it at once */
    assert_int_equal(wants(f->st, f->A.id), 0);
    deploy(other, WANTS);
    assert_int_equal(wants(f->st, f->A.id), 1);
    assert_int_equal(store_install_remove(other, "inst-v", 5, 6), STORE_OK); /* an uninstall, no transaction */
    assert_int_equal(wants(f->st, f->A.id), 0);
    store_close(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {T(test_generation), T(test_invalidated)};
    return cmocka_run_group_tests_name("viewwant", tests, NULL, NULL);
}
