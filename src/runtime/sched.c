/* Scheduling on the runtime thread: the pool of each job's version, placing queued jobs on
 * warm workers or starting new ones within the bounds, taking back what HTTP threads
 * gave back, releasing idle workers for lending, reaping, and the deadlines of jobs that
 * wait. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "runtime/rt_int.h"
#include "runtime/sandbox.h"

/* Whether `job` runs in pool p: its version (snapshot), memory limit, and, for an
 * environment with isolation: installation, its installation. */
int rt_pool_matches(const pool_t *p, const rt_job_t *job)
{
    return p->memory_mb == job->memory_mb && strcmp(p->snapshot, job->snapshot) == 0 && !p->isolate == !job->isolate &&
           (!job->isolate || strcmp(p->isolate, job->isolate) == 0);
}

/* The pool of the job's version: *out set and 1, 0 while its snapshot is being
 * unpacked, -1 with err. */
static int pool_for(rt_job_t *job, pool_t **out, char *err, size_t errlen)
{
    for (unsigned i = 0; i < RT.npools; i++)
        if (rt_pool_matches(&RT.pools[i], job)) {
            *out = &RT.pools[i];
            return 1;
        }
    int slot = RT.npools < RT_POOLS_MAX ? (int)RT.npools : -1;
    for (unsigned i = 0; slot < 0 && i < RT.npools; i++)
        if (RT.pools[i].n == 0 && !RT.pools[i].backlog)
            slot = (int)i; /* an empty pool's slot is reused in place: workers point at theirs */
    if (slot < 0) {
        snprintf(err, errlen, "too many app versions running at once");
        return -1;
    }
    char *dir = NULL;
    int rc = rt_snapshot_dir(job->snapshot, &dir, err, errlen);
    if (rc <= 0)
        return rc;
    pthread_mutex_lock(&RT.mu);
    pool_t *p = &RT.pools[slot];
    if ((unsigned)slot < RT.npools) {
        free(p->snapshot);
        free(p->isolate);
        free(p->dir);
    } else {
        RT.npools++;
    }
    *p = (pool_t){.snapshot = xstrdup(job->snapshot),
                  .isolate = job->isolate ? xstrdup(job->isolate) : NULL,
                  .memory_mb = job->memory_mb,
                  .dir = dir};
    pthread_mutex_unlock(&RT.mu);
    *out = p;
    return 1;
}

/* Whether the runtime thread drives w now: OWNED, or RELEASED and taken back. */
static int claim(worker_t *w)
{
    pthread_mutex_lock(&RT.mu);
    if (w->state == W_RELEASED)
        w->state = W_OWNED;
    int mine = w->state == W_OWNED;
    pthread_mutex_unlock(&RT.mu);
    return mine;
}

