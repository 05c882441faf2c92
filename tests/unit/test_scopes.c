/* Unit tests for src/auth/scopes.h: lookups in the generated table, the table's order,
 * scope_allows semantics (all-of within a set, either set suffices, whole-word matching
 * only, no wildcard of any kind) and the set of scope names kiln knows. */
#include "unit.h"

#include "auth/scopes.h"

static void test_find_known(void **state)
{
    (void)state;
    const struct scope_op *op = scope_find("GET", "/rest/api/3/project/search");
    assert_non_null(op);
    assert_string_equal(op->method, "GET");
    assert_string_equal(op->path, "/rest/api/3/project/search");
    assert_non_null(op->classic);
    assert_string_equal(op->classic, "read:jira-work");
    assert_non_null(op->granular);
    assert_true(unit_contains(op->granular, "read:project:jira"));

    op = scope_find("GET", "/rest/api/3/serverInfo");
    assert_non_null(op);
    assert_non_null(op->classic);
    assert_string_equal(op->classic, "");

    op = scope_find("GET", "/rest/api/3/project/{projectIdOrKey}");
    assert_non_null(op);
    assert_string_equal(op->classic, "read:jira-work");

    /* the same path with another method is another operation */
    const struct scope_op *get = scope_find("GET", "/rest/api/3/project");
    const struct scope_op *post = scope_find("POST", "/rest/api/3/project");
    assert_non_null(get);
    assert_non_null(post);
    assert_ptr_not_equal(get, post);
    assert_string_equal(post->method, "POST");
    assert_string_equal(post->classic, "manage:jira-configuration");
}

