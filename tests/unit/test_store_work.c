/* The store's comments, worklogs and entity-properties families (issue 17's work area),
 * each tried across two sites whose rows share ids: every read and write touches its own
 * site's rows only. */
#include "unit.h"

#include <stdio.h>

#include "store/store_comments.h"
#include "store/store_product.h"
#include "store/store_properties.h"
#include "store/store_worklogs.h"
#include "store_fixture.h"

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static comment_rec_t comment(fx_t *f, int64_t site, int64_t issue, const char *text, int64_t at)
{
    comment_rec_t c = {
        .issue_id = issue,
        .author_account_id = site == f->A.id ? f->A.admin_account_id : f->B.admin_account_id,
        .update_author_account_id = site == f->A.id ? f->A.admin_account_id : f->B.admin_account_id,
        .body_json = text,
        .created_ms = at,
        .updated_ms = at,
    };
    assert_int_equal(store_comment_insert(f->st, site, &c), STORE_OK);
    return c;
}

static void test_comments(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t ia = add_issue(f, f->A.id, 10000, "a", 1), ib = add_issue(f, f->B.id, 10000, "b", 1);
    assert_int_equal(ia.id, ib.id);
    comment_rec_t a1 = comment(f, f->A.id, ia.id, "\"a1\"", 10), a2 = comment(f, f->A.id, ia.id, "\"a2\"", 20);
    comment_rec_t b1 = comment(f, f->B.id, ib.id, "\"b1\"", 10);
    assert_int_equal(a1.id, b1.id); /* per-site sequences: the same id on both sites */
    assert_int_equal(a2.id, a1.id + 1);
    comment_rec_t got;
    assert_int_equal(store_comment_get(f->st, f->a, f->B.id, a1.id, &got), STORE_OK);
    assert_string_equal(got.body_json, "\"b1\"");
    assert_int_equal(store_comment_get(f->st, f->a, f->B.id, a2.id, &got), STORE_NOTFOUND);
    comment_rec_t *out;
    size_t n;
    int64_t total;
    assert_int_equal(store_comment_list(f->st, f->a, f->A.id, ia.id, 1, 0, 10, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 2);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].id, a2.id); /* newest first */
    assert_int_equal(store_comment_list(f->st, f->a, f->A.id, ia.id, 0, 1, 10, &out, &n, &total), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].id, a2.id);
    /* an update and a delete on site B never reach site A's comment of the same id */
    b1.body_json = "\"b1 edited\"";
    assert_int_equal(store_comment_update(f->st, f->B.id, &b1), STORE_OK);
    assert_int_equal(store_comment_get(f->st, f->a, f->A.id, a1.id, &got), STORE_OK);
    assert_string_equal(got.body_json, "\"a1\"");
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)a1.id);
    int created;
    assert_int_equal(store_prop_set(f->st, f->A.id, PROP_COMMENT, id, "k", "1", 1, &created), STORE_OK);
    assert_int_equal(store_prop_set(f->st, f->B.id, PROP_COMMENT, id, "k", "2", 1, &created), STORE_OK);
    assert_int_equal(store_comment_delete(f->st, f->B.id, b1.id), STORE_OK);
    assert_int_equal(store_comment_delete(f->st, f->B.id, b1.id), STORE_NOTFOUND);
    prop_rec_t p;
    assert_int_equal(store_prop_get(f->st, f->a, f->B.id, PROP_COMMENT, id, "k", &p), STORE_NOTFOUND);
    assert_int_equal(store_prop_get(f->st, f->a, f->A.id, PROP_COMMENT, id, "k", &p), STORE_OK);
    assert_string_equal(p.value_json, "1");
    assert_int_equal(store_comment_get(f->st, f->a, f->A.id, a1.id, &got), STORE_OK);
    int64_t restricted = -1;
    assert_int_equal(store_comment_restricted(f->st, f->A.id, ia.id, &restricted), STORE_OK);
    assert_int_equal(restricted, 0);
    comment_rec_t r = {.issue_id = ia.id,
                       .author_account_id = "u",
                       .update_author_account_id = "u",
                       .body_json = "\"r\"",
                       .visibility_json = "{\"type\":\"role\"}"};
    assert_int_equal(store_comment_insert(f->st, f->A.id, &r), STORE_OK);
    assert_int_equal(store_comment_restricted(f->st, f->A.id, ia.id, &restricted), STORE_OK);
    assert_int_equal(restricted, 1);
    assert_int_equal(store_comment_restricted(f->st, f->B.id, ib.id, &restricted), STORE_OK);
    assert_int_equal(restricted, 0);
    comment_rec_t none = {.id = 424242, .body_json = "\"x\""};
    assert_int_equal(store_comment_update(f->st, f->A.id, &none), STORE_NOTFOUND);
}

