/* Unit tests for the pure parts of the delivery engine (src/platform/deliver.h): reading
 * an @forge/events InvocationError (retryAfter capped, hostile reasons and oversized
 * retryData refused), the backoff, the next state after a verdict (retries counted per
 * source, retryAfter honoured, dead when out of attempts), and what the trigger sources
 * hand a handler and how they judge its answer. */
#include "unit.h"

#include <jansson.h>

#include "base/json.h"
#include "platform/deliver.h"
#include "runtime/supervisor.h"

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
    if (!j)
        fail_msg("bad test JSON: %s: %s", e.text, s);
    return j;
}

static void test_invocation_error(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    deliver_verdict_t v;
    static const char *const not_errors[] = {
        "{}",
        "null",
        "[1]",
        "\"_retry\"",
        "{\"_retry\":false,\"retryOptions\":{\"retryAfter\":5}}",
        "{\"_retry\":1}",
        "{\"retryOptions\":{\"retryAfter\":5}}",
        "{\"_retry\":\"true\"}",
    };
    for (size_t i = 0; i < sizeof not_errors / sizeof *not_errors; i++) {
        json_t *r = parse(not_errors[i]);
        v = (deliver_verdict_t){.delivered = 7};
        assert_int_equal(deliver_invocation_error(a, r, &v), 0);
        assert_int_equal(v.delivered, 7); /* untouched */
        json_decref(r);
    }
    assert_int_equal(deliver_invocation_error(a, NULL, &v), 0);

    json_t *r = parse("{\"_retry\":true,\"retryOptions\":{\"retryAfter\":2,\"retryReason\":\"FUNCTION_UPSTREAM_RATE_"
                      "LIMITED\",\"retryData\":{\"page\":3}}}");
    assert_int_equal(deliver_invocation_error(a, r, &v), 1);
    assert_int_equal(v.delivered, 0);
    assert_int_equal(v.retry, 1);
    assert_int_equal(v.retry_after_ms, 2000);
    assert_string_equal(v.retry_reason, "FUNCTION_UPSTREAM_RATE_LIMITED");
    assert_string_equal(v.retry_data_json, "{\"page\":3}");
    json_decref(r);

    /* no options: a plain retry request with the engine's backoff */
    r = parse("{\"_retry\":true}");
    assert_int_equal(deliver_invocation_error(a, r, &v), 1);
    assert_int_equal(v.retry_after_ms, 0);
    assert_string_equal(v.retry_reason, "FUNCTION_RETRY_REQUEST");
    assert_null(v.retry_data_json);
    json_decref(r);

    /* hostile: huge, negative, fractional retryAfter; a reason that is not a code; retryData too big */
    r = parse("{\"_retry\":true,\"retryOptions\":{\"retryAfter\":1e300,\"retryReason\":\"drop table; \\n\"}}");
    assert_int_equal(deliver_invocation_error(a, r, &v), 1);
    assert_int_equal(v.retry_after_ms, (int64_t)DELIVER_RETRY_AFTER_MAX_S * 1000);
    assert_string_equal(v.retry_reason, "FUNCTION_RETRY_REQUEST");
    json_decref(r);
    r = parse("{\"_retry\":true,\"retryOptions\":{\"retryAfter\":-5,\"retryReason\":"
              "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}");
    assert_int_equal(deliver_invocation_error(a, r, &v), 1);
    assert_int_equal(v.retry_after_ms, 0);
    assert_string_equal(v.retry_reason, "FUNCTION_RETRY_REQUEST");
    json_decref(r);
    r = parse("{\"_retry\":true,\"retryOptions\":{\"retryAfter\":0.25,\"retryReason\":\"\"}}");
    assert_int_equal(deliver_invocation_error(a, r, &v), 1);
    assert_int_equal(v.retry_after_ms, 250);
    assert_string_equal(v.retry_reason, "FUNCTION_RETRY_REQUEST");
    json_decref(r);
    r = parse("{\"_retry\":true,\"retryOptions\":{\"retryAfter\":\"5\",\"retryData\":null}}");
    assert_int_equal(deliver_invocation_error(a, r, &v), 1);
    assert_int_equal(v.retry_after_ms, 0);
    assert_null(v.retry_data_json);
    json_decref(r);
    json_t *big = json_object();
    json_object_set_new(big, "_retry", json_true());
    json_t *data = json_array();
    for (int i = 0; i < 2000; i++)
        json_array_append_new(data, json_string("xxxx"));
    json_object_set_new(big, "retryOptions", json_pack("{s:o}", "retryData", data));
    assert_int_equal(deliver_invocation_error(a, big, &v), 1);
    assert_null(v.retry_data_json); /* over its cap: not kept */
    json_decref(big);
    arena_free(a);
}

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(deliver_backoff_ms(1), DELIVER_BACKOFF_MS);
    assert_int_equal(deliver_backoff_ms(2), 2 * DELIVER_BACKOFF_MS);
    assert_int_equal(deliver_backoff_ms(5), 16 * DELIVER_BACKOFF_MS);
    assert_int_equal(deliver_backoff_ms(0), DELIVER_BACKOFF_MS);
    assert_int_equal(deliver_backoff_ms(-3), DELIVER_BACKOFF_MS);
    assert_int_equal(deliver_backoff_ms(20), DELIVER_BACKOFF_MAX_MS);
    assert_int_equal(deliver_backoff_ms(1000000), DELIVER_BACKOFF_MAX_MS);
    for (int64_t i = 1; i < 64; i++)
        assert_true(deliver_backoff_ms(i + 1) >= deliver_backoff_ms(i));
}

