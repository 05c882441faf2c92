/* Unit tests for src/platform/appmetrics.h: folding updates into series per app and
 * environment, the checks on every part of an update (names, tags, numbers, kinds), the
 * caps (updates per invocation, series per app, series in all, apps) with what they drop
 * or refuse counted, and the Prometheus text (families, escaping, numbers). */
#include "unit.h"

#include <jansson.h>
#include <math.h>

#include "platform/appmetrics.h"

#define APP1 "11111111-1111-4111-8111-111111111111"
#define APP2 "22222222-2222-4222-8222-222222222222"

static int reset(void **state)
{
    (void)state;
    appmetrics_reset();
    return 0;
}

/* Adds the metrics JSON text `js` to (app, env). */
static void add(const char *app, const char *env, const char *js)
{
    json_error_t e;
    json_t *m = json_loads(js, 0, &e);
    if (!m)
        fail_msg("bad test JSON: %s: %s", e.text, js);
    appmetrics_add(app, env, m);
    json_decref(m);
}

static char *render(void)
{
    buf_t b;
    buf_init(&b, 8u << 20);
    appmetrics_render(&b);
    char *s = xstrdup(b.ptr ? b.ptr : "");
    buf_free(&b);
    return s;
}

/* The value of the sample line that starts with `prefix` and a space; NAN if none. */
static double value_of(const char *text, const char *prefix)
{
    size_t pl = strlen(prefix);
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (strncmp(p, prefix, pl) == 0 && p[pl] == ' ')
            return strtod(p + pl + 1, NULL);
        p = eol ? eol + 1 : NULL;
    }
    return NAN;
}

static unsigned count_lines(const char *text, const char *prefix)
{
    unsigned n = 0;
    size_t pl = strlen(prefix);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, prefix, pl) == 0)
            n++;
        const char *eol = strchr(p, '\n');
        p = eol ? eol + 1 : NULL;
    }
    return n;
}

#define C(name, tags) "kiln_app_metric_total{app=\"" APP1 "\",env=\"development\",name=\"" name "\",tags=\"" tags "\"}"
#define DROPPED(app, env) "kiln_app_metric_series_dropped_total{app=\"" app "\",env=\"" env "\"}"
#define REFUSED(app, env) "kiln_app_metric_refused_total{app=\"" app "\",env=\"" env "\"}"

static void test_fold(void **state)
{
    (void)state;
    const char *inv = "{\"dropped\":2,\"series\":[[\"c\",\"orders\",null,3,0],[\"g\",\"depth\",null,5,1],"
                      "[\"t\",\"work\",null,2,0.25],[\"c\",\"orders\",{\"b\":\"2\",\"a\":\"1\"},1.5,0]]}";
    add(APP1, "development", inv);
    add(APP1, "development", inv);
    add(APP1, "development", "{\"dropped\":0,\"series\":[[\"g\",\"depth\",null,-1,0],[\"c\",\"orders\",null,-1,0]]}");
    add(APP1, "staging", "{\"dropped\":0,\"series\":[[\"c\",\"orders\",null,7,0]]}");
    char *t = render();
    assert_true(value_of(t, C("orders", "")) == 5);
    assert_true(value_of(t, C("orders", "a=1,b=2")) == 3); /* tags sorted by key */
    assert_true(value_of(t, "kiln_app_gauge{app=\"" APP1 "\",env=\"development\",name=\"depth\",tags=\"\"}") ==
                4); /* set to 5, then -1 added */
    assert_true(value_of(t, "kiln_app_timing_seconds_count{app=\"" APP1
                            "\",env=\"development\",name=\"work\",tags=\"\"}") == 4);
    assert_true(value_of(t, "kiln_app_timing_seconds_sum{app=\"" APP1
                            "\",env=\"development\",name=\"work\",tags=\"\"}") == 0.5);
    assert_true(value_of(t, "kiln_app_metric_total{app=\"" APP1 "\",env=\"staging\",name=\"orders\",tags=\"\"}") == 7);
    assert_true(value_of(t, DROPPED(APP1, "development")) == 4); /* what the worker said it dropped */
    assert_true(value_of(t, REFUSED(APP1, "development")) == 0);
    free(t);
}

