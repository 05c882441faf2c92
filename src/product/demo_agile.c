/* The demo's agile part (product/demo.h): the site's Sprint field; for each software
 * project a scrum board with three epics (one done), a backlog of stories, bugs and tasks, and four
 * sprints (two closed, one active, one future) holding them; for each business project a
 * kanban board. Deterministic: everything derives from the index. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "product/demo.h"
#include "product/model.h"
#include "store/store_agile.h"
#include "store/store_fields.h"
#include "store/store_product.h"

/* the third is done: its work shipped before the sprints here */
static const char *const epics[] = {"Checkout redesign", "Documentation search", "Legacy login removal"};

static const struct {
    int64_t type;
    const char *summary;
} work[] = {
    {ITYPE_STORY, "As a buyer I can pay with a saved card"},
    {ITYPE_STORY, "As a buyer I see shipping costs before checkout"},
    {ITYPE_BUG, "Coupon field accepts expired codes"},
    {ITYPE_TASK, "Load-test the payment service"},
    {ITYPE_STORY, "As a reader I can filter search results by version"},
    {ITYPE_BUG, "Search returns drafts to anonymous visitors"},
    {ITYPE_STORY, "As a reader I get suggestions while typing"},
    {ITYPE_TASK, "Index the archived release notes"},
    {ITYPE_STORY, "As a buyer I can change the delivery address after ordering"},
    {ITYPE_BUG, "Order confirmation mail shows the wrong time zone"},
    {ITYPE_TASK, "Add tracing to the checkout API"},
    {ITYPE_STORY, "As an editor I can mark a page as outdated"},
    {ITYPE_STORY, "As a buyer I can split a payment across two cards"},
    {ITYPE_TASK, "Review the search ranking weights"},
    {ITYPE_BUG, "Search box loses focus after the first result loads"},
    {ITYPE_STORY, "As a buyer I can download all invoices of a year"},
};

enum { DAY = 24 * 3600 * 1000 };

/* The four sprints: their state and their days relative to now. */
static const struct {
    const char *state;
    int start, end; /* days from now */
    const char *goal;
} sprints[] = {
    {"closed", -42, -28, "Ship saved cards"},
    {"closed", -28, -14, "Search filters in production"},
    {"active", -7, 7, "Checkout address changes and search suggestions"},
    {"future", 7, 21, ""},
};

/* Which sprints work item j was in: a closed sprint's unfinished items went on to the next. */
static int sprint_of(size_t j)
{
    return j < 4 ? 0 : j < 8 ? 1 : j < 12 ? 2 : j < 14 ? 3 : -1;
}

static const char *adf(arena_t *a, const char *text)
{
    return arena_printf(a,
                        "{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":\"paragraph\",\"content\":"
                        "[{\"type\":\"text\",\"text\":\"%s\"}]}]}",
                        text);
}

