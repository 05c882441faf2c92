/* Group commit (sqlite_int.h, "group commit"): the process's write commits share fsyncs
 * of the WAL. A commit is written to the WAL without an fsync while its writer holds the
 * write lock (wlock.c) and takes the next number there; once the lock is handed on, the
 * writer waits here until an fsync that BEGAN after its frames were written has ENDED.
 * The first writer to wait leads: it notes the highest number written so far, fsyncs the
 * WAL (no lock of any kind held), then marks every commit up to the noted number durable
 * and wakes the others; a writer whose commit came after the noted number leads the next
 * fsync. N writers arriving during one fsync thus share the next one: at most two fsyncs'
 * wait each, and far fewer fsyncs than commits when writers are many.
 *
 * A failed fsync stops the store's writes for good (fsyncgate: Linux may have dropped the
 * dirty pages it could not write and marked them clean, so a later fsync that succeeds
 * proves nothing about them): every wait from then on fails, nothing not durable before
 * the failure is ever said to be, and sq_begin refuses write transactions until the
 * process restarts (docs/store.md, "A failed fsync").
 *
 * Why: with synchronous=FULL every commit fsyncs the WAL while SQLite's (and so kiln's)
 * write lock is held, so writes are serialised on the disk's flush latency: at 500
 * writes/s kiln waited on the disk with the CPU idle. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "base/log.h"
#include "store/sqlite/sqlite_int.h"
#include "store/store.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int syncing;              /* a leader's fsync is under way */
    _Atomic uint64_t durable; /* every commit numbered up to this one is durable */
} G = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static atomic_int failed;        /* an fsync of the WAL failed: no later fsync counts */
static _Atomic uint64_t written; /* the last commit number handed out (its frames are in the WAL) */
static _Atomic uint64_t nsyncs;
static _Atomic uint64_t waiter_seq; /* the highest number whose writer waits (or is about to) */
static _Atomic uint64_t awaited;    /* the last number whose writer waits or acknowledges once durable */

sq_gsync_sync_fn *sq_gsync_sync_hook;

uint64_t sq_gsync_written(void)
{
    return atomic_fetch_add(&written, 1) + 1;
}

uint64_t sq_gsync_last_written(void)
{
    return atomic_load(&written);
}

int sq_gsync_durable(uint64_t seq)
{
    return atomic_load(&G.durable) >= seq;
}

void sq_gsync_will_wait(uint64_t seq)
{
    uint64_t w = atomic_load(&waiter_seq);
    while (w < seq && !atomic_compare_exchange_weak(&waiter_seq, &w, seq))
        ;
}

void sq_gsync_awaited(uint64_t seq)
{
    atomic_store(&awaited, seq); /* numbered under the write lock: in order */
}

uint64_t sq_gsync_last_awaited(void)
{
    return atomic_load(&awaited);
}

int sq_gsync_coming(uint64_t seq)
{
    return atomic_load(&waiter_seq) > seq; /* that writer's fsync begins after its commit, so after this one */
}

int sq_gsync_failed(void)
{
    return atomic_load(&failed);
}

void sq_gsync_fail(void)
{
    if (!atomic_exchange(&failed, 1))
        log_msg(LOG_ERROR,
                "store: an fsync of the WAL failed; kiln takes no more writes until it is restarted (the disk may "
                "have lost what it could not write; docs/store.md \"A failed fsync\")",
                NULL);
}

void sq_gsync_check_ioerr(sqlite3 *db)
{
    int x = sqlite3_extended_errcode(db);
    if (x == SQLITE_IOERR_FSYNC || x == SQLITE_IOERR_DIR_FSYNC) /* SQLite's own (a WAL header's, a checkpoint's) */
        sq_gsync_fail();
}

void sq_gsync_test_reset(void)
{
    atomic_store(&failed, 0);
}

uint64_t sq_gsync_count(void)
{
    return atomic_load(&nsyncs);
}

/* fsync of the WAL of db (in WAL mode SQLite's journal is the WAL), as SQLite's own
 * commit at synchronous=FULL does it. */
static int sync_wal(sqlite3 *db)
{
    sqlite3_file *wal = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK || !wal || !wal->pMethods)
        return -1;
    if (sq_gsync_sync_hook)
        return sq_gsync_sync_hook(wal);
    return wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) == SQLITE_OK ? 0 : -1;
}

