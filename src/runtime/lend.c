/* Lending (runtime/supervisor.h rt_bind_thread), rt_submit's fast path: an HTTP thread takes a warm, released worker of
 * the job's version and runs the invocation in its own event loop — the invoke frame, the product calls the function
 * carries on its pipe (served through the same /_proxy pipeline, with this thread's store handle and metrics), the
 * result — with no hop through the runtime thread either way. Anything out of the ordinary (the worker exits or is
 * killed at its deadline, a malformed frame, a frame the pipe does not take at once) demotes the worker to the runtime
 * thread, which carries on from there exactly as for its own jobs. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/json.h"
#include "runtime/rt_int.h"

static __thread rt_home_t home_of_thread;
__thread rt_home_t *rt_home;

void rt_bind_thread(h2o_loop_t *loop, h2o_multithread_receiver_t *receiver, void *fetch_ctx)
{
    home_of_thread = (rt_home_t){.loop = loop, .receiver = receiver, .fetch_ctx = fetch_ctx};
    rt_home = &home_of_thread;
}

/* The next job of p's backlog (RT.mu held): the oldest submitted on `receiver`'s thread
 * (answered there without a hop), else the oldest. NULL when there is none. */
rt_job_t *rt_backlog_take(pool_t *p, h2o_multithread_receiver_t *receiver)
{
    qnode_t **pick = p->backlog ? &p->backlog : NULL;
    int64_t now = clock_now_ms();
    for (qnode_t **pp = &p->backlog; receiver && *pp && now - p->backlog->since_ms < RT_BACKLOG_PREFER_MS;
         pp = &(*pp)->next)
        if ((*pp)->job->c.receiver == receiver) {
            pick = pp;
            break;
        }
    if (!pick)
        return NULL;
    qnode_t *n = *pick;
    *pick = n->next;
    rt_job_t *job = n->job;
    free(n);
    RT.nbacklog--;
    return job;
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
    pthread_mutex_lock(&RT.mu);
    if (why && !w->kill_why)
        w->kill_why = why;
    w->state = W_DEMOTED;
    if (w->job)
        COUNT(demoted);
    pthread_mutex_unlock(&RT.mu);
    rt_wake();
}

void rt_unbind_thread(void)
{
    if (!rt_home)
        return;
    worker_t *mine[RT_WORKERS_MAX];
    unsigned n = 0;
    pthread_mutex_lock(&RT.mu);
    for (unsigned i = 0; i < RT.nworkers && n < RT_WORKERS_MAX; i++)
        if (RT.workers[i]->state == W_LENT && RT.workers[i]->lender == rt_home)
            mine[n++] = RT.workers[i];
    pthread_mutex_unlock(&RT.mu);
    /* only this thread changes a worker it has lent: each is still LENT here */
    for (unsigned i = 0; i < n; i++)
        demote(mine[i], 0, "kiln is shutting down");
    rt_home = NULL;
}

/* The invocation on a lent worker ended well: its output is collected, its token dies,
 * the worker goes on to the next job of its backlog or is released, and only then is the
 * job answered here, so that the answer's client, calling again at once, finds the worker
 * free (another HTTP thread may take its next request). */
static int lent_result(worker_t *w, size_t consumed, json_t *f)
{
    rt_job_t *job = w->job;
    rt_drain_now(w, w->out_fd, &w->out, rt_out_line);
    rt_drain_now(w, w->err_fd, &w->err, rt_err_line);
    w->job = NULL;
    w->idle_since_ms = clock_now_ms();
    if (job->token[0])
        invocation_end(job->token); /* dead before the worker can serve anyone else */
    job->token[0] = '\0';
    char *result;
    enum rt_status st = rt_frame_result(job, f, &result);
    int direct = job->c.receiver == rt_home->receiver, rc = 1;
    /* the next job of this version that waits, if any, runs here at once */
    for (;;) {
        pthread_mutex_lock(&RT.mu);
        /* not on a worker the runtime thread just killed at the last job's deadline */
        rt_job_t *next = w->kill_why || w->timed_out ? NULL : rt_backlog_take(w->pool, rt_home->receiver);
        if (next)
            w->lend_deadline_ms = next->deadline_ms;
        pthread_mutex_unlock(&RT.mu);
        if (!next)
            break;
        rt_worker_start_job(w, next);
        if (!w->job)
            continue; /* answered at once (too many invocations): the next one */
        if (w->woff < w->wbuf.len)
            demote(w, consumed, NULL); /* the runtime thread writes the rest of the frame */
        else
            rc = 0; /* go on reading: this job's frames follow */
        goto answer;
    }
    detach(w, consumed);
    pthread_mutex_lock(&RT.mu);
    /* late frames to handle, bytes to write, or killed at the deadline: the runtime's */
    int give_back = w->in.len || w->woff < w->wbuf.len || w->kill_why || w->timed_out;
    w->state = give_back ? W_DEMOTED : W_RELEASED;
    int waiting = RT.nwaiting > 0;
    pthread_mutex_unlock(&RT.mu);
    if (give_back || waiting)
        rt_wake();
answer:
    rt_finish_to(job, st, result, direct);
    return rc;
}

