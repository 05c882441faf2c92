/* Issues: create (one and bulk), get, bulkfetch, edit, assign, delete, the changelog and
 * editmeta (product/issues.h). Every field is read, checked and recorded by the field
 * model (product/fields.h); every write is one transaction with one change event. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "http/reply.h"
#include "product/events.h"
#include "product/fields.h"
#include "product/idkey.h"
#include "product/issue_view.h"
#include "product/issues.h"
#include "product/perm.h"
#include "product/render.h"
#include "product/routes.h"
#include "product/viewwant.h"
#include "store/store_changelog.h"
#include "store/store_installs.h"
#include "store/store_product.h"
#include "store/store_sites.h"

#define NO_ISSUE "Issue does not exist or you do not have permission to see it."
#define LEN(a) (sizeof(a) / sizeof *(a))

enum {
    BULK_MAX = 50,
    BULKFETCH_MAX = 100,
    CHANGELOG_PAGE_MAX = 100,
    CHANGELOG_IDS_MAX = 1000,
    CHANGELOG_SCAN_MAX = 10000,
    CHILDREN_MAX = 1000
};

static const char *const top_level[] = {"fields", "update", "transition", "historyMetadata", "properties"};

static int known(const char *k, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(k, set[i]) == 0)
            return 1;
    return 0;
}

static void internal(kreq_t *kr)
{
    reply_error(kr, 500, 1, "Internal server error");
}

/* The issue of the path if the caller may browse it and, when `perm` is not NULL, hold
 * that permission in its project (403 `denied` if not). Replies and returns -1 if not. */
static int path_issue(kreq_t *kr, const char *perm, const char *denied, issue_rec_t *i, const char **pkey)
{
    int rc = idkey_issue_get(kr->store, kr->arena, kr->site.id, kr->params[0], i, pkey);
    int may = rc == STORE_OK ? perm_allows(kr, i->project_id, "BROWSE_PROJECTS") : rc == STORE_NOTFOUND ? 0 : -1;
    if (may == 1 && perm)
        may = perm_allows(kr, i->project_id, perm) == 1 ? 1 : perm_allows(kr, i->project_id, perm) < 0 ? -1 : 2;
    if (may == 1)
        return 0;
    if (may < 0)
        internal(kr);
    else if (may == 2)
        reply_error(kr, 403, 1, denied);
    else /* missing, or one the user may not see: the same answer */
        reply_error(kr, 404, 1, NO_ISSUE);
    return -1;
}

static const char *i64str(kreq_t *kr, int64_t v)
{
    return arena_printf(kr->arena, "%lld", (long long)v);
}

static const char *issue_key(kreq_t *kr, const char *pkey, int64_t num)
{
    return arena_printf(kr->arena, "%s-%lld", pkey, (long long)num);
}

/* Applies the `update` object ({field: [{verb: value}, ...]}) to d. */
static void apply_update(kreq_t *kr, const field_table_t *ft, json_t *fields, json_t *update, issue_draft_t *d,
                         json_t *errors)
{
    static const struct {
        const char *name;
        int verb;
    } verbs[] = {{"set", FV_SET}, {"add", FV_ADD}, {"remove", FV_REMOVE}, {"edit", FV_SET}};
    const char *k;
    json_t *ops;
    json_object_foreach(update, k, ops)
    {
        const field_def_t *f = fields_by_id(ft, k);
        char msg[200];
        if (!f || f->kind == FK_READONLY || f->kind == FK_PROJECT) {
            snprintf(msg, sizeof msg, "Field '%.60s' cannot be set. It is not on the appropriate screen, or unknown.",
                     k);
            json_object_set_new(errors, k, json_string(msg));
            continue;
        }
        if (json_object_get(fields, k)) {
            snprintf(msg, sizeof msg, "Field '%.60s' cannot be set in both 'fields' and 'update'.", k);
            json_object_set_new(errors, k, json_string(msg));
            continue;
        }
        if (!json_is_array(ops) || json_array_size(ops) > FIELDS_MAX_ITEMS) {
            json_object_set_new(errors, k, json_string("Operations must be an array of at most 100."));
            continue;
        }
        size_t i;
        json_t *op;
        json_array_foreach(ops, i, op)
        {
            const char *verb;
            json_t *val;
            if (!json_is_object(op) || json_object_size(op) != 1) {
                json_object_set_new(errors, k, json_string("Each operation names one verb."));
                break;
            }
            json_object_foreach(op, verb, val)
            {
                int v = -1;
                for (size_t j = 0; j < LEN(verbs); j++)
                    if (strcmp(verbs[j].name, verb) == 0)
                        v = verbs[j].verb;
                if (v < 0) {
                    snprintf(msg, sizeof msg, "Field '%.60s' does not support operation '%.20s'", k, verb);
                    json_object_set_new(errors, k, json_string(msg));
                } else {
                    fields_apply(kr, f, d, v, val, errors);
                }
            }
            if (json_object_get(errors, k))
                break;
        }
    }
}

/* Applies the `fields` object (every key but `skip`) to d. */
static void apply_fields(kreq_t *kr, const field_table_t *ft, json_t *fields, const char *skip, issue_draft_t *d,
                         json_t *errors)
{
    /* the issue type first (pass 0): the rules of the other fields depend on it */
    for (int pass = 0; pass < 2; pass++) {
        const char *k;
        json_t *v;
        json_object_foreach(fields, k, v)
        {
            int is_first = strcmp(k, "issuetype") == 0;
            if ((pass == 0) != is_first || (skip && strcmp(k, skip) == 0))
                continue;
            const field_def_t *f = fields_by_id(ft, k);
            if (!f || f->kind == FK_READONLY || f->kind == FK_PROJECT) {
                char msg[200];
                snprintf(msg, sizeof msg,
                         "Field '%.60s' cannot be set. It is not on the appropriate screen, or unknown.", k);
                json_object_set_new(errors, k, json_string(msg));
                continue;
            }
            fields_apply(kr, f, d, FV_SET, v, errors);
        }
    }
}

enum { BODY_MAX_FIELDS = 500 }; /* members of `fields` and of `update` */

