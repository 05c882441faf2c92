/* Entity properties: a JSON value under a key on an issue, project, user, comment or
 * worklog (GET .../properties, GET|PUT|DELETE .../properties/{propertyKey}), and a Forge
 * app's own properties (/rest/forge/1/app/properties), which only that app reads or
 * writes: they are keyed by the calling app's bot user on the site, so neither another
 * app nor a user can name them. One table of entities says how each is found, who may
 * read and write it, and where its properties live; the four operations are shared.
 *
 * No change event is recorded for property writes: Forge has no product event for
 * them (developer.atlassian.com/platform/forge/events-reference/jira/ lists issue,
 * comment, worklog, link, project, version ... events, none for entity properties). */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/idkey.h"
#include "product/perm.h"
#include "product/render.h"
#include "product/routes.h"
#include "product/work.h"
#include "store/store_comments.h"
#include "store/store_product.h"
#include "store/store_properties.h"
#include "store/store_sites.h"
#include "store/store_worklogs.h"

/* What a request's path names: the entity's kind and id, where its properties' self
 * links point, and whether the caller may write them. */
typedef struct target {
    const char *entity, *entity_id;
    const char *self;  /* up to and including ".../properties/" */
    const char *query; /* appended to each self link ("?accountId=..."), or "" */
    int may_write;     /* 1, 0 */
    const char *deny;  /* the 403 message when not */
} target_t;

/* Finds the entity of the request for reading (write 0) or writing: 0, or -1 after
 * answering (404 for what the caller may not see, as for what does not exist). */
typedef int resolve_fn(kreq_t *kr, target_t *t);

static const char *api(kreq_t *kr)
{
    return render_v2(kr) ? "/rest/api/2" : "/rest/api/3";
}

/* A store error: Jira's 500, and -1 for the resolver to return. */
static int fail(kreq_t *kr)
{
    reply_error(kr, 500, 1, "Internal server error");
    return -1;
}

static int resolve_issue(kreq_t *kr, target_t *t)
{
    issue_rec_t i;
    const char *pkey;
    if (work_issue(kr, kr->params[0], &i, &pkey) != 0)
        return -1;
    int may = perm_allows(kr, i.project_id, "EDIT_ISSUES");
    if (may < 0)
        return fail(kr);
    t->entity = PROP_ISSUE;
    t->entity_id = arena_printf(kr->arena, "%lld", (long long)i.id);
    t->self = arena_printf(kr->arena, "%s%s/issue/%s/properties/", render_base(kr), api(kr), t->entity_id);
    t->may_write = may;
    t->deny = "You do not have permission to edit this issue.";
    return 0;
}

static int resolve_project(kreq_t *kr, target_t *t)
{
    project_rec_t p;
    int rc = strlen(kr->params[0]) <= 64 ? idkey_project_get(kr->store, kr->arena, kr->site.id, kr->params[0], &p)
                                         : STORE_NOTFOUND;
    int may = rc == STORE_OK ? perm_allows(kr, p.id, "BROWSE_PROJECTS") : 0;
    if ((rc != STORE_OK && rc != STORE_NOTFOUND) || may < 0)
        return fail(kr);
    if (may != 1) {
        reply_error(kr, 404, 1, "No project could be found with key or id given.");
        return -1;
    }
    int admin = perm_allows(kr, p.id, "ADMINISTER_PROJECTS");
    if (admin < 0)
        return fail(kr);
    t->entity = PROP_PROJECT;
    t->entity_id = arena_printf(kr->arena, "%lld", (long long)p.id);
    t->self = arena_printf(kr->arena, "%s%s/project/%s/properties/", render_base(kr), api(kr), t->entity_id);
    t->may_write = admin;
    t->deny = "You do not have permission to administer this project.";
    return 0;
}

