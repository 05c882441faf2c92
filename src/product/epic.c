/* Epics and the agile order (/rest/agile/1.0/epic..., /issue/rank, /issue/{id}): an
 * epic's issues are the issues whose parent it is; ranking moves issues before or after
 * another by giving them ranks between two neighbours (product/rank.h), renumbering
 * nothing. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/agile.h"
#include "product/events.h"
#include "product/issue_view.h"
#include "product/model.h"
#include "product/perm.h"
#include "product/rank.h"
#include "product/render.h"
#include "store/store_changelog.h"

static const char epic_404[] = "Epic does not exist or you do not have permission to see it.";

/* The epic named by path parameter 0: 0, or -1 after answering. */
static int find_epic(kreq_t *kr, issue_rec_t *e, const char **pkey)
{
    int rc = agile_issue_find(kr, kr->params[0], e, pkey);
    if (rc == 0 && e->issuetype_id == ITYPE_EPIC)
        return 0;
    reply_error(kr, rc < 0 ? 500 : 404, 1, rc < 0 ? "Internal server error" : epic_404);
    return -1;
}

void epic_get(kreq_t *kr)
{
    issue_rec_t e;
    const char *pkey;
    if (find_epic(kr, &e, &pkey) != 0)
        return;
    jsonw_t *w = reply_writer_new(kr);
    render_epic(w, kr, &e, pkey);
    reply_writer(kr, 200, w);
}

void epic_issues(kreq_t *kr)
{
    issue_rec_t e;
    const char *pkey;
    if (find_epic(kr, &e, &pkey) != 0)
        return;
    agile_query_t q = {.mode = AQ_EPIC, .project_id = e.project_id, .epic_id = e.id};
    agile_issue_page(kr, &q);
}

void epic_none_issues(kreq_t *kr)
{
    /* every project the caller may browse */
    project_filter_t f = {.max_results = 10000, .viewer = perm_is_user(kr) ? kr->principal.account_id : NULL};
    project_rec_t *ps;
    size_t n;
    int64_t total;
    if (store_project_search(kr->store, kr->arena, kr->site.id, &f, &ps, &n, &total) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    json_t *ids = json_own(kr->arena, json_array());
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_integer(ps[i].id));
    size_t len;
    agile_query_t q = {.mode = AQ_NO_EPIC, .projects_json = json_dump_arena(kr->arena, ids, 1u << 20, &len)};
    if (!q.projects_json) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    agile_issue_page(kr, &q);
}

/* The issues of a body's "issues" (1..AGILE_MOVE_MAX ids or keys), each visible, each
 * one the principal may edit, none an epic or subtask (and, project_id != 0, each of
 * that project): n, or -1 after answering. */
static int body_issues(kreq_t *kr, json_t *body, int64_t project_id, issue_rec_t **out, const char ***pkeys)
{
    json_t *list = json_object_get(body, "issues");
    size_t n = json_array_size(list);
    if (!json_is_array(list) || n == 0 || n > AGILE_MOVE_MAX) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "issues", "A list of 1 to 50 issue ids or keys is required."));
        return -1;
    }
    *out = arena_alloc(kr->arena, n * sizeof **out);
    *pkeys = arena_alloc(kr->arena, n * sizeof **pkeys);
    for (size_t i = 0; i < n; i++) {
        const char *ref = json_string_value(json_array_get(list, i));
        int rc = agile_issue_find(kr, ref, &(*out)[i], &(*pkeys)[i]);
        if (rc < 0) {
            reply_error(kr, 500, 1, "Internal server error");
            return -1;
        }
        if (rc > 0 || (project_id && (*out)[i].project_id != project_id)) {
            char msg[400];
            snprintf(msg, sizeof msg, "Issue '%.200s' does not exist or you do not have permission to see it%s.",
                     ref ? ref : "", rc > 0 ? "" : " in the epic's project");
            reply_error(kr, 400, 1, msg);
            return -1;
        }
        if ((*out)[i].issuetype_id == ITYPE_EPIC || (*out)[i].issuetype_id == ITYPE_SUBTASK) {
            reply_error(kr, 400, 1, "Epics and subtasks cannot be moved to an epic.");
            return -1;
        }
        if (!agile_may(kr, (*out)[i].project_id, "EDIT_ISSUES"))
            return -1;
    }
    return (int)n;
}

