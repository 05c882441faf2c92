#include "runtime/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "http/metrics.h"
#include "platform/proxycall.h"
#include "runtime/sandbox.h"
#include "runtime/unpack.h"
#include "store/store.h"
#include "store/store_journal.h"

extern char **environ;

#define RT_POOLS_MAX 64
#define RT_LOGS_MAX 1000                     /* log lines kept per invocation */
#define RT_PIPE_BYTES (1024 * 1024)          /* pipe capacity asked for (F_SETPIPE_SZ) */
#define RT_UNPACK_MAX_BYTES (10240ull << 20) /* deploy checked the configured limit already */
#define RT_MAX_AGE_MS (30 * 60 * 1000)       /* an idle worker older than this is retired */
#define RT_ZOMBIES_MAX 64                    /* cgroups of dead workers the kernel still tears down */

typedef struct pool pool_t;

/* Who drives a worker (R.mu guards the state; the driver alone touches the rest):
 *   OWNED     the runtime thread: starting, running a job it placed, or about to be
 *             released; only OWNED workers are in its poll set.
 *   RELEASED  idle and warm; nobody reads its pipes. An HTTP thread may take it (LENT),
 *             the runtime thread may take it back (to place a queued job, or to reap it).
 *   LENT      an HTTP thread runs one invocation on it in its own event loop (rt_submit's
 *             fast path): the invoke frame, the product calls on the pipe, the result.
 *   DEMOTED   the HTTP thread gave it back mid-way (the worker exited or misbehaved, a
 *             frame did not fit the pipe): the runtime thread takes it over, job and all. */
enum wstate { W_OWNED = 0, W_RELEASED, W_LENT, W_DEMOTED };

typedef struct worker {
    pid_t pid;          /* box.pid */
    sandbox_proc_t box; /* its sandbox (runtime/sandbox.h) */
    int64_t born_ms;
    int to_fd, from_fd, out_fd, err_fd;
    pool_t *pool;
    rt_job_t *job;
    int ready;
    int64_t idle_since_ms;
    buf_t in, out, err; /* partial lines */
    buf_t wbuf;         /* frame being written */
    size_t woff;
    /* ---- lending (R.mu) ---- */
    enum wstate state;
    int64_t lend_deadline_ms; /* LENT: the job's deadline, enforced by the runtime thread */
    int timed_out;            /* LENT: killed by the runtime thread at the deadline */
    const char *kill_why;     /* DEMOTED: kill it with this reason (a static string) */
    /* ---- the lending HTTP thread's ---- */
    h2o_socket_t *rsock; /* fd 4 in that thread's loop */
} worker_t;

typedef struct qnode {
    rt_job_t *job;
    int64_t since_ms; /* backlog: when it was queued */
    struct qnode *next;
} qnode_t;

/* A backlog's oldest job goes first; a job of the finishing thread's own (answered without
 * a hop) may pass it while the oldest has waited less than this. */
#define RT_BACKLOG_PREFER_MS 2

struct pool {
    char *snapshot; /* key, with memory_mb and isolate */
    char *isolate;  /* the installation of an isolated pool, or NULL (shared by installations) */
    unsigned memory_mb;
    char *dir; /* extracted snapshot */
    worker_t *workers[RT_POOL_MAX];
    unsigned n;
    /* R.mu: jobs of this version that wait for one of its workers, the pool being full;
     * whoever drives a worker of it next (an HTTP thread or the runtime thread) runs them */
    qnode_t *backlog;
};

/* A snapshot being extracted on a thread of its own, so the runtime thread keeps
 * serving other versions meanwhile. The list is the runtime thread's; `done`, `dir` and
 * `err` are written by the unpack thread under R.mu. */
typedef struct unpack {
    char *snapshot;
    pthread_t tid;
    int done;
    char *dir; /* heap; NULL when it failed */
    char err[256];
    struct unpack *next;
} unpack_t;

static struct {
    char *data_dir, *proxy_url, *node;
    pthread_t tid;
    int wake_fd, running;
    pthread_mutex_t mu; /* guards the queue and `stopping` */
    qnode_t *head, *tail;
    unsigned queued;
    int stopping;
    /* runtime thread only */
    pool_t pools[RT_POOLS_MAX];
    unsigned npools;
    worker_t *workers[RT_WORKERS_MAX];
    unsigned nworkers;
    qnode_t *waiting;   /* jobs taken from the queue, not yet on a worker (runtime thread) */
    unpack_t *unpacks;  /* snapshots being extracted (runtime thread) */
    store_t *store;     /* the runtime thread's handle, for logs */
    store_t *pstore;    /* its handle for product calls carried on worker pipes (durable) */
    metrics_t *metrics; /* their replies, for /metrics (written by the runtime thread only) */
    char *public_url;
    unsigned proxy_rate;
    unsigned next_worker_id;                /* names workers' cgroups */
    sandbox_proc_t zombies[RT_ZOMBIES_MAX]; /* boxes whose cgroup could not be removed yet */
    unsigned nzombies;
    /* R.mu */
    unsigned nwaiting;       /* jobs in R.waiting: a returned worker wakes the runtime for them */
    unsigned nbacklog;       /* jobs in pools' backlogs (with `queued`, at most RT_QUEUE_MAX) */
    int64_t planned_wake_ms; /* when the runtime thread's poll ends at the latest */
    struct logq *logq;       /* logs of lent invocations, saved by the runtime thread */
} R = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake_fd = -1};

/* An invocation's console output, saved by the runtime thread (its store handle). */
typedef struct logq {
    invocation_t inv;
    json_t *logs;
    struct logq *next;
} logq_t;

/* The HTTP thread this is, when rt_bind_thread was called on it (NULL elsewhere). */
typedef struct rt_home {
    h2o_loop_t *loop;
    h2o_multithread_receiver_t *receiver; /* where this thread's jobs are answered */
    store_t *st;
    struct metrics *metrics;
} rt_home_t;
static __thread rt_home_t home_of_thread;
static __thread rt_home_t *home;

/* Whether `job` runs in pool p: its version (snapshot), memory limit, and, for an
 * environment with isolation: installation, its installation. */
static int pool_matches(const pool_t *p, const rt_job_t *job)
{
    return p->memory_mb == job->memory_mb && strcmp(p->snapshot, job->snapshot) == 0 && !p->isolate == !job->isolate &&
           (!job->isolate || strcmp(p->isolate, job->isolate) == 0);
}

/* How invocations were driven (relaxed atomics; /metrics): see rt_counters_t. */
static rt_counters_t counters;
#define COUNT(field) __atomic_add_fetch(&counters.field, 1, __ATOMIC_RELAXED)

void rt_counters(rt_counters_t *out)
{
    out->on_http_thread = __atomic_load_n(&counters.on_http_thread, __ATOMIC_RELAXED);
    out->on_runtime_thread = __atomic_load_n(&counters.on_runtime_thread, __ATOMIC_RELAXED);
    out->backlogged = __atomic_load_n(&counters.backlogged, __ATOMIC_RELAXED);
    out->demoted = __atomic_load_n(&counters.demoted, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ jobs */

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
    free(j->result_json);
    json_decref(j->result);
    json_decref(j->logs);
    free(j);
}

static void wake(void)
{
    uint64_t one = 1;
    if (write(R.wake_fd, &one, sizeof one) < 0) {
        /* the counter is saturated: the thread is awake anyway */
    }
}

static int lend(rt_job_t *job);

int rt_submit(rt_job_t *job)
{
    if (home && !job->prepare_only) {
        int rc = lend(job);
        if (rc != 0)
            return rc > 0 ? 0 : -1; /* runs on a warm worker in this loop, waits in its pool's backlog, or full */
    }
    pthread_mutex_lock(&R.mu);
    int ok = R.running && !R.stopping && R.queued + R.nbacklog < RT_QUEUE_MAX;
    if (ok) {
        qnode_t *n = xcalloc(1, sizeof *n);
        n->job = job;
        if (R.tail)
            R.tail->next = n;
        else
            R.head = n;
        R.tail = n;
        R.queued++;
    }
    pthread_mutex_unlock(&R.mu);
    if (!ok)
        return -1;
    wake();
    return 0;
}

void rt_on_messages(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        rt_job_t *job = (rt_job_t *)messages->next;
        h2o_linklist_unlink(&job->msg.link);
        job->done(job);
    }
}

