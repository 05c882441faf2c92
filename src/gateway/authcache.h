/* A per-thread cache of recent credential lookups (token hash -> site, account), so
 * that a busy client does not cost a store round per request. Entries live at most
 * AUTHCACHE_TTL_MS; nothing negative is cached, so a new token works at once. Anything
 * that revokes a credential must call authcache_flush (today nothing can). */
#ifndef KILN_AUTHCACHE_H
#define KILN_AUTHCACHE_H

#include <stdint.h>

#include "store/store.h"
#include "store/store_sites.h"

#define AUTHCACHE_TTL_MS 2000

/* A resolved credential: its site (immutable once created) and its user. */
typedef struct authcache_hit {
    site_rec_t site;
    const char *account_id;
    const char *email;
} authcache_hit_t;

/* 1 and *hit filled (strings copied into `a`) if the hash is cached and fresh. */
int authcache_get(arena_t *a, const unsigned char hash[32], authcache_hit_t *hit);
void authcache_put(const unsigned char hash[32], const authcache_hit_t *hit);

#endif
