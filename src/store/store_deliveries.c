/* Forwards the deliveries family (store/store_deliveries.h) to the handle's backend. */
#include "store/store_deliveries.h"

#include "store/store_backend.h"

int store_delivery_insert(store_t *st, delivery_rec_t *d)
{
    return st->be->deliveries->insert(st, d);
}

int store_delivery_get(store_t *st, arena_t *a, int64_t id, delivery_rec_t *out)
{
    return st->be->deliveries->get(st, a, id, out);
}

int store_delivery_due_installations(store_t *st, arena_t *a, int64_t now_ms, size_t max, const char ***ids, size_t *n)
{
    return st->be->deliveries->due_installations(st, a, now_ms, max, ids, n);
}

int store_delivery_due(store_t *st, arena_t *a, const char *installation_id, int64_t now_ms, size_t max,
                       delivery_rec_t **out, size_t *n)
{
    return st->be->deliveries->due(st, a, installation_id, now_ms, max, out, n);
}

int store_delivery_start(store_t *st, int64_t id, int64_t now_ms, const char *owner, int64_t lease_until_ms)
{
    return st->be->deliveries->start(st, id, now_ms, owner, lease_until_ms);
}

int store_delivery_renew(store_t *st, const char *owner, const char *ids_json, int64_t now_ms, int64_t lease_until_ms,
                         int64_t *n)
{
    return st->be->deliveries->renew(st, owner, ids_json, now_ms, lease_until_ms, n);
}

int store_delivery_finish(store_t *st, int64_t id, const char *owner, int state, int64_t due_ms, const char *error,
                          const char *retry_reason, const char *retry_data_json, int64_t now_ms)
{
    return st->be->deliveries->finish(st, id, owner, state, due_ms, error, retry_reason, retry_data_json, now_ms);
}

int store_delivery_order_blocked(store_t *st, const char *installation_id, const char *order_key, int64_t id,
                                 int *blocked)
{
    return st->be->deliveries->order_blocked(st, installation_id, order_key, id, blocked);
}

int store_delivery_replay(store_t *st, int64_t id, int64_t now_ms)
{
    return st->be->deliveries->replay(st, id, now_ms);
}

int store_delivery_recover(store_t *st, int64_t now_ms, int all, int64_t *n)
{
    return st->be->deliveries->recover(st, now_ms, all, n);
}

int store_delivery_recover_owner(store_t *st, const char *owner, int64_t now_ms, int64_t *n)
{
    return st->be->deliveries->recover_owner(st, owner, now_ms, n);
}

int store_delivery_list(store_t *st, arena_t *a, const delivery_filter_t *f, delivery_rec_t **out, size_t *n)
{
    return st->be->deliveries->list(st, a, f, out, n);
}

int store_delivery_job_stats(store_t *st, const char *installation_id, const char *queue, const char *job_id,
                             int64_t *success, int64_t *in_progress, int64_t *failed)
{
    return st->be->deliveries->job_stats(st, installation_id, queue, job_id, success, in_progress, failed);
}

int store_delivery_job_cancel(store_t *st, const char *installation_id, const char *queue, const char *job_id,
                              int64_t now_ms, int64_t *n)
{
    return st->be->deliveries->job_cancel(st, installation_id, queue, job_id, now_ms, n);
}

int store_delivery_running_key(store_t *st, const char *installation_id, const char *conc_key, int64_t *n)
{
    return st->be->deliveries->running_key(st, installation_id, conc_key, n);
}

int store_delivery_drop_installation(store_t *st, const char *installation_id, const char *why, int64_t now_ms,
                                     int64_t *n)
{
    return st->be->deliveries->drop_installation(st, installation_id, why, now_ms, n);
}

int store_delivery_counts(store_t *st, const char *app_id, int64_t counts[DLV__STATES])
{
    return st->be->deliveries->counts(st, app_id, counts);
}

int store_event_cursor_get(store_t *st, int64_t site_id, int64_t *seq)
{
    return st->be->deliveries->cursor_get(st, site_id, seq);
}

int store_event_cursor_set(store_t *st, int64_t site_id, int64_t seq)
{
    return st->be->deliveries->cursor_set(st, site_id, seq);
}

int store_event_sites_behind(store_t *st, arena_t *a, int64_t **sites, size_t *n)
{
    return st->be->deliveries->sites_behind(st, a, sites, n);
}

int store_delivery_prune(store_t *st, int64_t final_before_ms, int64_t dead_before_ms, size_t max, int64_t *n)
{
    return st->be->deliveries->prune(st, final_before_ms, dead_before_ms, max, n);
}

int store_queue_chain_take(store_t *st, const char *installation_id, const char *root, int64_t max, int64_t now_ms)
{
    return st->be->deliveries->chain_take(st, installation_id, root, max, now_ms);
}
