#include "product/demo.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "product/demo_people.h"
#include "product/model.h"
#include "store/store_product.h"
#include "store/store_sites.h"

/* Each person's project permissions: `everywhere` in every project; `in` (an index of
 * projects[], or -1) in that project only. Mia works everywhere; Ravi on the website;
 * Lena only reads the help desk. Nobody but the site admin administers Jira. */
static const char *const worker_perms[] = {"BROWSE_PROJECTS",   "CREATE_ISSUES",       "EDIT_ISSUES",
                                           "ADD_COMMENTS",      "ASSIGNABLE_USER",     "TRANSITION_ISSUES",
                                           "EDIT_OWN_COMMENTS", "DELETE_OWN_COMMENTS", "WORK_ON_ISSUES",
                                           "EDIT_OWN_WORKLOGS", "DELETE_OWN_WORKLOGS", NULL};
static const char *const reader_perms[] = {"BROWSE_PROJECTS", NULL};
static const struct {
    const char *name, *first, *tz;
    const char *const *perms;
    int in; /* -1: every project */
} people[] = {
    {"Mia Krystof", "mia", "Australia/Sydney", worker_perms, -1},
    {"Ravi Anand", "ravi", "Asia/Kolkata", worker_perms, 0},
    {"Lena Vogel", "lena", "Europe/Berlin", reader_perms, 2},
};

static const struct {
    const char *key, *name, *type, *about;
} projects[] = {
    {"WEB", "Website Relaunch", "software", "Rebuild of the public website and its release pipeline."},
    {"MKT", "Marketing Campaigns", "business", "Planning and tracking of this quarter's campaigns."},
    {"HELP", "Customer Help Desk", "service_desk", "Requests from customers, triaged by the support team."},
};

static const struct {
    unsigned project;
    int64_t type;
    const char *summary;
} issues[] = {
    {0, ITYPE_STORY, "As a visitor I can search the documentation"},
    {0, ITYPE_BUG, "Navigation menu overlaps the logo on small screens"},
    {0, ITYPE_TASK, "Set up continuous deployment for the staging site"},
    {1, ITYPE_TASK, "Draft the spring newsletter"},
    {1, ITYPE_TASK, "Book the venue for the partner summit"},
    {2, ITYPE_TASK, "Customer cannot reset their password"},
    {2, ITYPE_BUG, "Invoice PDF shows the wrong currency"},
};

/* The site's tag: the first character of its name and its store id in letters, upper
 * case (bijective base 26: 1 is A, 26 is Z, 27 is AA; "AA" for acme, the first site).
 * Store ids are unique, so no two sites share a tag, and every key made from one is
 * unique to its site. Letters only: real apps find issue keys with [A-Z]+-\d+, which a
 * digit in the project key defeats (Jira allows one, but apps assume none). */
static const char *site_tag(arena_t *a, const site_rec_t *site)
{
    char letters[16];
    size_t n = 0;
    for (uint64_t v = (uint64_t)site->id; v && n < sizeof letters; v = (v - 1) / 26)
        letters[n++] = (char)('A' + (v - 1) % 26);
    char *t = arena_alloc(a, n + 2);
    char c = site->name[0];
    t[0] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    for (size_t i = 0; i < n; i++)
        t[1 + i] = letters[n - 1 - i];
    t[n + 1] = '\0';
    return t;
}

/* An ADF document with one paragraph. */
static const char *adf(arena_t *a, const char *text)
{
    return arena_printf(a,
                        "{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":\"paragraph\",\"content\":"
                        "[{\"type\":\"text\",\"text\":\"%s\"}]}]}",
                        text);
}

