/* The project-search result cache: per store handle (so per thread, no locks), it keeps
 * the answers of recent project searches, keyed by site and every search parameter, and
 * serves a repeated search without a query.
 *
 * Entries carry a write generation supplied by the backend: a lower bound on the version
 * of the data they were read from. An entry is served only while the backend's current
 * generation is still equal (no write committed since) and for at most the backend's TTL:
 * SQLite QCACHE_TTL_MS (so a writer outside the process is seen within that bound, as
 * with the SQLite read snapshots; its generation moves with every write of the process);
 * PostgreSQL QCACHE_TTL_NOTIFIED_MS (its generation is the searched site's
 * store_projects_gen, which every node's project writes move through their notifications,
 * store.h "several nodes"; the TTL bounds only a write no node announced, such as an
 * operator's own SQL, and the driver caches nothing while the listening session is down).
 * Searches asking for insight (issue counts) are not cached; one user's view is keyed by
 * the user and its roles as well, and every write that changes who may browse a project
 * (a grant, a project role's actors) moves the generation as a project write does. On
 * PostgreSQL only searches of the handle's bound site are cached.
 *
 * Measured on `make bench`: a project search costs about 1.5 us in SQLite, a fifth of
 * kiln's whole per-request CPU on that route; on PostgreSQL a hit saves the read
 * transaction's every round trip (docs/scale.md "Measured"). */
#ifndef KILN_QCACHE_H
#define KILN_QCACHE_H

#include "store/store_product.h"

#define QCACHE_TTL_MS 100
#define QCACHE_TTL_NOTIFIED_MS 2000
#define QCACHE_ENTRIES 64

typedef struct qcache qcache_t;

void qcache_free(qcache_t *c);
/* 1 on a hit valid at generation `now_gen` made less than ttl_ms ago: *out (copied into
 * `a`), *n, *total filled. */
int qcache_get(qcache_t **c, arena_t *a, uint64_t now_gen, int64_t ttl_ms, int64_t site, const project_filter_t *f,
               project_rec_t **out, size_t *n, int64_t *total);
/* Remembers an answer read from data at least as new as generation `gen`. */
void qcache_put(qcache_t **c, uint64_t gen, int64_t site, const project_filter_t *f, const project_rec_t *recs,
                size_t n, int64_t total);

#endif
