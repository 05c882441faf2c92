/* Forwards the schedules family (store/store_schedules.h) to the handle's backend. */
#include "store/store_schedules.h"

#include "store/store_backend.h"

int store_schedule_put(store_t *st, const schedule_rec_t *s)
{
    return st->be->schedules->put(st, s);
}

int store_schedule_claim(store_t *st, const char *installation_id, const char *module_key, int64_t slot_ms,
                         int64_t next_ms)
{
    return st->be->schedules->claim(st, installation_id, module_key, slot_ms, next_ms);
}

int store_schedule_delete(store_t *st, const char *installation_id, const char *module_key)
{
    return st->be->schedules->del(st, installation_id, module_key);
}

int store_schedule_list(store_t *st, arena_t *a, const char *installation_id, int64_t site_id, schedule_rec_t **out,
                        size_t *n)
{
    return st->be->schedules->list(st, a, installation_id, site_id, out, n);
}

int store_schedule_due(store_t *st, arena_t *a, int64_t now_ms, size_t max, schedule_rec_t **out, size_t *n)
{
    return st->be->schedules->due(st, a, now_ms, max, out, n);
}
