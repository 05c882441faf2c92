/* Comments on issues: GET|POST /issue/{id}/comment, GET|PUT|DELETE
 * /issue/{id}/comment/{id}, POST /comment/list, and the issue's `comment` field. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/adf.h"
#include "product/events.h"
#include "product/perm.h"
#include "product/render.h"
#include "product/routes.h"
#include "product/work.h"
#include "store/store_comments.h"
#include "store/store_product.h"
#include "store/store_properties.h"

enum { COMMENT_SCAN_MAX = WORK_PER_ISSUE_MAX }; /* every comment of an issue, to filter by visibility */

#define COMMENT_404_FMT "Can not find a comment for the id: %.40s."

enum { CX_RENDERED = 1, CX_PROPERTIES = 2 };

static unsigned comment_expand(kreq_t *kr)
{
    const char *e = kreq_query(kr, "expand", NULL);
    return (work_expand_has(e, "renderedBody") ? CX_RENDERED : 0) |
           (work_expand_has(e, "properties") ? CX_PROPERTIES : 0);
}

static void render_comment(jsonw_t *w, kreq_t *kr, const comment_rec_t *c, unsigned expand)
{
    char id[24], iid[24];
    enc_i64(id, c->id);
    enc_i64(iid, c->issue_id);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), render_v2(kr) ? "/rest/api/2/issue/" : "/rest/api/3/issue/", iid, "/comment/", id);
    jw_kstr(w, "id", id);
    jw_key(w, "author");
    render_user_ref(w, kr, c->author_account_id, 1);
    jw_key(w, "body");
    work_text_out(w, kr, c->body_json);
    if (expand & CX_RENDERED) {
        jw_key(w, "renderedBody");
        work_text_html(w, kr, c->body_json);
    }
    jw_key(w, "updateAuthor");
    render_user_ref(w, kr, c->update_author_account_id, 1);
    work_kdate(w, "created", c->created_ms);
    work_kdate(w, "updated", c->updated_ms);
    if (c->visibility_json) {
        jw_key(w, "visibility");
        work_visibility_out(w, c->visibility_json);
    }
    jw_kbool(w, "jsdPublic", 1);
    if (expand & CX_PROPERTIES)
        work_render_props(w, kr, PROP_COMMENT, c->id);
    jw_obj_end(w);
}

/* The comments of issue i the caller may see, from the `start`-th on, at most `max`
 * (*n), and how many it may see in all (*total). Without a restricted comment on the
 * issue (or for an app, which is not restricted) the store pages; otherwise every one is
 * read (at most WORK_PER_ISSUE_MAX) and filtered. -1 on a store error. */
static int visible_comments(kreq_t *kr, const issue_rec_t *i, int desc, int64_t start, int64_t max, comment_rec_t **out,
                            size_t *n, int64_t *total)
{
    int64_t restricted = 0;
    if (perm_is_user(kr) && store_comment_restricted(kr->store, kr->site.id, i->id, &restricted) != STORE_OK)
        return -1;
    if (restricted == 0)
        return store_comment_list(kr->store, kr->arena, kr->site.id, i->id, desc, start, max, out, n, total) == STORE_OK
                   ? 0
                   : -1;
    comment_rec_t *all = NULL;
    size_t nall = 0;
    int64_t count = 0;
    if (store_comment_list(kr->store, kr->arena, kr->site.id, i->id, desc, 0, COMMENT_SCAN_MAX, &all, &nall, &count) !=
        STORE_OK)
        return -1;
    size_t k = 0;
    for (size_t j = 0; j < nall; j++) {
        int may = work_may_see(kr, i->project_id, all[j].visibility_json, all[j].author_account_id);
        if (may < 0)
            return -1;
        if (may)
            all[k++] = all[j];
    }
    *total = (int64_t)k;
    size_t from = (size_t)start < k ? (size_t)start : k;
    *out = all + from;
    *n = k - from < (size_t)max ? k - from : (size_t)max;
    return 0;
}

