/* Forwards the catalog family (store/store_catalog.h) to the handle's backend. */
#include "store/store_catalog.h"

#include "store/store_backend.h"

int store_component_insert(store_t *st, int64_t site_id, component_rec_t *c)
{
    return st->be->catalog->component_insert(st, site_id, c);
}

int store_component_update(store_t *st, int64_t site_id, const component_rec_t *c)
{
    return st->be->catalog->component_update(st, site_id, c);
}

int store_component_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, component_rec_t *out)
{
    return st->be->catalog->component_get(st, a, site_id, id, out);
}

int store_component_delete(store_t *st, int64_t site_id, int64_t id)
{
    return st->be->catalog->component_delete(st, site_id, id);
}

int store_component_list(store_t *st, arena_t *a, int64_t site_id, int64_t project_id, component_rec_t **out, size_t *n)
{
    return st->be->catalog->component_list(st, a, site_id, project_id, out, n);
}

int store_pversion_insert(store_t *st, int64_t site_id, pversion_rec_t *v)
{
    return st->be->catalog->pversion_insert(st, site_id, v);
}

int store_pversion_update(store_t *st, int64_t site_id, const pversion_rec_t *v)
{
    return st->be->catalog->pversion_update(st, site_id, v);
}

int store_pversion_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, pversion_rec_t *out)
{
    return st->be->catalog->pversion_get(st, a, site_id, id, out);
}

int store_pversion_delete(store_t *st, int64_t site_id, int64_t id)
{
    return st->be->catalog->pversion_delete(st, site_id, id);
}

int store_pversion_list(store_t *st, arena_t *a, int64_t site_id, int64_t project_id, pversion_rec_t **out, size_t *n)
{
    return st->be->catalog->pversion_list(st, a, site_id, project_id, out, n);
}

int store_issue_components_get(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int64_t **out, size_t *n)
{
    return st->be->catalog->issue_components_get(st, a, site_id, issue_id, out, n);
}

int store_issue_components_set(store_t *st, int64_t site_id, int64_t issue_id, const int64_t *ids, size_t n)
{
    return st->be->catalog->issue_components_set(st, site_id, issue_id, ids, n);
}

int store_issue_versions_get(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int kind, int64_t **out,
                             size_t *n)
{
    return st->be->catalog->issue_versions_get(st, a, site_id, issue_id, kind, out, n);
}

int store_issue_versions_set(store_t *st, int64_t site_id, int64_t issue_id, int kind, const int64_t *ids, size_t n)
{
    return st->be->catalog->issue_versions_set(st, site_id, issue_id, kind, ids, n);
}

int store_component_move(store_t *st, int64_t site_id, int64_t from, int64_t to)
{
    return st->be->catalog->component_move(st, site_id, from, to);
}

int store_pversion_move(store_t *st, int64_t site_id, int64_t from, int64_t to, int kind)
{
    return st->be->catalog->pversion_move(st, site_id, from, to, kind);
}
