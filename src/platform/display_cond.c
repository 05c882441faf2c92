/* Display conditions (platform/display_cond.h): the table of conditions and their
 * evaluation. */
#include "platform/display_cond.h"

#include <stdio.h>
#include <string.h>

#include "base/enc.h"
#include "product/jexpr.h"
#include "product/model.h"
#include "product/perm.h"

const char *const dcond_expr_vars[] = {"user", "issue", "project", "app", NULL};

/* ================================================================ the conditions */

static int want_bool(json_t *v, int holds)
{
    return json_is_boolean(v) ? (json_is_true(v) ? holds : !holds) : 0;
}

/* 1 if s equals the string v or one of the list v. */
static int any_of(json_t *v, const char *s)
{
    if (!s)
        return 0;
    if (json_is_string(v))
        return strcmp(json_string_value(v), s) == 0;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) if (json_is_string(x) && strcmp(json_string_value(x), s) == 0) return 1;
    return 0;
}

static int64_t project_id(const dcond_ctx_t *c)
{
    return c->project ? c->project->id : 0;
}

/* The user holds permission `key` where the condition looks: the context's project for a
 * project permission, the site for a global one. */
static int holds(const dcond_ctx_t *c, const char *key)
{
    const perm_def_t *p = perm_find(key);
    if (!p)
        return 0; /* a permission kiln does not model: nobody holds it */
    if (p->kind == PERM_PROJECT && !c->project)
        return 0;
    return perm_user_has(c->st, c->site->id, c->user->account_id, p->kind == PERM_PROJECT ? project_id(c) : 0, key);
}

static int bool_result(int r, json_t *v)
{
    return r < 0 ? -1 : want_bool(v, r);
}

static int ev_logged_in(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)c, (void)d;
    return want_bool(v, 1); /* a UI request always has a signed-in user */
}

static int ev_perm_bool(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    return bool_result(holds(c, d->perm), v);
}

static int ev_site_admin(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    return want_bool(v, c->site->admin_account_id && strcmp(c->site->admin_account_id, c->user->account_id) == 0);
}

/* Jira's global permission keys as kiln's: SYSTEM_ADMIN is ADMINISTER here. */
static int ev_global_perm(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    const char *k = json_string_value(v);
    const perm_def_t *p = perm_find(k && strcmp(k, "SYSTEM_ADMIN") == 0 ? "ADMINISTER" : k);
    return p && p->kind == PERM_GLOBAL ? holds(c, p->key) : 0;
}

static int ev_project_perm(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    const perm_def_t *p = perm_find(json_string_value(v));
    return p && p->kind == PERM_PROJECT ? holds(c, p->key) : 0;
}

static int ev_issue_type(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    const issue_type_t *t = issue_type_find(c->issue->issuetype_id);
    return t && any_of(v, t->name);
}

static int ev_issue_key(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    return any_of(v, c->issue_key);
}

static int ev_issue_id(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    char id[24];
    enc_i64(id, c->issue->id);
    return any_of(v, id);
}

static int ev_project_key(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    return any_of(v, c->project->key);
}

static int ev_project_id(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    char id[24];
    enc_i64(id, c->project->id);
    return any_of(v, id);
}

static int ev_project_name(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    return any_of(v, c->project->name);
}

static int ev_project_type(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    return any_of(v, c->project->type_key);
}

