/* Workflow transitions: GET /issue/{id}/transitions (those leaving the issue's status in
 * its project's workflow, product/workflow_rules.h) and POST /issue/{id}/transitions
 * (the move, its resolution, a comment from `update`), recorded in the issue's changelog
 * and as an issue-updated event carrying it. Also expand=transitions of render_issue. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/events.h"
#include "product/issue_view.h"
#include "product/perm.h"
#include "product/render.h"
#include "product/routes.h"
#include "product/work.h"
#include "product/workflow_rules.h"
#include "store/store_changelog.h"
#include "store/store_comments.h"
#include "store/store_product.h"
#include "store/store_properties.h"

enum { MAX_TRANSITIONS = 32 };

static const char *project_type(kreq_t *kr, int64_t project_id)
{
    project_rec_t p;
    return store_project_by_id(kr->store, kr->arena, kr->site.id, project_id, &p) == STORE_OK ? p.type_key : NULL;
}

/* The transition screen's fields: a move into the done category offers the resolution. */
static void render_fields(jsonw_t *w, kreq_t *kr, const transition_def_t *t)
{
    jw_key(w, "fields");
    jw_obj(w);
    if (workflow_is_done(t->to)) {
        jw_key(w, "resolution");
        jw_obj(w);
        jw_kbool(w, "required", 0);
        jw_key(w, "schema");
        jw_obj(w);
        jw_kstr(w, "type", "resolution");
        jw_kstr(w, "system", "resolution");
        jw_obj_end(w);
        jw_kstr(w, "name", "Resolution");
        jw_kstr(w, "key", "resolution");
        jw_kbool(w, "hasDefaultValue", 1);
        jw_key(w, "operations");
        jw_arr(w);
        jw_str(w, "set");
        jw_arr_end(w);
        jw_key(w, "allowedValues");
        jw_arr(w);
        for (size_t r = 0; r < model_resolutions_len; r++) {
            char id[24];
            enc_i64(id, model_resolutions[r].id);
            jw_obj(w);
            jw_key(w, "self");
            JW_STRCAT(w, render_base(kr), "/rest/api/3/resolution/", id);
            jw_kstr(w, "id", id);
            jw_kstr(w, "name", model_resolutions[r].name);
            jw_kstr(w, "description", model_resolutions[r].description);
            jw_obj_end(w);
        }
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

static void render_transition(jsonw_t *w, kreq_t *kr, const transition_def_t *t, int fields)
{
    char id[24];
    jw_obj(w);
    jw_kstr(w, "id", enc_i64(id, t->id));
    jw_kstr(w, "name", t->name);
    jw_key(w, "to");
    render_status(w, kr, t->to);
    jw_kbool(w, "hasScreen", workflow_is_done(t->to));
    jw_kbool(w, "isGlobal", t->from == 0);
    jw_kbool(w, "isInitial", 0);
    jw_kbool(w, "isAvailable", 1);
    jw_kbool(w, "isConditional", 0);
    jw_kbool(w, "isLooped", 0);
    if (fields)
        render_fields(w, kr, t);
    jw_obj_end(w);
}

void work_render_transitions(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *type_key)
{
    const transition_def_t *t[MAX_TRANSITIONS];
    size_t n = workflow_available(workflow_for(type_key ? type_key : project_type(kr, i->project_id)), i->status_id, t,
                                  MAX_TRANSITIONS);
    jw_arr(w);
    for (size_t k = 0; k < n; k++)
        render_transition(w, kr, t[k], 0);
    jw_arr_end(w);
}

void transition_list(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    if (work_issue(kr, kr->params[0], &i, &pkey) != 0)
        return;
    const char *expand = kreq_query(kr, "expand", NULL), *only = kreq_query(kr, "transitionId", NULL);
    int fields = expand && strstr(expand, "transitions.fields") != NULL;
    int64_t only_id = -1;
    if (only && *only && work_parse_id(only, &only_id) != 0) {
        reply_error(kr, 400, 1, "transitionId must be a number.");
        return;
    }
    const transition_def_t *t[MAX_TRANSITIONS];
    size_t n = workflow_available(workflow_for(project_type(kr, i.project_id)), i.status_id, t, MAX_TRANSITIONS);
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kstr(w, "expand", "transitions");
    jw_key(w, "transitions");
    jw_arr(w);
    for (size_t k = 0; k < n; k++)
        if (only_id < 0 || t[k]->id == only_id)
            render_transition(w, kr, t[k], fields);
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* The resolution of fields.resolution ({id} or {name}): its id, 0 if absent, -1 if it
 * names none. */
static int64_t read_resolution(json_t *v)
{
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return -1;
    const char *id = json_str(v, "id"), *name = json_str(v, "name");
    int64_t rid;
    const resolution_def_t *r = id     ? (work_parse_id(id, &rid) == 0 ? resolution_find(rid) : NULL)
                                : name ? resolution_named(name)
                                       : NULL;
    return r ? r->id : -1;
}

static const char *resolution_name(int64_t id)
{
    const resolution_def_t *r = id ? resolution_find(id) : NULL;
    return r ? r->name : NULL;
}

static const char *status_name(int64_t id)
{
    const status_def_t *s = status_find(id);
    return s ? s->name : NULL;
}

/* The changelog items of a move from `was` to `now`, into items (at least 2): the count. */
static size_t move_items(arena_t *a, const workflow_move_t *was, const workflow_move_t *now, change_item_t *items)
{
    size_t n = 0;
    items[n++] = (change_item_t){"status",
                                 "jira",
                                 "status",
                                 arena_printf(a, "%lld", (long long)was->status_id),
                                 status_name(was->status_id),
                                 arena_printf(a, "%lld", (long long)now->status_id),
                                 status_name(now->status_id)};
    if (was->resolution_id != now->resolution_id)
        items[n++] = (change_item_t){"resolution",
                                     "jira",
                                     "resolution",
                                     was->resolution_id ? arena_printf(a, "%lld", (long long)was->resolution_id) : NULL,
                                     resolution_name(was->resolution_id),
                                     now->resolution_id ? arena_printf(a, "%lld", (long long)now->resolution_id) : NULL,
                                     resolution_name(now->resolution_id)};
    return n;
}

static json_t *changelog_json(const change_group_t *g)
{
    json_t *items = json_array();
    for (size_t k = 0; k < g->nitems; k++) {
        const change_item_t *it = &g->items[k];
        json_array_append_new(items,
                              json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s?}", "field", it->field, "fieldtype",
                                        it->fieldtype, "fieldId", it->field_id, "from", it->from_id, "fromString",
                                        it->from_string, "to", it->to_id, "toString", it->to_string));
    }
    char id[24];
    return json_pack("{s:s,s:o}", "id", enc_i64(id, g->id), "items", items);
}

/* update.comment: [{"add": {"body": ...}}] (one add), the only update a transition takes.
 * Sets *body (NULL: none); 0, or -1 with errors set. */
static int read_update(kreq_t *kr, json_t *update, const char **body, json_t *errors)
{
    *body = NULL;
    if (!update || json_is_null(update))
        return 0;
    if (!json_is_object(update)) {
        json_object_set_new(errors, "update", json_string("update must be an object."));
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(update, k, v)
    {
        if (strcmp(k, "comment") != 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "Field '%.60s' cannot be set. It is not on the appropriate screen, or unknown.",
                     k);
            json_object_set_new(errors, k, json_string(msg));
            return -1;
        }
        json_t *op = json_array_get(v, 0);
        json_t *add = json_object_get(op, "add");
        if (!json_is_array(v) || json_array_size(v) != 1 || !json_is_object(add)) {
            json_object_set_new(errors, "comment",
                                json_string("A transition takes one comment: [{\"add\": {\"body\": ...}}]."));
            return -1;
        }
        int absent;
        *body = work_text_in(kr, json_object_get(add, "body"), "comment", errors, &absent);
        if (absent && json_object_size(errors) == 0)
            json_object_set_new(errors, "comment", json_string("Comment body can not be empty!"));
        if (!*body)
            return -1;
    }
    return 0;
}

void transition_do(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    if (work_issue(kr, kr->params[0], &i, &pkey) != 0)
        return;
    int may = perm_allows(kr, i.project_id, "TRANSITION_ISSUES");
    if (may != 1) {
        reply_error(kr, may < 0 ? 500 : 400, 1,
                    may < 0 ? "Internal server error" : "You do not have permission to transition this issue.");
        return;
    }
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *tr = json_object_get(body, "transition");
    const char *tid = json_is_object(tr) ? json_str(tr, "id") : NULL;
    int64_t id = -1;
    if (json_is_object(tr) && json_is_integer(json_object_get(tr, "id")))
        id = json_integer_value(json_object_get(tr, "id"));
    else if (!tid || work_parse_id(tid, &id) != 0)
        id = -1;
    if (!json_is_object(tr) || (id < 0 && !tid && !json_object_get(tr, "id"))) {
        reply_error(kr, 400, 1, "Missing 'transition' identifier");
        return;
    }
    const workflow_def_t *wf = workflow_for(project_type(kr, i.project_id));
    const transition_def_t *t = id >= 0 ? workflow_leaving(wf, id, i.status_id) : NULL;
    if (!t) {
        char msg[128];
        snprintf(msg, sizeof msg, "Transition id '%lld' is not valid for this issue.", (long long)(id < 0 ? 0 : id));
        if (id < 0)
            snprintf(msg, sizeof msg, "Transition id '%.40s' is not valid for this issue.", tid ? tid : "");
        reply_error(kr, 400, 1, msg);
        return;
    }
    json_t *errors = json_own(kr->arena, json_object());
    json_t *fields = json_object_get(body, "fields");
    int64_t resolution = 0;
    if (fields && !json_is_null(fields)) {
        const char *k;
        json_t *v;
        json_object_foreach(fields, k, v)
        {
            if (strcmp(k, "resolution") == 0 && workflow_is_done(t->to)) {
                resolution = read_resolution(v);
                if (resolution < 0)
                    json_object_set_new(errors, "resolution", json_string("Specify a valid value for resolution"));
            } else {
                char msg[160];
                snprintf(msg, sizeof msg,
                         "Field '%.60s' cannot be set. It is not on the appropriate screen, or unknown.", k);
                json_object_set_new(errors, k, json_string(msg));
            }
        }
    }
    const char *comment = NULL;
    read_update(kr, json_object_get(body, "update"), &comment, errors);
    const char **pkeys, **pvalues; /* issue properties set with the move */
    int nprops = work_props_in(kr, json_object_get(body, "properties"), &pkeys, &pvalues, errors);
    if (json_object_size(errors) > 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    if (comment) {
        int c = perm_allows(kr, i.project_id, "ADD_COMMENTS");
        if (c != 1) {
            reply_error(kr, c < 0 ? 500 : 400, 1,
                        c < 0 ? "Internal server error" : "You do not have the permission to comment on this issue.");
            return;
        }
    }
    int64_t now = clock_now_ms();
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = work_issue_reload(kr, &i); /* its status now, inside the transaction */
    if (rc == STORE_OK && !workflow_leaving(wf, t->id, i.status_id)) {
        store_rollback(kr->store); /* moved by a concurrent request meanwhile */
        char msg[128];
        snprintf(msg, sizeof msg, "Transition id '%lld' is not valid for this issue.", (long long)t->id);
        reply_error(kr, 400, 1, msg);
        return;
    }
    workflow_move_t was = {i.status_id, i.resolution_id, i.resolved_ms, i.status_changed_ms}, m = was;
    workflow_move(&m, t->to, resolution, now);
    i.status_id = m.status_id;
    i.resolution_id = m.resolution_id;
    i.resolved_ms = m.resolved_ms;
    i.status_changed_ms = m.status_changed_ms;
    i.updated_ms = now;
    change_item_t items[2];
    change_group_t g = {.issue_id = i.id,
                        .author_account_id = kr->principal.account_id,
                        .created_ms = now,
                        .items = items,
                        .nitems = move_items(kr->arena, &was, &m, items)};
    if (rc == STORE_OK)
        rc = store_issue_update(kr->store, kr->site.id, &i);
    if (rc == STORE_OK)
        rc = store_changelog_append(kr->store, kr->site.id, &g);
    if (rc == STORE_OK) {
        char iid[24];
        json_t *payload =
            json_pack("{s:{s:s,s:s},s:o}", "issue", "id", enc_i64(iid, i.id), "key",
                      arena_printf(kr->arena, "%s-%lld", pkey, (long long)i.num), "changelog", changelog_json(&g));
        rc = product_event(kr, EV_ISSUE_UPDATED, i.id, payload);
    }
    comment_rec_t c;
    if (rc == STORE_OK && comment)
        rc = work_comment_insert(kr, &i, pkey, comment, NULL, now, &c);
    if (rc == STORE_OK && nprops > 0)
        rc = work_props_store(kr, PROP_ISSUE, i.id, (const char *const *)pkeys, (const char *const *)pvalues, nprops);
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_CONFLICT ? 400 : 500, 1,
                    rc == STORE_CONFLICT ? WORK_COMMENTS_FULL : "Internal server error");
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0); /* no body, as Jira */
}