static void test_worklogs(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t ia = add_issue(f, f->A.id, 10000, "a", 1), ib = add_issue(f, f->B.id, 10000, "b", 1);
    worklog_rec_t a = {.issue_id = ia.id,
                       .author_account_id = "u",
                       .update_author_account_id = "u",
                       .started_ms = 100,
                       .time_spent_s = 60,
                       .created_ms = 5,
                       .updated_ms = 5};
    worklog_rec_t a2 = a, b = a;
    a2.started_ms = 300;
    a2.updated_ms = 7;
    b.issue_id = ib.id;
    assert_int_equal(store_worklog_insert(f->st, f->A.id, &a), STORE_OK);
    assert_int_equal(store_worklog_insert(f->st, f->A.id, &a2), STORE_OK);
    assert_int_equal(store_worklog_insert(f->st, f->B.id, &b), STORE_OK);
    assert_int_equal(a.id, b.id);
    worklog_rec_t *out;
    size_t n;
    int64_t total;
    assert_int_equal(store_worklog_list(f->st, f->a, f->A.id, ia.id, 0, 200, 0, 10, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 1); /* started in [0, 200) */
    assert_int_equal(out[0].id, a.id);
    assert_int_equal(store_worklog_delete(f->st, f->A.id, a.id, 50), STORE_OK);
    worklog_rec_t got;
    assert_int_equal(store_worklog_get(f->st, f->a, f->A.id, a.id, &got), STORE_NOTFOUND); /* hidden */
    assert_int_equal(store_worklog_get(f->st, f->a, f->B.id, b.id, &got), STORE_OK);       /* B's is not */
    assert_int_equal(store_worklog_update(f->st, f->A.id, &a), STORE_NOTFOUND);
    assert_int_equal(store_worklog_delete(f->st, f->A.id, a.id, 51), STORE_NOTFOUND);
    assert_int_equal(store_worklog_changed(f->st, f->a, f->A.id, 1, 0, 10, &out, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].id, a.id);
    assert_int_equal(out[0].deleted_ms, 50);
    assert_int_equal(store_worklog_changed(f->st, f->a, f->A.id, 0, 0, 10, &out, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].id, a2.id);
    assert_int_equal(store_worklog_changed(f->st, f->a, f->A.id, 0, 8, 10, &out, &n), STORE_OK);
    assert_int_equal(n, 0); /* since after its update */
    assert_int_equal(store_worklog_changed(f->st, f->a, f->B.id, 1, 0, 10, &out, &n), STORE_OK);
    assert_int_equal(n, 0); /* B deleted none */
}

static void test_properties(void **state)
{
    fx_t *f = *state;
    int created;
    assert_int_equal(store_prop_set(f->st, f->A.id, PROP_ISSUE, "10000", "b", "{\"x\":1}", 5, &created), STORE_OK);
    assert_true(created);
    assert_int_equal(store_prop_set(f->st, f->A.id, PROP_ISSUE, "10000", "b", "{\"x\":2}", 6, &created), STORE_OK);
    assert_false(created);
    assert_int_equal(store_prop_set(f->st, f->A.id, PROP_ISSUE, "10000", "a", "[]", 6, &created), STORE_OK);
    assert_int_equal(store_prop_set(f->st, f->A.id, PROP_PROJECT, "10000", "a", "0", 6, &created), STORE_OK);
    assert_int_equal(store_prop_set(f->st, f->B.id, PROP_ISSUE, "10000", "c", "0", 6, &created), STORE_OK);
    prop_rec_t p, *ps;
    size_t n;
    assert_int_equal(store_prop_get(f->st, f->a, f->A.id, PROP_ISSUE, "10000", "b", &p), STORE_OK);
    assert_string_equal(p.value_json, "{\"x\":2}");
    assert_int_equal(p.created_ms, 5);
    assert_int_equal(p.updated_ms, 6);
    assert_int_equal(store_prop_list(f->st, f->a, f->A.id, PROP_ISSUE, "10000", 0, &ps, &n), STORE_OK);
    assert_int_equal(n, 2); /* not the project's, not site B's */
    assert_string_equal(ps[0].key, "a");
    assert_null(ps[0].value_json);
    assert_int_equal(store_prop_get(f->st, f->a, f->B.id, PROP_ISSUE, "10000", "b", &p), STORE_NOTFOUND);
    assert_int_equal(store_prop_delete(f->st, f->B.id, PROP_ISSUE, "10000", "b"), STORE_NOTFOUND);
    assert_int_equal(store_prop_delete_all(f->st, f->A.id, PROP_ISSUE, "10000"), STORE_OK);
    assert_int_equal(store_prop_list(f->st, f->a, f->A.id, PROP_ISSUE, "10000", 1, &ps, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_prop_get(f->st, f->a, f->A.id, PROP_PROJECT, "10000", "a", &p), STORE_OK);
    assert_int_equal(store_prop_get(f->st, f->a, f->B.id, PROP_ISSUE, "10000", "c", &p), STORE_OK);
    /* at most PROP_MAX_KEYS an entity; an existing key may still change */
    assert_int_equal(store_begin(f->st), STORE_OK);
    for (int i = 0; i < PROP_MAX_KEYS; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        assert_int_equal(store_prop_set(f->st, f->A.id, PROP_USER, "u", k, "1", 1, &created), STORE_OK);
    }
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(store_prop_set(f->st, f->A.id, PROP_USER, "u", "one-more", "1", 1, &created), STORE_CONFLICT);
    assert_int_equal(store_prop_set(f->st, f->A.id, PROP_USER, "u", "k7", "2", 1, &created), STORE_OK);
    assert_int_equal(store_prop_set(f->st, f->A.id, PROP_USER, "v", "one-more", "1", 1, &created), STORE_OK);
    assert_int_equal(store_prop_list(f->st, f->a, f->A.id, PROP_USER, "u", 0, &ps, &n), STORE_OK);
    assert_int_equal(n, PROP_MAX_KEYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {T(test_comments), T(test_worklogs), T(test_properties)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
