/* Unit tests for src/product/jexpr.h: a table of expressions evaluated over an
 * avi:jira:updated:issue-shaped event with the value (as JSON) or the error they must
 * give; compile errors with their line and column; the limits (length, nesting, steps,
 * string and list sizes); truthiness; free variables; and many threads evaluating one
 * compiled expression at once. */
#include "unit.h"

#include <pthread.h>

#include "product/jexpr.h"

static const char *event_json =
    "{\"event\":{\"eventType\":\"avi:jira:updated:issue\",\"atlassianId\":\"u-1\","
    "\"issue\":{\"id\":\"10001\",\"key\":\"WEB-1\",\"fields\":{\"summary\":\"Login page crashes\","
    "\"labels\":[\"urgent\",\"frontend\"],\"priority\":{\"name\":\"High\",\"id\":\"2\"},"
    "\"assignee\":null,\"storyPoints\":5,\"ratio\":2.5,\"project\":{\"key\":\"WEB\"},"
    "\"issuetype\":{\"name\":\"Bug\"},\"parent\":null,"
    "\"comments\":[{\"id\":1,\"author\":{\"accountId\":\"u-1\"}},{\"id\":2,\"author\":{\"accountId\":\"u-2\"}}]}},"
    "\"changelog\":{\"items\":[{\"field\":\"status\",\"fromString\":\"To Do\",\"toString\":\"Done\"},"
    "{\"field\":\"labels\",\"fromString\":\"\",\"toString\":\"urgent\"}]},"
    "\"user\":{\"accountId\":\"u-1\"},\"unicode\":\"h\\u00e9llo w\\u00f6rld\"}}";