/* Tries to place a waiting job: 1 placed (or finished with an error), 0 must wait. */
static int place(rt_job_t *job)
{
    char err[512];
    if (job->prepare_only) {
        char *dir = NULL;
        int rc = rt_snapshot_dir(job->snapshot, &dir, err, sizeof err);
        if (rc == 0)
            return 0;
        if (rc < 0)
            log_msg(LOG_ERROR, "runtime: cannot unpack a deployed version", "error", err, NULL);
        free(dir);
        pool_t *p = NULL;
        if (rc > 0 && job->warm && sandbox_allows(job->inv.env_key) && pool_for(job, &p, err, sizeof err) > 0 &&
            p->n == 0 && RT.nworkers < RT_WORKERS_MAX && !rt_worker_spawn(p, err, sizeof err))
            log_msg(LOG_WARN, "runtime: cannot start a warm worker for a deployed version", "error", err, NULL);
        rt_finish(job, rc > 0 ? RT_OK : RT_SETUP,
                  rc > 0 ? xstrdup("null") : rt_error_json("Error", "the snapshot could not be unpacked"));
        return 1;
    }
    if (clock_now_ms() > job->deadline_ms) {
        rt_finish(job, RT_TIMEOUT,
                  rt_error_json("TimeoutError", "the invocation waited for a worker past its deadline"));
        return 1;
    }
    if (!sandbox_allows(job->inv.env_key)) {
        /* no silent weak mode: only development apps run unboxed (docs/security.md) */
        rt_finish(job, RT_SETUP,
                  rt_error_json("SandboxUnavailable", "kiln cannot build the sandbox on this machine, and apps of the "
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
        rt_finish(job, RT_SETUP, rt_error_json("Error", "the app version could not be prepared to run"));
        return 1;
    }
    for (unsigned i = 0; i < p->n; i++) {
        worker_t *w = p->workers[i];
        if (w->ready && claim(w) && !w->job) {
            rt_worker_start_job(w, job);
            return 1;
        }
    }
    /* room for another worker of this version? reap an idle one elsewhere if the total is full */
    if (p->n < RT_POOL_MAX && RT.nworkers >= RT_WORKERS_MAX) {
        for (unsigned i = 0; i < RT.nworkers; i++)
            if (RT.workers[i]->ready && RT.workers[i]->pool != p && claim(RT.workers[i]) && !RT.workers[i]->job) {
                rt_worker_kill(RT.workers[i], RT_CRASH, "reaped");
                break;
            }
    }
    unsigned starting = 0;
    for (unsigned i = 0; i < p->n; i++)
        starting += !p->workers[i]->ready;
    if (p->n < RT_POOL_MAX && RT.nworkers < RT_WORKERS_MAX && starting == 0) {
        if (!rt_worker_spawn(p, err, sizeof err)) {
            log_msg(LOG_ERROR, "runtime: cannot start a worker", "error", err, NULL);
            rt_finish(job, RT_NOSTART, rt_error_json("Error", "the function's worker could not start"));
            return 1;
        }
    }
    return 0;
}

void rt_schedule(void)
{
    pthread_mutex_lock(&RT.mu);
    while (RT.head) {
        qnode_t *n = RT.head;
        RT.head = n->next;
        if (!RT.head)
            RT.tail = NULL;
        RT.queued--;
        n->next = NULL;
        qnode_t **end = &RT.waiting;
        while (*end)
            end = &(*end)->next;
        *end = n;
    }
    pthread_mutex_unlock(&RT.mu);
    unsigned waiting = 0;
    for (qnode_t **pp = &RT.waiting; *pp;) {
        qnode_t *n = *pp;
        if (place(n->job)) {
            *pp = n->next;
            free(n);
        } else {
            pp = &n->next;
            waiting++;
        }
    }
    pthread_mutex_lock(&RT.mu);
    RT.nwaiting = waiting;
    pthread_mutex_unlock(&RT.mu);
}

/* Workers HTTP threads gave back (runtime thread): killed when they must be, else driven
 * from here on (frames they left unhandled first). */
void rt_take_over(void)
{
    worker_t *back[RT_WORKERS_MAX];
    unsigned n = 0;
    pthread_mutex_lock(&RT.mu);
    for (unsigned i = 0; i < RT.nworkers; i++)
        if (RT.workers[i]->state == W_DEMOTED) {
            RT.workers[i]->state = W_OWNED;
            back[n++] = RT.workers[i];
        }
    pthread_mutex_unlock(&RT.mu);
    for (unsigned i = 0; i < n; i++) {
        worker_t *w = back[i];
        if (w->timed_out)
            rt_worker_kill(w, RT_TIMEOUT, "the function did not answer within its time limit");
        else if (w->kill_why)
            rt_worker_kill(w, RT_CRASH, w->kill_why);
        else if (rt_lines(w, &w->in, rt_worker_frame) == 0)
            rt_worker_flush(w);
    }
}

/* Idle workers the runtime thread drives become free for HTTP threads to borrow; lent
 * ones past their deadline are killed (their thread then gives them back); released ones
 * idle too long are reaped. Returns the earliest deadline of a lent worker, or `next`. */
int64_t rt_release_and_watch(int64_t now, int64_t next)
{
    worker_t *reap[RT_WORKERS_MAX], *run_on[RT_WORKERS_MAX];
    rt_job_t *run[RT_WORKERS_MAX];
    unsigned nreap = 0, nrun = 0;
    qnode_t *late = NULL, *requeue = NULL;
    pthread_mutex_lock(&RT.mu);
    /* backlogs: jobs past their deadline end; a pool with room again (a worker died) hands
     * its backlog to the runtime thread, which starts workers for it */
    for (unsigned i = 0; i < RT.npools; i++) {
        pool_t *p = &RT.pools[i];
        for (qnode_t **pp = &p->backlog; *pp;) {
            qnode_t *q = *pp;
            if (now > q->job->deadline_ms || p->n < RT_POOL_MAX) {
                *pp = q->next;
                RT.nbacklog--;
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
    for (unsigned i = 0; i < RT.nworkers; i++) {
        worker_t *w = RT.workers[i];
        int idle =
            w->state == W_OWNED && w->ready && !w->job && w->woff == w->wbuf.len && w->in.len == 0 && !w->kill_why;
        rt_job_t *job = idle ? rt_backlog_take(w->pool, NULL) : NULL;
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
    RT.planned_wake_ms = next;
    pthread_mutex_unlock(&RT.mu);
    for (unsigned i = 0; i < nreap; i++)
        rt_worker_kill(reap[i], RT_CRASH, "idle");
    for (unsigned i = 0; i < nrun; i++)
        rt_worker_start_job(run_on[i], run[i]);
    while (late) {
        qnode_t *q = late;
        late = q->next;
        rt_finish(q->job, RT_TIMEOUT,
                  rt_error_json("TimeoutError", "the invocation waited for a worker past its deadline"));
        free(q);
    }
    if (requeue)
        next = now; /* placed on the next turn, at once */
    while (requeue) {
        qnode_t *q = requeue, **end = &RT.waiting;
        requeue = q->next;
        q->next = NULL;
        while (*end)
            end = &(*end)->next;
        *end = q;
    }
    return next;
}
