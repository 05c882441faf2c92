/* Worklogs: GET|POST /issue/{id}/worklog, GET|PUT|DELETE /issue/{id}/worklog/{id},
 * GET worklog/updated and worklog/deleted, POST worklog/list, and the issue's `worklog`
 * field. The issue's timespent and timeestimate follow each write, recorded in its
 * changelog as Jira records them (timespent, timeestimate, WorklogId). */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/adf.h"
#include "product/duration.h"
#include "product/events.h"
#include "product/perm.h"
#include "product/render.h"
#include "product/routes.h"
#include "product/work.h"
#include "store/store_changelog.h"
#include "store/store_product.h"
#include "store/store_properties.h"
#include "store/store_worklogs.h"

enum { CHANGED_PAGE = 1000 };

/* expand=properties: each worklog with its properties. */
static int props_expanded(kreq_t *kr)
{
    return work_expand_has(kreq_query(kr, "expand", NULL), "properties");
} /* worklog/updated and worklog/deleted per page, as Jira */

static void render_worklog(jsonw_t *w, kreq_t *kr, const worklog_rec_t *wl, int props)
{
    char id[24], iid[24], spent[64];
    enc_i64(id, wl->id);
    enc_i64(iid, wl->issue_id);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), render_v2(kr) ? "/rest/api/2/issue/" : "/rest/api/3/issue/", iid, "/worklog/", id);
    jw_key(w, "author");
    render_user_ref(w, kr, wl->author_account_id, 1);
    jw_key(w, "updateAuthor");
    render_user_ref(w, kr, wl->update_author_account_id, 1);
    if (wl->comment_json) {
        jw_key(w, "comment");
        work_text_out(w, kr, wl->comment_json);
    }
    work_kdate(w, "created", wl->created_ms);
    work_kdate(w, "updated", wl->updated_ms);
    if (wl->visibility_json) {
        jw_key(w, "visibility");
        work_visibility_out(w, wl->visibility_json);
    }
    work_kdate(w, "started", wl->started_ms);
    jw_kstr(w, "timeSpent", duration_format(wl->time_spent_s, spent, sizeof spent));
    jw_kint(w, "timeSpentSeconds", wl->time_spent_s);
    jw_kstr(w, "id", id);
    jw_kstr(w, "issueId", iid);
    if (props)
        work_render_props(w, kr, PROP_WORKLOG, wl->id);
    jw_obj_end(w);
}

/* Writes the page (PageOfWorklogs members) of the visible worklogs of i started in
 * [after, before). */
static int write_page(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, int64_t after, int64_t before, int64_t start,
                      int64_t max, size_t budget, int props)
{
    worklog_rec_t *all = NULL;
    size_t n = 0;
    int64_t total = 0;
    if (store_worklog_list(kr->store, kr->arena, kr->site.id, i->id, after, before, 0, WORK_PER_ISSUE_MAX, &all, &n,
                           &total) != STORE_OK)
        return -1;
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        int may = work_may_see(kr, i->project_id, all[j].visibility_json, all[j].author_account_id);
        if (may < 0)
            return -1;
        if (may)
            all[k++] = all[j];
    }
    jw_key(w, "worklogs");
    jw_arr(w);
    size_t from = w->b->len;
    int64_t written = 0;
    for (size_t j = (size_t)start; j < k && written < max; j++, written++) {
        if (w->b->len - from > budget) {
            max = written; /* full: the page says how many it holds */
            break;
        }
        render_worklog(w, kr, &all[j], props);
    }
    jw_arr_end(w);
    jw_kint(w, "startAt", start);
    jw_kint(w, "maxResults", max);
    jw_kint(w, "total", (int64_t)k);
    return 0;
}

