/* Forwards the fields family (store/store_fields.h) to the handle's backend. */
#include "store/store_fields.h"

#include "store/store_backend.h"

int store_field_insert(store_t *st, arena_t *a, int64_t site_id, field_rec_t *f)
{
    return st->be->fields->field_insert(st, a, site_id, f);
}

int store_field_get(store_t *st, arena_t *a, int64_t site_id, const char *id, field_rec_t *out)
{
    return st->be->fields->field_get(st, a, site_id, id, out);
}

int store_field_by_name(store_t *st, arena_t *a, int64_t site_id, const char *name, field_rec_t *out)
{
    return st->be->fields->field_by_name(st, a, site_id, name, out);
}

int store_field_list(store_t *st, arena_t *a, int64_t site_id, field_rec_t **out, size_t *n)
{
    return st->be->fields->field_list(st, a, site_id, out, n);
}

int store_field_values_get(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, field_value_t **out, size_t *n)
{
    return st->be->fields->values_get(st, a, site_id, issue_id, out, n);
}

int store_field_values_set(store_t *st, int64_t site_id, int64_t issue_id, const char *field_id, const field_value_t *v,
                           size_t n)
{
    return st->be->fields->values_set(st, site_id, issue_id, field_id, v, n);
}

int store_labels_get(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, const char ***out, size_t *n)
{
    return st->be->fields->labels_get(st, a, site_id, issue_id, out, n);
}

int store_labels_set(store_t *st, int64_t site_id, int64_t issue_id, const char *const *labels, size_t n)
{
    return st->be->fields->labels_set(st, site_id, issue_id, labels, n);
}

int store_labels_list(store_t *st, arena_t *a, int64_t site_id, const char *viewer, const char *viewer_roles,
                      int64_t start, int64_t max, const char ***out, size_t *n, int64_t *total)
{
    return st->be->fields->labels_list(st, a, site_id, viewer, viewer_roles, start, max, out, n, total);
}