/* One changelog item and EV_ISSUE_UPDATED for a field of the issue (in the caller's
 * transaction). */
static int record(kreq_t *kr, const issue_rec_t *i, const char *pkey, const change_item_t *item)
{
    change_group_t g = {
        .issue_id = i->id,
        .author_account_id = kr->principal.account_id,
        .created_ms = clock_now_ms(),
        .items = (change_item_t *)item,
        .nitems = 1,
    };
    int rc = store_changelog_append(kr->store, kr->site.id, &g);
    if (rc != STORE_OK)
        return rc;
    return product_event(kr, EV_ISSUE_UPDATED, i->id,
                         json_pack("{s:{s:I,s:s},s:{s:I,s:[{s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s?}]}}", "issue", "id",
                                   (json_int_t)i->id, "key",
                                   arena_printf(kr->arena, "%s-%lld", pkey, (long long)i->num), "changelog", "id",
                                   (json_int_t)g.id, "items", "field", item->field, "fieldtype", item->fieldtype,
                                   "fieldId", item->field_id, "from", item->from_id, "fromString", item->from_string,
                                   "to", item->to_id, "toString", item->to_string));
}

/* Sets the parent of each issue to epic (NULL: none), in one transaction. */
static void set_parent(kreq_t *kr, issue_rec_t *is, const char **pkeys, int n, const issue_rec_t *epic,
                       const char *epic_key)
{
    int rc = store_begin(kr->store);
    for (int i = 0; rc == STORE_OK && i < n; i++) {
        /* read again in the write's transaction: an edit since the first read is kept */
        const char *pk;
        rc = store_issue_by_id(kr->store, kr->arena, kr->site.id, is[i].id, &is[i], &pk);
        int64_t to = epic ? epic->id : 0;
        if (rc != STORE_OK || is[i].parent_id == to)
            continue;
        char from_id[24], to_id[24];
        enc_i64(from_id, is[i].parent_id);
        enc_i64(to_id, to);
        change_item_t item = {.field = "IssueParentAssociation",
                              .fieldtype = "jira",
                              .field_id = "parent",
                              .from_id = is[i].parent_id ? from_id : NULL,
                              .to_id = to ? to_id : NULL,
                              .to_string = epic_key};
        is[i].parent_id = to;
        is[i].updated_ms = clock_now_ms();
        rc = store_issue_update(kr->store, kr->site.id, &is[i]);
        if (rc == STORE_OK)
            rc = record(kr, &is[i], pkeys[i], &item);
    }
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK)
        reply_error(kr, 500, 1, "Internal server error");
    else
        reply_raw(kr, 204, "application/json", "", 0);
}

void epic_move_issues(kreq_t *kr)
{
    issue_rec_t e, *is;
    const char *pkey, **pkeys;
    if (find_epic(kr, &e, &pkey) != 0)
        return;
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    int n = body_issues(kr, body, e.project_id, &is, &pkeys);
    if (n >= 0)
        set_parent(kr, is, pkeys, n, &e, arena_printf(kr->arena, "%s-%lld", pkey, (long long)e.num));
}

void epic_none_move_issues(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    issue_rec_t *is;
    const char **pkeys;
    int n = body_issues(kr, body, 0, &is, &pkeys);
    if (n >= 0)
        set_parent(kr, is, pkeys, n, NULL, NULL);
}

