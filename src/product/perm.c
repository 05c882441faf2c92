/* Users' permissions (product/perm.h) and POST /rest/api/3/permissions/check, the bulk
 * check @forge/api's authorize() calls. */
#include "product/perm.h"

#include <stdio.h>
#include <string.h>

#include "base/enc.h"
#include "base/jsonw.h"
#include "http/reply.h"
#include "product/model.h"
#include "product/routes.h"
#include "store/store_product.h"
#include "store/store_roles.h"
#include "store/store_sites.h"

const perm_def_t perm_all[] = {
    {"ADMINISTER", PERM_GLOBAL},
    {"BROWSE_PROJECTS", PERM_PROJECT},
    {"CREATE_ISSUES", PERM_PROJECT},
    {"EDIT_ISSUES", PERM_PROJECT},
    {"ASSIGN_ISSUES", PERM_PROJECT},
    {"ASSIGNABLE_USER", PERM_PROJECT},
    {"TRANSITION_ISSUES", PERM_PROJECT},
    {"MOVE_ISSUES", PERM_PROJECT},
    {"DELETE_ISSUES", PERM_PROJECT},
    {"ADD_COMMENTS", PERM_PROJECT},
    {"EDIT_ALL_COMMENTS", PERM_PROJECT},
    {"DELETE_ALL_COMMENTS", PERM_PROJECT},
    {"CREATE_ATTACHMENTS", PERM_PROJECT},
    {"DELETE_ALL_ATTACHMENTS", PERM_PROJECT},
    {"ADMINISTER_PROJECTS", PERM_PROJECT},
    {"EDIT_OWN_COMMENTS", PERM_PROJECT},
    {"DELETE_OWN_COMMENTS", PERM_PROJECT},
    {"WORK_ON_ISSUES", PERM_PROJECT},
    {"EDIT_OWN_WORKLOGS", PERM_PROJECT},
    {"EDIT_ALL_WORKLOGS", PERM_PROJECT},
    {"DELETE_OWN_WORKLOGS", PERM_PROJECT},
    {"DELETE_ALL_WORKLOGS", PERM_PROJECT},
    {NULL, 0},
};

const perm_def_t *perm_find(const char *key)
{
    for (const perm_def_t *p = perm_all; key && p->key; p++)
        if (strcmp(p->key, key) == 0)
            return p;
    return NULL;
}

int perm_seed_admin(store_t *st, int64_t site_id, const char *account_id)
{
    int rc = STORE_OK;
    for (const perm_def_t *p = perm_all; rc == STORE_OK && p->key; p++)
        rc = store_perm_grant(st, site_id, account_id, 0, p->key);
    return rc;
}

const char *perm_roles_json(const char *key, char *buf)
{
    size_t o = 0;
    buf[o++] = '[';
    for (size_t i = 0; i < model_roles_len && o + 24 < PERM_ROLES_JSON_MAX; i++)
        if (role_grants(&model_roles[i], key))
            o += (size_t)snprintf(buf + o, PERM_ROLES_JSON_MAX - o, "%s%lld", o > 1 ? "," : "",
                                  (long long)model_roles[i].id);
    buf[o++] = ']';
    buf[o] = '\0';
    return buf;
}

size_t perm_roles(const char *key, int64_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < model_roles_len && n < STORE_ROLES_MAX; i++)
        if (role_grants(&model_roles[i], key))
            out[n++] = model_roles[i].id;
    return n;
}

int perm_user_has(store_t *st, int64_t site_id, const char *account_id, int64_t project_id, const char *key)
{
    int has = 0;
    int64_t roles[STORE_ROLES_MAX];
    if (!account_id || !key)
        return 0;
    size_t n = project_id ? perm_roles(key, roles) : 0; /* a role grants nothing globally */
    if (store_perm_role_has(st, site_id, account_id, project_id, key, roles, n, &has) != STORE_OK)
        return -1;
    return has;
}

int perm_is_user(const kreq_t *kr)
{
    return kr->principal.kind == PRINCIPAL_USER;
}

int perm_allows(kreq_t *kr, int64_t project_id, const char *key)
{
    if (!perm_is_user(kr))
        return 1;
    return perm_user_has(kr->store, kr->site.id, kr->principal.account_id, project_id, key);
}

/* ---------------------------------------------------------------- permissions/check */

#define CHECK_MAX_IDS 1000 /* Jira: at most 1000 projects and 1000 issues */
#define CHECK_MAX_PERMS 64
/* (permission, id) pairs a request may ask about in all: each is up to three lookups, and
 * the lists' own caps multiply to 8 million (64 items x 64 permissions x 2000 ids) */
#define CHECK_MAX_PAIRS 20000

/* A JSON array of at most `max` items, or NULL/absent; -1 otherwise. */
static int array_or_null(json_t *v, size_t max)
{
    return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) <= max) ? 0 : -1;
}

/* Writes the ids of `ids` (integers or their digits; others ignored, as Jira ignores invalid ids) for which
 * the account holds `perm`: projects directly, issues by their project. */