static int resolve_user(kreq_t *kr, target_t *t)
{
    int bad = 0;
    const char *id = kreq_query(kr, "accountId", &bad);
    if (bad || !id || !*id || strlen(id) > 128) {
        reply_error(kr, 400, 1, "The accountId query parameter is required.");
        return -1;
    }
    user_rec_t u;
    int rc = store_user_get(kr->store, kr->arena, kr->site.id, id, &u);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return fail(kr);
    if (rc == STORE_NOTFOUND) {
        reply_error(kr, 404, 1, "The user does not exist.");
        return -1;
    }
    /* a user reaches its own record, a Jira administrator every one, an app any one */
    int self = perm_is_user(kr) ? strcmp(id, kr->principal.account_id) == 0 : 1;
    int may = self ? 1 : perm_allows(kr, 0, "ADMINISTER");
    if (may < 0)
        return fail(kr);
    if (!may) {
        reply_error(kr, 403, 1, "You do not have permission to access the properties of this user.");
        return -1;
    }
    char *q = arena_printf(kr->arena, "?accountId=%s", id);
    t->entity = PROP_USER;
    t->entity_id = u.account_id;
    t->self = arena_printf(kr->arena, "%s%s/user/properties/", render_base(kr), api(kr));
    t->query = q;
    t->may_write = 1;
    return 0;
}

/* The caller may change an entity written by `author`: `all`, or its own with `own`. */
static int may_change(kreq_t *kr, int64_t project_id, const char *author, const char *all, const char *own)
{
    int may = perm_allows(kr, project_id, all);
    if (may == 0 && perm_is_user(kr) && author && strcmp(author, kr->principal.account_id) == 0)
        may = perm_allows(kr, project_id, own);
    return may;
}

static int resolve_comment(kreq_t *kr, target_t *t)
{
    comment_rec_t c;
    issue_rec_t i;
    const char *pkey;
    int64_t cid;
    int rc = work_parse_id(kr->params[0], &cid) == 0 ? store_comment_get(kr->store, kr->arena, kr->site.id, cid, &c)
                                                     : STORE_NOTFOUND;
    int vis = rc == STORE_OK ? work_issue_visible(kr, c.issue_id, &i, &pkey) : rc == STORE_NOTFOUND ? 0 : -1;
    if (vis == 1)
        vis = work_may_see(kr, i.project_id, c.visibility_json, c.author_account_id);
    if (vis < 0)
        return fail(kr);
    if (!vis) {
        char msg[96];
        snprintf(msg, sizeof msg, "Can not find a comment for the id: %.40s.", kr->params[0]);
        reply_error(kr, 404, 1, msg);
        return -1;
    }
    int may = may_change(kr, i.project_id, c.author_account_id, "EDIT_ALL_COMMENTS", "EDIT_OWN_COMMENTS");
    if (may < 0)
        return fail(kr);
    t->entity = PROP_COMMENT;
    t->entity_id = arena_printf(kr->arena, "%lld", (long long)c.id);
    t->self = arena_printf(kr->arena, "%s%s/comment/%s/properties/", render_base(kr), api(kr), t->entity_id);
    t->may_write = may;
    t->deny = "You do not have the permission to edit this comment.";
    return 0;
}

static int resolve_worklog(kreq_t *kr, target_t *t)
{
    issue_rec_t i;
    const char *pkey;
    if (work_issue(kr, kr->params[0], &i, &pkey) != 0)
        return -1;
    worklog_rec_t wl;
    int64_t wid;
    int rc = work_parse_id(kr->params[1], &wid) == 0 ? store_worklog_get(kr->store, kr->arena, kr->site.id, wid, &wl)
                                                     : STORE_NOTFOUND;
    int vis = rc == STORE_OK && wl.issue_id == i.id
                  ? work_may_see(kr, i.project_id, wl.visibility_json, wl.author_account_id)
              : rc == STORE_OK || rc == STORE_NOTFOUND ? 0
                                                       : -1;
    if (vis < 0)
        return fail(kr);
    if (!vis) {
        char msg[96];
        snprintf(msg, sizeof msg, "Cannot find worklog with id: %.40s.", kr->params[1]);
        reply_error(kr, 404, 1, msg);
        return -1;
    }
    int may = may_change(kr, i.project_id, wl.author_account_id, "EDIT_ALL_WORKLOGS", "EDIT_OWN_WORKLOGS");
    if (may < 0)
        return fail(kr);
    t->entity = PROP_WORKLOG;
    t->entity_id = arena_printf(kr->arena, "%lld", (long long)wl.id);
    t->self = arena_printf(kr->arena, "%s%s/issue/%lld/worklog/%s/properties/", render_base(kr), api(kr),
                           (long long)i.id, t->entity_id);
    t->may_write = may;
    t->deny = "You do not have the permission to edit this worklog.";
    return 0;
}