/* Top-level members other than Jira's, and those kiln does not apply on create and edit
 * (refused rather than dropped: the caller would believe them done). */
static void unknown_members(json_t *body, json_t *errors)
{
    static const char *const objects[] = {"fields", "update"};
    for (size_t i = 0; i < LEN(objects); i++)
        if (json_object_size(json_object_get(body, objects[i])) > BODY_MAX_FIELDS)
            json_object_set_new(errors, objects[i], json_string("At most 500 fields in one request."));
    static const struct {
        const char *member, *msg;
    } later[] = {
        {"transition", "A transition on create or edit is not applied by kiln: use POST "
                       "/issue/{issueIdOrKey}/transitions."},
        {"properties", "Issue properties on create or edit are not set by kiln: use PUT "
                       "/issue/{issueIdOrKey}/properties/{propertyKey}."},
    };
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (!known(k, top_level, LEN(top_level)))
            json_object_set_new(errors, k, json_string("Unrecognized field."));
        for (size_t i = 0; i < LEN(later); i++)
            if (strcmp(k, later[i].member) == 0 && !json_is_null(v) && json_object_size(v) + json_array_size(v) > 0)
                json_object_set_new(errors, k, json_string(later[i].msg));
    }
}

/* An issue event's payload: the issue as it is now (product/events.h). */
static json_t *issue_payload(kreq_t *kr, const issue_rec_t *i, const char *pkey)
{
    json_t *issue = product_event_issue(kr, i, pkey);
    return issue ? json_pack("{s:o}", "issue", issue) : NULL;
}

/* Creates one issue from an IssueUpdateDetails body. 0: created (*out, *pkey set);
 * 400: errors (field errors) or messages filled; -1 store error. */
static int create_one(kreq_t *kr, const field_table_t *ft, json_t *body, json_t *errors, json_t *messages,
                      issue_rec_t *out, const char **pkey)
{
    if (!json_is_object(body)) {
        json_array_append_new(messages, json_string("The request body must be a JSON object."));
        return 400;
    }
    unknown_members(body, errors);
    if (json_object_get(errors, "fields") || json_object_get(errors, "update"))
        return 400;
    json_t *fields = json_object_get(body, "fields");
    json_t *update = json_object_get(body, "update");
    if (update && !json_is_object(update))
        json_object_set_new(errors, "update", json_string("update must be an object."));
    if (!json_is_object(fields)) {
        json_object_set_new(errors, "fields", json_string("fields must be an object."));
        return 400;
    }
    issue_draft_t d;
    memset(&d, 0, sizeof d);
    json_t *proj = json_object_get(fields, "project");
    char buf[24];
    const char *pref = NULL;
    if (json_is_object(proj)) {
        json_t *x = json_object_get(proj, "id") ? json_object_get(proj, "id") : json_object_get(proj, "key");
        if (json_is_integer(x))
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(x)), pref = buf;
        else
            pref = json_string_value(x);
    }
    int may_browse = 0, may_create = 0;
    if (pref && strlen(pref) <= 64 &&
        idkey_project_get(kr->store, kr->arena, kr->site.id, pref, &d.project) == STORE_OK) {
        may_browse = perm_allows(kr, d.project.id, "BROWSE_PROJECTS");
        may_create = may_browse == 1 ? perm_allows(kr, d.project.id, "CREATE_ISSUES") : may_browse;
    }
    if (may_browse < 0 || may_create < 0)
        return -1;
    if (may_browse != 1) { /* unknown, or one the user may not see: the same answer */
        json_object_set_new(errors, "project", json_string("Specify a valid project ID or key"));
        return 400;
    }
    if (may_create != 1) {
        json_object_set_new(errors, "project",
                            json_string("You do not have permission to create issues in this project."));
        return 400;
    }
    int64_t now = clock_now_ms();
    d.project_key = d.project.key;
    d.rec = (issue_rec_t){
        .project_id = d.project.id,
        .status_id = workflow_for(d.project.type_key)->statuses[0],
        .priority_id = PRIORITY_DEFAULT,
        .reporter_account_id = kr->principal.account_id,
        .creator_account_id = kr->principal.account_id,
        .original_estimate_s = -1,
        .remaining_estimate_s = -1,
        .time_spent_s = -1,
        .created_ms = now,
        .updated_ms = now,
        .status_changed_ms = now,
    };
    apply_fields(kr, ft, fields, "project", &d, errors);
    if (json_is_object(update))
        apply_update(kr, ft, fields, update, &d, errors);
    if (!d.rec.summary && !json_object_get(errors, "summary"))
        json_object_set_new(errors, "summary", json_string("You must specify a summary of the issue."));
    if (!d.rec.issuetype_id && !json_object_get(errors, "issuetype"))
        json_object_set_new(errors, "issuetype", json_string("Specify an issue type"));
    if (json_object_size(errors) == 0)
        fields_check(kr, &d, errors);
    if (json_object_get(fields, "assignee") && d.rec.assignee_account_id && json_object_size(errors) == 0) {
        int may = perm_allows(kr, d.project.id, "ASSIGN_ISSUES");
        if (may < 0)
            return -1;
        if (!may)
            json_object_set_new(errors, "assignee", json_string("You do not have permission to assign issues."));
    }
    if (json_object_size(errors) > 0)
        return 400;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_issue_insert(kr->store, kr->site.id, &d.rec);
    if (rc == STORE_OK)
        rc = fields_save(kr, NULL, &d);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_ISSUE_CREATED, d.rec.id, issue_payload(kr, &d.rec, d.project.key));
    if (rc == STORE_OK) /* a description that mentions someone */
        rc = product_event_mentions(kr, EV_ISSUE_MENTIONED, d.rec.id, d.rec.description_json,
                                    issue_payload(kr, &d.rec, d.project.key));
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK)
        return -1;
    *out = d.rec;
    *pkey = d.project.key;
    return 0;
}

static void write_created(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *pkey)
{
    char id[24];
    enc_i64(id, i->id);
    jw_obj(w);
    jw_kstr(w, "id", id);
    jw_kstr(w, "key", issue_key(kr, pkey, i->num));
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), render_v2(kr) ? "/rest/api/2/issue/" : "/rest/api/3/issue/", id);
    jw_obj_end(w);
}

