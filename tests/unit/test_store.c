/* Unit tests for the store (src/store/store.h) on its SQLite backend, each test on a
 * fresh data dir: migrations, sites, users, tokens, projects (ids, keys, search),
 * issues (numbering), tenant isolation, transactions, durability across reopen. */
#include "unit.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "store/store.h"
#include "store/store_product.h"
#include "store/store_sites.h"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
    site_rec_t A, B; /* two sites, each with an admin user */
} fx_t;

static store_t *open_migrated(const char *dir)
{
    char err[256] = "";
    store_t *st = store_open(dir, err, sizeof err);
    if (!st)
        print_error("store_open: %s\n", err);
    assert_non_null(st);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    return st;
}

static site_rec_t mk_site(fx_t *f, const char *name, const char *cloud)
{
    site_rec_t s = {
        .cloud_id = cloud,
        .name = name,
        .admin_account_id = arena_printf(f->a, "admin-%s", name),
        .canary = arena_printf(f->a, "kiln-canary-%s", name),
        .created_ms = 1700000000000,
    };
    assert_int_equal(store_site_insert(f->st, &s), STORE_OK);
    assert_true(s.id > 0);
    user_rec_t u = {
        .account_id = s.admin_account_id,
        .email = arena_printf(f->a, "admin@%s.example.com", name),
        .display_name = "Site Admin",
        .account_type = "atlassian",
        .time_zone = "Etc/UTC",
        .locale = "en_US",
        .active = 1,
    };
    assert_int_equal(store_user_insert(f->st, s.id, &u), STORE_OK);
    return s;
}

static int setup(void **state)
{
    log_min_level = LOG_WARN;
    fx_t *f = xcalloc(1, sizeof *f);
    f->dir = unit_tempdir();
    f->a = arena_new(1u << 24);
    f->st = open_migrated(f->dir);
    f->A = mk_site(f, "alpha", "11111111-1111-4111-8111-111111111111");
    f->B = mk_site(f, "bravo", "22222222-2222-4222-8222-222222222222");
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

static project_rec_t proj(fx_t *f, int64_t site, const char *key, const char *name, const char *type)
{
    project_rec_t p = {
        .key = key,
        .name = name,
        .description = arena_printf(f->a, "About %s", name),
        .type_key = type,
        .lead_account_id = site == f->A.id ? f->A.admin_account_id : f->B.admin_account_id,
        .assignee_type = "UNASSIGNED",
        .url = "",
        .created_ms = 1700000000123,
    };
    return p;
}

static int64_t add_project(fx_t *f, int64_t site, const char *key, const char *name, const char *type)
{
    project_rec_t p = proj(f, site, key, name, type);
    assert_int_equal(store_project_insert(f->st, site, &p), STORE_OK);
    return p.id;
}

static issue_rec_t add_issue(fx_t *f, int64_t site, int64_t project_id, const char *summary, int64_t updated)
{
    issue_rec_t i = {
        .project_id = project_id,
        .summary = summary,
        .description_json = "{\"type\":\"doc\",\"version\":1,\"content\":[]}",
        .issuetype_id = "10001",
        .status = "To Do",
        .reporter_account_id = site == f->A.id ? f->A.admin_account_id : f->B.admin_account_id,
        .assignee_account_id = NULL,
        .created_ms = 1700000000000,
        .updated_ms = updated,
    };
    assert_int_equal(store_issue_insert(f->st, site, &i), STORE_OK);
    return i;
}

/* Site A: APP, HELP, MKT, WEB; site B: WEB (another project with the same key). */
static void seed_projects(fx_t *f)
{
    assert_int_equal(add_project(f, f->A.id, "WEB", "Website Relaunch", "software"), 10000);
    assert_int_equal(add_project(f, f->A.id, "MKT", "Marketing Campaigns", "business"), 10001);
    assert_int_equal(add_project(f, f->A.id, "HELP", "Customer Help Desk", "service_desk"), 10002);
    assert_int_equal(add_project(f, f->A.id, "APP", "Mobile app", "software"), 10003);
    assert_int_equal(add_project(f, f->B.id, "WEB", "Bravo Web", "business"), 10000);
}

typedef struct {
    size_t n;
    int64_t total;
    const char *keys[16];
} page_t;

static page_t search(fx_t *f, int64_t site, project_filter_t flt)
{
    project_rec_t *v = NULL;
    page_t pg = {0};
    pg.total = -7;
    assert_int_equal(store_project_search(f->st, f->a, site, &flt, &v, &pg.n, &pg.total), STORE_OK);
    assert_true(pg.n <= 16);
    for (size_t i = 0; i < pg.n; i++)
        pg.keys[i] = v[i].key;
    return pg;
}

/* "APP,HELP" from a page, for one readable comparison. */
static const char *keys_of(fx_t *f, const page_t *pg)
{
    char *s = arena_strdup(f->a, "");
    for (size_t i = 0; i < pg->n; i++)
        s = arena_printf(f->a, "%s%s%s", s, i ? "," : "", pg->keys[i]);
    return s;
}

/* ---- lifecycle ---- */

static void test_open_migrate_idempotent(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char sub[600], err[256];
    snprintf(sub, sizeof sub, "%s/data", dir); /* store_open creates the directory */
    store_t *st = open_migrated(sub);
    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_mode & 077, 0);                          /* private to the owner */
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK); /* twice */
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    int64_t n = -1;
    assert_int_equal(store_site_count(st, &n), STORE_OK);
    assert_int_equal(n, 0);
    char out[256];
    assert_int_equal(store_check(st, out, sizeof out), STORE_OK);
    assert_string_equal(out, "ok");
    store_close(st);
    /* reopening an already migrated store */
    st = open_migrated(sub);
    assert_int_equal(store_site_count(st, &n), STORE_OK);
    assert_int_equal(n, 0);
    store_close(st);
    store_close(NULL);
    unit_rmtree(dir);
}

