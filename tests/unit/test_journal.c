/* Unit tests for the journal core (src/journal/journal.c), with a log of its own whose
 * write function keeps what it is given: records reach the writer in the order they were
 * made, across the ring's end and many batches; a full ring drops and counts, never
 * blocks (written + dropped = made); stop writes everything queued and then refuses;
 * a barrier's completion comes only once every record made before it is written, at once
 * when nothing waits, and after stop; the writer's scratch is its own and kept across
 * batches. The logs built on it (audit, ledger, function logs) have their own tests. */
#include "unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "journal/journal.h"

#define RING 8
#define BATCH 3

typedef struct {
    uint64_t seq;
    char text[24];
} rec_t;

/* What the write function saw (the writer thread's; read after journal_stop or under mu). */
static struct {
    pthread_mutex_t mu;
    uint64_t seen[200000];
    size_t n;
    size_t batches, max_batch;
    int out_of_order;
    void *scratch;
    int scratch_changed;
    int hold; /* 1: the write function waits until it is 0 */
    int fail; /* the write function's result (STORE_OK, or the store away) */
} W = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int write_fn(store_t *st, void *slots, size_t n, void *scratch)
{
    (void)st;
    pthread_mutex_lock(&W.mu);
    while (W.hold) {
        pthread_mutex_unlock(&W.mu);
        usleep(1000);
        pthread_mutex_lock(&W.mu);
    }
    if (W.scratch && W.scratch != scratch)
        W.scratch_changed = 1;
    W.scratch = scratch;
    rec_t *r = slots;
    for (size_t i = 0; i < n; i++) {
        if (W.n && r[i].seq <= W.seen[W.n - 1])
            W.out_of_order = 1;
        char want[24];
        snprintf(want, sizeof want, "r%llu", (unsigned long long)r[i].seq);
        if (strcmp(want, r[i].text) != 0)
            W.out_of_order = 1;
        if (W.n < sizeof W.seen / sizeof *W.seen)
            W.seen[W.n++] = r[i].seq;
    }
    W.batches++;
    if (n > W.max_batch)
        W.max_batch = n;
    int rc = W.fail;
    pthread_mutex_unlock(&W.mu);
    return rc;
}

static const journal_def_t def = {
    .name = "test",
    .slot_size = sizeof(rec_t),
    .queue_max = RING,
    .batch = BATCH,
    .flush_ms = 10000, /* the writer wakes for a full batch, a barrier or stop: never by time here */
    .write = write_fn,
    .scratch_size = 64,
};

static journal_t J = JOURNAL_INIT;
static char *dir;

