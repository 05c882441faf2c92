/* Unit tests for a trigger's filter, payload and per-event form in a manifest
 * (src/platform/manifest_filter.c) and the event scopes (src/platform/event_scopes.h):
 * every error with its exact "manifest.yml:LINE:COL: path: message", where LINE:COL points
 * into the expression through each YAML scalar style (plain, single-quoted, double-quoted
 * with escapes, literal and folded blocks); the filter surviving into the canonical JSON;
 * the scope warnings and unknown-event warnings; and the scope table's lookups. */
#include "unit.h"

#include <jansson.h>

#include "platform/event_scopes.h"
#include "platform/manifest.h"
#include "product/jexpr.h"

#define ID "ari:cloud:ecosystem::app/0b3c9c6e-1b1a-4f0e-9a59-3a5d2c1e7f10"
/* lines 1-8: the app and a function; the trigger starts at line 9 */
#define HEAD                                                                                                           \
    "app:\n  id: " ID "\n  runtime:\n    name: nodejs22.x\n"                                                           \
    "modules:\n  function:\n    - key: main\n      handler: index.run\n"                                               \
    "  trigger:\n    - key: t\n      function: main\n"
/* lines 12-...: events, then filter */
#define EVENTS "      events: [avi:jira:created:issue]\n"
#define SCOPES "permissions:\n  scopes:\n    - read:jira-work\n"

static arena_t *A;

static int parse(const char *yaml, manifest_t *m, manifest_err_t *e)
{
    *m = (manifest_t){0};
    return manifest_parse(A, "manifest.yml", yaml, strlen(yaml), NULL, m, e);
}