static int load_fields(kreq_t *kr, field_table_t *ft)
{
    const field_table_t *t = fields_for_request(kr);
    if (!t) {
        internal(kr);
        return -1;
    }
    *ft = *t;
    return 0;
}

void issue_create(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    field_table_t ft;
    if (!body || load_fields(kr, &ft) != 0)
        return;
    json_t *errors = json_own(kr->arena, json_object()), *messages = json_own(kr->arena, json_array());
    issue_rec_t i;
    const char *pkey;
    int rc = create_one(kr, &ft, body, errors, messages, &i, &pkey);
    if (rc < 0) {
        internal(kr);
    } else if (rc == 400) {
        if (json_array_size(messages))
            reply_error(kr, 400, 1, json_string_value(json_array_get(messages, 0)));
        else
            reply_field_errors(kr, 400, json_incref(errors));
    } else {
        jsonw_t *w = reply_writer_new(kr);
        write_created(w, kr, &i, pkey);
        reply_writer(kr, 201, w);
    }
}

void issue_create_bulk(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    field_table_t ft;
    if (!body || load_fields(kr, &ft) != 0)
        return;
    json_t *list = json_object_get(body, "issueUpdates");
    if (!json_is_array(list)) {
        reply_error(kr, 400, 1, "issueUpdates must be an array.");
        return;
    }
    if (json_array_size(list) > BULK_MAX) {
        reply_error(kr, 400, 1, "You can create at most 50 issues in one request.");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    buf_t errs;
    buf_init_arena(&errs, kr->arena, 4 * 1024 * 1024);
    jsonw_t ew;
    jw_init(&ew, &errs);
    jw_arr(&ew);
    jw_obj(w);
    jw_key(w, "issues");
    jw_arr(w);
    size_t i, ok = 0;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        json_t *errors = json_own(kr->arena, json_object()), *messages = json_own(kr->arena, json_array());
        issue_rec_t rec;
        const char *pkey;
        int rc = create_one(kr, &ft, item, errors, messages, &rec, &pkey);
        if (rc == 0) {
            write_created(w, kr, &rec, pkey);
            ok++;
            continue;
        }
        if (rc < 0)
            json_array_append_new(messages, json_string("Internal server error"));
        jw_obj(&ew);
        jw_kint(&ew, "status", rc < 0 ? 500 : 400);
        jw_key(&ew, "elementErrors");
        jw_obj(&ew);
        jw_key(&ew, "errorMessages");
        jw_json(&ew, messages);
        jw_key(&ew, "errors");
        jw_json(&ew, errors);
        jw_obj_end(&ew);
        jw_kint(&ew, "failedElementNumber", (int64_t)i);
        jw_obj_end(&ew);
    }
    jw_arr_end(w);
    jw_arr_end(&ew);
    jw_key(w, "errors");
    jw_raw(w, errs.ptr, errs.len);
    jw_obj_end(w);
    /* Jira: 201 when every issue was made, 400 when none was, else 201 with the errors */
    reply_writer(kr, ok == 0 && json_array_size(list) > 0 ? 400 : 201, w);
}

/* Jira's GET issue parameters into a view. -1 (replied) when malformed. */
static int view_of(kreq_t *kr, const char *fields, const char *expand, const char *props, const char *dflt,
                   issue_view_t *v)
{
    char err[160];
    if (issue_view_parse(kr->arena, fields, dflt, expand, props, v, err, sizeof err) != 0) {
        reply_error(kr, 400, 1, err);
        return -1;
    }
    return 0;
}

/* avi:jira:viewed:issue (Forge: "sent every time an issue is viewed by a user"): kiln's
 * view is a GET of one issue answered to a person — an API token or a web session — and
 * not to an app (asApp, or asUser: an app acting for someone is not someone looking).
 * Recorded only while an app installed on the site names the event in its manifest
 * (product/viewwant.h: a per-thread cached answer): a view is otherwise a read, and
 * stays one. A view not recorded (a store error) is logged,
 * and the issue served all the same. */
static void record_view(kreq_t *kr, const issue_rec_t *i)
{
    int wanted = 0;
    if (kr->principal.kind != PRINCIPAL_USER || kr->principal.granted || !kr->principal.account_id ||
        viewwant_get(kr->store, kr->site.id, EV_ISSUE_VIEWED, &wanted) != STORE_OK || !wanted)
        return;
    char id[24];
    int paused = store_read_pause(kr->store); /* the gateway's snapshot of a GET: ended, and opened again after */
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_ISSUE_VIEWED, i->id,
                           json_pack("{s:{s:s},s:{s:s}}", "issue", "id", enc_i64(id, i->id), "user", "accountId",
                                     kr->principal.account_id));
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK)
        log_msg(LOG_WARN, "issue view not recorded (avi:jira:viewed:issue): the store failed", NULL);
    if (store_read_again(kr->store, paused) != STORE_OK)
        log_msg(LOG_WARN, "issue view: the read snapshot could not be opened again", NULL);
}

