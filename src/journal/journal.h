/* One batched, append-only log: the mechanism the audit log, the data-flow ledger and
 * the functions' logs share (journal/audit.h, journal/ledger.h, journal/fnlog.h).
 *
 * Callers record off the hot path: journal_take hands them the next slot of a bounded
 * ring (one mutex, no allocation, no I/O), they fill it in place, journal_commit queues
 * it. One writer thread per journal, with its own store handle, copies what waits and
 * gives it to the journal's write function in batches (one transaction each): at most
 * every flush_ms, or at once when `batch` slots wait. When the ring is full a record is
 * dropped and counted (journal_dropped), never waited for: an HTTP thread never blocks
 * on a journal. Records are durable once written (at most flush_ms after they were
 * made, or lost with the process before that). Once an hour the writer deletes what is
 * older than the retention period.
 *
 * A journal_t is a static of its log's module (JOURNAL_INIT) and is never freed: a
 * thread recording while the journal stops finds it stopped, not gone. */
#ifndef KILN_JOURNAL_H
#define KILN_JOURNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/completion.h"
#include "store/store.h"

typedef struct journal_def {
    const char *name;  /* "audit": the writer thread's name and its messages */
    size_t slot_size;  /* bytes of one slot */
    size_t queue_max;  /* slots the ring holds */
    size_t batch;      /* slots per write */
    unsigned flush_ms; /* the longest a slot waits */
    /* Writes n slots, oldest first, on the writer thread with its store handle. `scratch`
     * is scratch_size bytes of the writer's own, the same for every batch. Takes what
     * the slots own. STORE_OK, or the store's failure: the batch is lost (the store away:
     * a PostgreSQL restarted), counted (journal_unwritten) and logged once per outage by
     * the journal, never by the write function (no tenant data in the lines). */
    int (*write)(store_t *st, void *slots, size_t n, void *scratch);
    size_t scratch_size;
    /* Deletes records older than before_ms; NULL: the journal keeps everything. */
    int (*purge)(store_t *st, int64_t before_ms, int64_t *deleted);
    /* Called after every wake of the writer (with or without a batch), or NULL. */
    void (*tick)(store_t *st, int64_t now_ms);
} journal_def_t;

/* A wait for the writer (journal_barrier): embedded first in the caller's item. */
typedef struct journal_wait {
    completion_t c;  /* first: sent once the records before the barrier are written */
    uint64_t target; /* the journal's committed count at the barrier */
    struct journal_wait *next;
} journal_wait_t;

typedef struct journal {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t tid;
    int running, stopping;
    const journal_def_t *def;
    unsigned char *ring; /* def->queue_max slots */
    size_t head, count;
    uint64_t committed, written; /* records queued and written since start */
    journal_wait_t *waits;       /* barriers not passed yet, in order */
    atomic_uint_fast64_t dropped;
    atomic_uint_fast64_t unwritten, unwritten_batches; /* lost with a batch that failed */
    uint64_t failing;     /* the writer's: batches failed in a row (0: the last was written) */
    uint64_t outage_lost; /* the writer's: records lost since it did */
    store_t *store;
    int64_t retention_ms;
} journal_t;

#define JOURNAL_INIT                                                                                                   \
    {                                                                                                                  \
        .mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER                                              \
    }

/* Opens the writer's store handle (relaxed durability: batches, fsync per checkpoint)
 * and starts its thread. retention_days 0: keep forever. 0, or -1 with err. */
int journal_start(journal_t *j, const journal_def_t *def, const char *data_dir, unsigned retention_days, char *err,
                  size_t errlen);
/* Writes what is queued and stops the writer; a journal not started is left alone. */
void journal_stop(journal_t *j);

/* The next slot to fill, zeroed, with the journal's lock held: fill it and call
 * journal_commit at once. NULL (nothing held) when the journal is not running or its
 * ring is full (the record is counted as dropped). */
void *journal_take(journal_t *j);
/* Queues the slot journal_take gave and releases the lock. */
void journal_commit(journal_t *j);

/* Read-your-writes without blocking: w->c is sent (completion_send) once every record
 * queued before this call is in the store, at once when none waits or the journal is not
 * running; the writer writes what waits without waiting for its flush time. A listing
 * (platform/admin_journal.c) reads the store when it comes. */
void journal_barrier(journal_t *j, journal_wait_t *w);

/* Records dropped because the ring was full, since start. */
uint64_t journal_dropped(journal_t *j);
/* Records lost because their batch could not be written (the write function failed: the
 * store away), and those batches, since start. The first failed batch of an outage is
 * logged (the journal's name and the count, nothing of the records), and the first
 * batch written after it, with how many records the outage lost. */
uint64_t journal_unwritten(journal_t *j);
uint64_t journal_unwritten_batches(journal_t *j);

/* Copies src into dst[cap], cut at max bytes (and at cap - 1), NUL-terminated; NULL is "".
 * What slots are filled with. */
void journal_put(char *dst, size_t cap, const char *src, size_t max);

#endif
