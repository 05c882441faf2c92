/* Counts shared between nodes (store.h): the callbacks their keeper registered, for the
 * listening session (postgres/listen.c) to call. Registered once, at start, before the
 * listener runs. */
#include <stddef.h>

#include "store/store.h"

static store_counts_collect_fn collect_fn;
static store_counts_heard_fn heard_fn;

void store_on_counts(store_counts_collect_fn collect, store_counts_heard_fn heard)
{
    collect_fn = collect;
    heard_fn = heard;
}

size_t store_counts_collect(char *buf, size_t cap)
{
    return collect_fn ? collect_fn(buf, cap) : 0;
}

void store_counts_heard(const char *payload)
{
    if (heard_fn && payload)
        heard_fn(payload);
}