static void test_open_failure(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char file[600], bad[700], err[256] = "";
    snprintf(file, sizeof file, "%s/plainfile", dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(bad, sizeof bad, "%s/sub", file); /* a directory under a regular file */
    assert_null(store_open(bad, err, sizeof err));
    assert_true(strlen(err) > 0);
    unit_rmtree(dir);
}

static void test_check_ok(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_issue(f, f->A.id, 10000, "one", 1);
    char out[512];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
    assert_string_equal(out, "ok");
}

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
    assert_int_equal(store_token_insert(f->st, h1, f->B.id, f->B.admin_account_id), STORE_CONFLICT);

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

/* ---- projects ---- */

static void test_project_ids_and_keys(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    /* a key taken on the site: conflict, and the failed insert assigns no id */
    project_rec_t dup = proj(f, f->A.id, "WEB", "Another", "software");
    assert_int_equal(store_project_insert(f->st, f->A.id, &dup), STORE_CONFLICT);
    assert_int_equal(add_project(f, f->A.id, "NEXT", "Next one", "business"), 10004);
    /* site B has its own sequence */
    assert_int_equal(add_project(f, f->B.id, "MKT", "Bravo Marketing", "business"), 10001);
    project_rec_t dupb = proj(f, f->B.id, "MKT", "Again", "business");
    assert_int_equal(store_project_insert(f->st, f->B.id, &dupb), STORE_CONFLICT);
    /* a project on a site that does not exist */
    project_rec_t orphan = proj(f, f->A.id, "ORPH", "Orphan", "software");
    assert_int_not_equal(store_project_insert(f->st, 999, &orphan), STORE_OK);
}

static void test_project_round_trip_hostile_strings(void **state)
{
    fx_t *f = *state;
    project_rec_t p =
        proj(f, f->A.id, "X'); DROP TABLE projects;--", "N\"a\\m\ne \xc3\xa9 \xf0\x9f\x94\xa5", "software");
    p.description = "";
    assert_int_equal(store_project_insert(f->st, f->A.id, &p), STORE_OK);
    project_rec_t got;
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "X'); DROP TABLE projects;--", &got), STORE_OK);
    assert_string_equal(got.name, "N\"a\\m\ne \xc3\xa9 \xf0\x9f\x94\xa5");
    assert_string_equal(got.description, "");
    char out[256];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
}

