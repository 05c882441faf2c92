#include "http/ops.h"

#include "base/buf.h"
#include "gateway/audit.h"
#include "http/reply.h"
#include "http/server.h"
#include "runtime/supervisor.h"

void ops_healthz(kreq_t *kr)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    reply_raw(kr, 200, "application/json", ok, sizeof ok - 1);
}

void ops_metrics(kreq_t *kr)
{
    http_server_t *srv = kr->thr->server;
    metrics_t *all[257];
    unsigned n = srv->nthreads < 256 ? srv->nthreads : 256;
    for (unsigned i = 0; i < n; i++)
        all[i] = srv->threads[i].metrics;
    if (rt_metrics()) /* product calls carried on worker pipes, counted by the runtime thread */
        all[n++] = rt_metrics();
    buf_t b;
    buf_init(&b, 1024 * 1024);
    /* Other threads' counters are read without locks: a scrape may see a count a moment
     * old, never a torn one (aligned 64-bit loads). */
    metrics_render(&b, all, n);
    int64_t sites = 0;
    if (store_site_count(kr->store, &sites) == STORE_OK)
        buf_printf(&b, "# HELP kiln_sites Sites on this kiln.\n# TYPE kiln_sites gauge\nkiln_sites %lld\n",
                   (long long)sites);
    buf_printf(&b,
               "# HELP kiln_audit_dropped_total Audit events dropped because the audit queue was full.\n"
               "# TYPE kiln_audit_dropped_total counter\nkiln_audit_dropped_total %llu\n",
               (unsigned long long)audit_dropped());
    rt_counters_t rc;
    rt_counters(&rc);
    buf_printf(&b,
               "# HELP kiln_invocations_started_total Invocations handed to a worker, by the thread that drove them.\n"
               "# TYPE kiln_invocations_started_total counter\n"
               "kiln_invocations_started_total{driver=\"http_thread\"} %llu\n"
               "kiln_invocations_started_total{driver=\"runtime_thread\"} %llu\n"
               "# HELP kiln_invocations_backlogged_total Invocations that waited for a busy worker of their full pool.\n"
               "# TYPE kiln_invocations_backlogged_total counter\nkiln_invocations_backlogged_total %llu\n"
               "# HELP kiln_invocations_demoted_total Running invocations an HTTP thread handed to the runtime thread.\n"
               "# TYPE kiln_invocations_demoted_total counter\nkiln_invocations_demoted_total %llu\n",
               (unsigned long long)rc.on_http_thread, (unsigned long long)rc.on_runtime_thread,
               (unsigned long long)rc.backlogged, (unsigned long long)rc.demoted);
    char *body = arena_strndup(kr->arena, b.ptr ? b.ptr : "", b.len);
    size_t len = b.len;
    buf_free(&b);
    reply_raw(kr, 200, "text/plain; version=0.0.4", body, len);
}
