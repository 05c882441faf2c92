/* A project's components and versions (product/issues.h): list, create, get, update,
 * delete. Reading needs BROWSE_PROJECTS (a hidden project's answers are a missing one's);
 * writing needs ADMINISTER_PROJECTS (403). Every write records its change event. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/events.h"
#include "product/fields.h"
#include "product/idkey.h"
#include "product/issues.h"
#include "product/perm.h"
#include "product/render.h"
#include "store/store_catalog.h"
#include "store/store_product.h"
#include "store/store_sites.h"

#define LEN(a) (sizeof(a) / sizeof *(a))

static void internal(kreq_t *kr)
{
    reply_error(kr, 500, 1, "Internal server error");
}

/* The project (by id or key) if the caller may browse it and, with `perm`, hold that in
 * it. Replies (404, 403, 500) and returns -1 if not. */
static int project_for(kreq_t *kr, const char *ref, const char *perm, project_rec_t *p)
{
    int rc = ref && strlen(ref) <= 64 ? idkey_project_get(kr->store, kr->arena, kr->site.id, ref, p) : STORE_NOTFOUND;
    int may = rc == STORE_OK ? perm_allows(kr, p->id, "BROWSE_PROJECTS") : rc == STORE_NOTFOUND ? 0 : -1;
    if (may == 1 && perm) {
        int m = perm_allows(kr, p->id, perm);
        may = m < 0 ? -1 : m ? 1 : 2;
    }
    if (may == 1)
        return 0;
    if (may < 0) {
        internal(kr);
    } else if (may == 2) {
        reply_error(kr, 403, 1, "You do not have permission to administer this project.");
    } else {
        char msg[200];
        snprintf(msg, sizeof msg, "No project could be found with key '%s'.", ref && strlen(ref) <= 64 ? ref : "?");
        reply_error(kr, 404, 1, msg);
    }
    return -1;
}

static const char *const assignee_types[] = {"PROJECT_DEFAULT", "COMPONENT_LEAD", "PROJECT_LEAD", "UNASSIGNED"};

static void render_component(jsonw_t *w, kreq_t *kr, const component_rec_t *c, const project_rec_t *p)
{
    char id[24];
    enc_i64(id, c->id);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/component/", id);
    jw_kstr(w, "id", id);
    jw_kstr(w, "name", c->name);
    jw_kstr(w, "description", c->description ? c->description : "");
    if (c->lead_account_id) {
        jw_key(w, "lead");
        render_user_ref(w, kr, c->lead_account_id, 1);
        jw_kstr(w, "leadAccountId", c->lead_account_id);
    }
    const char *type = c->assignee_type ? c->assignee_type : "PROJECT_DEFAULT";
    jw_kstr(w, "assigneeType", type);
    /* who gets the component's new issues: its lead, the project's lead, or nobody */
    const char *real = strcmp(type, "COMPONENT_LEAD") == 0 && c->lead_account_id ? c->lead_account_id
                       : strcmp(type, "PROJECT_LEAD") == 0                       ? p->lead_account_id
                                                                                 : NULL;
    jw_kstr(w, "realAssigneeType", real ? type : "UNASSIGNED");
    if (real) {
        jw_key(w, "realAssignee");
        render_user_ref(w, kr, real, 1);
    }
    jw_kbool(w, "isAssigneeTypeValid", strcmp(type, "COMPONENT_LEAD") != 0 || c->lead_account_id != NULL);
    jw_kstr(w, "project", p->key);
    jw_kint(w, "projectId", p->id);
    jw_obj_end(w);
}

static void render_version(jsonw_t *w, kreq_t *kr, const pversion_rec_t *v)
{
    char id[24], today[40];
    enc_i64(id, v->id);
    clock_iso8601(today, sizeof today, clock_now_ms());
    today[10] = '\0';
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/version/", id);
    jw_kstr(w, "id", id);
    jw_kstr(w, "description", v->description ? v->description : "");
    jw_kstr(w, "name", v->name);
    jw_kbool(w, "archived", v->archived);
    jw_kbool(w, "released", v->released);
    if (v->start_date)
        jw_kstr(w, "startDate", v->start_date);
    if (v->release_date) {
        jw_kstr(w, "releaseDate", v->release_date);
        jw_kbool(w, "overdue", !v->released && strcmp(v->release_date, today) < 0);
    }
    jw_kint(w, "projectId", v->project_id);
    jw_obj_end(w);
}