static int same_user(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int ev_assigned(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    return want_bool(v, same_user(c->issue->assignee_account_id, c->user->account_id));
}

static int ev_reported(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    return want_bool(v, same_user(c->issue->reporter_account_id, c->user->account_id));
}

static int ev_unresolved(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    return want_bool(v, c->issue->resolution_id == 0);
}

/* ---- jiraExpression: user, issue, project (what the context has), app (null) */

static json_t *vars_json(const dcond_ctx_t *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "user",
                        json_pack("{s:s,s:s,s:s}", "accountId", c->user->account_id, "displayName",
                                  c->user->display_name ? c->user->display_name : "", "accountType", "atlassian"));
    json_object_set_new(o, "app", json_null());
    char id[24];
    if (c->project) {
        enc_i64(id, c->project->id);
        json_object_set_new(o, "project",
                            json_pack("{s:s,s:s,s:s,s:s}", "id", id, "key", c->project->key, "name", c->project->name,
                                      "projectTypeKey", c->project->type_key));
    } else {
        json_object_set_new(o, "project", json_null());
    }
    if (c->issue) {
        const issue_type_t *t = issue_type_find(c->issue->issuetype_id);
        char tid[24];
        enc_i64(id, c->issue->id);
        enc_i64(tid, c->issue->issuetype_id);
        json_t *is =
            json_pack("{s:s,s:s,s:s,s:{s:s,s:s}}", "id", id, "key", c->issue_key ? c->issue_key : "", "summary",
                      c->issue->summary ? c->issue->summary : "", "issueType", "id", tid, "name", t ? t->name : "");
        json_object_set_new(is, "assignee",
                            c->issue->assignee_account_id
                                ? json_pack("{s:s}", "accountId", c->issue->assignee_account_id)
                                : json_null());
        json_object_set_new(is, "reporter",
                            c->issue->reporter_account_id
                                ? json_pack("{s:s}", "accountId", c->issue->reporter_account_id)
                                : json_null());
        json_object_set_new(is, "resolution",
                            c->issue->resolution_id ? json_pack("{s:I}", "id", (json_int_t)c->issue->resolution_id)
                                                    : json_null());
        json_object_set_new(o, "issue", is);
    } else {
        json_object_set_new(o, "issue", json_null());
    }
    return o;
}

/* Forge: true when the expression evaluates to true; an error or another value is false. */
static int ev_expression(const dcond_ctx_t *c, const dcond_def_t *d, json_t *v)
{
    (void)d;
    const char *src = json_string_value(v);
    jexpr_err_t err;
    jexpr_t *x = src ? jexpr_compile(c->a, src, strlen(src), &err) : NULL;
    if (!x || jexpr_check_vars(x, dcond_expr_vars, &err) != 0)
        return 0;
    json_t *vars = vars_json(c);
    char msg[200];
    json_t *r = jexpr_eval(x, vars, msg, sizeof msg);
    int ok = json_is_true(r);
    json_decref(r);
    json_decref(vars);
    return ok;
}

#define P(name, perm)                                                                                                  \
    {                                                                                                                  \
        name, DCOND_BOOL, DCOND_PROJECT, ev_perm_bool, perm, 0                                                         \
    }
#define NOT_EVALUATED(name)                                                                                            \
    {                                                                                                                  \
        name, DCOND_ANY, DCOND_GLOBAL, NULL, NULL, 0                                                                   \
    }
