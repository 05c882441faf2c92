/* The field model (product/fields.h): durations and dates, the field table and its
 * lookups (id, name, JQL clause) on two sites, reading values of every kind into a
 * draft with Jira's errors, and the changelog items of the difference between drafts. */
#include "unit.h"

#include <jansson.h>
#include <string.h>

#include "base/json.h"
#include "http/request.h"
#include "product/fields.h"
#include "store/store_fields.h"
#include "store/store_product.h"
#include "store/store_sites.h"
#include "store_fixture.h"

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static void test_durations(void **state)
{
    (void)state;
    assert_int_equal(fields_parse_duration("1w 2d 3h 30m"), 5 * 8 * 3600 + 2 * 8 * 3600 + 3 * 3600 + 1800);
    assert_int_equal(fields_parse_duration("90"), 90 * 60); /* a bare number is minutes */
    assert_int_equal(fields_parse_duration("2H"), 7200);
    assert_int_equal(fields_parse_duration(" 1d "), 8 * 3600);
    assert_int_equal(fields_parse_duration("1h30"), 3600 + 30 * 60); /* kiln: a trailing number is minutes */
    static const char *const bad[] = {"", " ", "soon", "1x", "h", "1234567890m", "-1h", "1.5h", NULL};
    for (const char *const *b = bad; *b; b++)
        assert_int_equal(fields_parse_duration(*b), -1);
    assert_int_equal(fields_parse_duration(NULL), -1);
    char buf[64];
    fields_format_duration(buf, sizeof buf, 5 * 8 * 3600 + 2 * 8 * 3600 + 3 * 3600 + 1800);
    assert_string_equal(buf, "1w 2d 3h 30m");
    fields_format_duration(buf, sizeof buf, 0);
    assert_string_equal(buf, "0m");
    fields_format_duration(buf, sizeof buf, 10 * 3600);
    assert_string_equal(buf, "1d 2h");
}

static void test_dates(void **state)
{
    (void)state;
    assert_true(fields_valid_date("2024-02-29"));
    assert_true(fields_valid_date("2000-02-29"));
    assert_false(fields_valid_date("1900-02-29"));
    assert_false(fields_valid_date("2023-02-29"));
    assert_false(fields_valid_date("2026-13-01"));
    assert_false(fields_valid_date("2026-04-31"));
    assert_false(fields_valid_date("2026-1-01"));
    assert_false(fields_valid_date("2026-01-01T00"));
    assert_false(fields_valid_date("abcd-ef-gh"));
    assert_false(fields_valid_date(NULL));
}

static void add_field(fx_t *f, int64_t site, const char *name, const char *type, const char *options)
{
    field_rec_t r = {.name = name, .description = "", .type = type, .options_json = options, .created_ms = 1};
    assert_int_equal(store_field_insert(f->st, f->a, site, &r), STORE_OK);
}

static void test_table_and_lookups(void **state)
{
    fx_t *f = *state;
    add_field(f, f->A.id, "Story Points", "number", NULL);
    add_field(f, f->A.id, "Team", "select",
              "[{\"id\":\"1\",\"value\":\"Platform\"},{\"id\":\"2\",\"value\":\"Growth\"}]");
    add_field(f, f->A.id, "Odd", "nosuchtype", NULL); /* a type kiln does not know: not offered */
    add_field(f, f->B.id, "Severity", "string", NULL);
    field_table_t t;
    assert_int_equal(fields_load(f->st, f->a, f->A.id, &t), STORE_OK);
    assert_int_equal(t.n, model_sysfields_len + 2);
    assert_string_equal(fields_by_id(&t, "summary")->name, "Summary");
    assert_int_equal(fields_by_id(&t, "summary")->kind, FK_SUMMARY);
    assert_int_equal(fields_by_id(&t, "status")->kind, FK_READONLY);
    assert_string_equal(fields_by_id(&t, "components")->changelog_name, "Component");
    assert_string_equal(fields_by_name(&t, "due DATE")->id, "duedate");
    assert_string_equal(fields_by_name(&t, "story points")->id, "customfield_10000");
    assert_string_equal(fields_by_clause(&t, "due")->id, "duedate");
    assert_string_equal(fields_by_clause(&t, "fixVersion")->id, "fixVersions");
    assert_string_equal(fields_by_clause(&t, "cf[10001]")->id, "customfield_10001");
    assert_string_equal(fields_by_clause(&t, "TEAM")->id, "customfield_10001");
    assert_null(fields_by_clause(&t, "cf[99999]"));
    assert_null(fields_by_clause(&t, "cf[]"));
    assert_null(fields_by_name(&t, "Severity")); /* site B's */
    assert_null(fields_by_id(&t, NULL));
    assert_int_equal(json_array_size(fields_by_id(&t, "customfield_10001")->options), 2);
    assert_int_equal(fields_by_id(&t, "customfield_10001")->kind, FK_CF_SELECT);
    field_table_t tb;
    assert_int_equal(fields_load(f->st, f->a, f->B.id, &tb), STORE_OK);
    assert_int_equal(tb.n, model_sysfields_len + 1);
    assert_null(fields_by_id(&tb, "customfield_10000") &&
                        strcmp(fields_by_id(&tb, "customfield_10000")->name, "Story Points") == 0
                    ? "A's field on B"
                    : NULL);
    assert_string_equal(fields_cf_type_by_key("com.atlassian.jira.plugin.system.customfieldtypes:float")->store,
                        "number");
    assert_null(fields_cf_type_by_key("com.example:float"));
}

