/* Unit tests for the permission model with project roles (product/perm.h over
 * store/store_roles.h): perm_user_has grants a project permission by a direct grant (in
 * the project, or in every project) or by a role the user holds in that project, as
 * product/model.h says each role grants; never across projects or sites; a global
 * permission by a grant only. And the searches built on the same model
 * (store_user_search) and the project cascade (store_project_delete). Fixture:
 * store_fixture.h (site A: WEB 10000, MKT 10001, HELP 10002, APP 10003; site B: WEB 10000). */
#include "unit.h"

#include <string.h>

#include "product/model.h"
#include "product/perm.h"
#include "store/store_catalog.h"
#include "store/store_changelog.h"
#include "store/store_fields.h"
#include "store/store_product.h"
#include "store/store_roles.h"
#include "store_fixture.h"

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static void add_user(fx_t *f, int64_t site, const char *id, const char *name, const char *email, int active)
{
    user_rec_t u = {.account_id = id,
                    .email = email,
                    .display_name = name,
                    .account_type = "atlassian",
                    .time_zone = "Etc/UTC",
                    .locale = "en_US",
                    .active = active};
    assert_int_equal(store_user_insert(f->st, site, &u), STORE_OK);
}

static void test_roles_json(void **state)
{
    (void)state;
    char buf[PERM_ROLES_JSON_MAX];
    assert_string_equal(perm_roles_json("BROWSE_PROJECTS", buf), "[10002,10003,10004]");
    assert_string_equal(perm_roles_json("EDIT_ISSUES", buf), "[10002,10003]");
    assert_string_equal(perm_roles_json("ADMINISTER_PROJECTS", buf), "[10002]");
    assert_string_equal(perm_roles_json("ADMINISTER", buf), "[]");
    assert_string_equal(perm_roles_json("NO_SUCH", buf), "[]");
    int64_t ids[STORE_ROLES_MAX];
    assert_int_equal(perm_roles("CREATE_ISSUES", ids), 2);
    assert_int_equal(ids[0], ROLE_ADMINISTRATORS);
    assert_int_equal(ids[1], ROLE_MEMBER);
    assert_int_equal(perm_roles("ADMINISTER", ids), 0);
}

/* Every role grants exactly what model.h says, in its project only. */
static void test_role_grants_in_its_project(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_user(f, f->A.id, "u-role", "Rolf", "rolf@alpha.example.com", 1);
    for (size_t r = 0; r < model_roles_len; r++) {
        const role_def_t *role = &model_roles[r];
        assert_int_equal(store_role_actor_clear(f->st, f->A.id, 10000, ROLE_ADMINISTRATORS), STORE_OK);
        assert_int_equal(store_role_actor_clear(f->st, f->A.id, 10000, ROLE_MEMBER), STORE_OK);
        assert_int_equal(store_role_actor_clear(f->st, f->A.id, 10000, ROLE_VIEWER), STORE_OK);
        assert_int_equal(store_role_actor_add(f->st, f->A.id, 10000, role->id, "u-role"), STORE_OK);
        for (const perm_def_t *p = perm_all; p->key; p++) {
            int want = p->kind == PERM_PROJECT && role_grants(role, p->key);
            int got = perm_user_has(f->st, f->A.id, "u-role", 10000, p->key);
            if (got != want)
                print_error("role %s, %s: %d\n", role->name, p->key, got);
            assert_int_equal(got, want);
            /* not in another project of the site, nor globally, nor on site B's WEB (id 10000 too) */
            assert_int_equal(perm_user_has(f->st, f->A.id, "u-role", 10001, p->key), 0);
            assert_int_equal(perm_user_has(f->st, f->A.id, "u-role", 0, p->key), 0);
            assert_int_equal(perm_user_has(f->st, f->B.id, "u-role", 10000, p->key), 0);
        }
    }
}