static const dcond_def_t defs[] = {
    /* global */
    {"isLoggedIn", DCOND_BOOL, DCOND_GLOBAL, ev_logged_in, NULL, 0},
    {"isAdmin", DCOND_BOOL, DCOND_GLOBAL, ev_perm_bool, "ADMINISTER", 0},
    {"canAdministerJira", DCOND_BOOL, DCOND_GLOBAL, ev_perm_bool, "ADMINISTER", 0},
    {"isSiteAdmin", DCOND_BOOL, DCOND_GLOBAL, ev_site_admin, NULL, 0},
    {"hasGlobalPermission", DCOND_STRING, DCOND_GLOBAL, ev_global_perm, NULL, 0},
    {"jiraExpression", DCOND_STRING, DCOND_GLOBAL, ev_expression, NULL, 0},
    /* the project (a project page, or the issue's) */
    {"projectKey", DCOND_STRINGS, DCOND_PROJECT, ev_project_key, NULL, 0},
    {"projectId", DCOND_STRINGS, DCOND_PROJECT, ev_project_id, NULL, 0},
    {"projectName", DCOND_STRINGS, DCOND_PROJECT, ev_project_name, NULL, 0},
    {"projectType", DCOND_STRINGS, DCOND_PROJECT, ev_project_type, NULL, 0},
    {"hasProjectPermission", DCOND_STRING, DCOND_PROJECT, ev_project_perm, NULL, 0},
    P("isProjectAdmin", "ADMINISTER_PROJECTS"),
    P("canAdministerProjects", "ADMINISTER_PROJECTS"),
    P("canAddComments", "ADD_COMMENTS"),
    P("canAssignIssues", "ASSIGN_ISSUES"),
    P("canBeAssignedToIssues", "ASSIGNABLE_USER"),
    P("canCreateAttachments", "CREATE_ATTACHMENTS"),
    P("canDeleteAllAttachments", "DELETE_ALL_ATTACHMENTS"),
    P("canDeleteAllComments", "DELETE_ALL_COMMENTS"),
    P("canDeleteAllWorklogs", "DELETE_ALL_WORKLOGS"),
    P("canDeleteIssues", "DELETE_ISSUES"),
    P("canDeleteOwnComments", "DELETE_OWN_COMMENTS"),
    P("canDeleteOwnWorklogs", "DELETE_OWN_WORKLOGS"),
    P("canEditAllComments", "EDIT_ALL_COMMENTS"),
    P("canEditAllWorklogs", "EDIT_ALL_WORKLOGS"),
    P("canEditIssues", "EDIT_ISSUES"),
    P("canEditOwnComments", "EDIT_OWN_COMMENTS"),
    P("canEditOwnWorklogs", "EDIT_OWN_WORKLOGS"),
    P("canLogWork", "WORK_ON_ISSUES"),
    P("canMoveIssues", "MOVE_ISSUES"),
    /* the issue */
    {"issueKey", DCOND_STRINGS, DCOND_ISSUE, ev_issue_key, NULL, 0},
    {"issueId", DCOND_STRINGS, DCOND_ISSUE, ev_issue_id, NULL, 0},
    {"issueType", DCOND_STRINGS, DCOND_ISSUE, ev_issue_type, NULL, 0},
    {"hasIssuePermission", DCOND_STRING, DCOND_ISSUE, ev_project_perm, NULL, 0},
    /* Connect's issue conditions, which Forge's schema does not list; kiln evaluates them */
    {"issueTypes", DCOND_STRINGS, DCOND_ISSUE, ev_issue_type, NULL, 1},
    {"isIssueAssignedToCurrentUser", DCOND_BOOL, DCOND_ISSUE, ev_assigned, NULL, 1},
    {"isIssueReportedByCurrentUser", DCOND_BOOL, DCOND_ISSUE, ev_reported, NULL, 1},
    {"isIssueUnresolved", DCOND_BOOL, DCOND_ISSUE, ev_unresolved, NULL, 1},
    {"isIssueEditable", DCOND_BOOL, DCOND_ISSUE, ev_perm_bool, "EDIT_ISSUES", 1},
    /* Forge's, which kiln does not evaluate: they hold */
    NOT_EVALUATED("appEdition"),
    NOT_EVALUATED("appIsLicensed"),
    NOT_EVALUATED("hasAppAccess"),
    NOT_EVALUATED("hasCoreAccess"),
    NOT_EVALUATED("hasSoftwareAccess"),
    NOT_EVALUATED("hasServiceDeskAccess"),
    NOT_EVALUATED("hasServiceManagementAccess"),
    NOT_EVALUATED("entityPropertyExists"),
    NOT_EVALUATED("entityPropertyEqualTo"),
    NOT_EVALUATED("entityPropertyContainsAny"),
    NOT_EVALUATED("entityPropertyContainsAll"),
    NOT_EVALUATED("permissions"),
    NOT_EVALUATED("isProjectArchived"),
    NOT_EVALUATED("timeTrackingProviderEnabled"),
    NOT_EVALUATED("jiraTimeTrackingProviderEnabled"),
    NOT_EVALUATED("canBrowseUsers"),
    NOT_EVALUATED("canCloneIssues"),
    NOT_EVALUATED("canCreateChildren"),
    NOT_EVALUATED("canCreateSubtasks"),
    NOT_EVALUATED("canDeleteOwnAttachments"),
    NOT_EVALUATED("canLinkIssues"),
    NOT_EVALUATED("canManageWatchers"),
    NOT_EVALUATED("canModifyReporters"),
    NOT_EVALUATED("canScheduleIssues"),
    NOT_EVALUATED("canUseServiceManagementAgentFeatures"),
    NOT_EVALUATED("canViewDevTools"),
    NOT_EVALUATED("canViewWatchers"),
};
#undef P
#undef NOT_EVALUATED

