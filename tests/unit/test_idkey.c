/* Unit tests for Jira's id-or-key strings (src/product/idkey.h): what each string names,
 * and that the lookups built on them find exactly the project or issue it names on a
 * fresh store (store_fixture.h: site A has WEB 10000, MKT 10001, HELP 10002, APP 10003;
 * site B has WEB 10000). */
#include "unit.h"

#include "product/idkey.h"
#include "product/model.h"
#include "store/store_product.h"
#include "store_fixture.h"

/* ---- what a string names ---- */

static void test_parse_project(void **state)
{
    (void)state;
    idkey_t k;
    assert_int_equal(idkey_project("10001", &k), IDKEY_ID);
    assert_int_equal(k.id, 10001);
    assert_null(k.key);
    assert_int_equal(idkey_project("0", &k), IDKEY_ID);
    assert_int_equal(k.id, 0);
    assert_int_equal(idkey_project("999999999999999999", &k), IDKEY_ID); /* 18 digits */
    assert_int_equal(k.id, 999999999999999999LL);
    assert_int_equal(idkey_project("9999999999999999999", &k), IDKEY_NONE); /* 19 */
    static const char *const keys[] = {"HELP", "help", "HELP ", " HELP", "", "-10001", "10001 ", "1e4", "%"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        assert_int_equal(idkey_project(keys[i], &k), IDKEY_KEY);
        assert_ptr_equal(k.key, keys[i]);
        assert_int_equal(k.id, 0);
    }
}

static void test_parse_issue(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 16);
    idkey_t k;
    assert_int_equal(idkey_issue(a, "10002", &k), IDKEY_ID);
    assert_int_equal(k.id, 10002);
    assert_null(k.key);
    assert_int_equal(idkey_issue(a, "WEB-12", &k), IDKEY_KEY);
    assert_string_equal(k.key, "WEB");
    assert_int_equal(k.num, 12);
    /* split at the last dash: the key keeps the others */
    assert_int_equal(idkey_issue(a, "WEB--1", &k), IDKEY_KEY);
    assert_string_equal(k.key, "WEB-");
    assert_int_equal(k.num, 1);
    assert_int_equal(idkey_issue(a, "A-B-7", &k), IDKEY_KEY);
    assert_string_equal(k.key, "A-B");
    assert_int_equal(k.num, 7);
    assert_int_equal(idkey_issue(a, "WEB-0", &k), IDKEY_KEY);
    assert_int_equal(k.num, 0);
    assert_int_equal(idkey_issue(a, "WEB-999999999999999999", &k), IDKEY_KEY);
    assert_int_equal(k.num, 999999999999999999LL);
    static const char *const none[] = {
        "",
        "-1",
        "WEB",
        "WEB1",
        "WEB-",
        "WEB-1x",
        "WEB-+1",
        "WEB-1.0",
        "WEB-1 ",
        "WEB- 1",
        "99999999999999999999",
        "WEB-9999999999999999999",
    };
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        if (idkey_issue(a, none[i], &k) != IDKEY_NONE)
            print_error("issue id_or_key \"%s\"\n", none[i]);
        assert_int_equal(idkey_issue(a, none[i], &k), IDKEY_NONE);
    }
    arena_free(a);
}

/* ---- lookups by id or key (were the store's store_project_get and store_issue_get) ---- */

static void test_project_get(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    project_rec_t p;
    assert_int_equal(idkey_project_get(f->st, f->a, f->A.id, "10001", &p), STORE_OK);
    assert_int_equal(p.id, 10001);
    assert_string_equal(p.key, "MKT");
    assert_string_equal(p.name, "Marketing Campaigns");
    assert_string_equal(p.description, "About Marketing Campaigns");
    assert_string_equal(p.type_key, "business");
    assert_string_equal(p.lead_account_id, "admin-alpha");
    assert_string_equal(p.assignee_type, "UNASSIGNED");
    assert_int_equal(p.created_ms, 1700000000123);

    assert_int_equal(idkey_project_get(f->st, f->a, f->A.id, "HELP", &p), STORE_OK);
    assert_int_equal(p.id, 10002);
    assert_string_equal(p.type_key, "service_desk");

    static const char *const missing[] = {
        "help",
        "Help",
        "HELP ",
        " HELP",
        "",
        "10099",
        "0",
        "9999",
        "-10001",
        "10001 ",
        "99999999999999999999",
        "1e4",
        "HELP' OR '1'='1",
        "%",
        "*",
    };
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        int rc = idkey_project_get(f->st, f->a, f->A.id, missing[i], &p);
        if (rc != STORE_NOTFOUND)
            print_error("id_or_key \"%s\"\n", missing[i]);
        assert_int_equal(rc, STORE_NOTFOUND);
    }
}

static void test_issue_get(void **state)
{
    fx_t *f = *state;
    seed_projects(f);
    add_issue(f, f->A.id, 10000, "first", 1);
    add_issue(f, f->A.id, 10000, "second", 2);
    add_issue(f, f->A.id, 10001, "mkt first", 3);
    issue_rec_t is;
    const char *pkey = NULL;
    assert_int_equal(idkey_issue_get(f->st, f->a, f->A.id, "WEB-2", &is, &pkey), STORE_OK);
    assert_int_equal(is.id, 10001);
    assert_int_equal(is.num, 2);
    assert_int_equal(is.project_id, 10000);
    assert_string_equal(is.summary, "second");
    assert_string_equal(pkey, "WEB");
    assert_int_equal(is.status_id, STATUS_TODO);
    assert_int_equal(is.issuetype_id, ITYPE_TASK);
    assert_string_equal(is.reporter_account_id, "admin-alpha");
    assert_null(is.assignee_account_id);
    assert_string_equal(is.description_json, "{\"type\":\"doc\",\"version\":1,\"content\":[]}");
    assert_int_equal(is.updated_ms, 2);

    pkey = NULL;
    assert_int_equal(idkey_issue_get(f->st, f->a, f->A.id, "10002", &is, &pkey), STORE_OK);
    assert_string_equal(pkey, "MKT");
    assert_int_equal(is.num, 1);
    assert_string_equal(is.summary, "mkt first");
    assert_int_equal(idkey_issue_get(f->st, f->a, f->A.id, "MKT-1", &is, &pkey), STORE_OK);
    assert_int_equal(is.id, 10002);

    static const char *const missing[] = {
        "WEB-3",
        "web-1",
        "WEB-0",
        "WEB-",
        "-1",
        "WEB1",
        "WEB-1x",
        "WEB--1",
        "",
        "WEB-1 ",
        " WEB-1",
        "HELP-1",
        "10003",
        "99999999999999999999",
        "WEB-99999999999999999999",
        "WEB-1' OR '1'='1",
        "WEB-+1",
        "WEB-1.0",
    };
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        int rc = idkey_issue_get(f->st, f->a, f->A.id, missing[i], &is, &pkey);
        if (rc != STORE_NOTFOUND)
            print_error("id_or_key \"%s\"\n", missing[i]);
        assert_int_equal(rc, STORE_NOTFOUND);
    }
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_project),
        cmocka_unit_test(test_parse_issue),
        T(test_project_get),
        T(test_issue_get),
    };
    return cmocka_run_group_tests_name("idkey", tests, NULL, NULL);
}