void issue_get(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    if (path_issue(kr, NULL, NULL, &i, &pkey) != 0)
        return;
    issue_view_t v;
    int bad = 0;
    const char *fields = kreq_query(kr, "fields", &bad), *expand = kreq_query(kr, "expand", &bad),
               *props = kreq_query(kr, "properties", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    if (view_of(kr, fields, expand, props, "*all", &v) != 0)
        return;
    record_view(kr, &i);
    jsonw_t *w = reply_writer_new(kr);
    render_issue(w, kr, &i, pkey, &v);
    reply_writer(kr, 200, w);
}

void issue_bulkfetch(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *ids = json_object_get(body, "issueIdsOrKeys");
    if (!json_is_array(ids) || json_array_size(ids) == 0) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "issueIdsOrKeys", "issueIdsOrKeys must not be empty."));
        return;
    }
    if (json_array_size(ids) > BULKFETCH_MAX) {
        reply_field_errors(kr, 400,
                           json_pack("{s:s}", "issueIdsOrKeys", "You can request at most 100 issues in one request."));
        return;
    }
    int bad = 0;
    const char *fields = issue_view_list(kr, json_object_get(body, "fields"), &bad);
    const char *expand = issue_view_list(kr, json_object_get(body, "expand"), &bad);
    const char *props = issue_view_list(kr, json_object_get(body, "properties"), &bad);
    if (bad) {
        reply_error(kr, 400, 1, "fields, expand and properties must be arrays of strings.");
        return;
    }
    issue_view_t v;
    if (view_of(kr, fields, expand, props, "*navigable", &v) != 0)
        return;
    /* Jira answers what the caller may see; a missing or hidden issue is simply not there
     * (issueErrors is for retriable failures, which kiln does not have). */
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "issues");
    jw_arr(w);
    size_t k;
    json_t *x;
    json_array_foreach(ids, k, x)
    {
        issue_rec_t i;
        const char *pkey;
        const char *s = json_string_value(x);
        int rc =
            s && strlen(s) <= 128 ? idkey_issue_get(kr->store, kr->arena, kr->site.id, s, &i, &pkey) : STORE_NOTFOUND;
        if (rc == STORE_OK && perm_allows(kr, i.project_id, "BROWSE_PROJECTS") == 1)
            render_issue(w, kr, &i, pkey, &v);
    }
    jw_arr_end(w);
    jw_key(w, "issueErrors");
    jw_arr(w);
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* Records old -> d as one change group and an updated event, and writes d: inside the
 * caller's transaction. STORE_OK when nothing changed (nothing is written). */
static int record_edit(kreq_t *kr, const field_table_t *ft, const issue_draft_t *old, issue_draft_t *d)
{
    change_item_t *items;
    size_t n;
    int rc = fields_changelog(kr, ft, old, d, &items, &n);
    if (rc != STORE_OK || n == 0)
        return rc;
    d->rec.updated_ms = clock_now_ms();
    change_group_t g = {.issue_id = d->rec.id,
                        .author_account_id = kr->principal.account_id,
                        .created_ms = d->rec.updated_ms,
                        .items = items,
                        .nitems = n};
    rc = store_issue_update(kr->store, kr->site.id, &d->rec);
    if (rc == STORE_OK)
        rc = fields_save(kr, old, d);
    if (rc == STORE_OK)
        rc = store_changelog_append(kr->store, kr->site.id, &g);
    if (rc != STORE_OK)
        return rc;
    json_t *payload = issue_payload(kr, &d->rec, d->project_key);
    if (!payload)
        return STORE_ERROR;
    int assigned = 0, described = 0;
    json_t *jitems = json_array();
    for (size_t k = 0; k < n; k++) {
        assigned |= strcmp(items[k].field, "assignee") == 0;
        described |= strcmp(items[k].field, "description") == 0;
        json_array_append_new(jitems, json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s?}", "field", items[k].field,
                                                "fieldtype", items[k].fieldtype, "fieldId", items[k].field_id, "from",
                                                items[k].from_id, "fromString", items[k].from_string, "to",
                                                items[k].to_id, "toString", items[k].to_string));
    }
    char gid[24];
    json_object_set_new(payload, "changelog", json_pack("{s:s,s:o}", "id", enc_i64(gid, g.id), "items", jitems));
    /* Jira sends both for an assignee change: assigned, then updated */
    rc = assigned ? product_event(kr, EV_ISSUE_ASSIGNED, d->rec.id, json_deep_copy(payload)) : STORE_OK;
    if (rc != STORE_OK) {
        json_decref(payload);
        return rc;
    }
    rc = product_event(kr, EV_ISSUE_UPDATED, d->rec.id, payload);
    if (rc == STORE_OK && described) /* the new description mentions someone */
        rc = product_event_mentions(kr, EV_ISSUE_MENTIONED, d->rec.id, d->rec.description_json,
                                    issue_payload(kr, &d->rec, d->project_key));
    return rc;
}

/* The edit of the path's issue, read and written inside the caller's write transaction
 * (so that two edits of one issue never lose each other's changes): 0 when applied
 * (*out the issue as written), -1 when it replied (an error; the caller rolls back). */
static int edit_locked(kreq_t *kr, json_t *body, issue_rec_t *out, const char **pkey_out)
{
    issue_rec_t i;
    const char *pkey;
    if (path_issue(kr, "EDIT_ISSUES", "You do not have permission to edit issues in this project.", &i, &pkey) != 0)
        return -1;
    field_table_t ft;
    issue_draft_t old, d;
    if (load_fields(kr, &ft) != 0)
        return -1;
    if (fields_draft_load(kr, &i, &old) != STORE_OK) {
        internal(kr);
        return -1;
    }
    old.project_key = pkey;
    d = old;
    json_t *errors = json_own(kr->arena, json_object());
    unknown_members(body, errors);
    if (json_object_get(errors, "fields") || json_object_get(errors, "update")) {
        reply_field_errors(kr, 400, json_incref(errors));
        return -1;
    }
    json_t *fields = json_object_get(body, "fields"), *update = json_object_get(body, "update");
    if (fields && !json_is_object(fields))
        json_object_set_new(errors, "fields", json_string("fields must be an object."));
    if (update && !json_is_object(update))
        json_object_set_new(errors, "update", json_string("update must be an object."));
    if (json_is_object(fields)) {
        if (json_object_get(fields, "project"))
            json_object_set_new(errors, "project",
                                json_string("Field 'project' cannot be set. It is not on the appropriate screen, "
                                            "or unknown."));
        apply_fields(kr, &ft, fields, "project", &d, errors);
    }
    if (json_is_object(update))
        apply_update(kr, &ft, json_is_object(fields) ? fields : NULL, update, &d, errors);
    if (json_object_size(errors) == 0 && d.rec.issuetype_id != old.rec.issuetype_id) {
        const issue_type_t *a = issue_type_find(old.rec.issuetype_id), *b = issue_type_find(d.rec.issuetype_id);
        if (a && b && (a->hierarchy_level < 0) != (b->hierarchy_level < 0))
            json_object_set_new(errors, "issuetype",
                                json_string("An issue cannot be changed to or from a subtask type here."));
    }
    if (json_object_size(errors) == 0 &&
        (d.rec.parent_id != old.rec.parent_id || d.rec.issuetype_id != old.rec.issuetype_id))
        fields_check(kr, &d, errors);
    if (json_object_size(errors) == 0 && d.rec.assignee_account_id != old.rec.assignee_account_id &&
        !(d.rec.assignee_account_id && old.rec.assignee_account_id &&
          strcmp(d.rec.assignee_account_id, old.rec.assignee_account_id) == 0)) {
        int may = perm_allows(kr, i.project_id, "ASSIGN_ISSUES");
        if (may < 0) {
            internal(kr);
            return -1;
        }
        if (!may)
            json_object_set_new(errors, "assignee", json_string("You do not have permission to assign issues."));
    }
    if (json_object_size(errors) > 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return -1;
    }
    if (record_edit(kr, &ft, &old, &d) != STORE_OK) {
        internal(kr);
        return -1;
    }
    *out = d.rec;
    *pkey_out = pkey;
    return 0;
}

