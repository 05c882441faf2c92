#include "app/ops.h"

#include "app/ticks.h"

#include <string.h>

#include "auth/signkeys.h"
#include "base/buf.h"
#include "base/clock.h"
#include "http/bodygate.h"
#include "http/offload.h"
#include "http/reply.h"
#include "http/server.h"
#include "journal/audit.h"
#include "journal/fnlog.h"
#include "journal/ledger.h"
#include "platform/admin.h"
#include "platform/appmetrics.h"
#include "platform/deliver_metrics.h"
#include "platform/egress.h"
#include "platform/outbound.h"
#include "platform/proxycall.h"
#include "platform/remote.h"
#include "runtime/sandbox.h"
#include "runtime/supervisor.h"
#include "store/store_sites.h"

/* "sandbox" (workers are boxed), "unavailable" (the machine cannot build the box:
 * development apps run unboxed, others are refused) or "off" (--unsafe-no-sandbox). */
static const char *isolation_level(void)
{
    const sandbox_status_t *st = sandbox_status();
    return st->on ? "sandbox" : st->unsafe ? "off" : "unavailable";
}

void ops_healthz(kreq_t *kr)
{
    const char *body = arena_printf(kr->arena, "{\"status\":\"ok\",\"isolation\":\"%s\"}", isolation_level());
    reply_raw(kr, 200, "application/json", body, strlen(body));
}

void ops_jwks(kreq_t *kr)
{
    char *body;
    size_t len;
    if (!kreq_method_is(kr, "GET") && !kreq_method_is(kr, "HEAD")) {
        reply_error(kr, 405, 0, "Method Not Allowed");
        return;
    }
    if (signkeys_jwks(kr->store, kr->arena, clock_now_ms(), &body, &len) != 0) {
        reply_error(kr, 503, 0, "The signing keys are not available.");
        return;
    }
    /* Short: a verifier that meets an unknown kid refetches anyway (jose's remote JWK set). */
    reply_header(kr, "cache-control", "public, max-age=60");
    reply_raw(kr, 200, "application/json", body, len);
}

/* ---------------------------------------------------------------- /metrics: one provider per service */

static void requests(buf_t *b, kreq_t *kr)
{
    /* Other threads' counters are read without locks: a scrape may see a count a moment
     * old, never a torn one (aligned 64-bit loads). */
    http_server_t *srv = kr->thr->server;
    metrics_t *all[257];
    unsigned n = srv->nthreads < 256 ? srv->nthreads : 256;
    for (unsigned i = 0; i < n; i++)
        all[i] = srv->threads[i].metrics;
    if (proxycall_metrics()) /* product calls carried on worker pipes, counted by the runtime thread */
        all[n++] = proxycall_metrics();
    metrics_render(b, all, n);
}

static void sites(buf_t *b, kreq_t *kr)
{
    int64_t n = 0;
    if (store_site_count(kr->store, &n) == STORE_OK)
        buf_printf(b, "# HELP kiln_sites Sites on this kiln.\n# TYPE kiln_sites gauge\nkiln_sites %lld\n",
                   (long long)n);
}

/* Group commit (store.h): write commits and the fsyncs they shared. */
static void store_stats(buf_t *b, kreq_t *kr)
{
    uint64_t commits = 0, fsyncs = 0, held = 0;
    store_commit_stats(kr->store, &commits, &fsyncs, &held);
    buf_printf(
        b,
        "# HELP kiln_store_commits_total Write commits written to the store's log by this process.\n"
        "# TYPE kiln_store_commits_total counter\nkiln_store_commits_total %llu\n"
        "# HELP kiln_store_fsyncs_total Group fsyncs of the store's log (each covers every commit before "
        "it).\n# TYPE kiln_store_fsyncs_total counter\nkiln_store_fsyncs_total %llu\n"
        "# HELP kiln_store_answers_held_total Answers held, their thread serving others, until the syncer's "
        "fsync covered their writes.\n# TYPE kiln_store_answers_held_total counter\nkiln_store_answers_held_total "
        "%llu\n# HELP kiln_store_writes_stopped 1 once an fsync of the store failed: no writes until a restart "
        "(docs/store.md).\n# TYPE kiln_store_writes_stopped gauge\nkiln_store_writes_stopped %d\n",
        (unsigned long long)commits, (unsigned long long)fsyncs, (unsigned long long)held,
        store_writes_stopped(kr->store));
}