/* want: the value as compact JSON (sorted keys), or "!" and a piece of the error */
static const struct {
    const char *src, *want;
} cases[] = {
    /* literals */
    {"1", "1"},
    {"1.5", "1.5"},
    {"'a'", "\"a\""},
    {"\"b\\n\\u00e9\"", "\"b\\n\\u00E9\""},
    {"true", "true"},
    {"null", "null"},
    {"[1, 'x', [true]]", "[1, \"x\", [true]]"},
    {"[]", "[]"},
    /* paths */
    {"event.issue.key", "\"WEB-1\""},
    {"event.issue.fields.priority.name", "\"High\""},
    {"event.issue.fields['priority']['name']", "\"High\""},
    {"event.issue.fields.labels[1]", "\"frontend\""},
    {"event.issue.fields.labels[5]", "null"},
    {"event.issue.fields.labels[-1]", "null"},
    {"event.issue.fields.nothere", "null"},
    {"event.issue.fields.assignee", "null"},
    {"event.issue.fields.assignee.accountId", "!Type null does not have any properties"},
    {"event.issue.fields.parent.key == 'X'", "!1:27: Type null does not have any properties ('key')"},
    {"event.issue.fields.assignee?.accountId", "null"},
    {"event.issue.fields.assignee?.accountId.length", "null"}, /* the chain short-circuits */
    {"event.issue.fields.assignee?.accountId == null", "true"},
    {"event.issue.fields.assignee?.['x']", "null"},
    {"event.issue.fields.assignee?.includes('x')", "null"},
    {"event.issue.fields.labels.length", "2"},
    {"event.issue.fields.summary.length", "18"},
    {"event.unicode.length", "11"},
    {"event.issue.fields.labels.nope", "!Type List does not have the property 'nope'"},
    {"event.issue.fields.storyPoints.x", "!Type Number does not have the property 'x'"},
    {"event.issue.fields.labels[0.5]", "!whole number"},
    {"event.issue.fields.labels[true]", "!can't index List with Boolean"},
    {"nope.x", "!unknown variable 'nope'"},
    /* comparisons and logic */
    {"event.issue.fields.storyPoints == 5", "true"},
    {"event.issue.fields.storyPoints == 5.0", "true"},
    {"event.issue.fields.storyPoints == '5'", "false"},
    {"event.issue.fields.storyPoints != 5", "false"},
    {"event.issue.fields.storyPoints > 3 && event.issue.fields.ratio <= 2.5", "true"},
    {"event.issue.fields.storyPoints < 3 || event.issue.fields.ratio >= 3", "false"},
    {"'abc' < 'abd'", "true"},
    {"'b' >= 'abc'", "true"},
    {"1 < '2'", "!can't compare Number to String"},
    {"null < 1", "!can't compare null to Number"},
    {"event.issue.fields.project == {}.x", "!1:31: unexpected character '{'"},
    {"event.issue.fields.project == event.issue.fields.project", "true"},
    {"event.issue.fields.labels == ['urgent', 'frontend']", "true"},
    {"event.issue.fields.labels == ['frontend', 'urgent']", "false"},
    {"[1, [2]] == [1.0, [2.0]]", "true"},
    {"event == event", "true"},
    {"event.issue != event.issue.fields", "true"},
    {"null == null", "true"},
    {"null == false", "false"},
    {"!event.issue.fields.assignee", "true"},
    {"!!event.issue.fields.labels", "true"},
    {"![]", "true"},
    {"!''", "true"},
    {"!0", "true"},
    {"!{}", "!unexpected character '{'"},
    {"true && 'x'", "\"x\""},
    {"0 || 'y'", "\"y\""},
    {"false && event.nope.x", "false"}, /* && stops at false */
    {"true || event.nope.x", "true"},
    {"event.issue.fields.assignee ?? 'nobody'", "\"nobody\""},
    {"event.issue.key ?? 'nobody'", "\"WEB-1\""},
    {"event.issue.fields.storyPoints > 3 ? 'big' : 'small'", "\"big\""},
    {"false ? 1 : true ? 2 : 3", "2"},
    {"'urgent' in event.issue.fields.labels", "true"},
    {"'later' in event.issue.fields.labels", "false"},
    {"2 in [1, 2.0]", "true"},
    {"'a' in 'abc'", "!the right side of 'in' must be a List, not String"},
    /* arithmetic */
    {"1 + 2 * 3", "7"},
    {"(1 + 2) * 3", "9"},
    {"7 % 3 - 10 / 4", "-1.5"},
    {"-event.issue.fields.storyPoints + 1", "-4"},
    {"-'x'", "!can't negate String"},
    {"1 / 0", "!division by zero"},
    {"1 % 0", "!division by zero"},
    {"-7 % 3", "-1"},
    {"7.5 % 2", "1.5"},
    {"-7.5 % 2", "-1.5"},
    {"10 / 4 * 2", "5"},
    {"1e3", "!malformed number"},
    {"0.1 + 0.2 == 0.3", "false"},
    {"'n=' + 5 + ',' + 1.5 + true + null", "\"n=5,1.5truenull\""},
    {"[1] + [2, 3]", "[1, 2, 3]"},
    {"1 + true", "!can't apply + to Number and Boolean"},
    {"'x' + [1]", "!can't add List to a String"},
    {"1 - 'a'", "!can't apply - to Number and String"},
    /* string methods */
    {"event.issue.fields.summary.includes('page')", "true"},
    {"event.issue.fields.summary.includes('Page')", "false"},
    {"event.issue.fields.summary.toLowerCase().includes('page')", "true"},
    {"event.issue.fields.summary.toUpperCase()", "\"LOGIN PAGE CRASHES\""},
    {"event.issue.fields.summary.startsWith('Login')", "true"},
    {"event.issue.fields.summary.endsWith('crash')", "false"},
    {"'  a b  '.trim()", "\"a b\""},
    {"'a,b,,c'.split(',')", "[\"a\", \"b\", \"\", \"c\"]"},
    {"'héj'.split('')", "[\"h\", \"\\u00E9\", \"j\"]"},
    {"'abc'.split()", "[\"abc\"]"},
    {"event.issue.key.match('[0-9]+')", "[\"1\"]"},
    {"'a1b22c333'.match('[0-9]+')", "[\"1\", \"22\", \"333\"]"},
    {"'abc'.match('[0-9]+')", "null"},
    {"'aa'.match('(a)\\\\1')", "!back-references are not supported"},
    /* JavaScript's classes: \\d (not in POSIX), \\w \\s (GNU), and inside brackets */
    {"'WEB-12 and 7'.match('\\\\d+')", "[\"12\", \"7\"]"},
    {"'a1-b2'.match('\\\\D\\\\d')", "[\"a1\", \"b2\"]"},
    {"'v1.25, v3'.match('v[\\\\d.]+')", "[\"v1.25\", \"v3\"]"},
    {"'x y_1'.match('\\\\w+')", "[\"x\", \"y_1\"]"},
    {"'a b\\tc'.match('[\\\\s]')", "[\" \", \"\\t\"]"},
    {"'a.b'.match('a\\\\.b')", "[\"a.b\"]"},
    {"'a]b'.match('[^\\\\]]')", "!not supported inside [...]"},
    {"'ab'.match('[]a]')", "[\"a\"]"},
    {"'abc'.match('[')", "!bad regular expression"},
    /* quantifiers: only after something repeatable, bounded (glibc's regcomp expands
     * them: fuzz_jexpr's out-of-memory input is the first case) */
    {"'a1 22'.match('[[s]+\\\\s]+\\\\b ++++++++++++++++++++++d\\\\s]+\\\\b\\\\s]+\\\\w')", "!nothing to repeat"},
    {"'aa'.match('a++')", "!nothing to repeat"},
    {"'aa'.match('a+?')", "!nothing to repeat"},
    {"'aa'.match('+a')", "!nothing to repeat"},
    {"'aa'.match('(+a)')", "!nothing to repeat"},
    {"'aa'.match('\\\\b*')", "!nothing to repeat"},
    {"'aaa'.match('a{2}')", "[\"aa\"]"},
    {"'aaaa'.match('a{1,3}')", "[\"aaa\", \"a\"]"},
    {"'a'.match('a{33}')", "!repetition count over 32"},
    {"'a'.match('a{x}')", "!not a repetition count"},
    {"'a+'.match('a\\\\+')", "[\"a+\"]"},
    {"'a'.match('a?b?c?d?e?f?g?h?i?j?k?l?m?n?o?p?q?r?s?t?u?v?w?x?y?z?A?B?C?D?E?F?G?')", "!too many quantifiers"},
    {"'hello'.indexOf('l')", "2"},
    {"'héllo'.indexOf('l')", "2"},
    {"'hello'.indexOf('z')", "-1"},
    {"'hello'.slice(1, 3)", "\"el\""},
    {"'hello'.slice(-3)", "\"llo\""},
    {"'héllo'.slice(0, 2)", "\"h\\u00E9\""},
    {"'hello'.slice(4, 1)", "\"\""},
    {"'hello'.slice('a')", "!slice wants a whole Number, not String"},
    {"'abc'.includes(1)", "!includes wants a String, not Number"},
    {"'abc'.some(x => x)", "!Type String does not have the method 'some'"},
    {"(5).includes(1)", "!Type Number does not have the method 'includes'"},
    /* list methods */
    {"event.issue.fields.labels.includes('urgent')", "true"},
    {"event.issue.fields.labels.indexOf('frontend')", "1"},
    {"event.issue.fields.labels.indexOf('x')", "-1"},
    {"event.issue.fields.labels.join('+')", "\"urgent+frontend\""},
    {"[1, null, 'a'].join()", "\"1,,a\""},
    {"[1, 2, 3, 4].slice(1, -1)", "[2, 3]"},
    {"[[1, 2], 3, [[4]]].flatten()", "[1, 2, 3, [4]]"},
    {"event.changelog.items.some(i => i.field == 'status' && i.toString == 'Done')", "true"},
    {"event.changelog.items.every(i => i.field == 'status')", "false"},
    {"event.changelog.items.map(i => i.field)", "[\"status\", \"labels\"]"},
    {"event.changelog.items.filter(i => i.fromString == '').map(i => i.toString)", "[\"urgent\"]"},
    {"event.changelog.items.find(i => i.field == 'labels').toString", "\"urgent\""},
    {"event.changelog.items.find(i => i.field == 'x')", "null"},
    {"[10, 20, 30].map((x, i) => x + i)", "[10, 21, 32]"},
    {"[1, 2].map(() => 0)", "[0, 0]"},
    {"[[1, 2], [3]].map(l => l.map(x => x * 10))", "[[10, 20], [30]]"},
    {"[1, 2].map(x => [3, 4].map(y => x + y))", "[[4, 5], [5, 6]]"},
    {"event.issue.fields.comments.some(c => c.author.accountId == event.user.accountId)", "true"},
    {"event.issue.fields.comments.filter(c => c.author.accountId != event.atlassianId).length", "1"},
    {"[].some(x => x.nope.nope)", "false"},
    /* shapes real trigger filters use */
    {"event.issue.fields?.project.key == 'WEB'", "true"},
    {"event.nope?.project.key == 'WEB'", "false"},
    {"event.issue.fields.issuetype.name == 'Bug' && event.atlassianId != null", "true"},
    {"event.changelog.items.some(i => ['status', 'resolution'].includes(i.field))", "true"},
    {"event.changelog.items.some(i => i.field in ['assignee'])", "false"},
    {"event.issue.fields.priority?.name in ['High', 'Highest']", "true"},
    {"!event.issue.fields.summary.toLowerCase().startsWith('[bot]')", "true"},
    {"[1].some(x => x.nope)", "!Type Number does not have the property 'nope'"},
};

