#include "journal/ledger.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "journal/leak.h"
#include "store/store.h"
#include "store/store_installs.h"
#include "store/store_journal.h"
#include "store/store_sites.h"

enum slot_type { SLOT_TRANSFER, SLOT_INBOUND, SLOT_LOG };

/* A queued record or log line: fixed-size fields, so queueing is a copy. */
typedef struct slot {
    int type;
    int64_t time_ms, site_id, other_site_id; /* SLOT_INBOUND: other = the source site */
    uint64_t bytes;
    char kind[24], app_id[37], installation_id[37], invocation_id[37], level[8];
    char module_key[128];
    char text[512]; /* destination (cut to LEDGER_DEST_MAX) or log message */
} slot_t;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t tid;
    int running, stopping;
    atomic_int enabled; /* read without the lock on every record */
    slot_t *ring;
    size_t head, count;
    atomic_uint_fast64_t dropped;
    store_t *store;
    char public_url[512];
    int64_t retention_ms;
} G = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void put(char *dst, size_t cap, const char *src, size_t max)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n > max)
        n = max;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Takes a slot to fill (the lock held), or NULL (dropped, unlocked). */
static slot_t *take(void)
{
    pthread_mutex_lock(&G.mu);
    if (!G.running || G.stopping) {
        pthread_mutex_unlock(&G.mu);
        return NULL;
    }
    if (G.count == LEDGER_QUEUE_MAX) {
        pthread_mutex_unlock(&G.mu);
        atomic_fetch_add(&G.dropped, 1);
        return NULL;
    }
    return &G.ring[(G.head + G.count) % LEDGER_QUEUE_MAX];
}

static void commit(void)
{
    G.count++;
    if (G.count == LEDGER_BATCH)
        pthread_cond_signal(&G.wake);
    pthread_mutex_unlock(&G.mu);
}

static void fill_inv(slot_t *s, const invocation_t *inv)
{
    s->time_ms = clock_now_ms();
    s->site_id = inv->site_id;
    put(s->app_id, sizeof s->app_id, inv->app_id, SIZE_MAX);
    put(s->installation_id, sizeof s->installation_id, inv->installation_id, SIZE_MAX);
    put(s->invocation_id, sizeof s->invocation_id, inv->id, SIZE_MAX);
    put(s->module_key, sizeof s->module_key, inv->module_key, SIZE_MAX);
}

int ledger_enabled(void)
{
    return atomic_load(&G.enabled);
}

void ledger_record(const invocation_t *inv, const char *kind, const char *destination, uint64_t bytes)
{
    if (!inv || !atomic_load(&G.enabled))
        return;
    slot_t *s = take();
    if (!s)
        return;
    fill_inv(s, inv);
    s->type = SLOT_TRANSFER;
    s->other_site_id = 0;
    s->bytes = bytes;
    put(s->kind, sizeof s->kind, kind, SIZE_MAX);
    const char *d = destination ? destination : "";
    const char *q = strpbrk(d, "?#"); /* a URL's query and fragment are not kept */
    put(s->text, sizeof s->text, d, q ? (size_t)(q - d) : LEDGER_DEST_MAX);
    if (strlen(s->text) > LEDGER_DEST_MAX)
        s->text[LEDGER_DEST_MAX] = '\0';
    commit();
}

void ledger_record_inbound(const invocation_t *inv, int64_t source_site_id, const char *kind, uint64_t bytes)
{
    if (!inv || !atomic_load(&G.enabled))
        return;
    slot_t *s = take();
    if (!s)
        return;
    fill_inv(s, inv);
    s->type = SLOT_INBOUND;
    s->other_site_id = source_site_id;
    s->bytes = bytes;
    put(s->kind, sizeof s->kind, kind, SIZE_MAX);
    s->text[0] = '\0';
    commit();
}

void ledger_log(const invocation_t *inv, const char *level, const char *message)
{
    if (!inv)
        return;
    slot_t *s = take();
    if (!s)
        return;
    fill_inv(s, inv);
    s->type = SLOT_LOG;
    put(s->level, sizeof s->level, level, SIZE_MAX);
    put(s->text, sizeof s->text, message, SIZE_MAX);
    commit();
}

uint64_t ledger_dropped(void)
{
    return atomic_load(&G.dropped);
}

/* ---- the writer ---- */

