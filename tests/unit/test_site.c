/* Unit tests for src/platform/site.h: site names, site creation with and without demo
 * data (canary everywhere, distinct cloudIds and canaries), user tokens, site_json. */
#include "unit.h"

#include "auth/token.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "platform/site.h"
#include "product/idkey.h"
#include "store/store_product.h"
#include "store/store_sites.h"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
} fx_t;

static int setup(void **state)
{
    fx_t *f = xcalloc(1, sizeof *f);
    f->dir = unit_tempdir();
    f->a = arena_new(1u << 24);
    char err[256] = "";
    f->st = store_open(f->dir, err, sizeof err);
    assert_non_null(f->st);
    assert_int_equal(store_migrate(f->st, err, sizeof err), STORE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    store_close(f->st);
    arena_free(f->a);
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

static void test_name_valid(void **state)
{
    (void)state;
    char n63[64], n64[65];
    memset(n63, 'a', 63);
    n63[63] = '\0';
    memset(n64, 'a', 64);
    n64[64] = '\0';
    static const char *const good[] = {"a", "0", "acme", "acme-corp", "a-", "a--b", "9lives", "x1-2-3"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        if (!site_name_valid(good[i]))
            print_error("should be valid: \"%s\"\n", good[i]);
        assert_true(site_name_valid(good[i]));
    }
    assert_true(site_name_valid(n63));
    static const char *const bad[] = {
        "",   "Acme", "ACME", "-acme",       "-",    "../x", "a/b", "a.b", "a_b",    "a b",
        " a", "a ",   "a\n",  "caf\xc3\xa9", "a%2e", "a\\b", "a:b", "*",   "acme\t", "ac\x7f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (site_name_valid(bad[i]))
            print_error("should be invalid: \"%s\"\n", bad[i]);
        assert_false(site_name_valid(bad[i]));
    }
    assert_false(site_name_valid(n64));
}

/* 1 if s is kiln-canary- followed by exactly 32 lowercase hex digits. */
static int canary_ok(const char *s)
{
    static const char pfx[] = "kiln-canary-";
    if (!s || strncmp(s, pfx, sizeof pfx - 1) != 0 || strlen(s) != sizeof pfx - 1 + 32)
        return 0;
    for (const char *p = s + sizeof pfx - 1; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

static void test_create_demo(void **state)
{
    fx_t *f = *state;
    site_rec_t s;
    assert_int_equal(site_create(f->st, f->a, "acme", 1, &s), STORE_OK);
    assert_true(s.id > 0);
    assert_string_equal(s.name, "acme");
    assert_true(enc_is_uuid(s.cloud_id, strlen(s.cloud_id)));
    assert_true(canary_ok(s.canary));
    assert_non_null(s.admin_account_id);
    assert_true(s.created_ms > 1600000000000);

    /* the stored site is the returned one */
    site_rec_t got;
    assert_int_equal(store_site_by_name(f->st, f->a, "acme", &got), STORE_OK);
    assert_int_equal(got.id, s.id);
    assert_string_equal(got.cloud_id, s.cloud_id);
    assert_string_equal(got.canary, s.canary);
    assert_string_equal(got.admin_account_id, s.admin_account_id);
    user_rec_t admin;
    assert_int_equal(store_user_get(f->st, f->a, s.id, s.admin_account_id, &admin), STORE_OK);

    /* projects: at least 3, distinct keys and types, canary in every description */
    project_rec_t *v = NULL;
    size_t n = 0;
    int64_t total = 0;
    project_filter_t flt = {.max_results = 100, .insight = 1};
    assert_int_equal(store_project_search(f->st, f->a, s.id, &flt, &v, &n, &total), STORE_OK);
    assert_true(n >= 3);
    assert_int_equal(total, (int64_t)n);
    int64_t issues = 0;
    for (size_t i = 0; i < n; i++) {
        if (!unit_contains(v[i].description, s.canary))
            print_error("project %s description lacks the canary: %s\n", v[i].key, v[i].description);
        assert_true(unit_contains(v[i].description, s.canary));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(v[i].key, v[j].key);
        user_rec_t lead;
        assert_int_equal(store_user_get(f->st, f->a, s.id, v[i].lead_account_id, &lead), STORE_OK);
        issues += v[i].issue_count;
        /* every issue of the project carries the canary too */
        for (int64_t k = 1; k <= v[i].issue_count; k++) {
            issue_rec_t is;
            const char *pkey;
            char key[64];
            snprintf(key, sizeof key, "%s-%lld", v[i].key, (long long)k);
            assert_int_equal(idkey_issue_get(f->st, f->a, s.id, key, &is, &pkey), STORE_OK);
            assert_string_equal(pkey, v[i].key);
            assert_true(unit_contains(is.description_json, s.canary));
            json_error_t je;
            json_t *doc = json_loads(is.description_json, 0, &je); /* a valid ADF document */
            assert_non_null(doc);
            assert_string_equal(json_string_value(json_object_get(doc, "type")), "doc");
            json_decref(doc);
        }
    }
    assert_true(issues > 0);
    static const char *const types[] = {"software", "business", "service_desk"};
    for (size_t t = 0; t < 3; t++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(v[i].type_key, types[t]) == 0;
        if (!found)
            print_error("no %s project\n", types[t]);
        assert_true(found);
    }
    /* demo users exist besides the admin */
    user_rec_t *users = NULL;
    size_t nu = 0;
    assert_int_equal(store_user_list(f->st, f->a, s.id, 0, 100, &users, &nu), STORE_OK);
    assert_true(nu > 1);
    char out[256];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
}

static void test_create_without_demo(void **state)
{
    fx_t *f = *state;
    site_rec_t s;
    assert_int_equal(site_create(f->st, f->a, "bare", 0, &s), STORE_OK);
    assert_true(canary_ok(s.canary));
    project_rec_t *v = NULL;
    size_t n = 0;
    int64_t total = -1;
    project_filter_t flt = {.max_results = 100};
    assert_int_equal(store_project_search(f->st, f->a, s.id, &flt, &v, &n, &total), STORE_OK);
    assert_int_equal(total, 0);
    user_rec_t *users = NULL;
    size_t nu = 0;
    assert_int_equal(store_user_list(f->st, f->a, s.id, 0, 100, &users, &nu), STORE_OK);
    assert_int_equal(nu, 1);
    assert_string_equal(users[0].account_id, s.admin_account_id);
}

static void test_two_sites_differ(void **state)
{
    fx_t *f = *state;
    site_rec_t s1, s2;
    assert_int_equal(site_create(f->st, f->a, "one", 1, &s1), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "two", 1, &s2), STORE_OK);
    assert_int_not_equal(s1.id, s2.id);
    assert_string_not_equal(s1.cloud_id, s2.cloud_id);
    assert_string_not_equal(s1.canary, s2.canary);
    assert_string_not_equal(s1.admin_account_id, s2.admin_account_id);
    /* site two's data never carries site one's canary */
    project_rec_t *v = NULL;
    size_t n = 0;
    int64_t total = 0;
    project_filter_t flt = {.max_results = 100};
    assert_int_equal(store_project_search(f->st, f->a, s2.id, &flt, &v, &n, &total), STORE_OK);
    for (size_t i = 0; i < n; i++) {
        assert_true(unit_contains(v[i].description, s2.canary));
        assert_false(unit_contains(v[i].description, s1.canary));
    }
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Demo sites share no value a test could compare (product/demo.h): with 40 sites whose
 * names all start with the same letter, every project key, project name, project id, issue
 * key, issue id, account id, email and display name is found on one site only; keys are
 * Jira keys; a site without demo content still numbers from 10000. */
static void test_demo_sites_share_nothing(void **state)
{
    fx_t *f = *state;
    enum { NSITES = 40 };
    enum { PER_SITE = 1024 }; /* 3 projects of ~120 issues (product/demo_issues.c), users */
    const char **seen = xcalloc(NSITES * PER_SITE, sizeof *seen);
    size_t nseen = 0;
    for (int si = 0; si < NSITES; si++) {
        site_rec_t s;
        char name[16];
        snprintf(name, sizeof name, "s%d", si);
        arena_t *sa = arena_new(1u << 24); /* one site's demo, as one admin request's arena */
        assert_int_equal(site_create(f->st, sa, name, 1, &s), STORE_OK);
        s.name = s.cloud_id = s.admin_account_id = s.canary = NULL; /* in sa: not used past here */
        arena_free(sa);
        project_rec_t *v = NULL;
        size_t n = 0;
        int64_t total = 0;
        project_filter_t flt = {.max_results = 100, .insight = 1};
        assert_int_equal(store_project_search(f->st, f->a, s.id, &flt, &v, &n, &total), STORE_OK);
        assert_int_equal(n, 3);
        for (size_t i = 0; i < n; i++) {
            size_t kl = strlen(v[i].key);
            assert_true(kl >= 2 && kl <= 10 && v[i].key[0] >= 'A' && v[i].key[0] <= 'Z');
            for (size_t c = 0; c < kl; c++)
                assert_true((v[i].key[c] >= 'A' && v[i].key[c] <= 'Z') || (v[i].key[c] >= '0' && v[i].key[c] <= '9'));
            assert_true(v[i].id >= 10000 + s.id * 10000); /* the site's own range */
            seen[nseen++] = v[i].key;
            seen[nseen++] = v[i].name;
            seen[nseen++] = arena_printf(f->a, "%lld", (long long)v[i].id);
            for (int64_t k = 1; k <= v[i].issue_count; k++) {
                issue_rec_t is;
                const char *pkey;
                const char *key = arena_printf(f->a, "%s-%lld", v[i].key, (long long)k);
                assert_int_equal(idkey_issue_get(f->st, f->a, s.id, key, &is, &pkey), STORE_OK);
                seen[nseen++] = key;
                seen[nseen++] = arena_printf(f->a, "issue %lld", (long long)is.id);
            }
        }
        user_rec_t *users = NULL;
        size_t nu = 0;
        assert_int_equal(store_user_list(f->st, f->a, s.id, 0, 100, &users, &nu), STORE_OK);
        assert_int_equal(nu, 13); /* the admin, demo.c's three, demo_people.c's nine */
        for (size_t i = 0; i < nu; i++) {
            seen[nseen++] = users[i].account_id;
            seen[nseen++] = users[i].email;
            seen[nseen++] = users[i].display_name;
        }
        assert_true(nseen < (size_t)(si + 1) * PER_SITE);
    }
    qsort(seen, nseen, sizeof *seen, by_string);
    for (size_t i = 1; i < nseen; i++)
        if (strcmp(seen[i], seen[i - 1]) == 0) {
            print_error("\"%s\" is on two demo sites (or twice on one)\n", seen[i]);
            fail();
        }
    free(seen);
    /* a site without demo content numbers its projects from 10000, as on Jira */
    site_rec_t bare;
    assert_int_equal(site_create(f->st, f->a, "bare", 0, &bare), STORE_OK);
    project_rec_t p = {.key = "BARE", .name = "Bare", .type_key = "software", .lead_account_id = bare.admin_account_id};
    assert_int_equal(store_project_insert(f->st, bare.id, &p), STORE_OK);
    assert_int_equal(p.id, 10000);
}

static void test_create_conflict(void **state)
{
    fx_t *f = *state;
    site_rec_t s1, s2;
    assert_int_equal(site_create(f->st, f->a, "dup", 1, &s1), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "dup", 1, &s2), STORE_CONFLICT);
    assert_int_equal(site_create(f->st, f->a, "dup", 0, &s2), STORE_CONFLICT);
    int64_t count = 0;
    assert_int_equal(store_site_count(f->st, &count), STORE_OK);
    assert_int_equal(count, 1);
    /* the first site is intact */
    site_rec_t got;
    assert_int_equal(store_site_by_name(f->st, f->a, "dup", &got), STORE_OK);
    assert_string_equal(got.canary, s1.canary);
    assert_string_equal(got.cloud_id, s1.cloud_id);
    /* and the store still works: no transaction was left open */
    site_rec_t s3;
    assert_int_equal(site_create(f->st, f->a, "after", 1, &s3), STORE_OK);
    assert_int_equal(store_site_count(f->st, &count), STORE_OK);
    assert_int_equal(count, 2);
}

static void test_user_token(void **state)
{
    fx_t *f = *state;
    site_rec_t s, other;
    assert_int_equal(site_create(f->st, f->a, "tok", 1, &s), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "tok2", 1, &other), STORE_OK);

    char token[TOKEN_MAX];
    const char *acct = NULL;
    assert_int_equal(site_user_token(f->st, f->a, &s, NULL, token, &acct), STORE_OK);
    assert_string_equal(acct, s.admin_account_id); /* NULL means the site admin */
    assert_int_equal(token_kind_of(token, strlen(token)), TOKEN_USER);

    unsigned char h[32];
    token_hash(token, strlen(token), h);
    int64_t site = 0;
    const char *found = NULL;
    assert_int_equal(store_token_lookup(f->st, f->a, h, &site, &found), STORE_OK);
    assert_int_equal(site, s.id);
    assert_string_equal(found, s.admin_account_id);

    /* the plaintext token is not what is stored: its hash is */
    unsigned char raw[32] = {0};
    memcpy(raw, token, 32);
    assert_int_equal(store_token_lookup(f->st, f->a, raw, &site, &found), STORE_NOTFOUND);

    /* a named demo user */
    user_rec_t *users = NULL;
    size_t nu = 0;
    assert_int_equal(store_user_list(f->st, f->a, s.id, 0, 100, &users, &nu), STORE_OK);
    const char *user = NULL;
    for (size_t i = 0; i < nu; i++)
        if (strcmp(users[i].account_id, s.admin_account_id) != 0)
            user = users[i].account_id;
    assert_non_null(user);
    char token2[TOKEN_MAX];
    assert_int_equal(site_user_token(f->st, f->a, &s, user, token2, &acct), STORE_OK);
    assert_string_equal(acct, user);
    assert_string_not_equal(token, token2);
    token_hash(token2, strlen(token2), h);
    assert_int_equal(store_token_lookup(f->st, f->a, h, &site, &found), STORE_OK);
    assert_string_equal(found, user);
}

static void test_user_token_unknown_account(void **state)
{
    fx_t *f = *state;
    site_rec_t s, other;
    assert_int_equal(site_create(f->st, f->a, "tk", 1, &s), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "tk2", 1, &other), STORE_OK);
    char token[TOKEN_MAX];
    const char *acct = NULL;
    assert_int_equal(site_user_token(f->st, f->a, &s, "no-such-account", token, &acct), STORE_NOTFOUND);
    assert_int_equal(site_user_token(f->st, f->a, &s, "", token, &acct), STORE_NOTFOUND);
    /* another site's admin is unknown here */
    assert_int_equal(site_user_token(f->st, f->a, &s, other.admin_account_id, token, &acct), STORE_NOTFOUND);
}

static void test_site_json(void **state)
{
    fx_t *f = *state;
    site_rec_t s;
    assert_int_equal(site_create(f->st, f->a, "js", 0, &s), STORE_OK);
    s.created_ms = 1657876781802; /* 2022-07-15T09:19:41.802Z */
    json_t *j = site_json(&s, "http://127.0.0.1:8080");
    assert_non_null(j);
    assert_int_equal(json_object_size(j), 5);
    assert_string_equal(json_str(j, "cloudId"), s.cloud_id);
    assert_string_equal(json_str(j, "name"), "js");
    assert_string_equal(json_str(j, "adminAccountId"), s.admin_account_id);
    assert_string_equal(json_str(j, "createdAt"), "2022-07-15T09:19:41.802+0000");
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:8080/ex/jira/%s", s.cloud_id);
    assert_string_equal(json_str(j, "url"), url);
    assert_null(json_object_get(j, "canary")); /* only GET /sites/{name} adds it */
    json_decref(j);
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_valid),
        cmocka_unit_test_setup_teardown(test_create_demo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_without_demo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_sites_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_sites_share_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_token_unknown_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_json, setup, teardown),
    };
    return cmocka_run_group_tests_name("site", tests, NULL, NULL);
}
