#include "journal/audit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "store/store_journal.h"

/* A queued event: fixed-size fields, so queueing is a copy and nothing else. */
typedef struct slot {
    int64_t time_ms, site_id;
    int status;
    char kind[32], plane[16], actor[72], app_id[40], installation_id[40], invocation_id[40];
    char method[16], path[256], category[40], detail[256];
} slot_t;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t tid;
    int running, stopping;
    slot_t *ring; /* AUDIT_QUEUE_MAX slots */
    size_t head, count;
    atomic_uint_fast64_t dropped;
    store_t *store;
    int64_t retention_ms;
} A = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void put(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

void audit_record(const audit_event_t *ev)
{
    pthread_mutex_lock(&A.mu);
    if (!A.running || A.stopping) {
        pthread_mutex_unlock(&A.mu);
        return;
    }
    if (A.count == AUDIT_QUEUE_MAX) {
        pthread_mutex_unlock(&A.mu);
        atomic_fetch_add(&A.dropped, 1);
        return;
    }
    slot_t *s = &A.ring[(A.head + A.count) % AUDIT_QUEUE_MAX];
    s->time_ms = ev->time_ms ? ev->time_ms : clock_now_ms();
    s->site_id = ev->site_id;
    s->status = ev->status;
    put(s->kind, sizeof s->kind, ev->kind);
    put(s->plane, sizeof s->plane, ev->plane);
    put(s->actor, sizeof s->actor, ev->actor);
    put(s->app_id, sizeof s->app_id, ev->app_id);
    put(s->installation_id, sizeof s->installation_id, ev->installation_id);
    put(s->invocation_id, sizeof s->invocation_id, ev->invocation_id);
    put(s->method, sizeof s->method, ev->method);
    put(s->path, sizeof s->path, ev->path);
    put(s->category, sizeof s->category, ev->category);
    put(s->detail, sizeof s->detail, ev->detail);
    A.count++;
    if (A.count == AUDIT_BATCH)
        pthread_cond_signal(&A.wake);
    pthread_mutex_unlock(&A.mu);
}

uint64_t audit_dropped(void)
{
    return atomic_load(&A.dropped);
}

static void rec_of(const slot_t *s, audit_rec_t *r)
{
    *r = (audit_rec_t){.time_ms = s->time_ms,
                       .last_ms = s->time_ms,
                       .count = 1,
                       .site_id = s->site_id,
                       .status = s->status,
                       .kind = s->kind,
                       .plane = s->plane,
                       .actor = s->actor,
                       .app_id = s->app_id,
                       .installation_id = s->installation_id,
                       .invocation_id = s->invocation_id,
                       .method = s->method,
                       .path = s->path,
                       .category = s->category,
                       .detail = s->detail};
}

/* ---- coalescing: identical allowed decisions of one batch become one row ---- */

#define COALESCE_SLOTS (AUDIT_BATCH * 2)

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull; /* field separator */
}

/* Everything of an event but its time. */
static uint64_t key_hash(const slot_t *e)
{
    uint64_t h = 14695981039346656037ull ^ (uint64_t)e->site_id ^ ((uint64_t)e->status << 32);
    const char *f[] = {e->kind,          e->plane,  e->actor, e->app_id,   e->installation_id,
                       e->invocation_id, e->method, e->path,  e->category, e->detail};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        h = fnv(h, f[i]);
    return h;
}

static int same_key(const slot_t *a, const slot_t *b)
{
    return a->site_id == b->site_id && a->status == b->status && !strcmp(a->kind, b->kind) &&
           !strcmp(a->plane, b->plane) && !strcmp(a->actor, b->actor) && !strcmp(a->app_id, b->app_id) &&
           !strcmp(a->installation_id, b->installation_id) && !strcmp(a->invocation_id, b->invocation_id) &&
           !strcmp(a->method, b->method) && !strcmp(a->path, b->path) && !strcmp(a->category, b->category) &&
           !strcmp(a->detail, b->detail);
}

/* Fills recs from the batch, folding each allowed decision into an earlier identical one
 * (same site, actor, app, installation, invocation, method, path, status): one row with
 * its count and first and last time. Refusals and every other kind stay one row each.
 * Returns the number of rows. */