/* The page of comments (PageOfComments) inside an open object. */
static int write_page(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, int desc, int64_t start, int64_t max,
                      unsigned expand, size_t budget)
{
    comment_rec_t *c;
    size_t n;
    int64_t total;
    if (visible_comments(kr, i, desc, start, max, &c, &n, &total) != 0)
        return -1;
    jw_key(w, "comments");
    jw_arr(w);
    size_t from = w->b->len;
    for (size_t j = 0; j < n; j++) {
        if (w->b->len - from > budget) {
            max = (int64_t)j; /* full: the page says how many it holds */
            break;
        }
        render_comment(w, kr, &c[j], expand);
    }
    jw_arr_end(w);
    jw_kint(w, "maxResults", max);
    jw_kint(w, "total", total);
    jw_kint(w, "startAt", start);
    return 0;
}

void work_render_comments(jsonw_t *w, kreq_t *kr, const issue_rec_t *i)
{
    jw_obj(w);
    if (write_page(w, kr, i, 0, 0, WORK_PAGE_MAX, 0, WORK_FIELD_BYTES) !=
        0) { /* the writer stays valid; the page is empty */
        jw_key(w, "comments");
        jw_arr(w);
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

void comment_list(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    if (work_issue(kr, kr->params[0], &i, &pkey) != 0)
        return;
    int64_t start, max;
    if (work_page(kr, WORK_PAGE_MAX, WORK_PAGE_MAX, &start, &max) != 0)
        return;
    const char *order = kreq_query(kr, "orderBy", NULL);
    int desc = 0;
    if (order && strcmp(order, "-created") == 0)
        desc = 1;
    else if (order && strcmp(order, "created") != 0 && strcmp(order, "+created") != 0) {
        reply_error(kr, 400, 1, "orderBy must be created, +created or -created.");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    if (write_page(w, kr, &i, desc, start, max, comment_expand(kr), WORK_PAGE_BYTES) != 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* The comment `cid` of the issue in params[0], if the caller may see both: 0, or -1
 * after answering (404 for a comment of another issue, or one it may not see). */
static int load(kreq_t *kr, issue_rec_t *i, const char **pkey, comment_rec_t *c)
{
    if (work_issue(kr, kr->params[0], i, pkey) != 0)
        return -1;
    int64_t cid;
    int rc = work_parse_id(kr->params[1], &cid) == 0 ? store_comment_get(kr->store, kr->arena, kr->site.id, cid, c)
                                                     : STORE_NOTFOUND;
    int may = rc == STORE_OK && c->issue_id == i->id
                  ? work_may_see(kr, i->project_id, c->visibility_json, c->author_account_id)
                  : 0;
    if ((rc != STORE_OK && rc != STORE_NOTFOUND) || may < 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return -1;
    }
    if (!may) {
        char msg[96];
        snprintf(msg, sizeof msg, COMMENT_404_FMT, kr->params[1]);
        reply_error(kr, 404, 1, msg);
        return -1;
    }
    return 0;
}

void comment_get(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    comment_rec_t c;
    if (load(kr, &i, &pkey, &c) != 0)
        return;
    jsonw_t *w = reply_writer_new(kr);
    render_comment(w, kr, &c, comment_expand(kr));
    reply_writer(kr, 200, w);
}

/* The comment as Forge's comment events carry it (developer.atlassian.com/platform/forge/
 * events-reference/jira/#comment-events): id, author and updateAuthor as {accountId}, the
 * body as a STRING (the v2 form: wiki markup of the stored ADF, as Forge's events carry it,
 * not ADF), created, updated, jsdPublic. */
static json_t *comment_json(kreq_t *kr, const comment_rec_t *c)
{
    char id[24], created[40], updated[40];
    clock_iso8601(created, sizeof created, c->created_ms);
    clock_iso8601(updated, sizeof updated, c->updated_ms);
    json_err_t jerr;
    json_t *doc = c->body_json ? json_parse_limited(c->body_json, strlen(c->body_json), 512, &jerr) : NULL;
    char *text = NULL;
    adf_error_t aerr;
    if (doc && adf_to_wiki(kr->arena, doc, &text, NULL, &aerr) != ADF_OK)
        text = NULL;
    json_decref(doc);
    return json_pack("{s:s,s:{s:s?},s:{s:s?},s:s,s:s,s:s,s:b}", "id", enc_i64(id, c->id), "author", "accountId",
                     c->author_account_id, "updateAuthor", "accountId", c->update_author_account_id, "body",
                     text ? text : "", "created", created, "updated", updated, "jsdPublic", 1);
}

/* Records the event of a comment write (and touches the issue's updated time) inside
 * the open transaction. */
static int comment_event(kreq_t *kr, issue_rec_t *i, const char *pkey, const comment_rec_t *c, const char *kind,
                         int64_t now)
{
    int rc = work_issue_reload(kr, i);
    i->updated_ms = now;
    if (rc == STORE_OK)
        rc = store_issue_update(kr->store, kr->site.id, i);
    if (rc != STORE_OK)
        return rc;
    char iid[24];
    json_t *comment = comment_json(kr, c);
    json_t *payload = comment
                          ? json_pack("{s:{s:s,s:s},s:o}", "issue", "id", enc_i64(iid, i->id), "key",
                                      arena_printf(kr->arena, "%s-%lld", pkey, (long long)i->num), "comment", comment)
                          : NULL;
    rc = payload ? product_event(kr, kind, c->id, json_deep_copy(payload)) : STORE_ERROR;
    /* a comment made or edited that mentions someone: the same issue and comment */
    if (rc == STORE_OK && strcmp(kind, EV_COMMENT_DELETED) != 0)
        rc = product_event_mentions(kr, EV_COMMENT_MENTIONED, c->id, c->body_json, json_incref(payload));
    json_decref(payload);
    return rc;
}

int work_comment_insert(kreq_t *kr, issue_rec_t *i, const char *pkey, const char *body_json, const char *vis,
                        int64_t now, comment_rec_t *c)
{
    *c = (comment_rec_t){
        .issue_id = i->id,
        .author_account_id = kr->principal.account_id,
        .update_author_account_id = kr->principal.account_id,
        .body_json = body_json,
        .visibility_json = vis,
        .created_ms = now,
        .updated_ms = now,
    };
    comment_rec_t *none;
    size_t n;
    int64_t total = 0;
    int rc = store_comment_list(kr->store, kr->arena, kr->site.id, i->id, 0, 0, 0, &none, &n, &total);
    if (rc == STORE_OK && total >= WORK_PER_ISSUE_MAX)
        return STORE_CONFLICT;
    if (rc == STORE_OK)
        rc = store_comment_insert(kr->store, kr->site.id, c);
    return rc == STORE_OK ? comment_event(kr, i, pkey, c, EV_COMMENT_CREATED, now) : rc;
}

/* body and visibility of a POST or PUT; 0, or -1 after answering 400. */
static int read_body(kreq_t *kr, json_t *body, const char **text, const char **vis, int *has_vis)
{
    json_t *errors = json_own(kr->arena, json_object());
    int absent;
    *text = work_text_in(kr, json_object_get(body, "body"), "comment", errors, &absent);
    if (absent && json_object_size(errors) == 0)
        json_object_set_new(errors, "comment", json_string("Comment body can not be empty!"));
    *has_vis = json_object_get(body, "visibility") != NULL;
    *vis = work_visibility_in(kr, json_object_get(body, "visibility"), errors);
    if (json_object_size(errors) > 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return -1;
    }
    return 0;
}

void comment_add(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    if (work_issue(kr, kr->params[0], &i, &pkey) != 0)
        return;
    int may = perm_allows(kr, i.project_id, "ADD_COMMENTS");
    if (may != 1) {
        reply_error(kr, may < 0 ? 500 : 403, 1,
                    may < 0 ? "Internal server error" : "You do not have the permission to comment on this issue.");
        return;
    }
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    const char *text, *vis;
    int has_vis;
    if (read_body(kr, body, &text, &vis, &has_vis) != 0)
        return;
    const char **pkeys, **pvalues;
    json_t *errors = json_own(kr->arena, json_object());
    int nprops = work_props_in(kr, json_object_get(body, "properties"), &pkeys, &pvalues, errors);
    if (nprops < 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    int64_t now = clock_now_ms();
    comment_rec_t c;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = work_comment_insert(kr, &i, pkey, text, vis, now, &c);
    if (rc == STORE_OK)
        rc = work_props_store(kr, PROP_COMMENT, c.id, (const char *const *)pkeys, (const char *const *)pvalues, nprops);
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_CONFLICT ? 400 : 500, 1,
                    rc == STORE_CONFLICT ? WORK_COMMENTS_FULL : "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_comment(w, kr, &c, comment_expand(kr));
    reply_writer(kr, 201, w);
}

/* The caller may change comment c: the *_ALL permission, or its own with *_OWN. */
static int may_change(kreq_t *kr, const issue_rec_t *i, const comment_rec_t *c, const char *all, const char *own)
{
    int may = perm_allows(kr, i->project_id, all);
    if (may == 0 && perm_is_user(kr) && c->author_account_id &&
        strcmp(c->author_account_id, kr->principal.account_id) == 0)
        may = perm_allows(kr, i->project_id, own);
    return may;
}

void comment_update(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    comment_rec_t c;
    if (load(kr, &i, &pkey, &c) != 0)
        return;
    int may = may_change(kr, &i, &c, "EDIT_ALL_COMMENTS", "EDIT_OWN_COMMENTS");
    if (may != 1) {
        reply_error(kr, may < 0 ? 500 : 403, 1,
                    may < 0 ? "Internal server error" : "You do not have the permission to edit this comment.");
        return;
    }
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    const char *text, *vis;
    int has_vis;
    if (read_body(kr, body, &text, &vis, &has_vis) != 0)
        return;
    int64_t now = clock_now_ms();
    c.body_json = text;
    if (has_vis)
        c.visibility_json = vis;
    c.update_author_account_id = kr->principal.account_id;
    c.updated_ms = now;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_comment_update(kr->store, kr->site.id, &c);
    if (rc == STORE_OK)
        rc = comment_event(kr, &i, pkey, &c, EV_COMMENT_UPDATED, now);
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_comment(w, kr, &c, comment_expand(kr));
    reply_writer(kr, 200, w);
}

void comment_delete(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    comment_rec_t c;
    if (load(kr, &i, &pkey, &c) != 0)
        return;
    int may = may_change(kr, &i, &c, "DELETE_ALL_COMMENTS", "DELETE_OWN_COMMENTS");
    if (may != 1) {
        reply_error(kr, may < 0 ? 500 : 403, 1,
                    may < 0 ? "Internal server error" : "You do not have the permission to delete this comment.");
        return;
    }
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_comment_delete(kr->store, kr->site.id, c.id);
    if (rc == STORE_OK)
        rc = comment_event(kr, &i, pkey, &c, EV_COMMENT_DELETED, clock_now_ms());
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0); /* no body, as Jira */
}

void comment_list_ids(kreq_t *kr)
{
    int64_t *ids;
    int n = work_read_ids(kr, &ids);
    if (n < 0)
        return;
    unsigned expand = comment_expand(kr);
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "values");
    jw_arr(w);
    int64_t count = 0;
    int full = 0;
    size_t from = w->b->len;
    for (int j = 0; j < n && !full; j++) {
        comment_rec_t c;
        issue_rec_t i;
        const char *pkey;
        int rc = store_comment_get(kr->store, kr->arena, kr->site.id, ids[j], &c);
        int vis = rc == STORE_OK ? work_issue_visible(kr, c.issue_id, &i, &pkey) : rc == STORE_NOTFOUND ? 0 : -1;
        if (vis == 1)
            vis = work_may_see(kr, i.project_id, c.visibility_json, c.author_account_id);
        if (vis < 0) {
            reply_error(kr, 500, 1, "Internal server error");
            return;
        }
        if (vis == 1 && w->b->len - from > WORK_PAGE_BYTES)
            full = 1;        /* the page is full: isLast false, the rest are for another request */
        else if (vis == 1) { /* one the caller may not see is left out, as a missing one */
            render_comment(w, kr, &c, expand);
            count++;
        }
    }
    jw_arr_end(w);
    jw_kint(w, "maxResults", full ? count : WORK_LIST_IDS_MAX);
    jw_kint(w, "startAt", 0);
    jw_kint(w, "total", count);
    jw_kbool(w, "isLast", !full);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}
