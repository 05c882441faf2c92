/* Unit tests for group commit (src/store/sqlite/gsync.c, sqlite_int.h "group commit") and
 * the unsynced commits built on it (store.h: store_begin_unsynced, store_sync,
 * store_synced, store_on_durable_commit). The fsync is wrapped by a test hook that counts
 * fsyncs, notes the last commit number written when each one BEGAN, and holds each open
 * for a moment (so that writers pile up behind it):
 *   - N threads committing: every store_commit returns only after an fsync that began
 *     after its commit was written has ended; fewer fsyncs than commits; other writers
 *     commit while an fsync is under way (the write lock is not held through it);
 *   - an unsynced commit does not fsync, is durable once a later group fsync ends (the
 *     hook called), a later waiting writer (not a relaxed one) makes one "coming", and
 *     store_sync fsyncs it when none came;
 *   - a failed fsync fails the commit and stops the store's writes (fsyncgate): no write
 *     taken, no fsync tried again, an unsynced commit written before it never durable;
 *     one of SQLite's own (a checkpoint's fsync of the WAL) stops them too;
 *   - the product-events hook is called once the commit is written, before its fsync
 *     ended (the delivery engine's pass overlaps it), once, and not for a rollback;
 *   - the WAL is still checkpointed once a commit grows it past SQ_CHECKPOINT_PAGES (from
 *     the WAL hook, after the group fsync), and the store checks out after; with the
 *     syncer started, by the checkpointer thread (ckpt.c), which runs it, truncates a WAL
 *     past SQ_WAL_RESTART_PAGES, and is joined at the syncer's stop;
 *   - the syncer (store_when_durable): a deferred handle's N commits each queue a wait
 *     without fsyncing on their thread; every wait is answered once, only after an fsync
 *     that began after its commit ended, by M < N fsyncs; a failed fsync answers its
 *     waits STORE_ERROR and a later wait fails at once, with no fsync; with no syncer running, the
 *     asking thread fsyncs. */
#include "unit.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "store/sqlite/sqlite_int.h"
#include "store_fixture.h"

#define WRITERS 8
#define ROUNDS 25
#define HOLD_US 2000 /* each fsync is held open this long on top of its own time */

static _Atomic uint64_t covered;  /* the highest "last written" noted at an fsync's start, once it ended */
static atomic_int during;         /* fsyncs during which another commit was written */
static atomic_int fail_next_sync; /* the next fsync fails */

static int test_sync(sqlite3_file *wal)
{
    uint64_t began = sq_gsync_last_written();
    if (atomic_exchange(&fail_next_sync, 0))
        return -1;
    int rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
    struct timespec hold = {0, HOLD_US * 1000L};
    nanosleep(&hold, NULL);
    if (sq_gsync_last_written() > began)
        atomic_fetch_add(&during, 1);
    uint64_t c = atomic_load(&covered);
    while (c < began && !atomic_compare_exchange_weak(&covered, &c, began))
        ;
    return rc == SQLITE_OK ? 0 : -1;
}