static int is_hex64(const char *p)
{
    for (int i = 0; i < 64; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return p[64] == '\0' || p[64] == '/';
}

/* The site whose webtrigger `dest` is (a URL on kiln's public URL, /x1/{id} or
 * /public/{id}), or 0. */
static int64_t dest_site(arena_t *a, const char *dest)
{
    size_t pl = strlen(G.public_url);
    if (!pl || strncmp(dest, G.public_url, pl) != 0)
        return 0;
    const char *p = dest + pl;
    if (strncmp(p, "/x1/", 4) == 0)
        p += 4;
    else if (strncmp(p, "/public/", 8) == 0)
        p += 8;
    else
        return 0;
    if (strlen(p) < 64 || !is_hex64(p))
        return 0;
    char id[65];
    memcpy(id, p, 64);
    id[64] = '\0';
    const char *inst_id, *module;
    install_rec_t in;
    if (store_webtrigger_get(G.store, a, id, &inst_id, &module) != STORE_OK ||
        store_install_get(G.store, a, inst_id, &in) != STORE_OK)
        return 0;
    return in.site_id;
}

static void write_batch(const slot_t *batch, size_t n, ledger_rec_t *recs, log_rec_t *logs)
{
    arena_t *a = arena_new(64u << 20);
    size_t nr = 0, nl = 0;
    for (size_t i = 0; i < n; i++) {
        const slot_t *s = &batch[i];
        if (s->type == SLOT_LOG) {
            logs[nl++] = (log_rec_t){.site_id = s->site_id,
                                     .installation_id = s->installation_id,
                                     .app_id = s->app_id,
                                     .invocation_id = s->invocation_id,
                                     .module_key = s->module_key,
                                     .level = s->level,
                                     .message = s->text,
                                     .time_ms = s->time_ms};
            continue;
        }
        ledger_rec_t *r = &recs[nr++];
        *r = (ledger_rec_t){.time_ms = s->time_ms,
                            .kind = s->kind,
                            .app_id = s->app_id,
                            .installation_id = s->installation_id,
                            .invocation_id = s->invocation_id,
                            .destination = s->text,
                            .bytes = (int64_t)s->bytes};
        if (s->type == SLOT_INBOUND) { /* data of other_site came into an invocation of site_id */
            r->site_id = s->other_site_id;
            r->dest_site_id = s->site_id;
        } else {
            r->site_id = s->site_id;
            r->dest_site_id = s->text[0] ? dest_site(a, s->text) : 0;
        }
    }
    if (nr && store_ledger_insert(G.store, recs, nr) != STORE_OK) {
        char num[24];
        snprintf(num, sizeof num, "%zu", nr);
        log_msg(LOG_ERROR, "ledger: cannot write records; they are lost", "records", num, NULL);
    }
    if (nl && store_logs_insert(G.store, logs, nl) != STORE_OK)
        log_msg(LOG_WARN, "ledger: cannot write function log lines", NULL);
    arena_free(a);
}

static void *writer_main(void *arg)
{
    (void)arg;
    slot_t *batch = xcalloc(LEDGER_BATCH, sizeof *batch);
    ledger_rec_t *recs = xcalloc(LEDGER_BATCH, sizeof *recs);
    log_rec_t *logs = xcalloc(LEDGER_BATCH, sizeof *logs);
    int64_t next_purge = clock_now_ms() + 60 * 1000, next_sites = 0, last_sites = -1;
    pthread_mutex_lock(&G.mu);
    for (;;) {
        if (G.count == 0 && G.stopping)
            break;
        if (G.count < LEDGER_BATCH && !G.stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (long)LEDGER_FLUSH_MS * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&G.wake, &G.mu, &ts);
        }
        size_t n = G.count < LEDGER_BATCH ? G.count : LEDGER_BATCH;
        for (size_t i = 0; i < n; i++)
            batch[i] = G.ring[(G.head + i) % LEDGER_QUEUE_MAX];
        G.head = (G.head + n) % LEDGER_QUEUE_MAX;
        G.count -= n;
        pthread_mutex_unlock(&G.mu);

        if (n)
            write_batch(batch, n, recs, logs);
        int64_t now = clock_now_ms(), sites = 0;
        if (now >= next_sites) {
            /* sites created elsewhere (another process or node on the same store): their
             * canaries join the matcher within a second */
            next_sites = now + 1000;
            char err[256];
            if (store_site_count(G.store, &sites) == STORE_OK && sites != last_sites) {
                if (last_sites >= 0 && leak_reload(G.store, err, sizeof err) != 0)
                    log_msg(LOG_WARN, "leak detection: cannot rebuild the canary database", "error", err, NULL);
                last_sites = sites;
            }
        }
        if (G.retention_ms && now >= next_purge) {
            int64_t gone = 0;
            if (store_ledger_purge(G.store, now - G.retention_ms, &gone) != STORE_OK)
                log_msg(LOG_WARN, "ledger: cannot delete records past the retention period", NULL);
            next_purge = now + 3600 * 1000;
        }
        pthread_mutex_lock(&G.mu);
    }
    pthread_mutex_unlock(&G.mu);
    free(batch);
    free(recs);
    free(logs);
    return NULL;
}

int ledger_start(const char *data_dir, const char *public_url, int enabled, unsigned retention_days, char *err,
                 size_t errlen)
{
    store_t *st = store_open(data_dir, err, errlen);
    if (!st)
        return -1;
    store_relax_durability(st); /* as the audit log: batches, fsync per checkpoint */
    slot_t *ring = calloc(LEDGER_QUEUE_MAX, sizeof *ring);
    if (!ring) {
        store_close(st);
        snprintf(err, errlen, "out of memory for the ledger queue");
        return -1;
    }
    pthread_mutex_lock(&G.mu);
    G.store = st;
    G.ring = ring;
    G.head = G.count = 0;
    atomic_store(&G.enabled, enabled);
    snprintf(G.public_url, sizeof G.public_url, "%s", public_url ? public_url : "");
    G.retention_ms = (int64_t)retention_days * 24 * 3600 * 1000;
    G.stopping = 0;
    G.running = 1;
    pthread_mutex_unlock(&G.mu);
    atomic_store(&G.dropped, 0);
    if (pthread_create(&G.tid, NULL, writer_main, NULL) != 0) {
        atomic_store(&G.enabled, 0);
        pthread_mutex_lock(&G.mu);
        G.running = 0;
        pthread_mutex_unlock(&G.mu);
        free(ring);
        store_close(st);
        snprintf(err, errlen, "cannot start the ledger writer thread");
        return -1;
    }
    return 0;
}

void ledger_stop(void)
{
    pthread_mutex_lock(&G.mu);
    if (!G.running) {
        pthread_mutex_unlock(&G.mu);
        return;
    }
    G.stopping = 1;
    pthread_cond_signal(&G.wake);
    pthread_mutex_unlock(&G.mu);
    pthread_join(G.tid, NULL);
    pthread_mutex_lock(&G.mu);
    G.running = 0;
    atomic_store(&G.enabled, 0);
    free(G.ring);
    G.ring = NULL;
    store_close(G.store);
    G.store = NULL;
    pthread_mutex_unlock(&G.mu);
}
