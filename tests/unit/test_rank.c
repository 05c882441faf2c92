/* Unit tests for agile ranks (src/product/rank.h) and the store's agile and DevOps
 * families (store/store_agile.h, store/store_devops.h) on a fresh store
 * (store_fixture.h: sites A and B). */
#include "unit.h"

#include "product/rank.h"
#include "store/store_agile.h"
#include "store/store_devops.h"
#include "store_fixture.h"

/* ---- rank strings ---- */

static void between_ok(const char *lo, const char *hi, char *out, size_t cap)
{
    int n = rank_between(lo, hi, out, cap);
    if (n < 0)
        print_error("no rank between \"%s\" and \"%s\"\n", lo ? lo : "(null)", hi ? hi : "(null)");
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(out));
    assert_true(rank_valid(out));
    if (lo)
        assert_true(strcmp(lo, out) < 0);
    if (hi)
        assert_true(strcmp(out, hi) < 0);
}

static void test_between_simple(void **state)
{
    (void)state;
    char r[RANK_MAX_LEN + 1];
    between_ok(NULL, NULL, r, sizeof r);
    between_ok("0|0000010001:", "0|0000010002:", r, sizeof r);
    assert_int_equal(strncmp(r, "0|0000010001", 12), 0); /* adjacent digits: keeps lo's, goes on after it */
    assert_true(strlen(r) == 13);
    between_ok("a", "c", r, sizeof r);
    assert_string_equal(r, "b");
    between_ok("a", "b", r, sizeof r);
    between_ok("", "\"", r, sizeof r); /* the lowest non-empty: room below it still */
    between_ok("~~~", NULL, r, sizeof r);
    between_ok(NULL, "0|0000010001:", r, sizeof r);
    between_ok("0|0000010001:", NULL, r, sizeof r);
    between_ok("a", "a\"", r, sizeof r); /* hi extends lo by its second-lowest digit */
}

static void test_between_refuses(void **state)
{
    (void)state;
    char r[64];
    assert_int_equal(rank_between("b", "a", r, sizeof r), -1);    /* out of order */
    assert_int_equal(rank_between("a", "a", r, sizeof r), -1);    /* equal: nothing between */
    assert_int_equal(rank_between("a!", "b", r, sizeof r), -1);   /* ends in the lowest digit */
    assert_int_equal(rank_between("a b", NULL, r, sizeof r), -1); /* a space is no digit */
    assert_int_equal(rank_between("a", "\x7f", r, sizeof r), -1);
    assert_int_equal(rank_between("aaaaaaaa", "aaaaaaab", r, 4), -1); /* out too small */
    assert_false(rank_valid("a\xc3\xa9"));
    assert_true(rank_valid(""));
}

/* 10,000 inserts at one spot, both ways: every new rank sits strictly between its
 * neighbours, and the whole sequence stays in order. */
static void test_many_at_one_spot(void **state)
{
    (void)state;
    enum { N = 10000 };
    char **r = xcalloc(N, sizeof *r);
    char buf[RANK_MAX_LEN + 1];
    /* always just before the same issue "m": each new one goes between the last and "m" */
    const char *lo = "0|0000010001:", *hi = "0|0000010002:";
    for (int i = 0; i < N; i++) {
        between_ok(i ? r[i - 1] : lo, hi, buf, sizeof buf);
        r[i] = xstrdup(buf);
    }
    size_t longest = strlen(r[N - 1]);
    for (int i = 1; i < N; i++)
        assert_true(strcmp(r[i - 1], r[i]) < 0);
    assert_true(longest < 2000);
    for (int i = 0; i < N; i++)
        free(r[i]);
    /* always just after the same issue: each new one goes between "lo" and the last */
    for (int i = 0; i < N; i++) {
        between_ok(lo, i ? r[i - 1] : hi, buf, sizeof buf);
        r[i] = xstrdup(buf);
    }
    for (int i = 1; i < N; i++)
        assert_true(strcmp(r[i], r[i - 1]) < 0);
    assert_true(strlen(r[N - 1]) < 2000);
    print_message("10000 inserts at one spot: %zu and %zu bytes\n", longest, strlen(r[N - 1]));
    for (int i = 0; i < N; i++)
        free(r[i]);
    free(r);
}

