#include "http/ops.h"

#include "base/buf.h"
#include "gateway/audit.h"
#include "gateway/ledger.h"
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
    buf_printf(&b,
               "# HELP kiln_ledger_dropped_total Ledger records and leak warnings dropped because the ledger queue "
               "was full.\n# TYPE kiln_ledger_dropped_total counter\nkiln_ledger_dropped_total %llu\n",
               (unsigned long long)ledger_dropped());
    char *body = arena_strndup(kr->arena, b.ptr ? b.ptr : "", b.len);
    size_t len = b.len;
    buf_free(&b);
    reply_raw(kr, 200, "text/plain; version=0.0.4", body, len);
}