static int setup(void **state)
{
    (void)state;
    log_min_level = LOG_ERROR;
    pthread_mutex_lock(&W.mu);
    W.n = W.batches = W.max_batch = 0;
    W.out_of_order = W.scratch_changed = W.hold = W.fail = 0;
    W.scratch = NULL;
    pthread_mutex_unlock(&W.mu);
    dir = unit_tempdir();
    char err[256] = "";
    assert_int_equal(journal_start(&J, &def, dir, 0, err, sizeof err), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    journal_stop(&J);
    unit_rmtree(dir);
    return 0;
}

/* 1 if queued, 0 if dropped or refused. */
static int record(uint64_t seq)
{
    rec_t *r = journal_take(&J);
    if (!r)
        return 0;
    assert_int_equal(r->seq, 0); /* handed out zeroed */
    r->seq = seq;
    journal_put(r->text, sizeof r->text, "r", SIZE_MAX);
    snprintf(r->text + 1, sizeof r->text - 1, "%llu", (unsigned long long)seq);
    journal_commit(&J);
    return 1;
}

static size_t seen(void)
{
    pthread_mutex_lock(&W.mu);
    size_t n = W.n;
    pthread_mutex_unlock(&W.mu);
    return n;
}

static void test_order_across_the_ring_and_batches(void **state)
{
    (void)state;
    uint64_t made = 0, queued = 0;
    for (int i = 0; i < 5000; i++) {
        queued += record(++made);
        if (i % 7 == 0)
            usleep(50); /* let the writer catch up now and then: the ring wraps many times */
    }
    journal_stop(&J);
    assert_int_equal(W.n, queued);
    assert_int_equal(queued + journal_dropped(&J), made);
    assert_false(W.out_of_order);
    assert_true(W.max_batch <= BATCH);
    assert_true(W.batches >= queued / BATCH);
    assert_false(W.scratch_changed);
    assert_non_null(W.scratch);
}

static void test_full_ring_drops_and_counts_never_blocks(void **state)
{
    (void)state;
    pthread_mutex_lock(&W.mu);
    W.hold = 1; /* the writer is stuck in a write, as behind a long transaction */
    pthread_mutex_unlock(&W.mu);
    for (uint64_t s = 1; s <= BATCH; s++)
        assert_true(record(s));
    usleep(20000); /* a full batch woke the writer: it has taken it and waits */
    int64_t t0 = clock_now_ms();
    unsigned queued = 0;
    for (uint64_t s = BATCH + 1; s <= 1000; s++)
        queued += (unsigned)record(s);
    assert_true(clock_now_ms() - t0 < 1000);
    assert_int_equal(queued, RING);                             /* the ring filled ... */
    assert_int_equal(journal_dropped(&J), 1000 - BATCH - RING); /* ... and the rest was counted */
    pthread_mutex_lock(&W.mu);
    W.hold = 0;
    pthread_mutex_unlock(&W.mu);
    journal_stop(&J);
    assert_int_equal(W.n, BATCH + RING);
    assert_false(W.out_of_order);
}

static void test_stop_writes_everything_then_refuses(void **state)
{
    (void)state;
    for (uint64_t s = 1; s <= RING; s++)
        assert_true(record(s));
    journal_stop(&J);
    assert_int_equal(W.n, RING);
    assert_false(record(99));
    assert_int_equal(journal_dropped(&J), 0); /* a stopped journal refuses; it does not count */
    journal_stop(&J);                         /* twice: nothing */
}

/* A barrier with no receiver: its done runs on the thread that sends it. */
typedef struct {
    journal_wait_t w;
    size_t seen_then; /* records written when done ran */
    atomic_int done;
} waiter_t;

static void on_done(completion_t *c)
{
    waiter_t *x = (waiter_t *)c;
    x->seen_then = seen();
    atomic_store(&x->done, 1);
}

static void barrier(waiter_t *x)
{
    memset(x, 0, sizeof *x);
    x->w.c.done = on_done;
    journal_barrier(&J, &x->w);
}

static void wait_done(waiter_t *x)
{
    for (int i = 0; i < 5000 && !atomic_load(&x->done); i++)
        usleep(1000);
    assert_true(atomic_load(&x->done));
}

static void test_barrier_comes_after_what_was_made_before(void **state)
{
    (void)state;
    waiter_t idle;
    barrier(&idle);
    assert_true(atomic_load(&idle.done)); /* nothing waits: at once */

    pthread_mutex_lock(&W.mu);
    W.hold = 1;
    pthread_mutex_unlock(&W.mu);
    for (uint64_t s = 1; s <= 5; s++)
        assert_true(record(s));
    waiter_t x;
    barrier(&x);
    usleep(30000);
    assert_false(atomic_load(&x.done)); /* the writer is held: not yet */
    pthread_mutex_lock(&W.mu);
    W.hold = 0;
    pthread_mutex_unlock(&W.mu);
    wait_done(&x);
    assert_true(x.seen_then >= 5); /* every record made before it was written first */

    /* fewer than a batch, and flush_ms is 10 s: the barrier itself wakes the writer */
    for (uint64_t s = 6; s <= 7; s++)
        assert_true(record(s));
    waiter_t y;
    barrier(&y);
    wait_done(&y);
    assert_true(y.seen_then >= 7);

    journal_stop(&J);
    waiter_t after;
    barrier(&after);
    assert_true(atomic_load(&after.done)); /* a stopped journal answers at once */
}

/* A batch the store refused (away: a PostgreSQL restarted) is lost, and counted: its
 * records and the batch (journal_unwritten, /metrics); written batches are not. */
static void test_failed_batches_are_counted(void **state)
{
    (void)state;
    waiter_t x;
    for (uint64_t s = 1; s <= 3; s++)
        assert_true(record(s));
    barrier(&x);
    wait_done(&x);
    assert_int_equal(journal_unwritten(&J), 0);
    pthread_mutex_lock(&W.mu);
    W.fail = STORE_UNAVAILABLE;
    pthread_mutex_unlock(&W.mu);
    for (uint64_t s = 4; s <= 8; s++)
        assert_true(record(s));
    barrier(&x);
    wait_done(&x);
    for (uint64_t s = 9; s <= 10; s++)
        assert_true(record(s));
    barrier(&x);
    wait_done(&x);
    assert_int_equal(journal_unwritten(&J), 7);
    assert_int_equal(journal_unwritten_batches(&J), 3); /* 5 records: 3 + 2 (BATCH 3); then 2 */
    pthread_mutex_lock(&W.mu);
    W.fail = STORE_OK;
    pthread_mutex_unlock(&W.mu);
    assert_true(record(11));
    barrier(&x);
    wait_done(&x);
    assert_int_equal(journal_unwritten(&J), 7); /* written again: no more counted */
    assert_int_equal(journal_unwritten_batches(&J), 3);
    assert_int_equal(journal_dropped(&J), 0); /* a different count: the ring was never full */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_across_the_ring_and_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_ring_drops_and_counts_never_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_writes_everything_then_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_barrier_comes_after_what_was_made_before, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_batches_are_counted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
