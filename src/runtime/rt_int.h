/* The runtime's insides, shared by its files and by nothing else (runtime/supervisor.h is
 * the contract):
 *
 *   job.c      jobs from rt_submit to their answer; an invocation's log lines
 *   snapdir.c  the extracted directory of each version, unpacked on a thread of its own
 *   worker.c   a worker: spawning it in its box, its pipes, starting a job, killing it
 *   frame.c    the frames a worker writes on fd 4: one parser for both drivers
 *   lend.c     an HTTP thread driving a warm worker itself (rt_bind_thread)
 *   sched.c    the runtime thread's scheduling: pools, placing jobs, releasing, reaping
 *   loop.c     the runtime thread's poll loop; rt_start, rt_stop
 *
 * Locking: RT.mu guards the queue, `stopping`, each worker's lending state and each pool's
 * worker list and backlog; everything else of a worker belongs to whoever drives it
 * (wstate). */
#ifndef KILN_RT_INT_H
#define KILN_RT_INT_H

#include <pthread.h>
#include <sys/types.h>

#include "base/buf.h"
#include "runtime/sandbox.h"
#include "runtime/supervisor.h"

#define RT_POOLS_MAX 64
#define RT_LOGS_MAX 1000               /* log lines kept per invocation */
#define RT_LOG_BYTES_MAX (1024 * 1024) /* and bytes of their messages: a worker sends up to 256 KiB a line */
#define RT_RECENT 8                    /* a worker's last invocations, whose late output it may still send */
#define RT_LATE_LINES 20               /* lines of output after the end logged per invocation */
#define RT_LATE_BYTES 1024             /* of each */
#define RT_ZOMBIES_MAX 64              /* cgroups of dead workers the kernel still tears down */
#define RT_MAX_AGE_MS (30 * 60 * 1000) /* an idle worker older than this is retired */
/* A backlog's oldest job goes first; a job of the finishing thread's own (answered without
 * a hop) may pass it while the oldest has waited less than this. */
#define RT_BACKLOG_PREFER_MS 2

typedef struct pool pool_t;

/* Who drives a worker (RT.mu guards the state; the driver alone touches the rest):
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
    /* the last RT_RECENT invocations started on it (ids only, scopes, egress and imp_scopes NULL): a
     * `late` frame counts only when it names one of them (the worker is the app's) */
    struct rt_recent {
        invocation_t inv;
        unsigned lines; /* late lines it sent */
    } recent[RT_RECENT];
    unsigned recent_next;
    size_t woff;
    /* ---- lending (RT.mu) ---- */
    enum wstate state;
    int64_t lend_deadline_ms;     /* LENT: the job's deadline, enforced by the runtime thread */
    int timed_out;                /* LENT: killed by the runtime thread at the deadline */
    const char *kill_why;         /* DEMOTED: kill it with this reason (a static string) */
    const struct rt_home *lender; /* LENT: the thread it is lent to (rt_unbind_thread) */
    /* ---- the lending HTTP thread's ---- */
    h2o_socket_t *rsock; /* fd 4 in that thread's loop */
} worker_t;

typedef struct qnode {
    rt_job_t *job;
    int64_t since_ms; /* backlog: when it was queued */
    struct qnode *next;
} qnode_t;

struct pool {
    char *snapshot; /* key, with memory_mb and isolate */
    char *isolate;  /* the installation of an isolated pool, or NULL (shared by installations) */
    unsigned memory_mb;
    char *dir; /* extracted snapshot */
    worker_t *workers[RT_POOL_MAX];
    unsigned n;
    /* RT.mu: jobs of this version that wait for one of its workers, the pool being full;
     * whoever drives a worker of it next (an HTTP thread or the runtime thread) runs them */
    qnode_t *backlog;
};

/* A snapshot being extracted on a thread of its own. The list is the runtime thread's;
 * `done`, `dir` and `err` are written by the unpack thread under RT.mu. */
