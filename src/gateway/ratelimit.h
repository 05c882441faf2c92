/* Per-key rate limits (a key is an installation id): a fixed one-minute window per key,
 * shared by all threads (one mutex; a small open-addressing table that forgets old
 * windows; a key whose neighbourhood is full of this window's other keys is refused rather
 * than given another key's count, which a client choosing keys, a sign-in's email, could
 * otherwise reset). ratelimit_check is the one way a plane answers its limit: X-RateLimit-*
 * headers on every answer of a limited request, and 429 with Retry-After and
 * FAILURE_CLIENT_RATE_LIMITED when it is over. Planes that answer in a shape of their own
 * (egress, app storage) take the count with ratelimit_take and add the headers with
 * ratelimit_headers. */
#ifndef KILN_RATELIMIT_H
#define KILN_RATELIMIT_H

#include <stdint.h>

#include "http/request.h"

typedef struct ratelimit_result {
    int allowed;
    unsigned limit, remaining;
    int64_t reset_s; /* epoch seconds when the window ends */
} ratelimit_result_t;

/* Counts one request for `key` against `limit` per minute. */
ratelimit_result_t ratelimit_take(const char *key, unsigned limit, int64_t now_ms);

/* Whether `key` is under `limit` now, without counting (a limit on failures: peek before
 * the attempt, take after a failed one). */
ratelimit_result_t ratelimit_peek(const char *key, unsigned limit, int64_t now);

/* X-RateLimit-Limit, -Remaining and -Reset of r, and Retry-After (seconds to the window's
 * end, at least 1) when r refused the request. */
void ratelimit_headers(kreq_t *kr, const ratelimit_result_t *r);

/* Counts one request for `key` against `limit` per minute and adds the headers; over the
 * limit, answers 429 FAILURE_CLIENT_RATE_LIMITED and returns -1. limit 0: no limit,
 * nothing added, 0. */
int ratelimit_check(kreq_t *kr, const char *key, unsigned limit);

/* With several nodes on one PostgreSQL database (docs/scale.md "Rate limits across
 * nodes"): each node's counts are reported to the others every STORE_COUNTS_EVERY_MS
 * (store.h, store_on_counts) and a request is allowed while this node's count plus what
 * the others reported is under the limit. Keys travel as 16 bytes of their SHA-256, never
 * as themselves. Called once at start, before the store's listener runs. */
void ratelimit_share(void);

#endif
