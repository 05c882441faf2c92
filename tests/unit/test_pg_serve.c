/* The PostgreSQL store as kiln serve uses it (issue 20, docs/scale.md "Serving from
 * PostgreSQL"), on a private cluster this test starts and removes:
 *
 * - store_prepare sets the database up as the URL's login (roles, schema, migrations, the
 *   SQLite compatibility functions); store_open then gives kiln_runtime sessions whose
 *   store_migrate only checks the version;
 * - tenant safety: rows of two sites written through the admin path (store_admin); a
 *   runtime handle with no site bound, or unbound after a request (store_unbind_site),
 *   sees none of them, through the families and through raw SQL on its session; bound
 *   to A it sees A's only; the admin path (the credential lookups inside
 *   store_token_lookup) still finds any site's token;
 * - the database going away: a runtime handle answers STORE_UNAVAILABLE within the
 *   connect deadline, then, once the server is back, reconnects by itself and still runs
 *   as the site it was bound to. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/postgres/postgres_int.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_kvs.h"
#include "store/store_sites.h"
#include "unit.h"
#include "unit_pg.h"

static char pg_dir[512];  /* the cluster's directory and socket */
static char pg_user[512]; /* its superuser */
static char url[1200];    /* postgresql:// URL of database kiln as the superuser */
static int64_t site_a, site_b;

static int64_t ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int stop_cluster(void **state)
{
    (void)state;
    return unit_pg_stop(pg_dir);
}

static int start_cluster(void **state)
{
    (void)state;
    if (unit_pg_start_db(pg_dir, sizeof pg_dir, pg_user, sizeof pg_user, "kiln"))
        return -1;
    snprintf(url, sizeof url, "postgresql:///kiln?host=%s&user=%s", pg_dir, pg_user);
    return 0;
}

/* the first column of the first row of sql on st's own session (as the family SQL runs) */
static PGconn *raw_session(const char *role)
{
    char err[512];
    PGconn *c = pg_connect_as(url, role, err, sizeof err);
    if (!c)
        fail_msg("pg_connect_as: %s", err);
    return c;
}

static void test_prepare_and_open(void **state)
{
    (void)state;
    char err[512] = "";
    assert_int_equal(store_select(url, err, sizeof err), 0);
    unsigned applied = 0;
    if (store_prepare(&applied, err, sizeof err) != STORE_OK)
        fail_msg("store_prepare: %s", err);
    assert_int_equal(applied, pg_schema_len);
    if (store_prepare(&applied, err, sizeof err) != STORE_OK) /* a second node: nothing to do */
        fail_msg("store_prepare again: %s", err);
    assert_int_equal(applied, 0);
    store_t *st = store_open("/nonexistent", err, sizeof err); /* the data dir is not used */
    if (!st)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK); /* only checks the version */
    /* the compatibility functions exist, and the runtime role may call them */
    PGconn *c = raw_session(PG_RUNTIME_ROLE);
    PGresult *r =
        PQexec(c, "SELECT kiln.instr('abc', 'c'), kiln.max(2, 7), (SELECT count(*) FROM kiln.json_each('[1,2]'))");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "3");
    assert_string_equal(PQgetvalue(r, 0, 1), "7");
    assert_string_equal(PQgetvalue(r, 0, 2), "2");
    PQclear(r);
    PQfinish(c);

    /* two sites, a user and a value each, through the admin path */
    store_t *adm = store_admin(st);
    assert_ptr_not_equal(adm, st);
    assert_ptr_equal(store_admin(adm), adm);
    site_rec_t A = {.cloud_id = "cloud-a", .name = "a", .admin_account_id = "acc-a", .canary = "ca", .created_ms = 1};
    site_rec_t B = {.cloud_id = "cloud-b", .name = "b", .admin_account_id = "acc-b", .canary = "cb", .created_ms = 1};
    assert_int_equal(store_site_insert(adm, &A), STORE_OK);
    assert_int_equal(store_site_insert(adm, &B), STORE_OK);
    site_a = A.id, site_b = B.id;
    user_rec_t ua = {"acc-a", "a@x", "A", "atlassian", "UTC", "en_US", 1};
    user_rec_t ub = {"acc-b", "b@x", "B", "atlassian", "UTC", "en_US", 1};
    assert_int_equal(store_user_insert(adm, site_a, &ua), STORE_OK);
    assert_int_equal(store_user_insert(adm, site_b, &ub), STORE_OK);
    unsigned char ha[32] = {1}, hb[32] = {2};
    assert_int_equal(store_token_insert(adm, ha, site_a, "acc-a"), STORE_OK);
    assert_int_equal(store_token_insert(adm, hb, site_b, "acc-b"), STORE_OK);
    kvs_owner_t oa = {site_a, "inst-a"}, ob = {site_b, "inst-b"};
    kvs_rec_t ra = {KVS_KIND_PLAIN, "", "k", "\"a\"", 3, 1, 1, 0}, rb = {KVS_KIND_PLAIN, "", "k", "\"b\"", 3, 1, 1, 0};
    assert_int_equal(store_kvs_put(adm, &oa, &ra, 1), STORE_OK);
    assert_int_equal(store_kvs_put(adm, &ob, &rb, 1), STORE_OK);
    /* an installation of each site (webtriggers: test_unbound_sees_nothing) */
    app_rec_t app = {"app-1", "App", 1};
    env_rec_t env = {"app-1", "production", "env-1", "version", 1};
    assert_int_equal(store_app_insert(adm, &app), STORE_OK);
    assert_int_equal(store_env_insert(adm, &env), STORE_OK);
    install_rec_t ia = {"inst-a", site_a, "app-1", "production", "acc-a", "bot", 1, "[]", "[]", 0, 0, 1, 1, 0, 0};
    install_rec_t ib = ia;
    ib.id = "inst-b", ib.site_id = site_b;
    assert_int_equal(store_install_insert(adm, &ia), STORE_OK);
    assert_int_equal(store_install_insert(adm, &ib), STORE_OK);
    store_close(st); /* closes its admin session too */
}

