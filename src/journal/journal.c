#include "journal/journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"

#define PURGE_EVERY_MS (3600 * 1000)
#define FIRST_PURGE_MS (60 * 1000) /* after start: not in the middle of starting up */

void journal_put(char *dst, size_t cap, const char *src, size_t max)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n > max)
        n = max;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

void *journal_take(journal_t *j)
{
    pthread_mutex_lock(&j->mu);
    if (!j->running || j->stopping) {
        pthread_mutex_unlock(&j->mu);
        return NULL;
    }
    if (j->count == j->def->queue_max) {
        pthread_mutex_unlock(&j->mu);
        atomic_fetch_add(&j->dropped, 1);
        return NULL;
    }
    void *slot = j->ring + ((j->head + j->count) % j->def->queue_max) * j->def->slot_size;
    memset(slot, 0, j->def->slot_size);
    return slot;
}

void journal_commit(journal_t *j)
{
    j->count++;
    j->committed++;
    if (j->count == j->def->batch)
        pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->mu);
}

uint64_t journal_dropped(journal_t *j)
{
    return atomic_load(&j->dropped);
}

uint64_t journal_unwritten(journal_t *j)
{
    return atomic_load(&j->unwritten);
}

uint64_t journal_unwritten_batches(journal_t *j)
{
    return atomic_load(&j->unwritten_batches);
}

/* The writer's count of a batch's outcome, logged once per outage (journal.h). */
static void batch_done(journal_t *j, size_t n, int rc)
{
    char num[24], why[24];
    if (rc != STORE_OK) {
        atomic_fetch_add(&j->unwritten, n);
        atomic_fetch_add(&j->unwritten_batches, 1);
        j->outage_lost += n;
        if (!j->failing++) { /* uint64_t: never wraps */
            snprintf(num, sizeof num, "%zu", n);
            snprintf(why, sizeof why, "%s", rc == STORE_UNAVAILABLE ? "unavailable" : "error");
            log_msg(LOG_ERROR,
                    "journal: cannot write a batch; its records are lost and counted (/metrics "
                    "kiln_journal_unwritten_total), logged once until a batch is written again",
                    "journal", j->def->name, "records", num, "store", why, NULL);
        }
        return;
    }
    if (j->failing) {
        snprintf(num, sizeof num, "%llu", (unsigned long long)j->outage_lost);
        snprintf(why, sizeof why, "%llu", (unsigned long long)j->failing);
        log_msg(LOG_INFO, "journal: writing again; records lost meanwhile", "journal", j->def->name, "records", num,
                "batches", why, NULL);
        j->failing = 0;
        j->outage_lost = 0;
    }
}

void journal_barrier(journal_t *j, journal_wait_t *w)
{
    pthread_mutex_lock(&j->mu);
    if (!j->running || j->stopping || j->written >= j->committed) {
        pthread_mutex_unlock(&j->mu);
        completion_send(&w->c);
        return;
    }
    w->target = j->committed;
    w->next = NULL;
    journal_wait_t **end = &j->waits;
    while (*end)
        end = &(*end)->next;
    *end = w;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->mu);
}

/* The barriers passed once `written` records are in the store, unlinked (the lock held);
 * every one when `all`. */
static journal_wait_t *passed(journal_t *j, int all)
{
    journal_wait_t *first = j->waits, *last = NULL, *w = first;
    for (; w && (all || w->target <= j->written); w = w->next)
        last = w;
    if (!last)
        return NULL;
    last->next = NULL;
    j->waits = w;
    return first;
}

static void send_all(journal_wait_t *w)
{
    while (w) {
        journal_wait_t *next = w->next;
        completion_send(&w->c); /* w belongs to its asker from here on */
        w = next;
    }
}

/* Moves up to def->batch waiting slots into `batch` (the lock held); their number. */
static size_t take_batch(journal_t *j, unsigned char *batch)
{
    const journal_def_t *d = j->def;
    size_t n = j->count < d->batch ? j->count : d->batch;
    size_t first = d->queue_max - j->head < n ? d->queue_max - j->head : n; /* up to the ring's end */
    memcpy(batch, j->ring + j->head * d->slot_size, first * d->slot_size);
    memcpy(batch + first * d->slot_size, j->ring, (n - first) * d->slot_size);
    j->head = (j->head + n) % d->queue_max;
    j->count -= n;
    return n;
}

