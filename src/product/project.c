/* Projects: search, list, get, create, update, delete. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/events.h"
#include "product/idkey.h"
#include "product/people.h"
#include "product/perm.h"
#include "product/render.h"
#include "product/routes.h"
#include "store/store_product.h"
#include "store/store_roles.h"
#include "store/store_sites.h"

static const struct {
    const char *name;
    int order;
} orders[] = {
    {"key", PROJECT_ORDER_KEY},   {"+key", PROJECT_ORDER_KEY},   {"-key", PROJECT_ORDER_KEY_DESC},
    {"name", PROJECT_ORDER_NAME}, {"+name", PROJECT_ORDER_NAME}, {"-name", PROJECT_ORDER_NAME_DESC},
};

/* A JSON array (in the arena) of the comma-separated or repeated values. */
static const char *list_json(kreq_t *kr, const char **vals, size_t n, int split_commas)
{
    json_t *arr = json_own(kr->arena, json_array());
    for (size_t i = 0; i < n; i++) {
        for (const char *p = vals[i]; *p;) {
            const char *e = split_commas ? strchr(p, ',') : NULL;
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len)
                json_array_append_new(arr, json_stringn(p, len));
            p += len + (e != NULL);
        }
    }
    size_t len;
    return json_array_size(arr) ? json_dump_arena(kr->arena, arr, 65536, &len) : NULL;
}

/* The request's query parameters other than startAt and maxResults, each followed by
 * '&', as sent (still percent-encoded), so page links repeat the same search. */
static const char *kept_params(kreq_t *kr)
{
    char *out = arena_alloc(kr->arena, kr->query_len + 1);
    size_t o = 0;
    const char *p = kr->query, *end = kr->query + kr->query_len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        size_t n = (size_t)(pe - p);
        int paging = (n >= 8 && memcmp(p, "startAt=", 8) == 0) || (n >= 11 && memcmp(p, "maxResults=", 11) == 0) ||
                     (n == 7 && memcmp(p, "startAt", 7) == 0) || (n == 10 && memcmp(p, "maxResults", 10) == 0);
        if (n && !paging) {
            memcpy(out + o, p, n);
            o += n;
            out[o++] = '&';
        }
        p = amp ? amp + 1 : end;
    }
    out[o] = '\0';
    return out;
}