static void test_find_every_product_route(void **state)
{
    (void)state;
    static const char *const ops[][2] = {
        {"GET", "/rest/api/3/project/search"}, {"GET", "/rest/api/3/project/{projectIdOrKey}"},
        {"POST", "/rest/api/3/project"},       {"GET", "/rest/api/3/myself"},
        {"GET", "/rest/api/3/users/search"},   {"GET", "/rest/api/3/user"},
        {"POST", "/rest/api/3/issue"},         {"GET", "/rest/api/3/issue/{issueIdOrKey}"},
        {"GET", "/rest/api/3/serverInfo"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        const struct scope_op *op = scope_find(ops[i][0], ops[i][1]);
        if (!op)
            print_error("missing %s %s\n", ops[i][0], ops[i][1]);
        assert_non_null(op);
        assert_string_equal(op->method, ops[i][0]);
        assert_string_equal(op->path, ops[i][1]);
    }
}

static void test_find_unknown(void **state)
{
    (void)state;
    assert_null(scope_find("GET", "/rest/api/3/nonexistent"));
    assert_null(scope_find("BREW", "/rest/api/3/project/search"));
    assert_null(scope_find("get", "/rest/api/3/project/search")); /* methods are exact */
    assert_null(scope_find("GET", "/rest/api/3/project/search/"));
    assert_null(scope_find("GET", "/rest/api/3/project/SEARCH"));
    assert_null(scope_find("GET", "/rest/api/3/project/10000")); /* templates, not paths */
    assert_null(scope_find("GET", ""));
    assert_null(scope_find("", ""));
    assert_null(scope_find("GET", "/"));
    assert_null(scope_find("GET", "\xff\xff\xff"));
}

static void test_table_sorted_strictly(void **state)
{
    (void)state;
    assert_true(scope_ops_len > 100);
    for (size_t i = 0; i < scope_ops_len; i++) {
        assert_non_null(scope_ops[i].method);
        assert_non_null(scope_ops[i].path);
        assert_int_equal(scope_ops[i].path[0], '/');
        if (i == 0)
            continue;
        int c = strcmp(scope_ops[i - 1].path, scope_ops[i].path);
        if (c == 0)
            c = strcmp(scope_ops[i - 1].method, scope_ops[i].method);
        if (c >= 0)
            print_error("out of order at %zu: %s %s / %s %s\n", i, scope_ops[i - 1].method, scope_ops[i - 1].path,
                        scope_ops[i].method, scope_ops[i].path);
        assert_true(c < 0);
    }
}

static void test_every_entry_found(void **state)
{
    (void)state;
    for (size_t i = 0; i < scope_ops_len; i++)
        assert_ptr_equal(scope_find(scope_ops[i].method, scope_ops[i].path), &scope_ops[i]);
}

static const struct scope_op both = {"GET", "/x", "read:jira-work write:jira-work", "read:project:jira read:user:jira"};

static void test_classic_all_of(void **state)
{
    (void)state;
    assert_true(scope_allows(&both, "read:jira-work write:jira-work"));
    assert_true(scope_allows(&both, "write:jira-work read:jira-work")); /* order is free */
    assert_true(scope_allows(&both, "offline_access read:jira-work manage:jira-project write:jira-work"));
    assert_false(scope_allows(&both, "read:jira-work"));
    assert_false(scope_allows(&both, "write:jira-work"));
    assert_false(scope_allows(&both, ""));
}

static void test_granular_all_of(void **state)
{
    (void)state;
    assert_true(scope_allows(&both, "read:project:jira read:user:jira"));
    assert_true(scope_allows(&both, "read:user:jira read:project:jira read:issue:jira"));
    assert_false(scope_allows(&both, "read:project:jira")); /* partial granular set */
    assert_false(scope_allows(&both, "read:user:jira"));
}

static void test_sets_do_not_mix(void **state)
{
    (void)state;
    /* one scope of each set satisfies neither */
    assert_false(scope_allows(&both, "read:jira-work read:project:jira"));
    assert_false(scope_allows(&both, "write:jira-work read:user:jira"));
    /* either complete set suffices, the other may be missing entirely */
    static const struct scope_op classic_only = {"GET", "/x", "read:jira-work", NULL};
    static const struct scope_op granular_only = {"GET", "/x", NULL, "read:project:jira"};
    assert_true(scope_allows(&classic_only, "read:jira-work"));
    assert_false(scope_allows(&classic_only, "read:project:jira"));
    assert_true(scope_allows(&granular_only, "read:project:jira"));
    assert_false(scope_allows(&granular_only, "read:jira-work"));
}

static void test_empty_set_needs_nothing(void **state)
{
    (void)state;
    static const struct scope_op open_op = {"GET", "/x", "", ""};
    static const struct scope_op open_classic = {"GET", "/x", "", NULL};
    assert_true(scope_allows(&open_op, ""));
    assert_true(scope_allows(&open_op, "read:jira-work"));
    assert_true(scope_allows(&open_classic, ""));
    const struct scope_op *si = scope_find("GET", "/rest/api/3/serverInfo");
    assert_non_null(si);
    assert_true(scope_allows(si, ""));
}

static void test_no_wildcards(void **state)
{
    (void)state;
    /* no scope string stands for others: an op with no set is allowed to nobody */
    static const struct scope_op none = {"GET", "/x", NULL, NULL};
    static const char *const wild[] = {"*", "* read:jira-work", " *", "**", "read:*", "*:jira", "read:jira-*"};
    for (size_t i = 0; i < sizeof wild / sizeof *wild; i++) {
        assert_false(scope_allows(&none, wild[i]));
        assert_false(scope_allows(&both, wild[i]));
    }
    assert_false(scope_allows(&none, ""));
    assert_false(scope_allows(&none, "read:jira-work write:jira-work manage:jira-configuration"));
    assert_false(scope_allows(&both, NULL)); /* no grant at all */
    const struct scope_op *search = scope_find("GET", "/rest/api/3/project/search");
    assert_false(scope_allows(search, "*"));
}

static void test_known_names(void **state)
{
    (void)state;
    /* the generated list: classic and granular Jira scopes */
    assert_true(scope_jira_names_len > 150);
    for (size_t i = 1; i < scope_jira_names_len; i++)
        assert_true(strcmp(scope_jira_names[i - 1], scope_jira_names[i]) < 0);
    for (size_t i = 1; i < scope_platform_len; i++)
        assert_true(strcmp(scope_platform[i - 1].name, scope_platform[i].name) < 0);
    static const char *const known[] = {"read:jira-work",
                                        "write:jira-work",
                                        "read:jira-user",
                                        "manage:jira-configuration",
                                        "manage:jira-project",
                                        "manage:jira-webhook",
                                        "read:project:jira",
                                        "write:issue:jira",
                                        "read:epic:jira-software",
                                        "storage:app",
                                        "read:app-system-token",
                                        "read:app-user-token",
                                        "read:app-global-channel:realtime",
                                        "read:me",
                                        "read:account"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        if (!scope_known(known[i], strlen(known[i])))
            print_error("not known: %s\n", known[i]);
        assert_true(scope_known(known[i], strlen(known[i])));
    }
    /* every name of every operation's sets is known */
    for (size_t i = 0; i < scope_ops_len; i++) {
        const char *sets[] = {scope_ops[i].classic, scope_ops[i].granular};
        for (int k = 0; k < 2; k++)
            for (const char *p = sets[k]; p && *p;) {
                size_t n = strcspn(p, " ");
                assert_true(scope_known(p, n));
                p += n + (p[n] == ' ');
            }
    }
    for (size_t i = 0; i < scope_jira_names_len; i++)
        assert_true(scope_known(scope_jira_names[i], strlen(scope_jira_names[i])));
    for (size_t i = 0; i < scope_platform_len; i++)
        assert_true(scope_known(scope_platform[i].name, strlen(scope_platform[i].name)));
}

static void test_user_consent(void **state)
{
    (void)state;
    /* Forge's simplified user consent: only the personal-information scopes need each
     * user's own consent; whole names only */
    assert_true(scope_needs_user_consent("read:me"));
    assert_true(scope_needs_user_consent("read:jira-work read:account storage:app"));
    assert_true(scope_needs_user_consent("storage:app read:me"));
    assert_false(scope_needs_user_consent("read:jira-work write:jira-work storage:app"));
    assert_false(scope_needs_user_consent("read:jira-user"));
    assert_false(scope_needs_user_consent("read:me:x read:mex xread:me read:accounts"));
    assert_false(scope_needs_user_consent(""));
    assert_false(scope_needs_user_consent(NULL));
}

static void test_unknown_names(void **state)
{
    (void)state;
    static const char *const unknown[] = {"*",
                                          "**",
                                          "read:*",
                                          "*:jira",
                                          "read:jira-*",
                                          "",
                                          " ",
                                          "read:jira-work ",
                                          " read:jira-work",
                                          "READ:JIRA-WORK",
                                          "read:jira-wor",
                                          "read:jira-workx",
                                          "read:jira",
                                          "storage",
                                          "storage:ap",
                                          "storage:app:x",
                                          "read:page:confluence",
                                          "read:confluence-content.summary",
                                          "write:repository:bitbucket",
                                          "report:personal-data",
                                          "offline_access",
                                          "read:jira-work,write:jira-work",
                                          "read:jira-work write:jira-work"};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        if (scope_known(unknown[i], strlen(unknown[i])))
            print_error("known: \"%s\"\n", unknown[i]);
        assert_false(scope_known(unknown[i], strlen(unknown[i])));
    }
    /* counted: a NUL inside, or a name cut short, is not the name */
    assert_false(scope_known("storage:app\0x", 13));
    assert_false(scope_known("storage:app\0", 12));
    assert_false(scope_known("storage:app", 10));
    assert_true(scope_known("storage:appX", 11));
    assert_false(scope_known("read:jira-work", 0));
}