typedef struct unpack {
    char *snapshot;
    pthread_t tid;
    int done;
    char *dir; /* heap; NULL when it failed */
    char err[256];
    struct unpack *next;
} unpack_t;

typedef struct rt_state {
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
    qnode_t *waiting;                       /* jobs taken from the queue, not yet on a worker */
    unpack_t *unpacks;                      /* snapshots being extracted */
    rt_fetch_fn fetch;                      /* serves the calls workers carry on their pipes (rt_start) */
    void *fetch_ctx;                        /* the runtime thread's context for it */
    unsigned next_worker_id;                /* names workers' cgroups */
    sandbox_proc_t zombies[RT_ZOMBIES_MAX]; /* boxes whose cgroup could not be removed yet */
    unsigned nzombies;
    /* RT.mu */
    unsigned nwaiting;       /* jobs in RT.waiting: a returned worker wakes the runtime for them */
    unsigned nbacklog;       /* jobs in pools' backlogs (with `queued`, at most RT_QUEUE_MAX) */
    int64_t planned_wake_ms; /* when the runtime thread's poll ends at the latest */
} rt_state_t;

extern rt_state_t RT; /* loop.c */

/* The HTTP thread this is, when rt_bind_thread was called on it (NULL elsewhere). */
typedef struct rt_home {
    h2o_loop_t *loop;
    h2o_multithread_receiver_t *receiver; /* where this thread's jobs are answered */
    void *fetch_ctx;                      /* this thread's context for RT.fetch */
} rt_home_t;
extern __thread rt_home_t *rt_home; /* lend.c */

/* How invocations were driven (relaxed atomics; /metrics): see rt_counters_t. */
extern rt_counters_t rt_counts; /* job.c */
#define COUNT(field) __atomic_add_fetch(&rt_counts.field, 1, __ATOMIC_RELAXED)

/* ---- job.c ---- */
/* Wakes the runtime thread. */
void rt_wake(void);
/* {"name","message"} as JSON text (heap). */
char *rt_error_json(const char *name, const char *message);
/* A log line of the running invocation, kept on the job within RT_LOGS_MAX lines and
 * RT_LOG_BYTES_MAX bytes; past them it is counted, and rt_finish_to says how many went. */
void rt_add_log(rt_job_t *job, const char *level, const char *message, int64_t time);
/* Ends the job with `st` and `result` (taken; NULL: none): its token dies, its logs go to
 * the journal (journal/fnlog.h), and it goes back to its thread, through its receiver or,
 * `direct` (on that very thread), by calling done at once. */
void rt_finish_to(rt_job_t *job, enum rt_status st, char *result, int direct);
void rt_finish(rt_job_t *job, enum rt_status st, char *result);

/* ---- snapdir.c ---- */
/* The extracted directory of a snapshot, without waiting for the disk: 1 and *dir (heap)
 * when it is ready, 0 while a thread of its own extracts it (the runtime thread is woken
 * when it ends), -1 with err when it failed. */
int rt_snapshot_dir(const char *snapshot, char **dir, char *err, size_t errlen);
void rt_unpacks_join(void);

/* ---- worker.c ---- */
worker_t *rt_worker_spawn(pool_t *p, char *err, size_t errlen);
/* Kills a worker and forgets it; its job (if any) ends with `st` and `why`. */
void rt_worker_kill(worker_t *w, enum rt_status st, const char *why);
/* Builds the invoke frame of `job` and starts writing it (the job may end at once). */
void rt_worker_start_job(worker_t *w, rt_job_t *job);
/* Writes what the pipe takes now of the frames waiting for the worker. */
void rt_worker_flush(worker_t *w);
/* Why a worker's process ended: out of memory, else `other`. */
const char *rt_exit_reason(worker_t *w, const char *other);
/* Removes the cgroups of dead workers that the kernel has finished tearing down. */
void rt_reap_zombies(void);
typedef int (*rt_line_fn)(worker_t *w, const char *line, size_t len);
/* Handles the complete lines in b (consumed). -1 when the worker was killed. */
int rt_lines(worker_t *w, buf_t *b, rt_line_fn on_line);
/* Reads what fd has; lines to on_line. -1 EOF/error, -2 a line over the frame limit, -3
 * the worker was killed while handling a line. */