static char *error_json(const char *name, const char *message)
{
    json_t *e = json_pack("{s:s,s:s}", "name", name, "message", message);
    char *s = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    return s;
}

/* Writes the invocation's captured console output to the store (kiln logs). Runs on
 * the runtime thread, with its own handle on relaxed durability: logs are not
 * acknowledged writes, and an fsync per invocation would cost every function call. */
static void save_logs(const invocation_t *inv, json_t *arr)
{
    if (!R.store || !arr)
        return;
    size_t n = json_array_size(arr);
    log_rec_t *recs = n ? xcalloc(n, sizeof *recs) : NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *l = json_array_get(arr, i);
        recs[i] = (log_rec_t){
            .site_id = inv->site_id,
            .installation_id = inv->installation_id,
            .app_id = inv->app_id,
            .invocation_id = inv->id,
            .module_key = inv->module_key,
            .level = json_str(l, "level") ? json_str(l, "level") : "log",
            .message = json_str(l, "message") ? json_str(l, "message") : "",
            .time_ms = json_integer_value(json_object_get(l, "time")),
        };
    }
    if (n && store_logs_insert(R.store, recs, n) != STORE_OK)
        log_msg(LOG_WARN, "runtime: cannot save function logs", NULL);
    free(recs);
}

/* Logs of the running invocation, kept in a JSON array on the job. */
static void add_log(rt_job_t *job, const char *level, const char *message, int64_t time)
{
    if (!job->logs)
        job->logs = json_array();
    if (json_array_size(job->logs) < RT_LOGS_MAX)
        json_array_append_new(job->logs,
                              json_pack("{s:s,s:s,s:I}", "level", level, "message", message, "time", (json_int_t)time));
}

/* Saves an invocation's logs on the runtime thread; an HTTP thread queues them for it
 * (its store handle is for acknowledged writes). Takes `logs`. */
static void keep_logs(const invocation_t *inv, json_t *logs)
{
    if (!logs || json_array_size(logs) == 0) {
        json_decref(logs);
        return;
    }
    if (!home) {
        save_logs(inv, logs);
        json_decref(logs);
        return;
    }
    logq_t *q = xcalloc(1, sizeof *q);
    q->inv = *inv;
    q->inv.scopes = NULL;
    q->logs = logs;
    pthread_mutex_lock(&R.mu);
    logq_t **end = &R.logq;
    while (*end)
        end = &(*end)->next;
    *end = q;
    pthread_mutex_unlock(&R.mu);
    wake();
}

/* The queued logs of lent invocations, saved (runtime thread). */
static void save_queued_logs(void)
{
    pthread_mutex_lock(&R.mu);
    logq_t *q = R.logq;
    R.logq = NULL;
    pthread_mutex_unlock(&R.mu);
    while (q) {
        logq_t *next = q->next;
        save_logs(&q->inv, q->logs);
        json_decref(q->logs);
        free(q);
        q = next;
    }
}

/* Hands the finished job back to its thread: through its message queue, or, on that very
 * thread (a lent worker's result), by calling job->done at once. Its token dies here. */
static void finish_to(rt_job_t *job, enum rt_status st, char *result, int direct)
{
    if (job->token[0])
        invocation_end(job->token);
    job->token[0] = '\0';
    job->status = st;
    free(job->result_json);
    job->result_json = result || (st == RT_OK && job->result) ? result : error_json("Error", "no result");
    job->finished_ms = clock_now_ms();
    if (st != RT_OK && job->inv.id[0]) {
        /* what went wrong goes to the developer's logs, never to the caller */
        json_t *e = json_loads(job->result_json, 0, NULL);
        const char *name = json_str(e, "name"), *msg = json_str(e, "message");
        char *line = NULL;
        if (asprintf(&line, "%s: %s", name ? name : "Error", msg ? msg : "failed") < 0)
            line = NULL;
        add_log(job, "error", line ? line : "failed", job->finished_ms);
        free(line);
        json_decref(e);
    }
    invocation_t inv = job->inv; /* the job belongs to its thread once sent */
    inv.scopes = NULL;
    json_t *logs = job->logs;
    job->logs = NULL;
    if (direct)
        job->done(job);
    else
        h2o_multithread_send_message(job->receiver, &job->msg);
    keep_logs(&inv, logs);
}

static void finish(rt_job_t *job, enum rt_status st, char *result)
{
    finish_to(job, st, result, 0);
}

/* ------------------------------------------------------------------ snapshots */

/* DATA/unpacked/<app>/<env>/<name> for snapshots/<app>/<env>/<name>.tar, or -1. */
static int unpacked_path(const char *snapshot, char *out, size_t outlen)
{
    const char *rel = strncmp(snapshot, "snapshots/", 10) == 0 ? snapshot + 10 : snapshot;
    size_t rl = strlen(rel);
    if (rl < 5 || strcmp(rel + rl - 4, ".tar") != 0 || strstr(rel, "..") || rel[0] == '/')
        return -1;
    return (size_t)snprintf(out, outlen, "%s/unpacked/%.*s", R.data_dir, (int)(rl - 4), rel) < outlen ? 0 : -1;
}

/* Extracts the snapshot once (runtime/unpack.h); returns the directory (heap) or NULL
 * with err. */
static char *extract(const char *snapshot, char *err, size_t errlen)
{
    char tar[PATH_MAX + 64], dir[PATH_MAX + 64];
    if (unpacked_path(snapshot, dir, sizeof dir) != 0) {
        snprintf(err, errlen, "bad snapshot path");
        return NULL;
    }
    snprintf(tar, sizeof tar, "%s/%s", R.data_dir, snapshot);
    if (unpack_extract(tar, dir, RT_UNPACK_MAX_BYTES, err, errlen) < 0)
        return NULL;
    return xstrdup(dir);
}

static void *unpack_main(void *arg)
{
    unpack_t *u = arg;
    char err[sizeof u->err];
    char *dir = extract(u->snapshot, err, sizeof err);
    pthread_mutex_lock(&R.mu);
    u->dir = dir;
    if (!dir)
        snprintf(u->err, sizeof u->err, "%s", err);
    u->done = 1;
    pthread_mutex_unlock(&R.mu);
    wake();
    return NULL;
}

/* The extracted directory of a snapshot, without waiting for the disk: 1 and *dir (heap)
 * when it is ready, 0 while a thread of its own extracts it (the runtime thread is woken
 * when it ends), -1 with err when it failed. A failure is reported once; the next call
 * tries again. */