static void allowed_ids(kreq_t *kr, jsonw_t *w, const char *account, const char *perm, json_t *ids, int issues)
{
    jw_arr(w);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        int64_t id;
        if (json_is_integer(v))
            id = json_integer_value(v);
        else if (!json_is_string(v) || enc_parse_i64(json_string_value(v), 1, INT64_MAX, &id) != 0)
            continue; /* Jira reads "10000" as 10000 (what context.extension gives), and ignores the rest */
        int64_t project = id;
        if (issues) {
            issue_rec_t is;
            const char *pkey;
            if (store_issue_by_id(kr->store, kr->arena, kr->site.id, id, &is, &pkey) != STORE_OK)
                continue;
            project = is.project_id;
        } else {
            project_rec_t p;
            if (store_project_by_id(kr->store, kr->arena, kr->site.id, id, &p) != STORE_OK)
                continue;
        }
        /* an issue or project the user cannot browse grants nothing else either */
        if (perm_user_has(kr->store, kr->site.id, account, project, perm) == 1 &&
            (strcmp(perm, "BROWSE_PROJECTS") == 0 ||
             perm_user_has(kr->store, kr->site.id, account, project, "BROWSE_PROJECTS") == 1))
            jw_int(w, id);
    }
    jw_arr_end(w);
}

void permissions_check(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "accountId") && strcmp(k, "globalPermissions") && strcmp(k, "projectPermissions")) {
            reply_error(kr, 400, 1,
                        "Unrecognized field; the body takes accountId, globalPermissions, projectPermissions.");
            return;
        }
    }
    json_t *acct = json_object_get(body, "accountId");
    json_t *global = json_object_get(body, "globalPermissions");
    json_t *project = json_object_get(body, "projectPermissions");
    if ((acct && !json_is_null(acct) && (!json_is_string(acct) || json_string_length(acct) > 128)) ||
        array_or_null(global, CHECK_MAX_PERMS) || array_or_null(project, CHECK_MAX_PERMS)) {
        reply_error(kr, 400, 1, "accountId must be a string; globalPermissions and projectPermissions arrays.");
        return;
    }
    const char *account = json_is_string(acct) && json_string_length(acct) ? json_string_value(acct) : NULL;
    if (!account)
        account = kr->principal.account_id; /* no accountId: the caller */
    /* A user may check others only as a Jira administrator; an app may check anyone. */
    if (perm_is_user(kr) && strcmp(account, kr->principal.account_id) != 0) {
        int admin = perm_user_has(kr->store, kr->site.id, kr->principal.account_id, 0, "ADMINISTER");
        if (admin != 1) {
            reply_error(kr, admin < 0 ? 500 : 403, 1,
                        admin < 0 ? "Internal server error"
                                  : "You must have the Administer Jira global permission to check another user.");
            return;
        }
    }
    user_rec_t u;
    int urc = store_user_get(kr->store, kr->arena, kr->site.id, account, &u);
    if (urc != STORE_OK) {
        reply_error(kr, urc == STORE_NOTFOUND ? 404 : 500, 1,
                    urc == STORE_NOTFOUND ? "The user does not exist." : "Internal server error");
        return;
    }
    /* every key must be one Jira knows, of the right kind (Jira answers 400 for others) */
    size_t i, j;
    json_array_foreach(global, i, v)
    {
        const perm_def_t *p = json_is_null(v) ? NULL : perm_find(json_string_value(v));
        if (!json_is_null(v) && (!p || p->kind != PERM_GLOBAL)) {
            reply_error(kr, 400, 1,
                        arena_printf(kr->arena, "Unrecognized global permission: %.64s",
                                     json_string_value(v) ? json_string_value(v) : "(not a string)"));
            return;
        }
    }
    size_t pairs = 0;
    json_array_foreach(project, i, v)
    {
        json_t *perms = json_object_get(v, "permissions"), *x;
        if (!json_is_object(v) || !json_is_array(perms) || json_array_size(perms) > CHECK_MAX_PERMS ||
            array_or_null(json_object_get(v, "projects"), CHECK_MAX_IDS) ||
            array_or_null(json_object_get(v, "issues"), CHECK_MAX_IDS)) {
            reply_error(kr, 400, 1,
                        "Each projectPermissions item needs permissions (an array) and may have projects and issues "
                        "(arrays of at most 1000 ids).");
            return;
        }
        pairs += json_array_size(perms) *
                 (json_array_size(json_object_get(v, "projects")) + json_array_size(json_object_get(v, "issues")));
        if (pairs > CHECK_MAX_PAIRS) {
            reply_error(kr, 400, 1,
                        arena_printf(kr->arena,
                                     "At most %d checks a request: the sum over projectPermissions of permissions x "
                                     "(projects + issues).",
                                     CHECK_MAX_PAIRS));
            return;
        }
        json_array_foreach(perms, j, x)
        {
            const char *s = json_string_value(x);
            const perm_def_t *p = s && *s ? perm_find(s) : NULL;
            if (s && *s && (!p || p->kind != PERM_PROJECT)) {
                reply_error(kr, 400, 1, arena_printf(kr->arena, "Unrecognized project permission: %.64s", s));
                return;
            }
        }
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "globalPermissions");
    jw_arr(w);
    json_array_foreach(global, i, v)
    {
        if (json_is_string(v) && perm_user_has(kr->store, kr->site.id, account, 0, json_string_value(v)) == 1)
            jw_str(w, json_string_value(v));
    }
    jw_arr_end(w);
    jw_key(w, "projectPermissions");
    jw_arr(w);
    json_array_foreach(project, i, v)
    {
        json_t *x;
        json_array_foreach(json_object_get(v, "permissions"), j, x)
        {
            const char *s = json_string_value(x);
            if (!s || !*s)
                continue;
            jw_obj(w);
            jw_kstr(w, "permission", s);
            jw_key(w, "issues");
            allowed_ids(kr, w, account, s, json_object_get(v, "issues"), 1);
            jw_key(w, "projects");
            allowed_ids(kr, w, account, s, json_object_get(v, "projects"), 0);
            jw_obj_end(w);
        }
    }
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}
