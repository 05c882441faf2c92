/* Unit tests for the store threads (src/http/offload.h): a thread takes the queue's first
 * job and every later job with the same run function, in queue order, up to
 * OFFLOAD_BATCH_MAX; jobs of another kind wait for their own batch; every job is answered
 * once; stop runs what is queued; submit refuses when nothing runs. One store thread on a SQLite store in a temporary
 * data dir (the pool opens the selected store; which one does not matter here). */
#include "unit.h"

#include <pthread.h>

#include "http/offload.h"
#include "store/store.h"

typedef struct job {
    offload_job_t o; /* first */
    int id;
} job_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_entered;
static int order[256], norder;    /* ids in the order runs saw them */
static size_t sizes[256], nsizes; /* batch sizes, in order */
static int answered[256];

static void record(offload_job_t **jobs, size_t n, store_t *st)
{
    pthread_mutex_lock(&mu);
    (void)st;
    sizes[nsizes++] = n;
    for (size_t i = 0; i < n; i++)
        order[norder++] = ((job_t *)jobs[i])->id;
    pthread_mutex_unlock(&mu);
}

static void run_a(offload_job_t **jobs, size_t n, store_t *st)
{
    record(jobs, n, st);
}

static void run_b(offload_job_t **jobs, size_t n, store_t *st)
{
    record(jobs, n, st);
}

/* Holds the store thread until the test opens the gate. */
static void run_gate(offload_job_t **jobs, size_t n, store_t *st)
{
    pthread_mutex_lock(&mu);
    gate_entered = 1;
    pthread_cond_broadcast(&cv);
    while (!gate_open)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    record(jobs, n, st);
}

static void on_done(completion_t *c)
{
    job_t *j = (job_t *)c;
    pthread_mutex_lock(&mu);
    answered[j->id]++;
    pthread_mutex_unlock(&mu);
    free(j);
}

static void submit(int id, offload_run_fn run)
{
    job_t *j = xcalloc(1, sizeof *j);
    j->id = id;
    j->o.run = run;
    j->o.c.done = on_done; /* no receiver: answered on the store thread (base/completion.h) */
    assert_int_equal(offload_submit(&j->o), 0);
}

static void test_batches_by_kind(void **state)
{
    (void)state;
    char *dir = unit_tempdir(), err[256];
    store_t *st = store_open(dir, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_migrate(st, err, sizeof err), STORE_OK);
    store_close(st);

    assert_int_equal(offload_running(), 0);
    job_t refused = {.o.run = run_a};
    assert_int_equal(offload_submit(&refused.o), -1); /* nothing runs yet */
    assert_int_equal(offload_start(1, dir, err, sizeof err), 0);
    assert_int_equal(offload_running(), 1);

    submit(0, run_gate);
    pthread_mutex_lock(&mu);
    while (!gate_entered)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    /* queued while the one thread is held: A B A B A, then OFFLOAD_BATCH_MAX + 3 more A */
    int id = 1;
    for (int i = 0; i < 5; i++, id++)
        submit(id, i % 2 == 0 ? run_a : run_b);
    for (int i = 0; i < OFFLOAD_BATCH_MAX + 3; i++, id++)
        submit(id, run_a);
    offload_stats_t s;
    offload_stats(&s);
    assert_int_equal(s.queued, 5 + OFFLOAD_BATCH_MAX + 3);
    assert_int_equal(s.threads, 1);
    pthread_mutex_lock(&mu);
    gate_open = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    offload_stop(); /* runs what is queued, then stops */
    assert_int_equal(offload_running(), 0);

    /* the gate alone; then the A's up to a batch's size (1, 3, 5, then 6.. in order); the
       B's (2, 4) together; then the A's left */
    assert_int_equal(nsizes, 4);
    assert_int_equal(sizes[0], 1);
    assert_int_equal(sizes[1], OFFLOAD_BATCH_MAX);
    assert_int_equal(sizes[2], 2);
    assert_int_equal(sizes[3], 5 + OFFLOAD_BATCH_MAX + 3 - 2 - OFFLOAD_BATCH_MAX);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 1);
    assert_int_equal(order[2], 3);
    assert_int_equal(order[3], 5);
    for (int i = 4; i <= OFFLOAD_BATCH_MAX; i++)
        assert_int_equal(order[i], i + 2); /* 6, 7, ... */
    assert_int_equal(order[OFFLOAD_BATCH_MAX + 1], 2);
    assert_int_equal(order[OFFLOAD_BATCH_MAX + 2], 4);
    for (int i = 0; i < id; i++)
        assert_int_equal(answered[i], 1);
    offload_stats(&s);
    assert_int_equal(s.jobs, (uint64_t)id);
    assert_int_equal(s.batches, 4);
    assert_int_equal(s.queued, 0);
    unit_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_by_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