int agile_rank_issues(kreq_t *kr, issue_rec_t *is, const char **pkeys, size_t n, const issue_rec_t *anchor, int before)
{
    const char *lo = NULL, *hi = NULL, *pk;
    issue_rec_t a; /* the anchor's rank as this transaction reads it */
    int rc = store_issue_by_id(kr->store, kr->arena, kr->site.id, anchor->id, &a, &pk);
    if (rc == STORE_OK)
        rc = before ? store_issue_rank_neighbour(kr->store, kr->arena, kr->site.id, a.rank, 0, &lo)
                    : store_issue_rank_neighbour(kr->store, kr->arena, kr->site.id, a.rank, 1, &hi);
    if (before)
        hi = a.rank;
    else
        lo = a.rank;
    char *r = arena_alloc(kr->arena, RANK_MAX_LEN + 1);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        if (rank_between(lo, hi, r, RANK_MAX_LEN + 1) < 0)
            return STORE_CONFLICT; /* the ranks are out of room or not kiln's */
        const char *mine = arena_strdup(kr->arena, r);
        rc = store_issue_rank_set(kr->store, kr->site.id, is[i].id, mine);
        change_item_t item = {.field = "Rank",
                              .fieldtype = "custom",
                              .field_id = "rank",
                              .to_string = strcmp(mine, is[i].rank) < 0 ? "Ranked higher" : "Ranked lower"};
        if (rc == STORE_OK)
            rc = record(kr, &is[i], pkeys[i], &item);
        is[i].rank = mine;
        lo = mine;
    }
    return rc;
}

void issue_rank(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    const char *before = json_str(body, "rankBeforeIssue"), *after = json_str(body, "rankAfterIssue");
    if (!before == !after) {
        reply_error(kr, 400, 1, "Give exactly one of rankBeforeIssue and rankAfterIssue.");
        return;
    }
    json_t *cf = json_object_get(body, "rankCustomFieldId");
    if (cf && !json_is_integer(cf)) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "rankCustomFieldId", "A number is required."));
        return;
    }
    issue_rec_t anchor, *is;
    const char *akey, **pkeys;
    int rc = agile_issue_find(kr, before ? before : after, &anchor, &akey);
    if (rc != 0) {
        reply_error(kr, rc < 0 ? 500 : 400, 1,
                    rc < 0 ? "Internal server error"
                           : "The issue to rank against does not exist or you do not have permission to see it.");
        return;
    }
    json_t *list = json_object_get(body, "issues");
    size_t n = json_array_size(list);
    if (!json_is_array(list) || n == 0 || n > AGILE_MOVE_MAX) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "issues", "A list of 1 to 50 issue ids or keys is required."));
        return;
    }
    is = arena_alloc(kr->arena, n * sizeof *is);
    pkeys = arena_alloc(kr->arena, n * sizeof *pkeys);
    for (size_t i = 0; i < n; i++) {
        const char *ref = json_string_value(json_array_get(list, i));
        rc = agile_issue_find(kr, ref, &is[i], &pkeys[i]);
        if (rc != 0) {
            reply_error(kr, rc < 0 ? 500 : 400, 1,
                        rc < 0 ? "Internal server error"
                               : "An issue to rank does not exist or you do not have permission to see it.");
            return;
        }
        if (is[i].id == anchor.id) {
            reply_error(kr, 400, 1, "An issue cannot be ranked against itself.");
            return;
        }
        if (!agile_may(kr, is[i].project_id, "EDIT_ISSUES"))
            return;
    }
    rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = agile_rank_issues(kr, is, pkeys, n, &anchor, before != NULL);
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc == STORE_CONFLICT)
        reply_error(kr, 400, 1, "These issues cannot be ranked there: the ranks around it are at their longest.");
    else if (rc != STORE_OK)
        reply_error(kr, 500, 1, "Internal server error");
    else
        reply_raw(kr, 204, "application/json", "", 0);
}

void agile_issue_get(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    int rc = agile_issue_find(kr, kr->params[0], &i, &pkey);
    if (rc != 0) {
        reply_error(kr, rc < 0 ? 500 : 404, 1,
                    rc < 0 ? "Internal server error" : "Issue does not exist or you do not have permission to see it.");
        return;
    }
    int bad = 0;
    const char *fields = kreq_query(kr, "fields", &bad), *expand = kreq_query(kr, "expand", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    issue_view_t v;
    char err[160];
    if (issue_view_parse(kr->arena, fields, "*all", expand, NULL, &v, err, sizeof err) != 0) {
        reply_error(kr, 400, 1, err);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_issue(w, kr, &i, pkey, &v);
    reply_writer(kr, 200, w);
}
