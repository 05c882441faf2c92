/* Demo content for a new site: users, projects of each type, issues. Every project
 * description and every issue carries the site's canary, so any realistic copy of the
 * site's data carries it too (leak detection relies on that). */
#ifndef KILN_DEMO_H
#define KILN_DEMO_H

#include "store/store.h"

/* Writes the demo rows for `site` (inside the caller's transaction). new_id mints
 * account ids. */
int demo_fill(store_t *st, arena_t *a, const site_rec_t *site, const char *(*new_id)(arena_t *));

#endif