void work_render_worklogs(jsonw_t *w, kreq_t *kr, const issue_rec_t *i)
{
    jw_obj(w);
    if (write_page(w, kr, i, 0, INT64_MAX, 0, 20, WORK_FIELD_BYTES, 0) != 0) { /* Jira's issue view shows 20 */
        jw_key(w, "worklogs");
        jw_arr(w);
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

void worklog_list(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    if (work_issue(kr, kr->params[0], &i, &pkey) != 0)
        return;
    int64_t start, max, after = 0, before = INT64_MAX;
    if (work_page(kr, WORK_PAGE_MAX, WORK_PAGE_MAX, &start, &max) != 0)
        return;
    if (kreq_query_int(kr, "startedAfter", 0, INT64_MAX, &after) != 0 ||
        kreq_query_int(kr, "startedBefore", 0, INT64_MAX, &before) != 0) {
        reply_error(kr, 400, 1, "startedAfter and startedBefore must be times in milliseconds since the epoch.");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    if (write_page(w, kr, &i, after, before, start, max, WORK_PAGE_BYTES, props_expanded(kr)) != 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* The worklog params[1] of the issue params[0]: 0, or -1 after answering. */
static int load(kreq_t *kr, issue_rec_t *i, const char **pkey, worklog_rec_t *wl)
{
    if (work_issue(kr, kr->params[0], i, pkey) != 0)
        return -1;
    int64_t id;
    int rc = work_parse_id(kr->params[1], &id) == 0 ? store_worklog_get(kr->store, kr->arena, kr->site.id, id, wl)
                                                    : STORE_NOTFOUND;
    int may = rc == STORE_OK && wl->issue_id == i->id
                  ? work_may_see(kr, i->project_id, wl->visibility_json, wl->author_account_id)
                  : 0;
    if ((rc != STORE_OK && rc != STORE_NOTFOUND) || may < 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return -1;
    }
    if (!may) {
        char msg[96];
        snprintf(msg, sizeof msg, "Cannot find worklog with id: %.40s.", kr->params[1]);
        reply_error(kr, 404, 1, msg);
        return -1;
    }
    return 0;
}

void worklog_get(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    worklog_rec_t wl;
    if (load(kr, &i, &pkey, &wl) != 0)
        return;
    jsonw_t *w = reply_writer_new(kr);
    render_worklog(w, kr, &wl, props_expanded(kr));
    reply_writer(kr, 200, w);
}

/* ---- estimates ---- */

enum adjust { ADJ_AUTO, ADJ_NEW, ADJ_LEAVE, ADJ_MANUAL };

/* adjustEstimate with its newEstimate / reduceBy (delete: increaseBy): 0, or -1 after
 * answering 400. *amount is the new estimate (ADJ_NEW) or the change (ADJ_MANUAL). */
static int read_adjust(kreq_t *kr, const char *manual_param, enum adjust *adj, int64_t *amount)
{
    static const struct {
        const char *name;
        enum adjust adj;
    } names[] = {{"auto", ADJ_AUTO}, {"new", ADJ_NEW}, {"leave", ADJ_LEAVE}, {"manual", ADJ_MANUAL}};
    const char *a = kreq_query(kr, "adjustEstimate", NULL);
    *adj = ADJ_AUTO;
    *amount = 0;
    if (a) {
        size_t k = 0;
        while (k < sizeof names / sizeof *names && strcmp(names[k].name, a) != 0)
            k++;
        if (k == sizeof names / sizeof *names) {
            reply_error(kr, 400, 1, "adjustEstimate must be one of new, leave, manual or auto.");
            return -1;
        }
        *adj = names[k].adj;
    }
    if (*adj == ADJ_NEW && duration_parse(kreq_query(kr, "newEstimate", NULL), amount) != 0) {
        reply_error(kr, 400, 1, "You must supply a valid new estimate.");
        return -1;
    }
    if (*adj == ADJ_MANUAL && duration_parse(kreq_query(kr, manual_param, NULL), amount) != 0) {
        reply_error(kr, 400, 1,
                    strcmp(manual_param, "reduceBy") == 0
                        ? "You must supply a valid amount to reduce the estimate by."
                        : "You must supply a valid amount to increase the estimate by.");
        return -1;
    }
    return 0;
}

/* The issue's remaining estimate after time spent changes by `delta` seconds. */
static int64_t remaining_after(int64_t remaining, enum adjust adj, int64_t amount, int64_t delta, int manual_sign)
{
    int64_t r = remaining;
    switch (adj) {
    case ADJ_NEW: r = amount; break;
    case ADJ_LEAVE: break;
    case ADJ_MANUAL: r = (remaining < 0 ? 0 : remaining) + manual_sign * amount; break;
    case ADJ_AUTO:
        if (remaining >= 0)
            r = remaining - delta;
        break;
    }
    if (r != -1 && r < 0)
        r = 0;
    return r > DURATION_MAX_S ? DURATION_MAX_S : r;
}

/* Updates the issue's time tracking (time spent by delta, the remaining estimate as
 * adjustEstimate says) with its changelog group and the worklog event, inside the open
 * transaction, on the issue's current values. */
/* The worklog as Forge's worklog events carry it (developer.atlassian.com/platform/forge/
 * events-reference/jira/#issue-worklog-events: the payload is {eventType, worklog}): id,
 * issueId, author and updateAuthor as {accountId}, comment as a string (wiki markup of the
 * stored ADF, as the comment events' body; present when it has one), started, timeSpent,
 * timeSpentSeconds, created, updated. */
static json_t *worklog_json(kreq_t *kr, const worklog_rec_t *wl)
{
    char id[24], iid[24], started[40], created[40], updated[40], spent[64];
    clock_iso8601(started, sizeof started, wl->started_ms);
    clock_iso8601(created, sizeof created, wl->created_ms);
    clock_iso8601(updated, sizeof updated, wl->updated_ms);
    json_t *o = json_pack("{s:s,s:s,s:{s:s?},s:{s:s?},s:s,s:s,s:I,s:s,s:s}", "id", enc_i64(id, wl->id), "issueId",
                          enc_i64(iid, wl->issue_id), "author", "accountId", wl->author_account_id, "updateAuthor",
                          "accountId", wl->update_author_account_id, "started", started, "timeSpent",
                          duration_format(wl->time_spent_s, spent, sizeof spent), "timeSpentSeconds",
                          (json_int_t)wl->time_spent_s, "created", created, "updated", updated);
    json_err_t jerr;
    json_t *doc = wl->comment_json ? json_parse_limited(wl->comment_json, strlen(wl->comment_json), 512, &jerr) : NULL;
    char *text = NULL;
    adf_error_t aerr;
    if (o && doc && adf_to_wiki(kr->arena, doc, &text, NULL, &aerr) == ADF_OK)
        json_object_set_new(o, "comment", json_string(text));
    json_decref(doc);
    return o;
}

static int record(kreq_t *kr, issue_rec_t *i, const char *pkey, const worklog_rec_t *wl, int64_t delta, enum adjust adj,
                  int64_t amount, int manual_sign, const char *kind, int64_t now)
{
    int64_t wid = wl->id;
    int rc = work_issue_reload(kr, i);
    if (rc != STORE_OK)
        return rc;
    int64_t remaining = remaining_after(i->remaining_estimate_s, adj, amount, delta, manual_sign);
    int64_t spent_before = i->time_spent_s, est_before = i->remaining_estimate_s;
    int64_t spent = (spent_before < 0 ? 0 : spent_before) + delta;
    i->time_spent_s = spent <= 0 && spent_before < 0 ? -1 : spent < 0 ? 0 : spent;
    i->remaining_estimate_s = remaining;
    i->updated_ms = now;
    rc = store_issue_update(kr->store, kr->site.id, i);
    change_item_t items[3];
    size_t n = 0;
    char b[4][24], wids[24];
    enc_i64(wids, wid);
    if (i->time_spent_s != spent_before)
        items[n++] = (change_item_t){"timespent",
                                     "jira",
                                     "timespent",
                                     spent_before < 0 ? NULL : enc_i64(b[0], spent_before),
                                     spent_before < 0 ? NULL : b[0],
                                     i->time_spent_s < 0 ? NULL : enc_i64(b[1], i->time_spent_s),
                                     i->time_spent_s < 0 ? NULL : b[1]};
    if (i->remaining_estimate_s != est_before)
        items[n++] = (change_item_t){"timeestimate",
                                     "jira",
                                     "timeestimate",
                                     est_before < 0 ? NULL : enc_i64(b[2], est_before),
                                     est_before < 0 ? NULL : b[2],
                                     i->remaining_estimate_s < 0 ? NULL : enc_i64(b[3], i->remaining_estimate_s),
                                     i->remaining_estimate_s < 0 ? NULL : b[3]};
    int deleted = strcmp(kind, EV_WORKLOG_DELETED) == 0;
    items[n++] = (change_item_t){
        "WorklogId",          "jira", "worklogId", deleted ? wids : NULL, deleted ? wids : NULL, deleted ? NULL : wids,
        deleted ? NULL : wids};
    change_group_t g = {.issue_id = i->id,
                        .author_account_id = kr->principal.account_id,
                        .created_ms = now,
                        .items = items,
                        .nitems = n};
    if (rc == STORE_OK)
        rc = store_changelog_append(kr->store, kr->site.id, &g);
    if (rc != STORE_OK)
        return rc;
    /* Forge's worklog events carry the worklog alone (its issueId orders the deliveries) */
    (void)pkey;
    json_t *worklog = worklog_json(kr, wl);
    json_t *payload = worklog ? json_pack("{s:o}", "worklog", worklog) : NULL;
    return payload ? product_event(kr, kind, wid, payload) : STORE_ERROR;
}

/* The body of a POST or PUT into wl (the old values stay where the body says nothing on
 * a PUT): 0, or -1 after answering 400. */
static int read_body(kreq_t *kr, json_t *body, int create, worklog_rec_t *wl)
{
    json_t *errors = json_own(kr->arena, json_object());
    json_t *ts = json_object_get(body, "timeSpent"), *tss = json_object_get(body, "timeSpentSeconds");
    int64_t secs = -1;
    if (tss && !json_is_null(tss)) {
        if (!json_is_integer(tss) || json_integer_value(tss) <= 0 || json_integer_value(tss) > DURATION_MAX_S)
            json_object_set_new(errors, "timeLogged", json_string("Invalid time duration entered."));
        else
            secs = json_integer_value(tss);
    } else if (ts && !json_is_null(ts)) {
        if (!json_is_string(ts) || duration_parse(json_string_value(ts), &secs) != 0 || secs <= 0)
            json_object_set_new(errors, "timeLogged", json_string("Invalid time duration entered."));
    } else if (create) {
        json_object_set_new(errors, "timeLogged", json_string("You must indicate the time spent working."));
    }
    if (secs > 0)
        wl->time_spent_s = secs;
    json_t *started = json_object_get(body, "started");
    if (started && !json_is_null(started)) {
        int64_t ms;
        if (!json_is_string(started) || work_parse_datetime(json_string_value(started), &ms) != 0)
            json_object_set_new(errors, "started",
                                json_string("Invalid date format. Please enter the date in the format "
                                            "\"yyyy-MM-dd'T'HH:mm:ss.SSSZ\"."));
        else
            wl->started_ms = ms;
    }
    int absent;
    json_t *c = json_object_get(body, "comment");
    const char *text = work_text_in(kr, c, "comment", errors, &absent);
    if (text || (c && json_is_null(c)))
        wl->comment_json = text;
    if (json_object_get(body, "visibility"))
        wl->visibility_json = work_visibility_in(kr, json_object_get(body, "visibility"), errors);
    if (json_object_get(errors, "timeLogged")) { /* Jira answers this one with a message too */
        reply_json_new(kr, 400,
                       json_pack("{s:[s],s:O}", "errorMessages", "Worklog must not be null.", "errors", errors));
        return -1;
    }
    if (json_object_size(errors) > 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return -1;
    }
    return 0;
}

static int finish(kreq_t *kr, int rc)
{
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc == STORE_NOTFOUND) /* deleted by a concurrent request since it was read */
        reply_error(kr, 404, 1, "Cannot find worklog.");
    else if (rc == STORE_CONFLICT)
        reply_error(kr, 400, 1, WORK_WORKLOGS_FULL);
    else if (rc != STORE_OK)
        reply_error(kr, 500, 1, "Internal server error");
    return rc;
}

void worklog_add(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    if (work_issue(kr, kr->params[0], &i, &pkey) != 0)
        return;
    int may = perm_allows(kr, i.project_id, "WORK_ON_ISSUES");
    if (may != 1) {
        reply_error(kr, may < 0 ? 500 : 403, 1,
                    may < 0 ? "Internal server error"
                            : "You do not have the permission to associate a worklog to this issue.");
        return;
    }
    enum adjust adj;
    int64_t amount;
    if (read_adjust(kr, "reduceBy", &adj, &amount) != 0)
        return;
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    int64_t now = clock_now_ms();
    worklog_rec_t wl = {
        .issue_id = i.id,
        .author_account_id = kr->principal.account_id,
        .update_author_account_id = kr->principal.account_id,
        .started_ms = now,
        .created_ms = now,
        .updated_ms = now,
    };
    if (read_body(kr, body, 1, &wl) != 0)
        return;
    const char **pkeys, **pvalues;
    json_t *errors = json_own(kr->arena, json_object());
    int nprops = work_props_in(kr, json_object_get(body, "properties"), &pkeys, &pvalues, errors);
    if (nprops < 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    worklog_rec_t *none;
    size_t n;
    int64_t total = 0;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_worklog_list(kr->store, kr->arena, kr->site.id, i.id, 0, INT64_MAX, 0, 0, &none, &n, &total);
    if (rc == STORE_OK && total >= WORK_PER_ISSUE_MAX)
        rc = STORE_CONFLICT;
    if (rc == STORE_OK)
        rc = store_worklog_insert(kr->store, kr->site.id, &wl);
    if (rc == STORE_OK)
        rc =
            work_props_store(kr, PROP_WORKLOG, wl.id, (const char *const *)pkeys, (const char *const *)pvalues, nprops);
    if (rc == STORE_OK)
        rc = record(kr, &i, pkey, &wl, wl.time_spent_s, adj, amount, -1, EV_WORKLOG_CREATED, now);
    if (finish(kr, rc) != STORE_OK)
        return;
    jsonw_t *w = reply_writer_new(kr);
    render_worklog(w, kr, &wl, props_expanded(kr));
    reply_writer(kr, 201, w);
}

static int may_change(kreq_t *kr, const issue_rec_t *i, const worklog_rec_t *wl, const char *all, const char *own)
{
    int may = perm_allows(kr, i->project_id, all);
    if (may == 0 && perm_is_user(kr) && wl->author_account_id &&
        strcmp(wl->author_account_id, kr->principal.account_id) == 0)
        may = perm_allows(kr, i->project_id, own);
    return may;
}

void worklog_update(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    worklog_rec_t wl;
    if (load(kr, &i, &pkey, &wl) != 0)
        return;
    int may = may_change(kr, &i, &wl, "EDIT_ALL_WORKLOGS", "EDIT_OWN_WORKLOGS");
    if (may != 1) {
        reply_error(kr, may < 0 ? 500 : 403, 1,
                    may < 0 ? "Internal server error" : "You do not have the permission to edit this worklog.");
        return;
    }
    enum adjust adj;
    int64_t amount;
    if (read_adjust(kr, "reduceBy", &adj, &amount) != 0)
        return;
    if (adj == ADJ_MANUAL) {
        reply_error(kr, 400, 1, "adjustEstimate manual is not allowed when updating a worklog.");
        return;
    }
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    int64_t before = wl.time_spent_s, now = clock_now_ms();
    if (read_body(kr, body, 0, &wl) != 0)
        return;
    wl.update_author_account_id = kr->principal.account_id;
    wl.updated_ms = now;
    worklog_rec_t cur; /* as it is now, inside the transaction */
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_worklog_get(kr->store, kr->arena, kr->site.id, wl.id, &cur);
    int64_t delta = wl.time_spent_s - (rc == STORE_OK ? cur.time_spent_s : before);
    if (rc == STORE_OK)
        rc = store_worklog_update(kr->store, kr->site.id, &wl);
    if (rc == STORE_OK)
        rc = record(kr, &i, pkey, &wl, delta, adj, amount, -1, EV_WORKLOG_UPDATED, now);
    if (finish(kr, rc) != STORE_OK)
        return;
    jsonw_t *w = reply_writer_new(kr);
    render_worklog(w, kr, &wl, props_expanded(kr));
    reply_writer(kr, 200, w);
}

void worklog_delete(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    worklog_rec_t wl;
    if (load(kr, &i, &pkey, &wl) != 0)
        return;
    int may = may_change(kr, &i, &wl, "DELETE_ALL_WORKLOGS", "DELETE_OWN_WORKLOGS");
    if (may != 1) {
        reply_error(kr, may < 0 ? 500 : 403, 1,
                    may < 0 ? "Internal server error" : "You do not have the permission to delete this worklog.");
        return;
    }
    enum adjust adj;
    int64_t amount;
    if (read_adjust(kr, "increaseBy", &adj, &amount) != 0)
        return;
    int64_t now = clock_now_ms();
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_worklog_get(kr->store, kr->arena, kr->site.id, wl.id, &wl); /* as it is now */
    if (rc == STORE_OK)
        rc = store_worklog_delete(kr->store, kr->site.id, wl.id, now);
    if (rc == STORE_OK)
        rc = record(kr, &i, pkey, &wl, -wl.time_spent_s, adj, amount, 1, EV_WORKLOG_DELETED, now);
    if (finish(kr, rc) != STORE_OK)
        return;
    reply_raw(kr, 204, "application/json", "", 0); /* no body, as Jira */
}

/* ---- across issues ---- */

/* 1 if the caller may see worklog wl (its issue browsable, its visibility allowing). */
static int visible(kreq_t *kr, const worklog_rec_t *wl)
{
    issue_rec_t i;
    const char *pkey;
    int v = work_issue_visible(kr, wl->issue_id, &i, &pkey);
    return v == 1 ? work_may_see(kr, i.project_id, wl->visibility_json, wl->author_account_id) : v;
}

static void changed(kreq_t *kr, int deleted)
{
    int64_t since = 0;
    if (kreq_query_int(kr, "since", 0, INT64_MAX, &since) != 0) {
        reply_error(kr, 400, 1, "since must be a time in milliseconds since the epoch.");
        return;
    }
    worklog_rec_t *wl = NULL;
    size_t n = 0;
    if (store_worklog_changed(kr->store, kr->arena, kr->site.id, deleted, since, CHANGED_PAGE, &wl, &n) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    const char *base = render_base(kr), *api = render_v2(kr) ? "/rest/api/2" : "/rest/api/3";
    const char *what = deleted ? "/worklog/deleted" : "/worklog/updated";
    int64_t until = since;
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "values");
    jw_arr(w);
    for (size_t j = 0; j < n; j++) {
        until = wl[j].updated_ms;
        int v = visible(kr, &wl[j]);
        if (v < 0) {
            reply_error(kr, 500, 1, "Internal server error");
            return;
        }
        if (!v)
            continue;
        jw_obj(w);
        jw_kint(w, "worklogId", wl[j].id);
        jw_kint(w, "updatedTime", wl[j].updated_ms);
        jw_key(w, "properties");
        jw_arr(w);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    char s[24], u[24];
    jw_kint(w, "since", since);
    jw_kint(w, "until", until);
    jw_key(w, "self");
    JW_STRCAT(w, base, api, what, "?since=", enc_i64(s, since));
    int last = n < CHANGED_PAGE;
    if (!last) {
        jw_key(w, "nextPage");
        JW_STRCAT(w, base, api, what, "?since=", enc_i64(u, until));
    }
    jw_kbool(w, "lastPage", last);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void worklog_updated(kreq_t *kr)
{
    changed(kr, 0);
}

void worklog_deleted(kreq_t *kr)
{
    changed(kr, 1);
}

void worklog_list_ids(kreq_t *kr)
{
    int64_t *ids;
    int n = work_read_ids(kr, &ids);
    if (n < 0)
        return;
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    size_t from = w->b->len;
    for (int j = 0; j < n && w->b->len - from <= WORK_PAGE_BYTES; j++) { /* past it: ask again for the rest */
        worklog_rec_t wl;
        int rc = store_worklog_get(kr->store, kr->arena, kr->site.id, ids[j], &wl);
        int v = rc == STORE_OK ? visible(kr, &wl) : rc == STORE_NOTFOUND ? 0 : -1;
        if (v < 0) {
            reply_error(kr, 500, 1, "Internal server error");
            return;
        }
        if (v) /* one the caller may not see is left out, as a missing one */
            render_worklog(w, kr, &wl, props_expanded(kr));
    }
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}