void issue_edit(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    int bad = 0;
    const char *ret = kreq_query(kr, "returnIssue", &bad), *expand = kreq_query(kr, "expand", &bad);
    issue_view_t v;
    if (ret && strcmp(ret, "true") == 0 && view_of(kr, NULL, expand, NULL, "*all", &v) != 0)
        return;
    issue_rec_t i;
    const char *pkey;
    if (store_begin(kr->store) != STORE_OK) {
        internal(kr);
        return;
    }
    if (edit_locked(kr, body, &i, &pkey) != 0) {
        store_rollback(kr->store);
        return;
    }
    if (store_commit(kr->store) != STORE_OK) {
        internal(kr);
        return;
    }
    if (ret && strcmp(ret, "true") == 0) {
        jsonw_t *w = reply_writer_new(kr);
        render_issue(w, kr, &i, pkey, &v);
        reply_writer(kr, 200, w);
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0);
}

/* The assignment of the path's issue inside the caller's write transaction, as
 * edit_locked: 0 applied, -1 replied. */
static int assign_locked(kreq_t *kr, json_t *body)
{
    issue_rec_t i;
    const char *pkey;
    if (path_issue(kr, "ASSIGN_ISSUES", "You do not have permission to assign issues.", &i, &pkey) != 0)
        return -1;
    if (!json_is_object(body) || !json_object_get(body, "accountId")) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "assignee", "Specify an accountId (or null to unassign)."));
        return -1;
    }
    field_table_t ft;
    issue_draft_t old, d;
    if (load_fields(kr, &ft) != 0)
        return -1;
    if (fields_draft_load(kr, &i, &old) != STORE_OK) {
        internal(kr);
        return -1;
    }
    old.project_key = pkey;
    d = old;
    json_t *acct = json_object_get(body, "accountId");
    json_t *errors = json_own(kr->arena, json_object());
    if (json_is_string(acct) && strcmp(json_string_value(acct), "-1") == 0) {
        /* automatic: the project's default assignee */
        d.rec.assignee_account_id =
            strcmp(old.project.assignee_type ? old.project.assignee_type : "", "PROJECT_LEAD") == 0
                ? old.project.lead_account_id
                : NULL;
    } else {
        json_t *v = json_is_null(acct) ? NULL : json_pack("{s:O}", "accountId", acct);
        fields_apply(kr, fields_by_id(&ft, "assignee"), &d, FV_SET, json_own(kr->arena, v), errors);
    }
    if (json_object_size(errors) > 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return -1;
    }
    if (record_edit(kr, &ft, &old, &d) != STORE_OK) {
        internal(kr);
        return -1;
    }
    return 0;
}

void issue_assign(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    if (store_begin(kr->store) != STORE_OK) {
        internal(kr);
        return;
    }
    if (assign_locked(kr, body) != 0) {
        store_rollback(kr->store);
        return;
    }
    if (store_commit(kr->store) != STORE_OK) {
        internal(kr);
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0);
}

void issue_delete(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    int bad = 0;
    const char *ds = kreq_query(kr, "deleteSubtasks", &bad);
    int with_subtasks = ds && strcmp(ds, "true") == 0;
    /* The issue is read in the write's transaction (a concurrent delete makes this one a
     * 404). Its children are all subtasks (of a standard issue) or all standard issues
     * (of an epic: fields_check), read and changed in batches until none is left:
     * subtasks go with it, an epic's children stay without it. */
    int rc = store_begin(kr->store);
    if (rc != STORE_OK) {
        internal(kr);
        return;
    }
    if (path_issue(kr, "DELETE_ISSUES", "You do not have permission to delete issues in this project.", &i, &pkey) !=
        0) {
        store_rollback(kr->store);
        return;
    }
    for (int first = 1; rc == STORE_OK; first = 0) {
        issue_rec_t *c;
        const char **ck;
        size_t n = 0;
        rc = store_issue_children(kr->store, kr->arena, kr->site.id, i.id, CHILDREN_MAX, &c, &ck, &n);
        if (rc != STORE_OK || n == 0)
            break;
        const issue_type_t *t0 = issue_type_find(c[0].issuetype_id);
        if (first && t0 && t0->hierarchy_level < 0 && !with_subtasks) {
            store_rollback(kr->store);
            char msg[300];
            snprintf(msg, sizeof msg,
                     "The issue '%s' has subtasks.  You must specify the 'deleteSubtasks' parameter to delete this "
                     "issue and all its subtasks.",
                     issue_key(kr, pkey, i.num));
            reply_error(kr, 400, 1, msg);
            return;
        }
        for (size_t k = 0; rc == STORE_OK && k < n; k++) {
            const issue_type_t *t = issue_type_find(c[k].issuetype_id);
            if (t && t->hierarchy_level < 0) {
                json_t *gone = issue_payload(kr, &c[k], ck[k]); /* the issue as it was */
                rc = store_issue_delete(kr->store, kr->site.id, c[k].id);
                if (rc == STORE_OK)
                    rc = product_event(kr, EV_ISSUE_DELETED, c[k].id, gone);
                else
                    json_decref(gone);
            } else {
                c[k].parent_id = 0;
                rc = store_issue_update(kr->store, kr->site.id, &c[k]);
            }
        }
    }
    json_t *gone = rc == STORE_OK ? issue_payload(kr, &i, pkey) : NULL; /* the issue as it was */
    if (rc == STORE_OK)
        rc = store_issue_delete(kr->store, kr->site.id, i.id);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_ISSUE_DELETED, i.id, gone);
    else
        json_decref(gone);
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        internal(kr);
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0);
}