/* Store threads (http/offload.h): requests' store work off the event loops, PostgreSQL
 * only (0 threads on SQLite). jobs / batches is how many share a round of a thread. */
static void store_thread_stats(buf_t *b, kreq_t *kr)
{
    (void)kr;
    offload_stats_t s;
    offload_stats(&s);
    buf_printf(b,
               "# HELP kiln_store_threads Threads that run requests' store work off the event loops.\n"
               "# TYPE kiln_store_threads gauge\nkiln_store_threads %u\n"
               "# HELP kiln_store_thread_jobs_total Requests' store work run on store threads.\n"
               "# TYPE kiln_store_thread_jobs_total counter\nkiln_store_thread_jobs_total %llu\n"
               "# HELP kiln_store_thread_batches_total Batches those jobs ran in (jobs of one kind a thread "
               "took at once).\n# TYPE kiln_store_thread_batches_total counter\nkiln_store_thread_batches_total "
               "%llu\n# HELP kiln_store_thread_queued Jobs waiting for a store thread.\n"
               "# TYPE kiln_store_thread_queued gauge\nkiln_store_thread_queued %u\n"
               "# HELP kiln_store_thread_refused_total Jobs no store thread could take (the queue full): "
               "served on their event loop instead.\n# TYPE kiln_store_thread_refused_total counter\n"
               "kiln_store_thread_refused_total %llu\n",
               s.threads, (unsigned long long)s.jobs, (unsigned long long)s.batches, s.queued,
               (unsigned long long)s.refused);
}

/* Several nodes (store.h): what the change listener heard, how often it (re)opened its
 * session and lost it. All 0 on SQLite (one process, no listener). */
static void listener_stats(buf_t *b, kreq_t *kr)
{
    (void)kr;
    uint64_t v[3];
    store_listen_stats(&v[0], &v[1], &v[2]);
    static const char *const names[] = {
        "kiln_store_changes_heard_total Change notifications heard from the nodes sharing the store, this one's own "
        "included (PostgreSQL).",
        "kiln_store_listener_connects_total Sessions the change listener opened (the first, then each reconnect).",
        "kiln_store_listener_lost_total Times the change listener lost its session (every cache was then treated "
        "as stale).",
    };
    for (int i = 0; i < 3; i++) {
        int n = (int)strcspn(names[i], " ");
        buf_printf(b, "# HELP %s\n# TYPE %.*s counter\n%.*s %llu\n", names[i], n, names[i], n, names[i],
                   (unsigned long long)v[i]);
    }
}

/* Thread 0's purge turns (app/ticks.h): one node at a time runs them (docs/scale.md
 * "Purges across nodes"). */
static void purge_stats(buf_t *b, kreq_t *kr)
{
    (void)kr;
    ticks_purge_stats_t ps;
    ticks_purge_stats(&ps);
    buf_printf(b,
               "# HELP kiln_purge_turns_total Thread 0's purge turns (retention of uninstalled apps' data, final "
               "deliveries, sessions, sign-in links): run here, or skipped because another node was running them.\n"
               "# TYPE kiln_purge_turns_total counter\n"
               "kiln_purge_turns_total{outcome=\"ran\"} %llu\nkiln_purge_turns_total{outcome=\"skipped\"} %llu\n",
               (unsigned long long)ps.ran, (unsigned long long)ps.skipped);
}

/* What each journal (journal/journal.h) dropped because its queue was full. */
static void journal_stats(buf_t *b, kreq_t *kr)
{
    (void)kr;
    static const struct {
        const char *name, *help;
        uint64_t (*dropped)(void);
    } journals[] = {
        {"kiln_audit_dropped_total", "Audit events dropped because the audit queue was full.", audit_dropped},
        {"kiln_ledger_dropped_total", "Ledger records dropped because the ledger queue was full.", ledger_dropped},
        {"kiln_fnlog_dropped_total", "Invocations whose function log lines were dropped because the queue was full.",
         fnlog_dropped},
    };
    for (size_t i = 0; i < sizeof journals / sizeof *journals; i++)
        buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", journals[i].name, journals[i].help,
                   journals[i].name, journals[i].name, (unsigned long long)journals[i].dropped());
    /* what each lost with a batch the store refused (away: a PostgreSQL restarted) */
    static const struct {
        const char *journal;
        uint64_t (*records)(void), (*batches)(void);
    } lost[] = {
        {"audit", audit_unwritten, audit_unwritten_batches},
        {"ledger", ledger_unwritten, ledger_unwritten_batches},
        {"fnlog", fnlog_unwritten, fnlog_unwritten_batches},
    };
    buf_printf(b, "# HELP kiln_journal_unwritten_total Journal records lost because their batch could not be written "
                  "(the store unavailable or failing).\n# TYPE kiln_journal_unwritten_total counter\n");
    for (size_t i = 0; i < sizeof lost / sizeof *lost; i++)
        buf_printf(b, "kiln_journal_unwritten_total{journal=\"%s\"} %llu\n", lost[i].journal,
                   (unsigned long long)lost[i].records());
    buf_printf(b, "# HELP kiln_journal_unwritten_batches_total Journal batches the store refused (their records "
                  "lost).\n# TYPE kiln_journal_unwritten_batches_total counter\n");
    for (size_t i = 0; i < sizeof lost / sizeof *lost; i++)
        buf_printf(b, "kiln_journal_unwritten_batches_total{journal=\"%s\"} %llu\n", lost[i].journal,
                   (unsigned long long)lost[i].batches());
}

