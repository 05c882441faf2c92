/* Unit tests for users in invocations (src/platform/invoke.h, consent.h): Forge's localId,
 * a job made for a user (its context and its invocation record), the scopes an invocation
 * without a user may impersonate with (declared allowImpersonation AND consented), and
 * which strings can be account ids. */
#include "unit.h"

#include "base/json.h"
#include "base/log.h"
#include "platform/consent.h"
#include "platform/invoke.h"

static void test_local_id(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 16);
    assert_string_equal(invoke_local_id(a, "6a0c5d0e-0000-4000-8000-000000000001", "e1", "my-panel"),
                        "ari-cloud-ecosystem--extension-6a0c5d0e-0000-4000-8000-000000000001-e1-static-my-panel");
    /* ':' and '/' never survive, whatever the parts hold */
    assert_string_equal(invoke_local_id(a, "a:b", "c/d", "m"), "ari-cloud-ecosystem--extension-a-b-c-d-static-m");
    arena_free(a);
}

static rt_job_t *job_with(const char *scopes)
{
    rt_job_t *job = rt_job_new();
    job->context_json = xstrdup("{\"installContext\":\"ari:cloud:jira::site/C\",\"moduleKey\":\"m\"}");
    job->inv.scopes = xstrdup(scopes);
    return job;
}

static void test_set_user(void **state)
{
    (void)state;
    rt_job_t *job = job_with("read:jira-user");
    json_t *ui = json_pack("{s:s,s:{s:s}}", "localId", "L", "extension", "type", "jira:issuePanel");
    assert_int_equal(invoke_set_user(job, "acct-1", ui), 0);
    assert_string_equal(job->inv.user_account_id, "acct-1");
    json_t *ctx = json_loads(job->context_json, 0, NULL);
    assert_non_null(ctx);
    assert_string_equal(json_string_value(json_object_get(ctx, "accountId")), "acct-1");
    assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "principal"), "accountId")), "acct-1");
    assert_string_equal(json_string_value(json_object_get(ctx, "localId")), "L");
    assert_string_equal(json_string_value(json_object_get(ctx, "installContext")), "ari:cloud:jira::site/C"); /* kept */
    assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "extension"), "type")),
                        "jira:issuePanel");
    json_decref(ctx);
    /* ui cannot choose who the user is */
    rt_job_t *j2 = job_with("");
    json_t *liar = json_pack("{s:s,s:{s:s}}", "accountId", "someone-else", "principal", "accountId", "someone-else");
    assert_int_equal(invoke_set_user(j2, "acct-2", liar), 0);
    ctx = json_loads(j2->context_json, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(ctx, "accountId")), "acct-2");
    assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "principal"), "accountId")), "acct-2");
    json_decref(ctx);
    /* an account id that does not fit the record: refused, nothing set */
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rt_job_t *j3 = job_with("");
    assert_int_equal(invoke_set_user(j3, big, NULL), -1);
    assert_string_equal(j3->inv.user_account_id, "");
    json_decref(ui);
    json_decref(liar);
    rt_job_free(job);
    rt_job_free(j2);
    rt_job_free(j3);
}

static void test_impersonation(void **state)
{
    (void)state;
    json_t *map = json_loads("{\"permissions\":{\"scopes\":{\"read:jira-user\":{\"allowImpersonation\":true},"
                             "\"read:jira-work\":{},\"write:jira-work\":{\"allowImpersonation\":true},"
                             "\"manage:jira-project\":{\"allowImpersonation\":false}}}}",
                             0, NULL);
    /* declared and consented; write:jira-work is declared but the site did not consent to it */
    rt_job_t *job = job_with("read:jira-user read:jira-work manage:jira-project");
    invoke_allow_impersonation(job, map);
    assert_string_equal(job->inv.imp_scopes, "read:jira-user");
    rt_job_free(job);
    /* a consented scope whose name is a prefix of another's is not it */
    job = job_with("read:jira-user-x write:jira-workx");
    invoke_allow_impersonation(job, map);
    assert_string_equal(job->inv.imp_scopes, "");
    rt_job_free(job);
    /* the list form cannot declare it */
    json_t *list = json_loads("{\"permissions\":{\"scopes\":[\"read:jira-user\"]}}", 0, NULL);
    job = job_with("read:jira-user");
    invoke_allow_impersonation(job, list);
    assert_null(job->inv.imp_scopes);
    rt_job_free(job);
    json_decref(map);
    json_decref(list);
}

static void test_account_valid(void **state)
{
    (void)state;
    assert_true(consent_account_valid("5b10a2844c20165700ede21g"));
    assert_true(consent_account_valid("557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"));
    assert_false(consent_account_valid(""));
    assert_false(consent_account_valid(NULL));
    assert_false(consent_account_valid("a/b"));
    assert_false(consent_account_valid("a b"));
    assert_false(consent_account_valid("a%2e"));
    assert_false(consent_account_valid("x' OR '1'='1"));
    char s[CONSENT_ACCOUNT_MAX + 2];
    memset(s, 'a', sizeof s - 1);
    s[CONSENT_ACCOUNT_MAX] = '\0';
    assert_true(consent_account_valid(s)); /* exactly the limit */
    s[CONSENT_ACCOUNT_MAX] = 'a';
    s[CONSENT_ACCOUNT_MAX + 1] = '\0';
    assert_false(consent_account_valid(s));
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_id),
        cmocka_unit_test(test_set_user),
        cmocka_unit_test(test_impersonation),
        cmocka_unit_test(test_account_valid),
    };
    return cmocka_run_group_tests_name("invoke_user", tests, NULL, NULL);
}