/* Jira's optional string member: absent leaves *out, null clears, else a string of at
 * most max bytes; -1 with errors[key] set otherwise. */
static int opt_str(json_t *body, const char *key, size_t max, const char **out, json_t *errors)
{
    json_t *v = json_object_get(body, key);
    if (!v)
        return 0;
    if (json_is_null(v)) {
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) > max) {
        char msg[120];
        snprintf(msg, sizeof msg, "%s must be a string of at most %zu characters.", key, max);
        json_object_set_new(errors, key, json_string(msg));
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int opt_bool(json_t *body, const char *key, int *out, json_t *errors)
{
    json_t *v = json_object_get(body, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        json_object_set_new(errors, key, json_string("Must be true or false."));
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

/* ---------------------------------------------------------------- components */

void component_list(kreq_t *kr)
{
    project_rec_t p;
    if (project_for(kr, kr->params[0], NULL, &p) != 0)
        return;
    component_rec_t *c;
    size_t n = 0;
    if (store_component_list(kr->store, kr->arena, kr->site.id, p.id, &c, &n) != STORE_OK) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        render_component(w, kr, &c[i], &p);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

/* Reads name, description, leadAccountId and assigneeType into c. */
static int component_members(kreq_t *kr, json_t *body, component_rec_t *c, json_t *errors)
{
    opt_str(body, "name", 255, &c->name, errors);
    if (!json_object_get(errors, "name") && (!c->name || !*c->name))
        json_object_set_new(errors, "name", json_string("The component name must not be empty."));
    opt_str(body, "description", 1000, &c->description, errors);
    if (opt_str(body, "leadAccountId", 128, &c->lead_account_id, errors) == 0 && c->lead_account_id) {
        user_rec_t u;
        if (store_user_get(kr->store, kr->arena, kr->site.id, c->lead_account_id, &u) != STORE_OK)
            json_object_set_new(errors, "leadAccountId", json_string("The user does not exist."));
    }
    if (opt_str(body, "assigneeType", 32, &c->assignee_type, errors) == 0 && c->assignee_type) {
        int ok = 0;
        for (size_t i = 0; i < LEN(assignee_types); i++)
            ok |= strcmp(assignee_types[i], c->assignee_type) == 0;
        if (!ok)
            json_object_set_new(errors, "assigneeType",
                                json_string("assigneeType is one of PROJECT_DEFAULT, COMPONENT_LEAD, PROJECT_LEAD, "
                                            "UNASSIGNED."));
    }
    return json_object_size(errors) ? -1 : 0;
}

/* Opens the write transaction of an update (500 and -1 if it cannot). */
static int begin(kreq_t *kr)
{
    if (store_begin(kr->store) == STORE_OK)
        return 0;
    internal(kr);
    return -1;
}

/* Runs a catalog write and its event in one transaction; replies 500 on failure. */
static int write_tx(kreq_t *kr, int rc, const char *kind, int64_t id, json_t *payload)
{
    if (rc == STORE_OK)
        rc = product_event(kr, kind, id, payload);
    else
        json_decref(payload);
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    return rc;
}

/* Forge's component events (events-reference/jira/#component-events): {component: {id (a
 * string), name, description, lead {accountId} when it has one, assigneeType, project (its
 * key), projectId (a number)}}, the same for created, updated and deleted. */
static json_t *component_payload(const component_rec_t *c, const project_rec_t *p)
{
    char id[24];
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "id", enc_i64(id, c->id), "name", c->name, "description",
                          c->description ? c->description : "", "assigneeType",
                          c->assignee_type ? c->assignee_type : "PROJECT_DEFAULT", "project", p->key, "projectId",
                          (json_int_t)p->id);
    if (o && c->lead_account_id)
        json_object_set_new(o, "lead", json_pack("{s:s}", "accountId", c->lead_account_id));
    return o ? json_pack("{s:o}", "component", o) : NULL;
}

void component_create(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    project_rec_t p;
    const char *pref = json_str(body, "project");
    char buf[24];
    if (!pref && json_is_integer(json_object_get(body, "projectId")))
        pref = enc_i64(buf, json_integer_value(json_object_get(body, "projectId")));
    if (!pref) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "project", "The project is required."));
        return;
    }
    if (project_for(kr, pref, "ADMINISTER_PROJECTS", &p) != 0)
        return;
    component_rec_t c = {.project_id = p.id, .assignee_type = "PROJECT_DEFAULT"};
    json_t *errors = json_own(kr->arena, json_object());
    if (component_members(kr, body, &c, errors) != 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_component_insert(kr->store, kr->site.id, &c);
    rc = write_tx(kr, rc, EV_COMPONENT_CREATED, c.id, component_payload(&c, &p));
    if (rc == STORE_CONFLICT) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "name", "A component with this name already exists."));
        return;
    }
    if (rc != STORE_OK) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_component(w, kr, &c, &p);
    reply_writer(kr, 201, w);
}

