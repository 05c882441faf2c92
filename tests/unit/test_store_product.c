/* Unit tests for the store's product family (src/store/store_product.h) on its SQLite
 * backend, each test on a fresh data dir: projects (ids, keys, search), issues
 * (numbering), tenant isolation, and the project-search answer cache. */
#include "unit.h"

#include <sqlite3.h>

#include "store/store_events.h"
#include "store/store_product.h"
#include "store/store_sites.h"
#include "store_fixture.h"

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
    /* a read by key or id counts nothing (it is on every issue's path) */
    project_rec_t p;
    assert_int_equal(store_project_by_key(f->st, f->a, f->A.id, "WEB", &p), STORE_OK);
    assert_int_equal(p.issue_count, 0);
    assert_int_equal(p.last_issue_update_ms, 0);
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
                     .issuetype_id = 10001,
                     .status_id = 10000,
                     .priority_id = 3,
                     .reporter_account_id = "admin-alpha",
                     .creator_account_id = "admin-alpha",
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

/* ---- id sequences and the event log ---- */

static void test_next_id_per_site_and_kind(void **state)
{
    fx_t *f = *state;
    int64_t id;
    assert_int_equal(store_next_id(f->st, f->A.id, "comment", &id), STORE_OK);
    assert_int_equal(id, 10000);
    assert_int_equal(store_next_id(f->st, f->A.id, "comment", &id), STORE_OK);
    assert_int_equal(id, 10001);
    assert_int_equal(store_next_id(f->st, f->A.id, "worklog", &id), STORE_OK);
    assert_int_equal(id, 10000); /* kinds count apart */
    assert_int_equal(store_next_id(f->st, f->B.id, "comment", &id), STORE_OK);
    assert_int_equal(id, 10000); /* sites count apart */
    /* a site's id base moves its first ids (a demo site's range) */
    assert_int_equal(store_site_seed_ids(f->st, f->B.id, 30000), STORE_OK);
    assert_int_equal(store_next_id(f->st, f->B.id, "sprint", &id), STORE_OK);
    assert_int_equal(id, 30000);
    /* no site, no id */
    assert_int_not_equal(store_next_id(f->st, 999, "comment", &id), STORE_OK);
    /* a rolled-back id is handed out again: ids are not reserved outside a commit */
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_next_id(f->st, f->A.id, "comment", &id), STORE_OK);
    assert_int_equal(id, 10002);
    store_rollback(f->st);
    assert_int_equal(store_next_id(f->st, f->A.id, "comment", &id), STORE_OK);
    assert_int_equal(id, 10002);
}

static void test_events_ordered_per_site(void **state)
{
    fx_t *f = *state;
    event_rec_t e = {.kind = "avi:jira:created:issue",
                     .created_ms = 5,
                     .actor_account_id = "u1",
                     .entity_id = "10000",
                     .payload_json = "{\"a\":1}"};
    assert_int_equal(store_event_append(f->st, f->A.id, &e), STORE_OK);
    assert_int_equal(e.seq, 1);
    e.kind = "avi:jira:updated:issue";
    assert_int_equal(store_event_append(f->st, f->A.id, &e), STORE_OK);
    assert_int_equal(e.seq, 2);
    assert_int_equal(store_event_append(f->st, f->B.id, &e), STORE_OK);
    assert_int_equal(e.seq, 1); /* site B numbers its own */
    /* an event in a rolled-back write is gone, and its number is not skipped */
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_event_append(f->st, f->A.id, &e), STORE_OK);
    assert_int_equal(e.seq, 3);
    store_rollback(f->st);
    event_rec_t *ev;
    size_t n;
    assert_int_equal(store_event_list(f->st, f->a, f->A.id, 0, 10, &ev, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].kind, "avi:jira:created:issue");
    assert_string_equal(ev[1].kind, "avi:jira:updated:issue");
    assert_string_equal(ev[1].payload_json, "{\"a\":1}");
    assert_int_equal(store_event_list(f->st, f->a, f->A.id, 1, 10, &ev, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].seq, 2);
    assert_int_equal(store_event_list(f->st, f->a, f->B.id, 0, 10, &ev, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_event_append(f->st, f->A.id, &e), STORE_OK);
    assert_int_equal(e.seq, 3);
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        T(test_qcache_write_on_other_handle),
        T(test_qcache_no_phantom_after_rollback),
        T(test_qcache_sites_apart),
        T(test_qcache_outside_writer),
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
        T(test_next_id_per_site_and_kind),
        T(test_events_ordered_per_site),
    };
    return cmocka_run_group_tests_name("store_product", tests, NULL, NULL);
}