int rt_drain(worker_t *w, int fd, buf_t *b, rt_line_fn on_line);
/* Reads what fd has now into the job's logs; a line over the limit is dropped. */
void rt_drain_now(worker_t *w, int fd, buf_t *b, rt_line_fn on_line);
int rt_out_line(worker_t *w, const char *line, size_t len); /* stdout: info lines */
int rt_err_line(worker_t *w, const char *line, size_t len); /* stderr: error lines */

/* ---- frame.c ---- */
/* What a line of fd 4 is, for the worker's running job. */
enum rt_frame {
    RT_FRAME_BAD,    /* not a frame kiln's worker writes: the worker is not to be trusted */
    RT_FRAME_FETCH,  /* a product call carried on the pipe */
    RT_FRAME_READY,  /* the worker has started */
    RT_FRAME_LOG,    /* a log line of the running job */
    RT_FRAME_RESULT, /* the running job's result */
    RT_FRAME_LATE,   /* output of an invocation that ended (worker.js: unawaited work) */
    RT_FRAME_OTHER,  /* about another invocation (app code writing to fd 4), or unknown: ignored */
};
/* Parses one line of fd 4: its kind, and in *f the frame (the caller's; NULL when BAD).
 * A log or result counts only with the running job's invocation id. */
enum rt_frame rt_frame_parse(const worker_t *w, const char *line, size_t len, json_t **f);
/* Answers a FETCH frame into w->wbuf through RT.fetch with `ctx` and starts writing it.
 * 0, or -1 for a frame kiln's worker could not have sent. */
int rt_frame_fetch(worker_t *w, void *ctx, const json_t *f);
/* Keeps a LOG frame's line on the job, at its level when that is one of console's (log, info,
 * warn, error, debug), else as "log": never kiln's own FNLOG_INVOCATION. */
void rt_frame_log(worker_t *w, const json_t *f);
/* A LATE frame: when it names one of the worker's recent invocations (not the running one),
 * its message goes to that invocation's log as a warning, the first RT_LATE_LINES of them,
 * each cut to RT_LATE_BYTES; then one line saying the rest are not logged. Else ignored. */
void rt_frame_late(worker_t *w, const json_t *f);
/* Remembers that `job` started on w (rt_worker_start_job). */
void rt_frame_started(worker_t *w, const rt_job_t *job);
/* A RESULT frame's outcome: RT_OK with its value detached into job->result, or RT_ERROR
 * with *error the error as JSON text (heap). */
enum rt_status rt_frame_result(rt_job_t *job, json_t *f, char **error);
/* The runtime thread's handling of one line of fd 4. -1 when the worker was killed (w is
 * gone), else 0. */
int rt_worker_frame(worker_t *w, const char *line, size_t len);

/* ---- lend.c ---- */
/* rt_submit's fast path: 1 running on a lent worker (or answered) or waiting in its full
 * pool's backlog, -1 that backlog is full too, 0 the runtime thread must see to it. */
int rt_lend(rt_job_t *job);
/* The next job of p's backlog (RT.mu held): the oldest submitted on `receiver`'s thread,
 * else the oldest. NULL when there is none. */
rt_job_t *rt_backlog_take(pool_t *p, h2o_multithread_receiver_t *receiver);

/* ---- sched.c ---- */
/* Whether `job` runs in pool p: its version, memory limit, and isolation. */
int rt_pool_matches(const pool_t *p, const rt_job_t *job);
/* Places what the queue holds on workers, or starts workers for it. */
void rt_schedule(void);
/* Takes back the workers HTTP threads gave back. */
void rt_take_over(void);
/* Releases idle workers for lending, kills lent ones past their deadline, reaps, and ends
 * backlogged jobs past theirs. Returns the earliest deadline to wake for, or `next`. */
int64_t rt_release_and_watch(int64_t now, int64_t next);

#endif