static void test_grants_and_roles_combine(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_user(f, f->A.id, "u-mix", "Mix", "mix@alpha.example.com", 1);
    /* a direct grant in one project, a role in another */
    assert_int_equal(store_perm_grant(f->st, f->A.id, "u-mix", 10001, "EDIT_ISSUES"), STORE_OK);
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10002, ROLE_VIEWER, "u-mix"), STORE_OK);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u-mix", 10001, "EDIT_ISSUES"), 1);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u-mix", 10001, "BROWSE_PROJECTS"), 0);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u-mix", 10002, "BROWSE_PROJECTS"), 1);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u-mix", 10002, "EDIT_ISSUES"), 0);
    /* a grant in every project */
    assert_int_equal(store_perm_grant(f->st, f->A.id, "u-mix", 0, "ADD_COMMENTS"), STORE_OK);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u-mix", 10003, "ADD_COMMENTS"), 1);
    /* a role never grants a global permission */
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10002, ROLE_ADMINISTRATORS, "u-mix"), STORE_OK);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u-mix", 0, "ADMINISTER"), 0);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u-mix", 10002, "ADMINISTER"), 0);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u-mix", 10002, "ADMINISTER_PROJECTS"), 1);
    /* the site admin holds everything by its seed grants */
    assert_int_equal(perm_seed_admin(f->st, f->A.id, f->A.admin_account_id), STORE_OK);
    assert_int_equal(perm_user_has(f->st, f->A.id, f->A.admin_account_id, 0, "ADMINISTER"), 1);
    assert_int_equal(perm_user_has(f->st, f->A.id, f->A.admin_account_id, 10002, "DELETE_ISSUES"), 1);
    assert_int_equal(perm_user_has(f->st, f->B.id, f->A.admin_account_id, 10000, "BROWSE_PROJECTS"), 0);
    /* no account, no key: nothing */
    assert_int_equal(perm_user_has(f->st, f->A.id, NULL, 10002, "BROWSE_PROJECTS"), 0);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u-mix", 10002, NULL), 0);
}

static void test_actors(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    const char **ids;
    size_t n;
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10000, ROLE_MEMBER, "b"), STORE_OK);
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10000, ROLE_MEMBER, "a"), STORE_OK);
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10000, ROLE_MEMBER, "a"), STORE_OK); /* again: no change */
    assert_int_equal(store_role_actor_add(f->st, f->B.id, 10000, ROLE_MEMBER, "c"), STORE_OK);
    assert_int_equal(store_role_actor_list(f->st, f->a, f->A.id, 10000, ROLE_MEMBER, &ids, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ids[0], "a");
    assert_string_equal(ids[1], "b");
    assert_int_equal(store_role_actor_remove(f->st, f->A.id, 10000, ROLE_MEMBER, "a"), STORE_OK);
    assert_int_equal(store_role_actor_remove(f->st, f->A.id, 10000, ROLE_MEMBER, "a"), STORE_NOTFOUND);
    assert_int_equal(store_role_actor_remove(f->st, f->A.id, 10000, ROLE_MEMBER, "c"), STORE_NOTFOUND); /* B's */
    assert_int_equal(store_role_actor_clear(f->st, f->A.id, 10000, ROLE_MEMBER), STORE_OK);
    assert_int_equal(store_role_actor_list(f->st, f->a, f->A.id, 10000, ROLE_MEMBER, &ids, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_role_actor_list(f->st, f->a, f->B.id, 10000, ROLE_MEMBER, &ids, &n), STORE_OK);
    assert_int_equal(n, 1);
}

static void test_user_search(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_user(f, f->A.id, "u1", "Noah Fischer", "noah@alpha.example.com", 1);
    add_user(f, f->A.id, "u2", "Sam Okafor", "sam@alpha.example.com", 1);
    add_user(f, f->A.id, "u3", "Oscar Lind", "oscar@alpha.example.com", 0);
    add_user(f, f->B.id, "u4", "Noah Other", "noah@bravo.example.com", 1);
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10000, ROLE_MEMBER, "u2"), STORE_OK);
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10000, ROLE_MEMBER, "u3"), STORE_OK);
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10000, ROLE_VIEWER, "u1"), STORE_OK);
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10001, ROLE_MEMBER, "u1"), STORE_OK);
    user_rec_t *us;
    size_t n;
    int64_t total;
    user_filter_t q = {.query = "noah", .max_results = 10};
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &q, &us, &n, &total), STORE_OK);
    assert_int_equal(n, 1); /* site B's Noah is not here */
    assert_string_equal(us[0].account_id, "u1");
    q.query = "okaf"; /* a word of the name */
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &q, &us, &n, &total), STORE_OK);
    assert_int_equal(n, 1);
    q.query = "kafor"; /* not an infix */
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &q, &us, &n, &total), STORE_OK);
    assert_int_equal(n, 0);
    q.query = "%"; /* no wildcard */
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &q, &us, &n, &total), STORE_OK);
    assert_int_equal(n, 0);
    /* assignable in WEB: members, active */
    user_filter_t a = {.perms_json = "[{\"p\":\"ASSIGNABLE_USER\",\"r\":[10002,10003]}]",
                       .projects_json = "[10000]",
                       .active_only = 1,
                       .max_results = 10};
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &a, &us, &n, &total), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(us[0].account_id, "u2");
    a.active_only = 0;
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &a, &us, &n, &total), STORE_OK);
    assert_int_equal(total, 2);
    /* in both WEB and MKT: nobody; browse in both: Noah (viewer + member) */
    a.projects_json = "[10000,10001]";
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &a, &us, &n, &total), STORE_OK);
    assert_int_equal(total, 0);
    a.perms_json = "[{\"p\":\"BROWSE_PROJECTS\",\"r\":[10002,10003,10004]}]";
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &a, &us, &n, &total), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(us[0].account_id, "u1");
    /* paging: total stays, an empty page still counts */
    user_filter_t all = {.max_results = 1, .start_at = 1};
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &all, &us, &n, &total), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total, 4); /* the fixture's admin and three */
    all.start_at = 10;
    assert_int_equal(store_user_search(f->st, f->a, f->A.id, &all, &us, &n, &total), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(total, 4);
}

