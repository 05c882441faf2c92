/* Unit tests for platform/display_cond.h: each condition kiln evaluates, for a site admin
 * and a plain user, on a Bug and a Task, with and without an issue or a project; the
 * and/or/not composition and its limits; unknown and not-evaluated conditions hold; a
 * value of the wrong type does not. One table of cases over a real store (store_fixture.h:
 * site A with WEB 10000 software and MKT 10001 business). */
#include "unit.h"

#include <string.h>

#include "base/json.h"
#include "platform/display_cond.h"
#include "product/perm.h"
#include "store_fixture.h"

enum ctx_kind { NONE, PROJECT_WEB, BUG, TASK_MINE, RESOLVED_MKT };

static const struct {
    const char *conds; /* JSON */
    int admin;         /* evaluated for the site admin (1) or the plain user (0) */
    enum ctx_kind ctx;
    int want;
} cases[] = {
    /* none */
    {"{}", 0, NONE, 1},
    {"null", 0, NONE, 1},
    /* global */
    {"{\"isLoggedIn\": true}", 0, NONE, 1},
    {"{\"isLoggedIn\": false}", 0, NONE, 0},
    {"{\"isAdmin\": true}", 1, NONE, 1},
    {"{\"isAdmin\": true}", 0, NONE, 0},
    {"{\"isAdmin\": false}", 0, NONE, 1},
    {"{\"canAdministerJira\": true}", 1, NONE, 1},
    {"{\"isSiteAdmin\": true}", 1, NONE, 1},
    {"{\"isSiteAdmin\": true}", 0, NONE, 0},
    {"{\"hasGlobalPermission\": \"ADMINISTER\"}", 1, NONE, 1},
    {"{\"hasGlobalPermission\": \"SYSTEM_ADMIN\"}", 1, NONE, 1},
    {"{\"hasGlobalPermission\": \"ADMINISTER\"}", 0, NONE, 0},
    {"{\"hasGlobalPermission\": \"BROWSE_PROJECTS\"}", 1, NONE, 0}, /* a project permission */
    {"{\"hasGlobalPermission\": \"NO_SUCH\"}", 1, NONE, 0},
    /* the project */
    {"{\"projectKey\": \"WEB\"}", 0, PROJECT_WEB, 1},
    {"{\"projectKey\": [\"MKT\", \"WEB\"]}", 0, PROJECT_WEB, 1},
    {"{\"projectKey\": \"MKT\"}", 0, PROJECT_WEB, 0},
    {"{\"projectKey\": \"WEB\"}", 0, NONE, 0}, /* no project shown */
    {"{\"projectId\": \"10000\"}", 0, PROJECT_WEB, 1},
    {"{\"projectType\": \"software\"}", 0, PROJECT_WEB, 1},
    {"{\"projectType\": \"business\"}", 0, PROJECT_WEB, 0},
    {"{\"projectType\": \"business\"}", 0, RESOLVED_MKT, 1},
    {"{\"projectName\": \"Website Relaunch\"}", 0, PROJECT_WEB, 1},
    {"{\"isProjectAdmin\": true}", 1, PROJECT_WEB, 1},
    {"{\"isProjectAdmin\": true}", 0, PROJECT_WEB, 0},
    {"{\"hasProjectPermission\": \"EDIT_ISSUES\"}", 0, PROJECT_WEB, 1}, /* granted in WEB only */
    {"{\"hasProjectPermission\": \"EDIT_ISSUES\"}", 0, RESOLVED_MKT, 0},
    {"{\"hasProjectPermission\": \"EDIT_ISSUES\"}", 0, NONE, 0},
    {"{\"canEditIssues\": true}", 0, BUG, 1},
    {"{\"canDeleteIssues\": true}", 0, BUG, 0},
    {"{\"canDeleteIssues\": true}", 1, BUG, 1},
    /* the issue */
    {"{\"issueType\": \"Bug\"}", 0, BUG, 1},
    {"{\"issueType\": \"Bug\"}", 0, TASK_MINE, 0},
    {"{\"issueType\": [\"Story\", \"Task\"]}", 0, TASK_MINE, 1},
    {"{\"issueTypes\": [\"Bug\"]}", 0, BUG, 1},
    {"{\"issueType\": \"Bug\"}", 0, PROJECT_WEB, 0}, /* no issue shown */
    {"{\"issueKey\": \"WEB-1\"}", 0, BUG, 1},
    {"{\"issueKey\": [\"WEB-2\"]}", 0, BUG, 0},
    {"{\"issueId\": \"10000\"}", 0, BUG, 1},
    {"{\"isIssueAssignedToCurrentUser\": true}", 0, TASK_MINE, 1},
    {"{\"isIssueAssignedToCurrentUser\": true}", 0, BUG, 0},
    {"{\"isIssueAssignedToCurrentUser\": true}", 1, TASK_MINE, 0},
    {"{\"isIssueReportedByCurrentUser\": true}", 1, BUG, 1}, /* the fixture's reporter is the admin */
    {"{\"isIssueReportedByCurrentUser\": true}", 0, BUG, 0},
    {"{\"isIssueUnresolved\": true}", 0, BUG, 1},
    {"{\"isIssueUnresolved\": true}", 0, RESOLVED_MKT, 0},
    {"{\"isIssueUnresolved\": false}", 0, RESOLVED_MKT, 1},
    {"{\"isIssueEditable\": true}", 0, BUG, 1},
    {"{\"isIssueEditable\": true}", 0, RESOLVED_MKT, 0},
    {"{\"hasIssuePermission\": \"EDIT_ISSUES\"}", 0, BUG, 1},
    {"{\"hasIssuePermission\": \"DELETE_ISSUES\"}", 0, BUG, 0},
    /* jiraExpression: true only when it is true */
    {"{\"jiraExpression\": \"issue.issueType.name == 'Bug'\"}", 0, BUG, 1},
    {"{\"jiraExpression\": \"issue.issueType.name == 'Bug'\"}", 0, TASK_MINE, 0},
    {"{\"jiraExpression\": \"issue.assignee?.accountId == user.accountId\"}", 0, TASK_MINE, 1},
    {"{\"jiraExpression\": \"project.key == 'WEB' && project.projectTypeKey == 'software'\"}", 0, PROJECT_WEB, 1},
    {"{\"jiraExpression\": \"issue.key\"}", 0, BUG, 0},             /* a string, not true */
    {"{\"jiraExpression\": \"issue.fields.summary\"}", 0, NONE, 0}, /* an error (issue is null) */
    {"{\"jiraExpression\": \"event.x\"}", 0, BUG, 0},               /* not one of its variables */
    {"{\"jiraExpression\": \"1 +\"}", 0, BUG, 0},                   /* does not compile */
    /* composition */
    {"{\"isAdmin\": true, \"issueType\": \"Bug\"}", 1, BUG, 1},
    {"{\"isAdmin\": true, \"issueType\": \"Bug\"}", 0, BUG, 0},
    {"{\"or\": {\"isAdmin\": true, \"issueType\": \"Bug\"}}", 0, BUG, 1},
    {"{\"or\": {\"isAdmin\": true, \"issueType\": \"Bug\"}}", 0, TASK_MINE, 0},
    {"{\"or\": [{\"isAdmin\": true}, {\"issueType\": \"Task\", \"isIssueUnresolved\": true}]}", 0, TASK_MINE, 1},
    {"{\"and\": [{\"isLoggedIn\": true}, {\"issueType\": \"Task\"}]}", 0, BUG, 0},
    {"{\"and\": {\"isLoggedIn\": true, \"projectKey\": \"WEB\"}}", 0, BUG, 1},
    {"{\"not\": {\"isAdmin\": true}}", 0, NONE, 1},
    {"{\"not\": {\"isAdmin\": true}}", 1, NONE, 0},
    {"{\"not\": {\"isAdmin\": true, \"issueType\": \"Bug\"}}", 1, TASK_MINE, 1}, /* not (a and b) */
    {"{\"not\": {\"or\": {\"isAdmin\": true, \"issueType\": \"Bug\"}}}", 0, TASK_MINE, 1},
    {"{\"isAdmin\": true, \"or\": {\"issueType\": \"Story\", \"not\": {\"isIssueUnresolved\": true}}}", 1, BUG, 0},
    /* unknown and not evaluated: they hold; a wrong value does not */
    {"{\"somethingNew\": 42}", 0, NONE, 1},
    {"{\"hasSoftwareAccess\": false}", 0, NONE, 1},
    {"{\"entityPropertyExists\": {\"entity\": \"issue\", \"propertyKey\": \"x\"}}", 0, BUG, 1},
    {"{\"isAdmin\": \"true\"}", 1, NONE, 0},
    {"{\"issueType\": 3}", 0, BUG, 0},
    {"{\"not\": {\"issueType\": 3}}", 0, BUG, 0}, /* not a wrong shape: still does not hold */
    {"[{\"isAdmin\": true}]", 1, NONE, 0},        /* the top level is a mapping */
    {"{\"or\": 5}", 0, NONE, 0},
    {"{\"or\": {}}", 0, NONE, 0},
    {"{\"and\": {}}", 0, NONE, 1},
    /* nesting: 10 levels hold, 11 do not */
    {"{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"isAdmin\":true}}}}}}"
     "}}}}}",
     1, NONE, 1},
    {"{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{\"not\":{"
     "\"isAdmin\":true}}}}}}}}}}}}}",
     1, NONE, 0},
};

