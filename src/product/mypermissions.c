/* What the caller may do: GET /mypermissions (per permission, in a project or issue or
 * anywhere), GET /permissions (every permission kiln models) and POST /permissions/project
 * (the projects where the caller holds permissions). A user answers by its grants and
 * roles (perm_user_has); an app as kiln enforces it (perm_allows: its scopes limit it,
 * its bot user holds every permission, as Jira's app role grants them). */
#include <string.h>

#include "base/jsonw.h"
#include "http/reply.h"
#include "product/idkey.h"
#include "product/people.h"
#include "product/perm.h"
#include "store/store_product.h"

#define MY_PERMS_MAX 64         /* permissions one request may ask about */
#define PROJECTS_SCAN_MAX 10000 /* projects a "which projects" answer looks at */

/* Jira's id, name and description of each permission kiln models. */
static const struct {
    const char *key, *id, *name, *description;
} about[] = {
    {"ADMINISTER", "0", "Administer Jira",
     "Create and administer projects, issue types, fields, workflows, and schemes for all projects. Users with this "
     "permission can perform most administration tasks, except: managing users, importing data, and editing system "
     "email settings."},
    {"BROWSE_PROJECTS", "10", "Browse Projects", "Ability to browse projects and the issues within them."},
    {"CREATE_ISSUES", "11", "Create Issues", "Ability to create issues."},
    {"EDIT_ISSUES", "12", "Edit Issues", "Ability to edit issues."},
    {"ASSIGN_ISSUES", "13", "Assign Issues", "Ability to assign issues to other people."},
    {"ADD_COMMENTS", "15", "Add Comments", "Ability to comment on issues."},
    {"DELETE_ISSUES", "16", "Delete Issues", "Ability to delete issues."},
    {"ASSIGNABLE_USER", "17", "Assignable User", "Users with this permission may be assigned to issues."},
    {"CREATE_ATTACHMENTS", "19", "Create Attachments", "Users with this permission may create attachments."},
    {"ADMINISTER_PROJECTS", "23", "Administer Projects", "Ability to administer a project in Jira."},
    {"MOVE_ISSUES", "25", "Move Issues",
     "Ability to move issues between projects or between workflows of the same "
     "project (if applicable). Note the user can only move issues to a project "
     "they have the create permission for."},
    {"EDIT_ALL_COMMENTS", "34", "Edit All Comments", "Ability to edit all comments made on issues."},
    {"DELETE_ALL_COMMENTS", "36", "Delete All Comments", "Ability to delete all comments made on issues."},
    {"DELETE_ALL_ATTACHMENTS", "38", "Delete All Attachments",
     "Users with this permission may delete all attachments."},
    {"TRANSITION_ISSUES", "46", "Transition Issues", "Ability to transition issues."},
    /* permissions other parts of kiln may model (a key perm_all lacks is never asked for) */
    {"WORK_ON_ISSUES", "20", "Work On Issues",
     "Ability to log work done against an issue. Only useful if Time "
     "Tracking is turned on."},
    {"EDIT_OWN_COMMENTS", "35", "Edit Own Comments", "Ability to edit own comments made on issues."},
    {"DELETE_OWN_COMMENTS", "37", "Delete Own Comments", "Ability to delete own comments made on issues."},
    {"EDIT_OWN_WORKLOGS", "40", "Edit Own Worklogs", "Ability to edit own worklogs made on issues."},
    {"EDIT_ALL_WORKLOGS", "41", "Edit All Worklogs", "Ability to edit all worklogs made on issues."},
    {"DELETE_OWN_WORKLOGS", "42", "Delete Own Worklogs", "Ability to delete own worklogs made on issues."},
    {"DELETE_ALL_WORKLOGS", "43", "Delete All Worklogs", "Ability to delete all worklogs made on issues."},
};

static size_t about_index(const char *key)
{
    size_t i = 0;
    while (i < sizeof about / sizeof *about && strcmp(about[i].key, key) != 0)
        i++;
    return i;
}

static void write_permission(jsonw_t *w, const perm_def_t *d, int have)
{
    size_t i = about_index(d->key);
    jw_key(w, d->key);
    jw_obj(w);
    if (i < sizeof about / sizeof *about) {
        jw_kstr(w, "id", about[i].id);
        jw_kstr(w, "name", about[i].name);
        jw_kstr(w, "description", about[i].description);
    }
    jw_kstr(w, "key", d->key);
    jw_kstr(w, "type", d->kind == PERM_GLOBAL ? "GLOBAL" : "PROJECT");
    if (have >= 0)
        jw_kbool(w, "havePermission", have);
    jw_obj_end(w);
}

/* Every project of the site the caller may browse (a page of at most PROJECTS_SCAN_MAX). */
static int browsable(kreq_t *kr, project_rec_t **ps, size_t *n)
{
    project_filter_t f = {.order = PROJECT_ORDER_KEY, .max_results = PROJECTS_SCAN_MAX};
    char roles[PERM_ROLES_JSON_MAX];
    if (perm_is_user(kr)) {
        f.viewer = kr->principal.account_id;
        f.viewer_roles = perm_roles_json("BROWSE_PROJECTS", roles);
    }
    int64_t total;
    return store_project_search(kr->store, kr->arena, kr->site.id, &f, ps, n, &total);
}

