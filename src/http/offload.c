#include "http/offload.h"

#include <pthread.h>
#include <stdio.h>

#include "base/arena.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t tid[OFFLOAD_THREADS_MAX];
    store_t *st[OFFLOAD_THREADS_MAX];
    unsigned nthreads;
    int running, stopping;
    offload_job_t *head, *tail;
    unsigned queued;
    unsigned waking; /* threads signalled that have not taken their batch yet */
    uint64_t jobs, batches, refused;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

int offload_submit(offload_job_t *j)
{
    pthread_mutex_lock(&P.mu);
    if (!P.running || P.stopping || P.queued >= OFFLOAD_QUEUE_MAX) {
        P.refused++;
        pthread_mutex_unlock(&P.mu);
        return -1;
    }
    j->next = NULL;
    if (P.tail)
        P.tail->next = j;
    else
        P.head = j;
    P.tail = j;
    P.queued++;
    /* one wake-up per burst: a thread already woken takes this job with the rest (a
       futex wake and a context switch per job would cost more than the job) */
    if (!P.waking) {
        P.waking++;
        pthread_cond_signal(&P.cv);
    }
    pthread_mutex_unlock(&P.mu);
    return 0;
}

/* Under P.mu, with a job queued: the head and every later job with its run function, up
 * to OFFLOAD_BATCH_MAX, unlinked in queue order into out. */
static size_t take_batch(offload_job_t **out)
{
    offload_run_fn fn = P.head->run;
    size_t n = 0;
    offload_job_t **link = &P.head, *prev = NULL;
    while (*link && n < OFFLOAD_BATCH_MAX) {
        offload_job_t *j = *link;
        if (j->run != fn) {
            prev = j;
            link = &j->next;
            continue;
        }
        *link = j->next;
        if (P.tail == j)
            P.tail = prev;
        out[n++] = j;
    }
    P.queued -= (unsigned)n;
    P.jobs += n;
    P.batches++;
    return n;
}

static void *store_thread(void *arg)
{
    store_t *st = arg;
    offload_job_t *batch[OFFLOAD_BATCH_MAX];
    for (;;) {
        pthread_mutex_lock(&P.mu);
        while (!P.head && !P.stopping)
            pthread_cond_wait(&P.cv, &P.mu);
        if (P.waking) /* this thread's wake-up, or one it saves another from */
            P.waking--;
        if (!P.head) { /* stopping, and nothing left to run */
            pthread_mutex_unlock(&P.mu);
            break;
        }
        size_t n = take_batch(batch);
        if (P.head && !P.waking) { /* more: another thread takes them meanwhile */
            P.waking++;
            pthread_cond_signal(&P.cv);
        }
        pthread_mutex_unlock(&P.mu);
        store_unbind_site(st); /* no site until a job binds its own (store.h) */
        batch[0]->run(batch, n, st);
        store_unbind_site(st);
        for (size_t i = 0; i < n; i++)
            completion_send(&batch[i]->c);
        store_idle(st);
    }
    arena_thread_exit();
    return NULL;
}

int offload_start(unsigned threads, const char *data_dir, char *err, size_t errlen)
{
    if (threads < 1 || threads > OFFLOAD_THREADS_MAX) {
        snprintf(err, errlen, "store threads must be between 1 and %d", OFFLOAD_THREADS_MAX);
        return -1;
    }
    for (unsigned i = 0; i < threads; i++)
        if (!(P.st[i] = store_open(data_dir, err, errlen))) {
            while (i-- > 0)
                store_close(P.st[i]);
            return -1;
        }
    __atomic_store_n(&P.stopping, 0, __ATOMIC_RELEASE);
    unsigned started = 0;
    for (; started < threads; started++)
        if (pthread_create(&P.tid[started], NULL, store_thread, P.st[started]) != 0)
            break;
    pthread_mutex_lock(&P.mu);
    P.nthreads = started;
    __atomic_store_n(&P.running, started == threads, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&P.mu);
    if (started == threads)
        return 0;
    snprintf(err, errlen, "cannot start the store threads");
    offload_stop();
    for (unsigned i = started; i < threads; i++)
        store_close(P.st[i]);
    return -1;
}

/* Asked by every product API request and app storage read (store threads or not): no
 * lock, the two flags are written with release stores under P.mu. */
int offload_running(void)
{
    return __atomic_load_n(&P.running, __ATOMIC_ACQUIRE) && !__atomic_load_n(&P.stopping, __ATOMIC_ACQUIRE);
}

void offload_stop(void)
{
    pthread_mutex_lock(&P.mu);
    unsigned n = P.nthreads;
    __atomic_store_n(&P.stopping, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&P.cv);
    pthread_mutex_unlock(&P.mu);
    for (unsigned i = 0; i < n; i++) {
        pthread_join(P.tid[i], NULL);
        store_close(P.st[i]);
        P.st[i] = NULL;
    }
    pthread_mutex_lock(&P.mu);
    P.nthreads = 0;
    __atomic_store_n(&P.running, 0, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&P.mu);
}

void offload_stats(offload_stats_t *out)
{
    pthread_mutex_lock(&P.mu);
    *out = (offload_stats_t){
        .jobs = P.jobs, .batches = P.batches, .refused = P.refused, .queued = P.queued, .threads = P.nthreads};
    pthread_mutex_unlock(&P.mu);
}
