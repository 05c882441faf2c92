/* The store's issue-fields family: a site's custom fields and the values issues hold in
 * them, and issues' labels. Tables: fields, field_values, issue_labels.
 *
 * A custom field's id is Jira's customfield_NNNNN, NNNNN from the site's "field" id
 * sequence (store_next_id). A value is one row per item (seq 0, 1, ... for multi-valued
 * fields): `str` holds text, a date (YYYY-MM-DD), a select option's id or an account id;
 * `num` a number, or a date-time as epoch milliseconds (product/fields.h says which type
 * uses which). */
#ifndef KILN_STORE_FIELDS_H
#define KILN_STORE_FIELDS_H

#include "store/store.h"

typedef struct field_rec {
    const char *id; /* customfield_NNNNN; assigned by store_field_insert */
    const char *name, *description;
    const char *type;         /* string, textarea, number, date, datetime, select, multiselect, user, ... */
    const char *options_json; /* select types: [{"id":"...","value":"..."}], else NULL */
    int64_t created_ms;
} field_rec_t;

typedef struct field_value {
    const char *field_id;
    int64_t seq;
    const char *str; /* NULL: none */
    double num;
    int has_num;
} field_value_t;

/* Assigns f->id (arena); STORE_CONFLICT if the site has a field of that name (names are
 * unique per site, compared without case as JQL does). */
int store_field_insert(store_t *st, arena_t *a, int64_t site_id, field_rec_t *f);
int store_field_get(store_t *st, arena_t *a, int64_t site_id, const char *id, field_rec_t *out);
int store_field_by_name(store_t *st, arena_t *a, int64_t site_id, const char *name, field_rec_t *out);
/* Every custom field of the site, by id. */
int store_field_list(store_t *st, arena_t *a, int64_t site_id, field_rec_t **out, size_t *n);

/* Every value of the issue, ordered by field id and seq. */
int store_field_values_get(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, field_value_t **out, size_t *n);
/* Replaces the issue's values of one field by v[0..n) (their field_id and seq are
 * ignored: seq is the position); n == 0 clears the field. */
int store_field_values_set(store_t *st, int64_t site_id, int64_t issue_id, const char *field_id, const field_value_t *v,
                           size_t n);

/* The issue's labels, sorted. */
int store_labels_get(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, const char ***out, size_t *n);
/* Replaces the issue's labels (duplicates collapse). */
int store_labels_set(store_t *st, int64_t site_id, int64_t issue_id, const char *const *labels, size_t n);
/* The site's distinct labels, sorted, a page of them and their total (GET /label); with
 * a viewer (a user's account id), only the labels of issues it may browse: by a direct
 * grant, or by a role of viewer_roles (the roles granting BROWSE_PROJECTS as a JSON array
 * of role ids, perm_roles_json; NULL: none) it holds in the issue's project. */
int store_labels_list(store_t *st, arena_t *a, int64_t site_id, const char *viewer, const char *viewer_roles,
                      int64_t start, int64_t max, const char ***out, size_t *n, int64_t *total);

#endif