/* The component of the path and its project, visible to the caller; replies if not. */
static int path_component(kreq_t *kr, const char *perm, component_rec_t *c, project_rec_t *p)
{
    int64_t id;
    int rc = enc_parse_i64(kr->params[0], 1, INT64_MAX, &id) == 0
                 ? store_component_get(kr->store, kr->arena, kr->site.id, id, c)
                 : STORE_NOTFOUND;
    int may = 0;
    if (rc == STORE_OK && store_project_by_id(kr->store, kr->arena, kr->site.id, c->project_id, p) == STORE_OK)
        may = perm_allows(kr, p->id, "BROWSE_PROJECTS");
    else if (rc != STORE_NOTFOUND && rc != STORE_OK)
        may = -1;
    if (may == 1 && perm) {
        int m = perm_allows(kr, p->id, perm);
        may = m < 0 ? -1 : m ? 1 : 2;
    }
    if (may == 1)
        return 0;
    if (may < 0) {
        internal(kr);
    } else if (may == 2) {
        reply_error(kr, 403, 1, "You do not have permission to administer this project.");
    } else {
        char msg[200];
        snprintf(msg, sizeof msg, "The component with id %s does not exist.",
                 strlen(kr->params[0]) <= 24 ? kr->params[0] : "?");
        reply_error(kr, 404, 1, msg);
    }
    return -1;
}

void component_get(kreq_t *kr)
{
    component_rec_t c;
    project_rec_t p;
    if (path_component(kr, NULL, &c, &p) != 0)
        return;
    jsonw_t *w = reply_writer_new(kr);
    render_component(w, kr, &c, &p);
    reply_writer(kr, 200, w);
}

void component_update(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    component_rec_t c;
    project_rec_t p;
    if (!body || begin(kr) != 0)
        return;
    /* read and written in one transaction: concurrent updates lose nothing */
    if (path_component(kr, "ADMINISTER_PROJECTS", &c, &p) != 0) {
        store_rollback(kr->store);
        return;
    }
    json_t *errors = json_own(kr->arena, json_object());
    if (component_members(kr, body, &c, errors) != 0) {
        store_rollback(kr->store);
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    int rc = store_component_update(kr->store, kr->site.id, &c);
    rc = write_tx(kr, rc, EV_COMPONENT_UPDATED, c.id, component_payload(&c, &p));
    if (rc == STORE_CONFLICT) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "name", "A component with this name already exists."));
        return;
    }
    if (rc != STORE_OK) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_component(w, kr, &c, &p);
    reply_writer(kr, 200, w);
}

/* A query parameter naming another component or version of project_id to move issues to:
 * 0 when absent, its id when good; -1 (replied 400) otherwise. */
static int64_t move_target(kreq_t *kr, const char *param, int comp, int64_t self, int64_t project_id)
{
    int64_t to = 0;
    if (kreq_query_int(kr, param, 1, INT64_MAX, &to) != 0)
        to = -2;
    if (to == 0)
        return 0;
    component_rec_t c;
    pversion_rec_t v;
    int ok =
        to > 0 && to != self &&
        (comp
             ? store_component_get(kr->store, kr->arena, kr->site.id, to, &c) == STORE_OK && c.project_id == project_id
             : store_pversion_get(kr->store, kr->arena, kr->site.id, to, &v) == STORE_OK && v.project_id == project_id);
    if (!ok) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s must name another %s of the same project.", param,
                 comp ? "component" : "version");
        reply_error(kr, 400, 1, msg);
        return -1;
    }
    return to;
}