static void test_names_and_tags(void **state)
{
    (void)state;
    add(APP1, "development",
        "{\"dropped\":0,\"series\":["
        "[\"c\",\"a b/\\u00e9\",null,1,0],"                 /* sanitised */
        "[\"c\",\"tag\",{\"k y\":\"q\\\"\\\\\\n,=\"},1,0]," /* key and value */
        "[\"c\",\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",null,1,0]," /* 101 bytes: refused */
        "[\"c\",\"\",null,1,0],"
        "[\"c\",\"t5\",{\"a\":\"1\",\"b\":\"1\",\"c\":\"1\",\"d\":\"1\",\"e\":\"1\"},1,0],"
        "[\"c\",\"t4\",{\"a\":\"1\",\"b\":\"1\",\"c\":\"1\",\"d\":\"1\"},1,0],"
        "[\"c\",\"tnum\",{\"a\":1},1,0],"
        "[\"c\",\"tdup\",{\"a b\":\"1\",\"a_b\":\"2\"},1,0],"
        "[\"c\",\"tlong\",{\"a\":\"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\"},1,0],"
        "[\"c\",\"tkey\",{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":\"1\"},1,0]"
        "]}");
    char *t = render();
    assert_true(value_of(t, C("a_b___", "")) == 1);
    /* control bytes, ',' and '=' become '_'; '\' and '"' are escaped in the label */
    assert_true(value_of(t, C("tag", "k_y=q\\\"\\\\___")) == 1);
    assert_true(value_of(t, C("t4", "a=1,b=1,c=1,d=1")) == 1);
    assert_int_equal(count_lines(t, "kiln_app_metric_total{"), 3);
    assert_true(value_of(t, REFUSED(APP1, "development")) == 7);
    free(t);
}

static void test_numbers_and_kinds(void **state)
{
    (void)state;
    add(APP1, "development",
        "{\"dropped\":0,\"series\":["
        "[\"c\",\"big\",null,1.5e308,0],[\"c\",\"big\",null,1.5e308,0]," /* the second would be inf */
        "[\"c\",\"s\",null,\"1\",0],[\"c\",\"n\",null,null,0],[\"c\",\"b\",null,true,0],"
        "[\"t\",\"t0\",null,0,1],[\"t\",\"tf\",null,1.5,1],[\"t\",\"tn\",null,1,-1],[\"t\",\"tb\",null,2e9,1],"
        "[\"g\",\"g2\",null,1,2],[\"x\",\"k\",null,1,0],[\"cc\",\"k\",null,1,0],"
        "[\"c\",\"short\",null,1],[\"c\",\"long\",null,1,0,0],5,null,{},"
        "[\"c\",\"fraction\",null,0.1,0],[\"c\",\"fraction\",null,0.2,0]"
        "]}");
    char *t = render();
    assert_true(value_of(t, C("big", "")) == 1.5e308);
    assert_non_null(strstr(t, C("fraction", "") " 0.30000000000000004\n")); /* exactly the double */
    assert_int_equal(count_lines(t, "kiln_app_metric_total{"), 2);
    assert_int_equal(count_lines(t, "kiln_app_timing_seconds"), 0);
    assert_int_equal(count_lines(t, "kiln_app_gauge{"), 0);
    assert_true(value_of(t, REFUSED(APP1, "development")) == 16);
    free(t);
    /* the envelope: each malformed one refused whole */
    static const char *const bad[] = {
        "{\"series\":[]}",
        "{\"dropped\":0}",
        "{\"dropped\":-1,\"series\":[]}",
        "{\"dropped\":1.5,\"series\":[]}",
        "{\"dropped\":2000000000,\"series\":[]}",
        "{\"dropped\":0,\"series\":{}}",
        "[]",
        "\"x\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *m = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        assert_non_null(m);
        appmetrics_add(APP2, "development", m);
        json_decref(m);
    }
    t = render();
    assert_true(value_of(t, REFUSED(APP2, "development")) == 8);
    assert_true(value_of(t, DROPPED(APP2, "development")) == 0);
    free(t);
}

