/* The store's issue-links family: links between two issues of a site, of one of
 * product/model.h's link types. Table: issue_links. Ids come from the site's "link"
 * sequence (store_next_id). */
#ifndef KILN_STORE_LINKS_H
#define KILN_STORE_LINKS_H

#include "store/store.h"

typedef struct link_rec {
    int64_t id, type_id;
    int64_t outward_issue_id; /* this one 'blocks' ... */
    int64_t inward_issue_id;  /* ... this one ('is blocked by') */
    int64_t created_ms;
} link_rec_t;

enum { LINKS_MAX_PER_ISSUE = 1000 };

/* Assigns l->id; STORE_CONFLICT if the same link (type, outward, inward) exists. */
int store_link_insert(store_t *st, int64_t site_id, link_rec_t *l);
int store_link_get(store_t *st, int64_t site_id, int64_t id, link_rec_t *out);
int store_link_delete(store_t *st, int64_t site_id, int64_t id);
/* The links of the issue in either direction, by id, at most LINKS_MAX_PER_ISSUE. */
int store_links_of_issue(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, link_rec_t **out, size_t *n);

#endif