static const struct {
    const char *src;
    unsigned line, col;
    const char *msg;
} bad[] = {
    {"", 1, 1, "empty"},
    {"   ", 1, 1, "empty"},
    {"event.", 1, 7, "a property name expected after ., the end of the expression found"},
    {"event.issue.key = 'X'", 1, 17, "'=' is not an operator here"},
    {"event.issue.key === 'X'", 1, 17, "'===' is not an operator here: compare with =="},
    {"event.issue.key !== 'X'", 1, 17, "'!==' is not an operator here: compare with !="},
    {"event.issue &&", 1, 15, "an expression expected, the end of the expression found"},
    {"event.issue\n  && (a ||\n  b", 3, 4, ") expected, the end of the expression found"},
    {"'abc", 1, 1, "unterminated string"},
    {"1 + 'a\\qb'", 1, 7, "bad escape \\q"},
    {"'\\u12'", 1, 2, "bad \\u escape"},
    {"'\\u0000'", 1, 2, "bad \\u escape"},
    {"event # 1", 1, 7, "unexpected character '#'"},
    {"event.issue.key.frobnicate()", 1, 17, "unknown method 'frobnicate'"},
    {"event.x.includes()", 1, 17, "includes takes 1 argument, not 0"},
    {"event.x.slice(1, 2, 3)", 1, 14, "slice takes 1 to 2 arguments, not 3"},
    {"event.x.some('a')", 1, 14, "some takes a function (x => ...)"},
    {"event.x.includes(x => x)", 1, 18, "includes does not take a function"},
    {"x => x", 1, 1, "an arrow function is only allowed as the argument of a list method"},
    {"[1].map((a, b, c) => a)", 1, 16, "at most 2 parameters"},
    {"[1].map(null => 1)", 1, 9, "'null' is reserved"},
    {"event.issue key", 1, 13, "end of the expression expected, a name found"},
    {"1 2", 1, 3, "end of the expression expected, a number found"},
    {"1.2.3", 1, 1, "malformed number"},
    {"12abc", 1, 1, "malformed number"},
    {"return event", 1, 1, "'return' is not supported"},
    {"new Date()", 1, 1, "'new' is not supported"},
    {"a ? b", 1, 6, ": expected, the end of the expression found"},
    {"[1, 2", 1, 6, ", or ] expected"},
    {"foo(1)", 1, 4, "end of the expression expected, ( found"},
    {"event\n\t.issue\n\t.frob(1)", 3, 3, "unknown method 'frob'"},
    {"'h\\u00e9' + é", 1, 13, "unexpected character (byte 0xc3)"},
};

