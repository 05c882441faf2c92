/* Unit tests for src/http/router.h: router_init and router_match on small tables
 * (literal beats param regardless of table order, 404 vs 405, params, HEAD as GET,
 * matching below a plane's prefix), and scope lookup for scoped tables. */
#include "unit.h"

#include "base/log.h"
#include "http/metrics.h"
#include "http/router.h"

static void h_search(kreq_t *kr)
{
    (void)kr;
}
static void h_get(kreq_t *kr)
{
    (void)kr;
}
static void h_create(kreq_t *kr)
{
    (void)kr;
}
static void h_comment(kreq_t *kr)
{
    (void)kr;
}
static void h_item_param(kreq_t *kr)
{
    (void)kr;
}
static void h_item_new(kreq_t *kr)
{
    (void)kr;
}
static void h_delete(kreq_t *kr)
{
    (void)kr;
}
static void h_root(kreq_t *kr)
{
    (void)kr;
}

/* Tables live for the process (router_init keeps pointers into them). The param route
 * of "item" is listed before its literal sibling on purpose. */
static route_t routes[] = {
    {"GET", "/project/{id}", h_get},
    {"GET", "/project/search", h_search},
    {"POST", "/project", h_create},
    {"DELETE", "/project/{id}", h_delete},
    {"GET", "/project/{id}/comment/{cid}", h_comment},
    {"GET", "/item/{id}", h_item_param},
    {"GET", "/item/new", h_item_new},
    {"GET", "/myself", h_root},
};
static route_table_t table = {"unittest", routes, sizeof routes / sizeof routes[0], 0};

static route_t scoped_routes[] = {
    {"GET", "/rest/api/3/project/search", h_search},
    {"GET", "/rest/api/3/serverInfo", h_get},
};
static route_table_t scoped = {"unitscoped", scoped_routes, sizeof scoped_routes / sizeof scoped_routes[0], 1};

static route_t bad_routes[] = {
    {"GET", "/rest/api/3/no/such/operation", h_get},
};
static route_table_t bad = {"unitbad", bad_routes, 1, 1};

static int group_setup(void **state)
{
    (void)state;
    /* once per process: router_init keeps its copies for the table's lifetime */
    return router_init(&table) == 0 && router_init(&scoped) == 0 ? 0 : -1;
}

typedef struct {
    h2o_req_t req;
    kreq_t kr;
    char *buf; /* the split path */
} fx_t;

/* Builds a request for `method` on "/"-separated `path` whose first `base` segments are
 * the plane's prefix. */
static void mk(fx_t *f, const char *method, const char *path, size_t base)
{
    memset(f, 0, sizeof *f);
    f->req.method = h2o_iovec_init(method, strlen(method));
    f->kr.req = &f->req;
    f->buf = xstrdup(path);
    for (char *save = NULL, *s = strtok_r(f->buf, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        assert_true(f->kr.nseg < KILN_MAX_SEGMENTS);
        f->kr.seg[f->kr.nseg++] = s;
    }
    f->kr.base = base;
}

static void done(fx_t *f)
{
    free(f->buf);
}

static void test_init(void **state)
{
    (void)state;
    assert_int_equal(routes[0].nsegs, 2);
    assert_string_equal(routes[0].segs[0], "project");
    assert_string_equal(routes[0].segs[1], "{id}");
    assert_int_equal(routes[4].nsegs, 4);
    assert_int_equal(routes[2].nsegs, 1);
    /* every route has its own, non-zero metrics id */
    for (unsigned i = 0; i < table.n; i++) {
        assert_int_not_equal(routes[i].metric, 0);
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(routes[i].metric, routes[j].metric);
    }
    assert_int_equal(metrics_route_id("unittest GET /project/search"), routes[1].metric);
    assert_null(routes[0].scopes); /* unscoped table */
}

static void test_literal_beats_param(void **state)
{
    (void)state;
    fx_t f;
    mk(&f, "GET", "/project/search", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_search);
    assert_int_equal(f.kr.metric_route, routes[1].metric);
    done(&f);

    mk(&f, "GET", "/item/new", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_item_new);
    done(&f);

    mk(&f, "GET", "/item/old", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_item_param);
    assert_string_equal(f.kr.params[0], "old");
    done(&f);
}

static void test_params(void **state)
{
    (void)state;
    fx_t f;
    mk(&f, "GET", "/project/WEB", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_get);
    assert_string_equal(f.kr.params[0], "WEB");
    assert_int_equal(f.kr.metric_route, routes[0].metric);
    done(&f);

    mk(&f, "GET", "/project/10000/comment/42", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_comment);
    assert_string_equal(f.kr.params[0], "10000");
    assert_string_equal(f.kr.params[1], "42");
    done(&f);

    /* a param takes any (already decoded) segment, even one that looks like a template */
    mk(&f, "GET", "/project/{id}", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_get);
    assert_string_equal(f.kr.params[0], "{id}");
    done(&f);
}

static void test_not_found(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "/nothing",
        "/project/search/extra",
        "/project/1/comment",
        "/project/1/comment/2/3",
        "/Project/search",
        "/projects",
        "/",
        "/item",
        "/myself/x",
    };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        fx_t f;
        mk(&f, "GET", paths[i], 0);
        int rc = router_match(&table, &f.kr);
        if (rc != ROUTE_NOT_FOUND)
            print_error("path %s\n", paths[i]);
        assert_int_equal(rc, ROUTE_NOT_FOUND);
        assert_null(f.kr.route);
        done(&f);
    }
}