static void test_search_query(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    page_t pg = search(f, f->A.id, (project_filter_t){.query = "web", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "WEB");
    assert_int_equal(pg.total, 1);
    /* case-insensitive against both key and name (the query is given lowercase) */
    pg = search(f, f->A.id, (project_filter_t){.query = "mobile", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "APP");
    pg = search(f, f->A.id, (project_filter_t){.query = "mkt", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "MKT");
    pg = search(f, f->A.id, (project_filter_t){.query = "help desk", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "HELP");
    pg = search(f, f->A.id, (project_filter_t){.query = "e", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "APP,HELP,MKT,WEB");
    assert_int_equal(pg.total, 4);
    /* substring, not prefix */
    pg = search(f, f->A.id, (project_filter_t){.query = "paign", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "MKT");
    /* no wildcard semantics */
    pg = search(f, f->A.id, (project_filter_t){.query = "%", .max_results = 50});
    assert_int_equal(pg.n, 0);
    assert_int_equal(pg.total, 0);
    pg = search(f, f->A.id, (project_filter_t){.query = "_", .max_results = 50});
    assert_int_equal(pg.n, 0);
    pg = search(f, f->A.id, (project_filter_t){.query = "' or 1=1 --", .max_results = 50});
    assert_int_equal(pg.n, 0);
    pg = search(f, f->A.id, (project_filter_t){.query = "zzz", .max_results = 50});
    assert_int_equal(pg.n, 0);
    assert_int_equal(pg.total, 0);
    /* site B's "Bravo Web" is not site A's */
    pg = search(f, f->A.id, (project_filter_t){.query = "bravo", .max_results = 50});
    assert_int_equal(pg.total, 0);
    pg = search(f, f->B.id, (project_filter_t){.query = "web", .max_results = 50});
    assert_int_equal(pg.total, 1);
}

static void test_search_keys_and_types(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    page_t pg = search(f, f->A.id, (project_filter_t){.keys_json = "[\"WEB\",\"HELP\"]", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "HELP,WEB");
    assert_int_equal(pg.total, 2);
    pg = search(f, f->A.id, (project_filter_t){.keys_json = "[\"web\"]", .max_results = 50});
    assert_int_equal(pg.total, 0); /* keys are exact */
    pg = search(f, f->A.id, (project_filter_t){.keys_json = "[]", .max_results = 50});
    assert_int_equal(pg.total, 0);
    pg = search(f, f->A.id, (project_filter_t){.keys_json = "[\"NOPE\",\"MKT\",\"MKT\"]", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "MKT");

    pg = search(f, f->A.id, (project_filter_t){.types_json = "[\"software\"]", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "APP,WEB");
    assert_int_equal(pg.total, 2);
    pg = search(f, f->A.id, (project_filter_t){.types_json = "[\"software\",\"business\"]", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "APP,MKT,WEB");
    pg = search(f, f->A.id, (project_filter_t){.types_json = "[\"service_desk\"]", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "HELP");

    /* filters combine (AND) */
    pg = search(f, f->A.id, (project_filter_t){.query = "app", .types_json = "[\"software\"]", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "APP");
    pg =
        search(f, f->A.id,
               (project_filter_t){.keys_json = "[\"WEB\",\"MKT\"]", .types_json = "[\"business\"]", .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "MKT");
    /* site B's WEB is business: not a match on site A */
    pg = search(f, f->A.id,
                (project_filter_t){.keys_json = "[\"WEB\"]", .types_json = "[\"business\"]", .max_results = 50});
    assert_int_equal(pg.total, 0);
}

static void test_search_malformed_filter(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    log_min_level = LOG_ERROR + 1; /* the expected failure is logged; keep the output clean */
    project_filter_t flt = {.keys_json = "[\"WEB\"", .max_results = 50};
    project_rec_t *v = NULL;
    size_t n = 0;
    int64_t total = 0;
    int rc = store_project_search(f->st, f->a, f->A.id, &flt, &v, &n, &total);
    log_min_level = LOG_WARN;
    assert_int_equal(rc, STORE_ERROR);
    /* the handle is still usable */
    page_t pg = search(f, f->A.id, (project_filter_t){.max_results = 50});
    assert_int_equal(pg.total, 4);
}

static void test_search_order(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    page_t pg = search(f, f->A.id, (project_filter_t){.order = PROJECT_ORDER_KEY, .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "APP,HELP,MKT,WEB");
    pg = search(f, f->A.id, (project_filter_t){.order = PROJECT_ORDER_KEY_DESC, .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "WEB,MKT,HELP,APP");
    pg = search(f, f->A.id, (project_filter_t){.order = PROJECT_ORDER_NAME, .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "HELP,MKT,APP,WEB");
    pg = search(f, f->A.id, (project_filter_t){.order = PROJECT_ORDER_NAME_DESC, .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "WEB,APP,MKT,HELP");
    /* equal names fall back to the key */
    add_project(f, f->A.id, "ZZ", "Mobile app", "software");
    pg = search(f, f->A.id, (project_filter_t){.order = PROJECT_ORDER_NAME, .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "HELP,MKT,APP,ZZ,WEB");
    pg = search(f, f->A.id, (project_filter_t){.order = PROJECT_ORDER_NAME_DESC, .max_results = 50});
    assert_string_equal(keys_of(f, &pg), "WEB,ZZ,APP,MKT,HELP");
}

static void test_search_paging(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    page_t pg = search(f, f->A.id, (project_filter_t){.start_at = 1, .max_results = 2});
    assert_string_equal(keys_of(f, &pg), "HELP,MKT");
    assert_int_equal(pg.total, 4);
    pg = search(f, f->A.id, (project_filter_t){.start_at = 3, .max_results = 2});
    assert_string_equal(keys_of(f, &pg), "WEB");
    assert_int_equal(pg.total, 4);
    pg = search(f, f->A.id, (project_filter_t){.start_at = 0, .max_results = 1});
    assert_string_equal(keys_of(f, &pg), "APP");
    assert_int_equal(pg.total, 4);
    pg = search(f, f->A.id, (project_filter_t){.start_at = 0, .max_results = 4});
    assert_int_equal(pg.n, 4);
    assert_int_equal(pg.total, 4);
    pg = search(f, f->A.id, (project_filter_t){.start_at = 0, .max_results = 100});
    assert_int_equal(pg.n, 4);
    assert_int_equal(pg.total, 4);
    /* past the end: no rows, still the right total */
    pg = search(f, f->A.id, (project_filter_t){.start_at = 4, .max_results = 2});
    assert_int_equal(pg.n, 0);
    assert_int_equal(pg.total, 4);
    pg = search(f, f->A.id, (project_filter_t){.start_at = 1000000, .max_results = 50});
    assert_int_equal(pg.n, 0);
    assert_int_equal(pg.total, 4);
    /* max_results 0: just the total */
    pg = search(f, f->A.id, (project_filter_t){.max_results = 0});
    assert_int_equal(pg.n, 0);
    assert_int_equal(pg.total, 4);
    pg = search(f, f->A.id, (project_filter_t){.start_at = 2, .max_results = 0});
    assert_int_equal(pg.n, 0);
    assert_int_equal(pg.total, 4);
    pg = search(f, f->A.id, (project_filter_t){.types_json = "[\"software\"]", .max_results = 0});
    assert_int_equal(pg.total, 2);
    /* paging with a filter and descending order */
    pg = search(f, f->A.id,
                (project_filter_t){.query = "e", .order = PROJECT_ORDER_KEY_DESC, .start_at = 2, .max_results = 1});
    assert_string_equal(keys_of(f, &pg), "HELP");
    assert_int_equal(pg.total, 4);
    /* walking all pages sees each project once */
    const char *seen = "";
    for (int64_t at = 0; at < 4; at += 3) {
        pg = search(f, f->A.id, (project_filter_t){.start_at = at, .max_results = 3});
        assert_int_equal(pg.total, 4);
        seen = arena_printf(f->a, "%s%s%s", seen, at ? "," : "", keys_of(f, &pg));
    }
    assert_string_equal(seen, "APP,HELP,MKT,WEB");
}

static void test_search_insight(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_issue(f, f->A.id, 10000, "a", 1700000001000);
    add_issue(f, f->A.id, 10000, "b", 1700000005000);
    add_issue(f, f->A.id, 10001, "c", 1700000002000);
    add_issue(f, f->B.id, 10000, "other site", 1800000000000);
    project_rec_t *v = NULL;
    size_t n = 0;
    int64_t total = 0;
    project_filter_t flt = {.max_results = 50, .insight = 1};
    assert_int_equal(store_project_search(f->st, f->a, f->A.id, &flt, &v, &n, &total), STORE_OK);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].key, "WEB") == 0) {
            assert_int_equal(v[i].issue_count, 2); /* site B's issue on its WEB is not counted */
            assert_int_equal(v[i].last_issue_update_ms, 1700000005000);
        } else if (strcmp(v[i].key, "MKT") == 0) {
            assert_int_equal(v[i].issue_count, 1);
            assert_int_equal(v[i].last_issue_update_ms, 1700000002000);
        } else {
            assert_int_equal(v[i].issue_count, 0);
            assert_int_equal(v[i].last_issue_update_ms, 0);
        }
    }
    project_rec_t p;
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "WEB", &p), STORE_OK);
    assert_int_equal(p.issue_count, 2);
}

/* ---- issues ---- */

static void test_issue_numbering(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t i1 = add_issue(f, f->A.id, 10000, "first", 1);
    issue_rec_t i2 = add_issue(f, f->A.id, 10000, "second", 2);
    issue_rec_t i3 = add_issue(f, f->A.id, 10001, "mkt first", 3);
    issue_rec_t i4 = add_issue(f, f->A.id, 10000, "third", 4);
    assert_int_equal(i1.id, 10000);
    assert_int_equal(i1.num, 1);
    assert_int_equal(i2.id, 10001);
    assert_int_equal(i2.num, 2);
    assert_int_equal(i3.id, 10002); /* ids are site-wide */
    assert_int_equal(i3.num, 1);    /* numbers are per project */
    assert_int_equal(i4.id, 10003);
    assert_int_equal(i4.num, 3);
    /* site B counts on its own */
    issue_rec_t b1 = add_issue(f, f->B.id, 10000, "bravo first", 5);
    assert_int_equal(b1.id, 10000);
    assert_int_equal(b1.num, 1);
}

static void test_issue_needs_project_of_site(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t i = {.project_id = 10099,
                     .summary = "nowhere",
                     .issuetype_id = "10001",
                     .status = "To Do",
                     .reporter_account_id = "admin-alpha",
                     .created_ms = 1,
                     .updated_ms = 1};
    assert_int_not_equal(store_issue_insert(f->st, f->A.id, &i), STORE_OK);
    /* site A's MKT (10001) does not exist on site B (which has only 10000) */
    i.project_id = 10001;
    assert_int_not_equal(store_issue_insert(f->st, f->B.id, &i), STORE_OK);
    issue_rec_t got;
    const char *pkey;
    assert_int_equal(store_issue_by_key(f->st, f->a, f->A.id, "MKT", 1, &got, &pkey), STORE_NOTFOUND);
    /* the failed inserts used up no number */
    issue_rec_t ok = add_issue(f, f->A.id, 10001, "real", 1);
    assert_int_equal(ok.num, 1);
    assert_int_equal(ok.id, 10000);
}

/* ---- tenancy ---- */

static void test_tenant_isolation(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_issue(f, f->A.id, 10000, "alpha web 1", 1);
    add_issue(f, f->A.id, 10000, "alpha web 2", 1);
    add_issue(f, f->A.id, 10001, "alpha mkt 1", 1);
    add_issue(f, f->B.id, 10000, "bravo web 1", 1);

    project_rec_t p;
    /* site A's rows by id or key, asked for with site B's id */
    assert_int_equal(store_project_by_key(f->st, f->a, f->B.id, "MKT", &p), STORE_NOTFOUND);
    assert_int_equal(store_project_by_id(f->st, f->a, f->B.id, 10001, &p), STORE_NOTFOUND);
    assert_int_equal(store_project_by_key(f->st, f->a, f->B.id, "HELP", &p), STORE_NOTFOUND);
    assert_int_equal(store_project_by_id(f->st, f->a, f->B.id, 10003, &p), STORE_NOTFOUND);
    /* the same key or id resolves to site B's own row, never site A's */
    assert_int_equal(store_project_by_key(f->st, f->a, f->B.id, "WEB", &p), STORE_OK);
    assert_string_equal(p.name, "Bravo Web");
    assert_int_equal(store_project_by_id(f->st, f->a, f->B.id, 10000, &p), STORE_OK);
    assert_string_equal(p.name, "Bravo Web");
    assert_int_equal(p.issue_count, 1);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "WEB", &p), STORE_OK);
    assert_string_equal(p.name, "Website Relaunch");

    issue_rec_t is;
    const char *pkey;
    assert_int_equal(store_issue_by_key(f->st, f->a, f->B.id, "WEB", 2, &is, &pkey), STORE_NOTFOUND);
    assert_int_equal(store_issue_by_key(f->st, f->a, f->B.id, "MKT", 1, &is, &pkey), STORE_NOTFOUND);
    assert_int_equal(store_issue_by_id(f->st, f->a, f->B.id, 10001, &is, &pkey), STORE_NOTFOUND);
    assert_int_equal(store_issue_by_id(f->st, f->a, f->B.id, 10002, &is, &pkey), STORE_NOTFOUND);
    assert_int_equal(store_issue_by_key(f->st, f->a, f->B.id, "WEB", 1, &is, &pkey), STORE_OK);
    assert_string_equal(is.summary, "bravo web 1");
    assert_int_equal(store_issue_by_id(f->st, f->a, f->B.id, 10000, &is, &pkey), STORE_OK);
    assert_string_equal(is.summary, "bravo web 1");
    assert_int_equal(store_issue_by_id(f->st, f->a, f->A.id, 10000, &is, &pkey), STORE_OK);
    assert_string_equal(is.summary, "alpha web 1");

    page_t pg = search(f, f->B.id, (project_filter_t){.max_results = 50});
    assert_string_equal(keys_of(f, &pg), "WEB");
    assert_int_equal(pg.total, 1);
    pg = search(f, f->B.id, (project_filter_t){.keys_json = "[\"MKT\",\"HELP\",\"APP\"]", .max_results = 50});
    assert_int_equal(pg.total, 0);

    user_rec_t u;
    assert_int_equal(store_user_get(f->st, f->a, f->B.id, f->A.admin_account_id, &u), STORE_NOTFOUND);

    /* a site id that does not exist sees nothing */
    static const int64_t ghosts[] = {0, -1, 999, INT64_MAX, INT64_MIN};
    for (size_t g = 0; g < sizeof ghosts / sizeof *ghosts; g++) {
        int64_t gs = ghosts[g];
        assert_int_equal(store_project_by_key(f->st, f->a, gs, "WEB", &p), STORE_NOTFOUND);
        assert_int_equal(store_project_by_id(f->st, f->a, gs, 10000, &p), STORE_NOTFOUND);
        assert_int_equal(store_issue_by_key(f->st, f->a, gs, "WEB", 1, &is, &pkey), STORE_NOTFOUND);
        assert_int_equal(store_issue_by_id(f->st, f->a, gs, 10000, &is, &pkey), STORE_NOTFOUND);
        assert_int_equal(store_user_get(f->st, f->a, gs, f->A.admin_account_id, &u), STORE_NOTFOUND);
        pg = search(f, gs, (project_filter_t){.max_results = 50});
        assert_int_equal(pg.n, 0);
        assert_int_equal(pg.total, 0);
    }
}

/* ---- transactions and durability ---- */

static void test_rollback_leaves_nothing(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_begin(f->st), STORE_OK);
    site_rec_t s = {.cloud_id = "55555555-5555-4555-8555-555555555555",
                    .name = "ghost",
                    .admin_account_id = "g",
                    .canary = "c",
                    .created_ms = 1};
    assert_int_equal(store_site_insert(f->st, &s), STORE_OK);
    user_rec_t u = {.account_id = "g",
                    .email = "g@x",
                    .display_name = "G",
                    .account_type = "atlassian",
                    .time_zone = "Etc/UTC",
                    .locale = "en_US",
                    .active = 1};
    assert_int_equal(store_user_insert(f->st, s.id, &u), STORE_OK);
    project_rec_t p = proj(f, f->A.id, "GHOST", "Ghost", "software");
    assert_int_equal(store_project_insert(f->st, s.id, &p), STORE_OK);
    issue_rec_t i = {.project_id = p.id,
                     .summary = "boo",
                     .issuetype_id = "10001",
                     .status = "To Do",
                     .reporter_account_id = "g",
                     .created_ms = 1,
                     .updated_ms = 1};
    assert_int_equal(store_issue_insert(f->st, s.id, &i), STORE_OK);
    unsigned char h[32];
    memset(h, 0x5a, 32);
    assert_int_equal(store_token_insert(f->st, h, s.id, "g"), STORE_OK);
    /* also a row on an existing site, in the same transaction */
    project_rec_t pa = proj(f, f->A.id, "TXA", "In tx", "software");
    assert_int_equal(store_project_insert(f->st, f->A.id, &pa), STORE_OK);
    store_rollback(f->st);

    site_rec_t got;
    assert_int_equal(store_site_by_name(f->st, f->a, "ghost", &got), STORE_NOTFOUND);
    assert_int_equal(store_site_by_id(f->st, f->a, s.id, &got), STORE_NOTFOUND);
    int64_t n = 0;
    assert_int_equal(store_site_count(f->st, &n), STORE_OK);
    assert_int_equal(n, 2);
    user_rec_t ug;
    assert_int_equal(store_user_get(f->st, f->a, s.id, "g", &ug), STORE_NOTFOUND);
    project_rec_t pg;
    assert_int_equal(store_project_by_key(f->st, f->a, s.id, "GHOST", &pg), STORE_NOTFOUND);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "TXA", &pg), STORE_NOTFOUND);
    int64_t site;
    const char *acct;
    assert_int_equal(store_token_lookup(f->st, f->a, h, &site, &acct), STORE_NOTFOUND);
    /* the id sequence was rolled back too */
    assert_int_equal(add_project(f, f->A.id, "AFTER", "After", "software"), 10000);
    char out[256];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
}

static void test_commit_keeps_all(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_begin(f->st), STORE_OK);
    project_rec_t p1 = proj(f, f->A.id, "ONE", "One", "software");
    project_rec_t p2 = proj(f, f->A.id, "TWO", "Two", "software");
    assert_int_equal(store_project_insert(f->st, f->A.id, &p1), STORE_OK);
    assert_int_equal(store_project_insert(f->st, f->A.id, &p2), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    page_t pg = search(f, f->A.id, (project_filter_t){.max_results = 50});
    assert_string_equal(keys_of(f, &pg), "ONE,TWO");
    /* a read snapshot */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    project_rec_t got;
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "TWO", &got), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(got.id, 10001);
}

static void test_reopen_persists(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_issue(f, f->A.id, 10001, "persisted", 42);
    unsigned char h[32];
    memset(h, 0x77, 32);
    assert_int_equal(store_token_insert(f->st, h, f->A.id, f->A.admin_account_id), STORE_OK);
    store_close(f->st);
    f->st = open_migrated(f->dir);

    site_rec_t s;
    assert_int_equal(store_site_by_name(f->st, f->a, "alpha", &s), STORE_OK);
    assert_int_equal(s.id, f->A.id);
    assert_string_equal(s.canary, "kiln-canary-alpha");
    project_rec_t p;
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "MKT", &p), STORE_OK);
    assert_int_equal(p.id, 10001);
    issue_rec_t is;
    const char *pkey;
    assert_int_equal(store_issue_by_key(f->st, f->a, f->A.id, "MKT", 1, &is, &pkey), STORE_OK);
    assert_string_equal(is.summary, "persisted");
    int64_t site;
    const char *acct;
    assert_int_equal(store_token_lookup(f->st, f->a, h, &site, &acct), STORE_OK);
    assert_int_equal(site, f->A.id);
    /* sequences continue where they were */
    assert_int_equal(add_project(f, f->A.id, "NEW", "New", "software"), 10004);
    issue_rec_t next = add_issue(f, f->A.id, 10001, "next", 43);
    assert_int_equal(next.id, 10001);
    assert_int_equal(next.num, 2);
}

static void test_two_handles(void **state)
{
    fx_t *f = *state;
    store_t *other = open_migrated(f->dir); /* as a second HTTP thread would */
    add_project(f, f->A.id, "SEEN", "Seen elsewhere", "business");
    project_rec_t p;
    assert_int_equal(store_project_by_key(other, f->a, f->A.id, "SEEN", &p), STORE_OK);
    project_rec_t q = proj(f, f->A.id, "OTHER", "From the other handle", "software");
    assert_int_equal(store_project_insert(other, f->A.id, &q), STORE_OK);
    assert_int_equal(q.id, 10001);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "OTHER", &p), STORE_OK);
    store_close(other);
}

/* ---- read snapshots ---- */

static void test_read_snapshot_consistent(void **state)
{
    fx_t *f = *state;
    store_t *other = open_migrated(f->dir);
    project_rec_t p;
    /* a read transaction sees one snapshot: a write committed meanwhile by another
     * handle is not visible inside it... */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "SNAP", &p), STORE_NOTFOUND);
    project_rec_t q = proj(f, f->A.id, "SNAP", "Snapshot", "software");
    assert_int_equal(store_project_insert(other, f->A.id, &q), STORE_OK);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "SNAP", &p), STORE_NOTFOUND);
    assert_int_equal(store_commit(f->st), STORE_OK);
    /* ...and the next read includes every write acknowledged before it started */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "SNAP", &p), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    /* also without a read transaction */
    project_rec_t r = proj(f, f->A.id, "SNAP2", "Snapshot 2", "software");
    assert_int_equal(store_project_insert(other, f->A.id, &r), STORE_OK);
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "SNAP2", &p), STORE_OK);
    store_close(other);
}