static json_t *vars;

static void test_jexpr_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        arena_t *a = arena_new(1 << 20);
        jexpr_err_t err;
        jexpr_t *x = jexpr_compile(a, cases[i].src, strlen(cases[i].src), &err);
        char msg[300] = "";
        json_t *v = x ? jexpr_eval(x, vars, msg, sizeof msg) : NULL;
        if (!x)
            snprintf(msg, sizeof msg, "%u:%u: %s", err.line, err.col, err.msg);
        if (cases[i].want[0] == '!') {
            if (v || !strstr(msg, cases[i].want + 1))
                fail_msg("%s: want the error \"%s\", got %s", cases[i].src, cases[i].want + 1, v ? "a value" : msg);
        } else {
            if (!v)
                fail_msg("%s: want %s, got the error %s", cases[i].src, cases[i].want, msg);
            char *got = json_dumps(v, JSON_ENCODE_ANY | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
            if (strcmp(got, cases[i].want) != 0)
                fail_msg("%s: want %s, got %s", cases[i].src, cases[i].want, got);
            free(got);
        }
        json_decref(v);
        arena_free(a);
    }
}

static void test_jexpr_compile_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        arena_t *a = arena_new(1 << 20);
        jexpr_err_t err;
        jexpr_t *x = jexpr_compile(a, bad[i].src, strlen(bad[i].src), &err);
        if (x)
            fail_msg("%s: compiled, want the error %s", bad[i].src, bad[i].msg);
        if (err.line != bad[i].line || err.col != bad[i].col || !strstr(err.msg, bad[i].msg))
            fail_msg("%s: want %u:%u: %s, got %u:%u: %s", bad[i].src, bad[i].line, bad[i].col, bad[i].msg, err.line,
                     err.col, err.msg);
        arena_free(a);
    }
}