static int snapshot_dir(const char *snapshot, char **dir, char *err, size_t errlen)
{
    unpack_t **pp = &R.unpacks;
    while (*pp && strcmp((*pp)->snapshot, snapshot) != 0)
        pp = &(*pp)->next;
    unpack_t *u = *pp;
    if (!u) {
        /* already on disk (an earlier run, another pool of this version): no thread */
        char probe[PATH_MAX + 64];
        if (unpacked_path(snapshot, probe, sizeof probe) == 0 && access(probe, F_OK) == 0) {
            *dir = xstrdup(probe);
            return 1;
        }
        u = xcalloc(1, sizeof *u);
        u->snapshot = xstrdup(snapshot);
        if (pthread_create(&u->tid, NULL, unpack_main, u) != 0) {
            free(u->snapshot);
            free(u);
            snprintf(err, errlen, "cannot start a thread to unpack the snapshot");
            return -1;
        }
        u->next = R.unpacks;
        R.unpacks = u;
        return 0;
    }
    pthread_mutex_lock(&R.mu);
    int done = u->done;
    pthread_mutex_unlock(&R.mu);
    if (!done)
        return 0;
    pthread_join(u->tid, NULL);
    *pp = u->next;
    int rc = u->dir ? 1 : -1;
    *dir = u->dir;
    if (!u->dir)
        snprintf(err, errlen, "%s", u->err);
    free(u->snapshot);
    free(u);
    return rc;
}

/* ------------------------------------------------------------------ workers */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void worker_free(worker_t *w)
{
    close_fd(&w->to_fd);
    close_fd(&w->from_fd);
    close_fd(&w->out_fd);
    close_fd(&w->err_fd);
    buf_free(&w->in);
    buf_free(&w->out);
    buf_free(&w->err);
    buf_free(&w->wbuf);
    free(w);
}

/* Removes the cgroups of dead workers that the kernel has finished tearing down. */
static void reap_zombies(void)
{
    for (unsigned i = 0; i < R.nzombies;)
        if (sandbox_release(&R.zombies[i]) == 0)
            R.zombies[i] = R.zombies[--R.nzombies];
        else
            i++;
}

/* Why a worker's process ended, for its invocation's error: out of memory (the box's
 * cgroup saw an OOM kill, or V8 said so), else `other`. */
static const char *exit_reason(worker_t *w, const char *other)
{
    int oom = sandbox_oom_killed(&w->box);
    size_t li;
    json_t *l;
    if (!oom && w->job)
        json_array_foreach(w->job->logs, li, l) oom |=
            json_str(l, "message") && strstr(json_str(l, "message"), "heap out of memory") != NULL;
    return oom ? "the function ran out of memory" : other;
}

/* Kills a worker and forgets it; its job (if any) ends with `st`. */
static void worker_kill(worker_t *w, enum rt_status st, const char *why)
{
    if (w->pid > 0) {
        kill(w->pid, SIGKILL); /* bwrap: its death ends every process of the box */
        waitpid(w->pid, NULL, 0);
    }
    if (sandbox_release(&w->box) != 0) {
        if (R.nzombies < RT_ZOMBIES_MAX)
            R.zombies[R.nzombies++] = w->box;
        else
            log_msg(LOG_WARN, "runtime: a dead worker's cgroup stays behind", NULL);
    }
    if (w->job) {
        finish(w->job, st, error_json(st == RT_TIMEOUT ? "TimeoutError" : "WorkerError", why));
        w->job = NULL;
    }
    pool_t *p = w->pool;
    pthread_mutex_lock(&R.mu); /* HTTP threads look for released workers in these */
    for (unsigned i = 0; i < p->n; i++)
        if (p->workers[i] == w) {
            p->workers[i] = p->workers[--p->n];
            break;
        }
    for (unsigned i = 0; i < R.nworkers; i++)
        if (R.workers[i] == w) {
            R.workers[i] = R.workers[--R.nworkers];
            break;
        }
    pthread_mutex_unlock(&R.mu);
    worker_free(w);
}

static int set_nonblock(int fd)
{
    return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static worker_t *worker_spawn(pool_t *p, char *err, size_t errlen)
{
    int to[2] = {-1, -1}, from[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(er, O_CLOEXEC)) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    char mem[64], worker_js[PATH_MAX + 16];
    sandbox_view_t view;
    sandbox_view(p->dir, &view);
    snprintf(mem, sizeof mem, "--max-old-space-size=%u", p->memory_mb);
    snprintf(worker_js, sizeof worker_js, "%s/worker.js", view.runtime_dir);
    char *argv[] = {R.node, mem, worker_js, NULL};
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production", "NODE_NO_WARNINGS=1", "HOME=/tmp",
                    NULL};
    int fds[5] = {-1, out[1], er[1], to[0], from[1]};
    sandbox_spawn_t spec = {.app_dir = p->dir,
                            .slot = (unsigned)(p - R.pools),
                            .id = ++R.next_worker_id,
                            .memory_mb = p->memory_mb,
                            .argv = argv,
                            .envp = envp,
                            .fds = fds,
                            .nfds = 5};
    sandbox_proc_t box;
    char why[256];
    if (sandbox_spawn(&spec, &box, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot start the worker: %s", why);
        goto fail;
    }
    pid_t pid = box.pid;
    close(to[0]);
    close(from[1]);
    close(out[1]);
    close(er[1]);
    worker_t *w = xcalloc(1, sizeof *w);
    w->pid = pid;
    w->box = box;
    w->born_ms = clock_now_ms();
    w->to_fd = to[1];
    w->from_fd = from[0];
    w->out_fd = out[0];
    w->err_fd = er[0];
    w->pool = p;
    buf_init(&w->in, RT_MAX_FRAME + 65536); /* a whole read can land on top of a frame just under the cap */
    buf_init(&w->out, 65536);
    buf_init(&w->err, 65536);
    buf_init(&w->wbuf, RT_MAX_FRAME + PROXYCALL_MAX_RESPONSE_FRAME);
    set_nonblock(w->to_fd);
    set_nonblock(w->from_fd);
    set_nonblock(w->out_fd);
    set_nonblock(w->err_fd);
    /* room for big frames and bursts of raw output: a lent worker's stdout and stderr
     * are read only when its invocation ends (best effort: the default stays otherwise) */
    (void)fcntl(w->to_fd, F_SETPIPE_SZ, RT_PIPE_BYTES);
    (void)fcntl(w->out_fd, F_SETPIPE_SZ, RT_PIPE_BYTES);
    (void)fcntl(w->err_fd, F_SETPIPE_SZ, RT_PIPE_BYTES);
    w->state = W_OWNED;
    pthread_mutex_lock(&R.mu);
    p->workers[p->n++] = w;
    R.workers[R.nworkers++] = w;
    pthread_mutex_unlock(&R.mu);
    return w;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&to[i]);
        close_fd(&from[i]);
        close_fd(&out[i]);
        close_fd(&er[i]);
    }
    return NULL;
}

/* Builds the invoke frame and starts writing it. */
/* Writes what the pipe takes now of the frames waiting for the worker; the poll loop
 * writes the rest when fd 3 is writable. */
static void worker_flush(worker_t *w)
{
    while (w->woff < w->wbuf.len) {
        ssize_t k = write(w->to_fd, w->wbuf.ptr + w->woff, w->wbuf.len - w->woff);
        if (k <= 0)
            return; /* EAGAIN: later; an error: the worker's exit is seen on fd 4 */
        w->woff += (size_t)k;
    }
}

