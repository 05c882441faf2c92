/* The store's issue-links family (store/store_links.h) and an issue's children
 * (store_issue_children), each tried across two sites. */
#include "unit.h"

#include "store/store_links.h"
#include "store/store_product.h"
#include "store_fixture.h"

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static void test_links(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t a = add_issue(f, f->A.id, 10000, "a", 1), b = add_issue(f, f->A.id, 10000, "b", 1),
                c = add_issue(f, f->A.id, 10001, "c", 1);
    link_rec_t l = {.type_id = 10000, .outward_issue_id = a.id, .inward_issue_id = b.id, .created_ms = 5};
    assert_int_equal(store_link_insert(f->st, f->A.id, &l), STORE_OK);
    assert_true(l.id >= 10000);
    link_rec_t dup = l;
    assert_int_equal(store_link_insert(f->st, f->A.id, &dup), STORE_CONFLICT);
    link_rec_t m = {.type_id = 10003, .outward_issue_id = c.id, .inward_issue_id = a.id, .created_ms = 6};
    assert_int_equal(store_link_insert(f->st, f->A.id, &m), STORE_OK);
    link_rec_t got;
    assert_int_equal(store_link_get(f->st, f->A.id, l.id, &got), STORE_OK);
    assert_int_equal(got.outward_issue_id, a.id);
    assert_int_equal(got.inward_issue_id, b.id);
    assert_int_equal(got.type_id, 10000);
    /* site B has no link of that id, and its issue of a's id has no links */
    assert_int_equal(store_link_get(f->st, f->B.id, l.id, &got), STORE_NOTFOUND);
    link_rec_t *out;
    size_t n;
    assert_int_equal(store_links_of_issue(f->st, f->a, f->B.id, a.id, &out, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_link_delete(f->st, f->B.id, l.id), STORE_NOTFOUND);
    /* both directions, by id */
    assert_int_equal(store_links_of_issue(f->st, f->a, f->A.id, a.id, &out, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].id, l.id);
    assert_int_equal(out[1].id, m.id);
    assert_int_equal(store_links_of_issue(f->st, f->a, f->A.id, b.id, &out, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_link_delete(f->st, f->A.id, l.id), STORE_OK);
    assert_int_equal(store_link_get(f->st, f->A.id, l.id, &got), STORE_NOTFOUND);
    /* deleting an issue takes its links */
    assert_int_equal(store_issue_delete(f->st, f->A.id, c.id), STORE_OK);
    assert_int_equal(store_links_of_issue(f->st, f->a, f->A.id, a.id, &out, &n), STORE_OK);
    assert_int_equal(n, 0);
}

static void test_children(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t p = add_issue(f, f->A.id, 10000, "parent", 1);
    for (int k = 0; k < 3; k++) {
        issue_rec_t ch = add_issue(f, f->A.id, 10000, "child", 1);
        ch.parent_id = p.id;
        assert_int_equal(store_issue_update(f->st, f->A.id, &ch), STORE_OK);
    }
    issue_rec_t *out;
    const char **keys;
    size_t n;
    assert_int_equal(store_issue_children(f->st, f->a, f->A.id, p.id, 10, &out, &keys, &n), STORE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(keys[0], "WEB");
    assert_true(out[0].id < out[1].id && out[1].id < out[2].id);
    assert_int_equal(store_issue_children(f->st, f->a, f->A.id, p.id, 2, &out, &keys, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_issue_children(f->st, f->a, f->B.id, p.id, 10, &out, &keys, &n), STORE_OK);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_links),
        T(test_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