static void test_jexpr_truthy(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        int want;
    } t[] = {
        {"event.issue.key == 'WEB-1'", JEXPR_TRUE},
        {"event.issue.fields.assignee", JEXPR_FALSE},
        {"event.issue.fields.labels", JEXPR_TRUE},
        {"event.issue.fields.labels.filter(l => l == 'x')", JEXPR_FALSE},
        {"event.issue.fields.project", JEXPR_TRUE},
        {"0", JEXPR_FALSE},
        {"0.5", JEXPR_TRUE},
        {"''", JEXPR_FALSE},
        {"' '", JEXPR_TRUE},
        {"event.issue.fields.parent.key", JEXPR_ERROR},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        arena_t *a = arena_new(1 << 16);
        jexpr_t *x = jexpr_compile(a, t[i].src, strlen(t[i].src), NULL);
        assert_non_null(x);
        char err[200];
        int rc = jexpr_test(x, vars, err, sizeof err);
        if (rc != t[i].want)
            fail_msg("%s: want %d, got %d (%s)", t[i].src, t[i].want, rc, err);
        if (rc == JEXPR_ERROR)
            assert_true(err[0] != 0);
        arena_free(a);
    }
    /* vars that are not an object: every variable is unknown, not a crash */
    arena_t *a = arena_new(1 << 16);
    jexpr_t *x = jexpr_compile(a, "event", 5, NULL);
    char err[200];
    assert_int_equal(jexpr_test(x, NULL, err, sizeof err), JEXPR_ERROR);
    assert_true(unit_contains(err, "unknown variable 'event'"));
    assert_int_equal(jexpr_test(NULL, vars, err, sizeof err), JEXPR_ERROR);
    arena_free(a);
}

static void test_jexpr_vars(void **state)
{
    (void)state;
    static const char *const only_event[] = {"event", NULL};
    arena_t *a = arena_new(1 << 16);
    jexpr_err_t err;
    const char *ok = "event.issue.fields.labels.some(event2 => event2 == event.issue.key)";
    jexpr_t *x = jexpr_compile(a, ok, strlen(ok), &err);
    assert_non_null(x);
    assert_int_equal(jexpr_check_vars(x, only_event, &err), 0);
    const char *ko = "event.issue.key == 'A' &&\n issue.key == 'B'";
    x = jexpr_compile(a, ko, strlen(ko), &err);
    assert_non_null(x);
    assert_int_equal(jexpr_check_vars(x, only_event, &err), -1);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 2);
    assert_true(unit_contains(err.msg, "unknown variable 'issue' (a filter has: event)"));
    /* a parameter does not leak out of its arrow */
    const char *leak = "[1].some(x => x == 1) && x";
    x = jexpr_compile(a, leak, strlen(leak), &err);
    assert_non_null(x);
    assert_int_equal(jexpr_check_vars(x, only_event, &err), -1);
    assert_int_equal(err.col, 26);
    arena_free(a);
}

