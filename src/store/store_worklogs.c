/* Forwards the worklogs family (store/store_worklogs.h) to the handle's backend. */
#include "store/store_worklogs.h"

#include "store/store_backend.h"

int store_worklog_insert(store_t *st, int64_t site_id, worklog_rec_t *w)
{
    return st->be->worklogs->insert(st, site_id, w);
}

int store_worklog_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, worklog_rec_t *out)
{
    return st->be->worklogs->get(st, a, site_id, id, out);
}

int store_worklog_update(store_t *st, int64_t site_id, const worklog_rec_t *w)
{
    return st->be->worklogs->update(st, site_id, w);
}

int store_worklog_delete(store_t *st, int64_t site_id, int64_t id, int64_t now_ms)
{
    return st->be->worklogs->delete (st, site_id, id, now_ms);
}

int store_worklog_list(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int64_t after_ms, int64_t before_ms,
                       int64_t start, int64_t max, worklog_rec_t **out, size_t *n, int64_t *total)
{
    return st->be->worklogs->list(st, a, site_id, issue_id, after_ms, before_ms, start, max, out, n, total);
}

int store_worklog_changed(store_t *st, arena_t *a, int64_t site_id, int deleted, int64_t since_ms, int64_t max,
                          worklog_rec_t **out, size_t *n)
{
    return st->be->worklogs->changed(st, a, site_id, deleted, since_ms, max, out, n);
}
