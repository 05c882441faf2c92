/* The source row of async events (DLV_SRC_QUEUE, platform/deliver.h): an event pushed
 * with @forge/events' Queue.push (platform/proxy_queue.h) to the `consumer` module of
 * its queue.
 *
 *   target   the consumer's function, or its resolver's function, or its endpoint. A
 *            resolver's call ({call: {functionKey: resolver.method, payload, jobId},
 *            context: {jobId}}, what @forge/resolver's getDefinitions reads) is built by
 *            `event`, which knows the job: target gives no method
 *   event    the stored AsyncEvent {body, queueName, jobId, eventId, delayInSeconds?,
 *            concurrency?} without kiln's own `_kiln` member, with retryContext
 *            {retryCount, retryReason, retryData} from the second attempt on. A resolver
 *            of a 0.x/1.x push gets the pushed payload itself (retryContext added to it
 *            when it is an object, as 1.x did) and context.jobId
 *   judge    an InvocationError ({_retry: true, retryOptions}) retries after its
 *            retryAfter; 0.x's QueueResponse.retry() ({_retry: true}) retries after the
 *            backoff (both read by deliver_invocation_error); a throw, a time-out or a crash retries; any other value
 * is delivered. 4 retries (Forge), then the event is dead. time     the function's timeoutSeconds, up to 900 s (Forge's
 * consumers); 55 s without */
#include "platform/deliver.h"

#include <string.h>

#include "base/json.h"
#include "base/limits.h"
#include "platform/invoke.h"

static json_t *target(json_t *manifest, json_t *module, const char **method, const char **endpoint)
{
    json_t *res = json_object_get(module, "resolver");
    const char *fn = json_is_object(res) ? json_str(res, "function") : json_str(module, "function");
    (void)res;
    *method = NULL; /* event() builds the resolver's call itself, with the job id */
    *endpoint = fn ? NULL : json_str(module, "endpoint");
    return fn ? invoke_module(manifest, "function", fn) : NULL;
}

/* {retryCount, retryReason, retryData} of attempt `d` (d->attempts: this attempt's
 * number, from 1), or NULL on the first. */
static json_t *retry_context(const delivery_rec_t *d)
{
    if (d->attempts < 2)
        return NULL;
    json_err_t err;
    json_t *data = d->retry_data_json
                       ? json_parse_limited(d->retry_data_json, strlen(d->retry_data_json), KILN_MAX_JSON_DEPTH, &err)
                       : NULL;
    return json_pack("{s:I, s:s, s:o}", "retryCount", (json_int_t)(d->attempts - 1), "retryReason",
                     d->retry_reason ? d->retry_reason : "FUNCTION_PLATFORM_UNKNOWN_ERROR", "retryData",
                     data ? data : json_null());
}

static const char *event(arena_t *a, const delivery_rec_t *d, json_t *module)
{
    json_err_t err;
    json_t *ev = json_parse_arena(a, d->payload_json, strlen(d->payload_json), KILN_MAX_JSON_DEPTH, &err);
    if (!json_is_object(ev))
        return NULL;
    json_int_t v = json_integer_value(json_object_get(json_object_get(ev, "_kiln"), "v"));
    json_object_del(ev, "_kiln");
    json_t *rc = retry_context(d);
    json_t *res = json_object_get(module, "resolver");
    json_t *arg = ev;
    if (json_is_object(res)) {
        json_t *payload = ev;
        if (v == 1) { /* 1.x: the payload as pushed, retryContext in it */
            payload = json_object_get(ev, "body");
            if (rc && json_is_object(payload))
                json_object_set(payload, "retryContext", rc);
        } else if (rc) {
            json_object_set(ev, "retryContext", rc);
        }
        arg = json_pack("{s:{s:s?, s:O, s:s?}, s:{s:s?, s:O*}}", "call", "functionKey", json_str(res, "method"),
                        "payload", payload, "jobId", d->job_id, "context", "jobId", d->job_id, "retryContext", rc);
        if (!arg) {
            json_decref(rc);
            return NULL;
        }
        json_own(a, arg);
    } else if (rc) {
        json_object_set(ev, "retryContext", rc);
    }
    json_decref(rc);
    size_t len;
    return json_dump_arena(a, arg, KILN_MAX_BODY, &len);
}

static void judge(arena_t *a, const delivery_rec_t *d, const rt_job_t *job, deliver_verdict_t *v)
{
    if (job->status != RT_OK) {
        v->retry = deliver_status_retried(job->status);
        v->error = arena_printf(a, "consumer %.80s %s: its log is invocation %s", d->module_key,
                                deliver_status_outcome(job->status), job->inv.id);
        v->retry_reason = deliver_status_reason(job->status);
        return;
    }
    json_t *r = job->result;
    if (!r && job->result_json) {
        json_err_t err;
        r = json_parse_arena(a, job->result_json, strlen(job->result_json), KILN_MAX_JSON_DEPTH, &err);
    }
    if (deliver_invocation_error(a, r, v)) {
        if (!v->error)
            v->error = "the consumer asked for a retry (InvocationError or QueueResponse.retry())";
        return;
    }
    v->delivered = 1;
}

const deliver_source_t deliver_src_queue = {
    .name = "queue",
    .module_type = "consumer",
    .retries = 4,
    .timeout_ms = 55000,
    .max_timeout_ms = 900000,
    .target = target,
    .event = event,
    .judge = judge,
};
