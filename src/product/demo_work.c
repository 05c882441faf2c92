/* The demo data of comments, worklogs and issue properties (product/demo.h): on a good
 * share of the site's issues, several comments by different people, some time logged,
 * and a triage property. Deterministic: everything derives from the issue's place in
 * the site (no randomness), and it reads what demo_fill wrote (users, projects, issues)
 * from the store, so it follows however many of them there are. */
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "product/demo.h"
#include "store/store_comments.h"
#include "store/store_product.h"
#include "store/store_properties.h"
#include "store/store_sites.h"
#include "store/store_worklogs.h"

enum { DEMO_MAX_ISSUES = 5000, DEMO_MAX_USERS = 16, HOUR_MS = 3600 * 1000 };

static const char *const remarks[] = {
    "I can reproduce this on the staging site; it looks related to last week's release.",
    "Picked this up. I will pair with design on the details tomorrow morning.",
    "Checked with the customer: the workaround in the runbook is fine for now.",
    "The fix is in review. Please have a look before the stand-up if you can.",
    "Moved the estimate up: the migration needs a second pass over the old records.",
    "Confirmed fixed after the deploy. Leaving it open until the next sprint review.",
    "Added screenshots and the request ids from the logs to the description.",
    "Blocked on the vendor's answer about the API limits; I pinged them again.",
};
static const int64_t spent_s[] = {1800, 3600, 5400, 7200, 2 * 3600 + 1800, 4 * 3600};

/* An ADF document with one paragraph of `text` and the site's canary (as every demo
 * text carries it: product/demo.h), as JSON text in the arena. */
static const char *adf(arena_t *a, const site_rec_t *site, const char *text)
{
    json_t *doc =
        json_pack("{s:s,s:i,s:[{s:s,s:[{s:s,s:s}]}]}", "type", "doc", "version", 1, "content", "type", "paragraph",
                  "content", "type", "text", "text", arena_printf(a, "%s Reference: %s", text, site->canary));
    size_t len;
    const char *s = doc ? json_dump_arena(a, doc, 64 * 1024, &len) : NULL;
    json_decref(doc);
    return s;
}

/* The work on the j-th issue of the site. */
static int fill_issue(store_t *st, arena_t *a, const site_rec_t *site_rec, issue_rec_t *is, size_t j,
                      const char *const *people, size_t npeople)
{
    int64_t site = site_rec->id;
    int rc = STORE_OK;
    size_t ncomments = j % 4 == 3 ? 0 : 1 + j % 3; /* three issues in four have one to three */
    for (size_t k = 0; rc == STORE_OK && k < ncomments; k++) {
        int64_t at = is->created_ms + (int64_t)(k + 1) * 3 * HOUR_MS;
        const char *who = people[(j + k) % npeople];
        comment_rec_t c = {
            .issue_id = is->id,
            .author_account_id = who,
            .update_author_account_id = who,
            .body_json = adf(a, site_rec, remarks[(j * 3 + k) % (sizeof remarks / sizeof *remarks)]),
            .created_ms = at,
            .updated_ms = at,
        };
        rc = store_comment_insert(st, site, &c);
    }
    if (rc == STORE_OK && j % 2 == 0) { /* half of them have time logged */
        int64_t spent = spent_s[j % (sizeof spent_s / sizeof *spent_s)];
        const char *who = people[(j + 1) % npeople];
        worklog_rec_t w = {
            .issue_id = is->id,
            .author_account_id = who,
            .update_author_account_id = who,
            .comment_json = adf(a, site_rec, "Investigation and a first fix."),
            .started_ms = is->created_ms + 24 * (int64_t)HOUR_MS,
            .time_spent_s = spent,
            .created_ms = is->created_ms + 26 * (int64_t)HOUR_MS,
            .updated_ms = is->created_ms + 26 * (int64_t)HOUR_MS,
        };
        rc = store_worklog_insert(st, site, &w);
        if (rc == STORE_OK) {
            is->time_spent_s = spent;
            is->original_estimate_s = 8 * 3600;
            is->remaining_estimate_s = 8 * 3600 > spent ? 8 * 3600 - spent : 0;
            rc = store_issue_update(st, site, is);
        }
    }
    if (rc == STORE_OK && j % 4 == 0) { /* a quarter carry a triage property */
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)is->id);
        int created;
        rc =
            store_prop_set(st, site, PROP_ISSUE, id, "kiln.demo.triage",
                           arena_printf(a, "{\"score\":%zu,\"reviewed\":%s}", j % 5 + 1, j % 8 == 0 ? "true" : "false"),
                           is->created_ms, &created);
    }
    return rc;
}

int demo_work(store_t *st, arena_t *a, const site_rec_t *site)
{
    user_rec_t *users = NULL;
    size_t nusers = 0;
    int rc = store_user_list(st, a, site->id, 0, 100, &users, &nusers);
    const char *people[DEMO_MAX_USERS];
    size_t npeople = 0;
    for (size_t i = 0; rc == STORE_OK && i < nusers && npeople < DEMO_MAX_USERS; i++)
        if (users[i].account_type && strcmp(users[i].account_type, "atlassian") == 0)
            people[npeople++] = users[i].account_id;
    if (rc != STORE_OK || npeople == 0)
        return rc;
    project_rec_t *projects = NULL;
    size_t nprojects = 0;
    int64_t total = 0;
    project_filter_t f = {.order = PROJECT_ORDER_KEY, .start_at = 0, .max_results = 100};
    rc = store_project_search(st, a, site->id, &f, &projects, &nprojects, &total);
    size_t j = 0;
    for (size_t p = 0; rc == STORE_OK && p < nprojects; p++) {
        for (int64_t num = 1; rc == STORE_OK && j < DEMO_MAX_ISSUES; num++, j++) {
            issue_rec_t is;
            const char *pkey;
            rc = store_issue_by_key(st, a, site->id, projects[p].key, num, &is, &pkey);
            if (rc == STORE_NOTFOUND) {
                rc = STORE_OK;
                break;
            }
            if (rc == STORE_OK)
                rc = fill_issue(st, a, site, &is, j, people, npeople);
        }
    }
    return rc;
}