static void test_caps(void **state)
{
    (void)state;
    /* 300 updates of one invocation: the first 256 count, the rest are refused */
    json_t *m = json_pack("{s:i,s:[]}", "dropped", 0, "series");
    for (int i = 0; i < 300; i++)
        json_array_append_new(json_object_get(m, "series"), json_pack("[s,s,n,i,i]", "c", "same", 1, 0));
    appmetrics_add(APP1, "development", m);
    json_decref(m);
    char *t = render();
    assert_true(value_of(t, C("same", "")) == 256);
    assert_true(value_of(t, REFUSED(APP1, "development")) == 44);
    free(t);
    /* series per app: 200 kept (one already), the rest dropped and counted; others unaffected */
    for (int inv = 0; inv < 2; inv++) {
        m = json_pack("{s:i,s:[]}", "dropped", 0, "series");
        for (int i = 0; i < 250; i++) {
            char name[32];
            snprintf(name, sizeof name, "s%d.%d", inv, i);
            json_array_append_new(json_object_get(m, "series"), json_pack("[s,s,n,i,i]", "c", name, 1, 0));
        }
        appmetrics_add(APP1, "development", m);
        json_decref(m);
    }
    add(APP2, "development", "{\"dropped\":0,\"series\":[[\"c\",\"same\",null,1,0]]}");
    t = render();
    assert_int_equal(count_lines(t, "kiln_app_metric_total{app=\"" APP1 "\""), APPMETRICS_SERIES_PER_APP);
    assert_true(value_of(t, DROPPED(APP1, "development")) == 51 + 250);
    assert_true(value_of(t, C("s0.198", "")) == 1);
    assert_true(isnan(value_of(t, C("s0.199", ""))));
    assert_true(value_of(t, "kiln_app_metric_total{app=\"" APP2 "\",env=\"development\",name=\"same\",tags=\"\"}") ==
                1);
    free(t);
    /* series in all: environments are apps of their own here; 2000 in all, then dropped */
    for (int e = 0; e < 12; e++) {
        char env[16];
        snprintf(env, sizeof env, "env%d", e);
        m = json_pack("{s:i,s:[]}", "dropped", 0, "series");
        for (int i = 0; i < 200; i++) {
            char name[16];
            snprintf(name, sizeof name, "n%d", i);
            json_array_append_new(json_object_get(m, "series"), json_pack("[s,s,n,i,i]", "c", name, 1, 0));
        }
        appmetrics_add(APP2, env, m);
        json_decref(m);
    }
    t = render();
    assert_int_equal(count_lines(t, "kiln_app_metric_total{"), APPMETRICS_SERIES_MAX);
    assert_true(value_of(t, DROPPED(APP2, "env7")) == 0);
    assert_true(value_of(t, DROPPED(APP2, "env8")) == 200 - (APPMETRICS_SERIES_MAX - 201 - 8 * 200));
    assert_true(value_of(t, DROPPED(APP2, "env9")) == 200);
    assert_true(value_of(t, DROPPED(APP2, "env11")) == 200);
    free(t);
    /* apps: past APPMETRICS_APPS_MAX, a new app's metrics are counted only */
    appmetrics_reset();
    for (int i = 0; i < APPMETRICS_APPS_MAX + 3; i++) {
        char env[16];
        snprintf(env, sizeof env, "e%d", i);
        add(APP1, env, "{\"dropped\":0,\"series\":[[\"c\",\"one\",null,1,0]]}");
    }
    t = render();
    assert_int_equal(count_lines(t, "kiln_app_metric_total{"), APPMETRICS_APPS_MAX);
    assert_true(value_of(t, "kiln_app_metrics_apps_dropped_total") == 3);
    free(t);
}

/* Every family has one HELP and one TYPE before its samples; every sample is name{labels} number. */
static void test_prometheus_text(void **state)
{
    (void)state;
    char *t = render(); /* nothing yet: the families and the apps-dropped counter only */
    assert_int_equal(count_lines(t, "kiln_app_"), 1);
    assert_int_equal(count_lines(t, "# TYPE "), 6);
    free(t);
    add(APP1, "development",
        "{\"dropped\":0,\"series\":[[\"t\",\"w\",{\"q\":\"\\\"\"},1,1e-9],[\"g\",\"g\",null,-2.5,1],"
        "[\"c\",\"c\",null,1e15,0]]}");
    t = render();
    assert_non_null(strstr(t, "# TYPE kiln_app_metric_total counter\n" C("c", "") " 1e+15\n"));
    assert_non_null(strstr(
        t, "# TYPE kiln_app_timing_seconds summary\n"
           "kiln_app_timing_seconds_count{app=\"" APP1 "\",env=\"development\",name=\"w\",tags=\"q=\\\"\"} 1\n"
           "kiln_app_timing_seconds_sum{app=\"" APP1 "\",env=\"development\",name=\"w\",tags=\"q=\\\"\"} 1e-09\n"));
    assert_non_null(strstr(t, "kiln_app_gauge{app=\"" APP1 "\",env=\"development\",name=\"g\",tags=\"\"} -2.5\n"));
    for (char *save = NULL, *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') {
            assert_true(strncmp(line, "# HELP kiln_app_", 16) == 0 || strncmp(line, "# TYPE kiln_app_", 16) == 0);
            continue;
        }
        assert_true(strncmp(line, "kiln_app_", 9) == 0);
        const char *sp = strrchr(line, ' ');
        char *end;
        strtod(sp + 1, &end);
        assert_int_equal(*end, '\0');
    }
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_fold, reset),
        cmocka_unit_test_setup(test_names_and_tags, reset),
        cmocka_unit_test_setup(test_numbers_and_kinds, reset),
        cmocka_unit_test_setup(test_caps, reset),
        cmocka_unit_test_setup(test_prometheus_text, reset),
    };
    return cmocka_run_group_tests_name("appmetrics", tests, NULL, NULL);
}