static void test_whole_words_only(void **state)
{
    (void)state;
    static const struct scope_op rw = {"GET", "/x", "read:jira-work", NULL};
    assert_false(scope_allows(&rw, "read:jira"));       /* prefix */
    assert_false(scope_allows(&rw, "jira-work"));       /* suffix */
    assert_false(scope_allows(&rw, "read:jira-workx")); /* longer */
    assert_false(scope_allows(&rw, "xread:jira-work"));
    assert_false(scope_allows(&rw, "read:jira-work-admin"));
    assert_false(scope_allows(&rw, "READ:JIRA-WORK")); /* case matters */
    assert_false(scope_allows(&rw, "read:jira -work"));
    assert_false(scope_allows(&rw, "read:jira-wor k"));
    assert_false(scope_allows(&rw, "read:jira read:jira-wor"));
    assert_true(scope_allows(&rw, "read:jira read:jira-work"));
    assert_true(scope_allows(&rw, "read:jira-workx read:jira-work"));
    /* a granted list made of one substring of the whole needed set */
    assert_false(scope_allows(&both, "read:jira-work write:jira"));
}

static void test_real_operations(void **state)
{
    (void)state;
    const struct scope_op *search = scope_find("GET", "/rest/api/3/project/search");
    const struct scope_op *create = scope_find("POST", "/rest/api/3/project");
    assert_non_null(search);
    assert_non_null(create);
    assert_true(scope_allows(search, "read:jira-work"));
    assert_false(scope_allows(search, "write:jira-work"));
    assert_false(scope_allows(search, "read:jira"));
    assert_false(scope_allows(create, "read:jira-work"));
    assert_true(scope_allows(create, "manage:jira-configuration"));
    assert_true(scope_allows(create, "write:project:jira read:project:jira"));
    assert_false(scope_allows(create, "write:project:jira"));
}

