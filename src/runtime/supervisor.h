/* The function runtime: Node.js worker processes running runtime/node/worker.js, pooled
 * per app version, driven by one runtime thread. HTTP threads never wait on it: they
 * submit a job and return; the runtime thread answers through the submitting thread's
 * h2o message queue, and that thread finishes the HTTP response.
 *
 *   HTTP thread --rt_submit--> queue (bounded) --> runtime thread --fd 3--> worker
 *   HTTP thread <--h2o message-- runtime thread <--fd 4-- worker (result, logs)
 *
 * A warm worker's next invocation is usually driven by the HTTP thread that received it,
 * in its own loop (rt_bind_thread), without the two hops above.
 *
 * A worker runs one invocation at a time and stays warm for the next one of its version.
 * With `isolation: installation` (docs/runtime.md) the pool is per version and
 * installation: a worker never serves two installations. Pools are bounded (RT_POOL_MAX per version, RT_WORKERS_MAX in
 * all); idle workers are reaped after RT_IDLE_MS. A job that is not answered by its deadline, whose worker exits or
 * runs out of memory, gets RT_TIMEOUT or RT_CRASH and the worker is killed and replaced; other jobs carry on. Snapshots
 * are extracted (runtime/unpack.h) into DATA/unpacked/... on first use, each on a thread of its own so the runtime
 * thread keeps serving other versions meanwhile. Every worker runs in its sandbox (runtime/sandbox.h). The runtime's
 * files and their shares are listed in runtime/rt_int.h. */
#ifndef KILN_SUPERVISOR_H
#define KILN_SUPERVISOR_H

#include <h2o.h>
#include <jansson.h>
#include <stdint.h>

#include "auth/invocation.h"
#include "base/buf.h"
#include "base/completion.h"

#define RT_QUEUE_MAX 256  /* jobs waiting for a worker; more answer 503 */
#define RT_POOL_MAX 4     /* workers per app version */
#define RT_WORKERS_MAX 32 /* workers in all */
#define RT_IDLE_MS 60000  /* an idle worker lives this long */
#define RT_MAX_FRAME (6u * 1024 * 1024)

/* How a job ended. RT_SETUP: the version cannot run here (its snapshot, its sandbox); RT_NOSTART:
 * its worker could not start now (out of descriptors or processes) and a retry may work. */
enum rt_status { RT_OK = 0, RT_ERROR, RT_TIMEOUT, RT_CRASH, RT_OVERLOAD, RT_SETUP, RT_NOSTART };

typedef struct rt_job rt_job_t;

struct rt_job {
    completion_t c; /* first: answered on the submitting thread (base/completion.h); its
                       done gets the job, owner is touched only by the submitting thread */
    /* ---- in (heap strings, owned by the job) ---- */
    char *snapshot; /* tar path relative to the data dir */
    char *file, *export_name;
    char *payload_json, *context_json, *app_context_json, *env_json;
    unsigned memory_mb;
    char *isolate; /* NULL: workers of the version serve every installation; else the
                      installation id: this job runs only on workers of its own pool
                      (an environment with `isolation: installation`) */
    int64_t deadline_ms;
    int prepare_only; /* only unpack the snapshot (a deploy waiting until its version can run) */
    int legacy_api;   /* the app is on Forge's legacy sandbox runtime (app.runtime.name sandbox
                         or none): its workers get the runtime global `api` that @forge/api
                         2.x reads (runtime/node/legacy-api.js) */
    int warm;         /* prepare_only: also start one worker of the pool this job names (memory_mb, isolate,
                         inv.env_key), unless it has one, so the first invocation finds it starting or ready */
    invocation_t inv; /* registered while the job runs; inv.scopes is heap, owned */
    /* ---- out ---- */
    enum rt_status status;
    char *result_json;     /* RT_OK: the value as JSON text, or NULL when `result` holds it;
                              otherwise {"name","message"} */
    json_t *result;        /* RT_OK from a worker: the value itself (owned by the job, never
                              shared with the runtime thread once sent) */
    int result_undefined;  /* RT_OK from a worker: the function returned undefined (`result`
                              is null then); the bridge's invoke answers no value */
    json_t *logs;          /* runtime thread only: array of {level, message, time} */
    size_t log_bytes;      /* of the messages in `logs` (at most RT_LOG_BYTES_MAX) */
    unsigned logs_dropped; /* lines over the budgets, said in one line at the end */
    json_t *metrics;       /* its driver's only: the result frame's `metrics` (the app's
                              @forge/metrics updates, unchecked), handed to the sink at the end */
    char token[TOKEN_MAX]; /* runtime thread only: the invocation's token while it runs */
    int64_t started_ms, finished_ms;
};

/* Largest frame kiln answers a worker's call with (a response frame: an 8 MB body in
 * base64 plus headers); the fetch handler keeps within it. */
#define RT_MAX_RESPONSE_FRAME (12u * 1024 * 1024)

/* What serves a `fetch` frame (a product call a function carries on its pipe instead of
 * HTTP), registered from above at rt_start (platform/proxycall.h): `ctx` is the calling
 * thread's (rt_bind_thread's, or rt_start's for the runtime thread), `running_id` the
 * worker's running invocation (NULL: none). It appends one response frame, with its
 * newline, to `out`. 0, or -1 for a frame kiln's worker could not have sent: nothing
 * appended, and the worker is killed. */
