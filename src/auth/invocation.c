#include "auth/invocation.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"

#define SLOTS 4096 /* open addressing over token hashes; more live invocations than this is refused */

struct slot {
    int used;
    unsigned char hash[32];
    invocation_t inv;
};

static struct slot slots[SLOTS];
static unsigned live;

/* Ended invocations, a ring (oldest overwritten): ids only. */
static struct ended {
    unsigned char hash[32];
    int64_t ended_ms;
    unsigned calls; /* made with its token after the end */
    invocation_t inv;
} ended[INV_ENDED_MAX];
static unsigned ended_next;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned home(const unsigned char hash[32])
{
    return (hash[0] | (unsigned)hash[1] << 8 | (unsigned)hash[2] << 16) % SLOTS;
}

int invocation_begin(const invocation_t *inv, char token[TOKEN_MAX])
{
    unsigned char hash[32];
    token_mint(TOKEN_INVOCATION, token);
    token_hash(token, strlen(token), hash);
    pthread_mutex_lock(&mu);
    int rc = -1;
    if (live < SLOTS * 3 / 4) {
        unsigned i = home(hash);
        while (slots[i].used)
            i = (i + 1) % SLOTS;
        slots[i].used = 1;
        memcpy(slots[i].hash, hash, 32);
        slots[i].inv = *inv;
        slots[i].inv.scopes = xstrdup(inv->scopes ? inv->scopes : "");
        slots[i].inv.egress = xstrdup(inv->egress ? inv->egress : "");
        slots[i].inv.imp_scopes = xstrdup(inv->imp_scopes ? inv->imp_scopes : "");
        live++;
        rc = 0;
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

/* Removes slot i and re-seats the cluster after it (linear probing deletion). */
static void remove_at(unsigned i)
{
    free(slots[i].inv.scopes);
    free(slots[i].inv.egress);
    free(slots[i].inv.imp_scopes);
    slots[i].used = 0;
    live--;
    for (unsigned j = (i + 1) % SLOTS; slots[j].used; j = (j + 1) % SLOTS) {
        struct slot moved = slots[j];
        slots[j].used = 0;
        unsigned k = home(moved.hash);
        while (slots[k].used)
            k = (k + 1) % SLOTS;
        slots[k] = moved;
    }
}

void invocation_end(const char *token)
{
    unsigned char hash[32];
    token_hash(token, strlen(token), hash);
    pthread_mutex_lock(&mu);
    for (unsigned i = home(hash); slots[i].used; i = (i + 1) % SLOTS) {
        if (memcmp(slots[i].hash, hash, 32) == 0) {
            struct ended *e = &ended[ended_next++ % INV_ENDED_MAX];
            memcpy(e->hash, hash, 32);
            e->ended_ms = clock_now_ms();
            e->calls = 0;
            e->inv = slots[i].inv;
            e->inv.scopes = e->inv.egress = e->inv.imp_scopes = NULL; /* freed just below */
            remove_at(i);
            break;
        }
    }
    pthread_mutex_unlock(&mu);
}

int invocation_lookup(const char *token, size_t len, arena_t *a, invocation_t *out)
{
    if (token_kind_of(token, len) != TOKEN_INVOCATION)
        return -1;
    unsigned char hash[32];
    token_hash(token, len, hash);
    int rc = -1;
    int64_t now = clock_now_ms();
    pthread_mutex_lock(&mu);
    for (unsigned i = home(hash); slots[i].used; i = (i + 1) % SLOTS) {
        if (enc_ct_eq(slots[i].hash, hash, 32)) {
            if (now <= slots[i].inv.deadline_ms) {
                *out = slots[i].inv;
                out->scopes = arena_strdup(a, slots[i].inv.scopes);
                out->egress = arena_strdup(a, slots[i].inv.egress);
                out->imp_scopes = arena_strdup(a, slots[i].inv.imp_scopes);
                rc = 0;
            }
            break;
        }
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

unsigned invocation_late(const char *token, size_t len, invocation_t *out)
{
    if (token_kind_of(token, len) != TOKEN_INVOCATION)
        return 0;
    unsigned char hash[32];
    token_hash(token, len, hash);
    int64_t now = clock_now_ms();
    unsigned n = 0;
    pthread_mutex_lock(&mu);
    for (unsigned i = 0; i < INV_ENDED_MAX; i++) {
        struct ended *e = &ended[i];
        if (e->ended_ms && now - e->ended_ms <= INV_ENDED_KEEP_MS && enc_ct_eq(e->hash, hash, 32)) {
            *out = e->inv;
            if (e->calls < UINT_MAX)
                e->calls++;
            n = e->calls;
            break;
        }
    }
    pthread_mutex_unlock(&mu);
    return n;
}

unsigned invocation_count(void)
{
    pthread_mutex_lock(&mu);
    unsigned n = live;
    pthread_mutex_unlock(&mu);
    return n;
}