void project_search(kreq_t *kr)
{
    int bad = 0;
    project_filter_t f = {.order = PROJECT_ORDER_KEY, .max_results = 50};
    if (kreq_query_int(kr, "startAt", 0, 1000000000, &f.start_at) ||
        kreq_query_int(kr, "maxResults", 0, 1000000000, &f.max_results)) {
        reply_error(kr, 400, 1, "startAt and maxResults must be non-negative integers.");
        return;
    }
    if (f.max_results > KILN_MAX_PAGE)
        f.max_results = KILN_MAX_PAGE;
    const char *order = kreq_query(kr, "orderBy", &bad);
    if (order) {
        size_t i = 0;
        while (i < sizeof orders / sizeof *orders && strcmp(orders[i].name, order) != 0)
            i++;
        if (i == sizeof orders / sizeof *orders) {
            reply_error(kr, 400, 1, "orderBy must be one of key, name, +key, -key, +name, -name.");
            return;
        }
        f.order = orders[i].order;
    }
    const char *query = kreq_query(kr, "query", &bad);
    if (query && *query) {
        char *q = arena_strdup(kr->arena, query);
        for (char *c = q; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        f.query = q;
    }
    const char *keys[50], *types[8];
    size_t nkeys = kreq_query_all(kr, "keys", keys, 50, &bad);
    size_t ntypes = kreq_query_all(kr, "typeKey", types, 8, &bad);
    f.keys_json = list_json(kr, keys, nkeys, 0);
    f.types_json = list_json(kr, types, ntypes, 1);
    unsigned expand = render_expand(kreq_query(kr, "expand", &bad));
    f.insight = (expand & EXPAND_INSIGHT) != 0;
    if (bad) {
        reply_error(kr, 400, 1, "Malformed query parameter.");
        return;
    }

    char roles[PERM_ROLES_JSON_MAX];
    if (perm_is_user(kr)) { /* a user sees the projects it may browse */
        f.viewer = kr->principal.account_id;
        f.viewer_roles = perm_roles_json("BROWSE_PROJECTS", roles);
    }
    project_rec_t *ps;
    size_t n;
    int64_t total;
    if (store_project_search(kr->store, kr->arena, kr->site.id, &f, &ps, &n, &total) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    const char *base = render_base(kr);
    int is_last = f.start_at + (int64_t)n >= total;
    char start[24], next[24], max[24];
    enc_i64(start, f.start_at);
    enc_i64(next, f.start_at + f.max_results);
    enc_i64(max, f.max_results);
    const char *keep = kept_params(kr); /* filters and order carry over to nextPage */
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, base, "/rest/api/3/project/search?", keep, "startAt=", start, "&maxResults=", max);
    if (!is_last && f.max_results > 0) {
        jw_key(w, "nextPage");
        JW_STRCAT(w, base, "/rest/api/3/project/search?", keep, "startAt=", next, "&maxResults=", max);
    }
    jw_kint(w, "maxResults", f.max_results);
    jw_kint(w, "startAt", f.start_at);
    jw_kint(w, "total", total);
    jw_kbool(w, "isLast", is_last);
    jw_key(w, "values");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        render_project(w, kr, &ps[i], expand);
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void project_get(kreq_t *kr)
{
    project_rec_t p;
    int bad = 0;
    unsigned expand = render_expand(kreq_query(kr, "expand", &bad));
    int rc = idkey_project_get(kr->store, kr->arena, kr->site.id, kr->params[0], &p);
    if (rc == STORE_OK) { /* one the user may not browse does not exist for it, as in Jira */
        int may = perm_allows(kr, p.id, "BROWSE_PROJECTS");
        rc = may < 0 ? STORE_ERROR : may ? STORE_OK : STORE_NOTFOUND;
    }
    if (rc == STORE_NOTFOUND) {
        reply_error(kr, 404, 1, "No project could be found with key or id given.");
        return;
    }
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    if (expand & EXPAND_INSIGHT) { /* the counts come from a search of this one project */
        json_t *keys = json_own(kr->arena, json_pack("[s]", p.key));
        size_t len, n = 0;
        int64_t total;
        project_rec_t *one = NULL;
        project_filter_t f = {
            .keys_json = keys ? json_dump_arena(kr->arena, keys, 1024, &len) : NULL, .max_results = 1, .insight = 1};
        if (!f.keys_json || store_project_search(kr->store, kr->arena, kr->site.id, &f, &one, &n, &total) != STORE_OK ||
            n != 1) {
            reply_error(kr, 500, 1, "Internal server error");
            return;
        }
        p.issue_count = one[0].issue_count;
        p.last_issue_update_ms = one[0].last_issue_update_ms;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_project(w, kr, &p, expand | EXPAND_FULL);
    reply_writer(kr, 200, w);
}

/* ---- create ---- */

static const char *const project_types[] = {"software", "business", "service_desk"};
static const char *const assignee_types[] = {"PROJECT_LEAD", "UNASSIGNED"};

/* CreateProjectDetails fields kiln accepts, and the ones it accepts but ignores (schemes
 * kiln does not model). Anything else is refused, as Jira refuses unknown fields. */
static const char *const accepted[] = {"key",
                                       "name",
                                       "description",
                                       "leadAccountId",
                                       "lead",
                                       "url",
                                       "assigneeType",
                                       "projectTypeKey",
                                       "projectTemplateKey",
                                       "avatarId",
                                       "categoryId",
                                       "permissionScheme",
                                       "notificationScheme",
                                       "issueSecurityScheme",
                                       "workflowScheme",
                                       "issueTypeScreenScheme",
                                       "issueTypeScheme",
                                       "fieldConfigurationScheme"};

static int one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

/* Characters (code points) of a valid UTF-8 string; jansson validated the encoding. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static int valid_key(const char *k)
{
    size_t n = strlen(k);
    if (n < 2 || n > 10 || !(k[0] >= 'A' && k[0] <= 'Z'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9')))
            return 0;
    return 1;
}

/* 1 if member `k` is absent or a string; sets *out. */
static int opt_string(json_t *body, const char *k, const char **out)
{
    json_t *v = json_object_get(body, k);
    *out = json_string_value(v);
    return !v || json_is_string(v);
}

/* Forge's project events (events-reference/jira/#project-events, one payload for all):
 * {project: {id (a string), key, name, projectTypeKey, projectLead {accountId} when it has
 * one, assigneeType}}. */
static json_t *project_payload(const project_rec_t *p)
{
    char id[24];
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", enc_i64(id, p->id), "key", p->key, "name", p->name,
                          "projectTypeKey", p->type_key ? p->type_key : "software", "assigneeType",
                          p->assignee_type ? p->assignee_type : "UNASSIGNED");
    if (o && p->lead_account_id)
        json_object_set_new(o, "projectLead", json_pack("{s:s}", "accountId", p->lead_account_id));
    return o ? json_pack("{s:o}", "project", o) : NULL;
}

void project_create(kreq_t *kr)
{
    int admin = perm_allows(kr, 0, "ADMINISTER");
    if (admin != 1) {
        reply_error(kr, admin < 0 ? 500 : 403, 1,
                    admin < 0 ? "Internal server error"
                              : "You must have global administrator rights in order to create projects.");
        return;
    }
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *errors = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (!one_of(k, accepted, sizeof accepted / sizeof *accepted))
            json_object_set_new(errors, k, json_string("Unrecognized field; it is not part of CreateProjectDetails."));
        else if (strcmp(k, "avatarId") == 0 || strcmp(k, "categoryId") == 0 || strstr(k, "Scheme"))
            if (!json_is_integer(v))
                json_object_set_new(errors, k, json_string("Must be an integer."));
    }
    const char *key = NULL, *name = NULL, *desc = NULL, *lead = NULL, *lead_old = NULL, *url = NULL, *atype = NULL,
               *ptype = NULL, *tmpl = NULL;
    if (!opt_string(body, "key", &key) || !key || !valid_key(key))
        json_object_set_new(errors, "projectKey",
                            json_string("Project keys must start with an uppercase letter, followed by one or more "
                                        "uppercase alphanumeric characters, and be 2 to 10 characters long."));
    if (!opt_string(body, "name", &name) || !name || !*name || utf8_chars(name) > 80)
        json_object_set_new(errors, "projectName",
                            json_string("You must specify a valid project name of at most 80 characters."));
    if (!opt_string(body, "description", &desc) || (desc && strlen(desc) > 65535))
        json_object_set_new(errors, "description",
                            json_string("The description must be a string of at most 65535 characters."));
    if (!opt_string(body, "leadAccountId", &lead) || !opt_string(body, "lead", &lead_old))
        json_object_set_new(errors, "projectLead", json_string("The project lead must be an account id."));
    if (!opt_string(body, "url", &url) || (url && strlen(url) > 255))
        json_object_set_new(errors, "projectUrl", json_string("The URL must be a string of at most 255 characters."));
    if (!opt_string(body, "assigneeType", &atype) || (atype && !one_of(atype, assignee_types, 2)))
        json_object_set_new(errors, "assigneeType", json_string("assigneeType must be PROJECT_LEAD or UNASSIGNED."));
    if (!opt_string(body, "projectTypeKey", &ptype) || (ptype && !one_of(ptype, project_types, 3)))
        json_object_set_new(errors, "projectTypeKey",
                            json_string("projectTypeKey must be one of software, business, service_desk."));
    if (!opt_string(body, "projectTemplateKey", &tmpl))
        json_object_set_new(errors, "projectTemplateKey", json_string("Must be a string."));

    if (!lead)
        lead = lead_old ? lead_old : kr->principal.account_id;
    user_rec_t u;
    if (json_object_size(errors) == 0 && store_user_get(kr->store, kr->arena, kr->site.id, lead, &u) != STORE_OK)
        json_object_set_new(errors, "projectLead", json_string("The project lead must be a user of this site."));
    if (json_object_size(errors) > 0) {
        reply_field_errors(kr, 400, errors);
        return;
    }
    json_decref(errors);

    project_rec_t p = {
        .key = key,
        .name = name,
        .description = desc ? desc : "",
        .type_key = ptype ? ptype : "software",
        .lead_account_id = lead,
        .assignee_type = atype ? atype : "UNASSIGNED",
        .url = url ? url : "",
        .created_ms = clock_now_ms(),
    };
    /* the project, its lead as its Administrator and the event commit together */
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_project_insert(kr->store, kr->site.id, &p);
    if (rc == STORE_OK)
        rc = store_role_actor_add(kr->store, kr->site.id, p.id, ROLE_ADMINISTRATORS, p.lead_account_id);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_PROJECT_CREATED, p.id, project_payload(&p));
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc == STORE_CONFLICT) {
        reply_field_errors(kr, 409,
                           json_pack("{s:s}", "projectKey", "A project with that project key already exists."));
        return;
    }
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    char self[1024];
    snprintf(self, sizeof self, "%s/rest/api/3/project/%lld", render_base(kr), (long long)p.id);
    reply_json_new(kr, 201, json_pack("{s:s,s:I,s:s}", "self", self, "id", (json_int_t)p.id, "key", p.key));
}

