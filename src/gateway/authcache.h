/* A per-thread cache of recent credential lookups, so that a busy client does not cost
 * store rounds per request: API tokens (token hash -> site, account) and web sessions
 * (session secret's hash -> the session, its site; cached only while its user is active).
 * Entries live at most AUTHCACHE_TTL_MS (the bound should another node's notification be
 * lost unnoticed) and are served only while the store's credential generation
 * (store_auth_gen, read by the caller BEFORE its store lookups and passed to put) is
 * unchanged: a sign-out, a session purge or a user write bumps it — here at once, from
 * another node sharing a PostgreSQL store when its notification arrives (store.h,
 * "several nodes") — and every thread misses. Nothing negative is
 * cached, so a new token or session works at once. Expiry and idleness are checked by
 * the caller on every request from the cached times. */
#ifndef KILN_AUTHCACHE_H
#define KILN_AUTHCACHE_H

#include <stdint.h>

#include "store/store.h"
#include "store/store_sessions.h"
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
void authcache_put(const unsigned char hash[32], uint64_t gen, const authcache_hit_t *hit);

/* The same for a session (store/store_sessions.h): 1 and *s, *site filled (strings in
 * `a`) if cached at the current generation and fresh; put remembers a session read at
 * generation `gen` whose user was active. */
int authcache_session_get(arena_t *a, const unsigned char hash[32], session_rec_t *s, site_rec_t *site);
void authcache_session_put(const unsigned char hash[32], uint64_t gen, const session_rec_t *s, const site_rec_t *site);
/* Records a last-seen write made by this thread in its cached entry (if any). */
void authcache_session_seen(const unsigned char hash[32], int64_t last_seen_ms);

/* What a live invocation's token resolves to in the store (gateway_invocation): its
 * installation's `removed` flag and its site, keyed by installation id AND site id (both
 * must match), served only while store_installs_gen (read by the caller BEFORE its store
 * lookups and passed to put) is unchanged — an install, upgrade, uninstall or purge on any
 * node moves it (store.h) — and for at most AUTHCACHE_TTL_MS. A busy function's storage
 * and product calls then cost no store round for their credential (bench/pgstore.mjs). */
int authcache_install_get(arena_t *a, const char *installation_id, int64_t site_id, int *removed, site_rec_t *site);
void authcache_install_put(const char *installation_id, uint64_t gen, int removed, const site_rec_t *site);

#endif