typedef int (*rt_fetch_fn)(void *ctx, const char *running_id, const json_t *frame, buf_t *out);

/* Where an invocation's app metrics go when it ends (rt_set_metrics_sink): `inv` is the
 * job's record (app, environment), `metrics` what its worker sent, unchecked: the sink
 * checks and caps it (platform/appmetrics.h). Called on the thread that ends the job (the
 * runtime thread or a lending HTTP thread), so it must be thread-safe; never NULL args. */
typedef void (*rt_metrics_fn)(const invocation_t *inv, const json_t *metrics);
/* Registers the sink, before rt_start; without one, metrics are dropped. */
void rt_set_metrics_sink(rt_metrics_fn sink);

/* Where a snapshot file this node lacks comes from (docs/scale.md "Deploy snapshots"):
 * called on the snapshot's unpack thread (never an HTTP or the runtime thread) when
 * DATA/<snapshot> does not exist; it makes the file exist, verified, or returns -1 with a
 * one-line reason (then nothing of the version runs, and the next job tries again).
 * Registered before rt_start; without one, a missing file fails the unpack. */
typedef int (*rt_snapshot_source_fn)(const char *data_dir, const char *snapshot, char *err, size_t errlen);
void rt_set_snapshot_source(rt_snapshot_source_fn source);

/* Starts the runtime thread. proxy_url is what workers call back over HTTP (…/_proxy);
 * the calls they carry on their pipes go to `fetch`, on the runtime thread with
 * `runtime_ctx`. */
int rt_start(const char *data_dir, const char *proxy_url, rt_fetch_fn fetch, void *runtime_ctx, char *err,
             size_t errlen);
/* The box workers run in (runtime/sandbox.h), set up before rt_start. */
typedef struct rt_sandbox_opts {
    const char *data_dir;
    const char *proxy_socket;      /* kiln's Unix socket for workers (absolute), or NULL */
    int share_net;                 /* --egress-mode in-process: workers keep the host's network */
    int unsafe_no_sandbox;         /* --unsafe-no-sandbox */
    unsigned uid_first, uid_count; /* --sandbox-uids (0: the default range) */
} rt_sandbox_opts_t;
/* Finds runtime/node and Node and builds the sandbox (sandbox_status() tells how it
 * went). 0; -1 with err for a setting kiln must not start with; -2 with err when the
 * worker script is missing (functions cannot run at all). */
int rt_sandbox_init(const rt_sandbox_opts_t *o, char *err, size_t errlen);
/* Stops it: kills workers, answers queued jobs with RT_CRASH. */
void rt_stop(void);

/* Where the runtime extracts `snapshot` (a tar path relative to the data dir):
 * DATA/unpacked/<app>/<env>/<name>, whether it is there yet or not. 0, or -1 for a path
 * that is no snapshot's. Any thread. A prepare_only job makes it exist. */
int rt_unpacked_dir(const char *data_dir, const char *snapshot, char *out, size_t outlen);

/* A new job with every field zeroed. */
rt_job_t *rt_job_new(void);
void rt_job_free(rt_job_t *job);
/* Queues the job; it is answered through job->c (base/completion.h). Returns 0, or -1 (queue full: nothing sent). */
int rt_submit(rt_job_t *job);
/* Why this thread's last refused rt_submit refused: "the function runtime is not running on
 * this server", "... is stopping", "... queue is full (256 jobs waiting)", or "its app
 * version's workers and their backlog are all taken". A static string. */
const char *rt_submit_refusal(void);

/* Makes the calling thread (an HTTP thread, before its loop runs) able to drive warm
 * workers itself: rt_submit from it then runs a job on a released worker of the job's
 * version in `loop` — the invoke frame, the product calls carried on the worker's pipe
 * (through the fetch handler, with `fetch_ctx`), the result, and job->c.done called from the loop —
 * with no hop through the runtime thread. Without a free warm worker, or when anything
 * goes wrong on the way (the worker exits, is killed at the deadline, sends a malformed
 * frame, a frame does not fit the pipe at once), the runtime thread takes over as for
 * jobs it placed itself. When every worker of the version is busy and its pool is full,
 * the job waits in the pool's backlog and whoever finishes on one of them next runs it
 * (answering it on `receiver`'s thread: at once when that is the same thread). */
void rt_bind_thread(h2o_loop_t *loop, h2o_multithread_receiver_t *receiver, void *fetch_ctx);
/* The calling thread (bound by rt_bind_thread) ends: each worker it still has lent (an
 * invocation that outlived its drain) is given back to the runtime thread, its fd 4
 * taken out of this thread's loop first, so that nothing of the worker is left in a loop
 * no one runs (rt_stop then ends it with the rest). Call after the thread's last turn. */
void rt_unbind_thread(void);

/* Invocations handed to workers so far, by who drove them, for /metrics. */
typedef struct rt_counters {
    uint64_t on_http_thread;    /* started by the HTTP thread that received them */
    uint64_t on_runtime_thread; /* started by the runtime thread (cold, or no warm worker free) */
    uint64_t backlogged;        /* waited in a full pool's backlog first */
    uint64_t demoted;           /* handed to the runtime thread while running (fault, big frame) */
} rt_counters_t;
void rt_counters(rt_counters_t *out);

#endif