static void test_filter_errors(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *msg;
    } cases[] = {
        /* plain scalar: the column is the expression's own plus the scalar's */
        {HEAD EVENTS "      filter:\n        expression: event.issue.frob()\n" SCOPES,
         "manifest.yml:14:33: modules.trigger[0].filter.expression: unknown method 'frob'"},
        {HEAD EVENTS "      filter:\n        expression: event.issue &&\n" SCOPES,
         "manifest.yml:14:35: modules.trigger[0].filter.expression: an expression expected, the end of the expression "
         "found"},
        /* single-quoted, with '' inside */
        {HEAD EVENTS "      filter:\n        expression: 'event.issue.key == ''A'' && issue'\n" SCOPES,
         "manifest.yml:14:50: modules.trigger[0].filter.expression: unknown variable 'issue' (a filter has: event)"},
        /* double-quoted, with escapes before the problem */
        {HEAD EVENTS "      filter:\n        expression: \"event.issue.key == \\\"\\u00e9\\\" # 1\"\n" SCOPES,
         "manifest.yml:14:52: modules.trigger[0].filter.expression: unexpected character '#'"},
        /* literal block: the line within the block */
        {HEAD EVENTS "      filter:\n        expression: |\n          event.issue.key == 'A'\n"
                     "            && event.issue.frob(1)\n" SCOPES,
         "manifest.yml:16:28: modules.trigger[0].filter.expression: unknown method 'frob'"},
        /* folded block: the second line folds into the first, the position is still its own */
        {HEAD EVENTS "      filter:\n        expression: >-\n          event.issue.key == 'A' &&\n"
                     "          event.issue.key = 'B'\n" SCOPES,
         "manifest.yml:16:27: modules.trigger[0].filter.expression: '=' is not an operator here: compare with =="},
        /* a flow mapping; a tab and a CRLF before the problem */
        {HEAD EVENTS "      filter: {ignoreSelf: true, expression: \"event.x &&\tevent.y.frob()\"}\n" SCOPES,
         "manifest.yml:13:66: modules.trigger[0].filter.expression: unknown method 'frob'"},
        {HEAD EVENTS
         "      filter:\r\n        expression: |\r\n          event.x &&\r\n          event.frob()\r\n" SCOPES,
         "manifest.yml:16:17: modules.trigger[0].filter.expression: unknown method 'frob'"},
        /* multi-line plain and quoted scalars: a break folds to a space */
        {HEAD EVENTS "      filter:\n        expression: event.x &&   \n          event.frob()\n" SCOPES,
         "manifest.yml:15:17: modules.trigger[0].filter.expression: unknown method 'frob'"},
        {HEAD EVENTS "      filter:\n        expression: 'event.x &&\n\n          event.frob()'\n" SCOPES,
         "manifest.yml:16:17: modules.trigger[0].filter.expression: unknown method 'frob'"},
        {HEAD EVENTS "      filter:\n        expression: \"event.x \\\n          && event.frob()\"\n" SCOPES,
         "manifest.yml:15:20: modules.trigger[0].filter.expression: unknown method 'frob'"},
        /* blank lines: in a folded block the breaks before them are none, in a literal one
         * each is one */
        {HEAD EVENTS
         "      filter:\n        expression: >\n\n          event.x &&\n\n\n          event.frob()\n" SCOPES,
         "manifest.yml:19:17: modules.trigger[0].filter.expression: unknown method 'frob'"},
        {HEAD EVENTS
         "      filter:\n        expression: |\n\n          event.x &&\n\n\n          event.frob()\n" SCOPES,
         "manifest.yml:19:17: modules.trigger[0].filter.expression: unknown method 'frob'"},
        /* nesting past the limit, at the parenthesis that passes it */
        {HEAD EVENTS
         "      filter:\n        expression: "
         "'((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))"
         "))))))))))))))))))))))))))))))))))))'\n" SCOPES,
         "manifest.yml:14:86: modules.trigger[0].filter.expression: expression nested too deep (more than 64 levels)"},
        /* the per-event form */
        {HEAD "      events:\n        - avi:jira:updated:issue\n        - eventType: avi:jira:created:issue\n"
              "          filter:\n            expression: event.issue.fields.summary.includes()\n" SCOPES,
         "manifest.yml:16:60: modules.trigger[0].events[1].filter.expression: includes takes 1 argument, not 0"},
        {HEAD "      events:\n        - eventType: avi:jira:created:issue\n" SCOPES,
         "manifest.yml:13:11: modules.trigger[0].events[0]: missing required field \"filter\""},
        {HEAD "      events:\n        - eventType: avi:jira:created:issue\n          filter: {ignoreSelf: true}\n"
              "          color: red\n" SCOPES,
         "manifest.yml:15:11: modules.trigger[0].events[0]: unknown field \"color\" (an event has eventType, "
         "filter and payload)"},
        /* the filter's own fields */
        {HEAD EVENTS "      filter:\n        ignoreSelf: yes please\n" SCOPES,
         "manifest.yml:14:21: modules.trigger[0].filter.ignoreSelf: expected a boolean, found a string"},
        {HEAD EVENTS "      filter:\n        onError: IGNORE\n" SCOPES,
         "manifest.yml:14:9: modules.trigger[0].filter: needs ignoreSelf, expression or appIsLicensed"},
        {HEAD EVENTS "      filter:\n        ignoreSelf: true\n        onError: DROP\n" SCOPES,
         "manifest.yml:15:18: modules.trigger[0].filter.onError: \"DROP\" is not one of IGNORE, IGNORE_AND_LOG, "
         "RECEIVE or RECEIVE_AND_LOG"},
        {HEAD EVENTS "      filter:\n        ignoreSelf: true\n        expresion: x\n" SCOPES,
         "manifest.yml:15:9: modules.trigger[0].filter: unknown field \"expresion\" (a filter has "
         "ignoreSelf, expression, onError and appIsLicensed)"},
        {HEAD EVENTS "      filter: true\n" SCOPES,
         "manifest.yml:13:15: modules.trigger[0].filter: expected a mapping, found a boolean"},
        {HEAD EVENTS "      filter:\n        expression: 42\n" SCOPES,
         "manifest.yml:14:21: modules.trigger[0].filter.expression: expected a string, found an integer"},
        /* payload */
        {HEAD EVENTS "      payload:\n        include: {}\n" SCOPES,
         "manifest.yml:14:18: modules.trigger[0].payload.include: needs propertyPaths or fields"},
        {HEAD EVENTS "      payload:\n        include:\n          fields: []\n" SCOPES,
         "manifest.yml:15:19: modules.trigger[0].payload.include.fields: must not be empty"},
        {HEAD EVENTS "      payload:\n        include:\n          fields: [summary, 3]\n" SCOPES,
         "manifest.yml:15:29: modules.trigger[0].payload.include.fields[1]: expected a string, found an integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        manifest_t m;
        manifest_err_t e;
        if (parse(cases[i].yaml, &m, &e) == 0)
            fail_msg("case %zu parsed; want %s", i, cases[i].msg);
        if (strcmp(e.msg, cases[i].msg) != 0)
            fail_msg("case %zu:\n want %s\n got  %s", i, cases[i].msg, e.msg);
    }
}

