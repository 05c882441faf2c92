/* The demo team (product/demo_people.h): nine people beyond demo.c's three, each with the
 * project roles Jira gives a team (product/model.h: Administrators, Member, Viewer) rather
 * than direct grants. Between them: an administrator of every project, members across
 * projects, read-only viewers, people with no access to a project at all (Sam and Grace
 * never see the help desk, Jonas only views the website), and one deactivated account.
 * Deterministic: names, emails and roles come from the tables below. */
#include "product/demo_people.h"

#include "product/model.h"
#include "store/store_roles.h"

/* role of each person in each project: 0 none, else a ROLE_* id */
static const struct {
    const char *name, *first, *tz;
    int64_t role[DEMO_NPROJECTS]; /* DEMO_WEB, DEMO_MKT, DEMO_HELP */
    int active;
} team[] = {
    {"Noah Fischer", "noah", "Europe/Zurich", {ROLE_ADMINISTRATORS, ROLE_MEMBER, 0}, 1},
    {"Priya Shah", "priya", "Asia/Kolkata", {ROLE_MEMBER, 0, ROLE_MEMBER}, 1},
    {"Tomas Rivera", "tomas", "America/Mexico_City", {ROLE_VIEWER, ROLE_ADMINISTRATORS, 0}, 1},
    {"Aiko Tanaka", "aiko", "Asia/Tokyo", {0, ROLE_VIEWER, ROLE_ADMINISTRATORS}, 1},
    {"Sam Okafor", "sam", "Africa/Lagos", {ROLE_MEMBER, ROLE_MEMBER, 0}, 1},
    {"Elena Petrova", "elena", "Europe/Sofia", {0, ROLE_VIEWER, ROLE_VIEWER}, 1},
    {"Jonas Berg", "jonas", "Europe/Stockholm", {ROLE_VIEWER, 0, 0}, 1},
    {"Grace Liu", "grace", "America/Vancouver", {0, ROLE_MEMBER, 0}, 1},
    {"Oscar Lindqvist", "oscar", "Europe/Stockholm", {ROLE_MEMBER, 0, 0}, 0}, /* left the company */
};

int demo_people(store_t *st, arena_t *a, const site_rec_t *site, const int64_t pids[DEMO_NPROJECTS],
                const char *(*new_id)(arena_t *))
{
    int rc = store_role_actor_add(st, site->id, pids[DEMO_WEB], ROLE_ADMINISTRATORS, site->admin_account_id);
    for (size_t i = 0; rc == STORE_OK && i < sizeof team / sizeof *team; i++) {
        user_rec_t u = {
            .account_id = new_id(a),
            .email = arena_printf(a, "%s@%s.example.com", team[i].first, site->name),
            .display_name = arena_printf(a, "%s (%s)", team[i].name, site->name),
            .account_type = "atlassian",
            .time_zone = team[i].tz,
            .locale = "en_US",
            .active = team[i].active,
        };
        rc = store_user_insert(st, site->id, &u);
        for (size_t p = 0; rc == STORE_OK && p < DEMO_NPROJECTS; p++)
            if (team[i].role[p])
                rc = store_role_actor_add(st, site->id, pids[p], team[i].role[p], u.account_id);
    }
    return rc;
}
