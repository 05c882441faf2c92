#include "platform/schedheap.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/enc.h"

/* ---------------------------------------------------------------- slots */

static const struct {
    const char *name;
    int64_t ms;
} intervals[] = {
    {"fiveMinute", 5LL * 60 * 1000},
    {"hour", 3600LL * 1000},
    {"day", 24LL * 3600 * 1000},
    {"week", 7LL * 24 * 3600 * 1000},
};

int64_t sched_interval_ms(const char *interval)
{
    for (size_t i = 0; interval && i < sizeof intervals / sizeof *intervals; i++)
        if (strcmp(intervals[i].name, interval) == 0)
            return intervals[i].ms;
    return -1;
}

const char *sched_interval_name(int64_t interval_ms)
{
    for (size_t i = 0; i < sizeof intervals / sizeof *intervals; i++)
        if (intervals[i].ms == interval_ms)
            return intervals[i].name;
    return NULL;
}

int64_t sched_phase(const char *installation_id, const char *module_key, int64_t interval_ms)
{
    size_t li = strlen(installation_id), lm = strlen(module_key);
    char *buf = xmalloc(li + 1 + lm);
    memcpy(buf, installation_id, li);
    buf[li] = 0;
    memcpy(buf + li + 1, module_key, lm);
    unsigned char d[32];
    enc_sha256(d, buf, li + 1 + lm);
    free(buf);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | d[i];
    return (int64_t)(v % (uint64_t)interval_ms);
}

int64_t sched_next_after(int64_t t, int64_t interval_ms, int64_t phase_ms)
{
    int64_t d = t - phase_ms, k = d / interval_ms;
    if (d < 0 && d % interval_ms) /* floor division */
        k--;
    return (k + 1) * interval_ms + phase_ms;
}

/* ---------------------------------------------------------------- the hash table */

static uint64_t key_hash(const char *inst, const char *module)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)inst; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const unsigned char *c = (const unsigned char *)module; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    return h;
}

static void rehash(schedheap_t *h, size_t nb)
{
    sched_entry_t **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < h->nbuckets; i++)
        for (sched_entry_t *e = h->buckets[i], *next; e; e = next) {
            next = e->hnext;
            e->hnext = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
        }
    free(h->buckets);
    h->buckets = b;
    h->nbuckets = nb;
}

sched_entry_t *schedheap_find(const schedheap_t *h, const char *inst, const char *module)
{
    uint64_t hv = key_hash(inst, module);
    for (sched_entry_t *e = h->buckets[hv & (h->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == hv && strcmp(e->installation_id, inst) == 0 && strcmp(e->module_key, module) == 0)
            return e;
    return NULL;
}

/* ---------------------------------------------------------------- the heap */

static void place(schedheap_t *h, size_t i, sched_entry_t *e)
{
    h->heap[i] = e;
    e->heap_i = i;
}

static void sift_up(schedheap_t *h, size_t i)
{
    sched_entry_t *e = h->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->heap[p]->next_ms <= e->next_ms)
            break;
        place(h, i, h->heap[p]);
        i = p;
    }
    place(h, i, e);
}

static void sift_down(schedheap_t *h, size_t i)
{
    sched_entry_t *e = h->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->heap[c + 1]->next_ms < h->heap[c]->next_ms)
            c++;
        if (h->heap[c]->next_ms >= e->next_ms)
            break;
        place(h, i, h->heap[c]);
        i = c;
    }
    place(h, i, e);
}

void schedheap_init(schedheap_t *h)
{
    *h = (schedheap_t){0};
    h->nbuckets = 64;
    h->buckets = xcalloc(h->nbuckets, sizeof *h->buckets);
}

void schedheap_free(schedheap_t *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->heap[i]);
    free(h->heap);
    free(h->buckets);
    *h = (schedheap_t){0};
}

size_t schedheap_size(const schedheap_t *h)
{
    return h->n;
}

sched_entry_t *schedheap_top(const schedheap_t *h)
{
    return h->n ? h->heap[0] : NULL;
}

int schedheap_due(const schedheap_t *h, int64_t now_ms)
{
    return h->n && h->heap[0]->next_ms <= now_ms;
}

void schedheap_update(schedheap_t *h, sched_entry_t *e, int64_t next_ms)
{
    int64_t was = e->next_ms;
    e->next_ms = next_ms;
    if (next_ms < was)
        sift_up(h, e->heap_i);
    else
        sift_down(h, e->heap_i);
}

sched_entry_t *schedheap_put(schedheap_t *h, const char *inst, const char *module, int64_t site_id, int64_t interval_ms,
                             int64_t next_ms)
{
    if (strlen(inst) >= sizeof((sched_entry_t *)0)->installation_id)
        return NULL;
    sched_entry_t *e = schedheap_find(h, inst, module);
    if (e) {
        e->site_id = site_id;
        if (e->interval_ms != interval_ms) {
            e->interval_ms = interval_ms;
            e->phase_ms = sched_phase(inst, module, interval_ms);
        }
        schedheap_update(h, e, next_ms);
        return e;
    }
    size_t ml = strlen(module);
    e = xcalloc(1, sizeof *e + ml + 1);
    strcpy(e->installation_id, inst);
    memcpy(e->module_key, module, ml + 1);
    e->site_id = site_id;
    e->interval_ms = interval_ms;
    e->phase_ms = sched_phase(inst, module, interval_ms);
    e->next_ms = next_ms;
    e->hash = key_hash(inst, module);
    if (h->n + 1 > h->nbuckets)
        rehash(h, h->nbuckets * 2);
    e->hnext = h->buckets[e->hash & (h->nbuckets - 1)];
    h->buckets[e->hash & (h->nbuckets - 1)] = e;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        sched_entry_t **nh = realloc(h->heap, h->cap * sizeof *nh);
        if (!nh)
            kiln_oom(h->cap * sizeof *nh);
        h->heap = nh;
    }
    place(h, h->n++, e);
    sift_up(h, e->heap_i);
    return e;
}

void schedheap_remove(schedheap_t *h, sched_entry_t *e)
{
    sched_entry_t **pp = &h->buckets[e->hash & (h->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    size_t i = e->heap_i;
    sched_entry_t *last = h->heap[--h->n];
    if (i < h->n) {
        place(h, i, last);
        sift_up(h, i);
        sift_down(h, last->heap_i);
    }
    free(e);
}