static void outbound_stats(buf_t *b, kreq_t *kr)
{
    (void)kr;
    outbound_stats_t os;
    outbound_get_stats(&os);
    static const char *const outbound_help[] = {
        "kiln_outbound_requests_total Outbound HTTP calls submitted (remotes, egress).",
        "kiln_outbound_completed_total Outbound HTTP calls answered (any result).",
        "kiln_outbound_reused_total Outbound HTTP calls carried on a kept connection.",
        "kiln_outbound_timeouts_total Outbound HTTP calls cut at their deadline.",
        "kiln_outbound_errors_total Outbound HTTP calls that failed to connect or broke off.",
        "kiln_outbound_too_big_total Outbound HTTP calls whose answer was over its cap.",
        "kiln_outbound_refused_total Outbound HTTP calls refused because the queue was full.",
        "kiln_outbound_sent_bytes_total Request body bytes sent by the outbound client.",
        "kiln_outbound_received_bytes_total Response body bytes received by the outbound client.",
        "kiln_remote_calls_total Calls to apps' remote backends (events and invokeRemote).",
        "kiln_remote_calls_ok_total Remote calls answered 2xx.",
        "kiln_remote_calls_failed_total Remote calls that failed after their retries (non-2xx, 3xx, timeout, "
        "unreachable).",
        "kiln_remote_retries_total Retried attempts of remote event deliveries.",
        "kiln_remote_transfers_total Requests kiln sent to remote backends (every attempt).",
        "kiln_remote_transfer_bytes_total Request body bytes kiln sent to remote backends.",
    };
    remote_stats_t rs;
    remote_get_stats(&rs);
    const uint64_t outbound_val[] = {os.requests, os.completed, os.reused,    os.timeouts,  os.errors,
                                     os.too_big,  os.refused,   os.bytes_out, os.bytes_in,  rs.calls,
                                     rs.ok,       rs.failed,    rs.retries,   rs.transfers, rs.transfer_bytes};
    for (size_t i = 0; i < sizeof outbound_val / sizeof *outbound_val; i++) {
        const char *sp = strchr(outbound_help[i], ' ');
        int nl = (int)(sp - outbound_help[i]);
        buf_printf(b, "# HELP %s\n# TYPE %.*s counter\n%.*s %llu\n", outbound_help[i], nl, outbound_help[i], nl,
                   outbound_help[i], (unsigned long long)outbound_val[i]);
    }
}

static void egress_stats(buf_t *b, kreq_t *kr)
{
    (void)kr;
    egress_stats_t es;
    egress_get_stats(&es);
    buf_printf(
        b,
        "# HELP kiln_egress_requests_total Outbound requests of functions, by outcome (docs/egress.md).\n"
        "# TYPE kiln_egress_requests_total counter\n"
        "kiln_egress_requests_total{outcome=\"sent\"} %llu\n"
        "kiln_egress_requests_total{outcome=\"refused\"} %llu\n"
        "kiln_egress_requests_total{outcome=\"rate_limited\"} %llu\n"
        "kiln_egress_requests_total{outcome=\"failed\"} %llu\n"
        "# HELP kiln_egress_bytes_total Bytes of function egress: request bodies sent, response bodies received.\n"
        "# TYPE kiln_egress_bytes_total counter\n"
        "kiln_egress_bytes_total{direction=\"out\"} %llu\n"
        "kiln_egress_bytes_total{direction=\"in\"} %llu\n",
        (unsigned long long)es.allowed, (unsigned long long)es.refused, (unsigned long long)es.rate_limited,
        (unsigned long long)es.failed, (unsigned long long)es.bytes_out, (unsigned long long)es.bytes_in);
}