/* REST v2 twins, Jira Software (agile) and the DevOps operations of the extra table
 * (tools/scopes-extra.json): in the table, with the names a manifest may declare. */
static void test_v2_agile_devops(void **state)
{
    (void)state;
    const struct scope_op *v3 = scope_find("GET", "/rest/api/3/issue/{issueIdOrKey}");
    const struct scope_op *v2 = scope_find("GET", "/rest/api/2/issue/{issueIdOrKey}");
    assert_non_null(v3);
    assert_non_null(v2);
    assert_ptr_not_equal(v2, v3);
    assert_string_equal(v2->classic, v3->classic);
    assert_string_equal(v2->granular, v3->granular);
    assert_non_null(scope_find("POST", "/rest/api/2/search/jql"));
    assert_non_null(scope_find("POST", "/rest/api/3/search/approximate-count"));
    assert_non_null(scope_find("POST", "/rest/api/2/issue/bulkfetch"));

    const struct scope_op *sprint = scope_find("GET", "/rest/agile/1.0/sprint/{sprintId}");
    assert_non_null(sprint);
    assert_true(scope_allows(sprint, "read:sprint:jira-software"));
    assert_false(scope_allows(sprint, "read:jira-work"));
    /* its scopes were an empty list in 2022; Atlassian's page now names two */
    const struct scope_op *boards = scope_find("GET", "/rest/agile/1.0/board");
    assert_non_null(boards);
    assert_false(scope_allows(boards, ""));
    assert_false(scope_allows(boards, "read:board-scope:jira-software"));
    assert_true(scope_allows(boards, "read:project:jira read:board-scope:jira-software"));

    const struct scope_op *builds = scope_find("POST", "/rest/builds/0.1/bulk");
    assert_non_null(builds);
    assert_true(scope_allows(builds, "write:build-info:jira"));
    assert_false(scope_allows(builds, "write:build:jira-software")); /* 3LO's, not Forge's */
    assert_false(scope_allows(builds, "read:build-info:jira delete:build-info:jira write:jira-work"));
    const struct scope_op *dep =
        scope_find("DELETE", "/rest/deployments/0.1/pipelines/{pipelineId}/environments/{environmentId}/deployments/"
                             "{deploymentSequenceNumber}");
    assert_non_null(dep);
    assert_true(scope_allows(dep, "delete:deployment-info:jira"));
    assert_false(scope_allows(dep, "write:deployment-info:jira"));
    assert_non_null(scope_find("GET", "/rest/devinfo/0.10/repository/{repositoryId}"));
    assert_non_null(scope_find("DELETE", "/rest/devinfo/0.10/bulkByProperties"));
    assert_null(scope_find("GET", "/rest/devinfo/0.10/bulk"));

    static const char *const names[] = {"write:build-info:jira",      "read:build-info:jira",
                                        "delete:build-info:jira",     "write:deployment-info:jira",
                                        "read:deployment-info:jira",  "delete:deployment-info:jira",
                                        "write:dev-info:jira",        "read:dev-info:jira",
                                        "delete:dev-info:jira",       "read:board-scope:jira-software",
                                        "write:sprint:jira-software", "read:sprint:jira-software"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (!scope_known(names[i], strlen(names[i])))
            print_error("not known: %s\n", names[i]);
        assert_true(scope_known(names[i], strlen(names[i])));
    }
    assert_false(scope_known("write:build-info:jir", 20));
    assert_false(scope_known("write:*-info:jira", 17));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_known),
        cmocka_unit_test(test_find_every_product_route),
        cmocka_unit_test(test_find_unknown),
        cmocka_unit_test(test_table_sorted_strictly),
        cmocka_unit_test(test_every_entry_found),
        cmocka_unit_test(test_classic_all_of),
        cmocka_unit_test(test_granular_all_of),
        cmocka_unit_test(test_sets_do_not_mix),
        cmocka_unit_test(test_empty_set_needs_nothing),
        cmocka_unit_test(test_no_wildcards),
        cmocka_unit_test(test_known_names),
        cmocka_unit_test(test_user_consent),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_whole_words_only),
        cmocka_unit_test(test_real_operations),
        cmocka_unit_test(test_v2_agile_devops),
    };
    return cmocka_run_group_tests_name("scopes", tests, NULL, NULL);
}
