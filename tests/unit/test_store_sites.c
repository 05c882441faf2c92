/* Unit tests for the store's sites family (src/store/store_sites.h) on its SQLite
 * backend, each test on a fresh data dir: sites, users, user API tokens, users'
 * permissions and consents. */
#include "unit.h"

#include "store/store_sites.h"
#include "store_fixture.h"

/* ---- sites ---- */

static void test_sites(void **state)
{
    fx_t *f = *state;
    site_rec_t s;
    assert_int_equal(store_site_by_name(f->st, f->a, "alpha", &s), STORE_OK);
    assert_int_equal(s.id, f->A.id);
    assert_string_equal(s.cloud_id, "11111111-1111-4111-8111-111111111111");
    assert_string_equal(s.admin_account_id, "admin-alpha");
    assert_string_equal(s.canary, "kiln-canary-alpha");
    assert_int_equal(s.created_ms, 1700000000000);
    assert_int_equal(store_site_by_id(f->st, f->a, f->B.id, &s), STORE_OK);
    assert_string_equal(s.name, "bravo");
    assert_int_not_equal(f->A.id, f->B.id);

    assert_int_equal(store_site_by_name(f->st, f->a, "charlie", &s), STORE_NOTFOUND);
    assert_int_equal(store_site_by_name(f->st, f->a, "ALPHA", &s), STORE_NOTFOUND);
    assert_int_equal(store_site_by_name(f->st, f->a, "alpha' OR '1'='1", &s), STORE_NOTFOUND);
    assert_int_equal(store_site_by_name(f->st, f->a, "", &s), STORE_NOTFOUND);
    assert_int_equal(store_site_by_id(f->st, f->a, 0, &s), STORE_NOTFOUND);
    assert_int_equal(store_site_by_id(f->st, f->a, -1, &s), STORE_NOTFOUND);
    assert_int_equal(store_site_by_id(f->st, f->a, INT64_MAX, &s), STORE_NOTFOUND);

    site_rec_t *list = NULL;
    size_t n = 0;
    assert_int_equal(store_site_list(f->st, f->a, &list, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "alpha");
    assert_string_equal(list[1].name, "bravo");
    int64_t count = 0;
    assert_int_equal(store_site_count(f->st, &count), STORE_OK);
    assert_int_equal(count, 2);
}

static void test_site_conflicts(void **state)
{
    fx_t *f = *state;
    site_rec_t dup = {.cloud_id = "33333333-3333-4333-8333-333333333333",
                      .name = "alpha",
                      .admin_account_id = "x",
                      .canary = "c",
                      .created_ms = 1};
    assert_int_equal(store_site_insert(f->st, &dup), STORE_CONFLICT);
    site_rec_t dup_cloud = {.cloud_id = f->A.cloud_id, .name = "delta", .admin_account_id = "x", .canary = "c"};
    assert_int_equal(store_site_insert(f->st, &dup_cloud), STORE_CONFLICT);
    int64_t count = 0;
    assert_int_equal(store_site_count(f->st, &count), STORE_OK);
    assert_int_equal(count, 2);
    site_rec_t s;
    assert_int_equal(store_site_by_name(f->st, f->a, "alpha", &s), STORE_OK);
    assert_string_equal(s.admin_account_id, "admin-alpha"); /* untouched */
    /* many sites */
    for (int i = 0; i < 40; i++) {
        char name[32], cloud[40];
        snprintf(name, sizeof name, "site-%d", i);
        snprintf(cloud, sizeof cloud, "44444444-4444-4444-8444-%012d", i);
        site_rec_t x = {.cloud_id = cloud, .name = name, .admin_account_id = "a", .canary = "c"};
        assert_int_equal(store_site_insert(f->st, &x), STORE_OK);
    }
    site_rec_t *list = NULL;
    size_t n = 0;
    assert_int_equal(store_site_list(f->st, f->a, &list, &n), STORE_OK);
    assert_int_equal(n, 42);
    for (size_t i = 1; i < n; i++)
        assert_true(list[i - 1].id < list[i].id);
}

/* ---- users and tokens ---- */

static void test_users(void **state)
{
    fx_t *f = *state;
    user_rec_t u = {.account_id = "5b10a2844c20165700ede21g",
                    .email = "mia@alpha.example.com",
                    .display_name = "Mia Krystof",
                    .account_type = "atlassian",
                    .time_zone = "Australia/Sydney",
                    .locale = "en_US",
                    .active = 1};
    assert_int_equal(store_user_insert(f->st, f->A.id, &u), STORE_OK);
    assert_int_equal(store_user_insert(f->st, f->A.id, &u), STORE_CONFLICT);
    user_rec_t got;
    assert_int_equal(store_user_get(f->st, f->a, f->A.id, u.account_id, &got), STORE_OK);
    assert_string_equal(got.email, "mia@alpha.example.com");
    assert_string_equal(got.display_name, "Mia Krystof");
    assert_string_equal(got.time_zone, "Australia/Sydney");
    assert_string_equal(got.locale, "en_US");
    assert_string_equal(got.account_type, "atlassian");
    assert_int_equal(got.active, 1);

    /* the same account id on another site is another user */
    assert_int_equal(store_user_get(f->st, f->a, f->B.id, u.account_id, &got), STORE_NOTFOUND);
    user_rec_t ub = u;
    ub.email = "mia@bravo.example.com";
    ub.active = 0;
    assert_int_equal(store_user_insert(f->st, f->B.id, &ub), STORE_OK);
    assert_int_equal(store_user_get(f->st, f->a, f->B.id, u.account_id, &got), STORE_OK);
    assert_string_equal(got.email, "mia@bravo.example.com");
    assert_int_equal(got.active, 0);
    assert_int_equal(store_user_get(f->st, f->a, f->A.id, u.account_id, &got), STORE_OK);
    assert_string_equal(got.email, "mia@alpha.example.com");

    assert_int_equal(store_user_get(f->st, f->a, f->A.id, "nobody", &got), STORE_NOTFOUND);
    assert_int_equal(store_user_get(f->st, f->a, f->A.id, "", &got), STORE_NOTFOUND);
    assert_int_equal(store_user_get(f->st, f->a, f->A.id, "' OR 1=1 --", &got), STORE_NOTFOUND);
    assert_int_equal(store_user_get(f->st, f->a, 999, u.account_id, &got), STORE_NOTFOUND);

    /* a user of a site that does not exist is refused */
    user_rec_t orphan = u;
    orphan.account_id = "orphan";
    assert_int_not_equal(store_user_insert(f->st, 999, &orphan), STORE_OK);
}

/* A negative max must not write past the records the store allocated. */
static void test_user_list_negative_max(void **state)
{
    fx_t *f = *state;
    for (int i = 0; i < 4; i++) {
        user_rec_t u = {.account_id = arena_printf(f->a, "n%d", i),
                        .email = "e",
                        .display_name = "d",
                        .account_type = "atlassian",
                        .time_zone = "Etc/UTC",
                        .locale = "en_US",
                        .active = 1};
        assert_int_equal(store_user_insert(f->st, f->A.id, &u), STORE_OK);
    }
    user_rec_t *v = NULL;
    size_t n = 99;
    assert_int_equal(store_user_list(f->st, f->a, f->A.id, -5, -1, &v, &n), STORE_OK);
    assert_int_equal(n, 0);
}

static void test_user_list(void **state)
{
    fx_t *f = *state;
    static const char *const names[] = {"Zed", "Amy", "Lena", "Bob"};
    for (int i = 0; i < 4; i++) {
        user_rec_t u = {.account_id = arena_printf(f->a, "acct-%d", i),
                        .email = arena_printf(f->a, "u%d@alpha.example.com", i),
                        .display_name = names[i],
                        .account_type = "atlassian",
                        .time_zone = "Etc/UTC",
                        .locale = "en_US",
                        .active = 1};
        assert_int_equal(store_user_insert(f->st, f->A.id, &u), STORE_OK);
    }
    user_rec_t *v = NULL;
    size_t n = 0;
    assert_int_equal(store_user_list(f->st, f->a, f->A.id, 0, 100, &v, &n), STORE_OK);
    assert_int_equal(n, 5); /* and the admin */
    assert_string_equal(v[0].display_name, "Amy");
    assert_string_equal(v[1].display_name, "Bob");
    assert_string_equal(v[2].display_name, "Lena");
    assert_string_equal(v[3].display_name, "Site Admin");
    assert_string_equal(v[4].display_name, "Zed");
    assert_int_equal(store_user_list(f->st, f->a, f->A.id, 1, 2, &v, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].display_name, "Bob");
    assert_string_equal(v[1].display_name, "Lena");
    assert_int_equal(store_user_list(f->st, f->a, f->A.id, 5, 10, &v, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_user_list(f->st, f->a, f->A.id, 0, 0, &v, &n), STORE_OK);
    assert_int_equal(n, 0);
    /* site B sees only its own admin */
    assert_int_equal(store_user_list(f->st, f->a, f->B.id, 0, 100, &v, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].account_id, "admin-bravo");
}

static void test_tokens(void **state)
{
    fx_t *f = *state;
    unsigned char h1[32], h2[32], h3[32];
    memset(h1, 0x11, 32);
    memset(h2, 0x22, 32);
    memcpy(h3, h1, 32);
    h3[31] ^= 1; /* one bit away from h1 */
    assert_int_equal(store_token_insert(f->st, h1, f->A.id, f->A.admin_account_id), STORE_OK);
    assert_int_equal(store_token_insert(f->st, h2, f->B.id, f->B.admin_account_id), STORE_OK);
    /* unique within its site (the key leads with site_id since migration 24, for Citus);
       across sites a hash of a 256-bit random token is unique without a constraint
       (docs/store.md, "Keys that differ between the backends") */
    assert_int_equal(store_token_insert(f->st, h1, f->A.id, f->A.admin_account_id), STORE_CONFLICT);

    int64_t site = -1;
    const char *acct = NULL;
    assert_int_equal(store_token_lookup(f->st, f->a, h1, &site, &acct), STORE_OK);
    assert_int_equal(site, f->A.id);
    assert_string_equal(acct, "admin-alpha");
    assert_int_equal(store_token_lookup(f->st, f->a, h2, &site, &acct), STORE_OK);
    assert_int_equal(site, f->B.id);
    assert_string_equal(acct, "admin-bravo");
    assert_int_equal(store_token_lookup(f->st, f->a, h3, &site, &acct), STORE_NOTFOUND);
    unsigned char zero[32] = {0};
    assert_int_equal(store_token_lookup(f->st, f->a, zero, &site, &acct), STORE_NOTFOUND);
}

/* ---- permissions ---- */

static void test_perms(void **state)
{
    fx_t *f = *state;
    int has = 7;
    const char *u = "user-1";
    /* nothing granted: nothing held */
    assert_int_equal(store_perm_has(f->st, f->A.id, u, 10000, "BROWSE_PROJECTS", &has), STORE_OK);
    assert_int_equal(has, 0);
    /* a project grant holds in that project only; again is no change */
    assert_int_equal(store_perm_grant(f->st, f->A.id, u, 10000, "BROWSE_PROJECTS"), STORE_OK);
    assert_int_equal(store_perm_grant(f->st, f->A.id, u, 10000, "BROWSE_PROJECTS"), STORE_OK);
    assert_int_equal(store_perm_has(f->st, f->A.id, u, 10000, "BROWSE_PROJECTS", &has), STORE_OK);
    assert_int_equal(has, 1);
    assert_int_equal(store_perm_has(f->st, f->A.id, u, 10001, "BROWSE_PROJECTS", &has), STORE_OK);
    assert_int_equal(has, 0);
    assert_int_equal(store_perm_has(f->st, f->A.id, u, 0, "BROWSE_PROJECTS", &has), STORE_OK);
    assert_int_equal(has, 0); /* a project grant is not a global one */
    assert_int_equal(store_perm_has(f->st, f->A.id, u, 10000, "CREATE_ISSUES", &has), STORE_OK);
    assert_int_equal(has, 0);
    /* project 0: every project (and the global permission itself) */
    assert_int_equal(store_perm_grant(f->st, f->A.id, u, 0, "CREATE_ISSUES"), STORE_OK);
    assert_int_equal(store_perm_has(f->st, f->A.id, u, 12345, "CREATE_ISSUES", &has), STORE_OK);
    assert_int_equal(has, 1);
    /* the same account id on the other site holds nothing: grants are per site */
    assert_int_equal(store_perm_has(f->st, f->B.id, u, 10000, "BROWSE_PROJECTS", &has), STORE_OK);
    assert_int_equal(has, 0);
    assert_int_equal(store_perm_has(f->st, f->B.id, u, 12345, "CREATE_ISSUES", &has), STORE_OK);
    assert_int_equal(has, 0);
    /* hostile text is a value, not SQL */
    assert_int_equal(store_perm_has(f->st, f->A.id, "x' OR '1'='1", 10000, "BROWSE_PROJECTS", &has), STORE_OK);
    assert_int_equal(has, 0);
}

/* ---- consents ---- */

static void test_consents(void **state)
{
    fx_t *f = *state;
    int has = 7;
    const char *app = "6a0c5d0e-0000-4000-8000-000000000001", *u = "user-1";
    assert_int_equal(store_consent_has(f->st, f->A.id, app, u, &has), STORE_OK);
    assert_int_equal(has, 0);
    assert_int_equal(store_consent_delete(f->st, f->A.id, app, u), STORE_NOTFOUND);
    assert_int_equal(store_consent_put(f->st, f->A.id, app, u, 1), STORE_OK);
    assert_int_equal(store_consent_put(f->st, f->A.id, app, u, 2), STORE_OK); /* again: no change */
    assert_int_equal(store_consent_has(f->st, f->A.id, app, u, &has), STORE_OK);
    assert_int_equal(has, 1);
    /* per site, per app, per user */
    assert_int_equal(store_consent_has(f->st, f->B.id, app, u, &has), STORE_OK);
    assert_int_equal(has, 0);
    assert_int_equal(store_consent_has(f->st, f->A.id, "6a0c5d0e-0000-4000-8000-000000000002", u, &has), STORE_OK);
    assert_int_equal(has, 0);
    assert_int_equal(store_consent_has(f->st, f->A.id, app, "user-2", &has), STORE_OK);
    assert_int_equal(has, 0);
    /* no active installation of the app on A: dropping clears A's consents only */
    assert_int_equal(store_consent_put(f->st, f->B.id, app, u, 1), STORE_OK);
    assert_int_equal(store_consent_drop_uninstalled(f->st, f->A.id, app), STORE_OK);
    assert_int_equal(store_consent_has(f->st, f->A.id, app, u, &has), STORE_OK);
    assert_int_equal(has, 0);
    assert_int_equal(store_consent_has(f->st, f->B.id, app, u, &has), STORE_OK);
    assert_int_equal(has, 1);
    assert_int_equal(store_consent_delete(f->st, f->B.id, app, u), STORE_OK);
    assert_int_equal(store_consent_has(f->st, f->B.id, app, u, &has), STORE_OK);
    assert_int_equal(has, 0);
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        T(test_sites),  T(test_site_conflicts), T(test_users),    T(test_user_list), T(test_user_list_negative_max),
        T(test_tokens), T(test_perms),          T(test_consents),
    };
    return cmocka_run_group_tests_name("store_sites", tests, NULL, NULL);
}