static size_t coalesce(const slot_t *batch, size_t n, audit_rec_t *recs, int *table)
{
    for (size_t i = 0; i < COALESCE_SLOTS; i++)
        table[i] = -1;
    size_t rows = 0;
    int last_allow = -1; /* the row of the last allowed event: runs of identical ones skip the hash */
    for (size_t i = 0; i < n; i++) {
        const slot_t *e = &batch[i];
        if (strcmp(e->kind, AUDIT_ALLOW) == 0) {
            if (last_allow >= 0 && same_key(&batch[recs[last_allow].id], e)) {
                audit_rec_t *r = &recs[last_allow];
                r->count++;
                if (e->time_ms > r->last_ms)
                    r->last_ms = e->time_ms;
                continue;
            }
            uint64_t h = key_hash(e);
            size_t j = h % COALESCE_SLOTS;
            for (; table[j] >= 0; j = (j + 1) % COALESCE_SLOTS) {
                audit_rec_t *r = &recs[table[j]];
                if (same_key(&batch[r->id], e)) { /* r->id: the batch index of its first event, for now */
                    r->count++;
                    if (e->time_ms > r->last_ms)
                        r->last_ms = e->time_ms;
                    break;
                }
            }
            if (table[j] >= 0) {
                last_allow = table[j];
                continue;
            }
            table[j] = (int)rows;
            last_allow = (int)rows;
        }
        rec_of(e, &recs[rows]);
        recs[rows].id = (int64_t)i;
        rows++;
    }
    return rows;
}

static void *writer_main(void *arg)
{
    (void)arg;
    slot_t *batch = calloc(AUDIT_BATCH, sizeof *batch);
    audit_rec_t *recs = calloc(AUDIT_BATCH, sizeof *recs);
    int *table = calloc(COALESCE_SLOTS, sizeof *table);
    int64_t next_purge = clock_now_ms() + 60 * 1000;
    pthread_mutex_lock(&A.mu);
    for (;;) {
        if (A.count == 0 && A.stopping)
            break;
        if (A.count < AUDIT_BATCH && !A.stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (long)AUDIT_FLUSH_MS * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&A.wake, &A.mu, &ts);
        }
        size_t n = A.count < AUDIT_BATCH ? A.count : AUDIT_BATCH;
        for (size_t i = 0; i < n; i++)
            batch[i] = A.ring[(A.head + i) % AUDIT_QUEUE_MAX];
        A.head = (A.head + n) % AUDIT_QUEUE_MAX;
        A.count -= n;
        pthread_mutex_unlock(&A.mu);

        if (n) {
            size_t rows = coalesce(batch, n, recs, table);
            if (store_audit_insert(A.store, recs, rows) != STORE_OK) {
                char num[24];
                snprintf(num, sizeof num, "%zu", n);
                log_msg(LOG_ERROR, "audit: cannot write events; they are lost", "events", num, NULL);
            }
        }
        int64_t now = clock_now_ms();
        if (A.retention_ms && now >= next_purge) {
            int64_t gone = 0;
            if (store_audit_purge(A.store, now - A.retention_ms, &gone) != STORE_OK)
                log_msg(LOG_WARN, "audit: cannot delete events past the retention period", NULL);
            next_purge = now + 3600 * 1000;
        }

        pthread_mutex_lock(&A.mu);
    }
    pthread_mutex_unlock(&A.mu);
    free(batch);
    free(recs);
    free(table);
    return NULL;
}

int audit_start(const char *data_dir, unsigned retention_days, char *err, size_t errlen)
{
    store_t *st = store_open(data_dir, err, errlen);
    if (!st)
        return -1;
    /* Batched writes with WAL's NORMAL sync: an fsync per checkpoint rather than per batch.
     * What was flushed survives a crash of kiln; an OS crash may lose the last batches. */
    store_relax_durability(st);
    slot_t *ring = calloc(AUDIT_QUEUE_MAX, sizeof *ring);
    if (!ring) {
        store_close(st);
        snprintf(err, errlen, "out of memory for the audit queue");
        return -1;
    }
    pthread_mutex_lock(&A.mu);
    A.store = st;
    A.ring = ring;
    A.head = A.count = 0;
    A.retention_ms = (int64_t)retention_days * 24 * 3600 * 1000;
    A.stopping = 0;
    A.running = 1;
    pthread_mutex_unlock(&A.mu);
    atomic_store(&A.dropped, 0);
    if (pthread_create(&A.tid, NULL, writer_main, NULL) != 0) {
        pthread_mutex_lock(&A.mu);
        A.running = 0;
        pthread_mutex_unlock(&A.mu);
        free(ring);
        store_close(st);
        snprintf(err, errlen, "cannot start the audit writer thread");
        return -1;
    }
    return 0;
}

void audit_stop(void)
{
    pthread_mutex_lock(&A.mu);
    if (!A.running) {
        pthread_mutex_unlock(&A.mu);
        return;
    }
    A.stopping = 1;
    pthread_cond_signal(&A.wake);
    pthread_mutex_unlock(&A.mu);
    pthread_join(A.tid, NULL);
    pthread_mutex_lock(&A.mu);
    A.running = 0;
    free(A.ring);
    A.ring = NULL;
    store_close(A.store);
    A.store = NULL;
    pthread_mutex_unlock(&A.mu);
}
