#include "gateway/ratelimit.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 8192
#define WINDOW_MS 60000

struct slot {
    char key[40];
    int64_t window; /* window start, ms */
    unsigned count;
};

static struct slot slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

ratelimit_result_t ratelimit_take(const char *key, unsigned limit, int64_t now)
{
    int64_t window = now - now % WINDOW_MS;
    ratelimit_result_t r = {.limit = limit, .reset_s = (window + WINDOW_MS) / 1000};
    pthread_mutex_lock(&mu);
    unsigned i = hash(key) % SLOTS;
    struct slot *s = NULL;
    for (unsigned probe = 0; probe < 16; probe++, i = (i + 1) % SLOTS) {
        struct slot *c = &slots[i];
        if (strncmp(c->key, key, sizeof c->key) == 0 || c->key[0] == '\0' || c->window < window) {
            s = c; /* ours, empty, or a stale window another key can take */
            break;
        }
    }
    if (!s)
        s = &slots[hash(key) % SLOTS]; /* a crowded neighbourhood: share the slot, erring on the strict side */
    if (strncmp(s->key, key, sizeof s->key) != 0 || s->window != window) {
        strncpy(s->key, key, sizeof s->key - 1);
        s->key[sizeof s->key - 1] = '\0';
        s->window = window;
        s->count = 0;
    }
    r.allowed = s->count < limit;
    if (r.allowed)
        s->count++;
    r.remaining = limit - s->count;
    pthread_mutex_unlock(&mu);
    return r;
}