const dcond_def_t *dcond_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof defs / sizeof defs[0]; i++)
        if (strcmp(defs[i].name, name) == 0)
            return &defs[i];
    return NULL;
}

int dcond_is_op(const char *name)
{
    return strcmp(name, "and") == 0 || strcmp(name, "or") == 0 || strcmp(name, "not") == 0;
}

/* ================================================================ evaluation */

typedef struct walk {
    const dcond_ctx_t *c;
    size_t nodes;
    int bad; /* a shape the deploy check refuses: the whole does not hold */
} walk_t;

static int bad(walk_t *w)
{
    w->bad = 1;
    return 0;
}

static int all(walk_t *w, json_t *j, int depth);

/* One condition `name: v`. */
static int one(walk_t *w, const char *name, json_t *v, int depth)
{
    if (++w->nodes > DCOND_MAX_NODES)
        return bad(w);
    if (!strcmp(name, "and"))
        return all(w, v, depth + 1);
    if (!strcmp(name, "not")) {
        int r = all(w, v, depth + 1);
        return r < 0 ? r : !r;
    }
    if (!strcmp(name, "or")) {
        if (depth + 1 > DCOND_MAX_DEPTH)
            return bad(w);
        const char *k;
        json_t *x;
        size_t i;
        if (json_is_object(v)) {
            json_object_foreach(v, k, x)
            {
                int r = one(w, k, x, depth + 1);
                if (r != 0)
                    return r;
            }
            return 0;
        }
        if (!json_is_array(v))
            return bad(w);
        json_array_foreach(v, i, x)
        {
            int r = all(w, x, depth + 1);
            if (r != 0)
                return r;
        }
        return 0;
    }
    const dcond_def_t *d = dcond_find(name);
    if (!d || !d->eval)
        return 1;
    if (d->scope == DCOND_ISSUE && !w->c->issue)
        return 0;
    if (d->scope == DCOND_PROJECT && !w->c->project)
        return 0;
    switch (d->value) { /* a value the deploy check would refuse does not hold */
    case DCOND_BOOL:
        if (!json_is_boolean(v))
            return bad(w);
        break;
    case DCOND_STRING:
        if (!json_is_string(v))
            return bad(w);
        break;
    case DCOND_STRINGS:
        if (!json_is_string(v) && !json_is_array(v))
            return bad(w);
        break;
    case DCOND_ANY: break;
    }
    return d->eval(w->c, d, v);
}

/* Every condition of a mapping, or of every mapping of a list. */
static int all(walk_t *w, json_t *j, int depth)
{
    if (depth > DCOND_MAX_DEPTH)
        return bad(w);
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(j)) {
        json_object_foreach(j, k, x)
        {
            int r = one(w, k, x, depth);
            if (r != 1)
                return r;
        }
        return 1;
    }
    if (!json_is_array(j))
        return bad(w);
    json_array_foreach(j, i, x)
    {
        int r = all(w, x, depth);
        if (r != 1)
            return r;
    }
    return 1;
}

int dcond_eval(const dcond_ctx_t *c, json_t *conds)
{
    if (!conds || json_is_null(conds))
        return 1;
    if (!json_is_object(conds))
        return 0;
    walk_t w = {.c = c};
    int r = all(&w, conds, 0);
    return w.bad ? 0 : r;
}
