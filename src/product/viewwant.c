/* The per-thread cache of "does an installed app name this event" (product/viewwant.h). */
#include "product/viewwant.h"

#include "base/clock.h"
#include "store/store_installs.h"

typedef struct want_entry {
    int64_t site; /* 0: empty */
    const char *event;
    uint64_t gen; /* store_installs_gen read before the lookup */
    int64_t expires_ms;
    int yes;
} want_entry_t;

static __thread want_entry_t cache[VIEWWANT_ENTRIES];
static __thread uint64_t hits, misses;

int viewwant_get(store_t *st, int64_t site_id, const char *event, int *yes)
{
    want_entry_t *e = &cache[(uint64_t)site_id % VIEWWANT_ENTRIES];
    uint64_t gen = store_installs_gen(); /* before the lookup: a commit racing it spoils the entry */
    int64_t now = clock_now_ms();
    if (e->site == site_id && e->event == event && e->gen == gen && now < e->expires_ms) {
        hits++;
        *yes = e->yes;
        return STORE_OK;
    }
    misses++;
    *yes = 0;
    /* The caller's snapshot may predate a commit whose bump `gen` already holds: read anew. */
    int paused = store_read_pause(st);
    int rc = store_install_site_mentions(st, site_id, event, yes);
    if (store_read_again(st, paused) != STORE_OK && rc == STORE_OK)
        rc = STORE_ERROR;
    if (rc != STORE_OK) {
        *yes = 0;
        e->site = 0;
        return rc;
    }
    *e = (want_entry_t){.site = site_id, .event = event, .gen = gen, .expires_ms = now + VIEWWANT_TTL_MS, .yes = *yes};
    return STORE_OK;
}

void viewwant_stats(uint64_t *h, uint64_t *m)
{
    *h = hits;
    *m = misses;
}