static void *writer_main(void *arg)
{
    journal_t *j = arg;
    const journal_def_t *d = j->def;
    unsigned char *batch = xcalloc(d->batch, d->slot_size);
    void *scratch = d->scratch_size ? xcalloc(1, d->scratch_size) : NULL;
    int64_t next_purge = clock_now_ms() + FIRST_PURGE_MS;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        if (j->count == 0 && j->stopping)
            break;
        if (j->count < d->batch && !j->stopping && !j->waits) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (long)d->flush_ms * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&j->wake, &j->mu, &ts);
        }
        size_t n = take_batch(j, batch);
        pthread_mutex_unlock(&j->mu);

        if (n)
            batch_done(j, n, d->write(j->store, batch, n, scratch));
        pthread_mutex_lock(&j->mu);
        j->written += n;
        journal_wait_t *done = passed(j, 0);
        pthread_mutex_unlock(&j->mu);
        send_all(done);
        int64_t now = clock_now_ms();
        if (d->tick)
            d->tick(j->store, now);
        if (d->purge && j->retention_ms && now >= next_purge) {
            /* one node at a time (a store shared by nodes): another that holds it now purges the
               same rows, so this node skips its turn (store_work_claim) */
            int64_t gone = 0;
            int mine = store_work_claim(j->store, d->name);
            if (mine == 1 && d->purge(j->store, now - j->retention_ms, &gone) != STORE_OK)
                log_msg(LOG_WARN, "journal: cannot delete records past the retention period", "journal", d->name, NULL);
            else if (mine < 0)
                log_msg(LOG_WARN, "journal: cannot claim the purge past the retention period", "journal", d->name,
                        NULL);
            if (mine == 1)
                store_work_release(j->store, d->name);
            next_purge = now + PURGE_EVERY_MS;
        }
        pthread_mutex_lock(&j->mu);
    }
    journal_wait_t *left = passed(j, 1); /* none should be: everything was written */
    pthread_mutex_unlock(&j->mu);
    send_all(left);
    free(batch);
    free(scratch);
    return NULL;
}

int journal_start(journal_t *j, const journal_def_t *def, const char *data_dir, unsigned retention_days, char *err,
                  size_t errlen)
{
    store_t *st = store_open_admin(data_dir, err, errlen); /* batches mix sites: the admin path (store.h) */
    if (!st)
        return -1;
    /* Batched writes with WAL's NORMAL sync: an fsync per checkpoint rather than per batch.
     * What was written survives a crash of kiln; an OS crash may lose the last batches. */
    store_relax_durability(st);
    unsigned char *ring = calloc(def->queue_max, def->slot_size);
    if (!ring) {
        store_close(st);
        snprintf(err, errlen, "out of memory for the %s queue", def->name);
        return -1;
    }
    pthread_mutex_lock(&j->mu);
    j->def = def;
    j->store = st;
    j->ring = ring;
    j->head = j->count = 0;
    j->committed = j->written = 0;
    j->waits = NULL;
    j->retention_ms = (int64_t)retention_days * 24 * 3600 * 1000;
    j->stopping = 0;
    j->running = 1;
    pthread_mutex_unlock(&j->mu);
    atomic_store(&j->dropped, 0);
    atomic_store(&j->unwritten, 0);
    atomic_store(&j->unwritten_batches, 0);
    j->failing = 0;
    j->outage_lost = 0;
    if (pthread_create(&j->tid, NULL, writer_main, j) != 0) {
        pthread_mutex_lock(&j->mu);
        j->running = 0;
        j->ring = NULL;
        j->store = NULL;
        pthread_mutex_unlock(&j->mu);
        free(ring);
        store_close(st);
        snprintf(err, errlen, "cannot start the %s writer thread", def->name);
        return -1;
    }
    char tname[16];
    snprintf(tname, sizeof tname, "kiln-%s", def->name);
    pthread_setname_np(j->tid, tname);
    return 0;
}

void journal_stop(journal_t *j)
{
    pthread_mutex_lock(&j->mu);
    if (!j->running || j->stopping) {
        pthread_mutex_unlock(&j->mu);
        return;
    }
    j->stopping = 1;
    pthread_cond_signal(&j->wake);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->tid, NULL);
    pthread_mutex_lock(&j->mu);
    j->running = 0;
    j->stopping = 0;
    free(j->ring);
    j->ring = NULL;
    store_close(j->store);
    j->store = NULL;
    pthread_mutex_unlock(&j->mu);
}
