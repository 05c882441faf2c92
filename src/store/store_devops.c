/* Forwards the DevOps family (store/store_devops.h) to the handle's backend. */
#include "store/store_devops.h"

#include "store/store_backend.h"

int store_devops_put(store_t *st, int64_t site_id, const devops_rec_t *e, const char *const *issue_keys, size_t nkeys)
{
    return st->be->devops->put(st, site_id, e, issue_keys, nkeys);
}

int store_devops_get(store_t *st, arena_t *a, int64_t site_id, const char *app_id, const char *kind, const char *key,
                     devops_rec_t *out)
{
    return st->be->devops->get(st, a, site_id, app_id, kind, key, out);
}

int store_devops_delete(store_t *st, int64_t site_id, const char *app_id, const char *kind, const char *key,
                        int64_t max_seq)
{
    return st->be->devops->del(st, site_id, app_id, kind, key, max_seq);
}

int store_devops_delete_by_props(store_t *st, int64_t site_id, const char *app_id, const char *kind,
                                 const char *props_json, int64_t max_seq, int64_t *deleted)
{
    return st->be->devops->delete_by_props(st, site_id, app_id, kind, props_json, max_seq, deleted);
}