/* An expression past JEXPR_SRC_MAX bytes is refused as a limit. */
static void test_filter_limits(void **state)
{
    (void)state;
    size_t n = JEXPR_SRC_MAX + 1;
    char *expr = xmalloc(n + 1);
    memset(expr, ' ', n);
    memcpy(expr, "event.issue", 11);
    expr[n] = 0;
    char *yaml = xmalloc(n + 1024);
    snprintf(yaml, n + 1024, HEAD EVENTS "      filter:\n        expression: '%s1'\n" SCOPES, expr);
    manifest_t m;
    manifest_err_t e;
    assert_int_not_equal(parse(yaml, &m, &e), 0);
    assert_int_equal(e.code, MANIFEST_ELIMIT);
    if (!unit_contains(e.msg, "the limit is 4096")) /* the manifest's scalar limit is JEXPR_SRC_MAX */
        fail_msg("%s", e.msg);
    free(yaml);
    free(expr);
}

static void test_filter_canonical(void **state)
{
    (void)state;
    const char *yaml =
        HEAD "      events:\n        - avi:jira:updated:issue\n        - eventType: avi:jira:created:issue\n"
             "          filter:\n            expression: \"event.issue.key == 'A'\"\n            onError: RECEIVE\n"
             "          payload:\n            include:\n              propertyPaths: [issue.key]\n"
             "      filter:\n        ignoreSelf: true\n        expression: |\n          event.issue.fields.labels\n"
             "            .includes('x')\n" SCOPES;
    manifest_t m;
    manifest_err_t e;
    if (parse(yaml, &m, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(m.n_triggers, 1);
    assert_int_equal(m.triggers[0].n_events, 2);
    assert_string_equal(m.triggers[0].events[1], "avi:jira:created:issue");
    assert_non_null(m.triggers[0].filter_json);
    json_t *c = json_loads(m.canonical_json, 0, NULL);
    assert_non_null(c);
    json_t *t = json_array_get(json_object_get(json_object_get(c, "modules"), "trigger"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(t, "filter"), "expression")),
                        "event.issue.fields.labels\n  .includes('x')\n");
    assert_true(json_is_true(json_object_get(json_object_get(t, "filter"), "ignoreSelf")));
    json_t *ev1 = json_array_get(json_object_get(t, "events"), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(ev1, "filter"), "expression")),
                        "event.issue.key == 'A'");
    assert_string_equal(json_string_value(json_object_get(json_object_get(ev1, "filter"), "onError")), "RECEIVE");
    json_decref(c);
    /* payload.include is parsed, not applied, and the deploy says so */
    assert_int_equal(m.n_warnings, 1);
    char line[400];
    manifest_warning_format(&m.warnings[0], "manifest.yml", line, sizeof line);
    assert_string_equal(line, "manifest.yml:19:13: modules.trigger[0].events[1].payload (key t): payload.include is "
                              "not applied: kiln delivers the whole payload (no Forge reference found says what it "
                              "trims)");
}