static void test_cases(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    /* the plain user: browses WEB and MKT, edits issues in WEB only */
    user_rec_t plain = {.account_id = "plain-1",
                        .email = "plain@alpha.example.com",
                        .display_name = "Plain User",
                        .account_type = "atlassian",
                        .time_zone = "Etc/UTC",
                        .locale = "en_US",
                        .active = 1};
    assert_int_equal(store_user_insert(f->st, f->A.id, &plain), STORE_OK);
    assert_int_equal(store_perm_grant(f->st, f->A.id, "plain-1", 10000, "BROWSE_PROJECTS"), STORE_OK);
    assert_int_equal(store_perm_grant(f->st, f->A.id, "plain-1", 10001, "BROWSE_PROJECTS"), STORE_OK);
    assert_int_equal(store_perm_grant(f->st, f->A.id, "plain-1", 10000, "EDIT_ISSUES"), STORE_OK);
    assert_int_equal(perm_seed_admin(f->st, f->A.id, f->A.admin_account_id), STORE_OK);
    user_rec_t admin;
    assert_int_equal(store_user_get(f->st, f->a, f->A.id, f->A.admin_account_id, &admin), STORE_OK);

    project_rec_t web, mkt;
    assert_int_equal(store_project_by_id(f->st, f->a, f->A.id, 10000, &web), STORE_OK);
    assert_int_equal(store_project_by_id(f->st, f->a, f->A.id, 10001, &mkt), STORE_OK);
    issue_rec_t bug = add_issue(f, f->A.id, 10000, "A bug", 1700000000000);
    bug.issuetype_id = 10002; /* Bug */
    issue_rec_t task = add_issue(f, f->A.id, 10000, "My task", 1700000000000);
    task.assignee_account_id = "plain-1";
    issue_rec_t done = add_issue(f, f->A.id, 10001, "Done", 1700000000000);
    done.resolution_id = 10000;
    assert_int_equal(bug.id, 10000);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dcond_ctx_t c = {.st = f->st, .a = f->a, .site = &f->A, .user = cases[i].admin ? &admin : &plain};
        switch (cases[i].ctx) {
        case NONE: break;
        case PROJECT_WEB: c.project = &web; break;
        case BUG: c.project = &web, c.issue = &bug, c.issue_key = "WEB-1"; break;
        case TASK_MINE: c.project = &web, c.issue = &task, c.issue_key = "WEB-2"; break;
        case RESOLVED_MKT: c.project = &mkt, c.issue = &done, c.issue_key = "MKT-1"; break;
        }
        json_error_t je;
        json_t *j = json_loads(cases[i].conds, JSON_DECODE_ANY, &je);
        if (!j)
            fail_msg("case %zu: bad JSON %s", i, cases[i].conds);
        int got = dcond_eval(&c, j);
        json_decref(j);
        if (got != cases[i].want)
            fail_msg("case %zu: %s for %s: got %d, want %d", i, cases[i].conds, cases[i].admin ? "admin" : "plain", got,
                     cases[i].want);
    }
}