static void invocation_stats(buf_t *b, kreq_t *kr)
{
    (void)kr;
    rt_counters_t rc;
    rt_counters(&rc);
    buf_printf(
        b,
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
}

static void bodygate_stats(buf_t *b, kreq_t *kr)
{
    (void)kr;
    bodygate_stats_t bs;
    bodygate_get_stats(&bs);
    buf_printf(b,
               "# HELP kiln_request_buffer_bytes Bytes of unfinished requests counted against the buffer limits "
               "(reserved for admitted bodies, or buffered if more).\n"
               "# TYPE kiln_request_buffer_bytes gauge\nkiln_request_buffer_bytes %llu\n"
               "# HELP kiln_request_buffer_workers_bytes The part of kiln_request_buffer_bytes held by workers' "
               "connections.\n"
               "# TYPE kiln_request_buffer_workers_bytes gauge\nkiln_request_buffer_workers_bytes %llu\n"
               "# HELP kiln_request_buffer_limit_bytes The buffer limits: in all, per client address, for workers.\n"
               "# TYPE kiln_request_buffer_limit_bytes gauge\n"
               "kiln_request_buffer_limit_bytes{scope=\"global\"} %llu\n"
               "kiln_request_buffer_limit_bytes{scope=\"client\"} %llu\n"
               "kiln_request_buffer_limit_bytes{scope=\"workers\"} %llu\n"
               "# HELP kiln_request_refusals_total Requests refused by the body gate before their body was read, "
               "by reason (docs/security.md).\n"
               "# TYPE kiln_request_refusals_total counter\n",
               (unsigned long long)bs.buffered, (unsigned long long)bs.workers_charged, (unsigned long long)bs.limit,
               (unsigned long long)bs.per_client, (unsigned long long)bs.workers);
    for (int i = 0; i < BODYGATE__REASONS; i++)
        buf_printf(b, "kiln_request_refusals_total{reason=\"%s\"} %llu\n", bodygate_reason_names[i],
                   (unsigned long long)bs.refused[i]);
}

static void isolation(buf_t *b, kreq_t *kr)
{
    (void)kr;
    const sandbox_status_t *sb = sandbox_status();
    buf_printf(b,
               "# HELP kiln_isolation_info How function workers are isolated (docs/security.md): level sandbox, "
               "unavailable or off.\n# TYPE kiln_isolation_info gauge\n"
               "kiln_isolation_info{level=\"%s\",netns=\"%d\",seccomp=\"%d\",cgroups=\"%.2s\"} 1\n",
               isolation_level(), sb->on && sb->netns, sb->seccomp_rules > 0,
               strncmp(sb->cgroups, "none", 4) == 0 ? "no" : sb->cgroups);
}

/* The delivery engine's counts and latencies (platform/deliver_metrics.h). */
static void delivery_stats(buf_t *b, kreq_t *kr)
{
    deliver_metrics_render(b, kr->store);
}

/* Apps' own @forge/metrics series, per app and environment (platform/appmetrics.h): only
 * to a scrape with the admin token. Their names and tags are strings the app chose, which
 * may hold what it read from a site; the rest of /metrics is kiln's own counts. */
static void app_metrics(buf_t *b, kreq_t *kr)
{
    if (admin_authorized(kr))
        appmetrics_render(b);
}

/* What /metrics shows, in order: the app is the one place that knows every service. */
static void (*const providers[])(buf_t *b, kreq_t *kr) = {
    requests,       sites,        store_stats,      store_thread_stats, listener_stats, purge_stats,    journal_stats,
    outbound_stats, egress_stats, invocation_stats, bodygate_stats,     isolation,      delivery_stats, app_metrics,
};

void ops_metrics(kreq_t *kr)
{
    buf_t b;
    buf_init(&b, 8 * 1024 * 1024); /* apps' series: at most APPMETRICS_SERIES_MAX, ~4 MB at their longest */
    for (size_t i = 0; i < sizeof providers / sizeof *providers; i++)
        providers[i](&b, kr);
    char *body = arena_strndup(kr->arena, b.ptr ? b.ptr : "", b.len);
    size_t len = b.len;
    buf_free(&b);
    reply_raw(kr, 200, "text/plain; version=0.0.4", body, len);
}
