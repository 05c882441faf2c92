/* The demo's people (product/demo_people.c): the team around the demo projects, with
 * the project roles Jira would give them. */
#ifndef KILN_DEMO_PEOPLE_H
#define KILN_DEMO_PEOPLE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_sites.h"

/* The demo's projects, in demo.c's order: website (software), marketing (business), help
 * desk (service desk). */
enum { DEMO_WEB, DEMO_MKT, DEMO_HELP, DEMO_NPROJECTS };

/* Adds the team's users to `site` and their roles in the projects pids[DEMO_*] (inside
 * the caller's transaction); the site admin becomes an Administrator of the website.
 * new_id mints account ids. STORE_OK or the store's error. */
int demo_people(store_t *st, arena_t *a, const site_rec_t *site, const int64_t pids[DEMO_NPROJECTS],
                const char *(*new_id)(arena_t *));

#endif
