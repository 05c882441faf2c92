#include "journal/ledger.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "journal/journal.h"
#include "journal/leak.h"
#include "store/store.h"
#include "store/store_installs.h"
#include "store/store_journal.h"
#include "store/store_sites.h"

enum slot_type { SLOT_TRANSFER, SLOT_INBOUND };

/* A queued record: fixed-size fields, so queueing is a copy. */
typedef struct slot {
    int type;
    int64_t time_ms, site_id, other_site_id; /* SLOT_INBOUND: other = the source site */
    uint64_t bytes;
    char kind[24], app_id[37], installation_id[37], invocation_id[37];
    char destination[LEDGER_DEST_MAX + 1];
} slot_t;

static journal_t J = JOURNAL_INIT;
static atomic_int enabled;                  /* read without the lock on every record */
static char public_url[512];                /* set before the writer starts */
static int64_t last_sites = -1, next_sites; /* the writer's: when it last counted sites */

/* A slot for inv's record, or NULL (off, stopped or full). */
static slot_t *take(const invocation_t *inv, int type, const char *kind, uint64_t bytes)
{
    if (!inv || !atomic_load(&enabled))
        return NULL;
    slot_t *s = journal_take(&J);
    if (!s)
        return NULL;
    s->type = type;
    s->time_ms = clock_now_ms();
    s->site_id = inv->site_id;
    s->bytes = bytes;
    journal_put(s->kind, sizeof s->kind, kind, SIZE_MAX);
    journal_put(s->app_id, sizeof s->app_id, inv->app_id, SIZE_MAX);
    journal_put(s->installation_id, sizeof s->installation_id, inv->installation_id, SIZE_MAX);
    journal_put(s->invocation_id, sizeof s->invocation_id, inv->id, SIZE_MAX);
    return s;
}

int ledger_enabled(void)
{
    return atomic_load(&enabled);
}

void ledger_record(const invocation_t *inv, const char *kind, const char *destination, uint64_t bytes)
{
    slot_t *s = take(inv, SLOT_TRANSFER, kind, bytes);
    if (!s)
        return;
    const char *d = destination ? destination : "";
    const char *q = strpbrk(d, "?#"); /* a URL's query and fragment are not kept */
    journal_put(s->destination, sizeof s->destination, d, q ? (size_t)(q - d) : LEDGER_DEST_MAX);
    journal_commit(&J);
}

void ledger_record_inbound(const invocation_t *inv, int64_t source_site_id, const char *kind, uint64_t bytes)
{
    slot_t *s = take(inv, SLOT_INBOUND, kind, bytes);
    if (!s)
        return;
    s->other_site_id = source_site_id;
    journal_commit(&J);
}

uint64_t ledger_dropped(void)
{
    return journal_dropped(&J);
}

uint64_t ledger_unwritten(void)
{
    return journal_unwritten(&J);
}

uint64_t ledger_unwritten_batches(void)
{
    return journal_unwritten_batches(&J);
}

void ledger_barrier(journal_wait_t *w)
{
    journal_barrier(&J, w);
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
static int64_t dest_site(store_t *st, arena_t *a, const char *dest)
{
    size_t pl = strlen(public_url);
    if (!pl || strncmp(dest, public_url, pl) != 0)
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
    if (store_webtrigger_get(st, a, id, &inst_id, &module) != STORE_OK ||
        store_install_get(st, a, inst_id, &in) != STORE_OK)
        return 0;
    return in.site_id;
}

static int write_batch(store_t *st, void *slots, size_t n, void *scratch)
{
    const slot_t *batch = slots;
    ledger_rec_t *recs = scratch;
    arena_t *a = arena_new(64u << 20);
    for (size_t i = 0; i < n; i++) {
        const slot_t *s = &batch[i];
        ledger_rec_t *r = &recs[i];
        *r = (ledger_rec_t){.time_ms = s->time_ms,
                            .kind = s->kind,
                            .app_id = s->app_id,
                            .installation_id = s->installation_id,
                            .invocation_id = s->invocation_id,
                            .destination = s->destination,
                            .bytes = (int64_t)s->bytes};
        if (s->type == SLOT_INBOUND) { /* data of other_site came into an invocation of site_id */
            r->site_id = s->other_site_id;
            r->dest_site_id = s->site_id;
        } else {
            r->site_id = s->site_id;
            r->dest_site_id = s->destination[0] ? dest_site(st, a, s->destination) : 0;
        }
    }
    int rc = store_ledger_insert(st, recs, n); /* a failure: counted and logged by the journal */
    arena_free(a);
    return rc;
}

/* Sites created elsewhere (another process or node on the same store): their canaries
 * join the leak matcher within a second. */
static void tick(store_t *st, int64_t now)
{
    if (now < next_sites)
        return;
    next_sites = now + 1000;
    int64_t sites = 0;
    char err[256];
    if (store_site_count(st, &sites) == STORE_OK && sites != last_sites) {
        if (last_sites >= 0 && leak_reload(st, err, sizeof err) != 0)
            log_msg(LOG_WARN, "leak detection: cannot rebuild the canary database", "error", err, NULL);
        last_sites = sites;
    }
}

static const journal_def_t def = {
    .name = "ledger",
    .slot_size = sizeof(slot_t),
    .queue_max = LEDGER_QUEUE_MAX,
    .batch = LEDGER_BATCH,
    .flush_ms = LEDGER_FLUSH_MS,
    .write = write_batch,
    .scratch_size = LEDGER_BATCH * sizeof(ledger_rec_t),
    .purge = store_ledger_purge,
    .tick = tick,
};

int ledger_start(const char *data_dir, const char *url, int on, unsigned retention_days, char *err, size_t errlen)
{
    snprintf(public_url, sizeof public_url, "%s", url ? url : "");
    last_sites = -1;
    next_sites = 0;
    atomic_store(&enabled, on);
    if (journal_start(&J, &def, data_dir, retention_days, err, errlen) != 0) {
        atomic_store(&enabled, 0);
        return -1;
    }
    return 0;
}

void ledger_stop(void)
{
    atomic_store(&enabled, 0);
    journal_stop(&J);
}
