/* Demo content for a new site: users, projects of each type, issues. Every project
 * description and every issue carries the site's canary, so any realistic copy of the
 * site's data carries it too (leak detection relies on that).
 *
 * No two demo sites share a value a test could compare: project keys end in the site's
 * tag (the first character of its name and its store id in letters: WEBAA, MKTAA, HELPAA on
 * acme, the first site), so issue keys differ too; project and user names carry the site's
 * name; emails its domain; account ids are random; project and issue ids come from the
 * site's own range, DEMO_FIRST_ID + id * DEMO_ID_STRIDE upwards (20000 for the first site,
 * 30000 for the second), where a site without demo content starts at 10000 as on Jira. */
#ifndef KILN_DEMO_H
#define KILN_DEMO_H

#include "store/store.h"
#include "store/store_sites.h"

enum { DEMO_FIRST_ID = 10000, DEMO_ID_STRIDE = 10000, DEMO_KEY_MAX = 10 };

/* Writes the demo rows for `site` (inside the caller's transaction). new_id mints
 * account ids. */
int demo_fill(store_t *st, arena_t *a, const site_rec_t *site, const char *(*new_id)(arena_t *));

/* The bulk of the demo's issues (product/demo_issues.c), after demo_fill's first ones:
 * about 120 per project (pids[i] of project type ptypes[i]), their components, versions,
 * changelogs and the site's three custom fields; people are the demo users' account ids.
 * Inside the caller's transaction. */
int demo_issues(store_t *st, arena_t *a, const site_rec_t *site, const int64_t *pids, const char *const *ptypes,
                size_t nprojects, const char *const *people, size_t npeople);
/* The comments, worklogs and issue properties of the demo (product/demo_work.c), on the
 * users, projects and issues demo_fill wrote (inside the same transaction). */
int demo_work(store_t *st, arena_t *a, const site_rec_t *site);
/* The agile part (demo_agile.c): the Sprint field, boards, sprints, epics and their
 * issues, on the projects demo_fill made. */
int demo_agile(store_t *st, arena_t *a, const site_rec_t *site);

#endif
