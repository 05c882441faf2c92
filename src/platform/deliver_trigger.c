/* The sources whose deliveries go to `trigger` modules (platform/deliver.h): product
 * events (fanned out by platform/fanout.h), lifecycle events (avi:forge:installed:app /
 * upgraded:app, recorded by platform/install.c) and app events. A trigger targets a
 * function, or a remote `endpoint`.
 *
 * What the handler receives: the stored payload, with `eventType` when the payload has
 * none, and from the second attempt on Forge's `retryContext` {retryCount, retryReason,
 * retryData}. How an answer is judged: a returned value is accepted, unless it is an
 * @forge/events InvocationError (retried after its retryAfter); a timeout, a crash, an
 * overload or a function that could not start (Forge's "platform level errors") is
 * retried with the engine's backoff; a throw is not (Forge retries an app level error
 * only on request), except for lifecycle events, whose every failure is retried. */
#include <string.h>

#include "base/json.h"
#include "platform/deliver.h"
#include "platform/invoke.h"

#define TRIGGER_PAYLOAD_DEPTH 64

static const char *event(arena_t *a, const delivery_rec_t *d, json_t *module)
{
    (void)module;
    json_err_t err;
    const char *text = d->payload_json ? d->payload_json : "{}";
    json_t *p = json_parse_arena(a, text, strlen(text), TRIGGER_PAYLOAD_DEPTH, &err);
    if (!json_is_object(p))
        p = json_own(a, json_object());
    if (!p)
        return NULL;
    if (!json_object_get(p, "eventType"))
        json_object_set_new(p, "eventType", json_string(d->event_type));
    if (d->attempts >= 2) {
        json_t *data = NULL;
        if (d->retry_data_json)
            data = json_parse_arena(a, d->retry_data_json, strlen(d->retry_data_json), TRIGGER_PAYLOAD_DEPTH, &err);
        json_object_set_new(p, "retryContext",
                            json_pack("{s:I,s:s,s:O}", "retryCount", (json_int_t)(d->attempts - 1), "retryReason",
                                      d->retry_reason ? d->retry_reason : "FUNCTION_PLATFORM_UNKNOWN_ERROR",
                                      "retryData", data ? data : json_null()));
    }
    size_t len;
    return json_dump_arena(a, p, 16u << 20, &len);
}

static void judge(arena_t *a, const delivery_rec_t *d, const rt_job_t *job, deliver_verdict_t *v)
{
    *v = (deliver_verdict_t){0};
    if (job->status == RT_OK) {
        json_t *r = job->result;
        if (!r && job->result_json) {
            json_err_t err;
            r = json_parse_arena(a, job->result_json, strlen(job->result_json), TRIGGER_PAYLOAD_DEPTH, &err);
        }
        if (deliver_invocation_error(a, r, v)) {
            v->error = arena_printf(a, "trigger %.80s returned an InvocationError (%s): its log is invocation %s",
                                    d->module_key, v->retry_reason, job->inv.id);
            return;
        }
        v->delivered = 1;
        return;
    }
    v->retry = deliver_status_retried(job->status);
    v->retry_reason = deliver_status_reason(job->status);
    v->error = arena_printf(a, "trigger %.80s %s: its log is invocation %s", d->module_key,
                            deliver_status_outcome(job->status), job->inv.id);
}

/* Lifecycle events keep kiln's contract from before the engine (docs/runtime.md): any
 * failed attempt, a throw included, is retried until LIFECYCLE's attempts are spent —
 * Forge documents no retry rule for them, and an app that missed its installed:app has
 * no other way to learn of it. */
static void judge_lifecycle(arena_t *a, const delivery_rec_t *d, const rt_job_t *job, deliver_verdict_t *v)
{
    judge(a, d, job, v);
    if (!v->delivered)
        v->retry = 1;
}

const deliver_source_t deliver_src_product = {
    .name = "product",
    .module_type = "trigger",
    .retries = DELIVER_EVENT_RETRIES,
    .timeout_ms = DELIVER_TRIGGER_TIMEOUT_MS,
    .max_timeout_ms = DELIVER_TRIGGER_MAX_TIMEOUT_MS,
    .target = deliver_target_function,
    .event = event,
    .judge = judge,
};

const deliver_source_t deliver_src_lifecycle = {
    .name = "lifecycle",
    .module_type = "trigger",
    .retries = DELIVER_LIFECYCLE_RETRIES,
    .timeout_ms = DELIVER_TRIGGER_TIMEOUT_MS,
    .max_timeout_ms = DELIVER_TRIGGER_MAX_TIMEOUT_MS,
    .target = deliver_target_function,
    .event = event,
    .judge = judge_lifecycle,
};

const deliver_source_t deliver_src_app = {
    .name = "app",
    .module_type = "trigger",
    .retries = DELIVER_EVENT_RETRIES,
    .timeout_ms = DELIVER_TRIGGER_TIMEOUT_MS,
    .max_timeout_ms = DELIVER_TRIGGER_MAX_TIMEOUT_MS,
    .target = deliver_target_function,
    .event = event,
    .judge = judge,
};