static void test_read_your_writes(void **state)
{
    fx_t *f = *state;
    store_t *other = open_migrated(f->dir);
    project_rec_t p;
    for (int i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof key, "RW%d", i);
        /* a snapshot kept from the previous read must not hide a write acknowledged since,
         * whichever handle made it */
        assert_int_equal(store_begin_read(f->st), STORE_OK);
        assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, key, &p), STORE_NOTFOUND);
        assert_int_equal(store_commit(f->st), STORE_OK);
        project_rec_t q = proj(f, f->A.id, key, "Read your writes", "software");
        assert_int_equal(store_project_insert(i % 2 ? f->st : other, f->A.id, &q), STORE_OK);
        assert_int_equal(store_begin_read(f->st), STORE_OK);
        assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, key, &p), STORE_OK);
        page_t pg = search(f, f->A.id, (project_filter_t){.max_results = 0});
        assert_int_equal(pg.total, i + 1);
        assert_int_equal(store_commit(f->st), STORE_OK);
        /* the other handle too */
        assert_int_equal(store_begin_read(other), STORE_OK);
        assert_int_equal(store_project_by_key(other, f->a, f->A.id, key, &p), STORE_OK);
        assert_int_equal(store_commit(other), STORE_OK);
    }
    /* a site created and a token minted are visible to the next read at once */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    int64_t n = 0;
    assert_int_equal(store_site_count(f->st, &n), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    site_rec_t s = {
        .cloud_id = "66666666-6666-4666-8666-666666666666", .name = "late", .admin_account_id = "l", .canary = "c"};
    assert_int_equal(store_site_insert(other, &s), STORE_OK);
    unsigned char h[32];
    memset(h, 0x66, 32);
    assert_int_equal(store_token_insert(other, h, s.id, "l"), STORE_OK);
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    site_rec_t got;
    assert_int_equal(store_site_by_name(f->st, f->a, "late", &got), STORE_OK);
    int64_t site;
    const char *acct;
    assert_int_equal(store_token_lookup(f->st, f->a, h, &site, &acct), STORE_OK);
    assert_int_equal(site, s.id);
    assert_int_equal(store_commit(f->st), STORE_OK);
    store_close(other);
}