void issue_changelog(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    if (path_issue(kr, NULL, NULL, &i, &pkey) != 0)
        return;
    int64_t start = 0, max = CHANGELOG_PAGE_MAX;
    if (kreq_query_int(kr, "startAt", 0, INT32_MAX, &start) != 0 ||
        kreq_query_int(kr, "maxResults", 0, INT32_MAX, &max) != 0) {
        reply_error(kr, 400, 1, "startAt and maxResults must be non-negative integers.");
        return;
    }
    if (max > CHANGELOG_PAGE_MAX)
        max = CHANGELOG_PAGE_MAX;
    change_group_t *g;
    size_t n = 0;
    int64_t total = 0;
    if (store_changelog_list(kr->store, kr->arena, kr->site.id, i.id, start, max, &g, &n, &total) != STORE_OK) {
        internal(kr);
        return;
    }
    char id[24];
    enc_i64(id, i.id);
    const char *self =
        arena_printf(kr->arena, "%s/rest/api/%s/issue/%s/changelog", render_base(kr), render_v2(kr) ? "2" : "3", id);
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, self, "?maxResults=", i64str(kr, max), "&startAt=", i64str(kr, start));
    if (start + (int64_t)n < total) {
        jw_key(w, "nextPage");
        JW_STRCAT(w, self, "?maxResults=", i64str(kr, max), "&startAt=", i64str(kr, start + (int64_t)n));
    }
    jw_kint(w, "maxResults", max);
    jw_kint(w, "startAt", start);
    jw_kint(w, "total", total);
    jw_kbool(w, "isLast", start + (int64_t)n >= total);
    jw_key(w, "values");
    jw_arr(w);
    for (size_t k = 0; k < n; k++)
        render_changelog_group(w, kr, &g[k]);
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void issue_changelog_list(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    json_t *body = kreq_json_body(kr, 1);
    if (!body || path_issue(kr, NULL, NULL, &i, &pkey) != 0)
        return;
    json_t *ids = json_object_get(body, "changelogIds");
    if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > CHANGELOG_IDS_MAX) {
        reply_field_errors(
            kr, 400, json_pack("{s:s}", "changelogIds", "changelogIds must be an array of 1 to 1000 changelog ids."));
        return;
    }
    size_t k;
    json_t *x;
    json_array_foreach(ids, k, x) if (!json_is_integer(x))
    {
        reply_field_errors(kr, 400, json_pack("{s:s}", "changelogIds", "Each changelog id must be an integer."));
        return;
    }
    change_group_t *g;
    size_t n = 0;
    int64_t total = 0;
    if (store_changelog_list(kr->store, kr->arena, kr->site.id, i.id, 0, CHANGELOG_SCAN_MAX, &g, &n, &total) !=
        STORE_OK) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    int64_t found = 0;
    jw_obj(w);
    jw_key(w, "histories");
    jw_arr(w);
    for (size_t j = 0; j < n; j++)
        json_array_foreach(ids, k, x) if (json_integer_value(x) == g[j].id)
        {
            render_changelog_group(w, kr, &g[j]);
            found++;
            break;
        }
    jw_arr_end(w);
    jw_kint(w, "maxResults", found);
    jw_kint(w, "startAt", 0);
    jw_kint(w, "total", found);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* The verbs Jira allows on a field of this kind. */
static void operations(jsonw_t *w, int kind)
{
    jw_key(w, "operations");
    jw_arr(w);
    if (kind == FK_LABELS || kind == FK_COMPONENTS || kind == FK_VERSIONS || kind == FK_CF_MULTISELECT) {
        jw_str(w, "add");
        jw_str(w, "set");
        jw_str(w, "remove");
    } else if (kind == FK_TIMETRACKING) {
        jw_str(w, "set");
        jw_str(w, "edit");
    } else {
        jw_str(w, "set");
    }
    jw_arr_end(w);
}

static void allowed_values(jsonw_t *w, kreq_t *kr, const field_def_t *f)
{
    char id[24];
    switch (f->kind) {
    case FK_PRIORITY:
        jw_key(w, "allowedValues");
        jw_arr(w);
        for (size_t k = 0; k < model_priorities_len; k++) {
            enc_i64(id, model_priorities[k].id);
            jw_obj(w);
            jw_key(w, "self");
            JW_STRCAT(w, render_base(kr), "/rest/api/3/priority/", id);
            jw_kstr(w, "name", model_priorities[k].name);
            jw_kstr(w, "id", id);
            jw_obj_end(w);
        }
        jw_arr_end(w);
        break;
    case FK_RESOLUTION:
        jw_key(w, "allowedValues");
        jw_arr(w);
        for (size_t k = 0; k < model_resolutions_len; k++) {
            enc_i64(id, model_resolutions[k].id);
            jw_obj(w);
            jw_key(w, "self");
            JW_STRCAT(w, render_base(kr), "/rest/api/3/resolution/", id);
            jw_kstr(w, "name", model_resolutions[k].name);
            jw_kstr(w, "id", id);
            jw_obj_end(w);
        }
        jw_arr_end(w);
        break;
    case FK_CF_SELECT:
    case FK_CF_MULTISELECT: {
        jw_key(w, "allowedValues");
        jw_arr(w);
        size_t k;
        json_t *o;
        json_array_foreach(f->options, k, o)
        {
            jw_obj(w);
            jw_key(w, "self");
            JW_STRCAT(w, render_base(kr), "/rest/api/3/customFieldOption/", json_str(o, "id") ? json_str(o, "id") : "");
            jw_kstr(w, "value", json_str(o, "value"));
            jw_kstr(w, "id", json_str(o, "id"));
            jw_obj_end(w);
        }
        jw_arr_end(w);
        break;
    }
    default: break;
    }
}

