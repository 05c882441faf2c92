/* Store threads: requests' store work off the event loop. A small pool of threads, each
 * with its own store handle, runs the work a request needs from a store that is a network
 * away (PostgreSQL) and answers on the request's own thread through its completions
 * receiver (base/completion.h). An HTTP thread then never waits for a database round trip
 * while its other connections wait with it (docs/scale.md, "Store threads"); on SQLite, whose
 * reads are local and short, nothing is started and requests keep their in-loop path.
 *
 *   asking thread (HTTP): j->c.receiver, j->c.done, j->c.owner = kr; kr->waiting = &j->c;
 *                         j->run = fn; offload_submit(j)
 *   store thread:         fn(jobs, n, handle) for a batch of queued jobs with the same fn,
 *                         then completion_send for each, in queue order
 *   asking thread's loop: j->c.done(&j->c): answers kr (if c.owner is still set), frees j
 *
 * Batching: a store thread takes the first queued job and every other queued job with the
 * same run function, up to OFFLOAD_BATCH_MAX, in queue order, and hands them to that
 * function at once, which may answer them in fewer round trips (app storage gets:
 * platform/proxy_kvs.c). Jobs of different sites may share a batch: the run function
 * binds each job's site (gateway_bind_site's site, carried in the job) before its store
 * work, and the store thread unbinds its handle before every batch (store.h).
 *
 * Ownership: a job is made by the asking thread (embedding offload_job_t first, or as the
 * first member of what it embeds), lives on the heap, and is freed by c.done on the
 * asking thread. Everything the store thread reads must be the job's own copy: the
 * request may go away meanwhile (its pool is then freed; c.owner becomes NULL). */
#ifndef KILN_OFFLOAD_H
#define KILN_OFFLOAD_H

#include <stddef.h>

#include "base/completion.h"
#include "store/store.h"

#define OFFLOAD_THREADS_MAX 64
#define OFFLOAD_QUEUE_MAX 16384 /* jobs waiting; more: offload_submit refuses (the caller answers 503) */
#define OFFLOAD_BATCH_MAX 64    /* jobs one store thread takes at once */

typedef struct offload_job offload_job_t;
/* Runs a batch of jobs on a store thread with its handle `st` (no site bound, no
 * transaction open); fills each job's answer. Must not block on anything but the store. */
typedef void (*offload_run_fn)(offload_job_t **jobs, size_t n, store_t *st);

struct offload_job {
    completion_t c; /* first (base/completion.h): answered on c.receiver's thread */
    offload_run_fn run;
    offload_job_t *next; /* the queue's */
};

/* Starts `threads` store threads (1..OFFLOAD_THREADS_MAX), each with its own handle of the
 * selected store. 0, or -1 with err (nothing started). */
int offload_start(unsigned threads, const char *data_dir, char *err, size_t errlen);
/* Runs the queued jobs, then stops the threads (no-op if not started). Call after the
 * HTTP threads drained: every job's receiver must still be there when it is answered. */
void offload_stop(void);
/* 1 while store threads take jobs. */
int offload_running(void);
/* Queues j. 0; -1 when no store thread runs or OFFLOAD_QUEUE_MAX jobs wait (j stays the
 * caller's). */
int offload_submit(offload_job_t *j);

/* Counters for /metrics: jobs run, batches they ran in, jobs waiting now, refusals. */
typedef struct offload_stats {
    uint64_t jobs, batches, refused;
    unsigned queued, threads;
} offload_stats_t;
void offload_stats(offload_stats_t *out);

#endif