/* A runtime handle without a bound site sees no tenant row; bound, its site's only. */
static void test_unbound_sees_nothing(void **state)
{
    (void)state;
    char err[512] = "";
    store_t *st = store_open("/nonexistent", err, sizeof err);
    if (!st)
        fail_msg("store_open: %s", err);
    arena_t *a = arena_new(1 << 16);
    kvs_owner_t oa = {site_a, "inst-a"}, ob = {site_b, "inst-b"};
    kvs_rec_t r = {0};
    user_rec_t u = {0};
    user_rec_t *list = NULL;
    size_t n = 99;

    /* never bound */
    assert_int_equal(store_kvs_get(st, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    assert_int_equal(store_kvs_get(st, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    assert_int_equal(store_user_get(st, a, site_a, "acc-a", &u), STORE_NOTFOUND);
    assert_int_equal(store_user_list(st, a, site_b, 0, 50, &list, &n), STORE_OK);
    assert_int_equal(n, 0);
    /* a write for a site it is not bound to is refused */
    kvs_rec_t w = {KVS_KIND_PLAIN, "", "w", "1", 1, 1, 1, 0};
    assert_int_not_equal(store_kvs_put(st, &oa, &w, 1), STORE_OK);

    /* bound to A (as gateway_bind_site does): A's rows only */
    store_bind_site(st, site_a);
    assert_int_equal(store_kvs_get(st, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_OK);
    assert_string_equal(r.value, "\"a\"");
    assert_int_equal(store_kvs_get(st, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    assert_int_equal(store_user_get(st, a, site_b, "acc-b", &u), STORE_NOTFOUND);
    assert_int_equal(store_user_get(st, a, site_a, "acc-a", &u), STORE_OK);
    /* a webtrigger id (an app's webTrigger.getUrl): its row takes its installation's site,
     * and another site's installation gives none (its row is not visible to read the site
     * from); the URL's lookup finds it unbound, through the admin path */
    const char *tid = NULL, *inst = NULL, *module = NULL;
    assert_int_equal(store_webtrigger_ensure(st, a, "inst-a", "hook", "wt-a", 1, &tid), STORE_OK);
    assert_string_equal(tid, "wt-a");
    assert_int_not_equal(store_webtrigger_ensure(st, a, "inst-b", "hook", "wt-b", 1, &tid), STORE_OK);
    const char **ids, **mods;
    assert_int_equal(store_webtrigger_list(st, a, "inst-b", &ids, &mods, &n), STORE_OK);
    assert_int_equal(n, 0);

    /* the next request starts unbound: the handle does not keep A */
    store_unbind_site(st);
    assert_int_equal(store_kvs_get(st, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    assert_int_equal(store_user_get(st, a, site_a, "acc-a", &u), STORE_NOTFOUND);
    assert_int_equal(store_begin_read(st), STORE_OK); /* inside a transaction too */
    assert_int_equal(store_kvs_get(st, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    assert_int_equal(store_commit(st), STORE_OK);

    /* the credential lookup finds the site through the admin path, unbound */
    int64_t site = 0;
    const char *acc = NULL;
    unsigned char hb[32] = {2};
    assert_int_equal(store_token_lookup(st, a, hb, &site, &acc), STORE_OK);
    assert_int_equal(site, site_b);
    assert_string_equal(acc, "acc-b");
    assert_int_equal(store_webtrigger_get(st, a, "wt-a", &inst, &module), STORE_OK);
    assert_string_equal(inst, "inst-a");
    assert_int_equal(store_webtrigger_get(st, a, "wt-b", &inst, &module), STORE_NOTFOUND);
    assert_int_equal(store_webtrigger_list(st, a, "inst-a", &ids, &mods, &n), STORE_OK);
    assert_int_equal(n, 0); /* unbound: no row */

    /* and a runtime session of its own, no site set: a query with no site condition sees
     * no tenant row in any of these tables */
    PGconn *c = raw_session(PG_RUNTIME_ROLE);
    static const char *const tables[] = {"kvs", "users", "user_tokens", "installations", "webtriggers", NULL};
    for (int i = 0; tables[i]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        PGresult *res = PQexec(c, sql);
        assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
        if (strcmp(PQgetvalue(res, 0, 0), "0"))
            fail_msg("kiln_runtime with no site sees %s rows of %s", PQgetvalue(res, 0, 0), tables[i]);
        PQclear(res);
    }
    PQfinish(c);
    arena_free(a);
    store_close(st);
}

/* The database goes away and comes back: STORE_UNAVAILABLE at once (within the connect
 * deadline), then the handle reconnects by itself, bound as before. */
static void test_reconnect(void **state)
{
    (void)state;
    char err[512] = "";
    pg_conn_backoff_reset();
    store_t *st = store_open("/nonexistent", err, sizeof err);
    if (!st)
        fail_msg("store_open: %s", err);
    arena_t *a = arena_new(1 << 16);
    kvs_owner_t oa = {site_a, "inst-a"};
    kvs_rec_t r = {0};
    store_bind_site(st, site_a);
    assert_int_equal(store_kvs_get(st, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_OK);

    assert_int_equal(unit_pg_tool("pause", pg_dir), 0);
    uint64_t away0 = store_unavailable_count();
    int64_t t0 = ms();
    assert_int_equal(store_begin(st), STORE_UNAVAILABLE);
    assert_true(ms() - t0 < PG_CONNECT_MS + 500);
    assert_int_equal(store_kvs_get(st, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_UNAVAILABLE);
    assert_true(store_unavailable_count() > away0); /* what the HTTP layer answers 503 for */

    assert_int_equal(unit_pg_tool("resume", pg_dir), 0);
    int64_t until = ms() + PG_BACKOFF_MAX_MS + 2 * PG_CONNECT_MS;
    int rc;
    while ((rc = store_kvs_get(st, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r)) == STORE_UNAVAILABLE && ms() < until)
        usleep(20 * 1000);
    assert_int_equal(rc, STORE_OK); /* the statement prepared again, the site sent again */
    assert_string_equal(r.value, "\"a\"");
    assert_int_equal(store_begin(st), STORE_OK);
    assert_int_equal(store_commit(st), STORE_OK);
    arena_free(a);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare_and_open),
        cmocka_unit_test(test_unbound_sees_nothing),
        cmocka_unit_test(test_reconnect),
    };
    return cmocka_run_group_tests(tests, start_cluster, stop_cluster);
}
