/* The store's changelog family: every edit of an issue as Jira records it, a change
 * group (who, when) with its items (field, from, to). Tables: changegroups, changeitems.
 * Group ids come from the site's "changegroup" sequence (store_next_id). */
#ifndef KILN_STORE_CHANGELOG_H
#define KILN_STORE_CHANGELOG_H

#include "store/store.h"

typedef struct change_item {
    const char *field;     /* Jira's name: status, assignee, summary, labels, Sprint, ... */
    const char *fieldtype; /* jira, custom */
    const char *field_id;  /* status, assignee, customfield_10020 ... or NULL */
    const char *from_id, *from_string, *to_id, *to_string; /* NULL: none */
} change_item_t;

typedef struct change_group {
    int64_t id, issue_id;
    const char *author_account_id; /* NULL: the platform */
    int64_t created_ms;
    change_item_t *items;
    size_t nitems;
} change_group_t;

enum { CHANGELOG_MAX_ITEMS = 256 };

/* Records g (assigning g->id) with its 1..CHANGELOG_MAX_ITEMS items. */
int store_changelog_append(store_t *st, int64_t site_id, change_group_t *g);
/* A page of the issue's change groups, oldest first, with their items, and the total. */
int store_changelog_list(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int64_t start, int64_t max,
                         change_group_t **out, size_t *n, int64_t *total);

#endif
