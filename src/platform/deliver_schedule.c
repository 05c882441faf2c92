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

static void judge(arena_t *a, const delivery_rec_t *d, const rt_job_t *job, deliver_verdict_t *v)
{
    (void)d;
    v->retry = 0; /* never retried: the next slot is the next run */
    v->retry_after_ms = 0;
    if (job->status != RT_OK) {
        v->delivered = 0;
        v->error = arena_printf(a, "the function %s", deliver_status_outcome(job->status));
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
    .target = deliver_target_function,
    .event = deliver_context_event,
    .judge = judge,
};
