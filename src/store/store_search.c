/* Forwards the search family (store/store_search.h) to the handle's backend. */
#include "store/store_search.h"

#include "store/store_backend.h"

int store_search(store_t *st, arena_t *a, int64_t site_id, const ss_query_t *q, issue_rec_t **out, const char ***keys,
                 size_t *n, int64_t *total)
{
    return st->be->search->search(st, a, site_id, q, out, keys, n, total);
}

int store_search_count(store_t *st, int64_t site_id, const ss_query_t *q, int64_t *total)
{
    return st->be->search->count(st, site_id, q, total);
}

int store_search_plan(store_t *st, arena_t *a, int64_t site_id, const ss_query_t *q, const char **plan)
{
    return st->be->search->plan(st, a, site_id, q, plan);
}

int store_search_lookup(store_t *st, arena_t *a, int64_t site_id, ss_lookup_t kind, const char *name, int64_t **ids,
                        const char ***names, size_t *n)
{
    return st->be->search->lookup(st, a, site_id, kind, name, ids, names, n);
}