static void write_row(store_t *st)
{
    assert_int_equal(sqlite3_exec(DB(st), "INSERT INTO gc_t(x) VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
}

static int gsetup(void **state)
{
    int rc = setup(state);
    fx_t *f = *state;
    assert_int_equal(sqlite3_exec(DB(f->st), "CREATE TABLE gc_t(x INTEGER)", NULL, NULL, NULL), SQLITE_OK);
    sq_gsync_sync_hook = test_sync;
    return rc;
}

static int gteardown(void **state)
{
    sq_gsync_sync_hook = NULL;
    sq_gsync_test_reset();
    store_on_durable_commit(NULL, NULL);
    return teardown(state);
}

/* ---- N writers share fsyncs ---- */

typedef struct {
    const char *dir;
    int uncovered; /* commits that returned before an fsync covering them ended */
    int failed;
} writer_t;

static void *writer_main(void *arg)
{
    writer_t *w = arg;
    store_t *st = open_migrated(w->dir);
    for (int i = 0; i < ROUNDS; i++) {
        if (store_begin(st) != STORE_OK) {
            w->failed++;
            continue;
        }
        write_row(st);
        if (store_commit(st) != STORE_OK) {
            w->failed++;
            continue;
        }
        uint64_t seq = SQ(st)->commit_seq; /* taken while it held the write lock */
        if (seq == 0 || atomic_load(&covered) < seq)
            w->uncovered++;
    }
    store_close(st);
    return NULL;
}

static void test_writers_share_fsyncs(void **state)
{
    fx_t *f = *state;
    uint64_t syncs0 = sq_gsync_count();
    int during0 = atomic_load(&during);
    pthread_t t[WRITERS];
    writer_t w[WRITERS] = {0};
    for (int i = 0; i < WRITERS; i++) {
        w[i].dir = f->dir;
        assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failed, 0);
        assert_int_equal(w[i].uncovered, 0);
    }
    uint64_t syncs = sq_gsync_count() - syncs0;
    print_message("%d commits, %llu fsyncs, %d of them with commits written meanwhile\n", WRITERS * ROUNDS,
                  (unsigned long long)syncs, atomic_load(&during) - during0);
    assert_true(syncs > 0);
    assert_true(syncs < (uint64_t)WRITERS * ROUNDS / 2); /* one fsync for many commits */
    assert_true(atomic_load(&during) > during0);         /* writers went on while one fsync ran */
    int64_t n = 0;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(DB(f->st), "SELECT count(*) FROM gc_t", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    assert_int_equal(n, WRITERS * ROUNDS);
}

/* ---- unsynced commits ---- */

static atomic_int hooked;

static void on_durable(void *arg)
{
    (void)arg;
    atomic_fetch_add(&hooked, 1);
}

static void test_unsynced_commit(void **state)
{
    fx_t *f = *state;
    store_on_durable_commit(on_durable, NULL);
    store_t *st = open_migrated(f->dir);
    assert_true(store_synced(st));
    uint64_t syncs0 = sq_gsync_count(), awaited0 = store_last_awaited_commit(st);
    assert_int_equal(store_begin_unsynced(st), STORE_OK);
    write_row(st);
    assert_int_equal(store_commit(st), STORE_OK);
    assert_int_equal(sq_gsync_count(), syncs0); /* no fsync of its own */
    assert_false(store_synced(st));
    uint64_t seq = SQ(st)->commit_seq;
    assert_true(atomic_load(&covered) < seq);
    assert_int_equal(store_last_awaited_commit(st), awaited0); /* nobody waits for an unsynced commit */

    assert_int_equal(store_seq_state(st, seq), STORE_SEQ_WAITING);
    sq_gsync_will_wait(SQ(st)->commit_seq + 1); /* as a later writer does before it waits */
    assert_int_equal(store_seq_state(st, seq), STORE_SEQ_COMING);
    /* a later durable commit of another handle covers it */
    int hooked0 = atomic_load(&hooked);
    assert_int_equal(store_begin(f->st), STORE_OK);
    write_row(f->st);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(sq_gsync_count(), syncs0 + 1);
    assert_true(atomic_load(&hooked) > hooked0);
    assert_true(store_synced(st));
    assert_int_equal(store_seq_state(st, seq), STORE_SEQ_DURABLE);
    assert_int_equal(store_last_awaited_commit(st), SQ(f->st)->commit_seq); /* a plain commit is awaited */
    assert_int_equal(store_sync(st), STORE_OK);
    assert_int_equal(sq_gsync_count(), syncs0 + 1); /* nothing left to sync */

    /* none comes: store_sync fsyncs it */
    assert_int_equal(store_begin_unsynced(st), STORE_OK);
    write_row(st);
    assert_int_equal(store_commit(st), STORE_OK);
    assert_false(store_synced(st));
    seq = SQ(st)->commit_seq;
    assert_int_equal(store_seq_state(st, seq), STORE_SEQ_WAITING); /* no writer after it waits */
    awaited0 = store_last_awaited_commit(st);
    assert_int_equal(store_begin(f->st), STORE_OK); /* a relaxed handle's commit after it does not count */
    store_relax_durability(f->st);
    write_row(f->st);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(store_seq_state(st, seq), STORE_SEQ_WAITING);
    assert_int_equal(store_last_awaited_commit(st), awaited0); /* nor is it awaited */
    assert_int_equal(store_sync(st), STORE_OK);
    assert_true(atomic_load(&covered) >= SQ(st)->commit_seq);
    assert_int_equal(sq_gsync_count(), syncs0 + 2);
    assert_true(store_synced(st));

    /* the next plain transaction of the handle waits again */
    assert_int_equal(store_begin(st), STORE_OK);
    write_row(st);
    assert_int_equal(store_commit(st), STORE_OK);
    assert_int_equal(sq_gsync_count(), syncs0 + 3);
    store_close(st);
}

/* ---- a failed fsync ---- */

static void test_failed_fsync_fails_the_commit(void **state)
{
    fx_t *f = *state;
    store_t *un = open_migrated(f->dir); /* an unsynced commit written before the failure */
    assert_int_equal(store_begin_unsynced(un), STORE_OK);
    write_row(un);
    assert_int_equal(store_commit(un), STORE_OK);
    assert_false(store_synced(un));
    atomic_store(&fail_next_sync, 1);
    assert_int_equal(store_begin(f->st), STORE_OK);
    write_row(f->st);
    assert_int_equal(store_commit(f->st), STORE_ERROR);
    /* fsyncgate: the next fsync would succeed, but it would prove nothing about pages the
     * kernel dropped: no write is durable from here, none is taken, none fsynced again */
    uint64_t syncs0 = sq_gsync_count();
    assert_true(store_writes_stopped(f->st));
    assert_int_equal(store_begin(f->st), STORE_ERROR);
    assert_int_equal(store_begin_unsynced(un), STORE_ERROR);
    assert_int_equal(store_sync(un), STORE_ERROR);
    assert_false(store_synced(un));
    assert_false(sq_gsync_durable(SQ(f->st)->commit_seq));
    assert_int_equal(sq_gsync_count(), syncs0);
    assert_int_equal(sqlite3_exec(DB(f->st), "SELECT count(*) FROM gc_t", NULL, NULL, NULL), SQLITE_OK); /* reads */
    store_close(un);
    sq_gsync_test_reset(); /* a restart, as far as this process can have one */
    assert_int_equal(store_begin(f->st), STORE_OK);
    write_row(f->st);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_true(atomic_load(&covered) >= SQ(f->st)->commit_seq);
}

/* ---- SQLite's own fsync failing (a checkpoint's) counts as ours ----
 * A VFS that is the default one but for the WAL file's xSync, which fails while
 * fail_own_syncs is set (the group fsync is not involved: the handle is relaxed). */

static sqlite3_vfs fail_vfs, *base_vfs;
static const sqlite3_io_methods *wal_methods;
static sqlite3_io_methods failing_wal_methods;
static atomic_int fail_own_syncs;

static int failing_xsync(sqlite3_file *f, int flags)
{
    return atomic_load(&fail_own_syncs) ? SQLITE_IOERR_FSYNC : wal_methods->xSync(f, flags);
}

static int failing_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)v;
    int rc = base_vfs->xOpen(base_vfs, name, f, flags, out);
    if (rc == SQLITE_OK && f->pMethods && (flags & SQLITE_OPEN_WAL)) {
        wal_methods = f->pMethods;
        failing_wal_methods = *f->pMethods;
        failing_wal_methods.xSync = failing_xsync;
        f->pMethods = &failing_wal_methods;
    }
    return rc;
}

