/* The DLV_SRC_SCHEDULE row of the delivery engine's sources (platform/deliver.h): how a
 * scheduled trigger's run (platform/schedule.h) is delivered. Forge's contract
 * (events-reference/scheduled-trigger): the function gets {context: {cloudId,
 * moduleKey}, contextToken}, runs with no user, is never retried (the next slot is the
 * next chance), and must answer like a dynamic webtrigger ({statusCode, headers?,
 * body?}); any other answer is recorded as "424 Failed Dependency". */
#include <jansson.h>
#include <string.h>

#include "base/enc.h"
#include "base/json.h"
#include "platform/deliver.h"
#include "platform/invoke.h" /* before deliver.h: install_rec_t */
#include "platform/schedule.h"
#include "platform/webtrigger.h"

#define TIMEOUT_MS 55000      /* Forge's default time limit */
#define MAX_TIMEOUT_MS 900000 /* ... and the most timeoutSeconds may raise it to */

static json_t *target(json_t *manifest, json_t *module, const char **method, const char **endpoint)
{
    *method = NULL;
    const char *fn = json_str(module, "function");
    if (fn)
        return invoke_module(manifest, "function", fn);
    *endpoint = json_str(module, "endpoint");
    return NULL;
}

/* The stored payload with this attempt's contextToken: an opaque id of the run (Forge:
 * "This value has no meaning to an app"). */
static const char *event(arena_t *a, const delivery_rec_t *d, json_t *module)
{
    (void)module;
    json_error_t je;
    json_t *p = json_own(a, json_loads(d->payload_json, 0, &je));
    if (!json_is_object(p))
        return NULL;
    unsigned char h[32];
    char hex[65];
    enc_sha256(h, d->event_id, strlen(d->event_id));
    enc_hex(hex, h, 24);
    json_object_set_new(p, "contextToken", json_string(arena_printf(a, "kiln-schedule.%s", hex)));
    size_t len;
    return json_dump_arena(a, p, 1 << 16, &len);
}

/* Why a run that did not return a value failed (the function's own error is in its logs). */
static const char *const faults[] = {
    [RT_ERROR] = "the function threw an error",       [RT_TIMEOUT] = "the function ran out of time",
    [RT_CRASH] = "the function's process crashed",    [RT_OVERLOAD] = "no worker was free to run the function",
    [RT_SETUP] = "the function could not be started",
};

static void judge(arena_t *a, const delivery_rec_t *d, const rt_job_t *job, deliver_verdict_t *v)
{
    (void)d;
    v->retry = 0; /* never retried: the next slot is the next run */
    v->retry_after_ms = 0;
    if (job->status != RT_OK) {
        v->delivered = 0;
        v->error = job->status < sizeof faults / sizeof *faults && faults[job->status] ? faults[job->status]
                                                                                       : "the function failed";
        return;
    }
    json_error_t je;
    json_t *r = job->result
                    ? job->result
                    : json_own(a, json_loads(job->result_json ? job->result_json : "null", JSON_DECODE_ANY, &je));
    const char *why = webtrigger_response_invalid(r);
    v->delivered = !why;
    if (why)
        v->error = arena_printf(a,
                                "424 Failed Dependency: the scheduled trigger function returned a malformed "
                                "response (%s); it must answer like a webtrigger, e.g. {statusCode: 200}",
                                why);
}

const deliver_source_t deliver_src_schedule = {
    .name = "schedule",
    .module_type = "scheduledTrigger",
    .retries = 0,
    .timeout_ms = TIMEOUT_MS,
    .max_timeout_ms = MAX_TIMEOUT_MS,
    .target = target,
    .event = event,
    .judge = judge,
};
