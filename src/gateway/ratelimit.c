#include "gateway/ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "http/reply.h"

#define SLOTS 8192
#define WINDOW_MS 60000

/* A key is matched by its 64-bit hash and its first 95 bytes: any length works (two keys
 * would have to agree on both to share a count). */
struct slot {
    uint64_t h;
    char key[96];
    int64_t window; /* window start, ms */
    unsigned count;
};

static struct slot slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t hash(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int same(const struct slot *c, uint64_t h, const char *key)
{
    return c->h == h && strncmp(c->key, key, sizeof c->key - 1) == 0;
}

static ratelimit_result_t count(const char *key, unsigned limit, int64_t now, int take)
{
    int64_t window = now - now % WINDOW_MS;
    ratelimit_result_t r = {.limit = limit, .reset_s = (window + WINDOW_MS) / 1000};
    uint64_t h = hash(key);
    pthread_mutex_lock(&mu);
    unsigned i = (unsigned)(h % SLOTS);
    struct slot *s = NULL;
    for (unsigned probe = 0; probe < 16; probe++, i = (i + 1) % SLOTS) {
        struct slot *c = &slots[i];
        if (same(c, h, key) || c->key[0] == '\0' || c->window < window) {
            s = c; /* ours, empty, or a stale window another key can take */
            break;
        }
    }
    if (!s)
        s = &slots[h % SLOTS]; /* a crowded neighbourhood: share the slot, erring on the strict side */
    if (!same(s, h, key) || s->window != window) {
        s->h = h;
        strncpy(s->key, key, sizeof s->key - 1);
        s->key[sizeof s->key - 1] = '\0';
        s->window = window;
        s->count = 0;
    }
    r.allowed = s->count < limit;
    if (r.allowed && take)
        s->count++;
    r.remaining = limit - s->count;
    pthread_mutex_unlock(&mu);
    return r;
}

ratelimit_result_t ratelimit_take(const char *key, unsigned limit, int64_t now)
{
    return count(key, limit, now, 1);
}

ratelimit_result_t ratelimit_peek(const char *key, unsigned limit, int64_t now)
{
    return count(key, limit, now, 0);
}

void ratelimit_headers(kreq_t *kr, const ratelimit_result_t *r)
{
    reply_header(kr, "x-ratelimit-limit", arena_printf(kr->arena, "%u", r->limit));
    reply_header(kr, "x-ratelimit-remaining", arena_printf(kr->arena, "%u", r->remaining));
    reply_header(kr, "x-ratelimit-reset", arena_printf(kr->arena, "%lld", (long long)r->reset_s));
    if (!r->allowed) {
        int64_t wait = r->reset_s - clock_now_ms() / 1000;
        reply_header(kr, "retry-after", arena_printf(kr->arena, "%lld", (long long)(wait > 0 ? wait : 1)));
    }
}

int ratelimit_check(kreq_t *kr, const char *key, unsigned limit)
{
    if (!limit)
        return 0;
    ratelimit_result_t r = ratelimit_take(key, limit, clock_now_ms());
    ratelimit_headers(kr, &r);
    if (r.allowed)
        return 0;
    reply_failure(kr, 429, FAILURE_CLIENT_RATE_LIMITED, "Too many requests");
    return -1;
}
