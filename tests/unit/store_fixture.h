/* The fixture the store's unit tests share (test_store*.c, test_idkey.c): a fresh data
 * dir with a migrated store and two sites, alpha (A) and bravo (B), each with an admin
 * user; helpers to add projects and issues and to search. Header-only, like unit.h:
 * every helper is static inline so a test that does not use one gets no warning. */
#ifndef KILN_STORE_FIXTURE_H
#define KILN_STORE_FIXTURE_H

#include <time.h>

#include "base/log.h"
#include "store/store.h"
#include "store/store_product.h"
#include "store/store_sites.h"
#include "unit.h"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
    site_rec_t A, B; /* two sites, each with an admin user */
} fx_t;

static inline store_t *open_migrated(const char *dir)
{
    char err[256] = "";
    store_t *st = store_open(dir, err, sizeof err);
    if (!st)
        print_error("store_open: %s\n", err);
    assert_non_null(st);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    return st;
}

static inline site_rec_t mk_site(fx_t *f, const char *name, const char *cloud)
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

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
    fx_t *f = *state;
    store_close(f->st);
    arena_free(f->a);
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

static inline project_rec_t proj(fx_t *f, int64_t site, const char *key, const char *name, const char *type)
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

static inline int64_t add_project(fx_t *f, int64_t site, const char *key, const char *name, const char *type)
{
    project_rec_t p = proj(f, site, key, name, type);
    assert_int_equal(store_project_insert(f->st, site, &p), STORE_OK);
    return p.id;
}

static inline issue_rec_t add_issue(fx_t *f, int64_t site, int64_t project_id, const char *summary, int64_t updated)
{
    issue_rec_t i = {
        .project_id = project_id,
        .summary = summary,
        .description_json = "{\"type\":\"doc\",\"version\":1,\"content\":[]}",
        .issuetype_id = 10001, /* Task */
        .status_id = 10000,    /* To Do */
        .priority_id = 3,      /* Medium */
        .reporter_account_id = site == f->A.id ? f->A.admin_account_id : f->B.admin_account_id,
        .creator_account_id = site == f->A.id ? f->A.admin_account_id : f->B.admin_account_id,
        .original_estimate_s = -1,
        .remaining_estimate_s = -1,
        .time_spent_s = -1,
        .assignee_account_id = NULL,
        .created_ms = 1700000000000,
        .updated_ms = updated,
    };
    assert_int_equal(store_issue_insert(f->st, site, &i), STORE_OK);
    return i;
}

/* Site A: APP, HELP, MKT, WEB; site B: WEB (another project with the same key). */
static inline void seed_projects(fx_t *f)
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

static inline page_t search(fx_t *f, int64_t site, project_filter_t flt)
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
static inline const char *keys_of(fx_t *f, const page_t *pg)
{
    char *s = arena_strdup(f->a, "");
    for (size_t i = 0; i < pg->n; i++)
        s = arena_printf(f->a, "%s%s%s", s, i ? "," : "", pg->keys[i]);
    return s;
}

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

#endif