static void test_project_delete_cascades(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t i = add_issue(f, f->A.id, 10000, "doomed", 1);
    issue_rec_t keep = add_issue(f, f->A.id, 10001, "kept", 1);
    issue_rec_t other = add_issue(f, f->B.id, 10000, "site B's", 1);
    assert_int_equal(store_role_actor_add(f->st, f->A.id, 10000, ROLE_MEMBER, "u"), STORE_OK);
    assert_int_equal(store_role_actor_add(f->st, f->B.id, 10000, ROLE_MEMBER, "u"), STORE_OK);
    assert_int_equal(store_perm_grant(f->st, f->A.id, "u", 10000, "BROWSE_PROJECTS"), STORE_OK);
    /* what hangs on the issue and on the project */
    const char *doomed[] = {"doomed"}, *kept[] = {"kept"};
    assert_int_equal(store_labels_set(f->st, f->A.id, i.id, doomed, 1), STORE_OK);
    assert_int_equal(store_labels_set(f->st, f->A.id, keep.id, kept, 1), STORE_OK);
    component_rec_t comp = {.project_id = 10000, .name = "Frontend", .description = "", .assignee_type = "UNASSIGNED"};
    assert_int_equal(store_component_insert(f->st, f->A.id, &comp), STORE_OK);
    assert_int_equal(store_issue_components_set(f->st, f->A.id, i.id, &comp.id, 1), STORE_OK);
    change_item_t item = {.field = "summary", .fieldtype = "jira", .field_id = "summary", .to_string = "x"};
    change_group_t g = {.issue_id = i.id, .created_ms = 1, .items = &item, .nitems = 1};
    assert_int_equal(store_changelog_append(f->st, f->A.id, &g), STORE_OK);
    assert_int_equal(store_project_delete(f->st, f->A.id, 10000), STORE_OK);
    const char **ls;
    size_t nl;
    int64_t lt;
    assert_int_equal(store_labels_list(f->st, f->a, f->A.id, NULL, NULL, 0, 10, &ls, &nl, &lt), STORE_OK);
    assert_int_equal(lt, 1); /* the kept issue's label only */
    assert_string_equal(ls[0], "kept");
    assert_int_equal(store_labels_get(f->st, f->a, f->A.id, keep.id, &ls, &nl), STORE_OK);
    assert_int_equal(nl, 1);
    component_rec_t gone;
    assert_int_equal(store_component_get(f->st, f->a, f->A.id, comp.id, &gone), STORE_NOTFOUND);
    change_group_t *gs;
    size_t ng;
    int64_t gt;
    assert_int_equal(store_changelog_list(f->st, f->a, f->A.id, i.id, 0, 10, &gs, &ng, &gt), STORE_OK);
    assert_int_equal(gt, 0);
    project_rec_t p;
    issue_rec_t got;
    const char *pk;
    assert_int_equal(store_project_by_id(f->st, f->a, f->A.id, 10000, &p), STORE_NOTFOUND);
    assert_int_equal(store_issue_by_id(f->st, f->a, f->A.id, i.id, &got, &pk), STORE_NOTFOUND);
    assert_int_equal(store_issue_by_id(f->st, f->a, f->A.id, keep.id, &got, &pk), STORE_OK);
    assert_int_equal(perm_user_has(f->st, f->A.id, "u", 10000, "BROWSE_PROJECTS"), 0);
    /* site B's project with the same id is untouched */
    assert_int_equal(store_project_by_id(f->st, f->a, f->B.id, 10000, &p), STORE_OK);
    assert_int_equal(store_issue_by_id(f->st, f->a, f->B.id, other.id, &got, &pk), STORE_OK);
    assert_int_equal(perm_user_has(f->st, f->B.id, "u", 10000, "BROWSE_PROJECTS"), 1);
    assert_int_equal(store_project_delete(f->st, f->A.id, 10000), STORE_NOTFOUND);
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles_json),
        T(test_role_grants_in_its_project),
        T(test_grants_and_roles_combine),
        T(test_actors),
        T(test_user_search),
        T(test_project_delete_cascades),
    };
    return cmocka_run_group_tests_name("perm_roles", tests, NULL, NULL);
}
