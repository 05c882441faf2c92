/* The DLV_SRC_PREUNINSTALL row of the delivery engine's sources (platform/deliver.h): a
 * `preUninstall` module's one run when its app is uninstalled from a site (owed by
 * platform/uninstall.h in the uninstall's transaction). Forge's contract: the function (or
 * endpoint) gets {context: {cloudId, moduleKey}, contextToken} with no user, within the
 * default 55 s; it is never retried and its outcome does not hold the uninstall back. */
#include "platform/deliver.h"

static void judge(arena_t *a, const delivery_rec_t *d, const rt_job_t *job, deliver_verdict_t *v)
{
    (void)d;
    *v = (deliver_verdict_t){.delivered = job->status == RT_OK};
    if (!v->delivered)
        v->error = arena_printf(a,
                                "preUninstall %.80s %s: its log is invocation %s (not retried: the app is "
                                "uninstalled all the same)",
                                d->module_key, deliver_status_outcome(job->status), job->inv.id);
}

const deliver_source_t deliver_src_preuninstall = {
    .name = "preuninstall",
    .module_type = "preUninstall",
    .retries = 0,
    .timeout_ms = DELIVER_TRIGGER_TIMEOUT_MS,
    .max_timeout_ms = DELIVER_TRIGGER_TIMEOUT_MS,
    .target = deliver_target_function,
    .event = deliver_context_event,
    .judge = judge,
};
