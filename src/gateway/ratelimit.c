#include "gateway/ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/enc.h"
#include "http/reply.h"
#include "store/store.h"

#define SLOTS 8192
#define WINDOW_MS 60000
#define ID_BYTES 16           /* of a key's SHA-256: what nodes exchange, never the key */
#define HEARD_MAX_DELTA 65536 /* one node's count in one line, at most (a line is untrusted) */

/* A key's count in its current window: this node's and, with several nodes, what the
 * others reported. A key is its SHA-256 cut to 16 bytes (a sign-in's key names an email,
 * and nodes exchange ids, not keys); the slot's place is its first 8 bytes. */
struct slot {
    unsigned char id[ID_BYTES];
    int used;
    int64_t window;  /* window start, ms */
    unsigned count;  /* this node's */
    unsigned others; /* the other nodes', as they reported them */
    unsigned unsent; /* this node's, not reported yet */
};

static struct slot slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int any_unsent;

static void key_id(const char *key, unsigned char id[ID_BYTES])
{
    unsigned char d[32];
    enc_sha256(d, key, strlen(key));
    memcpy(id, d, ID_BYTES);
}

/* The slot of id in `window` (mu held): its own among the PROBES after its place, else the
 * first empty one or one of a past window (reset for it); NULL when all PROBES hold other
 * keys of this window (a crowded neighbourhood: the caller errs on the strict side rather
 * than take another key's count, which a client choosing keys could use to reset one). */
#define PROBES 16
static struct slot *slot_of(const unsigned char id[ID_BYTES], int64_t window)
{
    uint64_t h;
    memcpy(&h, id, sizeof h);
    struct slot *free_slot = NULL;
    for (unsigned probe = 0, i = (unsigned)(h % SLOTS); probe < PROBES; probe++, i = (i + 1) % SLOTS) {
        struct slot *c = &slots[i];
        if (c->used && memcmp(c->id, id, ID_BYTES) == 0) {
            if (c->window != window) { /* its own, from a past window: afresh */
                c->window = window;
                c->count = c->others = c->unsent = 0;
            }
            return c;
        }
        if (!free_slot && (!c->used || c->window < window))
            free_slot = c;
    }
    if (free_slot) {
        memcpy(free_slot->id, id, ID_BYTES);
        free_slot->used = 1;
        free_slot->window = window;
        free_slot->count = free_slot->others = free_slot->unsent = 0;
    }
    return free_slot;
}

static ratelimit_result_t count(const char *key, unsigned limit, int64_t now, int take)
{
    int64_t window = now - now % WINDOW_MS;
    ratelimit_result_t r = {.limit = limit, .reset_s = (window + WINDOW_MS) / 1000};
    unsigned char id[ID_BYTES];
    key_id(key, id);
    pthread_mutex_lock(&mu);
    struct slot *s = slot_of(id, window);
    if (!s) { /* crowded: refused, counted nowhere */
        pthread_mutex_unlock(&mu);
        return r;
    }
    unsigned used = s->count + s->others;
    r.allowed = used < limit;
    if (r.allowed && take) {
        s->count++;
        s->unsent++;
        used++;
        any_unsent = 1;
    }
    r.remaining = used < limit ? limit - used : 0;
    pthread_mutex_unlock(&mu);
    return r;
}

/* ---- several nodes (store.h, store_on_counts): one line per key counted since the last
 * report, "<window start, s> <count> <id, 32 hex digits>" */

static size_t collect(char *buf, size_t cap)
{
    if (!any_unsent)
        return 0;
    int64_t now = clock_now_ms(), window = now - now % WINDOW_MS;
    size_t n = 0;
    int more = 0;
    pthread_mutex_lock(&mu);
    for (unsigned i = 0; i < SLOTS; i++) {
        struct slot *s = &slots[i];
        if (!s->used || !s->unsent || s->window != window)
            continue;
        char line[96], hex[2 * ID_BYTES + 1];
        enc_hex(hex, s->id, ID_BYTES);
        int len = snprintf(line, sizeof line, "%lld %u %s\n", (long long)(window / 1000), s->unsent, hex);
        if (len <= 0 || n + (size_t)len > cap) {
            more = 1;
            break;
        }
        memcpy(buf + n, line, (size_t)len);
        n += (size_t)len;
        s->unsent = 0;
    }
    any_unsent = more;
    pthread_mutex_unlock(&mu);
    return n;
}

static int hex_id(const char *p, size_t len, unsigned char id[ID_BYTES])
{
    if (len != 2 * ID_BYTES)
        return -1;
    for (size_t i = 0; i < ID_BYTES; i++) {
        int hi = enc_hexval((unsigned char)p[2 * i]), lo = enc_hexval((unsigned char)p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        id[i] = (unsigned char)(hi * 16 + lo);
    }
    return 0;
}

/* One report line, "<window start, s> <count> <id>", into its parts: 0, or -1 (every
 * number checked for range, no overflow: a line is untrusted). */
static int parse_line(char *line, int64_t *w, int64_t *d, unsigned char id[ID_BYTES])
{
    char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp2)
        return -1;
    *sp1 = *sp2 = '\0';
    return enc_parse_i64(line, 0, INT64_MAX / 1000, w) == 0 && enc_parse_i64(sp1 + 1, 1, HEARD_MAX_DELTA, d) == 0 &&
                   hex_id(sp2 + 1, strlen(sp2 + 1), id) == 0
               ? 0
               : -1;
}

static void heard(const char *payload)
{
    int64_t now = clock_now_ms(), window = now - now % WINDOW_MS;
    for (const char *p = payload; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char line[96];
        int64_t w, d;
        unsigned char id[ID_BYTES];
        if (len < sizeof line) {
            memcpy(line, p, len);
            line[len] = '\0';
            /* the current window only: a report of the last one (a minute's edge) no longer counts */
            if (parse_line(line, &w, &d, id) == 0 && w == window / 1000) {
                pthread_mutex_lock(&mu);
                struct slot *s = slot_of(id, window);
                if (s) /* crowded: the report is dropped (this node refuses such keys anyway) */
                    s->others = s->others > UINT32_MAX / 2 ? s->others : s->others + (unsigned)d;
                pthread_mutex_unlock(&mu);
            }
        }
        p += len + (eol ? 1 : 0);
    }
}

void ratelimit_share(void)
{
    store_on_counts(collect, heard);
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
