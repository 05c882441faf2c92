/* Unit tests for src/product/workflow_rules.h: which transitions a status offers and
 * what a move does to resolution, resolved and statuscategorychangedate. */
#include "unit.h"

#include "product/workflow_rules.h"

static void test_available(void **state)
{
    (void)state;
    const transition_def_t *t[16];
    const workflow_def_t *sw = workflow_for("software");
    /* software: To Do offers only Start Progress (nothing jumps to Done) */
    assert_int_equal(workflow_available(sw, STATUS_TODO, t, 16), 1);
    assert_int_equal(t[0]->id, 11);
    assert_int_equal(workflow_available(sw, STATUS_IN_PROGRESS, t, 16), 2);
    assert_int_equal(workflow_available(sw, STATUS_DONE, t, 16), 1);
    assert_int_equal(t[0]->to, STATUS_TODO);
    assert_null(workflow_leaving(sw, 51, STATUS_TODO)); /* Done from To Do: not a transition */
    assert_non_null(workflow_leaving(sw, 51, STATUS_IN_REVIEW));
    assert_null(workflow_leaving(sw, 99, STATUS_TODO));
    /* business: global transitions, but none to the status the issue is in */
    const workflow_def_t *bu = workflow_for("business");
    assert_int_equal(workflow_available(bu, STATUS_TODO, t, 16), 2);
    for (int i = 0; i < 2; i++)
        assert_int_not_equal(t[i]->to, STATUS_TODO);
    assert_null(workflow_leaving(bu, 11, STATUS_TODO));
    assert_non_null(workflow_leaving(bu, 11, STATUS_DONE));
    assert_null(workflow_leaving(bu, 11, STATUS_IN_REVIEW)); /* not a status of the workflow */
    /* service desk: Done (31) leaves both open statuses; max is respected */
    const workflow_def_t *sd = workflow_for("service_desk");
    assert_non_null(workflow_leaving(sd, 31, STATUS_TODO));
    assert_non_null(workflow_leaving(sd, 31, STATUS_IN_PROGRESS));
    assert_int_equal(workflow_available(sd, STATUS_TODO, t, 1), 1);
}

static void test_move(void **state)
{
    (void)state;
    workflow_move_t m = {.status_id = STATUS_TODO, .status_changed_ms = 5};
    workflow_move(&m, STATUS_IN_PROGRESS, 0, 100); /* new -> indeterminate */
    assert_int_equal(m.status_id, STATUS_IN_PROGRESS);
    assert_int_equal(m.resolution_id, 0);
    assert_int_equal(m.resolved_ms, 0);
    assert_int_equal(m.status_changed_ms, 100);
    workflow_move(&m, STATUS_IN_REVIEW, 0, 200); /* same category: the date stays */
    assert_int_equal(m.status_changed_ms, 100);
    workflow_move(&m, STATUS_DONE, 0, 300); /* into done: Done, resolved now */
    assert_int_equal(m.resolution_id, 10000);
    assert_int_equal(m.resolved_ms, 300);
    assert_int_equal(m.status_changed_ms, 300);
    workflow_move(&m, STATUS_TODO, 0, 400); /* out of done: cleared */
    assert_int_equal(m.resolution_id, 0);
    assert_int_equal(m.resolved_ms, 0);
    assert_int_equal(m.status_changed_ms, 400);
    workflow_move(&m, STATUS_DONE, 10001, 500); /* a given resolution wins */
    assert_int_equal(m.resolution_id, 10001);
    assert_int_equal(m.resolved_ms, 500);
    assert_true(workflow_is_done(STATUS_DONE));
    assert_false(workflow_is_done(STATUS_IN_REVIEW));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_available),
        cmocka_unit_test(test_move),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
