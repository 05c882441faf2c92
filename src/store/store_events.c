/* Forwards the product-events family (store/store_events.h) to the handle's backend. */
#include "store/store_events.h"

#include "store/store_backend.h"

int store_event_append(store_t *st, int64_t site_id, event_rec_t *e)
{
    int rc = st->be->events->append(st, site_id, e);
    if (rc == STORE_OK)
        store_note_events(st, site_id);
    return rc;
}

int store_event_list(store_t *st, arena_t *a, int64_t site_id, int64_t after, int64_t max, event_rec_t **out, size_t *n)
{
    return st->be->events->list(st, a, site_id, after, max, out, n);
}