/* The caller holds project permission `key` in some project it may browse: 1, 0, -1. */
static int in_any_project(kreq_t *kr, const char *key, project_rec_t *ps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int has = perm_allows(kr, ps[i].id, key);
        if (has != 0)
            return has;
    }
    return 0;
}

void my_permissions(kreq_t *kr)
{
    int bad = 0;
    const char *list = kreq_query(kr, "permissions", &bad);
    const char *pkey = kreq_query(kr, "projectKey", &bad);
    const char *pid = kreq_query(kr, "projectId", &bad);
    const char *ikey = kreq_query(kr, "issueKey", &bad);
    const char *iid = kreq_query(kr, "issueId", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "Malformed query parameter.");
        return;
    }
    if (!list || !*list) {
        reply_error(kr, 400, 1, "The permissions query parameter is required.");
        return;
    }
    const perm_def_t *want[MY_PERMS_MAX];
    size_t n = 0;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            const char *k = arena_strndup(kr->arena, p, len);
            const perm_def_t *d = perm_find(k);
            if (!d) {
                reply_error(kr, 400, 1,
                            arena_printf(kr->arena,
                                         "Permission '%.64s' is not a permission kiln models (see GET "
                                         "/rest/api/3/permissions).",
                                         k));
                return;
            }
            if (n == MY_PERMS_MAX) {
                reply_error(kr, 400, 1, "At most 64 permissions a request.");
                return;
            }
            want[n++] = d;
        }
        p += len + (e != NULL);
    }
    if (n == 0) {
        reply_error(kr, 400, 1, "The permissions query parameter is required.");
        return;
    }
    /* the context: an issue (its project), a project, or none (anywhere) */
    int64_t project = 0;
    const char *issue = ikey ? ikey : iid;
    const char *proj = pkey ? pkey : pid;
    if (issue) {
        issue_rec_t is;
        const char *pk;
        int rc =
            strlen(issue) <= 255 ? idkey_issue_get(kr->store, kr->arena, kr->site.id, issue, &is, &pk) : STORE_NOTFOUND;
        if (rc == STORE_OK) {
            int may = perm_allows(kr, is.project_id, "BROWSE_PROJECTS");
            rc = may < 0 ? STORE_ERROR : may ? STORE_OK : STORE_NOTFOUND;
        }
        if (rc != STORE_OK) {
            reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 1,
                        rc == STORE_NOTFOUND ? "Issue does not exist or you do not have permission to see it."
                                             : "Internal server error");
            return;
        }
        project = is.project_id;
    } else if (proj) {
        project_rec_t p;
        if (strlen(proj) > 255) {
            reply_error(kr, 404, 1, "No project could be found with key or id given.");
            return;
        }
        if (people_project(kr, proj, &p))
            return;
        project = p.id;
    }
    project_rec_t *ps = NULL;
    size_t nps = 0;
    if (!project && browsable(kr, &ps, &nps) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "permissions");
    jw_obj(w);
    for (size_t i = 0; i < n; i++) {
        int have = want[i]->kind == PERM_GLOBAL ? perm_allows(kr, 0, want[i]->key)
                   : project                    ? perm_allows(kr, project, want[i]->key)
                                                : in_any_project(kr, want[i]->key, ps, nps);
        if (have < 0) {
            reply_error(kr, 500, 1, "Internal server error");
            return;
        }
        write_permission(w, want[i], have);
    }
    jw_obj_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void permissions_all(kreq_t *kr)
{
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "permissions");
    jw_obj(w);
    for (const perm_def_t *d = perm_all; d->key; d++)
        write_permission(w, d, -1);
    jw_obj_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void permissions_project(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *perms = json_object_get(body, "permissions");
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "permissions") != 0) {
            reply_error(kr, 400, 1, "Unrecognized field; the body takes permissions.");
            return;
        }
    }
    if (!json_is_array(perms) || json_array_size(perms) > MY_PERMS_MAX) {
        reply_error(kr, 400, 1, "permissions must be an array of at most 64 project permission keys.");
        return;
    }
    size_t i;
    json_array_foreach(perms, i, v)
    {
        const perm_def_t *d = perm_find(json_string_value(v));
        if (!d || d->kind != PERM_PROJECT) {
            reply_error(kr, 400, 1,
                        arena_printf(kr->arena, "Unrecognized project permission: %.64s",
                                     json_string_value(v) ? json_string_value(v) : "(not a string)"));
            return;
        }
    }
    project_rec_t *ps;
    size_t n;
    if (browsable(kr, &ps, &n) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "projects");
    jw_arr(w);
    for (size_t p = 0; p < n; p++) {
        int all = 1;
        json_array_foreach(perms, i, v)
        {
            int has = perm_allows(kr, ps[p].id, json_string_value(v));
            if (has < 0) {
                reply_error(kr, 500, 1, "Internal server error");
                return;
            }
            all &= has;
        }
        if (!all)
            continue;
        jw_obj(w);
        jw_kint(w, "id", ps[p].id);
        jw_kstr(w, "key", ps[p].key);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}