/* ---- the store: ranks, sprints, boards, DevOps entities ---- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static void test_rank_store(void **state)
{
    fx_t *f = *state;
    int64_t p = add_project(f, f->A.id, "WEB", "Web", "software");
    issue_rec_t a = add_issue(f, f->A.id, p, "a", 1), b = add_issue(f, f->A.id, p, "b", 2);
    const char *below = NULL, *above = NULL, *pk;
    issue_rec_t got;
    assert_int_equal(store_issue_by_id(f->st, f->a, f->A.id, b.id, &got, &pk), STORE_OK);
    assert_int_equal(store_issue_rank_neighbour(f->st, f->a, f->A.id, got.rank, 0, &below), STORE_OK);
    assert_int_equal(store_issue_rank_neighbour(f->st, f->a, f->A.id, got.rank, 1, &above), STORE_OK);
    assert_non_null(below);
    assert_null(above);
    /* b goes before a */
    assert_int_equal(store_issue_by_id(f->st, f->a, f->A.id, a.id, &got, &pk), STORE_OK);
    char r[RANK_MAX_LEN + 1];
    assert_int_equal(store_issue_rank_neighbour(f->st, f->a, f->A.id, got.rank, 0, &below), STORE_OK);
    assert_null(below);
    between_ok(below, got.rank, r, sizeof r);
    assert_int_equal(store_issue_rank_set(f->st, f->A.id, b.id, r), STORE_OK);
    agile_query_t q = {.mode = AQ_PROJECT, .project_id = p, .max_results = 50};
    issue_rec_t *out;
    size_t n;
    int64_t total;
    assert_int_equal(store_agile_issues(f->st, f->a, f->A.id, &q, &out, &n, &total), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    assert_int_equal(out[0].id, b.id);
    assert_int_equal(out[1].id, a.id);
    /* only the ids a JQL filter matched */
    q.only_ids = arena_printf(f->a, "[%lld]", (long long)a.id);
    assert_int_equal(store_agile_issues(f->st, f->a, f->A.id, &q, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(out[0].id, a.id);
    q.only_ids = NULL;
    /* another site's issue id is not this site's */
    assert_int_equal(store_issue_rank_set(f->st, f->B.id, b.id, r), STORE_NOTFOUND);
}

static void test_sprints_store(void **state)
{
    fx_t *f = *state;
    int64_t p = add_project(f, f->A.id, "WEB", "Web", "software");
    issue_rec_t i1 = add_issue(f, f->A.id, p, "one", 1), i2 = add_issue(f, f->A.id, p, "two", 2);
    board_rec_t b = {.name = "WEB board", .type = "scrum", .project_id = p, .filter_jql = "project = WEB"};
    assert_int_equal(store_board_insert(f->st, f->A.id, &b), STORE_OK);
    sprint_rec_t s1 = {.board_id = b.id, .name = "S1", .state = "active", .start_ms = 1, .end_ms = 2};
    sprint_rec_t s2 = {.board_id = b.id, .name = "S2", .state = "future"};
    assert_int_equal(store_sprint_insert(f->st, f->A.id, &s1), STORE_OK);
    assert_int_equal(store_sprint_insert(f->st, f->A.id, &s2), STORE_OK);
    assert_int_equal(store_issue_sprint_set(f->st, f->A.id, i1.id, s1.id), STORE_OK);
    assert_int_equal(store_issue_sprint_set(f->st, f->A.id, i1.id, s2.id), STORE_OK); /* leaves s1 */
    sprint_rec_t *sp;
    size_t n;
    assert_int_equal(store_issue_sprints(f->st, f->a, f->A.id, i1.id, &sp, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sp[0].id, s2.id);
    /* closed sprints keep their issues */
    assert_int_equal(store_issue_sprint_set(f->st, f->A.id, i2.id, s1.id), STORE_OK);
    s1.state = "closed";
    s1.complete_ms = 3;
    assert_int_equal(store_sprint_update(f->st, f->A.id, &s1), STORE_OK);
    assert_int_equal(store_issue_sprint_set(f->st, f->A.id, i2.id, s2.id), STORE_OK);
    assert_int_equal(store_issue_sprints(f->st, f->a, f->A.id, i2.id, &sp, &n), STORE_OK);
    assert_int_equal(n, 2);
    /* the backlog: in no open sprint */
    issue_rec_t i3 = add_issue(f, f->A.id, p, "three", 3), *out;
    int64_t total;
    agile_query_t q = {.mode = AQ_BACKLOG, .project_id = p, .epic_type = 10004, .max_results = 50};
    assert_int_equal(store_agile_issues(f->st, f->a, f->A.id, &q, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(out[0].id, i3.id);
    q = (agile_query_t){.mode = AQ_SPRINT, .project_id = p, .sprint_id = s2.id, .max_results = 50};
    assert_int_equal(store_agile_issues(f->st, f->a, f->A.id, &q, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 2);
    /* the other site sees none of it */
    sprint_rec_t s;
    board_rec_t bb;
    assert_int_equal(store_sprint_get(f->st, f->a, f->B.id, s2.id, &s), STORE_NOTFOUND);
    assert_int_equal(store_board_get(f->st, f->a, f->B.id, b.id, &bb), STORE_NOTFOUND);
    assert_int_equal(store_agile_issues(f->st, f->a, f->B.id, &q, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(store_sprint_delete(f->st, f->B.id, s2.id), STORE_NOTFOUND);
    assert_int_equal(store_sprint_delete(f->st, f->A.id, s2.id), STORE_OK);
    q.mode = AQ_BACKLOG;
    q.project_id = p;
    q.epic_type = 10004;
    assert_int_equal(store_agile_issues(f->st, f->a, f->A.id, &q, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 3);
}

static void test_devops_store(void **state)
{
    fx_t *f = *state;
    const char *keys[] = {"WEB-1", "WEB-2"};
    devops_rec_t e = {.app_id = "bot-1",
                      .kind = "build",
                      .entity_key = "p/1",
                      .update_sequence = 5,
                      .doc_json = "{\"v\":5}",
                      .properties_json = "{\"repo\":\"x\"}",
                      .updated_ms = 1};
    assert_int_equal(store_devops_put(f->st, f->A.id, &e, keys, 2), STORE_OK);
    e.update_sequence = 4;
    e.doc_json = "{\"v\":4}";
    assert_int_equal(store_devops_put(f->st, f->A.id, &e, keys, 1), STORE_CONFLICT); /* older */
    e.update_sequence = 5;
    assert_int_equal(store_devops_put(f->st, f->A.id, &e, keys, 1), STORE_CONFLICT); /* equal */
    devops_rec_t got;
    assert_int_equal(store_devops_get(f->st, f->a, f->A.id, "bot-1", "build", "p/1", &got), STORE_OK);
    assert_string_equal(got.doc_json, "{\"v\":5}");
    /* another app, another site: none of it */
    assert_int_equal(store_devops_get(f->st, f->a, f->A.id, "bot-2", "build", "p/1", &got), STORE_NOTFOUND);
    assert_int_equal(store_devops_get(f->st, f->a, f->B.id, "bot-1", "build", "p/1", &got), STORE_NOTFOUND);
    /* a delete bounded by an older update sequence leaves it */
    assert_int_equal(store_devops_delete(f->st, f->A.id, "bot-1", "build", "p/1", 4), STORE_NOTFOUND);
    int64_t del;
    assert_int_equal(store_devops_delete_by_props(f->st, f->A.id, "bot-1", "build", "{\"repo\":\"x\"}", 4, &del),
                     STORE_OK);
    assert_int_equal(del, 0);
    assert_int_equal(store_devops_get(f->st, f->a, f->A.id, "bot-1", "build", "p/1", &got), STORE_OK);
    assert_int_equal(store_devops_delete_by_props(f->st, f->B.id, "bot-1", "build", "{\"repo\":\"x\"}", -1, &del),
                     STORE_OK);
    assert_int_equal(del, 0);
    assert_int_equal(store_devops_delete_by_props(f->st, f->A.id, "bot-1", "build", "{\"repo\":\"y\"}", -1, &del),
                     STORE_OK);
    assert_int_equal(del, 0);
    assert_int_equal(store_devops_delete_by_props(f->st, f->A.id, "bot-1", "build", "{\"repo\":\"x\"}", -1, &del),
                     STORE_OK);
    assert_int_equal(del, 1);
    assert_int_equal(store_devops_delete(f->st, f->A.id, "bot-1", "build", "p/1", -1), STORE_NOTFOUND);
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_between_simple),
        cmocka_unit_test(test_between_refuses),
        cmocka_unit_test(test_many_at_one_spot),
        T(test_rank_store),
        T(test_sprints_store),
        T(test_devops_store),
    };
    return cmocka_run_group_tests_name("rank", tests, NULL, NULL);
}
