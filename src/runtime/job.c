/* Jobs: their life from rt_submit to the answer (runtime/supervisor.h), the log lines an
 * invocation writes, and how invocations were driven (/metrics). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/json.h"
#include "journal/fnlog.h"
#include "runtime/rt_int.h"

rt_counters_t rt_counts;

rt_job_t *rt_job_new(void)
{
    return xcalloc(1, sizeof(rt_job_t));
}

void rt_job_free(rt_job_t *j)
{
    if (!j)
        return;
    free(j->snapshot);
    free(j->isolate);
    free(j->file);
    free(j->export_name);
    free(j->payload_json);
    free(j->context_json);
    free(j->app_context_json);
    free(j->env_json);
    free(j->inv.scopes);
    free(j->inv.egress);
    free(j->inv.imp_scopes);
    free(j->result_json);
    json_decref(j->metrics);
    json_decref(j->result);
    json_decref(j->logs);
    free(j);
}

void rt_wake(void)
{
    uint64_t one = 1;
    if (write(RT.wake_fd, &one, sizeof one) < 0) {
        /* the counter is saturated: the thread is awake anyway */
    }
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* why this thread's last rt_submit refused its job (rt_submit_refusal) */
static _Thread_local const char *submit_refusal;

int rt_submit(rt_job_t *job)
{
    if (rt_home && !job->prepare_only) {
        int rc = rt_lend(job);
        if (rc < 0)
            submit_refusal = "its app version's workers and their backlog are all taken";
        if (rc != 0)
            return rc > 0 ? 0 : -1; /* runs on a warm worker in this loop, waits in its pool's backlog, or full */
    }
    pthread_mutex_lock(&RT.mu);
    int running = RT.running, stopping = RT.stopping;
    int ok = running && !stopping && RT.queued + RT.nbacklog < RT_QUEUE_MAX;
    if (ok) {
        qnode_t *n = xcalloc(1, sizeof *n);
        n->job = job;
        if (RT.tail)
            RT.tail->next = n;
        else
            RT.head = n;
        RT.tail = n;
        RT.queued++;
    }
    pthread_mutex_unlock(&RT.mu);
    if (!ok) {
        submit_refusal = !running   ? "the function runtime is not running on this server"
                         : stopping ? "the function runtime is stopping"
                                    : "the function runtime's queue is full (" STR(RT_QUEUE_MAX) " jobs waiting)";
        return -1;
    }
    rt_wake();
    return 0;
}

const char *rt_submit_refusal(void)
{
    return submit_refusal ? submit_refusal : "the function runtime refused the job";
}

char *rt_error_json(const char *name, const char *message)
{
    json_t *e = json_pack("{s:s,s:s}", "name", name, "message", message);
    char *s = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    return s;
}

static void append_log(rt_job_t *job, const char *level, const char *message, int64_t time)
{
    if (!job->logs)
        job->logs = json_array();
    json_array_append_new(job->logs,
                          json_pack("{s:s,s:s,s:I}", "level", level, "message", message, "time", (json_int_t)time));
}

/* Logs of the running invocation, kept in a JSON array on the job, within the budgets: a
 * function that logs without end costs kiln a bounded amount of memory. */
void rt_add_log(rt_job_t *job, const char *level, const char *message, int64_t time)
{
    size_t len = strlen(message);
    if (json_array_size(job->logs) >= RT_LOGS_MAX || job->log_bytes + len > RT_LOG_BYTES_MAX) {
        job->logs_dropped++;
        return;
    }
    job->log_bytes += len;
    append_log(job, level, message, time);
}

static rt_metrics_fn metrics_sink;

void rt_set_metrics_sink(rt_metrics_fn sink)
{
    __atomic_store_n(&metrics_sink, sink, __ATOMIC_RELEASE);
}

/* Hands the finished job back to its thread: through its message queue, or, on that very
 * thread (a lent worker's result), by calling job->done at once. Its token dies here. */
void rt_finish_to(rt_job_t *job, enum rt_status st, char *result, int direct)
{
    if (job->token[0])
        invocation_end(job->token);
    job->token[0] = '\0';
    job->status = st;
    free(job->result_json);
    job->result_json = result || (st == RT_OK && job->result) ? result : rt_error_json("Error", "no result");
    job->finished_ms = clock_now_ms();
    if (job->logs_dropped) { /* past the budgets: said once, and the fault line below still goes */
        char line[160];
        snprintf(line, sizeof line,
                 "kiln: %u more log lines were dropped: an invocation keeps at most %d lines and %d KiB of them",
                 job->logs_dropped, RT_LOGS_MAX, RT_LOG_BYTES_MAX / 1024);
        append_log(job, "warn", line, job->finished_ms);
    }
    if (st != RT_OK && job->inv.id[0]) {
        /* what went wrong goes to the developer's logs, never to the caller */
        json_t *e = json_loads(job->result_json, 0, NULL);
        const char *name = json_str(e, "name"), *msg = json_str(e, "message");
        char *line = NULL;
        if (asprintf(&line, "%s: %s", name ? name : "Error", msg ? msg : "failed") < 0)
            line = NULL;
        append_log(job, "error", line ? line : "failed", job->finished_ms);
        free(line);
        json_decref(e);
    }
    rt_metrics_fn sink = __atomic_load_n(&metrics_sink, __ATOMIC_ACQUIRE);
    if (job->metrics && sink && job->inv.app_id[0])
        sink(&job->inv, job->metrics);
    json_decref(job->metrics);
    job->metrics = NULL;
    /* the logs go first: the job belongs to its thread once sent (fnlog copies inv's ids) */
    fnlog_record(&job->inv, job->logs);
    job->logs = NULL;
    if (job->inv.id[0]) { /* and how it ended: `kiln dev` prints it (GET /admin/v1/logs?invocations=1) */
        static const char *const outcome[] = {[RT_OK] = "ok",
                                              [RT_ERROR] = "error",
                                              [RT_TIMEOUT] = "timeout",
                                              [RT_CRASH] = "crash",
                                              [RT_OVERLOAD] = "overload",
                                              [RT_SETUP] = "setup-failed",
                                              [RT_NOSTART] = "not-started"};
        char line[64];
        snprintf(line, sizeof line, "%s in %lld ms",
                 (unsigned)st < sizeof outcome / sizeof *outcome ? outcome[st] : "error",
                 (long long)(job->started_ms ? job->finished_ms - job->started_ms : 0));
        fnlog_line(&job->inv, FNLOG_INVOCATION, line);
    }
    if (direct)
        job->c.done(&job->c);
    else
        completion_send(&job->c);
}

void rt_finish(rt_job_t *job, enum rt_status st, char *result)
{
    rt_finish_to(job, st, result, 0);
}

void rt_counters(rt_counters_t *out)
{
    out->on_http_thread = __atomic_load_n(&rt_counts.on_http_thread, __ATOMIC_RELAXED);
    out->on_runtime_thread = __atomic_load_n(&rt_counts.on_runtime_thread, __ATOMIC_RELAXED);
    out->backlogged = __atomic_load_n(&rt_counts.backlogged, __ATOMIC_RELAXED);
    out->demoted = __atomic_load_n(&rt_counts.demoted, __ATOMIC_RELAXED);
}