static void test_sqlite_own_failed_fsync_stops_writes(void **state)
{
    fx_t *f = *state;
    base_vfs = sqlite3_vfs_find(NULL);
    fail_vfs = *base_vfs;
    fail_vfs.zName = "kiln-test-failsync";
    fail_vfs.xOpen = failing_open;
    assert_int_equal(sqlite3_vfs_register(&fail_vfs, 1), SQLITE_OK);
    store_t *st = open_migrated(f->dir);
    assert_int_equal(sqlite3_vfs_unregister(&fail_vfs), SQLITE_OK); /* st keeps it */
    store_relax_durability(st);
    assert_false(store_writes_stopped(st));
    atomic_store(&fail_own_syncs, 1);
    assert_int_equal(store_begin(st), STORE_OK); /* past SQ_CHECKPOINT_PAGES: the WAL hook checkpoints */
    assert_int_equal(sqlite3_exec(DB(st),
                                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) "
                                  "INSERT INTO gc_t(x) SELECT zeroblob(3000) FROM n",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    store_commit(st); /* written; its checkpoint's fsync of the WAL failed */
    atomic_store(&fail_own_syncs, 0);
    assert_true(store_writes_stopped(st));
    assert_int_equal(store_begin(f->st), STORE_ERROR);
    store_close(st);
}

/* ---- the product-events hook: at the commit's write ---- */

static atomic_int events_called, events_durable;

static void on_events(int64_t site_id, void *arg)
{
    (void)site_id;
    (void)arg;
    atomic_fetch_add(&events_called, 1);
    if (sq_gsync_durable(sq_gsync_last_written()))
        atomic_fetch_add(&events_durable, 1);
}

static void test_events_hook_before_the_fsync(void **state)
{
    fx_t *f = *state;
    store_on_events_committed(on_events, NULL);
    assert_int_equal(store_begin(f->st), STORE_OK);
    write_row(f->st);
    store_note_events(f->st, f->A.id);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(atomic_load(&events_called), 1);
    assert_int_equal(atomic_load(&events_durable), 0); /* called before its fsync ended */
    assert_true(sq_gsync_durable(SQ(f->st)->commit_seq));
    assert_int_equal(store_begin(f->st), STORE_OK);
    write_row(f->st);
    store_note_events(f->st, f->A.id);
    store_rollback(f->st);
    assert_int_equal(store_begin(f->st), STORE_OK);
    write_row(f->st);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(atomic_load(&events_called), 1); /* neither the rollback nor a commit without events */
    store_on_events_committed(NULL, NULL);
}

/* ---- checkpoints ---- */

static void test_checkpoint_after_a_big_commit(void **state)
{
    fx_t *f = *state;
    uint64_t syncs0 = sq_gsync_count();
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(sqlite3_exec(DB(f->st),
                                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) "
                                  "INSERT INTO gc_t(x) SELECT zeroblob(3000) FROM n",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_true(sq_gsync_count() > syncs0); /* durable first */
    /* the hook's checkpoint copied every frame, so the next commit starts the WAL over */
    assert_int_equal(store_begin(f->st), STORE_OK);
    write_row(f->st);
    assert_int_equal(store_commit(f->st), STORE_OK);
    int log = -1, done = -1; /* frames in the WAL, frames copied to the database */
    assert_int_equal(sqlite3_wal_checkpoint_v2(DB(f->st), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done), SQLITE_OK);
    print_message("WAL after the big commit's checkpoint and one more commit: %d frames\n", log);
    assert_true(log >= 1 && log < 100);
    char out[512];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
}

/* The checkpointer started with the syncer runs the checkpoint a big commit asks for: one
 * more checkpoint counted by the thread, and the next commit starts the WAL over. */
static void test_checkpointer_thread(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_syncer_start(f->st), 0);
    uint64_t ran0 = sq_ckpt_count();
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(sqlite3_exec(DB(f->st),
                                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) "
                                  "INSERT INTO gc_t(x) SELECT zeroblob(3000) FROM n",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    for (int tries = 0; tries < 5000 && sq_ckpt_count() == ran0; tries++) /* polled, 5 s at most */
        nanosleep(&(struct timespec){0, 1000000L}, NULL);
    assert_true(sq_ckpt_count() > ran0);
    assert_int_equal(store_begin(f->st), STORE_OK);
    write_row(f->st);
    assert_int_equal(store_commit(f->st), STORE_OK);
    int log = -1, done = -1;
    assert_int_equal(sqlite3_wal_checkpoint_v2(DB(f->st), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done), SQLITE_OK);
    print_message("WAL after the checkpointer's checkpoint and one more commit: %d frames\n", log);
    assert_true(log >= 1 && log < 100);
    /* a WAL past SQ_WAL_RESTART_PAGES is truncated (writers held meanwhile) */
    uint64_t trunc0 = sq_ckpt_truncated();
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(sqlite3_exec(DB(f->st),
                                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
                                  "INSERT INTO gc_t(x) SELECT zeroblob(3000) FROM n",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    for (int tries = 0; tries < 5000 && sq_ckpt_truncated() == trunc0; tries++)
        nanosleep(&(struct timespec){0, 1000000L}, NULL);
    assert_true(sq_ckpt_truncated() > trunc0);
    char wal[4096];
    snprintf(wal, sizeof wal, "%s/kiln.db-wal", f->dir);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    print_message("WAL file after the truncating checkpoint: %lld bytes\n", (long long)sb.st_size);
    assert_int_equal(sb.st_size, 0);
    store_syncer_stop(f->st);             /* joins the checkpointer too */
    assert_int_equal(sq_ckpt_kick(), -1); /* no thread: a commit checkpoints on its own thread again */
    char out[512];
    assert_int_equal(store_check(f->st, out, sizeof out), STORE_OK);
}

/* ---- the syncer: answers after durable, off the writer's thread ---- */

#define ASYNC_COMMITS 60

typedef struct {
    store_dwait_t w;
    atomic_int answered;  /* times done was called */
    atomic_int uncovered; /* done before an fsync covering it ended */
} dwait_t;

static void on_dwait(store_dwait_t *w)
{
    dwait_t *d = w->arg;
    if (atomic_load(&covered) < w->seq)
        atomic_fetch_add(&d->uncovered, 1);
    atomic_fetch_add(&d->answered, 1);
}

static int answered_all(dwait_t *d, int n)
{
    for (int tries = 0; tries < 5000; tries++) { /* polled, 5 s at most */
        int all = 1;
        for (int i = 0; i < n; i++)
            all &= atomic_load(&d[i].answered) == 1;
        if (all)
            return 1;
        struct timespec t = {0, 1000000L};
        nanosleep(&t, NULL);
    }
    return 0;
}

/* A deferred commit queued with the syncer: 1 when queued (0: durable already). */
static int commit_and_queue(store_t *st, dwait_t *d)
{
    *d = (dwait_t){.w = {.done = on_dwait, .arg = d}};
    assert_int_equal(store_begin(st), STORE_OK);
    write_row(st);
    assert_int_equal(store_commit(st), STORE_OK);
    return store_when_durable(st, store_last_commit(st), &d->w);
}

static void test_syncer_answers_after_the_fsync(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_syncer_start(f->st), 0);
    store_t *st = open_migrated(f->dir);
    store_defer_durability(st, 1);
    static dwait_t d[ASYNC_COMMITS];
    uint64_t syncs0 = sq_gsync_count();
    int queued = 0;
    for (int i = 0; i < ASYNC_COMMITS; i++)
        queued += commit_and_queue(st, &d[i]);
    assert_int_equal(queued, ASYNC_COMMITS); /* each commit returned before it was durable */
    assert_true(answered_all(d, ASYNC_COMMITS));
    for (int i = 0; i < ASYNC_COMMITS; i++) {
        assert_int_equal(d[i].uncovered, 0);
        assert_int_equal(d[i].w.rc, STORE_OK);
    }
    uint64_t syncs = sq_gsync_count() - syncs0;
    print_message("%d deferred commits answered by %llu fsyncs\n", ASYNC_COMMITS, (unsigned long long)syncs);
    assert_true(syncs >= 1 && syncs < ASYNC_COMMITS / 2);
    /* durable now: nothing to wait for */
    dwait_t late = {.w = {.done = on_dwait, .arg = &late}};
    assert_int_equal(store_when_durable(st, store_last_commit(st), &late.w), 0);
    store_close(st);
    store_syncer_stop(f->st);
}

static void test_syncer_failed_fsync_answers_error(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_syncer_start(f->st), 0);
    store_t *st = open_migrated(f->dir);
    store_defer_durability(st, 1);
    static dwait_t d[2];
    assert_int_equal(store_begin(st), STORE_OK); /* a second commit, written before the fsync fails */
    write_row(st);
    assert_int_equal(store_commit(st), STORE_OK);
    uint64_t second = store_last_commit(st);
    atomic_store(&fail_next_sync, 1);
    assert_int_equal(commit_and_queue(st, &d[0]), 1);
    assert_true(answered_all(d, 1));
    assert_int_equal(d[0].w.rc, STORE_ERROR);
    /* never acknowledged later: no second fsync is tried, the wait fails at once */
    uint64_t syncs0 = sq_gsync_count();
    d[1] = (dwait_t){.w = {.done = on_dwait, .arg = &d[1]}};
    assert_int_equal(store_when_durable(st, second, &d[1].w), STORE_ERROR);
    assert_int_equal(atomic_load(&d[1].answered), 0);
    assert_int_equal(store_begin(st), STORE_ERROR);
    assert_int_equal(sq_gsync_count(), syncs0);
    store_close(st);
    store_syncer_stop(f->st);
}

static void test_no_syncer_fsyncs_on_the_asking_thread(void **state)
{
    fx_t *f = *state;
    store_defer_durability(f->st, 1);
    dwait_t d;
    uint64_t syncs0 = sq_gsync_count();
    assert_int_equal(commit_and_queue(f->st, &d), 0);
    assert_int_equal(atomic_load(&d.answered), 0); /* not queued: the caller answers */
    assert_int_equal(sq_gsync_count(), syncs0 + 1);
    assert_true(sq_gsync_durable(store_last_commit(f->st)));
}

#define G(fn) cmocka_unit_test_setup_teardown(fn, gsetup, gteardown)

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {
        G(test_writers_share_fsyncs),
        G(test_unsynced_commit),
        G(test_failed_fsync_fails_the_commit),
        G(test_sqlite_own_failed_fsync_stops_writes),
        G(test_events_hook_before_the_fsync),
        G(test_checkpoint_after_a_big_commit),
        G(test_checkpointer_thread),
        G(test_syncer_answers_after_the_fsync),
        G(test_syncer_failed_fsync_answers_error),
        G(test_no_syncer_fsyncs_on_the_asking_thread),
    };
    return cmocka_run_group_tests_name("gsync", tests, NULL, NULL);
}