/* One frame from a lent worker: 0 go on, 1 this thread no longer holds the worker. */
static int lent_frame(worker_t *w, const char *line, size_t len, size_t consumed)
{
    json_t *f;
    int rc = 0;
    switch (rt_frame_parse(w, line, len, &f)) {
    case RT_FRAME_BAD: demote(w, consumed, "the function's worker sent a malformed message"); return 1;
    case RT_FRAME_FETCH:
        if (rt_frame_fetch(w, rt_home->fetch_ctx, f) != 0) {
            demote(w, consumed, "the function's worker sent a malformed message");
            rc = 1;
        } else if (w->woff < w->wbuf.len) { /* the pipe is full: the runtime thread writes the rest */
            demote(w, consumed, NULL);
            rc = 1;
        }
        break;
    case RT_FRAME_RESULT: rc = lent_result(w, consumed, f); break;
    case RT_FRAME_LOG: rt_frame_log(w, f); break;
    case RT_FRAME_LATE: rt_frame_late(w, f); break;
    case RT_FRAME_READY: /* again: nothing to do */
    case RT_FRAME_OTHER: break;
    }
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
int rt_lend(rt_job_t *job)
{
    worker_t *w = NULL;
    pool_t *pool = NULL;
    int early = 0;
    pthread_mutex_lock(&RT.mu);
    for (unsigned i = 0; RT.running && !RT.stopping && i < RT.npools && !pool; i++) {
        pool_t *p = &RT.pools[i];
        if (p->n == 0 || !rt_pool_matches(p, job))
            continue;
        pool = p;
        for (unsigned k = 0; k < p->n && !w; k++)
            if (p->workers[k]->state == W_RELEASED)
                w = p->workers[k];
    }
    if (!w && pool && pool->n >= RT_POOL_MAX) {
        /* every worker of the version is busy and there is no room for another: the next
         * one to finish runs it */
        int full = RT.queued + RT.nbacklog >= RT_QUEUE_MAX;
        if (!full) {
            qnode_t *q = xcalloc(1, sizeof *q), **end = &pool->backlog;
            q->job = job;
            q->since_ms = clock_now_ms();
            while (*end)
                end = &(*end)->next;
            *end = q;
            RT.nbacklog++;
            COUNT(backlogged);
            early = job->deadline_ms < RT.planned_wake_ms;
        }
        pthread_mutex_unlock(&RT.mu);
        if (early)
            rt_wake();
        return full ? -1 : 1;
    }
    if (w) {
        w->state = W_LENT;
        w->lender = rt_home;
        w->timed_out = 0;
        w->lend_deadline_ms = job->deadline_ms;
        early = job->deadline_ms < RT.planned_wake_ms; /* the runtime thread enforces it */
    }
    pthread_mutex_unlock(&RT.mu);
    if (!w)
        return 0;
    if (early)
        rt_wake();
    siginfo_t si = {0};
    if (waitid(P_PID, w->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == w->pid) {
        demote(w, 0, "the function's process exited"); /* a late timer of its last invocation ended it */
        return rt_lend(job);
    }
    /* what a finished invocation's leftover callbacks printed is nobody's: dropped */
    rt_drain_now(w, w->out_fd, &w->out, rt_out_line);
    rt_drain_now(w, w->err_fd, &w->err, rt_err_line);
    rt_worker_start_job(w, job);
    if (!w->job) { /* answered already (too many invocations, too large): free again */
        pthread_mutex_lock(&RT.mu);
        w->state = W_RELEASED;
        pthread_mutex_unlock(&RT.mu);
    } else if (w->woff < w->wbuf.len) {
        demote(w, 0, NULL); /* the runtime thread writes the rest of the frame */
    } else {
        w->rsock = h2o_evloop_socket_create(rt_home->loop, w->from_fd, 0);
        w->rsock->data = w;
        h2o_socket_read_start(w->rsock, on_lent_read);
    }
    return 1;
}
