/* Forwards the entity-properties family (store/store_properties.h) to the handle's backend. */
#include "store/store_properties.h"

#include "store/store_backend.h"

int store_prop_get(store_t *st, arena_t *a, int64_t site_id, const char *entity, const char *entity_id, const char *key,
                   prop_rec_t *out)
{
    return st->be->properties->get(st, a, site_id, entity, entity_id, key, out);
}

int store_prop_set(store_t *st, int64_t site_id, const char *entity, const char *entity_id, const char *key,
                   const char *value_json, int64_t now_ms, int *created)
{
    return st->be->properties->set(st, site_id, entity, entity_id, key, value_json, now_ms, created);
}

int store_prop_delete(store_t *st, int64_t site_id, const char *entity, const char *entity_id, const char *key)
{
    return st->be->properties->delete (st, site_id, entity, entity_id, key);
}

int store_prop_list(store_t *st, arena_t *a, int64_t site_id, const char *entity, const char *entity_id, int values,
                    prop_rec_t **out, size_t *n)
{
    return st->be->properties->list(st, a, site_id, entity, entity_id, values, out, n);
}

int store_prop_delete_all(store_t *st, int64_t site_id, const char *entity, const char *entity_id)
{
    return st->be->properties->delete_all(st, site_id, entity, entity_id);
}