void component_delete(kreq_t *kr)
{
    component_rec_t c;
    project_rec_t p;
    if (path_component(kr, "ADMINISTER_PROJECTS", &c, &p) != 0)
        return;
    int64_t to = move_target(kr, "moveIssuesTo", 1, c.id, p.id);
    if (to < 0)
        return;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK && to)
        rc = store_component_move(kr->store, kr->site.id, c.id, to);
    if (rc == STORE_OK)
        rc = store_component_delete(kr->store, kr->site.id, c.id);
    rc = write_tx(kr, rc, EV_COMPONENT_DELETED, c.id, component_payload(&c, &p));
    if (rc != STORE_OK) {
        internal(kr);
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0);
}

/* ---------------------------------------------------------------- versions */

void version_list(kreq_t *kr)
{
    project_rec_t p;
    if (project_for(kr, kr->params[0], NULL, &p) != 0)
        return;
    pversion_rec_t *v;
    size_t n = 0;
    if (store_pversion_list(kr->store, kr->arena, kr->site.id, p.id, &v, &n) != STORE_OK) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        render_version(w, kr, &v[i]);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

static int version_members(json_t *body, pversion_rec_t *v, json_t *errors)
{
    opt_str(body, "name", 255, &v->name, errors);
    if (!json_object_get(errors, "name") && (!v->name || !*v->name))
        json_object_set_new(errors, "name", json_string("You must specify a valid version name"));
    opt_str(body, "description", 16384, &v->description, errors);
    static const char *const dates[] = {"startDate", "releaseDate"};
    const char **slots[] = {&v->start_date, &v->release_date};
    for (size_t i = 0; i < LEN(dates); i++)
        if (opt_str(body, dates[i], 10, slots[i], errors) == 0 && *slots[i] && !fields_valid_date(*slots[i]))
            json_object_set_new(errors, dates[i], json_string("The date must be a valid date in the form YYYY-MM-DD."));
    opt_bool(body, "released", &v->released, errors);
    opt_bool(body, "archived", &v->archived, errors);
    if (v->start_date && v->release_date && strcmp(v->start_date, v->release_date) > 0)
        json_object_set_new(errors, "startDate", json_string("The start date must be before the release date."));
    return json_object_size(errors) ? -1 : 0;
}

/* Forge's version events (events-reference/jira/#project-version-events): {version: {id (a
 * string), name, description, archived, released, startDate and releaseDate when set,
 * projectId (a number)}}; a deleted version's adds customFieldReplacements (kiln has no
 * version custom fields: []). */
static json_t *version_payload(const pversion_rec_t *v)
{
    char id[24];
    json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:b,s:I}", "id", enc_i64(id, v->id), "name", v->name, "description",
                          v->description ? v->description : "", "archived", v->archived, "released", v->released,
                          "projectId", (json_int_t)v->project_id);
    if (o && v->start_date)
        json_object_set_new(o, "startDate", json_string(v->start_date));
    if (o && v->release_date)
        json_object_set_new(o, "releaseDate", json_string(v->release_date));
    return o ? json_pack("{s:o}", "version", o) : NULL;
}

void version_create(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    char buf[24];
    const char *pref = json_str(body, "project");
    if (!pref && json_is_integer(json_object_get(body, "projectId")))
        pref = enc_i64(buf, json_integer_value(json_object_get(body, "projectId")));
    if (!pref) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "project", "Project must be specified to create a version."));
        return;
    }
    project_rec_t p;
    if (project_for(kr, pref, "ADMINISTER_PROJECTS", &p) != 0)
        return;
    pversion_rec_t v = {.project_id = p.id};
    json_t *errors = json_own(kr->arena, json_object());
    if (version_members(body, &v, errors) != 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_pversion_insert(kr->store, kr->site.id, &v);
    rc = write_tx(kr, rc, EV_VERSION_CREATED, v.id, version_payload(&v));
    if (rc == STORE_CONFLICT) {
        reply_field_errors(kr, 400,
                           json_pack("{s:s}", "name", "A version with this name already exists in this project."));
        return;
    }
    if (rc != STORE_OK) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_version(w, kr, &v);
    reply_writer(kr, 201, w);
}

