/* Forwards the projects and issues family (store/store_product.h) to the handle's backend. */
#include "store/store_product.h"

#include "store/store_backend.h"

int store_site_seed_ids(store_t *st, int64_t site_id, int64_t first)
{
    return st->be->product->site_seed_ids(st, site_id, first);
}

int store_next_id(store_t *st, int64_t site_id, const char *kind, int64_t *id)
{
    return st->be->product->next_id(st, site_id, kind, id);
}

int store_project_insert(store_t *st, int64_t site_id, project_rec_t *p)
{
    int rc = st->be->product->project_insert(st, site_id, p);
    store_note_projects(st, site_id);
    return rc;
}

int store_project_by_id(store_t *st, arena_t *a, int64_t site_id, int64_t id, project_rec_t *out)
{
    return st->be->product->project_by_id(st, a, site_id, id, out);
}

int store_project_by_key(store_t *st, arena_t *a, int64_t site_id, const char *key, project_rec_t *out)
{
    return st->be->product->project_by_key(st, a, site_id, key, out);
}

int store_project_search(store_t *st, arena_t *a, int64_t site_id, const project_filter_t *f, project_rec_t **out,
                         size_t *n, int64_t *total)
{
    return st->be->product->project_search(st, a, site_id, f, out, n, total);
}

int store_issue_insert(store_t *st, int64_t site_id, issue_rec_t *i)
{
    return st->be->product->issue_insert(st, site_id, i);
}

int store_issue_by_id(store_t *st, arena_t *a, int64_t site_id, int64_t id, issue_rec_t *out,
                      const char **project_key_out)
{
    return st->be->product->issue_by_id(st, a, site_id, id, out, project_key_out);
}

int store_issue_by_key(store_t *st, arena_t *a, int64_t site_id, const char *project_key, int64_t num, issue_rec_t *out,
                       const char **project_key_out)
{
    return st->be->product->issue_by_key(st, a, site_id, project_key, num, out, project_key_out);
}

int store_issue_update(store_t *st, int64_t site_id, const issue_rec_t *i)
{
    return st->be->product->issue_update(st, site_id, i);
}

int store_issue_delete(store_t *st, int64_t site_id, int64_t id)
{
    return st->be->product->issue_delete(st, site_id, id);
}

int store_issue_children(store_t *st, arena_t *a, int64_t site_id, int64_t parent_id, size_t max, issue_rec_t **out,
                         const char ***project_keys, size_t *n)
{
    return st->be->product->issue_children(st, a, site_id, parent_id, max, out, project_keys, n);
}

int store_project_update(store_t *st, int64_t site_id, const project_rec_t *p)
{
    int rc = st->be->product->project_update(st, site_id, p);
    store_note_projects(st, site_id);
    return rc;
}

int store_project_delete(store_t *st, int64_t site_id, int64_t id)
{
    int rc = st->be->product->project_delete(st, site_id, id);
    store_note_projects(st, site_id);
    return rc;
}