/* The members of one field's FieldMetadata (editmeta and createmeta). */
static void field_metadata(jsonw_t *w, kreq_t *kr, const field_def_t *f, int create, int with_id)
{
    jw_obj(w);
    if (with_id)
        jw_kstr(w, "fieldId", f->id);
    jw_kbool(w, "required", f->kind == FK_SUMMARY || f->kind == FK_ISSUETYPE || (create && f->kind == FK_PROJECT));
    jw_key(w, "schema");
    fields_render_schema(w, f);
    jw_kstr(w, "name", f->name);
    jw_kstr(w, "key", f->id);
    if (create)
        jw_kbool(w, "hasDefaultValue", f->kind == FK_PRIORITY);
    operations(w, f->kind);
    allowed_values(w, kr, f);
    jw_obj_end(w);
}

void issue_editmeta(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    field_table_t ft;
    if (path_issue(kr, NULL, NULL, &i, &pkey) != 0 || load_fields(kr, &ft) != 0)
        return;
    int may = perm_allows(kr, i.project_id, "EDIT_ISSUES");
    if (may < 0) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "fields");
    jw_obj(w);
    for (size_t k = 0; may && k < ft.n; k++) {
        const field_def_t *f = &ft.v[k];
        if (f->kind == FK_READONLY || f->kind == FK_PROJECT)
            continue;
        jw_key(w, f->id);
        field_metadata(w, kr, f, 0, 0);
    }
    jw_obj_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

enum { CREATEMETA_MAX_PROJECTS = 100 };

/* An issue type's IssueTypeDetails members (inside an open object). */
static void type_members(jsonw_t *w, kreq_t *kr, const issue_type_t *t)
{
    const char *base = render_base(kr);
    char tid[24];
    enc_i64(tid, t->id);
    jw_key(w, "self");
    JW_STRCAT(w, base, "/rest/api/3/issuetype/", tid);
    jw_kstr(w, "id", tid);
    jw_kstr(w, "description", t->description);
    jw_key(w, "iconUrl");
    JW_STRCAT(w, base, "/rest/api/2/universal_avatar/view/type/issuetype/avatar/", tid, "?size=medium");
    jw_kstr(w, "name", t->name);
    jw_kbool(w, "subtask", t->hierarchy_level < 0);
    jw_kint(w, "hierarchyLevel", t->hierarchy_level);
}

/* The fields a create of type t may set (every one is on every screen). */
static int on_create(const field_def_t *f, const issue_type_t *t)
{
    return f->kind != FK_READONLY && f->kind != FK_RESOLUTION && !(f->kind == FK_PARENT && t->hierarchy_level > 0);
}

