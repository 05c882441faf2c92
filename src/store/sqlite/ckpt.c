/* The checkpointer (sqlite_int.h, "the checkpointer"): one thread, with its own connection
 * on the store's database, that runs SQLite's passive WAL checkpoint whenever a commit
 * found the WAL past SQ_CHECKPOINT_PAGES. Before it, the commit's own thread ran the
 * checkpoint right after its commit (sqlite.c, wal_hook): an HTTP thread then copied up to
 * the whole WAL into the database and waited for two fsyncs that were not its request's,
 * with every connection of its event loop held meanwhile.
 *
 * A kick only sets a flag and signals: the thread checkpoints once for any number of kicks
 * that came while it slept or while it ran (a checkpoint copies every frame it can, so the
 * kicks behind it are covered by the next one). A checkpoint that fails for a full disk
 * is noted (store_note_full: store_full_since) and the WAL keeps growing until one
 * succeeds; one whose fsync failed stops the store's writes (gsync.c,
 * sq_gsync_check_ioerr), as on the committing thread before. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store/sqlite/sqlite_int.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int kicked, stopping;
    pthread_t tid;
    sqlite3 *db;          /* its own connection (NOMUTEX: used by this thread only) */
    atomic_int running;   /* read by committing threads without the mutex */
    _Atomic uint64_t ran; /* checkpoints run (sq_ckpt_count) */
} C = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *ckpt_main(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "kiln-ckpt"); /* named for ps, top and perf */
    pthread_mutex_lock(&C.mu);
    for (;;) {
        while (!C.kicked && !C.stopping)
            pthread_cond_wait(&C.cv, &C.mu);
        if (C.stopping)
            break; /* SQLite checkpoints the WAL when the last connection closes */
        C.kicked = 0;
        pthread_mutex_unlock(&C.mu);
        if (sqlite3_wal_checkpoint_v2(C.db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) != SQLITE_OK) {
            if ((sqlite3_errcode(C.db) & 0xff) == SQLITE_FULL)
                store_note_full(); /* the database file could not grow: the WAL keeps the commits */
            sq_gsync_check_ioerr(C.db);
        }
        atomic_fetch_add(&C.ran, 1);
        pthread_mutex_lock(&C.mu);
    }
    pthread_mutex_unlock(&C.mu);
    return NULL;
}

int sq_ckpt_start(sqlite3 *like)
{
    const char *path = sqlite3_db_filename(like, "main");
    if (atomic_load(&C.running) || !path || !*path)
        return atomic_load(&C.running) ? 0 : -1;
    if (sqlite3_open_v2(path, &C.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(C.db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) { /* opens the WAL */
        sqlite3_close(C.db);
        C.db = NULL;
        return -1;
    }
    sqlite3_wal_autocheckpoint(C.db, 0); /* it writes nothing; it checkpoints only when kicked */
    C.stopping = C.kicked = 0;
    if (pthread_create(&C.tid, NULL, ckpt_main, NULL) != 0) {
        sqlite3_close(C.db);
        C.db = NULL;
        return -1;
    }
    atomic_store(&C.running, 1);
    return 0;
}

void sq_ckpt_stop(void)
{
    if (!atomic_exchange(&C.running, 0)) /* from here commits checkpoint on their own threads */
        return;
    pthread_mutex_lock(&C.mu);
    C.stopping = 1;
    pthread_cond_signal(&C.cv);
    pthread_mutex_unlock(&C.mu);
    pthread_join(C.tid, NULL); /* a checkpoint under way ends first */
    sqlite3_close(C.db);
    C.db = NULL;
}

int sq_ckpt_kick(void)
{
    if (!atomic_load(&C.running))
        return -1;
    pthread_mutex_lock(&C.mu);
    C.kicked = 1;
    pthread_cond_signal(&C.cv);
    pthread_mutex_unlock(&C.mu);
    return 0;
}

uint64_t sq_ckpt_count(void)
{
    return atomic_load(&C.ran);
}