static void test_next_state(void **state)
{
    (void)state;
    const deliver_source_t *src = deliver_source(DLV_SRC_PRODUCT);
    assert_non_null(src);
    assert_int_equal(src->retries, 4);
    delivery_rec_t d = {.attempts = 1};
    int64_t due;
    deliver_verdict_t ok = {.delivered = 1}, retry = {.retry = 1}, later = {.retry = 1, .retry_after_ms = 2000},
                      no = {.retry = 0};
    assert_int_equal(deliver_next_state(src, &d, &ok, 1000, &due), DLV_DELIVERED);
    assert_int_equal(deliver_next_state(src, &d, &no, 1000, &due), DLV_DEAD);
    for (d.attempts = 1; d.attempts <= 4; d.attempts++) {
        assert_int_equal(deliver_next_state(src, &d, &retry, 1000, &due), DLV_PENDING);
        assert_int_equal(due, 1000 + (DELIVER_BACKOFF_MS << (d.attempts - 1)));
        assert_int_equal(deliver_next_state(src, &d, &later, 1000, &due), DLV_PENDING);
        assert_int_equal(due, 3000);
    }
    /* the fifth attempt was the fourth retry: dead, whatever the handler asks */
    assert_int_equal(deliver_next_state(src, &d, &retry, 1000, &due), DLV_DEAD);
    assert_int_equal(deliver_next_state(src, &d, &later, 1000, &due), DLV_DEAD);
    assert_int_equal(deliver_next_state(src, &d, &ok, 1000, &due), DLV_DELIVERED);
    /* lifecycle events keep their six attempts */
    const deliver_source_t *lc = deliver_source(DLV_SRC_LIFECYCLE);
    d.attempts = 5;
    assert_int_equal(deliver_next_state(lc, &d, &retry, 0, &due), DLV_PENDING);
    assert_int_equal(due, 16 * DELIVER_BACKOFF_MS);
    d.attempts = 6;
    assert_int_equal(deliver_next_state(lc, &d, &retry, 0, &due), DLV_DEAD);
    assert_null(deliver_source(-1));
    assert_null(deliver_source(DLV__SOURCES));
}

/* Platform faults (deliver.h): no start while the store was away just now; a failed
 * attempt during which it was away is retried without counting, while the delivery is
 * younger than the window, after at least DELIVER_FAULT_DELAY_MS. */
static void test_platform_fault(void **state)
{
    (void)state;
    assert_false(deliver_store_away(0, 5000)); /* never away */
    assert_true(deliver_store_away(5000, 5000));
    assert_true(deliver_store_away(5000, 5000 + DELIVER_STORE_QUIET_MS - 1));
    assert_false(deliver_store_away(5000, 5000 + DELIVER_STORE_QUIET_MS));

    delivery_rec_t d = {.attempts = 1, .created_ms = 1000};
    deliver_verdict_t ok = {.delivered = 1}, threw = {.retry = 0}, retry = {.retry = 1};
    int64_t due = -1;
    assert_false(deliver_platform_fault(&d, &threw, 0, 2000, &due)); /* the store was there: the app's */
    assert_false(deliver_platform_fault(&d, &ok, 1, 2000, &due));    /* delivered all the same */
    assert_int_equal(due, -1);
    assert_true(deliver_platform_fault(&d, &threw, 1, 2000, &due)); /* a throw after a 503: not the app's */
    assert_int_equal(due, 2000 + DELIVER_FAULT_DELAY_MS);
    d.attempts = 5; /* the app's budget spent: a platform fault all the same */
    assert_true(deliver_platform_fault(&d, &retry, 1, 2000, &due));
    /* the delay grows with the delivery's age (a tenth of it), capped */
    assert_true(deliver_platform_fault(&d, &threw, 1, 1000 + 100000, &due));
    assert_int_equal(due, 1000 + 100000 + 10000);
    assert_true(deliver_platform_fault(&d, &threw, 1, 1000 + DELIVER_FAULT_WINDOW_MS - 1, &due));
    assert_int_equal(due, 1000 + DELIVER_FAULT_WINDOW_MS - 1 + DELIVER_FAULT_DELAY_MAX_MS);
    /* bounded: a delivery older than the window gets no more (a store that stays broken ends it) */
    assert_false(deliver_platform_fault(&d, &threw, 1, 1000 + DELIVER_FAULT_WINDOW_MS, &due));

    /* the engine's memory of faults: counted per delivery, forgotten when it ends; full of
     * young deliveries, a new one is not kept (its faults count: the safe side); an entry
     * older than the window is taken again */
    delivery_rec_t x = {.id = 7, .created_ms = 1000}, y = {.id = 8, .created_ms = 1000};
    assert_int_equal(deliver_faults(7), 0);
    deliver_fault_noted(&x, 2000);
    deliver_fault_noted(&x, 3000);
    deliver_fault_noted(&y, 3000);
    assert_int_equal(deliver_faults(7), 2);
    assert_int_equal(deliver_faults(8), 1);
    deliver_faults_forget(7);
    assert_int_equal(deliver_faults(7), 0);
    assert_int_equal(deliver_faults(8), 1);
    delivery_rec_t z = {.created_ms = 5000};
    for (z.id = 100; z.id < 100 + DELIVER_FAULTS_TRACKED - 1; z.id++) /* with 8: every entry taken */
        deliver_fault_noted(&z, 6000);
    z.id = 99999;
    deliver_fault_noted(&z, 6000);
    assert_int_equal(deliver_faults(99999), 0);
    deliver_fault_noted(&z, 1000 + DELIVER_FAULT_WINDOW_MS); /* 8's entry is past the window now */
    assert_int_equal(deliver_faults(99999), 1);
    assert_int_equal(deliver_faults(8), 0);
}

