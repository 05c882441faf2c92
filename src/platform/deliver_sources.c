/* The sources table of the delivery engine (platform/deliver.h): which row runs the
 * deliveries of each enum delivery_source. A source without a row keeps its deliveries
 * PENDING until one is registered. */
#include "platform/deliver.h"

#include <string.h>

#include "base/enc.h"
#include "base/json.h"
#include "platform/invoke.h"

static const deliver_source_t *const sources[DLV__SOURCES] = {
    [DLV_SRC_PRODUCT] = &deliver_src_product,
    [DLV_SRC_LIFECYCLE] = &deliver_src_lifecycle,
    [DLV_SRC_QUEUE] = &deliver_src_queue,
    [DLV_SRC_APP] = &deliver_src_app,
    [DLV_SRC_SCHEDULE] = &deliver_src_schedule,         /* `scheduledTrigger` runs (platform/schedule.h) */
    [DLV_SRC_PREUNINSTALL] = &deliver_src_preuninstall, /* `preUninstall` runs (platform/uninstall.h) */
};

const deliver_source_t *deliver_source(int source)
{
    return source >= 0 && source < DLV__SOURCES ? sources[source] : NULL;
}

json_t *deliver_target_function(json_t *manifest, json_t *module, const char **method, const char **endpoint)
{
    *method = NULL;
    *endpoint = NULL;
    const char *fkey = json_str(module, "function");
    if (fkey)
        return invoke_module(manifest, "function", fkey);
    *endpoint = json_str(module, "endpoint");
    return NULL;
}

const char *deliver_context_event(arena_t *a, const delivery_rec_t *d, json_t *module)
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
    json_object_set_new(
        p, "contextToken",
        json_string(
            arena_printf(a, "kiln-%s.%s", deliver_source(d->source) ? deliver_source(d->source)->name : "event", hex)));
    size_t len;
    return json_dump_arena(a, p, 1 << 16, &len);
}

/* rt_status: what the attempt line says, Forge's retryReason for it, and whether the
 * platform retries it. Forge retries an event "for platform level errors" (a time out,
 * running out of memory, rate limiting) by itself, and an app level error only when the
 * handler asks with an InvocationError: a handler that throws has failed for good. */
static const struct {
    const char *outcome, *reason;
    int retried;
} statuses[] = {
    [RT_OK] = {"ok", NULL, 0},
    [RT_ERROR] = {"threw", "FUNCTION_PLATFORM_UNKNOWN_ERROR", 0},
    [RT_TIMEOUT] = {"timed out", "FUNCTION_TIME_OUT", 1},
    [RT_CRASH] = {"crashed", "FUNCTION_OUT_OF_MEMORY", 1},
    [RT_OVERLOAD] = {"not run: too many invocations", "FUNCTION_PLATFORM_RATE_LIMITED", 1},
    [RT_SETUP] = {"could not start", "FUNCTION_PLATFORM_UNKNOWN_ERROR", 1},
    [RT_NOSTART] = {"not run: no worker could start", "FUNCTION_PLATFORM_UNKNOWN_ERROR", 1},
};

static unsigned status_index(enum rt_status st)
{
    return (unsigned)st < sizeof statuses / sizeof *statuses ? (unsigned)st : RT_CRASH;
}

const char *deliver_status_outcome(enum rt_status st)
{
    return statuses[status_index(st)].outcome;
}

const char *deliver_status_reason(enum rt_status st)
{
    return statuses[status_index(st)].reason;
}

int deliver_status_retried(enum rt_status st)
{
    return statuses[status_index(st)].retried;
}
