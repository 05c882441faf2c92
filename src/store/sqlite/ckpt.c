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
 * sq_gsync_check_ioerr), as on the committing thread before.
 *
 * The WAL's bound. A passive checkpoint copies the frames committed before it began, but
 * the WAL starts over from its beginning only when a writer begins with every frame copied,
 * and under a steady write load some commit always lands while a checkpoint runs: the WAL
 * then grew for as long as the load lasted (bench/writes.mjs, 10 s of issue creates: up to
 * 214 MiB with the checkpoint on the committing thread, 126 MiB with this thread's passive
 * checkpoints alone). So when a passive checkpoint ends with the WAL at
 * SQ_WAL_RESTART_PAGES frames or more (copied or not: it has not started over), the
 * checkpointer takes the process's write lock (wlock.c: the process's writers queue behind it, in order) and
 * runs a TRUNCATE checkpoint, which copies only what was committed during the passive one
 * and, unless a reader of an older snapshot holds on (SQLITE_BUSY: no wait, it tries again
 * at the next kick), truncates the WAL to nothing. Writers wait for that short copy and
 * its fsyncs once per SQ_WAL_RESTART_PAGES frames of WAL under load: the one pause the
 * bound costs. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store/sqlite/sqlite_int.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int kicked, stopping;
    pthread_t tid;
    sqlite3 *db;                /* its own connection (NOMUTEX: used by this thread only) */
    atomic_int running;         /* read by committing threads without the mutex */
    _Atomic uint64_t ran;       /* checkpoints run (sq_ckpt_count) */
    _Atomic uint64_t truncated; /* of them, caught up with the writers held (sq_ckpt_truncated) */
} C = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* One checkpoint of `mode`; *frames (when given): the frames left in the WAL. A full disk
 * is noted (the database file could not grow: the WAL keeps the commits); a failed fsync
 * stops the store's writes. SQLITE_BUSY (a reader of an older snapshot, another
 * process's writer or checkpoint) is no error: the next kick tries again. */
static void checkpoint(int mode, int *frames)
{
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(C.db, "main", mode, &log, &done) != SQLITE_OK) {
        if ((sqlite3_errcode(C.db) & 0xff) == SQLITE_FULL)
            store_note_full();
        sq_gsync_check_ioerr(C.db);
    }
    if (frames)
        *frames = log;
}

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
        int frames = 0;
        checkpoint(SQLITE_CHECKPOINT_PASSIVE, &frames);
        if (frames >= SQ_WAL_RESTART_PAGES && sq_wlock_take(SQ_WLOCK_TIMEOUT_MS) == 0) {
            /* writers never paused long enough for the WAL to start over: catch up with
             * them held, and truncate it (the readers of older snapshots let go first) */
            checkpoint(SQLITE_CHECKPOINT_TRUNCATE, NULL);
            sq_wlock_give();
            atomic_fetch_add(&C.truncated, 1);
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

uint64_t sq_ckpt_truncated(void)
{
    return atomic_load(&C.truncated);
}
