/* Per-key rate limits (a key is an installation id): a fixed one-minute window per key,
 * shared by all threads (one mutex; a small open-addressing table that forgets old
 * windows). Callers add X-RateLimit-* headers from the result and answer 429 with
 * Retry-After and FAILURE_CLIENT_RATE_LIMITED when `allowed` is 0. */
#ifndef KILN_RATELIMIT_H
#define KILN_RATELIMIT_H

#include <stdint.h>

typedef struct ratelimit_result {
    int allowed;
    unsigned limit, remaining;
    int64_t reset_s; /* epoch seconds when the window ends */
} ratelimit_result_t;

/* Counts one request for `key` against `limit` per minute. */
ratelimit_result_t ratelimit_take(const char *key, unsigned limit, int64_t now_ms);

#endif
