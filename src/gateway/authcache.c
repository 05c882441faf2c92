#include "gateway/authcache.h"

#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "store/store_sites.h"

#define SLOTS 512 /* per kind, direct-mapped by the hash's first bytes; a collision just evicts */

/* The site of a cached credential, in fixed buffers. */
struct site_copy {
    int64_t id, created_ms;
    char cloud_id[37], name[64], admin_id[129], canary[64];
};

struct slot {
    unsigned char hash[32];
    int64_t expires_ms;
    uint64_t gen;
    struct site_copy site;
    char account_id[129], email[256];
};

struct sslot {
    unsigned char hash[32];
    int64_t expires_ms;
    uint64_t gen;
    struct site_copy site;
    char account_id[129], csrf[64];
    int64_t created_ms, ends_ms, last_seen_ms;
};

struct islot {
    char id[64]; /* the installation id ("" : empty) */
    int64_t expires_ms;
    uint64_t gen; /* store_installs_gen */
    int removed;
    struct site_copy site;
};

static __thread struct slot slots[SLOTS];
static __thread struct sslot sslots[SLOTS];
static __thread struct islot islots[SLOTS];

static unsigned index_of(const unsigned char hash[32])
{
    return (hash[0] | (unsigned)hash[1] << 8) % SLOTS;
}

#define FITS(dst, src) ((src) && strlen(src) < sizeof(dst))

static int fresh(int64_t expires_ms, uint64_t gen, const unsigned char *have, const unsigned char *want)
{
    return expires_ms != 0 && gen == store_auth_gen() && enc_ct_eq(have, want, 32) && clock_now_ms() < expires_ms;
}

static site_rec_t site_out(arena_t *a, const struct site_copy *c)
{
    return (site_rec_t){
        .id = c->id,
        .cloud_id = arena_strdup(a, c->cloud_id),
        .name = arena_strdup(a, c->name),
        .admin_account_id = arena_strdup(a, c->admin_id),
        .canary = arena_strdup(a, c->canary),
        .created_ms = c->created_ms,
    };
}

static int site_in(struct site_copy *c, const site_rec_t *s)
{
    if (!FITS(c->cloud_id, s->cloud_id) || !FITS(c->name, s->name) || !FITS(c->admin_id, s->admin_account_id) ||
        !FITS(c->canary, s->canary))
        return 0;
    c->id = s->id;
    c->created_ms = s->created_ms;
    strcpy(c->cloud_id, s->cloud_id);
    strcpy(c->name, s->name);
    strcpy(c->admin_id, s->admin_account_id);
    strcpy(c->canary, s->canary);
    return 1;
}

int authcache_get(arena_t *a, const unsigned char hash[32], authcache_hit_t *hit)
{
    struct slot *s = &slots[index_of(hash)];
    if (!fresh(s->expires_ms, s->gen, s->hash, hash))
        return 0;
    hit->site = site_out(a, &s->site);
    hit->account_id = arena_strdup(a, s->account_id);
    hit->email = arena_strdup(a, s->email);
    return 1;
}

void authcache_put(const unsigned char hash[32], uint64_t gen, const authcache_hit_t *h)
{
    struct slot *s = &slots[index_of(hash)];
    s->expires_ms = 0;
    if (!FITS(s->account_id, h->account_id) || !FITS(s->email, h->email) || !site_in(&s->site, &h->site))
        return; /* not cacheable; the store answers every time */
    memcpy(s->hash, hash, 32);
    strcpy(s->account_id, h->account_id);
    strcpy(s->email, h->email);
    s->gen = gen;
    s->expires_ms = clock_now_ms() + AUTHCACHE_TTL_MS;
}

int authcache_session_get(arena_t *a, const unsigned char hash[32], session_rec_t *out, site_rec_t *site)
{
    struct sslot *s = &sslots[index_of(hash)];
    if (!fresh(s->expires_ms, s->gen, s->hash, hash))
        return 0;
    *site = site_out(a, &s->site);
    *out = (session_rec_t){
        .site_id = s->site.id,
        .account_id = arena_strdup(a, s->account_id),
        .csrf = arena_strdup(a, s->csrf),
        .created_ms = s->created_ms,
        .expires_ms = s->ends_ms,
        .last_seen_ms = s->last_seen_ms,
    };
    return 1;
}

void authcache_session_put(const unsigned char hash[32], uint64_t gen, const session_rec_t *r, const site_rec_t *site)
{
    struct sslot *s = &sslots[index_of(hash)];
    s->expires_ms = 0;
    if (r->site_id != site->id || !FITS(s->account_id, r->account_id) || !FITS(s->csrf, r->csrf) ||
        !site_in(&s->site, site))
        return;
    memcpy(s->hash, hash, 32);
    strcpy(s->account_id, r->account_id);
    strcpy(s->csrf, r->csrf);
    s->created_ms = r->created_ms;
    s->ends_ms = r->expires_ms;
    s->last_seen_ms = r->last_seen_ms;
    s->gen = gen;
    s->expires_ms = clock_now_ms() + AUTHCACHE_TTL_MS;
}

void authcache_session_seen(const unsigned char hash[32], int64_t last_seen_ms)
{
    struct sslot *s = &sslots[index_of(hash)];
    if (s->expires_ms != 0 && enc_ct_eq(s->hash, hash, 32) && last_seen_ms > s->last_seen_ms)
        s->last_seen_ms = last_seen_ms;
}

/* an installation id's slot: FNV-1a of its bytes */
static struct islot *islot_of(const char *id)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 16777619u;
    return &islots[h % SLOTS];
}

int authcache_install_get(arena_t *a, const char *installation_id, int64_t site_id, int *removed, site_rec_t *site)
{
    if (!installation_id || strlen(installation_id) >= sizeof islots[0].id)
        return 0;
    struct islot *s = islot_of(installation_id);
    if (s->expires_ms == 0 || s->gen != store_installs_gen() || clock_now_ms() >= s->expires_ms ||
        strcmp(s->id, installation_id) != 0 || s->site.id != site_id)
        return 0;
    *removed = s->removed;
    *site = site_out(a, &s->site);
    return 1;
}

void authcache_install_put(const char *installation_id, uint64_t gen, int removed, const site_rec_t *site)
{
    if (!installation_id || strlen(installation_id) >= sizeof islots[0].id)
        return;
    struct islot *s = islot_of(installation_id);
    s->expires_ms = 0;
    if (!site_in(&s->site, site))
        return; /* not cacheable; the store answers every time */
    strcpy(s->id, installation_id);
    s->removed = removed;
    s->gen = gen;
    s->expires_ms = clock_now_ms() + AUTHCACHE_TTL_MS;
}
