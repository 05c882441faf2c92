/* The demo's issues beyond the first few (product/demo.h): per project about 120 issues
 * of every type the project offers, epics with children and subtasks under their
 * parents, statuses spread along the project's workflow with the changelog groups that
 * took them there (and the resolution and resolved date of the finished ones),
 * priorities, assignees who may be assigned there, labels, components and versions,
 * links (every tenth issue blocks or relates to the one before), due dates, estimates,
 * and the values of three custom fields made per site (Story Points, Team, Start date).
 * Created and updated times spread over the last 90 days. Everything is derived from the
 * issue's index: two demo sites made at the same time hold the same shapes; keys, ids,
 * people and the canary are each site's own, while component, version and custom field
 * names are the same on every site (as a template's would be). */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "product/demo.h"
#include "product/model.h"
#include "product/perm.h"
#include "store/store_catalog.h"
#include "store/store_changelog.h"
#include "store/store_fields.h"
#include "store/store_links.h"
#include "store/store_product.h"

#define LEN(a) (sizeof(a) / sizeof *(a))
#define DAY_MS (24LL * 3600 * 1000)

enum { DEMO_MORE_ISSUES = 115 }; /* per project, after demo.c's first ones */

static const char *const teams[] = {"Platform", "Growth", "Support", "Design"};
static const int story_points[] = {1, 2, 3, 5, 8, 13};
static const char *const label_pool[] = {"frontend",      "backend",     "customer", "tech-debt", "q3",
                                         "accessibility", "performance", "security", "docs"};

static const struct {
    const char *type;
    const char *components[3];
    const char *versions[3];
    const char *verbs[6];
    const char *things[8];
} kinds[] = {
    {"software",
     {"Frontend", "Backend", "Infrastructure"},
     {"1.0", "1.1", "2.0"},
     {"Build", "Fix", "Refactor", "Test", "Document", "Speed up"},
     {"the search page", "the login form", "the checkout flow", "image uploads", "the sitemap", "the release pipeline",
      "the navigation menu", "the cache layer"}},
    {"business",
     {"Content", "Events", "Social"},
     {"Q1 Campaigns", "Q2 Campaigns", "Q3 Campaigns"},
     {"Plan", "Draft", "Review", "Publish", "Budget", "Schedule"},
     {"the spring newsletter", "the partner summit", "the product video", "the case study", "the webinar series",
      "the social calendar", "the trade show booth", "the press release"}},
    {"service_desk",
     {"Accounts", "Billing", "Email"},
     {"Support 2026.1", "Support 2026.2", "Support 2026.3"},
     {"Customer cannot use", "Question about", "Error in", "Refund for", "Slow", "Request access to"},
     {"the invoice page", "two-factor login", "the mobile app", "the export", "the team plan", "password reset",
      "the API key", "the billing address"}},
};

/* A small deterministic mix of the index (no rand(): the same site shapes every time). */
static uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

typedef struct demo_ctx {
    store_t *st;
    arena_t *a;
    const site_rec_t *site;
    int64_t now;
    const char *points_id, *team_id, *start_id; /* the custom fields */
    const char *team_options[LEN(teams)];
} demo_ctx_t;

static int make_fields(demo_ctx_t *c)
{
    int rc = STORE_OK;
    json_t *opts = json_array();
    for (size_t i = 0; rc == STORE_OK && i < LEN(teams); i++) {
        int64_t id;
        rc = store_next_id(c->st, c->site->id, "option", &id);
        c->team_options[i] = arena_printf(c->a, "%lld", (long long)id);
        json_array_append_new(opts, json_pack("{s:s,s:s}", "id", c->team_options[i], "value", teams[i]));
    }
    size_t len;
    const char *opts_json = json_dump_arena(c->a, opts, 4096, &len);
    json_decref(opts);
    struct {
        const char *name, *description, *type, *options;
        const char **out;
    } f[] = {
        {"Story Points", "Estimate of the effort, in points.", "number", NULL, &c->points_id},
        {"Team", "The team that owns the work.", "select", opts_json, &c->team_id},
        {"Start date", "When work is planned to start.", "date", NULL, &c->start_id},
    };
    for (size_t i = 0; rc == STORE_OK && i < LEN(f); i++) {
        field_rec_t r = {.name = f[i].name,
                         .description = f[i].description,
                         .type = f[i].type,
                         .options_json = f[i].options,
                         .created_ms = c->now - 90 * DAY_MS};
        rc = store_field_insert(c->st, c->a, c->site->id, &r);
        *f[i].out = r.id;
    }
    return rc;
}

static const char *day(arena_t *a, int64_t ms)
{
    char buf[40];
    clock_iso8601(buf, sizeof buf, ms);
    return arena_strndup(a, buf, 10);
}