static void worker_start_job(worker_t *w, rt_job_t *job)
{
    job->started_ms = clock_now_ms();
    if (invocation_begin(&job->inv, job->token) != 0) {
        job->token[0] = '\0';
        finish(job, RT_OVERLOAD, error_json("Error", "too many invocations at once"));
        return;
    }
    char bundle[PATH_MAX * 2];
    sandbox_view_t view;
    sandbox_view(w->pool->dir, &view);
    snprintf(bundle, sizeof bundle, "%s/.kiln/functions/%s.cjs", view.app_dir, job->file);
    if (w->woff == w->wbuf.len) {
        buf_reset(&w->wbuf);
        w->woff = 0;
    }
    size_t start = w->wbuf.len; /* an answer to a late call of the last invocation may be ahead */
    jsonw_t jw;
    jw_init(&jw, &w->wbuf);
    jw_obj(&jw);
    jw_kstr(&jw, "type", "invoke");
    jw_kstr(&jw, "id", job->inv.id);
    jw_kstr(&jw, "bundle", bundle);
    jw_kstr(&jw, "export", job->export_name);
    jw_key(&jw, "payload");
    jw_raw(&jw, job->payload_json, strlen(job->payload_json));
    jw_key(&jw, "context");
    jw_raw(&jw, job->context_json, strlen(job->context_json));
    jw_key(&jw, "runtime");
    jw_obj(&jw);
    jw_key(&jw, "appContext");
    jw_raw(&jw, job->app_context_json, strlen(job->app_context_json));
    jw_key(&jw, "proxy");
    jw_obj(&jw);
    jw_kstr(&jw, "url", R.proxy_url);
    jw_kstr(&jw, "token", job->token);
    jw_kbool(&jw, "pipe", 1); /* __forge_fetch__ may carry calls on fd 4 (platform/proxycall.h) */
    if (view.proxy_socket)
        jw_kstr(&jw, "socket", view.proxy_socket); /* HTTP to kiln goes over this Unix socket */
    jw_obj_end(&jw);
    jw_key(&jw, "contextAri");
    JW_STRCAT(&jw, "ari:cloud:jira::site/", job->inv.cloud_id);
    jw_kint(&jw, "deadline", job->deadline_ms);
    unsigned char trace[24]; /* b3 ids: 16 bytes of trace, 8 of span (cheaper here than in the worker) */
    char trace_hex[2 * sizeof trace + 1];
    enc_random(trace, sizeof trace);
    enc_hex(trace_hex, trace, sizeof trace);
    jw_key(&jw, "tracing");
    jw_obj(&jw);
    jw_key(&jw, "traceId");
    jw_strn(&jw, trace_hex, 32);
    jw_key(&jw, "spanId");
    jw_strn(&jw, trace_hex + 32, 16);
    jw_obj_end(&jw);
    jw_obj_end(&jw);
    jw_key(&jw, "env");
    jw_raw(&jw, job->env_json ? job->env_json : "{}", strlen(job->env_json ? job->env_json : "{}"));
    jw_obj_end(&jw);
    if (jw.err || buf_add(&w->wbuf, "\n", 1) != 0) {
        w->wbuf.len = start;
        finish(job, RT_ERROR, error_json("Error", "the invocation is too large (payload over 5 MB)"));
        return;
    }
    w->job = job;
    if (home)
        COUNT(on_http_thread);
    else
        COUNT(on_runtime_thread);
    worker_flush(w);
}

/* The value of an ok result frame, detached from it: the job owns it whole, so nothing
 * on this thread holds a reference once the job is sent. */
static void take_result(rt_job_t *job, json_t *f)
{
    json_t *v = json_incref(json_object_get(f, "value"));
    json_object_del(f, "value");
    json_decref(job->result);
    job->result = v ? v : json_null();
}

/* Handles one complete line from fd 4 (runtime thread). Returns -1 when the worker was
 * killed (w is gone), else 0. */
static int worker_frame(worker_t *w, const char *line, size_t len)
{
    json_err_t jerr;
    json_t *f = json_parse_limited(line, len, 128, &jerr);
    const char *type = f ? json_str(f, "type") : NULL;
    if (!type) {
        json_decref(f);
        worker_kill(w, RT_CRASH, "the function's worker sent a malformed message");
        return -1;
    }
    if (strcmp(type, "fetch") == 0) {
        /* a product call on the pipe: answered at once, in order, on fd 3 */
        if (w->woff == w->wbuf.len) {
            buf_reset(&w->wbuf);
            w->woff = 0;
        }
        if (proxycall_serve(R.pstore, R.metrics, R.public_url, R.proxy_rate, w->job ? w->job->inv.id : NULL, f,
                            &w->wbuf) != 0) {
            json_decref(f);
            worker_kill(w, RT_CRASH, "the function's worker sent a malformed message");
            return -1;
        }
        worker_flush(w);
    } else if (strcmp(type, "ready") == 0) {
        w->ready = 1;
        w->idle_since_ms = clock_now_ms();
    } else if (w->job && json_str(f, "id") && strcmp(json_str(f, "id"), w->job->inv.id) != 0) {
        /* a frame about another invocation (app code writing to fd 4): ignored */
    } else if (strcmp(type, "log") == 0 && w->job) {
        const char *lvl = json_str(f, "level"), *msg = json_str(f, "message");
        add_log(w->job, lvl ? lvl : "log", msg ? msg : "", json_integer_value(json_object_get(f, "time")));
    } else if (strcmp(type, "result") == 0 && w->job) {
        rt_job_t *job = w->job;
        w->job = NULL;
        w->idle_since_ms = clock_now_ms();
        if (json_is_true(json_object_get(f, "ok"))) {
            take_result(job, f);
            finish(job, RT_OK, NULL);
        } else
            finish(job, RT_ERROR, json_dumps(json_object_get(f, "error"), JSON_COMPACT | JSON_ENCODE_ANY));
    }
    json_decref(f);
    return 0;
}

/* Handles the complete lines in b (they are consumed). -1 when the worker was killed. */
static int lines(worker_t *w, buf_t *b, int (*on_line)(worker_t *, const char *, size_t))
{
    char *start = b->ptr, *nl;
    while (b->len && (nl = memchr(start, '\n', b->len - (size_t)(start - b->ptr)))) {
        if (on_line(w, start, (size_t)(nl - start)) < 0)
            return -1;
        start = nl + 1;
    }
    size_t rest = b->len - (size_t)(start - b->ptr);
    if (rest && start != b->ptr)
        memmove(b->ptr, start, rest);
    b->len = rest;
    return 0;
}

/* Reads what is available on fd; splits lines into `on_line`. -1 on EOF/error, -2 on a
 * line over the frame limit, -3 when the worker was killed while handling a line. */
static int drain(worker_t *w, int fd, buf_t *b, int (*on_line)(worker_t *, const char *, size_t))
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n == 0)
            return -1;
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        if (buf_add(b, chunk, (size_t)n) != 0)
            return -2; /* a line over the frame limit */
        if (lines(w, b, on_line) < 0)
            return -3; /* the worker was killed while handling a line */
    }
}

static int out_line(worker_t *w, const char *line, size_t len)
{
    char *s = strndup(line, len);
    if (w->job)
        add_log(w->job, "info", s, clock_now_ms());
    free(s);
    return 0;
}

static int err_line(worker_t *w, const char *line, size_t len)
{
    char *s = strndup(line, len);
    if (w->job)
        add_log(w->job, strstr(s, "heap out of memory") ? "fatal" : "error", s, clock_now_ms());
    else
        log_msg(LOG_DEBUG, "worker stderr", "line", s, NULL);
    free(s);
    return 0;
}

/* ------------------------------------------------------------------ lending
 * rt_submit's fast path: an HTTP thread takes a warm, released worker of the job's
 * version and runs the invocation in its own event loop — the invoke frame, the product
 * calls the function carries on its pipe (served through the same /_proxy pipeline, with
 * this thread's store handle and metrics), the result — with no hop through the runtime
 * thread either way. Anything out of the ordinary (the worker exits or is killed at its
 * deadline, a malformed frame, a frame the pipe does not take at once) demotes the worker
 * to the runtime thread, which carries on from there exactly as for its own jobs. */

