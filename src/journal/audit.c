#include "journal/audit.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "journal/journal.h"
#include "store/store_journal.h"

/* A queued event: fixed-size fields, so queueing is a copy and nothing else. */
typedef struct slot {
    int64_t time_ms, site_id;
    int status;
    char kind[32], plane[16], actor[72], app_id[40], installation_id[40], invocation_id[40];
    char method[16], path[256], category[40], detail[256];
} slot_t;

static journal_t J = JOURNAL_INIT;

void audit_record(const audit_event_t *ev)
{
    slot_t *s = journal_take(&J);
    if (!s)
        return;
    s->time_ms = ev->time_ms ? ev->time_ms : clock_now_ms();
    s->site_id = ev->site_id;
    s->status = ev->status;
    journal_put(s->kind, sizeof s->kind, ev->kind, SIZE_MAX);
    journal_put(s->plane, sizeof s->plane, ev->plane, SIZE_MAX);
    journal_put(s->actor, sizeof s->actor, ev->actor, SIZE_MAX);
    journal_put(s->app_id, sizeof s->app_id, ev->app_id, SIZE_MAX);
    journal_put(s->installation_id, sizeof s->installation_id, ev->installation_id, SIZE_MAX);
    journal_put(s->invocation_id, sizeof s->invocation_id, ev->invocation_id, SIZE_MAX);
    journal_put(s->method, sizeof s->method, ev->method, SIZE_MAX);
    journal_put(s->path, sizeof s->path, ev->path, SIZE_MAX);
    journal_put(s->category, sizeof s->category, ev->category, SIZE_MAX);
    journal_put(s->detail, sizeof s->detail, ev->detail, SIZE_MAX);
    journal_commit(&J);
}

uint64_t audit_dropped(void)
{
    return journal_dropped(&J);
}

uint64_t audit_unwritten(void)
{
    return journal_unwritten(&J);
}

uint64_t audit_unwritten_batches(void)
{
    return journal_unwritten_batches(&J);
}

void audit_barrier(journal_wait_t *w)
{
    journal_barrier(&J, w);
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

/* The writer's scratch: the rows of a batch and the coalescing table. */
typedef struct scratch {
    audit_rec_t recs[AUDIT_BATCH];
    int table[COALESCE_SLOTS];
} scratch_t;

static int write_batch(store_t *st, void *slots, size_t n, void *scratch)
{
    scratch_t *sc = scratch;
    size_t rows = coalesce(slots, n, sc->recs, sc->table);
    return store_audit_insert(st, sc->recs, rows); /* a failure: counted and logged by the journal */
}

static const journal_def_t def = {
    .name = "audit",
    .slot_size = sizeof(slot_t),
    .queue_max = AUDIT_QUEUE_MAX,
    .batch = AUDIT_BATCH,
    .flush_ms = AUDIT_FLUSH_MS,
    .write = write_batch,
    .scratch_size = sizeof(scratch_t),
    .purge = store_audit_purge,
};

int audit_start(const char *data_dir, unsigned retention_days, char *err, size_t errlen)
{
    return journal_start(&J, &def, data_dir, retention_days, err, errlen);
}

void audit_stop(void)
{
    journal_stop(&J);
}