/* ---- the four operations ---- */

static void op_keys(kreq_t *kr, resolve_fn *resolve)
{
    target_t t = {.query = ""};
    if (resolve(kr, &t) != 0)
        return;
    prop_rec_t *p = NULL;
    size_t n = 0;
    if (store_prop_list(kr->store, kr->arena, kr->site.id, t.entity, t.entity_id, 0, &p, &n) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "keys");
    jw_arr(w);
    for (size_t k = 0; k < n; k++) {
        jw_obj(w);
        jw_key(w, "self");
        JW_STRCAT(w, t.self, p[k].key, t.query);
        jw_kstr(w, "key", p[k].key);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* The property key of the path: 0, or -1 after answering 400. */
static int read_key(kreq_t *kr, const char *key, size_t max, int app)
{
    size_t len = strlen(key);
    if (len > 0 && len <= max)
        return 0;
    char msg[96];
    if (len == 0)
        snprintf(msg, sizeof msg, "The property key cannot be empty.");
    else
        snprintf(msg, sizeof msg, "The property key cannot be longer than %zu characters.", max);
    if (app)
        reply_json_new(kr, 400, json_pack("{s:s,s:i}", "message", msg, "statusCode", 400));
    else
        reply_error(kr, 400, 1, msg);
    return -1;
}

/* {propertyKey}: the last segment of every property route. */
static const char *key_param(kreq_t *kr)
{
    return kr->seg[kr->base + kr->route->nsegs - 1];
}

static void op_get(kreq_t *kr, resolve_fn *resolve)
{
    const char *key = key_param(kr);
    target_t t = {.query = ""};
    if (read_key(kr, key, WORK_PROP_KEY_MAX, 0) != 0 || resolve(kr, &t) != 0)
        return;
    prop_rec_t p;
    int rc = store_prop_get(kr->store, kr->arena, kr->site.id, t.entity, t.entity_id, key, &p);
    if (rc != STORE_OK) {
        char msg[320];
        snprintf(msg, sizeof msg, "The property with key '%s' does not exist.", key);
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 1, rc == STORE_NOTFOUND ? msg : "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kstr(w, "key", p.key);
    jw_key(w, "value");
    jw_raw(w, p.value_json, strlen(p.value_json));
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* The body as a property value (any JSON, at most WORK_PROP_VALUE_MAX bytes), compact;
 * NULL with *msg set. */
static const char *read_value(kreq_t *kr, const char **msg)
{
    h2o_iovec_t b = kr->req->entity;
    if (!b.base || b.len == 0) {
        *msg = "The property value cannot be empty.";
        return NULL;
    }
    if (b.len > WORK_PROP_VALUE_MAX) {
        *msg = "The property value cannot be longer than 32768 bytes.";
        return NULL;
    }
    json_err_t err;
    json_t *v = json_parse_arena(kr->arena, b.base, b.len, KILN_MAX_JSON_DEPTH, &err);
    size_t len;
    const char *s = v ? json_dump_arena(kr->arena, v, 2 * WORK_PROP_VALUE_MAX, &len) : NULL;
    if (!s)
        *msg = "The property value has to be a valid JSON.";
    return s;
}

static void op_set(kreq_t *kr, resolve_fn *resolve)
{
    const char *key = key_param(kr);
    target_t t = {.query = ""};
    if (read_key(kr, key, WORK_PROP_KEY_MAX, 0) != 0 || resolve(kr, &t) != 0)
        return;
    if (!t.may_write) {
        reply_error(kr, 403, 1, t.deny);
        return;
    }
    const char *msg;
    const char *value = read_value(kr, &msg);
    if (!value) {
        reply_error(kr, 400, 1, msg);
        return;
    }
    int created = 0;
    int rc = store_prop_set(kr->store, kr->site.id, t.entity, t.entity_id, key, value, clock_now_ms(), &created);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_CONFLICT ? 400 : 500, 1,
                    rc == STORE_CONFLICT ? "The entity has the most properties it may have (10000)."
                                         : "Internal server error");
        return;
    }
    reply_raw(kr, created ? 201 : 200, "application/json", "{}", 2);
}

static void op_delete(kreq_t *kr, resolve_fn *resolve)
{
    const char *key = key_param(kr);
    target_t t = {.query = ""};
    if (read_key(kr, key, WORK_PROP_KEY_MAX, 0) != 0 || resolve(kr, &t) != 0)
        return;
    if (!t.may_write) {
        reply_error(kr, 403, 1, t.deny);
        return;
    }
    int rc = store_prop_delete(kr->store, kr->site.id, t.entity, t.entity_id, key);
    if (rc != STORE_OK) {
        char m[320];
        snprintf(m, sizeof m, "The property with key '%s' does not exist.", key);
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 1, rc == STORE_NOTFOUND ? m : "Internal server error");
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0); /* no body, as Jira */
}

#define PROPERTY_OPS(name, resolve)                                                                                    \
    void property_##name##_keys(kreq_t *kr)                                                                            \
    {                                                                                                                  \
        op_keys(kr, resolve);                                                                                          \
    }                                                                                                                  \
    void property_##name##_get(kreq_t *kr)                                                                             \
    {                                                                                                                  \
        op_get(kr, resolve);                                                                                           \
    }                                                                                                                  \
    void property_##name##_set(kreq_t *kr)                                                                             \
    {                                                                                                                  \
        op_set(kr, resolve);                                                                                           \
    }                                                                                                                  \
    void property_##name##_delete(kreq_t *kr)                                                                          \
    {                                                                                                                  \
        op_delete(kr, resolve);                                                                                        \
    }

PROPERTY_OPS(issue, resolve_issue)
PROPERTY_OPS(project, resolve_project)
PROPERTY_OPS(user, resolve_user)
PROPERTY_OPS(comment, resolve_comment)
PROPERTY_OPS(worklog, resolve_worklog)

/* ---- render_issue's properties ---- */

void work_render_properties(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *const *keys, size_t n)
{
    char id[24];
    enc_i64(id, i->id);
    int all = 0;
    for (size_t k = 0; k < n; k++)
        all |= strcmp(keys[k], "*all") == 0;
    jw_obj(w);
    if (all) {
        prop_rec_t *p = NULL;
        size_t np = 0;
        store_prop_list(kr->store, kr->arena, kr->site.id, PROP_ISSUE, id, 1, &p, &np);
        for (size_t k = 0; k < np; k++) {
            jw_key(w, p[k].key);
            jw_raw(w, p[k].value_json, strlen(p[k].value_json));
        }
    } else {
        for (size_t k = 0; k < n; k++) {
            prop_rec_t p;
            if (strlen(keys[k]) <= WORK_PROP_KEY_MAX &&
                store_prop_get(kr->store, kr->arena, kr->site.id, PROP_ISSUE, id, keys[k], &p) == STORE_OK) {
                jw_key(w, p.key);
                jw_raw(w, p.value_json, strlen(p.value_json));
            }
        }
    }
    jw_obj_end(w);
}

/* ---- a Forge app's own properties ---- */

/* The calling app: 0 with its entity id, or -1 after Jira's 403 (a user, not an app). */
static int app_target(kreq_t *kr, target_t *t)
{
    if (kr->principal.kind != PRINCIPAL_APP || !kr->principal.account_id) {
        reply_error(kr, 403, 1, "Access to this resource must be authenticated as an app.");
        return -1;
    }
    t->entity = PROP_APP;
    t->entity_id = kr->principal.account_id; /* the app's bot user on this site */
    t->self = arena_printf(kr->arena, "%s/rest/forge/1/app/properties/", render_base(kr));
    t->query = "";
    t->may_write = 1;
    return 0;
}

static void app_message(kreq_t *kr, int status, const char *msg)
{
    reply_json_new(kr, status, json_pack("{s:s,s:i}", "message", msg, "statusCode", status));
}

void property_app_keys(kreq_t *kr)
{
    op_keys(kr, app_target);
}

void property_app_get(kreq_t *kr)
{
    target_t t;
    const char *key = key_param(kr);
    if (app_target(kr, &t) != 0 || read_key(kr, key, WORK_APP_PROP_KEY_MAX, 1) != 0)
        return;
    prop_rec_t p;
    int rc = store_prop_get(kr->store, kr->arena, kr->site.id, t.entity, t.entity_id, key, &p);
    if (rc != STORE_OK) {
        if (rc == STORE_NOTFOUND)
            app_message(kr, 404, "Property with key not found.");
        else
            reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kstr(w, "key", p.key);
    jw_key(w, "value");
    jw_raw(w, p.value_json, strlen(p.value_json));
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void property_app_set(kreq_t *kr)
{
    target_t t;
    const char *key = key_param(kr);
    if (app_target(kr, &t) != 0 || read_key(kr, key, WORK_APP_PROP_KEY_MAX, 1) != 0)
        return;
    const char *msg;
    const char *value = read_value(kr, &msg);
    if (!value) {
        app_message(kr, 400, msg);
        return;
    }
    int created = 0;
    int rc = store_prop_set(kr->store, kr->site.id, t.entity, t.entity_id, key, value, clock_now_ms(), &created);
    if (rc == STORE_CONFLICT)
        app_message(kr, 400, "The app has the most properties it may have (10000).");
    else if (rc != STORE_OK)
        reply_error(kr, 500, 1, "Internal server error");
    else
        app_message(kr, created ? 201 : 200, created ? "Property created." : "Property updated.");
}

void property_app_delete(kreq_t *kr)
{
    target_t t;
    const char *key = key_param(kr);
    if (app_target(kr, &t) != 0 || read_key(kr, key, WORK_APP_PROP_KEY_MAX, 1) != 0)
        return;
    int rc = store_prop_delete(kr->store, kr->site.id, t.entity, t.entity_id, key);
    if (rc == STORE_NOTFOUND)
        app_message(kr, 404, "Property with key not found.");
    else if (rc != STORE_OK)
        reply_error(kr, 500, 1, "Internal server error");
    else
        reply_raw(kr, 204, "application/json", "", 0); /* no body, as Jira */
}

/* ---- properties given with a new comment or worklog ---- */

int work_props_in(kreq_t *kr, json_t *v, const char ***keys, const char ***values, json_t *errors)
{
    *keys = *values = NULL;
    if (!v || json_is_null(v))
        return 0;
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n > WORK_BODY_PROPS_MAX) {
        json_object_set_new(errors, "properties",
                            json_string("properties must be an array of at most 100 {key, value} objects."));
        return -1;
    }
    *keys = arena_alloc(kr->arena, (n + 1) * sizeof **keys);
    *values = arena_alloc(kr->arena, (n + 1) * sizeof **values);
    if (!*keys || !*values)
        kiln_oom(n);
    size_t i;
    json_t *p;
    json_array_foreach(v, i, p)
    {
        const char *key = json_str(p, "key");
        json_t *val = json_object_get(p, "value");
        size_t len;
        const char *text = val ? json_dump_arena(kr->arena, val, WORK_PROP_VALUE_MAX, &len) : NULL;
        if (!key || !*key || strlen(key) > WORK_PROP_KEY_MAX || !text) {
            json_object_set_new(errors, "properties",
                                json_string("Each property needs a key of 1 to 255 characters and a JSON value of "
                                            "at most 32768 bytes."));
            return -1;
        }
        (*keys)[i] = key;
        (*values)[i] = text;
    }
    return (int)n;
}

int work_props_store(kreq_t *kr, const char *entity, int64_t id, const char *const *keys, const char *const *values,
                     int n)
{
    char sid[24];
    enc_i64(sid, id);
    int rc = STORE_OK, created;
    for (int i = 0; rc == STORE_OK && i < n; i++)
        rc = store_prop_set(kr->store, kr->site.id, entity, sid, keys[i], values[i], clock_now_ms(), &created);
    return rc;
}

/* ---- an entity's properties inside its answer (expand=properties) ---- */

void work_render_props(jsonw_t *w, kreq_t *kr, const char *entity, int64_t id)
{
    char sid[24];
    prop_rec_t *p = NULL;
    size_t n = 0;
    store_prop_list(kr->store, kr->arena, kr->site.id, entity, enc_i64(sid, id), 1, &p, &n);
    jw_key(w, "properties");
    jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(w);
        jw_kstr(w, "key", p[i].key);
        jw_key(w, "value");
        jw_raw(w, p[i].value_json, strlen(p[i].value_json));
        jw_obj_end(w);
    }
    jw_arr_end(w);
}
