/* Forwards the issue-links family (store/store_links.h) to the handle's backend. */
#include "store/store_links.h"

#include "store/store_backend.h"

int store_link_insert(store_t *st, int64_t site_id, link_rec_t *l)
{
    return st->be->links->insert(st, site_id, l);
}

int store_link_get(store_t *st, int64_t site_id, int64_t id, link_rec_t *out)
{
    return st->be->links->get(st, site_id, id, out);
}

int store_link_delete(store_t *st, int64_t site_id, int64_t id)
{
    return st->be->links->del(st, site_id, id);
}

int store_links_of_issue(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, link_rec_t **out, size_t *n)
{
    return st->be->links->of_issue(st, a, site_id, issue_id, out, n);
}
