#include "gateway/authcache.h"

#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "store/store_sites.h"

#define SLOTS 512 /* direct-mapped by the hash's first bytes; a collision just evicts */

struct slot {
    unsigned char hash[32];
    int64_t expires_ms, site_id, site_created_ms;
    char account_id[129], email[256], cloud_id[37], site_name[64], admin_id[129], canary[64];
};

static __thread struct slot slots[SLOTS];

static struct slot *slot_of(const unsigned char hash[32])
{
    return &slots[(hash[0] | (unsigned)hash[1] << 8) % SLOTS];
}

int authcache_get(arena_t *a, const unsigned char hash[32], authcache_hit_t *hit)
{
    struct slot *s = slot_of(hash);
    if (s->expires_ms == 0 || !enc_ct_eq(s->hash, hash, 32) || clock_now_ms() >= s->expires_ms)
        return 0;
    hit->site = (site_rec_t){
        .id = s->site_id,
        .cloud_id = arena_strdup(a, s->cloud_id),
        .name = arena_strdup(a, s->site_name),
        .admin_account_id = arena_strdup(a, s->admin_id),
        .canary = arena_strdup(a, s->canary),
        .created_ms = s->site_created_ms,
    };
    hit->account_id = arena_strdup(a, s->account_id);
    hit->email = arena_strdup(a, s->email);
    return 1;
}

#define FITS(dst, src) (strlen(src) < sizeof(dst))

void authcache_put(const unsigned char hash[32], const authcache_hit_t *h)
{
    struct slot *s = slot_of(hash);
    s->expires_ms = 0;
    if (!FITS(s->account_id, h->account_id) || !FITS(s->email, h->email) || !FITS(s->cloud_id, h->site.cloud_id) ||
        !FITS(s->site_name, h->site.name) || !FITS(s->admin_id, h->site.admin_account_id) ||
        !FITS(s->canary, h->site.canary))
        return; /* not cacheable; the store answers every time */
    memcpy(s->hash, hash, 32);
    s->site_id = h->site.id;
    s->site_created_ms = h->site.created_ms;
    strcpy(s->account_id, h->account_id);
    strcpy(s->email, h->email);
    strcpy(s->cloud_id, h->site.cloud_id);
    strcpy(s->site_name, h->site.name);
    strcpy(s->admin_id, h->site.admin_account_id);
    strcpy(s->canary, h->site.canary);
    s->expires_ms = clock_now_ms() + AUTHCACHE_TTL_MS;
}