/* One project's issue types as createmeta lists them, with their fields if asked. */
static void createmeta_project(jsonw_t *w, kreq_t *kr, const project_rec_t *p, const field_table_t *ft,
                               const char *const *type_ids, size_t ntids, const char *const *type_names, size_t ntnames,
                               int with_fields)
{
    const char *base = render_base(kr);
    char id[24];
    enc_i64(id, p->id);
    jw_obj(w);
    jw_kstr(w, "expand", "issuetypes");
    jw_key(w, "self");
    JW_STRCAT(w, base, "/rest/api/3/project/", id);
    jw_kstr(w, "id", id);
    jw_kstr(w, "key", p->key);
    jw_kstr(w, "name", p->name);
    jw_key(w, "avatarUrls");
    jw_obj(w);
    static const char *const sizes[][2] = {
        {"48x48", "large"}, {"24x24", "small"}, {"16x16", "xsmall"}, {"32x32", "medium"}};
    for (size_t s = 0; s < 4; s++) {
        jw_key(w, sizes[s][0]);
        JW_STRCAT(w, base, "/rest/api/3/universal_avatar/view/type/project/avatar/10400?size=", sizes[s][1]);
    }
    jw_obj_end(w);
    jw_key(w, "issuetypes");
    jw_arr(w);
    for (size_t i = 0; i < model_issue_types_len; i++) {
        const issue_type_t *t = &model_issue_types[i];
        char tid[24];
        enc_i64(tid, t->id);
        if (!issue_type_in_project(p->type_key, t->id))
            continue;
        int wanted = !ntids && !ntnames;
        for (size_t k = 0; k < ntids; k++)
            wanted |= strcmp(type_ids[k], tid) == 0;
        for (size_t k = 0; k < ntnames; k++)
            wanted |= strcasecmp(type_names[k], t->name) == 0;
        if (!wanted)
            continue;
        jw_obj(w);
        type_members(w, kr, t);
        jw_kstr(w, "expand", "fields");
        if (with_fields) {
            jw_key(w, "fields");
            jw_obj(w);
            for (size_t k = 0; k < ft->n; k++) {
                const field_def_t *f = &ft->v[k];
                if (!on_create(f, t))
                    continue;
                jw_key(w, f->id);
                field_metadata(w, kr, f, 1, 0);
            }
            jw_obj_end(w);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

/* Each value of repeated or comma-separated parameters, at most max of them (arena). */
static size_t list_param(kreq_t *kr, const char *name, const char **out, size_t max, int *bad)
{
    const char *raw[16];
    size_t nraw = kreq_query_all(kr, name, raw, 16, bad), n = 0;
    for (size_t i = 0; i < nraw; i++)
        for (const char *p = raw[i]; *p;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len) {
                if (n == max) {
                    *bad = 1;
                    return n;
                }
                out[n++] = arena_strndup(kr->arena, p, len);
            }
            p += len + (e != NULL);
        }
    return n;
}

void issue_createmeta(kreq_t *kr)
{
    int bad = 0;
    const char *pids[CREATEMETA_MAX_PROJECTS], *pkeys[CREATEMETA_MAX_PROJECTS], *tids[16], *tnames[16];
    size_t npids = list_param(kr, "projectIds", pids, CREATEMETA_MAX_PROJECTS, &bad);
    size_t npkeys = list_param(kr, "projectKeys", pkeys, CREATEMETA_MAX_PROJECTS, &bad);
    size_t ntids = list_param(kr, "issuetypeIds", tids, 16, &bad);
    size_t ntnames = list_param(kr, "issuetypeNames", tnames, 16, &bad);
    const char *expand = kreq_query(kr, "expand", &bad);
    if (bad || npids + npkeys > CREATEMETA_MAX_PROJECTS) {
        reply_error(kr, 400, 1, "A query parameter is malformed (at most 100 projects and 16 issue types).");
        return;
    }
    field_table_t ft;
    if (load_fields(kr, &ft) != 0)
        return;
    int with_fields = expand && strstr(expand, "projects.issuetypes.fields") != NULL;
    /* the projects named, or every project the caller may browse */
    project_rec_t *ps = NULL;
    size_t np = 0;
    if (npids + npkeys) {
        ps = arena_alloc(kr->arena, (npids + npkeys) * sizeof *ps);
        for (size_t i = 0; i < npids + npkeys; i++) {
            const char *ref = i < npids ? pids[i] : pkeys[i - npids];
            int dup = 0;
            if (strlen(ref) > 64 || idkey_project_get(kr->store, kr->arena, kr->site.id, ref, &ps[np]) != STORE_OK)
                continue; /* Jira leaves out what it does not find */
            for (size_t k = 0; k < np; k++)
                dup |= ps[k].id == ps[np].id;
            if (!dup)
                np++;
        }
    } else {
        int64_t total;
        project_filter_t f = {.order = PROJECT_ORDER_KEY,
                              .max_results = CREATEMETA_MAX_PROJECTS,
                              .viewer = perm_is_user(kr) ? kr->principal.account_id : NULL};
        if (store_project_search(kr->store, kr->arena, kr->site.id, &f, &ps, &np, &total) != STORE_OK) {
            internal(kr);
            return;
        }
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kstr(w, "expand", "projects");
    jw_key(w, "projects");
    jw_arr(w);
    for (size_t i = 0; i < np; i++) {
        /* only the projects the caller may create issues in, as Jira */
        int b = perm_allows(kr, ps[i].id, "BROWSE_PROJECTS"),
            c = b == 1 ? perm_allows(kr, ps[i].id, "CREATE_ISSUES") : b;
        if (b == 1 && c == 1)
            createmeta_project(w, kr, &ps[i], &ft, tids, ntids, tnames, ntnames, with_fields);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

enum { CREATEMETA_PAGE_DEFAULT = 50, CREATEMETA_PAGE_MAX = 200 };

/* The project of the path, visible to the caller (404 otherwise), and whether it may
 * create issues there (*may). Replies and returns -1 if not visible. */
static int createmeta_project_of(kreq_t *kr, project_rec_t *p, int *may)
{
    const char *ref = kr->params[0];
    int rc = strlen(ref) <= 64 ? idkey_project_get(kr->store, kr->arena, kr->site.id, ref, p) : STORE_NOTFOUND;
    int b = rc == STORE_OK ? perm_allows(kr, p->id, "BROWSE_PROJECTS") : rc == STORE_NOTFOUND ? 0 : -1;
    *may = b == 1 ? perm_allows(kr, p->id, "CREATE_ISSUES") : b;
    if (b < 0 || *may < 0) {
        internal(kr);
        return -1;
    }
    if (b != 1) {
        char msg[200];
        snprintf(msg, sizeof msg, "No project could be found with key '%s'.", strlen(ref) <= 64 ? ref : "?");
        reply_error(kr, 404, 1, msg);
        return -1;
    }
    return 0;
}

static int createmeta_paging(kreq_t *kr, int64_t *start, int64_t *max)
{
    *start = 0;
    *max = CREATEMETA_PAGE_DEFAULT;
    if (kreq_query_int(kr, "startAt", 0, INT32_MAX, start) != 0 ||
        kreq_query_int(kr, "maxResults", 0, INT32_MAX, max) != 0) {
        reply_error(kr, 400, 1, "startAt and maxResults must be non-negative integers.");
        return -1;
    }
    if (*max > CREATEMETA_PAGE_MAX)
        *max = CREATEMETA_PAGE_MAX;
    return 0;
}

void issue_createmeta_types(kreq_t *kr)
{
    project_rec_t p;
    int may;
    int64_t start, max;
    if (createmeta_project_of(kr, &p, &may) != 0 || createmeta_paging(kr, &start, &max) != 0)
        return;
    const issue_type_t *types[16];
    int64_t n = 0;
    for (size_t i = 0; may && i < model_issue_types_len && n < 16; i++)
        if (issue_type_in_project(p.type_key, model_issue_types[i].id))
            types[n++] = &model_issue_types[i];
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "issueTypes");
    jw_arr(w);
    for (int64_t i = start; i < n && i < start + max; i++) {
        jw_obj(w);
        type_members(w, kr, types[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kint(w, "maxResults", max);
    jw_kint(w, "startAt", start);
    jw_kint(w, "total", n);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void issue_createmeta_fields(kreq_t *kr)
{
    project_rec_t p;
    int may;
    int64_t start, max, tid;
    field_table_t ft;
    if (createmeta_project_of(kr, &p, &may) != 0 || createmeta_paging(kr, &start, &max) != 0 ||
        load_fields(kr, &ft) != 0)
        return;
    const issue_type_t *t = enc_parse_i64(kr->params[1], 1, INT64_MAX, &tid) == 0 ? issue_type_find(tid) : NULL;
    if (!t || !issue_type_in_project(p.type_key, t->id) || !may) {
        reply_error(kr, 404, 1, "The issue type does not exist in this project, or you may not create issues there.");
        return;
    }
    const field_def_t **sel = arena_alloc(kr->arena, (ft.n + 1) * sizeof *sel);
    int64_t n = 0;
    for (size_t k = 0; k < ft.n; k++)
        if (on_create(&ft.v[k], t))
            sel[n++] = &ft.v[k];
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "fields");
    jw_arr(w);
    for (int64_t i = start; i < n && i < start + max; i++)
        field_metadata(w, kr, sel[i], 1, 1);
    jw_arr_end(w);
    jw_kint(w, "maxResults", max);
    jw_kint(w, "startAt", start);
    jw_kint(w, "total", n);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}