void rt_bind_thread(h2o_loop_t *loop, h2o_multithread_receiver_t *receiver, store_t *st, struct metrics *m)
{
    home_of_thread = (rt_home_t){.loop = loop, .receiver = receiver, .st = st, .metrics = m};
    home = &home_of_thread;
}

/* The next job of p's backlog (R.mu held): the oldest submitted on `receiver`'s thread
 * (answered there without a hop), else the oldest. NULL when there is none. */
static rt_job_t *backlog_take(pool_t *p, h2o_multithread_receiver_t *receiver)
{
    qnode_t **pick = p->backlog ? &p->backlog : NULL;
    int64_t now = clock_now_ms();
    for (qnode_t **pp = &p->backlog; receiver && *pp && now - p->backlog->since_ms < RT_BACKLOG_PREFER_MS;
         pp = &(*pp)->next)
        if ((*pp)->job->receiver == receiver) {
            pick = pp;
            break;
        }
    if (!pick)
        return NULL;
    qnode_t *n = *pick;
    *pick = n->next;
    rt_job_t *job = n->job;
    free(n);
    R.nbacklog--;
    return job;
}

/* Reads what fd has now; each complete line goes to on_line (job logs), a partial one is
 * kept in b. For stdout/stderr of a worker this thread drives. */
static void drain_now(worker_t *w, int fd, buf_t *b, int (*on_line)(worker_t *, const char *, size_t))
{
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        if (buf_add(b, chunk, (size_t)n) != 0) {
            buf_reset(b); /* a line over the limit: dropped */
            continue;
        }
        lines(w, b, on_line);
    }
}

/* Ends this thread's hold on fd 4: bytes not handled yet (from `consumed` on) go to w->in
 * for the next reader. */
static void detach(worker_t *w, size_t consumed)
{
    h2o_socket_t *sock = w->rsock;
    h2o_buffer_t *in = sock->input;
    if (in->size > consumed && buf_add(&w->in, in->bytes + consumed, in->size - consumed) != 0)
        w->kill_why = "the function's output is too large";
    h2o_socket_read_stop(sock);
    h2o_socket_export_t info;
    if (h2o_socket_export(sock, &info) == 0)
        h2o_buffer_dispose(&info.input); /* the descriptor stays open: it is w->from_fd */
    w->rsock = NULL;
}

/* Gives w to the runtime thread, with its job if it has one (`why`: kill it). */
static void demote(worker_t *w, size_t consumed, const char *why)
{
    if (w->rsock)
        detach(w, consumed);
    pthread_mutex_lock(&R.mu);
    if (why && !w->kill_why)
        w->kill_why = why;
    w->state = W_DEMOTED;
    if (w->job)
        COUNT(demoted);
    pthread_mutex_unlock(&R.mu);
    wake();
}

/* The invocation on a lent worker ended well: its output is collected, its token dies,
 * the worker goes on to the next job of its backlog or is released, and only then is the
 * job answered here, so that the answer's client, calling again at once, finds the worker
 * free (another HTTP thread may take its next request). */
static int lent_result(worker_t *w, size_t consumed, json_t *f)
{
    rt_job_t *job = w->job;
    drain_now(w, w->out_fd, &w->out, out_line);
    drain_now(w, w->err_fd, &w->err, err_line);
    w->job = NULL;
    w->idle_since_ms = clock_now_ms();
    if (job->token[0])
        invocation_end(job->token); /* dead before the worker can serve anyone else */
    job->token[0] = '\0';
    enum rt_status st = RT_OK;
    char *result = NULL;
    if (json_is_true(json_object_get(f, "ok")))
        take_result(job, f);
    else {
        st = RT_ERROR;
        result = json_dumps(json_object_get(f, "error"), JSON_COMPACT | JSON_ENCODE_ANY);
    }
    int direct = job->receiver == home->receiver, rc = 1;
    /* the next job of this version that waits, if any, runs here at once */
    for (;;) {
        pthread_mutex_lock(&R.mu);
        /* not on a worker the runtime thread just killed at the last job's deadline */
        rt_job_t *next = w->kill_why || w->timed_out ? NULL : backlog_take(w->pool, home->receiver);
        if (next)
            w->lend_deadline_ms = next->deadline_ms;
        pthread_mutex_unlock(&R.mu);
        if (!next)
            break;
        worker_start_job(w, next);
        if (!w->job)
            continue; /* answered at once (too many invocations): the next one */
        if (w->woff < w->wbuf.len)
            demote(w, consumed, NULL); /* the runtime thread writes the rest of the frame */
        else
            rc = 0; /* go on reading: this job's frames follow */
        goto answer;
    }
    detach(w, consumed);
    pthread_mutex_lock(&R.mu);
    /* late frames to handle, bytes to write, or killed at the deadline: the runtime's */
    int give_back = w->in.len || w->woff < w->wbuf.len || w->kill_why || w->timed_out;
    w->state = give_back ? W_DEMOTED : W_RELEASED;
    int waiting = R.nwaiting > 0;
    pthread_mutex_unlock(&R.mu);
    if (give_back || waiting)
        wake();
answer:
    finish_to(job, st, result, direct);
    return rc;
}

/* One frame from a lent worker: 0 go on, 1 this thread no longer holds the worker. */
static int lent_frame(worker_t *w, const char *line, size_t len, size_t consumed)
{
    json_err_t jerr;
    json_t *f = json_parse_limited(line, len, 128, &jerr);
    const char *type = f ? json_str(f, "type") : NULL;
    int rc = 0;
    if (!type) {
        demote(w, consumed, "the function's worker sent a malformed message");
        rc = 1;
    } else if (strcmp(type, "fetch") == 0) {
        if (w->woff == w->wbuf.len) {
            buf_reset(&w->wbuf);
            w->woff = 0;
        }
        if (proxycall_serve(home->st, home->metrics, R.public_url, R.proxy_rate, w->job->inv.id, f, &w->wbuf) != 0) {
            demote(w, consumed, "the function's worker sent a malformed message");
            rc = 1;
        } else {
            worker_flush(w);
            if (w->woff < w->wbuf.len) { /* the pipe is full: the runtime thread writes the rest */
                demote(w, consumed, NULL);
                rc = 1;
            }
        }
    } else if (strcmp(type, "result") == 0 && json_str(f, "id") && strcmp(json_str(f, "id"), w->job->inv.id) == 0) {
        rc = lent_result(w, consumed, f);
    } else if (strcmp(type, "log") == 0 && json_str(f, "id") && strcmp(json_str(f, "id"), w->job->inv.id) == 0) {
        const char *lvl = json_str(f, "level"), *msg = json_str(f, "message");
        add_log(w->job, lvl ? lvl : "log", msg ? msg : "", json_integer_value(json_object_get(f, "time")));
    }
    /* "ready" again, or a frame about another invocation (app code writing to fd 4): ignored */
    json_decref(f);
    return rc;
}

static void on_lent_read(h2o_socket_t *sock, const char *err)
{
    worker_t *w = sock->data;
    h2o_buffer_t *in = sock->input;
    size_t off = 0;
    for (;;) {
        char *nl = memchr(in->bytes + off, '\n', in->size - off);
        if (!nl)
            break;
        size_t len = (size_t)(nl - (in->bytes + off));
        if (lent_frame(w, in->bytes + off, len, off + len + 1))
            return; /* released or demoted: the rest went to w->in */
        off += len + 1;
    }
    if (err) { /* the worker exited (or was killed at its deadline): the runtime thread says why */
        demote(w, off, NULL);
        return;
    }
    h2o_buffer_consume(&sock->input, off);
    if (sock->input->size > RT_MAX_FRAME)
        demote(w, 0, "the function's output is too large");
}