/* ---- list (Jira's deprecated GET /project: every project the caller may browse) ---- */

#define PROJECT_LIST_MAX 10000 /* projects GET /project answers at most */

void project_list(kreq_t *kr)
{
    int bad = 0;
    unsigned expand = render_expand(kreq_query(kr, "expand", &bad));
    int64_t recent = 0;
    if (bad || kreq_query_int(kr, "recent", 0, 20, &recent)) {
        reply_error(kr, 400, 1, "expand must be a list of names and recent an integer from 0 to 20.");
        return;
    }
    project_filter_t f = {.order = PROJECT_ORDER_KEY, .max_results = PROJECT_LIST_MAX};
    char roles[PERM_ROLES_JSON_MAX];
    if (perm_is_user(kr)) {
        f.viewer = kr->principal.account_id;
        f.viewer_roles = perm_roles_json("BROWSE_PROJECTS", roles);
    }
    project_rec_t *ps;
    size_t n;
    int64_t total;
    if (store_project_search(kr->store, kr->arena, kr->site.id, &f, &ps, &n, &total) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    if (recent > 0 && (int64_t)n > recent) /* kiln keeps no history of views: the first by key */
        n = (size_t)recent;
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        render_project(w, kr, &ps[i], expand);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

/* ---- update ---- */

/* UpdateProjectDetails fields kiln writes, and those it accepts but ignores (schemes and
 * avatars it does not model). */
static const char *const updatable[] = {"name", "description", "leadAccountId", "lead", "url", "assigneeType"};
static const char *const update_ignored[] = {"avatarId",         "categoryId",         "issueSecurityScheme",
                                             "permissionScheme", "notificationScheme", "projectTemplateKey",
                                             "projectTypeKey",   "releasedProjectKeys"};

void project_update(kreq_t *kr)
{
    project_rec_t p;
    if (people_project(kr, kr->params[0], &p) || /* Jira: the Administer Jira permission */
        people_may_administer_jira(kr, "You must have global administrator rights to update a project."))
        return;
    int bad = 0;
    unsigned expand = render_expand(kreq_query(kr, "expand", &bad));
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *errors = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "key") == 0) {
            if (!json_is_string(v) || strcmp(json_string_value(v), p.key) != 0)
                json_object_set_new(errors, "projectKey",
                                    json_string("kiln does not change a project's key; send the project's own key "
                                                "or none."));
        } else if (!one_of(k, updatable, sizeof updatable / sizeof *updatable) &&
                   !one_of(k, update_ignored, sizeof update_ignored / sizeof *update_ignored))
            json_object_set_new(errors, k, json_string("Unrecognized field; it is not part of UpdateProjectDetails."));
    }
    const char *name = NULL, *desc = NULL, *lead = NULL, *lead_old = NULL, *url = NULL, *atype = NULL;
    if (!opt_string(body, "name", &name) || (name && (!*name || utf8_chars(name) > 80)))
        json_object_set_new(errors, "projectName",
                            json_string("You must specify a valid project name of at most 80 characters."));
    if (!opt_string(body, "description", &desc) || (desc && strlen(desc) > 65535))
        json_object_set_new(errors, "description",
                            json_string("The description must be a string of at most 65535 characters."));
    if (!opt_string(body, "leadAccountId", &lead) || !opt_string(body, "lead", &lead_old) ||
        (lead && strlen(lead) > 128) || (lead_old && strlen(lead_old) > 128))
        json_object_set_new(errors, "projectLead", json_string("The project lead must be an account id."));
    if (!opt_string(body, "url", &url) || (url && strlen(url) > 255))
        json_object_set_new(errors, "projectUrl", json_string("The URL must be a string of at most 255 characters."));
    if (!opt_string(body, "assigneeType", &atype) || (atype && !one_of(atype, assignee_types, 2)))
        json_object_set_new(errors, "assigneeType", json_string("assigneeType must be PROJECT_LEAD or UNASSIGNED."));
    if (!lead)
        lead = lead_old;
    user_rec_t u;
    if (json_object_size(errors) == 0 && lead &&
        store_user_get(kr->store, kr->arena, kr->site.id, lead, &u) != STORE_OK)
        json_object_set_new(errors, "projectLead", json_string("The project lead must be a user of this site."));
    if (json_object_size(errors) > 0) {
        reply_field_errors(kr, 400, errors);
        return;
    }
    json_decref(errors);
    /* what changed, Jira's way: the old and new value of each field written */
    json_t *changes = json_object();
    const struct {
        const char *field, *next;
        const char **cur;
    } fields[] = {
        {"name", name, &p.name}, {"description", desc, &p.description},     {"leadAccountId", lead, &p.lead_account_id},
        {"url", url, &p.url},    {"assigneeType", atype, &p.assignee_type},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        if (!fields[i].next || strcmp(fields[i].next, *fields[i].cur ? *fields[i].cur : "") == 0)
            continue;
        json_object_set_new(changes, fields[i].field,
                            json_pack("{s:s?,s:s}", "from", *fields[i].cur, "to", fields[i].next));
        *fields[i].cur = fields[i].next;
    }
    int rc = STORE_OK;
    if (json_object_size(changes) > 0) { /* an update that changes nothing writes nothing */
        rc = store_begin(kr->store);
        if (rc == STORE_OK)
            rc = store_project_update(kr->store, kr->site.id, &p);
        if (rc == STORE_OK && lead) /* the new lead administers the project, as at creation */
            rc = store_role_actor_add(kr->store, kr->site.id, p.id, ROLE_ADMINISTRATORS, p.lead_account_id);
        if (rc == STORE_OK)
            rc = product_event(kr, EV_PROJECT_UPDATED, p.id, project_payload(&p));
        if (rc == STORE_OK)
            rc = store_commit(kr->store);
        else
            store_rollback(kr->store);
    }
    json_decref(changes);
    if (rc == STORE_OK)
        rc = store_project_by_id(kr->store, kr->arena, kr->site.id, p.id, &p);
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    if (expand & EXPAND_INSIGHT) { /* the counts come from a search of this one project */
        json_t *keys = json_own(kr->arena, json_pack("[s]", p.key));
        size_t len, n = 0;
        int64_t total;
        project_rec_t *one = NULL;
        project_filter_t f = {
            .keys_json = keys ? json_dump_arena(kr->arena, keys, 1024, &len) : NULL, .max_results = 1, .insight = 1};
        if (!f.keys_json || store_project_search(kr->store, kr->arena, kr->site.id, &f, &one, &n, &total) != STORE_OK ||
            n != 1) {
            reply_error(kr, 500, 1, "Internal server error");
            return;
        }
        p.issue_count = one[0].issue_count;
        p.last_issue_update_ms = one[0].last_issue_update_ms;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_project(w, kr, &p, expand | EXPAND_FULL);
    reply_writer(kr, 200, w);
}

/* ---- delete ---- */

void project_delete(kreq_t *kr)
{
    project_rec_t p;
    if (people_project(kr, kr->params[0], &p))
        return;
    int admin = perm_allows(kr, 0, "ADMINISTER"); /* Jira: the Administer Jira permission */
    if (admin != 1) {
        reply_error(kr, admin < 0 ? 500 : 403, 1,
                    admin < 0 ? "Internal server error"
                              : "You must have global administrator rights to delete a project.");
        return;
    }
    int bad = 0;
    const char *undo = kreq_query(kr, "enableUndo", &bad);
    if (bad || (undo && strcmp(undo, "true") && strcmp(undo, "false"))) {
        reply_error(kr, 400, 1, "enableUndo must be true or false.");
        return;
    }
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_project_delete(kr->store, kr->site.id, p.id);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_PROJECT_DELETED, p.id, project_payload(&p));
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 1,
                    rc == STORE_NOTFOUND ? "No project could be found with key or id given." : "Internal server error");
        return;
    }
    reply_raw(kr, 204, "application/json;charset=UTF-8", "", 0);
}