static void test_scope_warnings(void **state)
{
    (void)state;
    char line[600];
    manifest_t m;
    manifest_err_t e;
    /* no scopes at all: a warning per product event, none for avi:forge:* or an app event */
    const char *none = HEAD "      events:\n        - avi:jira:created:issue\n        - avi:forge:installed:app\n"
                            "        - my-app-event\n        - avi:jira:created:isue\n"
                            "        - avi:cloud:ecosystem::event/" ID "/job-done\n"
                            "        - eventType: avi:jira:commented:issue\n          filter: {ignoreSelf: true}\n";
    if (parse(none, &m, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(m.n_warnings, 3);
    manifest_warning_format(&m.warnings[0], "manifest.yml", line, sizeof line);
    assert_string_equal(line, "manifest.yml:13:11: modules.trigger[0].events[0] (key t): not subscribed to "
                              "avi:jira:created:issue: needs scope read:jira-work (or read:issue-type:jira, "
                              "read:issue:jira, read:project:jira, read:status:jira, read:user:jira)");
    manifest_warning_format(&m.warnings[1], "manifest.yml", line, sizeof line);
    assert_string_equal(line, "manifest.yml:16:11: modules.trigger[0].events[3] (key t): unknown event "
                              "avi:jira:created:isue: neither Forge's event list nor kiln knows it");
    manifest_warning_format(&m.warnings[2], "manifest.yml", line, sizeof line);
    assert_true(unit_contains(line, "manifest.yml:18:22: modules.trigger[0].events[5].eventType (key t): not "
                                    "subscribed to avi:jira:commented:issue: needs scope read:jira-work (or "));
    assert_true(unit_contains(line, "read:comment:jira"));
    /* the classic scope covers them */
    char *yaml = xmalloc(strlen(none) + 64);
    sprintf(yaml, "%s%s", none, SCOPES);
    if (parse(yaml, &m, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(m.n_warnings, 1); /* the unknown one stays */
    assert_true(unit_contains(m.warnings[0].message, "unknown event avi:jira:created:isue"));
    free(yaml);
    /* the map form of scopes counts the same */
    const char *map_form = HEAD EVENTS "permissions:\n  scopes:\n    storage:app: {}\n    read:jira-work:\n"
                                       "      allowImpersonation: true\n";
    if (parse(map_form, &m, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(m.n_warnings, 0);
    /* the granular ones too, all of them; one short is a warning naming only what lacks */
    const char *granular = HEAD EVENTS "permissions:\n  scopes:\n    - read:issue:jira\n    - read:issue-type:jira\n"
                                       "    - read:user:jira\n    - read:project:jira\n";
    if (parse(granular, &m, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(m.n_warnings, 1);
    assert_string_equal(m.warnings[0].message, "not subscribed to avi:jira:created:issue: needs scope read:jira-work "
                                               "(or read:status:jira)");
}

static void test_event_scopes_table(void **state)
{
    (void)state;
    assert_true(event_scopes_n > 100);
    for (size_t i = 1; i < event_scopes_n; i++)
        assert_true(strcmp(event_scopes_rows[i - 1].event, event_scopes_rows[i].event) < 0);
    assert_non_null(event_scopes_find("avi:jira:updated:issue"));
    assert_null(event_scopes_find("avi:forge:installed:app"));
    assert_null(event_scopes_find(NULL));
    static const struct {
        const char *ev, *json;
        int want;
    } t[] = {
        {"avi:jira:created:issue", "[\"read:jira-work\"]", 1},
        {"avi:jira:created:issue", "[\"write:jira-work\",\"read:jira-work\"]", 1},
        {"avi:jira:created:issue", "[\"write:jira-work\"]", 0},
        {"avi:jira:created:issue", "[]", 0},
        {"avi:jira:created:issue", NULL, 0},
        {"avi:jira:created:issue", "not json", 0},
        {"avi:jira:created:issue", "{\"read:jira-work\":1}", 0},
        {"avi:jira:created:issue", "[1, \"read:jira-work\"]", 1},
        {"avi:jira:created:issue",
         "[\"read:issue:jira\",\"read:issue-type:jira\",\"read:user:jira\",\"read:project:jira\",\"read:status:jira\"]",
         1},
        {"avi:jira:created:issue", "[\"read:issue:jira\",\"read:issue-type:jira\",\"read:user:jira\"]", 0},
        /* a scope of another event's alternative does not cover this one */
        {"avi:confluence:created:page", "[\"read:jira-work\"]", 0},
        {"avi:forge:installed:app", "[]", 1},
        {"my-app-event", NULL, 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (event_scopes_allowed(t[i].ev, t[i].json) != t[i].want)
            fail_msg("%s with %s: want %d", t[i].ev, t[i].json ? t[i].json : "NULL", t[i].want);
    const char *have[] = {"read:issue:jira"};
    char buf[32];
    /* cut to the buffer, still a string */
    assert_non_null(event_scopes_missing("avi:jira:created:issue", have, 1, buf, sizeof buf));
    assert_true(strlen(buf) < sizeof buf);
    const char *rw[] = {"read:jira-work"};
    assert_null(event_scopes_missing("avi:jira:created:issue", rw, 1, buf, sizeof buf));
}

int main(void)
{
    A = arena_new(64u << 20);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_errors),      cmocka_unit_test(test_filter_limits),
        cmocka_unit_test(test_filter_canonical),   cmocka_unit_test(test_scope_warnings),
        cmocka_unit_test(test_event_scopes_table),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    arena_free(A);
    return rc;
}
