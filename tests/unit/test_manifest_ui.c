/* Unit tests for the UI modules of src/platform/manifest.h (platform/manifest_ui.c): what
 * each of the seven types accepts and records, every error with its exact
 * "file:line:col: path: message", the display conditions' checks and warnings. Tables of
 * cases, one per rule. */
#include "unit.h"

#include <jansson.h>

#include "base/buf.h"
#include "platform/manifest.h"

#define ID "ari:cloud:ecosystem::app/0b3c9c6e-1b1a-4f0e-9a59-3a5d2c1e7f10"
/* Lines 1-4: app; 5-9: resources main and icons; 10-15: functions main and other; the
 * UI modules start on line 16. */
#define HEAD                                                                                                           \
    "app:\n  id: " ID "\n  runtime:\n    name: nodejs22.x\n"                                                           \
    "resources:\n  - key: main\n    path: static/main\n  - key: icons\n    path: static/icons\n"                       \
    "modules:\n  function:\n    - key: main\n      handler: index.run\n    - key: other\n      handler: index.other\n"

static arena_t *A;

static int setup(void **state)
{
    (void)state;
    A = arena_new(64u << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(A);
    return 0;
}

static int parse(const char *body, manifest_t *m, manifest_err_t *e)
{
    char *text = arena_printf(A, "%s%s", HEAD, body);
    *m = (manifest_t){.node_version = "v22.0.0"};
    return manifest_parse(A, "manifest.yml", text, strlen(text), NULL, m, e);
}

static manifest_t ok(const char *body)
{
    manifest_t m;
    manifest_err_t e;
    if (parse(body, &m, &e) != 0)
        fail_msg("unexpected error: %s\n--- input:\n%s", e.msg, body);
    return m;
}

/* ================================================================ accepted */

static void test_each_type(void **state)
{
    (void)state;
    manifest_t m = ok("  jira:issuePanel:\n"
                      "    - key: panel\n      resource: main\n      title: Panel\n"
                      "      icon: resource:icons;panel.svg\n      viewportSize: large\n"
                      "      resolver:\n        function: main\n"
                      "  jira:issueGlance:\n"
                      "    - key: glance\n      resource: main/glance\n      render: native\n"
                      "      title: {i18n: glance.title}\n      label: Open\n"
                      "      status:\n        type: lozenge\n        value: {label: New, type: new}\n"
                      "  jira:issueContext:\n"
                      "    - key: ctx\n      resource: main\n      title: Context\n      label: Ctx\n"
                      "      resolver: {endpoint: ep}\n"
                      "  jira:globalPage:\n"
                      "    - key: global\n      resource: main\n      title: Global\n      layout: blank\n"
                      "      pages:\n        - {title: One, route: one}\n        - {title: Two, route: /two, icon: "
                      "https://x.example/i.svg}\n"
                      "  jira:projectPage:\n"
                      "    - key: proj\n      resource: main\n      render: native\n      title: Project\n"
                      "      sections:\n        - header: S\n          pages:\n            - {title: A, route: a}\n"
                      "        - pages:\n            - {title: B, route: b}\n"
                      "  jira:adminPage:\n"
                      "    - key: admin\n      resource: main\n      title: Admin\n      useAsConfig: true\n"
                      "  jira:dashboardGadget:\n"
                      "    - key: gadget\n      resource: main\n      title: {text: G, href: https://x.example}\n"
                      "      description: A gadget\n      thumbnail: https://x.example/t.png\n"
                      "      edit: {resource: main, render: native}\n      refreshable: true\n"
                      "  endpoint:\n    - key: ep\n      remote: r\n"
                      "remotes:\n  - key: r\n    baseUrl: https://r.example.com\n");
    assert_int_equal(m.n_ui_modules, 7);
    assert_int_equal(m.n_unsupported, 0);
    assert_int_equal(m.n_warnings, 0);
    const manifest_ui_module_t *u = m.ui_modules;
    assert_string_equal(u[0].type, "jira:issuePanel");
    assert_string_equal(u[0].key, "panel");
    assert_string_equal(u[0].resource, "main");
    assert_null(u[0].entry);
    assert_string_equal(u[0].render, "custom");
    assert_string_equal(u[0].viewport, "large");
    assert_string_equal(u[0].resolver_function, "main");
    assert_int_equal(u[0].line, 17);
    assert_int_equal(u[0].col, 7);
    assert_string_equal(u[1].resource, "main");
    assert_string_equal(u[1].entry, "glance");
    assert_string_equal(u[1].render, "native");
    assert_string_equal(u[2].resolver_endpoint, "ep");
    assert_null(u[2].resolver_function);
    assert_int_equal(u[3].n_pages, 2);
    assert_int_equal(u[4].n_sections, 2);
    assert_string_equal(u[4].render, "native");
    assert_string_equal(u[5].type, "jira:adminPage");
    assert_string_equal(u[6].type, "jira:dashboardGadget");
    assert_null(u[6].conditions_json);
}

static void test_conditions_recorded(void **state)
{
    (void)state;
    manifest_t m = ok("  jira:issuePanel:\n"
                      "    - key: panel\n      resource: main\n      title: P\n      icon: https://x.example/i.svg\n"
                      "      displayConditions:\n        issueType: [Bug, Task]\n        or:\n          isAdmin: true\n"
                      "          not: {isIssueUnresolved: false}\n"
                      "        jiraExpression: \"issue.issueType.name == 'Bug' && user.accountId != null\"\n");
    assert_int_equal(m.n_warnings, 0);
    assert_string_equal(m.ui_modules[0].conditions_json,
                        "{\"issueType\":[\"Bug\",\"Task\"],\"or\":{\"isAdmin\":true,\"not\":{\"isIssueUnresolved\":"
                        "false}},\"jiraExpression\":\"issue.issueType.name == 'Bug' && user.accountId != null\"}");
}

/* ================================================================ warnings */

static void test_warnings(void **state)
{
    (void)state;
    manifest_t m = ok("  jira:issuePanel:\n"
                      "    - key: legacy\n      function: main\n      title: Old\n      icon: https://x.example/i.svg\n"
                      "  jira:globalPage:\n"
                      "    - key: page\n      resource: main\n      title: Page\n      viewportSize: small\n"
                      "      displayConditions:\n        isLoggedIn: true\n        hasSoftwareAccess: true\n"
                      "        fancyCondition: 3\n");
    static const char *const want[] = {
        "manifest.yml:17:7: modules.jira:issuePanel[0] (key legacy): UI Kit 1 (a `function` instead of a `resource`) "
        "is not run by kiln: the module is not shown",
        "manifest.yml:25:21: modules.jira:globalPage[0].viewportSize (key page): jira:globalPage has no viewportSize: "
        "ignored",
        "manifest.yml:28:28: modules.jira:globalPage[0].displayConditions.hasSoftwareAccess (key page): display "
        "condition \"hasSoftwareAccess\" is not evaluated by kiln: it always holds",
        "manifest.yml:29:25: modules.jira:globalPage[0].displayConditions.fancyCondition (key page): unknown display "
        "condition \"fancyCondition\": kiln ignores it (the module is shown); Forge's deploy refuses it",
    };
    assert_int_equal(m.n_warnings, 4);
    for (size_t i = 0; i < 4; i++) {
        char line[600];
        manifest_warning_format(&m.warnings[i], "manifest.yml", line, sizeof line);
        assert_string_equal(line, want[i]);
    }
    assert_int_equal(m.n_ui_modules, 2);
    assert_null(m.ui_modules[0].resource);
    assert_string_equal(m.ui_modules[0].function, "main");
    assert_null(m.ui_modules[1].viewport);
}

/* ================================================================ errors */

#define PANEL "  jira:issuePanel:\n    - key: p\n"
#define PANEL_OK PANEL "      resource: main\n      title: P\n      icon: https://x.example/i.svg\n"
#define PAGE "  jira:globalPage:\n    - key: g\n      resource: main\n      title: G\n"

static const struct {
    const char *body;
    int code;
    const char *msg;
} errors[] = {
    /* what a module needs */
    {PANEL "      title: P\n      icon: https://x.example/i.svg\n", MANIFEST_ESCHEMA,
     "manifest.yml:17:7: modules.jira:issuePanel[0]: missing required field \"resource\""},
    {PANEL "      resource: main\n      icon: https://x.example/i.svg\n", MANIFEST_ESCHEMA,
     "manifest.yml:17:7: modules.jira:issuePanel[0]: missing required field \"title\""},
    {PANEL "      resource: main\n      title: P\n", MANIFEST_ESCHEMA,
     "manifest.yml:17:7: modules.jira:issuePanel[0]: missing required field \"icon\""},
    {"  jira:issueGlance:\n    - key: g\n      resource: main\n      title: G\n", MANIFEST_ESCHEMA,
     "manifest.yml:17:7: modules.jira:issueGlance[0]: missing required field \"label\""},
    {"  jira:dashboardGadget:\n    - key: d\n      resource: main\n      title: D\n      thumbnail: "
     "https://x.example/t.png\n",
     MANIFEST_ESCHEMA, "manifest.yml:17:7: modules.jira:dashboardGadget[0]: missing required field \"description\""},
    /* values */
    {PANEL "      resource: main\n      title: P\n      icon: https://x.example/i.svg\n      render: iframe\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:21:15: modules.jira:issuePanel[0].render: \"iframe\" is not one of default or native"},
    {PANEL_OK "      viewportSize: huge\n", MANIFEST_ESCHEMA,
     "manifest.yml:21:21: modules.jira:issuePanel[0].viewportSize: \"huge\" is not one of small, medium, large, "
     "xlarge or max"},
    {PANEL "      resource: main\n      title: {i18n: \"bad key\"}\n      icon: https://x.example/i.svg\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:19:21: modules.jira:issuePanel[0].title.i18n: \"bad key\" is not an i18n key (words of "
     "[a-zA-Z0-9_-] joined by dots)"},
    {PANEL "      resource: main\n      title: {text: T, href: h}\n      icon: https://x.example/i.svg\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:19:14: modules.jira:issuePanel[0].title: expected a string or {i18n: key}, found a mapping"},
    {PANEL "      resource: main\n      title: P\n      icon: icon.svg\n", MANIFEST_ESCHEMA,
     "manifest.yml:20:13: modules.jira:issuePanel[0].icon: icon \"icon.svg\" must be an https:// URL, a data:image/ "
     "URI or resource:<resource key>;<path>"},
    {PANEL "      resource: \"main/a/b\"\n      title: P\n      icon: https://x.example/i.svg\n", MANIFEST_ESCHEMA,
     "manifest.yml:18:17: modules.jira:issuePanel[0].resource: \"main/a/b\" is not a resource reference (<resource "
     "key> or <resource key>/<entry>)"},
    {PANEL_OK "      resolver: {function: main, endpoint: ep}\n", MANIFEST_ESCHEMA,
     "manifest.yml:21:17: modules.jira:issuePanel[0].resolver: a resolver is {function: <key>} or {endpoint: <key>}"},
    {PANEL_OK "      resolver: main\n", MANIFEST_ESCHEMA,
     "manifest.yml:21:17: modules.jira:issuePanel[0].resolver: expected a mapping, found a string"},
    {"  jira:issueGlance:\n    - key: g\n      resource: main\n      title: G\n      label: L\n      status: {type: "
     "star, value: {label: x}}\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:21:22: modules.jira:issueGlance[0].status.type: \"star\" is not one of badge, lozenge or icon"},
    /* subpages */
    {PAGE "      pages: [{title: A, route: a}]\n      sections: [{pages: [{title: B, route: b}]}]\n", MANIFEST_ESCHEMA,
     "manifest.yml:21:17: modules.jira:globalPage[0].sections: has both \"pages\" and \"sections\"; use one"},
    {PAGE "      pages:\n        - {title: A, route: a}\n        - {title: B, route: a}\n", MANIFEST_ESCHEMA,
     "manifest.yml:22:29: modules.jira:globalPage[0].pages[1].route: route \"a\" is already used by another page"},
    {PAGE "      pages:\n        - {title: A}\n", MANIFEST_ESCHEMA,
     "manifest.yml:21:11: modules.jira:globalPage[0].pages[0]: missing required field \"route\""},
    {PAGE "      sections:\n        - header: H\n", MANIFEST_ESCHEMA,
     "manifest.yml:21:11: modules.jira:globalPage[0].sections[0]: missing required field \"pages\""},
    {PAGE "      layout: wide\n", MANIFEST_ESCHEMA,
     "manifest.yml:20:15: modules.jira:globalPage[0].layout: \"wide\" is not one of basic, blank or native"},
    /* references */
    {PANEL "      resource: nope\n      title: P\n      icon: https://x.example/i.svg\n", MANIFEST_EREF,
     "manifest.yml:18:17: modules.jira:issuePanel[0].resource: no resource with key \"nope\""},
    {PANEL "      resource: main\n      title: P\n      icon: resource:gone;i.svg\n", MANIFEST_EREF,
     "manifest.yml:20:13: modules.jira:issuePanel[0].icon: icon: no resource with key \"gone\""},
    {PANEL_OK "      resolver: {function: missing}\n", MANIFEST_EREF,
     "manifest.yml:21:28: modules.jira:issuePanel[0].resolver.function: no function with key \"missing\""},
    {PANEL_OK "      resolver: {endpoint: missing}\n", MANIFEST_EREF,
     "manifest.yml:21:28: modules.jira:issuePanel[0].resolver.endpoint: no endpoint with key \"missing\""},
    {"  jira:dashboardGadget:\n    - key: d\n      resource: main\n      title: D\n      description: x\n"
     "      thumbnail: https://x.example/t.png\n      edit: {resource: other}\n",
     MANIFEST_EREF,
     "manifest.yml:22:24: modules.jira:dashboardGadget[0].edit.resource: no resource with key \"other\""},
    /* display conditions */
    {PANEL_OK "      displayConditions: [isAdmin]\n", MANIFEST_ESCHEMA,
     "manifest.yml:21:26: modules.jira:issuePanel[0].displayConditions: display conditions must be a mapping, found "
     "a sequence"},
    {PANEL_OK "      displayConditions:\n        isAdmin: yes please\n", MANIFEST_ESCHEMA,
     "manifest.yml:22:18: modules.jira:issuePanel[0].displayConditions.isAdmin: display condition \"isAdmin\" takes "
     "true or false"},
    {PANEL_OK "      displayConditions:\n        issueType: {name: Bug}\n", MANIFEST_ESCHEMA,
     "manifest.yml:22:20: modules.jira:issuePanel[0].displayConditions.issueType: display condition \"issueType\" "
     "takes a string or a list of strings"},
    {PANEL_OK "      displayConditions:\n        or: [{isAdmin: true}, 3]\n", MANIFEST_ESCHEMA,
     "manifest.yml:22:31: modules.jira:issuePanel[0].displayConditions.or[1]: display conditions must be a mapping, "
     "found an integer"},
    {PANEL_OK "      displayConditions:\n        jiraExpression: \"issue.key ==\"\n", MANIFEST_ESCHEMA,
     "manifest.yml:22:38: modules.jira:issuePanel[0].displayConditions.jiraExpression: an expression expected, "
     "the end of the expression found"},
    {PANEL_OK "      displayConditions:\n        jiraExpression: \"event.issue != null\"\n", MANIFEST_ESCHEMA,
     "manifest.yml:22:26: modules.jira:issuePanel[0].displayConditions.jiraExpression: unknown variable 'event' (a "
     "display condition has: user, issue, project, app)"},
    {PANEL_OK "      displayConditions:\n        not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: "
              "{isAdmin: true}}}}}}}}}}}\n",
     MANIFEST_ELIMIT,
     "manifest.yml:22:74: modules.jira:issuePanel[0].displayConditions.not.not.not.not.not.not.not.not.not.not.not: "
     "display conditions nest more than 10 levels (Forge's limit)"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        manifest_t m;
        manifest_err_t e;
        if (parse(errors[i].body, &m, &e) == 0)
            fail_msg("case %zu parsed, but expected: %s", i, errors[i].msg);
        if (strcmp(e.msg, errors[i].msg) != 0)
            fail_msg("case %zu:\n got  %s\n want %s", i, e.msg, errors[i].msg);
        assert_int_equal(e.code, errors[i].code);
    }
}

/* 200 conditions at most in one module; more is a limit error, not a slow deploy. */
static void test_condition_count_limit(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 1 << 20);
    buf_printf(&b, "%s      displayConditions:\n        or:\n", PANEL_OK);
    for (int i = 0; i < 200; i++)
        buf_printf(&b, "          - issueKey: K-%d\n", i);
    manifest_t m;
    manifest_err_t e;
    assert_int_equal(parse(b.ptr, &m, &e), -1);
    assert_int_equal(e.code, MANIFEST_ELIMIT);
    assert_non_null(strstr(e.msg, "more than 200 display conditions"));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditions_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_condition_count_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