/* A request on site A as its admin acting as an app (perm_allows: 1), under /rest/api/3. */
static kreq_t request(fx_t *f)
{
    kreq_t kr = {.arena = f->a, .store = f->st, .site = f->A, .public_url = "http://kiln.test"};
    kr.principal.kind = PRINCIPAL_APP;
    kr.principal.account_id = f->A.admin_account_id;
    return kr;
}

static json_t *J(fx_t *f, const char *text)
{
    json_err_t err;
    json_t *j = json_parse_arena(f->a, text, strlen(text), 64, &err);
    assert_non_null(j);
    return j;
}

static void test_apply_and_changelog(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_field(f, f->A.id, "Story Points", "number", NULL);
    add_field(f, f->A.id, "Team", "multiselect",
              "[{\"id\":\"1\",\"value\":\"Platform\"},{\"id\":\"2\",\"value\":\"Growth\"}]");
    add_field(f, f->A.id, "Kickoff", "datetime", NULL);
    kreq_t kr = request(f);
    field_table_t t;
    assert_int_equal(fields_load(f->st, f->a, f->A.id, &t), STORE_OK);
    issue_rec_t i = add_issue(f, f->A.id, 10000, "first", 1);
    issue_draft_t old, d;
    assert_int_equal(fields_draft_load(&kr, &i, &old), STORE_OK);
    assert_string_equal(old.project.key, "WEB");
    d = old;
    json_t *errors = json_own(f->a, json_object());
    const field_def_t *labels = fields_by_id(&t, "labels");
    assert_int_equal(fields_apply(&kr, labels, &d, FV_SET, J(f, "[\"b\",\"a\",\"b\"]"), errors), 0);
    assert_int_equal(d.nlabels, 2); /* duplicates collapse */
    assert_int_equal(fields_apply(&kr, labels, &d, FV_ADD, J(f, "\"c\""), errors), 0);
    assert_int_equal(fields_apply(&kr, labels, &d, FV_REMOVE, J(f, "\"b\""), errors), 0);
    assert_int_equal(d.nlabels, 2);
    assert_string_equal(d.labels[0], "a");
    assert_string_equal(d.labels[1], "c");
    assert_int_equal(
        fields_apply(&kr, fields_by_id(&t, "priority"), &d, FV_SET, J(f, "{\"name\":\"highest\"}"), errors), 0);
    assert_int_equal(d.rec.priority_id, 1);
    assert_int_equal(fields_apply(&kr, fields_by_id(&t, "customfield_10000"), &d, FV_SET, J(f, "3.5"), errors), 0);
    const field_def_t *team = fields_by_id(&t, "customfield_10001");
    assert_int_equal(fields_apply(&kr, team, &d, FV_SET, J(f, "[{\"value\":\"Growth\"},{\"id\":\"1\"}]"), errors), 0);
    assert_int_equal(fields_apply(&kr, team, &d, FV_REMOVE, J(f, "{\"value\":\"Growth\"}"), errors), 0);
    const field_def_t *kick = fields_by_id(&t, "customfield_10002");
    assert_int_equal(fields_apply(&kr, kick, &d, FV_SET, J(f, "\"2026-03-01T10:30:00.000+0200\""), errors), 0);
    assert_int_equal(json_object_size(errors), 0);
    /* the values: Story Points 3.5, Team [1], Kickoff 08:30 UTC */
    int seen = 0;
    for (size_t k = 0; k < d.nvalues; k++) {
        if (strcmp(d.values[k].field_id, "customfield_10000") == 0)
            seen++, assert_true(d.values[k].has_num && d.values[k].num == 3.5);
        if (strcmp(d.values[k].field_id, "customfield_10001") == 0)
            seen++, assert_string_equal(d.values[k].str, "1");
        if (strcmp(d.values[k].field_id, "customfield_10002") == 0)
            seen++, assert_true(d.values[k].num == 1772353800000.0);
    }
    assert_int_equal(seen, 3);
    issue_draft_t west = d; /* a negative offset, written with a colon */
    assert_int_equal(fields_apply(&kr, kick, &west, FV_SET, J(f, "\"2026-03-01T10:30:00-01:30\""), errors), 0);
    for (size_t k = 0; k < west.nvalues; k++)
        if (strcmp(west.values[k].field_id, "customfield_10002") == 0)
            assert_true(west.values[k].num == 1772366400000.0);

    /* bad values: Jira's messages, the draft unchanged */
    static const struct {
        const char *field, *value, *msg;
    } bad[] = {
        {"summary", "\"\"", "You must specify a summary of the issue."},
        {"summary", "\"a\\nb\"", "Summary must be less than 255 characters."},
        {"labels", "[\"has space\"]", "The label 'has space' contains spaces which is invalid."},
        {"labels", "\"x\"", "Operation value must be an array"},
        {"priority", "{\"name\":\"Urgent\"}", "The priority selected is invalid."},
        {"duedate", "\"2026-02-30\"", "Error parsing date string: 2026-02-30"},
        {"customfield_10000", "\"3\"", "Operation value must be a number"},
        {"customfield_10001", "[{\"value\":\"Nope\"}]", "Option value 'Nope' is not valid"},
        {"customfield_10002", "\"yesterday\"", "Error parsing time: yesterday"},
        {"description", "\"plain\"",
         "Operation value must be an Atlassian Document (see the Atlassian Document Format)"},
        {"assignee", "{\"accountId\":\"admin-bravo\"}", "Specify a valid value for assignee"}, /* B's admin */
        {"status", "{\"id\":\"10001\"}",
         "Field 'status' cannot be set. It is not on the appropriate screen, or unknown."},
        {"components", "[{\"id\":\"1\"}]", "Component with id '1' does not exist."},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        json_t *e = json_own(f->a, json_object());
        issue_draft_t before = d;
        assert_int_equal(fields_apply(&kr, fields_by_id(&t, bad[k].field), &d, FV_SET, J(f, bad[k].value), e), -1);
        if (!json_str(e, bad[k].field) || strcmp(json_str(e, bad[k].field), bad[k].msg) != 0)
            fail_msg("%s=%s: got %s", bad[k].field, bad[k].value, json_str(e, bad[k].field));
        assert_memory_equal(&before.rec, &d.rec, sizeof d.rec);
    }
    /* set/add/remove on a single-valued field is refused */
    json_t *e = json_own(f->a, json_object());
    assert_int_equal(fields_apply(&kr, fields_by_id(&t, "summary"), &d, FV_ADD, J(f, "\"x\""), e), -1);

    change_item_t *items;
    size_t n;
    assert_int_equal(fields_changelog(&kr, &t, &old, &d, &items, &n), STORE_OK);
    const char *want[][4] = {
        /* field, fieldId, fromString, toString */
        {"priority", "priority", "Medium", "Highest"},
        {"labels", "labels", NULL, "a c"},
        {"Story Points", "customfield_10000", NULL, "3.5"},
        {"Team", "customfield_10001", NULL, "Platform"},
        {"Kickoff", "customfield_10002", NULL, "2026-03-01T08:30:00.000+0000"},
    };
    assert_int_equal(n, sizeof want / sizeof *want);
    for (size_t k = 0; k < n; k++) {
        assert_string_equal(items[k].field, want[k][0]);
        assert_string_equal(items[k].field_id, want[k][1]);
        if (want[k][2])
            assert_string_equal(items[k].from_string, want[k][2]);
        else
            assert_null(items[k].from_string);
        assert_string_equal(items[k].to_string, want[k][3]);
        assert_string_equal(items[k].fieldtype, strncmp(want[k][1], "customfield_", 12) == 0 ? "custom" : "jira");
    }
    /* saved, loaded back: the same draft; nothing left to record */
    assert_int_equal(fields_save(&kr, &old, &d), STORE_OK);
    issue_draft_t again;
    assert_int_equal(fields_draft_load(&kr, &d.rec, &again), STORE_OK);
    assert_int_equal(fields_changelog(&kr, &t, &again, &d, &items, &n), STORE_OK);
    assert_int_equal(n, 0);
    /* site B's issue with the same id sees none of it */
    kreq_t krb = kr;
    krb.site = f->B;
    issue_rec_t ib = i;
    ib.project_id = 10000;
    issue_draft_t onb;
    assert_int_equal(fields_draft_load(&krb, &ib, &onb), STORE_OK);
    assert_int_equal(onb.nlabels + onb.nvalues, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_dates),
        T(test_table_and_lookups),
        T(test_apply_and_changelog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