static int scrum(store_t *st, arena_t *a, const site_rec_t *site, const project_rec_t *p, int64_t now)
{
    board_rec_t b = {.name = arena_printf(a, "%s board", p->key),
                     .type = "scrum",
                     .project_id = p->id,
                     .filter_jql = arena_printf(a, "project = %s ORDER BY Rank ASC", p->key),
                     .created_ms = now - 60LL * DAY};
    int rc = store_board_insert(st, site->id, &b);
    int64_t sids[sizeof sprints / sizeof *sprints], eids[sizeof epics / sizeof *epics];
    for (size_t s = 0; rc == STORE_OK && s < sizeof sprints / sizeof *sprints; s++) {
        int closed = strcmp(sprints[s].state, "closed") == 0, future = strcmp(sprints[s].state, "future") == 0;
        sprint_rec_t sp = {.board_id = b.id,
                           .name = arena_printf(a, "%s Sprint %zu", p->key, s + 1),
                           .state = sprints[s].state,
                           .goal = sprints[s].goal,
                           .start_ms = future ? 0 : now + sprints[s].start * (int64_t)DAY,
                           .end_ms = future ? 0 : now + sprints[s].end * (int64_t)DAY,
                           .complete_ms = closed ? now + sprints[s].end * (int64_t)DAY : 0,
                           .created_ms = now - 60LL * DAY};
        rc = store_sprint_insert(st, site->id, &sp);
        sids[s] = sp.id;
    }
    for (size_t e = 0; rc == STORE_OK && e < sizeof epics / sizeof *epics; e++) {
        issue_rec_t is = {.project_id = p->id,
                          .summary = epics[e],
                          .description_json =
                              adf(a, arena_printf(a, "Epic: %s. Reference: %s", epics[e], site->canary)),
                          .issuetype_id = ITYPE_EPIC,
                          .status_id = e == 2 ? STATUS_DONE : STATUS_IN_PROGRESS,
                          .resolution_id = e == 2 ? model_resolutions[0].id : 0,
                          .resolved_ms = e == 2 ? now - 55LL * DAY : 0,
                          .priority_id = PRIORITY_DEFAULT,
                          .reporter_account_id = site->admin_account_id,
                          .creator_account_id = site->admin_account_id,
                          .original_estimate_s = -1,
                          .remaining_estimate_s = -1,
                          .time_spent_s = -1,
                          .created_ms = now - 50LL * DAY,
                          .updated_ms = now - 50LL * DAY};
        rc = store_issue_insert(st, site->id, &is);
        eids[e] = is.id;
    }
    for (size_t j = 0; rc == STORE_OK && j < sizeof work / sizeof *work; j++) {
        int s = sprint_of(j);
        /* done: everything of the closed sprints but the two carried over, one of the active's */
        int done = (s == 0) || (s == 1 && j < 6) || j == 8;
        issue_rec_t is = {.project_id = p->id,
                          .summary = work[j].summary,
                          .description_json =
                              adf(a, arena_printf(a, "%s. Reference: %s", work[j].summary, site->canary)),
                          .issuetype_id = work[j].type,
                          .status_id = done              ? STATUS_DONE
                                       : s == 2 && j % 2 ? STATUS_IN_PROGRESS
                                                         : STATUS_TODO,
                          .priority_id = 2 + (int64_t)(j % 3),
                          .resolution_id = done ? model_resolutions[0].id : 0,
                          .reporter_account_id = site->admin_account_id,
                          .creator_account_id = site->admin_account_id,
                          .parent_id = eids[j % 2],
                          .original_estimate_s = 3600 * (int64_t)(2 + j % 5),
                          .remaining_estimate_s = done ? 0 : 3600 * (int64_t)(2 + j % 5),
                          .time_spent_s = -1,
                          .created_ms = now - (45 - (int64_t)j) * DAY,
                          .updated_ms = now - (int64_t)(j % 7) * DAY,
                          .resolved_ms = !done    ? 0
                                         : s == 2 ? now - DAY
                                                  : now + sprints[s].end * (int64_t)DAY};
        rc = store_issue_insert(st, site->id, &is);
        if (rc == STORE_OK && s >= 0)
            rc = store_issue_sprint_set(st, site->id, is.id, sids[s]);
        /* carried over from sprint 2 into the active sprint: in both */
        if (rc == STORE_OK && s == 1 && !done)
            rc = store_issue_sprint_set(st, site->id, is.id, sids[2]);
    }
    return rc;
}

int demo_agile(store_t *st, arena_t *a, const site_rec_t *site)
{
    int64_t now = clock_now_ms();
    field_rec_t f = {
        .name = "Sprint", .description = "Jira Software sprint field", .type = "gh-sprint", .created_ms = now};
    int rc = store_field_insert(st, a, site->id, &f);
    project_filter_t pf = {.max_results = 100};
    project_rec_t *ps;
    size_t n;
    int64_t total;
    if (rc == STORE_OK)
        rc = store_project_search(st, a, site->id, &pf, &ps, &n, &total);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        if (strcmp(ps[i].type_key, "software") == 0)
            rc = scrum(st, a, site, &ps[i], now);
        else if (strcmp(ps[i].type_key, "business") == 0) {
            board_rec_t b = {.name = arena_printf(a, "%s board", ps[i].key),
                             .type = "kanban",
                             .project_id = ps[i].id,
                             .filter_jql = arena_printf(a, "project = %s ORDER BY Rank ASC", ps[i].key),
                             .created_ms = now};
            rc = store_board_insert(st, site->id, &b);
        }
    }
    return rc;
}