int sq_gsync_wait(sqlite3 *db, uint64_t seq)
{
    int rc = 0, led = 0;
    pthread_mutex_lock(&G.mu);
    while (rc == 0 && atomic_load(&G.durable) < seq) {
        if (atomic_load(&failed)) { /* fsyncgate: a later fsync would not prove this commit kept */
            rc = -1;
            break;
        }
        if (G.syncing) { /* it may have begun before this commit: wait for its end, then look again */
            pthread_cond_wait(&G.cv, &G.mu);
            continue;
        }
        G.syncing = 1;
        uint64_t upto = atomic_load(&written); /* written before the fsync begins: covered by it */
        pthread_mutex_unlock(&G.mu);
        rc = sync_wal(db);
        pthread_mutex_lock(&G.mu);
        G.syncing = 0;
        atomic_fetch_add(&nsyncs, 1);
        if (rc != 0)
            sq_gsync_fail();
        if (rc == 0 && atomic_load(&G.durable) < upto)
            atomic_store(&G.durable, upto);
        led = rc == 0;
        pthread_cond_broadcast(&G.cv);
    }
    pthread_mutex_unlock(&G.mu);
    if (led)
        store_note_durable(); /* the delivery engine's wake-up (store_on_durable_commit) */
    return rc;
}

/* ---- the syncer: answers that wait for durability off their thread ----
 * A thread with an event loop (an HTTP thread) commits without waiting (its handle is
 * deferred) and queues a store_dwait_t for its commit's number; this one thread fsyncs
 * the WAL through sq_gsync_wait (so it leads or follows any other writer's group fsync)
 * whenever waits are queued, then sends each covered wait's completion back. Waits
 * queued while an fsync runs share the next one. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    store_dwait_t *head, *tail;
    int running, stopping;
    pthread_t tid;
    sqlite3 *db; /* its own connection: its WAL file handle is what it fsyncs */
} S = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static _Atomic uint64_t nwaits;

static void *syncer_main(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "kiln-syncer"); /* named: tests/unit/failsync.c holds its fsyncs */
    pthread_mutex_lock(&S.mu);
    for (;;) {
        while (!S.head && !S.stopping)
            pthread_cond_wait(&S.cv, &S.mu);
        if (!S.head)
            break; /* stopping, nothing left */
        store_dwait_t *list = S.head;
        S.head = S.tail = NULL;
        pthread_mutex_unlock(&S.mu);
        uint64_t upto = 0;
        for (store_dwait_t *w = list; w; w = w->next)
            upto = w->seq > upto ? w->seq : upto;
        int rc = sq_gsync_wait(S.db, upto); /* every queued commit was written before it begins */
        if (rc != 0)
            log_msg(LOG_ERROR, "store: cannot fsync the WAL; the writes waiting for it are answered as failed", NULL);
        while (list) {
            store_dwait_t *w = list;
            list = w->next;
            w->rc = rc == 0 ? STORE_OK : STORE_ERROR;
            w->done(w); /* w belongs to its asker from here */
        }
        pthread_mutex_lock(&S.mu);
    }
    pthread_mutex_unlock(&S.mu);
    return NULL;
}

int sq_syncer_start(sqlite3 *like)
{
    const char *path = sqlite3_db_filename(like, "main");
    if (S.running || !path || !*path)
        return S.running ? 0 : -1;
    if (sqlite3_open_v2(path, &S.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(S.db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) { /* opens the WAL */
        sqlite3_close(S.db);
        S.db = NULL;
        return -1;
    }
    S.stopping = 0;
    if (pthread_create(&S.tid, NULL, syncer_main, NULL) != 0) {
        sqlite3_close(S.db);
        S.db = NULL;
        return -1;
    }
    S.running = 1;
    return 0;
}

void sq_syncer_stop(void)
{
    if (!S.running)
        return;
    pthread_mutex_lock(&S.mu);
    S.stopping = 1;
    pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
    pthread_join(S.tid, NULL); /* what was queued is answered first */
    sqlite3_close(S.db);
    S.db = NULL;
    S.running = 0;
}

int sq_syncer_queue(store_dwait_t *w)
{
    if (!S.running)
        return -1;
    sq_gsync_will_wait(w->seq); /* the engine's pass may count on this fsync (sq_gsync_coming) */
    w->next = NULL;
    pthread_mutex_lock(&S.mu);
    if (S.tail)
        S.tail->next = w;
    else
        S.head = w;
    S.tail = w;
    pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
    atomic_fetch_add(&nwaits, 1);
    return 0;
}

uint64_t sq_syncer_waits(void)
{
    return atomic_load(&nwaits);
}