/* Another site's user holds nothing here, whatever it holds on its own site. */
static void test_other_site_user(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    assert_int_equal(perm_seed_admin(f->st, f->B.id, f->B.admin_account_id), STORE_OK);
    user_rec_t b_admin = {.account_id = f->B.admin_account_id, .display_name = "B"};
    project_rec_t web;
    assert_int_equal(store_project_by_id(f->st, f->a, f->A.id, 10000, &web), STORE_OK);
    dcond_ctx_t c = {.st = f->st, .a = f->a, .site = &f->A, .user = &b_admin, .project = &web};
    json_t *j = json_pack("{s:b}", "isAdmin", 1);
    assert_int_equal(dcond_eval(&c, j), 0);
    json_decref(j);
    j = json_pack("{s:s}", "hasProjectPermission", "BROWSE_PROJECTS");
    assert_int_equal(dcond_eval(&c, j), 0);
    json_decref(j);
}

/* The table: every condition's name is found, operators are not conditions. */
static void test_table(void **state)
{
    (void)state;
    assert_non_null(dcond_find("isAdmin"));
    assert_non_null(dcond_find("jiraExpression"));
    assert_null(dcond_find("and"));
    assert_null(dcond_find("nope"));
    assert_null(dcond_find(NULL));
    assert_true(dcond_is_op("not"));
    assert_false(dcond_is_op("isAdmin"));
    assert_null(dcond_find("hasSoftwareAccess")->eval);
    assert_true(dcond_find("isIssueUnresolved")->kiln_only);
    assert_false(dcond_find("issueType")->kiln_only);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_site_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