static void test_bad_method(void **state)
{
    (void)state;
    fx_t f;
    mk(&f, "PUT", "/project/search", 0); /* the path exists with GET (and DELETE via {id}) */
    assert_int_equal(router_match(&table, &f.kr), ROUTE_BAD_METHOD);
    assert_null(f.kr.route);
    done(&f);

    mk(&f, "GET", "/project", 0); /* POST only */
    assert_int_equal(router_match(&table, &f.kr), ROUTE_BAD_METHOD);
    done(&f);

    mk(&f, "get", "/myself", 0); /* methods are case-sensitive */
    assert_int_equal(router_match(&table, &f.kr), ROUTE_BAD_METHOD);
    done(&f);

    mk(&f, "", "/myself", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_BAD_METHOD);
    done(&f);

    mk(&f, "GETX", "/myself", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_BAD_METHOD);
    done(&f);

    /* another method on the literal path may still match a param route */
    mk(&f, "DELETE", "/project/search", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_delete);
    assert_string_equal(f.kr.params[0], "search");
    done(&f);
}

static void test_head_matches_get(void **state)
{
    (void)state;
    fx_t f;
    mk(&f, "HEAD", "/project/search", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_search);
    done(&f);

    mk(&f, "HEAD", "/project/ABC/comment/1", 0);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_comment);
    assert_string_equal(f.kr.params[1], "1");
    done(&f);

    mk(&f, "HEAD", "/project", 0); /* no GET there: HEAD does not match POST */
    assert_int_equal(router_match(&table, &f.kr), ROUTE_BAD_METHOD);
    done(&f);
}

static void test_base_offset(void **state)
{
    (void)state;
    fx_t f;
    mk(&f, "GET", "/ex/jira/123e4567-e89b-42d3-a456-426614174000/project/XY/comment/9", 3);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_comment);
    assert_string_equal(f.kr.params[0], "XY");
    assert_string_equal(f.kr.params[1], "9");
    done(&f);

    /* the prefix itself is not matched against the table */
    mk(&f, "GET", "/project/search/myself", 2);
    assert_int_equal(router_match(&table, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route->fn, h_root);
    done(&f);

    mk(&f, "GET", "/ex/jira/cid", 3); /* nothing below the prefix */
    assert_int_equal(router_match(&table, &f.kr), ROUTE_NOT_FOUND);
    done(&f);
}

static void test_scoped_table(void **state)
{
    (void)state;
    assert_ptr_equal(scoped_routes[0].scopes, scope_find("GET", "/rest/api/3/project/search"));
    assert_non_null(scoped_routes[0].scopes);
    assert_string_equal(scoped_routes[0].scopes->classic, "read:jira-work");
    assert_non_null(scoped_routes[1].scopes);
    assert_string_equal(scoped_routes[1].scopes->classic, "");

    fx_t f;
    mk(&f, "GET", "/ex/jira/c/rest/api/3/serverInfo", 3);
    assert_int_equal(router_match(&scoped, &f.kr), ROUTE_FOUND);
    assert_ptr_equal(f.kr.route, &scoped_routes[1]);
    done(&f);
}

static void test_scoped_route_without_operation(void **state)
{
    (void)state;
    log_min_level = LOG_ERROR + 1; /* the refusal is logged; keep the output clean */
    int rc = router_init(&bad);
    log_min_level = LOG_INFO;
    assert_int_equal(rc, -1);
    assert_null(bad_routes[0].scopes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_literal_beats_param),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_bad_method),
        cmocka_unit_test(test_head_matches_get),
        cmocka_unit_test(test_base_offset),
        cmocka_unit_test(test_scoped_table),
        cmocka_unit_test(test_scoped_route_without_operation),
    };
    return cmocka_run_group_tests_name("router", tests, group_setup, NULL);
}
