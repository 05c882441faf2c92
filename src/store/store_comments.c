/* Forwards the comments family (store/store_comments.h) to the handle's backend. */
#include "store/store_comments.h"

#include "store/store_backend.h"

int store_comment_insert(store_t *st, int64_t site_id, comment_rec_t *c)
{
    return st->be->comments->insert(st, site_id, c);
}

int store_comment_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, comment_rec_t *out)
{
    return st->be->comments->get(st, a, site_id, id, out);
}

int store_comment_update(store_t *st, int64_t site_id, const comment_rec_t *c)
{
    return st->be->comments->update(st, site_id, c);
}

int store_comment_delete(store_t *st, int64_t site_id, int64_t id)
{
    return st->be->comments->delete (st, site_id, id);
}

int store_comment_restricted(store_t *st, int64_t site_id, int64_t issue_id, int64_t *n)
{
    return st->be->comments->restricted(st, site_id, issue_id, n);
}

int store_comment_list(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int desc, int64_t start, int64_t max,
                       comment_rec_t **out, size_t *n, int64_t *total)
{
    return st->be->comments->list(st, a, site_id, issue_id, desc, start, max, out, n, total);
}