static int path_version(kreq_t *kr, const char *perm, pversion_rec_t *v)
{
    int64_t id;
    int rc = enc_parse_i64(kr->params[0], 1, INT64_MAX, &id) == 0
                 ? store_pversion_get(kr->store, kr->arena, kr->site.id, id, v)
                 : STORE_NOTFOUND;
    int may = rc == STORE_OK ? perm_allows(kr, v->project_id, "BROWSE_PROJECTS") : rc == STORE_NOTFOUND ? 0 : -1;
    if (may == 1 && perm) {
        int m = perm_allows(kr, v->project_id, perm);
        may = m < 0 ? -1 : m ? 1 : 2;
    }
    if (may == 1)
        return 0;
    if (may < 0) {
        internal(kr);
    } else if (may == 2) {
        reply_error(kr, 403, 1, "You do not have permission to administer this project.");
    } else {
        char msg[200];
        snprintf(msg, sizeof msg, "Could not find version for id '%s'",
                 strlen(kr->params[0]) <= 24 ? kr->params[0] : "?");
        reply_error(kr, 404, 1, msg);
    }
    return -1;
}

void version_get(kreq_t *kr)
{
    pversion_rec_t v;
    if (path_version(kr, NULL, &v) != 0)
        return;
    jsonw_t *w = reply_writer_new(kr);
    render_version(w, kr, &v);
    reply_writer(kr, 200, w);
}

void version_update(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    pversion_rec_t v;
    if (!body || begin(kr) != 0)
        return;
    if (path_version(kr, "ADMINISTER_PROJECTS", &v) != 0) {
        store_rollback(kr->store);
        return;
    }
    json_t *errors = json_own(kr->arena, json_object());
    int was_released = v.released, was_archived = v.archived;
    if (version_members(body, &v, errors) != 0) {
        store_rollback(kr->store);
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    int rc = store_pversion_update(kr->store, kr->site.id, &v);
    /* Forge's own events for a release and an archiving, besides avi:jira:updated:version */
    const struct {
        int changed;
        const char *kind;
    } also[] = {
        {!v.released != !was_released, v.released ? EV_VERSION_RELEASED : EV_VERSION_UNRELEASED},
        {!v.archived != !was_archived, v.archived ? EV_VERSION_ARCHIVED : EV_VERSION_UNARCHIVED},
    };
    for (size_t i = 0; i < sizeof also / sizeof *also; i++)
        if (rc == STORE_OK && also[i].changed)
            rc = product_event(kr, also[i].kind, v.id, version_payload(&v));
    rc = write_tx(kr, rc, EV_VERSION_UPDATED, v.id, version_payload(&v));
    if (rc == STORE_CONFLICT) {
        reply_field_errors(kr, 400,
                           json_pack("{s:s}", "name", "A version with this name already exists in this project."));
        return;
    }
    if (rc != STORE_OK) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_version(w, kr, &v);
    reply_writer(kr, 200, w);
}

void version_delete(kreq_t *kr)
{
    pversion_rec_t v;
    if (path_version(kr, "ADMINISTER_PROJECTS", &v) != 0)
        return;
    int64_t fix = move_target(kr, "moveFixIssuesTo", 0, v.id, v.project_id);
    int64_t aff = fix < 0 ? -1 : move_target(kr, "moveAffectedIssuesTo", 0, v.id, v.project_id);
    if (fix < 0 || aff < 0)
        return;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK && fix)
        rc = store_pversion_move(kr->store, kr->site.id, v.id, fix, ISSUE_FIX_VERSIONS);
    if (rc == STORE_OK && aff)
        rc = store_pversion_move(kr->store, kr->site.id, v.id, aff, ISSUE_AFFECTS_VERSIONS);
    if (rc == STORE_OK)
        rc = store_pversion_delete(kr->store, kr->site.id, v.id);
    json_t *gone = version_payload(&v);
    if (gone)
        json_object_set_new(gone, "customFieldReplacements", json_array());
    rc = write_tx(kr, rc, EV_VERSION_DELETED, v.id, gone);
    if (rc != STORE_OK) {
        internal(kr);
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0);
}