static void test_jexpr_limits(void **state)
{
    (void)state;
    arena_t *a = arena_new(8 << 20);
    jexpr_err_t err;
    char *src = xmalloc(JEXPR_SRC_MAX * 2 + 64);
    /* too long */
    memset(src, ' ', JEXPR_SRC_MAX + 1);
    src[0] = '1';
    assert_null(jexpr_compile(a, src, JEXPR_SRC_MAX + 1, &err));
    assert_true(unit_contains(err.msg, "expression too long"));
    /* exactly the maximum compiles */
    assert_non_null(jexpr_compile(a, src, JEXPR_SRC_MAX, &err));
    /* nested parentheses and unary operators */
    size_t n = 0;
    for (int i = 0; i < JEXPR_DEPTH_MAX + 1; i++)
        src[n++] = '(';
    src[n++] = '1';
    for (int i = 0; i < JEXPR_DEPTH_MAX + 1; i++)
        src[n++] = ')';
    assert_null(jexpr_compile(a, src, n, &err));
    assert_true(unit_contains(err.msg, "nested too deep"));
    memset(src, '!', 2000);
    src[2000] = '1';
    assert_null(jexpr_compile(a, src, 2001, &err));
    assert_true(unit_contains(err.msg, "nested too deep"));
    /* long chains (built in a loop, not by recursion) are bounded too */
    n = 0;
    n += (size_t)sprintf(src, "event");
    while (n < 2000)
        n += (size_t)sprintf(src + n, ".a");
    assert_null(jexpr_compile(a, src, n, &err));
    assert_true(unit_contains(err.msg, "nested too deep"));
    n = 0;
    while (n < 2000)
        n += (size_t)sprintf(src + n, "1+");
    src[n++] = '1';
    assert_null(jexpr_compile(a, src, n, &err));
    assert_true(unit_contains(err.msg, "nested too deep"));
    /* a wide list is fine; nesting within the limit is fine */
    n = 0;
    src[n++] = '[';
    while (n < 3000)
        n += (size_t)sprintf(src + n, "1,");
    src[n++] = ']';
    jexpr_t *x = jexpr_compile(a, src, n, &err);
    assert_non_null(x);
    json_t *v = jexpr_eval(x, vars, NULL, 0);
    assert_int_equal(json_array_size(v), 1500);
    json_decref(v);
    /* steps: a nested map over a big list stops with an error, in bounded time */
    const char *costly = "event.issue.fields.summary.split('').map(a => event.issue.fields.summary.split('').map(b => "
                         "event.issue.fields.summary.split('').map(c => event.issue.fields.summary.split('').map(d => "
                         "a == d))))";
    x = jexpr_compile(a, costly, strlen(costly), &err);
    assert_non_null(x);
    char msg[200];
    assert_null(jexpr_eval(x, vars, msg, sizeof msg));
    assert_true(unit_contains(msg, "too expensive"));
    /* comparing big values costs steps by their size: == and in over two equal 50000-item
     * lists, forty times, is too expensive */
    json_t *big2 = json_object(), *l1 = json_array(), *l2 = json_array();
    for (int i = 0; i < 50000; i++) {
        json_array_append_new(l1, json_integer(i));
        json_array_append_new(l2, json_integer(i));
    }
    json_object_set_new(big2, "a", l1);
    json_object_set_new(big2, "b", l2);
    json_t *bv = json_pack("{s:o}", "event", big2);
    static const char *const eqs[] = {
        "'0123456789012345678901234567890123456789'.split('').map(x => event.a == event.b)",
        "'0123456789012345678901234567890123456789'.split('').map(x => event.a in [event.b])",
        "'0123456789012345678901234567890123456789'.split('').map(x => [event.b].includes(event.a))",
        "'0123456789012345678901234567890123456789'.split('').map(x => [event.b].indexOf(event.a))",
    };
    for (size_t i = 0; i < sizeof eqs / sizeof *eqs; i++) {
        x = jexpr_compile(a, eqs[i], strlen(eqs[i]), &err);
        assert_non_null(x);
        assert_null(jexpr_eval(x, bv, msg, sizeof msg));
        if (!unit_contains(msg, "too expensive"))
            fail_msg("%s: %s", eqs[i], msg);
    }
    /* once is fine */
    x = jexpr_compile(a, "event.a == event.b", 18, &err);
    assert_int_equal(jexpr_test(x, bv, msg, sizeof msg), JEXPR_TRUE);
    json_decref(bv);
    /* every string made costs steps by its size (all stay alive until the evaluation
     * ends): 300 copies of a 60000-byte payload string are too expensive */
    char *huge = xmalloc(60001);
    memset(huge, 'a', 60000);
    huge[60000] = 0;
    bv = json_pack("{s:{s:s}}", "event", "big", huge);
    free(huge);
    char copies[400];
    int cn = snprintf(copies, sizeof copies, "'%0300d'.split('').map(x => event.big.trim())", 0);
    x = jexpr_compile(a, copies, (size_t)cn, &err);
    assert_non_null(x);
    assert_null(jexpr_eval(x, bv, msg, sizeof msg));
    if (!unit_contains(msg, "too expensive"))
        fail_msg("%s", msg);
    json_decref(bv);
    /* strings and lists that grow past their limits */
#define S50 "'0123456789012345678901234567890123456789012345678' + "
    const char *big =
        "'abcdefghijklmnop'.split('').map(a => 'abcdefghijklmnop'.split('').map(b => " S50 S50 S50 S50 S50 S50
        "'')).flatten().join()";
    x = jexpr_compile(a, big, strlen(big), &err);
    assert_non_null(x);
    assert_null(jexpr_eval(x, vars, msg, sizeof msg));
    if (!unit_contains(msg, "string too long (more than 65536 bytes)"))
        fail_msg("%s", msg);
    /* a list that grows past its limit */
    const char *wide = "'0123456789a'.split('').map(a => '0123456789a'.split('').map(b => '0123456789a'.split('')"
                       ".map(c => '0123456789a'.split('').map(d => d)))).flatten().flatten().flatten()";
    x = jexpr_compile(a, wide, strlen(wide), &err);
    assert_non_null(x);
    assert_null(jexpr_eval(x, vars, msg, sizeof msg));
    if (!unit_contains(msg, "list too long (more than 10000 items)"))
        fail_msg("%s", msg);
    free(src);
    arena_free(a);
}