/* The changelog of one status change (and the resolution set or cleared with it). */
static int status_change(demo_ctx_t *c, int64_t issue_id, const char *author, int64_t when, int64_t from, int64_t to,
                         int64_t resolution)
{
    const status_def_t *f = status_find(from), *t = status_find(to);
    change_item_t items[2] = {{
        .field = "status",
        .fieldtype = "jira",
        .field_id = "status",
        .from_id = arena_printf(c->a, "%lld", (long long)from),
        .from_string = f->name,
        .to_id = arena_printf(c->a, "%lld", (long long)to),
        .to_string = t->name,
    }};
    size_t n = 1;
    if (resolution) {
        items[n++] = (change_item_t){.field = "resolution",
                                     .fieldtype = "jira",
                                     .field_id = "resolution",
                                     .to_id = arena_printf(c->a, "%lld", (long long)resolution),
                                     .to_string = resolution_find(resolution)->name};
    }
    change_group_t g = {
        .issue_id = issue_id, .author_account_id = author, .created_ms = when, .items = items, .nitems = n};
    return store_changelog_append(c->st, c->site->id, &g);
}

int demo_issues(store_t *st, arena_t *a, const site_rec_t *site, const int64_t *pids, const char *const *ptypes,
                size_t nprojects, const char *const *people, size_t npeople)
{
    demo_ctx_t c = {.st = st, .a = a, .site = site, .now = clock_now_ms()};
    int rc = make_fields(&c);
    for (size_t p = 0; rc == STORE_OK && p < nprojects; p++) {
        size_t kind = 0;
        while (kind + 1 < LEN(kinds) && strcmp(kinds[kind].type, ptypes[p]) != 0)
            kind++;
        const workflow_def_t *wf = workflow_for(ptypes[p]);
        size_t nst = 0;
        while (wf->statuses[nst])
            nst++;
        int64_t comps[3], vers[3];
        for (size_t i = 0; rc == STORE_OK && i < 3; i++) {
            component_rec_t cr = {.project_id = pids[p],
                                  .name = kinds[kind].components[i],
                                  .description = arena_printf(a, "Work on %s.", kinds[kind].components[i]),
                                  .lead_account_id = people[i % npeople],
                                  .assignee_type = "PROJECT_DEFAULT"};
            rc = store_component_insert(st, site->id, &cr);
            comps[i] = cr.id;
            pversion_rec_t vr = {.project_id = pids[p],
                                 .name = kinds[kind].versions[i],
                                 .description = arena_printf(a, "Release %s.", kinds[kind].versions[i]),
                                 .released = i < 2,
                                 .start_date = day(a, c.now - (int64_t)(90 - 30 * i) * DAY_MS),
                                 .release_date = day(a, c.now - (int64_t)(60 - 30 * i) * DAY_MS)};
            if (rc == STORE_OK)
                rc = store_pversion_insert(st, site->id, &vr);
            vers[i] = vr.id;
        }
        /* who may be assigned issues here (demo.c's grants): the assignees */
        const char *assignable[8];
        size_t nassignable = 0;
        for (size_t u = 0; rc == STORE_OK && u < npeople && nassignable < LEN(assignable); u++) {
            int may = perm_user_has(st, site->id, people[u], pids[p], "ASSIGNABLE_USER");
            if (may < 0)
                rc = STORE_ERROR;
            else if (may)
                assignable[nassignable++] = people[u];
        }
        int64_t epics[4];
        size_t nepics = 0;
        int64_t last_parent = 0, last_created = 0;
        const int has_epic = issue_type_in_project(ptypes[p], ITYPE_EPIC);
        for (uint32_t k = 0; rc == STORE_OK && k < DEMO_MORE_ISSUES; k++) {
            uint32_t h = mix((uint32_t)(p * 1000 + k));
            /* type: a few epics first, a subtask every 6th issue, else the project's mix */
            int64_t type;
            static const int64_t mix_types[] = {ITYPE_STORY, ITYPE_TASK, ITYPE_BUG, ITYPE_STORY, ITYPE_TASK};
            if (has_epic && k < 4)
                type = ITYPE_EPIC;
            else if (k % 6 == 5 && last_parent)
                type = ITYPE_SUBTASK;
            else {
                type = mix_types[h % LEN(mix_types)];
                if (!issue_type_in_project(ptypes[p], type))
                    type = ITYPE_TASK;
            }
            /* times: created in the last 90 days, oldest first */
            int64_t created = c.now - 90 * DAY_MS + (int64_t)k * (86 * DAY_MS / DEMO_MORE_ISSUES) + (h % 3600) * 1000;
            const char *summary =
                type == ITYPE_EPIC
                    ? arena_printf(a, "%s: %s", kinds[kind].components[k % 3], kinds[kind].things[k % 8])
                    : arena_printf(a, "%s %s", kinds[kind].verbs[h % 6], kinds[kind].things[(h >> 8) % 8]);
            issue_rec_t is = {
                .project_id = pids[p],
                .summary = summary,
                .description_json = arena_printf(
                    a,
                    "{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":\"paragraph\",\"content\":[{\"type\":"
                    "\"text\",\"text\":\"%s (issue %u of the demo). Reference: %s\"}]}]}",
                    summary, k, site->canary),
                .issuetype_id = type,
                .status_id = wf->statuses[0],
                .priority_id = model_priorities[(h >> 4) % model_priorities_len].id,
                .reporter_account_id = k % 4 == 0 ? site->admin_account_id : people[(h >> 6) % npeople],
                .creator_account_id = site->admin_account_id,
                .assignee_account_id = (h >> 10) % 5 == 0 || !nassignable ? NULL : assignable[(h >> 12) % nassignable],
                .parent_id = type == ITYPE_SUBTASK                        ? last_parent
                             : type != ITYPE_EPIC && nepics && k % 3 == 0 ? epics[(k / 3) % nepics]
                                                                          : 0,
                .duedate = (h >> 14) % 3 == 0 ? day(a, created + (int64_t)(14 + (h >> 16) % 30) * DAY_MS) : NULL,
                .original_estimate_s = type == ITYPE_EPIC ? -1 : (int64_t)(1 + (h >> 18) % 24) * 3600,
                .remaining_estimate_s = -1,
                .time_spent_s = -1,
                .created_ms = created,
                .updated_ms = created,
                .status_changed_ms = created,
            };
            is.remaining_estimate_s = is.original_estimate_s;
            /* how far along the workflow: older issues further, some never started */
            size_t stage = (size_t)((h >> 20) % (nst + 1));
            if (k > DEMO_MORE_ISSUES * 3 / 4 && stage > 1)
                stage = 1;
            if (stage >= nst)
                stage = nst - 1;
            is.status_id = wf->statuses[stage];
            const status_def_t *sd = status_find(is.status_id);
            int done = sd && sd->category == CAT_DONE;
            int64_t resolution = done ? ((h >> 24) % 8 == 0 ? model_resolutions[1].id : model_resolutions[0].id) : 0;
            int64_t step = (c.now - created) / (int64_t)(nst + 1);
            if (stage) {
                is.updated_ms = is.status_changed_ms = created + (int64_t)stage * step;
                if (done) {
                    is.resolution_id = resolution;
                    is.resolved_ms = is.updated_ms;
                    is.remaining_estimate_s = is.original_estimate_s < 0 ? -1 : 0;
                    is.time_spent_s = is.original_estimate_s;
                }
            }
            rc = store_issue_insert(st, site->id, &is);
            if (rc == STORE_OK && type == ITYPE_EPIC && nepics < LEN(epics))
                epics[nepics++] = is.id;
            if (type != ITYPE_EPIC && type != ITYPE_SUBTASK)
                last_parent = is.id;
            const char *mover = is.assignee_account_id ? is.assignee_account_id : site->admin_account_id;
            for (size_t s = 1; rc == STORE_OK && s <= stage; s++)
                rc = status_change(&c, is.id, mover, created + (int64_t)s * step, wf->statuses[s - 1], wf->statuses[s],
                                   s == stage ? is.resolution_id : 0);
            /* every 10th issue blocks or relates to the issue before it */
            if (rc == STORE_OK && k % 10 == 9 && last_created) {
                link_rec_t l = {.type_id = model_link_types[(k / 10) % 2 ? 3 : 0].id,
                                .outward_issue_id = is.id,
                                .inward_issue_id = last_created,
                                .created_ms = created};
                rc = store_link_insert(st, site->id, &l);
            }
            last_created = is.id;
            /* labels, components, versions */
            const char *labels[2];
            size_t nl = 0;
            if ((h >> 3) % 3)
                labels[nl++] = label_pool[(h >> 5) % LEN(label_pool)];
            if ((h >> 7) % 4 == 0)
                labels[nl++] = label_pool[(h >> 9) % LEN(label_pool)];
            if (rc == STORE_OK && nl)
                rc = store_labels_set(st, site->id, is.id, labels, nl);
            int64_t comp = comps[(h >> 11) % 3], ver = vers[(h >> 13) % 3];
            if (rc == STORE_OK && (h >> 15) % 3)
                rc = store_issue_components_set(st, site->id, is.id, &comp, 1);
            if (rc == STORE_OK && type != ITYPE_EPIC && (h >> 17) % 2)
                rc = store_issue_versions_set(st, site->id, is.id, ISSUE_FIX_VERSIONS, &ver, 1);
            if (rc == STORE_OK && type == ITYPE_BUG)
                rc = store_issue_versions_set(st, site->id, is.id, ISSUE_AFFECTS_VERSIONS, &vers[0], 1);
            /* custom fields */
            if (rc == STORE_OK && (type == ITYPE_STORY || (type == ITYPE_TASK && (h >> 19) % 2))) {
                field_value_t v = {.num = story_points[(h >> 21) % LEN(story_points)], .has_num = 1};
                rc = store_field_values_set(st, site->id, is.id, c.points_id, &v, 1);
            }
            if (rc == STORE_OK && (h >> 23) % 4) {
                field_value_t v = {.str = c.team_options[(h >> 25) % LEN(teams)]};
                rc = store_field_values_set(st, site->id, is.id, c.team_id, &v, 1);
            }
            if (rc == STORE_OK && type == ITYPE_EPIC) {
                field_value_t v = {.str = day(a, created + 7 * DAY_MS)};
                rc = store_field_values_set(st, site->id, is.id, c.start_id, &v, 1);
            }
        }
    }
    return rc;
}