/* rt_submit's fast path: 1 when the job runs on a lent worker (or was answered) or waits
 * in its full pool's backlog, -1 when that backlog is full too, 0 when the runtime thread
 * must see to it (no worker of its version yet, or room for another). */
static int lend(rt_job_t *job)
{
    worker_t *w = NULL;
    pool_t *pool = NULL;
    int early = 0;
    pthread_mutex_lock(&R.mu);
    for (unsigned i = 0; R.running && !R.stopping && i < R.npools && !pool; i++) {
        pool_t *p = &R.pools[i];
        if (p->n == 0 || !pool_matches(p, job))
            continue;
        pool = p;
        for (unsigned k = 0; k < p->n && !w; k++)
            if (p->workers[k]->state == W_RELEASED)
                w = p->workers[k];
    }
    if (!w && pool && pool->n >= RT_POOL_MAX) {
        /* every worker of the version is busy and there is no room for another: the next
         * one to finish runs it */
        int full = R.queued + R.nbacklog >= RT_QUEUE_MAX;
        if (!full) {
            qnode_t *q = xcalloc(1, sizeof *q), **end = &pool->backlog;
            q->job = job;
            q->since_ms = clock_now_ms();
            while (*end)
                end = &(*end)->next;
            *end = q;
            R.nbacklog++;
            COUNT(backlogged);
            early = job->deadline_ms < R.planned_wake_ms;
        }
        pthread_mutex_unlock(&R.mu);
        if (early)
            wake();
        return full ? -1 : 1;
    }
    if (w) {
        w->state = W_LENT;
        w->timed_out = 0;
        w->lend_deadline_ms = job->deadline_ms;
        early = job->deadline_ms < R.planned_wake_ms; /* the runtime thread enforces it */
    }
    pthread_mutex_unlock(&R.mu);
    if (!w)
        return 0;
    if (early)
        wake();
    siginfo_t si = {0};
    if (waitid(P_PID, w->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == w->pid) {
        demote(w, 0, "the function's process exited"); /* a late timer of its last invocation ended it */
        return lend(job);
    }
    /* what a finished invocation's leftover callbacks printed is nobody's: dropped */
    drain_now(w, w->out_fd, &w->out, out_line);
    drain_now(w, w->err_fd, &w->err, err_line);
    worker_start_job(w, job);
    if (!w->job) { /* answered already (too many invocations, too large): free again */
        pthread_mutex_lock(&R.mu);
        w->state = W_RELEASED;
        pthread_mutex_unlock(&R.mu);
    } else if (w->woff < w->wbuf.len) {
        demote(w, 0, NULL); /* the runtime thread writes the rest of the frame */
    } else {
        w->rsock = h2o_evloop_socket_create(home->loop, w->from_fd, 0);
        w->rsock->data = w;
        h2o_socket_read_start(w->rsock, on_lent_read);
    }
    return 1;
}

/* ------------------------------------------------------------------ scheduling */

/* The pool of the job's version: *out set and 1, 0 while its snapshot is being
 * unpacked, -1 with err. */
static int pool_for(rt_job_t *job, pool_t **out, char *err, size_t errlen)
{
    for (unsigned i = 0; i < R.npools; i++)
        if (pool_matches(&R.pools[i], job)) {
            *out = &R.pools[i];
            return 1;
        }
    int slot = R.npools < RT_POOLS_MAX ? (int)R.npools : -1;
    for (unsigned i = 0; slot < 0 && i < R.npools; i++)
        if (R.pools[i].n == 0 && !R.pools[i].backlog)
            slot = (int)i; /* an empty pool's slot is reused in place: workers point at theirs */
    if (slot < 0) {
        snprintf(err, errlen, "too many app versions running at once");
        return -1;
    }
    char *dir = NULL;
    int rc = snapshot_dir(job->snapshot, &dir, err, errlen);
    if (rc <= 0)
        return rc;
    pthread_mutex_lock(&R.mu);
    pool_t *p = &R.pools[slot];
    if ((unsigned)slot < R.npools) {
        free(p->snapshot);
        free(p->isolate);
        free(p->dir);
    } else {
        R.npools++;
    }
    *p = (pool_t){.snapshot = xstrdup(job->snapshot),
                  .isolate = job->isolate ? xstrdup(job->isolate) : NULL,
                  .memory_mb = job->memory_mb,
                  .dir = dir};
    pthread_mutex_unlock(&R.mu);
    *out = p;
    return 1;
}

/* Whether the runtime thread drives w now: OWNED, or RELEASED and taken back. */
static int claim(worker_t *w)
{
    pthread_mutex_lock(&R.mu);
    if (w->state == W_RELEASED)
        w->state = W_OWNED;
    int mine = w->state == W_OWNED;
    pthread_mutex_unlock(&R.mu);
    return mine;
}

/* Tries to place a waiting job: 1 placed (or finished with an error), 0 must wait. */
static int place(rt_job_t *job)
{
    char err[512];
    if (job->prepare_only) {
        char *dir = NULL;
        int rc = snapshot_dir(job->snapshot, &dir, err, sizeof err);
        if (rc == 0)
            return 0;
        if (rc < 0)
            log_msg(LOG_ERROR, "runtime: cannot unpack a deployed version", "error", err, NULL);
        free(dir);
        finish(job, rc > 0 ? RT_OK : RT_SETUP,
               rc > 0 ? xstrdup("null") : error_json("Error", "the snapshot could not be unpacked"));
        return 1;
    }
    if (clock_now_ms() > job->deadline_ms) {
        finish(job, RT_TIMEOUT, error_json("TimeoutError", "the invocation waited for a worker past its deadline"));
        return 1;
    }
    if (!sandbox_allows(job->inv.env_key)) {
        /* no silent weak mode: only development apps run unboxed (docs/security.md) */
        finish(job, RT_SETUP,
               error_json("SandboxUnavailable", "kiln cannot build the sandbox on this machine, and apps of the "
                                                "staging and production environments run only in it (see kiln "
                                                "serve's start log, or start it with --unsafe-no-sandbox)"));
        return 1;
    }
    pool_t *p = NULL;
    int prc = pool_for(job, &p, err, sizeof err);
    if (prc == 0)
        return 0; /* woken when the unpack ends */
    if (prc < 0) {
        log_msg(LOG_ERROR, "runtime: cannot prepare the app version", "error", err, NULL);
        finish(job, RT_SETUP, error_json("Error", "the app version could not be prepared to run"));
        return 1;
    }
    for (unsigned i = 0; i < p->n; i++) {
        worker_t *w = p->workers[i];
        if (w->ready && claim(w) && !w->job) {
            worker_start_job(w, job);
            return 1;
        }
    }
    /* room for another worker of this version? reap an idle one elsewhere if the total is full */
    if (p->n < RT_POOL_MAX && R.nworkers >= RT_WORKERS_MAX) {
        for (unsigned i = 0; i < R.nworkers; i++)
            if (R.workers[i]->ready && R.workers[i]->pool != p && claim(R.workers[i]) && !R.workers[i]->job) {
                worker_kill(R.workers[i], RT_CRASH, "reaped");
                break;
            }
    }
    unsigned starting = 0;
    for (unsigned i = 0; i < p->n; i++)
        starting += !p->workers[i]->ready;
    if (p->n < RT_POOL_MAX && R.nworkers < RT_WORKERS_MAX && starting == 0) {
        if (!worker_spawn(p, err, sizeof err)) {
            log_msg(LOG_ERROR, "runtime: cannot start a worker", "error", err, NULL);
            finish(job, RT_SETUP, error_json("Error", "the function's worker could not start"));
            return 1;
        }
    }
    return 0;
}

static void schedule(void)
{
    pthread_mutex_lock(&R.mu);
    while (R.head) {
        qnode_t *n = R.head;
        R.head = n->next;
        if (!R.head)
            R.tail = NULL;
        R.queued--;
        n->next = NULL;
        qnode_t **end = &R.waiting;
        while (*end)
            end = &(*end)->next;
        *end = n;
    }
    pthread_mutex_unlock(&R.mu);
    unsigned waiting = 0;
    for (qnode_t **pp = &R.waiting; *pp;) {
        qnode_t *n = *pp;
        if (place(n->job)) {
            *pp = n->next;
            free(n);
        } else {
            pp = &n->next;
            waiting++;
        }
    }
    pthread_mutex_lock(&R.mu);
    R.nwaiting = waiting;
    pthread_mutex_unlock(&R.mu);
}

/* Workers HTTP threads gave back (runtime thread): killed when they must be, else driven
 * from here on (frames they left unhandled first). */
static void take_over(void)
{
    worker_t *back[RT_WORKERS_MAX];
    unsigned n = 0;
    pthread_mutex_lock(&R.mu);
    for (unsigned i = 0; i < R.nworkers; i++)
        if (R.workers[i]->state == W_DEMOTED) {
            R.workers[i]->state = W_OWNED;
            back[n++] = R.workers[i];
        }
    pthread_mutex_unlock(&R.mu);
    for (unsigned i = 0; i < n; i++) {
        worker_t *w = back[i];
        if (w->timed_out)
            worker_kill(w, RT_TIMEOUT, "the function did not answer within its time limit");
        else if (w->kill_why)
            worker_kill(w, RT_CRASH, w->kill_why);
        else if (lines(w, &w->in, worker_frame) == 0)
            worker_flush(w);
    }
}

/* Idle workers the runtime thread drives become free for HTTP threads to borrow; lent
 * ones past their deadline are killed (their thread then gives them back); released ones
 * idle too long are reaped. Returns the earliest deadline of a lent worker, or `next`. */
static int64_t release_and_watch(int64_t now, int64_t next)
{
    worker_t *reap[RT_WORKERS_MAX], *run_on[RT_WORKERS_MAX];
    rt_job_t *run[RT_WORKERS_MAX];
    unsigned nreap = 0, nrun = 0;
    qnode_t *late = NULL, *requeue = NULL;
    pthread_mutex_lock(&R.mu);
    /* backlogs: jobs past their deadline end; a pool with room again (a worker died) hands
     * its backlog to the runtime thread, which starts workers for it */
    for (unsigned i = 0; i < R.npools; i++) {
        pool_t *p = &R.pools[i];
        for (qnode_t **pp = &p->backlog; *pp;) {
            qnode_t *q = *pp;
            if (now > q->job->deadline_ms || p->n < RT_POOL_MAX) {
                *pp = q->next;
                R.nbacklog--;
                qnode_t **to = now > q->job->deadline_ms ? &late : &requeue;
                q->next = *to;
                *to = q;
            } else {
                if (q->job->deadline_ms < next)
                    next = q->job->deadline_ms;
                pp = &q->next;
            }
        }
    }
    for (unsigned i = 0; i < R.nworkers; i++) {
        worker_t *w = R.workers[i];
        int idle =
            w->state == W_OWNED && w->ready && !w->job && w->woff == w->wbuf.len && w->in.len == 0 && !w->kill_why;
        rt_job_t *job = idle ? backlog_take(w->pool, NULL) : NULL;
        if (job) {
            run_on[nrun] = w;
            run[nrun++] = job;
        } else if (idle) {
            w->state = W_RELEASED;
        } else if (w->state == W_RELEASED &&
                   (now - w->idle_since_ms > RT_IDLE_MS || now - w->born_ms > RT_MAX_AGE_MS)) {
            w->state = W_OWNED;
            reap[nreap++] = w;
        } else if (w->state == W_LENT && !w->timed_out) {
            if (now > w->lend_deadline_ms) {
                w->timed_out = 1;
                kill(w->pid, SIGKILL); /* the lending thread sees fd 4 close and gives it back */
            } else if (w->lend_deadline_ms < next) {
                next = w->lend_deadline_ms;
            }
        }
    }
    R.planned_wake_ms = next;
    pthread_mutex_unlock(&R.mu);
    for (unsigned i = 0; i < nreap; i++)
        worker_kill(reap[i], RT_CRASH, "idle");
    for (unsigned i = 0; i < nrun; i++)
        worker_start_job(run_on[i], run[i]);
    while (late) {
        qnode_t *q = late;
        late = q->next;
        finish(q->job, RT_TIMEOUT, error_json("TimeoutError", "the invocation waited for a worker past its deadline"));
        free(q);
    }
    if (requeue)
        next = now; /* placed on the next turn, at once */
    while (requeue) {
        qnode_t *q = requeue, **end = &R.waiting;
        requeue = q->next;
        q->next = NULL;
        while (*end)
            end = &(*end)->next;
        *end = q;
    }
    return next;
}

static void *rt_main(void *arg)
{
    (void)arg;
    struct pollfd pfd[1 + RT_WORKERS_MAX * 4];
    worker_t *owner[1 + RT_WORKERS_MAX * 4];
    for (;;) {
        pthread_mutex_lock(&R.mu);
        int stopping = R.stopping;
        pthread_mutex_unlock(&R.mu);
        if (stopping)
            break;
        take_over();
        if (R.nzombies)
            reap_zombies();
        schedule();
        save_queued_logs();
        int64_t now = clock_now_ms(), next = release_and_watch(now, now + 1000);
        unsigned n = 0;
        pfd[n] = (struct pollfd){.fd = R.wake_fd, .events = POLLIN};
        owner[n++] = NULL;
        for (unsigned i = 0; i < R.nworkers; i++) {
            worker_t *w = R.workers[i];
            pthread_mutex_lock(&R.mu);
            int mine = w->state == W_OWNED;
            pthread_mutex_unlock(&R.mu);
            if (!mine)
                continue; /* released or lent: HTTP threads' */
            pfd[n] = (struct pollfd){.fd = w->from_fd, .events = POLLIN};
            owner[n++] = w;
            pfd[n] = (struct pollfd){.fd = w->out_fd, .events = POLLIN};
            owner[n++] = w;
            pfd[n] = (struct pollfd){.fd = w->err_fd, .events = POLLIN};
            owner[n++] = w;
            if (w->woff < w->wbuf.len) {
                pfd[n] = (struct pollfd){.fd = w->to_fd, .events = POLLOUT};
                owner[n++] = w;
            }
            if (w->job && w->job->deadline_ms < next)
                next = w->job->deadline_ms;
        }
        for (qnode_t *q = R.waiting; q; q = q->next)
            if (q->job->deadline_ms < next)
                next = q->job->deadline_ms;
        int timeout = next > now ? (int)(next - now) : 0;
        if (poll(pfd, n, timeout) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents & POLLIN) {
            uint64_t v;
            if (read(R.wake_fd, &v, sizeof v) < 0) {
                /* nothing pending */
            }
        }
        for (unsigned i = 1; i < n; i++) {
            worker_t *w = owner[i];
            int alive = 0;
            for (unsigned j = 0; j < R.nworkers; j++)
                alive |= R.workers[j] == w;
            if (!alive || !pfd[i].revents)
                continue;
            pthread_mutex_lock(&R.mu);
            int mine = w->state == W_OWNED; /* it polled while owned; nobody else took it since */
            pthread_mutex_unlock(&R.mu);
            if (!mine)
                continue;
            int rc = 0;
            if (pfd[i].fd == w->from_fd)
                rc = drain(w, w->from_fd, &w->in, worker_frame);
            else if (pfd[i].fd == w->out_fd)
                rc = drain(w, w->out_fd, &w->out, out_line);
            else if (pfd[i].fd == w->err_fd)
                rc = drain(w, w->err_fd, &w->err, err_line);
            else if (pfd[i].fd == w->to_fd) {
                ssize_t k = write(w->to_fd, w->wbuf.ptr + w->woff, w->wbuf.len - w->woff);
                if (k > 0)
                    w->woff += (size_t)k;
                else if (k < 0 && errno != EAGAIN && errno != EINTR)
                    rc = -1;
            }
            if (rc == -3)
                continue;
            if (rc < 0)
                worker_kill(
                    w, RT_CRASH,
                    exit_reason(w, rc == -2 ? "the function's output is too large" : "the function's process exited"));
        }
        /* deadlines and idle workers */
        now = clock_now_ms();
        for (unsigned i = 0; i < R.nworkers;) {
            worker_t *w = R.workers[i];
            pthread_mutex_lock(&R.mu);
            int mine = w->state == W_OWNED;
            pthread_mutex_unlock(&R.mu);
            if (!mine) {
                i++;
                continue;
            }
            if (w->job && now > w->job->deadline_ms) {
                worker_kill(w, RT_TIMEOUT, "the function did not answer within its time limit");
                continue;
            }
            if (!w->job && w->ready && (now - w->idle_since_ms > RT_IDLE_MS || now - w->born_ms > RT_MAX_AGE_MS)) {
                worker_kill(w, RT_CRASH, "idle");
                continue;
            }
            i++;
        }
    }
    /* stop: unpacks finish (they write into this thread's list), every job still here
     * ends, workers go */
    while (R.unpacks) {
        unpack_t *u = R.unpacks;
        R.unpacks = u->next;
        pthread_join(u->tid, NULL);
        free(u->dir);
        free(u->snapshot);
        free(u);
    }
    /* stop: every job still here ends; workers go */
    while (R.nworkers)
        worker_kill(R.workers[0], RT_CRASH, "kiln is shutting down");
    pthread_mutex_lock(&R.mu);
    qnode_t *q = R.head;
    R.head = R.tail = NULL;
    pthread_mutex_unlock(&R.mu);
    for (qnode_t *l = R.waiting; l;) {
        qnode_t *nx = l->next;
        finish(l->job, RT_CRASH, error_json("Error", "kiln is shutting down"));
        free(l);
        l = nx;
    }
    R.waiting = NULL;
    for (unsigned i = 0; i < R.npools; i++) {
        pthread_mutex_lock(&R.mu);
        qnode_t *b = R.pools[i].backlog;
        R.pools[i].backlog = NULL;
        pthread_mutex_unlock(&R.mu);
        while (b) {
            qnode_t *nx = b->next;
            finish(b->job, RT_CRASH, error_json("Error", "kiln is shutting down"));
            free(b);
            b = nx;
        }
    }
    while (q) {
        qnode_t *nx = q->next;
        finish(q->job, RT_CRASH, error_json("Error", "kiln is shutting down"));
        free(q);
        q = nx;
    }
    return NULL;
}

static int rm_old(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* runtime/node (the directory of worker.js): $KILN_RUNTIME_DIR, else found above the
 * binary's directory. 0 or -1. */
static int find_runtime_dir(char *out, size_t outlen)
{
    const char *env = getenv("KILN_RUNTIME_DIR");
    char path[PATH_MAX + 32];
    if (env) {
        snprintf(path, sizeof path, "%s/worker.js", env);
        return access(path, R_OK) == 0 && realpath(env, out) && strlen(out) < outlen ? 0 : -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    for (char *slash = strrchr(exe, '/'); slash; slash = strrchr(exe, '/')) {
        *slash = '\0';
        snprintf(path, sizeof path, "%s/runtime/node/worker.js", exe);
        if (access(path, R_OK) == 0) {
            snprintf(path, sizeof path, "%s/runtime/node", exe);
            return realpath(path, out) && strlen(out) < outlen ? 0 : -1;
        }
    }
    return -1;
}

int rt_sandbox_init(const rt_sandbox_opts_t *o, char *err, size_t errlen)
{
    char rtdir[PATH_MAX], data[PATH_MAX];
    if (find_runtime_dir(rtdir, sizeof rtdir) != 0) {
        snprintf(err, errlen, "runtime/node/worker.js not found (set KILN_RUNTIME_DIR)");
        return -2;
    }
    if (!realpath(o->data_dir, data)) {
        snprintf(err, errlen, "the data dir has no absolute path");
        return -1;
    }
    sandbox_config_t cfg = {.data_dir = data,
                            .runtime_dir = rtdir,
                            .node = getenv("KILN_NODE") ? getenv("KILN_NODE") : "node",
                            .proxy_socket = o->proxy_socket,
                            .share_net = o->share_net,
                            .unsafe_off = o->unsafe_no_sandbox,
                            .uid_first = o->uid_first,
                            .uid_count = o->uid_count};
    return sandbox_init(&cfg, err, errlen);
}

int rt_start(const char *data_dir, const char *proxy_url, const char *public_url, unsigned proxy_rate, char *err,
             size_t errlen)
{
    if (!sandbox_node()) {
        snprintf(err, errlen, "runtime/node/worker.js not found (set KILN_RUNTIME_DIR)");
        return -1;
    }
    R.node = xstrdup(sandbox_node());
    R.data_dir = xstrdup(data_dir);
    /* DATA/run: where kiln before the sandbox unpacked versions, private to kiln's uid so a
     * sandboxed worker could not read them; DATA/unpacked replaces it */
    char old[PATH_MAX + 8];
    snprintf(old, sizeof old, "%s/run", data_dir);
    if (access(old, F_OK) == 0)
        nftw(old, rm_old, 16, FTW_DEPTH | FTW_PHYS);
    R.proxy_url = xstrdup(proxy_url);
    R.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    R.public_url = xstrdup(public_url);
    R.proxy_rate = proxy_rate;
    R.store = store_open(data_dir, err, errlen);
    if (R.store)
        store_relax_durability(R.store);
    R.pstore = store_open(data_dir, err, errlen);
    if (!R.pstore) /* product calls on the pipes need it: no runtime rather than a crash later */
        return -1;
    R.metrics = metrics_new();
    proxycall_init();
    R.running = 1;
    signal(SIGCHLD, SIG_DFL);
    if (pthread_create(&R.tid, NULL, rt_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the runtime thread");
        R.running = 0;
        return -1;
    }
    return 0;
}

metrics_t *rt_metrics(void)
{
    return R.metrics;
}

void rt_stop(void)
{
    if (!R.running)
        return;
    pthread_mutex_lock(&R.mu);
    R.stopping = 1;
    pthread_mutex_unlock(&R.mu);
    uint64_t one = 1;
    if (write(R.wake_fd, &one, sizeof one) < 0) {
        /* awake anyway */
    }
    pthread_join(R.tid, NULL);
    R.running = 0;
    /* the kernel tears the last boxes down in a moment: their cgroups go, then kiln's */
    for (int i = 0; R.nzombies && i < 50; i++) {
        reap_zombies();
        if (R.nzombies)
            usleep(20000);
    }
    sandbox_shutdown();
    store_close(R.store);
    R.store = NULL;
    store_close(R.pstore);
    R.pstore = NULL;
}