int demo_fill(store_t *st, arena_t *a, const site_rec_t *site, const char *(*new_id)(arena_t *))
{
    const char *ids[sizeof people / sizeof *people];
    const char *tag = site_tag(a, site);
    const char *keys[sizeof projects / sizeof *projects];
    for (size_t i = 0; i < sizeof projects / sizeof *projects; i++) {
        keys[i] = arena_printf(a, "%s%s", projects[i].key, tag);
        if (strlen(keys[i]) > DEMO_KEY_MAX)
            return STORE_ERROR; /* a store id past 26^6 and more: no Jira key can carry it */
    }
    if (site->id <= 0 || site->id > (INT64_MAX - DEMO_FIRST_ID) / DEMO_ID_STRIDE)
        return STORE_ERROR;
    int rc = store_site_seed_ids(st, site->id, DEMO_FIRST_ID + site->id * DEMO_ID_STRIDE);
    for (size_t i = 0; rc == STORE_OK && i < sizeof people / sizeof *people; i++) {
        ids[i] = new_id(a);
        user_rec_t u = {
            .account_id = ids[i],
            .email = arena_printf(a, "%s@%s.example.com", people[i].first, site->name),
            .display_name = arena_printf(a, "%s (%s)", people[i].name, site->name),
            .account_type = "atlassian",
            .time_zone = people[i].tz,
            .locale = "en_US",
            .active = 1,
        };
        rc = store_user_insert(st, site->id, &u);
    }
    int64_t now = clock_now_ms();
    int64_t pids[sizeof projects / sizeof *projects];
    for (size_t i = 0; rc == STORE_OK && i < sizeof projects / sizeof *projects; i++) {
        project_rec_t p = {
            .key = keys[i],
            .name = arena_printf(a, "%s (%s)", projects[i].name, site->name),
            .description = arena_printf(a, "%s Reference: %s", projects[i].about, site->canary),
            .type_key = projects[i].type,
            .lead_account_id = i == 0 ? site->admin_account_id : ids[i % 3],
            .assignee_type = "UNASSIGNED",
            .url = "",
            .created_ms = now,
        };
        rc = store_project_insert(st, site->id, &p);
        pids[i] = p.id;
    }
    for (size_t i = 0; rc == STORE_OK && i < sizeof people / sizeof *people; i++)
        for (const char *const *perm = people[i].perms; rc == STORE_OK && *perm; perm++)
            rc = store_perm_grant(st, site->id, ids[i], people[i].in < 0 ? 0 : pids[people[i].in], *perm);
    _Static_assert(sizeof projects / sizeof *projects == DEMO_NPROJECTS, "demo_people.h names each demo project");
    if (rc == STORE_OK) /* the team, by project roles (product/demo_people.c) */
        rc = demo_people(st, a, site, pids, new_id);
    for (size_t i = 0; rc == STORE_OK && i < sizeof issues / sizeof *issues; i++) {
        issue_rec_t is = {
            .project_id = pids[issues[i].project],
            .summary = issues[i].summary,
            .description_json = adf(
                a, arena_printf(a, "Details for %s. Reference: %s", projects[issues[i].project].name, site->canary)),
            .issuetype_id = issues[i].type,
            .status_id = i % 3 == 2 ? STATUS_DONE : STATUS_TODO,
            .priority_id = PRIORITY_DEFAULT,
            .resolution_id = i % 3 == 2 ? model_resolutions[0].id : 0,
            .reporter_account_id = site->admin_account_id,
            .creator_account_id = site->admin_account_id,
            .assignee_account_id = ids[i % 3],
            .original_estimate_s = -1,
            .remaining_estimate_s = -1,
            .time_spent_s = -1,
            .created_ms = now,
            .updated_ms = now,
            .resolved_ms = i % 3 == 2 ? now : 0,
        };
        rc = store_issue_insert(st, site->id, &is);
    }
    const char *types[sizeof projects / sizeof *projects];
    for (size_t i = 0; i < sizeof projects / sizeof *projects; i++)
        types[i] = projects[i].type;
    if (rc == STORE_OK) /* the many issues after these first ones (product/demo_issues.c) */
        rc = demo_issues(st, a, site, pids, types, sizeof projects / sizeof *projects, ids, sizeof ids / sizeof *ids);
    if (rc == STORE_OK)
        rc = demo_work(st, a, site);
    if (rc == STORE_OK)
        rc = demo_agile(st, a, site);
    return rc;
}