static void test_trigger_event_and_judge(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    const deliver_source_t *src = deliver_source(DLV_SRC_PRODUCT);
    delivery_rec_t d = {.id = 9,
                        .event_type = "avi:jira:updated:issue",
                        .module_key = "on-update",
                        .payload_json = "{\"issue\":{\"id\":\"10001\"}}",
                        .attempts = 1};
    json_t *e = parse(src->event(a, &d, NULL));
    assert_string_equal(json_string_value(json_object_get(e, "eventType")), "avi:jira:updated:issue");
    assert_null(json_object_get(e, "retryContext")); /* first attempt: none */
    json_decref(e);
    d.attempts = 3;
    d.retry_reason = "FUNCTION_UPSTREAM_RATE_LIMITED";
    d.retry_data_json = "{\"cursor\":\"x\"}";
    e = parse(src->event(a, &d, NULL));
    json_t *rc = json_object_get(e, "retryContext");
    assert_int_equal(json_integer_value(json_object_get(rc, "retryCount")), 2);
    assert_string_equal(json_string_value(json_object_get(rc, "retryReason")), "FUNCTION_UPSTREAM_RATE_LIMITED");
    assert_string_equal(json_string_value(json_object_get(json_object_get(rc, "retryData"), "cursor")), "x");
    json_decref(e);
    /* a payload that is not an object still gives the handler an object */
    d.payload_json = "[1,2]";
    d.attempts = 1;
    e = parse(src->event(a, &d, NULL));
    assert_true(json_is_object(e));
    json_decref(e);

    rt_job_t job = {.status = RT_OK};
    snprintf(job.inv.id, sizeof job.inv.id, "inv-1");
    deliver_verdict_t v;
    job.result_json = "{\"fine\":true}";
    src->judge(a, &d, &job, &v);
    assert_int_equal(v.delivered, 1);
    job.result_json = "{\"_retry\":true,\"retryOptions\":{\"retryAfter\":2}}";
    src->judge(a, &d, &job, &v);
    assert_int_equal(v.delivered, 0);
    assert_int_equal(v.retry, 1);
    assert_int_equal(v.retry_after_ms, 2000);
    job.result_json = NULL;
    /* platform level errors are retried; a handler that threw is not (Forge retries an app
     * level error only when the handler returns an InvocationError) — but a lifecycle
     * event retries every failure */
    static const struct {
        enum rt_status st;
        int retried;
    } failed[] = {{RT_ERROR, 0}, {RT_TIMEOUT, 1}, {RT_CRASH, 1}, {RT_OVERLOAD, 1}, {RT_SETUP, 1}, {RT_NOSTART, 1}};
    for (size_t i = 0; i < sizeof failed / sizeof *failed; i++) {
        job.status = failed[i].st;
        src->judge(a, &d, &job, &v);
        assert_int_equal(v.delivered, 0);
        assert_int_equal(v.retry, failed[i].retried);
        assert_non_null(strstr(v.error, "trigger on-update"));
        assert_non_null(strstr(v.error, "inv-1"));
        deliver_source(DLV_SRC_LIFECYCLE)->judge(a, &d, &job, &v);
        assert_int_equal(v.delivered, 0);
        assert_int_equal(v.retry, 1);
    }
    job.status = RT_TIMEOUT;
    src->judge(a, &d, &job, &v);
    assert_string_equal(v.retry_reason, "FUNCTION_TIME_OUT");
    arena_free(a);
}

/* An attempt the runtime refuses says why (deliver.c logs "<target> not run: <why>"), not
 * "too many invocations" whatever happened: here the runtime was never started. */
static void test_refusal_reason(void **state)
{
    (void)state;
    rt_job_t *job = rt_job_new();
    assert_int_equal(rt_submit(job), -1);
    assert_string_equal(rt_submit_refusal(), "the function runtime is not running on this server");
    rt_job_free(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invocation_error),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_next_state),
        cmocka_unit_test(test_platform_fault),
        cmocka_unit_test(test_trigger_event_and_judge),
        cmocka_unit_test(test_refusal_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