static void test_read_does_not_nest(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_begin_read(f->st), STORE_ERROR);
    assert_int_equal(store_commit(f->st), STORE_OK);
    /* a read cannot start inside a write transaction either */
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_begin_read(f->st), STORE_ERROR);
    store_rollback(f->st);
    /* a read ended by rollback */
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    site_rec_t s;
    assert_int_equal(store_site_by_name(f->st, f->a, "alpha", &s), STORE_OK);
    store_rollback(f->st);
    store_idle(f->st);
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_site_by_name(f->st, f->a, "bravo", &s), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    char out[64];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void test_outside_writer_seen_after_idle(void **state)
{
    fx_t *f = *state;
    /* a writer outside this process (here: a raw SQLite connection) */
    char path[600];
    snprintf(path, sizeof path, "%s/kiln.db", f->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    site_rec_t s;
    assert_int_equal(store_site_by_name(f->st, f->a, "outside", &s), STORE_NOTFOUND);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO sites (cloud_id, name, admin_account_id, canary, created_ms) "
                                  "VALUES ('77777777-7777-4777-8777-777777777777', 'outside', 'o', 'c', 1)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    /* seen once the kept snapshot has aged out (store.h: a backend may keep it) */
    sleep_ms(150);
    store_idle(f->st);
    assert_int_equal(store_begin_read(f->st), STORE_OK);
    assert_int_equal(store_site_by_name(f->st, f->a, "outside", &s), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
}

/* ---- the project-search answer cache (store/qcache.h) ---- */

static int64_t search_total(store_t *st, arena_t *a, int64_t site, int read_tx)
{
    project_filter_t flt = {.order = PROJECT_ORDER_KEY, .max_results = 10};
    project_rec_t *v;
    size_t n;
    int64_t total = -1;
    if (read_tx)
        assert_int_equal(store_begin_read(st), STORE_OK);
    assert_int_equal(store_project_search(st, a, site, &flt, &v, &n, &total), STORE_OK);
    if (read_tx)
        assert_int_equal(store_commit(st), STORE_OK);
    assert_int_equal((int64_t)n, total);
    return total;
}

/* A write through any handle is seen by the next search on every other handle. */
static void test_qcache_write_on_other_handle(void **state)
{
    fx_t *f = *state;
    store_t *other = open_migrated(f->dir);
    add_project(f, f->A.id, "ONE", "One", "software");
    for (int read_tx = 0; read_tx < 2; read_tx++) {
        int64_t before = search_total(f->st, f->a, f->A.id, read_tx);
        assert_int_equal(search_total(f->st, f->a, f->A.id, read_tx), before); /* served again */
        project_rec_t p = proj(f, f->A.id, read_tx ? "TWO" : "THREE", read_tx ? "Two" : "Three", "business");
        assert_int_equal(store_project_insert(other, f->A.id, &p), STORE_OK);
        assert_int_equal(search_total(f->st, f->a, f->A.id, read_tx), before + 1);
    }
    store_close(other);
}

/* What a write transaction saw and then rolled back is never served later. */
static void test_qcache_no_phantom_after_rollback(void **state)
{
    fx_t *f = *state;
    add_project(f, f->A.id, "ONE", "One", "software");
    assert_int_equal(search_total(f->st, f->a, f->A.id, 0), 1);
    assert_int_equal(store_begin(f->st), STORE_OK);
    project_rec_t p = proj(f, f->A.id, "GHOST", "Ghost", "software");
    assert_int_equal(store_project_insert(f->st, f->A.id, &p), STORE_OK);
    assert_int_equal(search_total(f->st, f->a, f->A.id, 0), 2); /* visible inside the transaction */
    store_rollback(f->st);
    assert_int_equal(search_total(f->st, f->a, f->A.id, 0), 1);
    assert_int_equal(search_total(f->st, f->a, f->A.id, 1), 1);
}

/* Identical searches on two sites never share an answer. */
static void test_qcache_sites_apart(void **state)
{
    fx_t *f = *state;
    add_project(f, f->A.id, "SAME", "Alpha's", "software");
    add_project(f, f->B.id, "SAME", "Bravo's", "software");
    add_project(f, f->B.id, "MORE", "Bravo's other", "software");
    project_filter_t flt = {.order = PROJECT_ORDER_KEY, .max_results = 10, .keys_json = "[\"SAME\"]"};
    for (int round = 0; round < 3; round++) {
        project_rec_t *v;
        size_t n;
        int64_t total;
        assert_int_equal(store_project_search(f->st, f->a, f->A.id, &flt, &v, &n, &total), STORE_OK);
        assert_int_equal(n, 1);
        assert_string_equal(v[0].name, "Alpha's");
        assert_int_equal(store_project_search(f->st, f->a, f->B.id, &flt, &v, &n, &total), STORE_OK);
        assert_int_equal(n, 1);
        assert_string_equal(v[0].name, "Bravo's");
    }
    assert_int_equal(search_total(f->st, f->a, f->A.id, 0), 1);
    assert_int_equal(search_total(f->st, f->a, f->B.id, 0), 2);
}

/* A writer outside the process is seen once an answer is older than the cache's bound. */
static void test_qcache_outside_writer(void **state)
{
    fx_t *f = *state;
    add_project(f, f->A.id, "ONE", "One", "software");
    assert_int_equal(search_total(f->st, f->a, f->A.id, 0), 1);
    char path[600];
    snprintf(path, sizeof path, "%s/kiln.db", f->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *sql = sqlite3_mprintf("INSERT INTO projects (site_id, id, key, name, description, type_key, "
                                "lead_account_id, assignee_type, url, created_ms) VALUES "
                                "(%lld, 99999, 'OUT', 'Outside', '', 'software', 'x', 'UNASSIGNED', '', 1)",
                                (long long)f->A.id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
    sleep_ms(150);
    store_idle(f->st);
    assert_int_equal(search_total(f->st, f->a, f->A.id, 0), 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_migrate_idempotent),
        cmocka_unit_test(test_open_failure),
        T(test_check_ok),
        T(test_sites),
        T(test_site_conflicts),
        T(test_users),
        T(test_user_list),
        T(test_user_list_negative_max),
        T(test_qcache_write_on_other_handle),
        T(test_qcache_no_phantom_after_rollback),
        T(test_qcache_sites_apart),
        T(test_qcache_outside_writer),
        T(test_tokens),
        T(test_project_ids_and_keys),
        T(test_project_round_trip_hostile_strings),
        T(test_search_query),
        T(test_search_keys_and_types),
        T(test_search_malformed_filter),
        T(test_search_order),
        T(test_search_paging),
        T(test_search_insight),
        T(test_issue_numbering),
        T(test_issue_needs_project_of_site),
        T(test_tenant_isolation),
        T(test_rollback_leaves_nothing),
        T(test_commit_keeps_all),
        T(test_reopen_persists),
        T(test_two_handles),
        T(test_read_snapshot_consistent),
        T(test_read_your_writes),
        T(test_read_does_not_nest),
        T(test_outside_writer_seen_after_idle),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
