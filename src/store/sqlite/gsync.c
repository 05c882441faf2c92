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
 * Why: with synchronous=FULL every commit fsyncs the WAL while SQLite's (and so kiln's)
 * write lock is held, so writes are serialised on the disk's flush latency: at 500
 * writes/s kiln waited on the disk with the CPU idle. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int syncing;              /* a leader's fsync is under way */
    _Atomic uint64_t durable; /* every commit numbered up to this one is durable */
} G = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static _Atomic uint64_t written; /* the last commit number handed out (its frames are in the WAL) */
static _Atomic uint64_t nsyncs;
static _Atomic uint64_t waiter_seq; /* the highest number whose writer waits (or is about to) */

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

int sq_gsync_coming(uint64_t seq)
{
    return atomic_load(&waiter_seq) > seq; /* that writer's fsync begins after its commit, so after this one */
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