/* One compiled expression, evaluated by 8 threads at once over their own events: each
 * sees its own answer (the evaluator keeps no state in the expression). */
static jexpr_t *shared_x;

static void *worker(void *arg)
{
    long id = (long)arg;
    long wrong = 0;
    for (int i = 0; i < 2000; i++) {
        json_t *v = json_pack("{s:{s:{s:s, s:[s, i]}}}", "event", "issue", "key", id % 2 ? "A-1" : "B-1", "labels", "x",
                              (int)id);
        char err[200];
        int rc = jexpr_test(shared_x, v, err, sizeof err);
        if (rc != (id % 2 ? JEXPR_TRUE : JEXPR_FALSE))
            wrong++;
        json_decref(v);
    }
    return (void *)wrong;
}

static void test_jexpr_threads(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 16);
    const char *src = "event.issue.key.startsWith('A') && event.issue.labels.some(l => l == 'x')";
    shared_x = jexpr_compile(a, src, strlen(src), NULL);
    assert_non_null(shared_x);
    pthread_t t[8];
    for (long i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_int_equal((long)r, 0);
    }
    arena_free(a);
}

int main(void)
{
    json_error_t je;
    vars = json_loads(event_json, 0, &je);
    if (!vars) {
        fprintf(stderr, "event_json: %s\n", je.text);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jexpr_values), cmocka_unit_test(test_jexpr_compile_errors),
        cmocka_unit_test(test_jexpr_truthy), cmocka_unit_test(test_jexpr_vars),
        cmocka_unit_test(test_jexpr_limits), cmocka_unit_test(test_jexpr_threads),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(vars);
    return rc;
}
