/* The store's Jira-model families: custom fields and values, labels, components and
 * versions, changelogs, issue edits and deletes; each tried across two sites. */
#include "unit.h"

#include <sqlite3.h>
#include <stdio.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_catalog.h"
#include "store/store_changelog.h"
#include "store/store_fields.h"
#include "store/store_product.h"
#include "store/store_properties.h"
#include "store/store_worklogs.h"
#include "store_fixture.h"

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static void test_fields_and_values(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    field_rec_t fl = {.name = "Story Points", .type = "number", .created_ms = 1};
    assert_int_equal(store_field_insert(f->st, f->a, f->A.id, &fl), STORE_OK);
    assert_string_equal(fl.id, "customfield_10000");
    field_rec_t dup = {.name = "story points", .type = "string", .created_ms = 1};
    assert_int_equal(store_field_insert(f->st, f->a, f->A.id, &dup), STORE_CONFLICT); /* names ignore case */
    field_rec_t other = {.name = "Story Points", .type = "number", .created_ms = 1};
    assert_int_equal(store_field_insert(f->st, f->a, f->B.id, &other), STORE_OK); /* site B has its own */
    field_rec_t got;
    assert_int_equal(store_field_by_name(f->st, f->a, f->A.id, "STORY POINTS", &got), STORE_OK);
    assert_string_equal(got.id, "customfield_10000");
    assert_int_equal(store_field_get(f->st, f->a, f->A.id, "customfield_10000", &got), STORE_OK);
    assert_int_equal(store_field_get(f->st, f->a, f->A.id, "customfield_10001", &got), STORE_NOTFOUND);

    issue_rec_t i = add_issue(f, f->A.id, 10000, "valued", 1);
    field_value_t v[2] = {{.num = 5, .has_num = 1}, {.str = "x"}};
    assert_int_equal(store_field_values_set(f->st, f->A.id, i.id, "customfield_10000", v, 2), STORE_OK);
    field_value_t *out;
    size_t n;
    assert_int_equal(store_field_values_get(f->st, f->a, f->A.id, i.id, &out, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_true(out[0].has_num && out[0].num == 5);
    assert_string_equal(out[1].str, "x");
    assert_int_equal(out[1].seq, 1);
    /* the same issue id on site B has none */
    assert_int_equal(store_field_values_get(f->st, f->a, f->B.id, i.id, &out, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_field_values_set(f->st, f->A.id, i.id, "customfield_10000", NULL, 0), STORE_OK);
    assert_int_equal(store_field_values_get(f->st, f->a, f->A.id, i.id, &out, &n), STORE_OK);
    assert_int_equal(n, 0);
}

static void test_labels(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t i = add_issue(f, f->A.id, 10000, "labelled", 1);
    issue_rec_t j = add_issue(f, f->A.id, 10000, "also", 1);
    const char *l1[] = {"web", "backend", "web"};
    assert_int_equal(store_labels_set(f->st, f->A.id, i.id, l1, 3), STORE_OK);
    const char *l2[] = {"urgent"};
    assert_int_equal(store_labels_set(f->st, f->A.id, j.id, l2, 1), STORE_OK);
    const char **out;
    size_t n;
    assert_int_equal(store_labels_get(f->st, f->a, f->A.id, i.id, &out, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[0], "backend");
    assert_string_equal(out[1], "web");
    int64_t total;
    assert_int_equal(store_labels_list(f->st, f->a, f->A.id, NULL, NULL, 1, 10, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 3);
    assert_int_equal(n, 2);
    assert_string_equal(out[0], "urgent");
    assert_string_equal(out[1], "web");
    assert_int_equal(store_labels_list(f->st, f->a, f->B.id, NULL, NULL, 0, 10, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 0);
}

static void test_components_versions(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    component_rec_t c = {.project_id = 10000, .name = "API"};
    assert_int_equal(store_component_insert(f->st, f->A.id, &c), STORE_OK);
    component_rec_t c2 = {.project_id = 10000, .name = "API"};
    assert_int_equal(store_component_insert(f->st, f->A.id, &c2), STORE_CONFLICT);
    pversion_rec_t v = {.project_id = 10000, .name = "1.0", .release_date = "2026-12-24"};
    assert_int_equal(store_pversion_insert(f->st, f->A.id, &v), STORE_OK);
    issue_rec_t i = add_issue(f, f->A.id, 10000, "carried", 1);
    assert_int_equal(store_issue_components_set(f->st, f->A.id, i.id, &c.id, 1), STORE_OK);
    assert_int_equal(store_issue_versions_set(f->st, f->A.id, i.id, ISSUE_FIX_VERSIONS, &v.id, 1), STORE_OK);
    int64_t *ids;
    size_t n;
    assert_int_equal(store_issue_versions_get(f->st, f->a, f->A.id, i.id, ISSUE_AFFECTS_VERSIONS, &ids, &n), STORE_OK);
    assert_int_equal(n, 0); /* kinds apart */
    assert_int_equal(store_issue_versions_get(f->st, f->a, f->A.id, i.id, ISSUE_FIX_VERSIONS, &ids, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], v.id);
    /* site B cannot read, change or delete site A's */
    component_rec_t got;
    assert_int_equal(store_component_get(f->st, f->a, f->B.id, c.id, &got), STORE_NOTFOUND);
    c.name = "Renamed";
    assert_int_equal(store_component_update(f->st, f->B.id, &c), STORE_NOTFOUND);
    assert_int_equal(store_component_delete(f->st, f->B.id, c.id), STORE_NOTFOUND);
    assert_int_equal(store_pversion_delete(f->st, f->B.id, v.id), STORE_NOTFOUND);
    assert_int_equal(store_component_update(f->st, f->A.id, &c), STORE_OK);
    assert_int_equal(store_component_get(f->st, f->a, f->A.id, c.id, &got), STORE_OK);
    assert_string_equal(got.name, "Renamed");
    /* deleting the component takes it off the issue */
    assert_int_equal(store_component_delete(f->st, f->A.id, c.id), STORE_OK);
    assert_int_equal(store_issue_components_get(f->st, f->a, f->A.id, i.id, &ids, &n), STORE_OK);
    assert_int_equal(n, 0);
    pversion_rec_t *vs;
    assert_int_equal(store_pversion_list(f->st, f->a, f->A.id, 10000, &vs, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(vs[0].release_date, "2026-12-24");
}

static void test_changelog(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t i = add_issue(f, f->A.id, 10000, "changed", 1);
    change_item_t items[] = {
        {.field = "status",
         .field_id = "status",
         .from_id = "10000",
         .from_string = "To Do",
         .to_id = "10001",
         .to_string = "In Progress"},
        {.field = "assignee", .field_id = "assignee", .to_id = "u1", .to_string = "U One"},
    };
    change_group_t g = {.issue_id = i.id, .author_account_id = "u1", .created_ms = 7, .items = items, .nitems = 2};
    assert_int_equal(store_changelog_append(f->st, f->A.id, &g), STORE_OK);
    change_group_t empty = {.issue_id = i.id, .created_ms = 8};
    assert_int_not_equal(store_changelog_append(f->st, f->A.id, &empty), STORE_OK); /* no items: no group */
    change_group_t *out;
    size_t n;
    int64_t total;
    assert_int_equal(store_changelog_list(f->st, f->a, f->A.id, i.id, 0, 10, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(out[0].nitems, 2);
    assert_string_equal(out[0].items[0].fieldtype, "jira");
    assert_string_equal(out[0].items[0].to_string, "In Progress");
    assert_null(out[0].items[1].from_id);
    assert_int_equal(store_changelog_list(f->st, f->a, f->B.id, i.id, 0, 10, &out, &n, &total), STORE_OK);
    assert_int_equal(total, 0);
}

static void test_issue_update_and_delete(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    issue_rec_t i = add_issue(f, f->A.id, 10000, "before", 1);
    issue_rec_t b = add_issue(f, f->B.id, 10000, "site b", 1);
    assert_int_equal(i.id, b.id); /* the same id on both sites: each must touch its own */
    i.summary = "after";
    i.status_id = 10002;
    i.resolution_id = 10000;
    i.resolved_ms = 9;
    i.time_spent_s = 3600;
    i.updated_ms = 9;
    assert_int_equal(store_issue_update(f->st, f->A.id, &i), STORE_OK);
    issue_rec_t got;
    const char *pk;
    assert_int_equal(store_issue_by_id(f->st, f->a, f->A.id, i.id, &got, &pk), STORE_OK);
    assert_string_equal(got.summary, "after");
    assert_int_equal(got.status_id, 10002);
    assert_int_equal(got.resolution_id, 10000);
    assert_int_equal(got.time_spent_s, 3600);
    assert_int_equal(got.original_estimate_s, -1);
    assert_int_equal(got.parent_id, 0);
    assert_int_equal(store_issue_by_id(f->st, f->a, f->B.id, b.id, &got, &pk), STORE_OK);
    assert_string_equal(got.summary, "site b");

    const char *l[] = {"x"};
    assert_int_equal(store_labels_set(f->st, f->A.id, i.id, l, 1), STORE_OK);
    assert_int_equal(store_labels_set(f->st, f->B.id, b.id, l, 1), STORE_OK);
    /* a worklog of the issue with a property of its own, and the issue's own property */
    worklog_rec_t wl = {.issue_id = i.id,
                        .author_account_id = "u",
                        .update_author_account_id = "u",
                        .started_ms = 1,
                        .time_spent_s = 60,
                        .created_ms = 1,
                        .updated_ms = 1};
    assert_int_equal(store_worklog_insert(f->st, f->A.id, &wl), STORE_OK);
    char wid[24], iid[24];
    snprintf(wid, sizeof wid, "%lld", (long long)wl.id);
    snprintf(iid, sizeof iid, "%lld", (long long)i.id);
    int created;
    assert_int_equal(store_prop_set(f->st, f->A.id, "worklog", wid, "k", "1", 1, &created), STORE_OK);
    assert_int_equal(store_prop_set(f->st, f->A.id, "issue", iid, "k", "1", 1, &created), STORE_OK);
    assert_int_equal(store_issue_delete(f->st, f->A.id, i.id), STORE_OK);
    prop_rec_t pr;
    assert_int_equal(store_prop_get(f->st, f->a, f->A.id, "worklog", wid, "k", &pr), STORE_NOTFOUND);
    assert_int_equal(store_prop_get(f->st, f->a, f->A.id, "issue", iid, "k", &pr), STORE_NOTFOUND);
    assert_int_equal(store_issue_by_id(f->st, f->a, f->A.id, i.id, &got, &pk), STORE_NOTFOUND);
    assert_int_equal(store_issue_delete(f->st, f->A.id, i.id), STORE_NOTFOUND);
    const char **ls;
    size_t n;
    assert_int_equal(store_labels_get(f->st, f->a, f->A.id, i.id, &ls, &n), STORE_OK);
    assert_int_equal(n, 0);
    /* site B's issue and its label are untouched */
    assert_int_equal(store_issue_by_id(f->st, f->a, f->B.id, b.id, &got, &pk), STORE_OK);
    assert_int_equal(store_labels_get(f->st, f->a, f->B.id, b.id, &ls, &n), STORE_OK);
    assert_int_equal(n, 1);
    i.id = 99999;
    assert_int_equal(store_issue_update(f->st, f->A.id, &i), STORE_NOTFOUND);
}

/* A data dir made by kiln before migration 11 (its ten migrations, its rows) upgrades:
 * issues keep their ids, numbers and texts, and their status names become status ids. */
static void test_upgrade_from_10(void **state)
{
    char *dir = unit_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/kiln.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(sqlite3_exec(db, sq_schema[i], NULL, NULL, NULL), SQLITE_OK);
    const char *rows =
        "PRAGMA user_version = 10;"
        "INSERT INTO sites (id, cloud_id, name, admin_account_id, canary, created_ms, next_project_id, next_issue_id)"
        " VALUES (1, 'c1', 'old', 'adm', 'can', 1, 20001, 20003);"
        "INSERT INTO projects (site_id, id, key, name, description, type_key, lead_account_id, assignee_type, url,"
        " created_ms, next_issue_num) VALUES (1, 20000, 'OLD', 'Old', '', 'software', 'adm', 'UNASSIGNED', '', 1, 3);"
        "INSERT INTO issues (site_id, id, project_id, num, summary, description_json, issuetype_id, status,"
        " reporter_account_id, assignee_account_id, created_ms, updated_ms) VALUES"
        " (1, 20001, 20000, 1, 'first', NULL, '10002', 'To Do', 'adm', NULL, 5, 6),"
        " (1, 20002, 20000, 2, 'second', '{\"type\":\"doc\"}', '10001', 'Done', 'adm', 'adm', 7, 8);";
    assert_int_equal(sqlite3_exec(db, rows, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    arena_t *a = arena_new(1u << 20);
    store_t *st = open_migrated(dir);
    issue_rec_t i;
    const char *pk;
    assert_int_equal(store_issue_by_key(st, a, 1, "OLD", 1, &i, &pk), STORE_OK);
    assert_int_equal(i.id, 20001);
    assert_int_equal(i.issuetype_id, 10002);
    assert_int_equal(i.status_id, 10000);
    assert_int_equal(i.resolution_id, 0);
    assert_string_equal(i.creator_account_id, "adm");
    assert_int_equal(i.updated_ms, 6);
    assert_int_equal(store_issue_by_id(st, a, 1, 20002, &i, &pk), STORE_OK);
    assert_int_equal(i.status_id, 10002);
    assert_int_equal(i.resolution_id, 10000);
    assert_int_equal(i.resolved_ms, 8);
    assert_string_equal(i.description_json, "{\"type\":\"doc\"}");
    /* the site's other ids start in its own range, after its projects' first id */
    int64_t id;
    assert_int_equal(store_next_id(st, 1, "comment", &id), STORE_OK);
    assert_int_equal(id, 20000);
    /* and the issue numbering goes on */
    issue_rec_t n = {.project_id = 20000,
                     .summary = "third",
                     .issuetype_id = 10001,
                     .status_id = 10000,
                     .priority_id = 3,
                     .creator_account_id = "adm",
                     .original_estimate_s = -1,
                     .remaining_estimate_s = -1,
                     .time_spent_s = -1,
                     .created_ms = 9,
                     .updated_ms = 9};
    assert_int_equal(store_issue_insert(st, 1, &n), STORE_OK);
    assert_int_equal(n.num, 3);
    assert_int_equal(n.id, 20003);
    store_close(st);
    arena_free(a);
    unit_rmtree(dir);
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        T(test_fields_and_values),       T(test_labels),
        T(test_components_versions),     T(test_changelog),
        T(test_issue_update_and_delete), cmocka_unit_test(test_upgrade_from_10),
    };
    return cmocka_run_group_tests_name("store_model", tests, NULL, NULL);
}
