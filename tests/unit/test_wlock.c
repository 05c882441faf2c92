/* Unit tests for the process's write lock (src/store/sqlite/wlock.c, sqlite_int.h): one
 * holder at a time under concurrent writers, a writer that gives up leaves the line
 * without taking the lock with it, a failed nested BEGIN leaves the lock with the open
 * transaction, and a store writer waiting behind another starts as
 * soon as that one commits (handed over, not found by a busy handler's next poll). */
#include "unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "store/sqlite/sqlite_int.h"
#include "store_fixture.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

/* ---- one holder at a time ---- */

#define EX_THREADS 4
#define EX_ROUNDS 3000

static atomic_int inside, overlaps;
static long counted; /* plain: only a holder touches it */

static void *exclusive_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < EX_ROUNDS; i++) {
        if (sq_wlock_take(SQ_WLOCK_TIMEOUT_MS) != 0)
            return (void *)1;
        if (atomic_fetch_add(&inside, 1) != 0)
            atomic_fetch_add(&overlaps, 1);
        long c = counted;
        if (i % 64 == 0)
            sched_yield(); /* give another thread the chance to break in */
        counted = c + 1;
        atomic_fetch_sub(&inside, 1);
        sq_wlock_give();
    }
    return NULL;
}

static void test_exclusive(void **state)
{
    (void)state;
    pthread_t t[EX_THREADS];
    for (int i = 0; i < EX_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, exclusive_main, NULL), 0);
    for (int i = 0; i < EX_THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_null(r);
    }
    assert_int_equal(atomic_load(&overlaps), 0);
    assert_int_equal(counted, (long)EX_THREADS * EX_ROUNDS);
}

/* ---- a writer that gives up ---- */

static void *give_up_main(void *arg)
{
    double *waited = arg;
    double t0 = now_ms();
    int rc = sq_wlock_take(60);
    *waited = now_ms() - t0;
    if (rc == 0)
        sq_wlock_give();
    return (void *)(intptr_t)rc;
}

static void test_timeout_leaves_the_line(void **state)
{
    (void)state;
    assert_int_equal(sq_wlock_take(SQ_WLOCK_TIMEOUT_MS), 0);
    double waited = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, give_up_main, &waited), 0);
    void *r;
    pthread_join(t, &r);
    assert_int_equal((intptr_t)r, -1); /* the lock was held all along */
    assert_true(waited >= 59.0);
    sq_wlock_give(); /* nobody in line: free, not handed to the one that left */
    double t0 = now_ms();
    assert_int_equal(sq_wlock_take(1000), 0);
    assert_true(now_ms() - t0 < 500.0);
    sq_wlock_give();
}

/* ---- a BEGIN inside a transaction fails, and the transaction keeps the lock ---- */

static void test_nested_begin_keeps_the_lock(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_not_equal(store_begin(f->st), STORE_OK);
    double waited = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, give_up_main, &waited), 0);
    void *r;
    pthread_join(t, &r);
    assert_int_equal((intptr_t)r, -1); /* still the transaction's */
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(sq_wlock_take(1000), 0); /* and let go with its commit */
    sq_wlock_give();
}

/* ---- store writers: handed over at the commit ---- */

#define HOLD_MS 300 /* long enough for SQLite's busy handler to sleep in 25..100 ms steps */
#define ROUNDS 5

typedef struct {
    const char *dir;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int began;     /* the first writer holds its transaction */
    double got_ms; /* when the second writer's store_begin returned */
    int rc;
} handover_t;

static void *second_writer(void *arg)
{
    handover_t *h = arg;
    store_t *st = open_migrated(h->dir);
    pthread_mutex_lock(&h->mu);
    while (!h->began)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
    h->rc = store_begin(st);
    h->got_ms = now_ms();
    if (h->rc == STORE_OK)
        h->rc = store_commit(st);
    store_close(st);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void test_store_writer_handed_over(void **state)
{
    fx_t *f = *state;
    double late[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        handover_t h = {.dir = f->dir, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, second_writer, &h), 0);
        assert_int_equal(store_begin(f->st), STORE_OK);
        pthread_mutex_lock(&h.mu);
        h.began = 1;
        pthread_cond_signal(&h.cv);
        pthread_mutex_unlock(&h.mu);
        struct timespec hold = {0, HOLD_MS * 1000000L};
        nanosleep(&hold, NULL); /* the scenario: a writer holding its transaction this long */
        assert_int_equal(store_commit(f->st), STORE_OK);
        double committed = now_ms();
        pthread_join(t, NULL);
        assert_int_equal(h.rc, STORE_OK);
        late[i] = h.got_ms - committed;
    }
    qsort(late, ROUNDS, sizeof *late, cmp_double);
    print_message("second writer began after the commit: median %.2f ms, max %.2f ms\n", late[ROUNDS / 2],
                  late[ROUNDS - 1]);
    /* polled by the busy handler it would be ~28 ms (its sleeps add up to 328 ms) */
    assert_true(late[ROUNDS / 2] < 10.0);
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exclusive),
        cmocka_unit_test(test_timeout_leaves_the_line),
        T(test_nested_begin_keeps_the_lock),
        T(test_store_writer_handed_over),
    };
    return cmocka_run_group_tests_name("wlock", tests, NULL, NULL);
}
