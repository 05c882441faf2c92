/* Finding users: by name or email (user/search), by what they may do in a project
 * (assignable, viewissue, permission searches) and by account id (user/bulk). Every
 * search is one store query (store_user_search); a project or issue the caller may not
 * browse is a 404, as a missing one. */
#include <stdio.h>
#include <string.h>

#include "base/enc.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "base/limits.h"
#include "http/reply.h"
#include "product/idkey.h"
#include "product/people.h"
#include "product/perm.h"
#include "product/render.h"
#include "store/store_roles.h"

#define QUERY_MAX 255      /* characters of a search string */
#define BULK_IDS_MAX 50    /* account ids of one user/bulk (kiln reads at most KILN_MAX_QUERY_PARAMS parameters) */
#define MULTI_PROJECTS 100 /* projects of one multiProjectSearch */
#define PERMS_MAX 32       /* permissions of one permission search */

/* The filter's query, startAt and maxResults from the request (default page `dflt`):
 * 0, or -1 after a 400. */
static int read_common(kreq_t *kr, user_filter_t *f, int64_t dflt)
{
    int bad = 0;
    f->start_at = 0;
    f->max_results = dflt;
    if (kreq_query_int(kr, "startAt", 0, INT32_MAX, &f->start_at) ||
        kreq_query_int(kr, "maxResults", 0, INT32_MAX, &f->max_results)) {
        reply_error(kr, 400, 1, "startAt and maxResults must be non-negative integers.");
        return -1;
    }
    if (f->max_results > KILN_MAX_USER_PAGE)
        f->max_results = KILN_MAX_USER_PAGE;
    const char *q = kreq_query(kr, "query", &bad);
    const char *id = kreq_query(kr, "accountId", &bad);
    if (bad || (q && strlen(q) > QUERY_MAX) || (id && strlen(id) > 128)) {
        reply_error(kr, 400, 1, "query must be at most 255 characters and accountId at most 128.");
        return -1;
    }
    if (kreq_query(kr, "username", &bad) || kreq_query(kr, "key", &bad)) {
        reply_error(kr, 400, 1,
                    "The username and key parameters are no longer available (Jira's user privacy change); use "
                    "accountId.");
        return -1;
    }
    if (q && *q) {
        char *low = arena_strdup(kr->arena, q);
        for (char *c = low; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        f->query = low;
    }
    if (id && *id) {
        json_t *arr = json_own(kr->arena, json_pack("[s]", id));
        size_t len;
        f->account_ids_json = arr ? json_dump_arena(kr->arena, arr, 1024, &len) : NULL;
    }
    return 0;
}

/* {"p": key, "r": [roles]} items of the permissions in keys[0..n), as JSON. */
static const char *perms_json(kreq_t *kr, const char *const *keys, size_t n)
{
    json_t *arr = json_own(kr->arena, json_array());
    for (size_t i = 0; i < n; i++) {
        char roles[PERM_ROLES_JSON_MAX];
        json_t *r = json_loads(perm_roles_json(keys[i], roles), 0, NULL);
        json_array_append_new(arr, json_pack("{s:s,s:o}", "p", keys[i], "r", r ? r : json_array()));
    }
    size_t len;
    return json_dump_arena(kr->arena, arr, 65536, &len);
}

static const char *ids_json(kreq_t *kr, const int64_t *ids, size_t n)
{
    json_t *arr = json_own(kr->arena, json_array());
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_integer(ids[i]));
    size_t len;
    return json_dump_arena(kr->arena, arr, 65536, &len);
}

/* s percent-encoded for a query string (unreserved characters kept), in the arena. */
static const char *url_escape(arena_t *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = arena_alloc(a, 3 * strlen(s) + 1), *o = out;
    for (; out && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-._~:", c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    if (out)
        *o = '\0';
    return out ? out : "";
}

/* Runs the search and answers its page as an array of User. */
static void answer_users(kreq_t *kr, const user_filter_t *f)
{
    user_rec_t *us;
    size_t n;
    int64_t total;
    if (store_user_search(kr->store, kr->arena, kr->site.id, f, &us, &n, &total) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        render_user(w, kr, &us[i], 0);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

/* The project of `project` (id or key) or of issue `issue` the caller may browse:
 * 0 with *id, -1 after replying (400 when neither is given and `need`). */
static int context_project(kreq_t *kr, const char *project, const char *issue, int need, int64_t *id)
{
    *id = 0;
    if (issue && *issue) {
        issue_rec_t is;
        const char *pkey;
        int rc = strlen(issue) <= 255 ? idkey_issue_get(kr->store, kr->arena, kr->site.id, issue, &is, &pkey)
                                      : STORE_NOTFOUND;
        if (rc == STORE_OK) {
            int may = perm_allows(kr, is.project_id, "BROWSE_PROJECTS");
            rc = may < 0 ? STORE_ERROR : may ? STORE_OK : STORE_NOTFOUND;
        }
        if (rc != STORE_OK) {
            reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 1,
                        rc == STORE_NOTFOUND ? "Issue does not exist or you do not have permission to see it."
                                             : "Internal server error");
            return -1;
        }
        *id = is.project_id;
        return 0;
    }
    if (project && *project) {
        project_rec_t p;
        if (strlen(project) > 255) {
            reply_error(kr, 404, 1, "No project could be found with key or id given.");
            return -1;
        }
        if (people_project(kr, project, &p))
            return -1;
        *id = p.id;
        return 0;
    }
    if (need) {
        reply_error(kr, 400, 1, "A project or an issue key is required.");
        return -1;
    }
    return 0;
}

void user_find(kreq_t *kr)
{
    user_filter_t f = {0};
    if (read_common(kr, &f, 50))
        return;
    int bad = 0;
    if (kreq_query(kr, "property", &bad)) {
        reply_error(kr, 400, 1, "kiln does not search users by property; use query or accountId.");
        return;
    }
    if (!f.query && !f.account_ids_json) {
        reply_error(kr, 400, 1, "One of 'query' or 'accountId' parameters must be provided.");
        return;
    }
    answer_users(kr, &f);
}

/* Users holding one project permission in one project (given by project= or issueKey=). */
static void users_holding(kreq_t *kr, const char *perm, const char *project_param, const char *issue_param)
{
    user_filter_t f = {0};
    if (read_common(kr, &f, 50))
        return;
    int bad = 0;
    const char *project = kreq_query(kr, project_param, &bad);
    const char *issue = kreq_query(kr, issue_param, &bad);
    int64_t pid;
    if (bad) {
        reply_error(kr, 400, 1, "Malformed query parameter.");
        return;
    }
    if (context_project(kr, project, issue, 1, &pid))
        return;
    const char *keys[] = {perm};
    f.perms_json = perms_json(kr, keys, 1);
    f.projects_json = ids_json(kr, &pid, 1);
    f.active_only = 1;
    answer_users(kr, &f);
}

void user_assignable(kreq_t *kr)
{
    users_holding(kr, "ASSIGNABLE_USER", "project", "issueKey");
}

void user_viewissue(kreq_t *kr)
{
    users_holding(kr, "BROWSE_PROJECTS", "projectKey", "issueKey");
}

void user_assignable_multi(kreq_t *kr)
{
    user_filter_t f = {0};
    if (read_common(kr, &f, 50))
        return;
    int bad = 0;
    const char *keys = kreq_query(kr, "projectKeys", &bad);
    if (bad || !keys || !*keys) {
        reply_error(kr, 400, 1, "The projectKeys parameter is required.");
        return;
    }
    int64_t ids[MULTI_PROJECTS];
    size_t n = 0;
    for (const char *p = keys; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            if (n == MULTI_PROJECTS || len > 255) {
                reply_error(kr, 400, 1, "At most 100 project keys, each at most 255 characters.");
                return;
            }
            project_rec_t pr;
            if (people_project(kr, arena_strndup(kr->arena, p, len), &pr))
                return;
            ids[n++] = pr.id;
        }
        p += len + (e != NULL);
    }
    if (n == 0) {
        reply_error(kr, 400, 1, "The projectKeys parameter is required.");
        return;
    }
    const char *perm[] = {"ASSIGNABLE_USER"};
    f.perms_json = perms_json(kr, perm, 1);
    f.projects_json = ids_json(kr, ids, n);
    f.active_only = 1;
    answer_users(kr, &f);
}

void user_with_permissions(kreq_t *kr)
{
    user_filter_t f = {0};
    if (read_common(kr, &f, 50))
        return;
    int bad = 0;
    const char *list = kreq_query(kr, "permissions", &bad);
    const char *project = kreq_query(kr, "projectKey", &bad);
    const char *issue = kreq_query(kr, "issueKey", &bad);
    if (bad || !list || !*list) {
        reply_error(kr, 400, 1, "The permissions parameter is required.");
        return;
    }
    const char *keys[PERMS_MAX];
    size_t n = 0;
    int project_perm = 0;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len) {
            const char *k = arena_strndup(kr->arena, p, len);
            const perm_def_t *d = perm_find(k);
            if (!d || n == PERMS_MAX) {
                reply_error(kr, 400, 1,
                            d ? "At most 32 permissions."
                              : arena_printf(kr->arena, "Unrecognized permission: %.64s", k));
                return;
            }
            project_perm |= d->kind == PERM_PROJECT;
            keys[n++] = d->key;
        }
        p += len + (e != NULL);
    }
    int64_t pid;
    if (n == 0) {
        reply_error(kr, 400, 1, "The permissions parameter is required.");
        return;
    }
    if (context_project(kr, project, issue, 0, &pid))
        return;
    /* Jira: Administer Projects for that project's users, Administer Jira for any */
    if (pid ? people_may_administer(kr, pid)
            : people_may_administer_jira(kr, "You must have global administrator rights to search users of every "
                                             "project."))
        return;
    /* without a project, a project permission is one held in every project (a grant there) */
    (void)project_perm;
    f.perms_json = perms_json(kr, keys, n);
    f.projects_json = ids_json(kr, &pid, 1);
    f.active_only = 1;
    answer_users(kr, &f);
}

void user_bulk(kreq_t *kr)
{
    int bad = 0;
    int64_t start = 0, max = 10;
    if (kreq_query_int(kr, "startAt", 0, INT32_MAX, &start) || kreq_query_int(kr, "maxResults", 0, INT32_MAX, &max)) {
        reply_error(kr, 400, 1, "startAt and maxResults must be non-negative integers.");
        return;
    }
    if (max > KILN_MAX_USER_PAGE)
        max = KILN_MAX_USER_PAGE;
    if (kreq_query(kr, "username", &bad) || kreq_query(kr, "key", &bad)) {
        reply_error(kr, 400, 1,
                    "The username and key parameters are no longer available (Jira's user privacy change); use "
                    "accountId.");
        return;
    }
    const char *ids[BULK_IDS_MAX + 1];
    size_t n = kreq_query_all(kr, "accountId", ids, BULK_IDS_MAX + 1, &bad);
    if (bad || n == 0 || n > BULK_IDS_MAX) {
        reply_error(kr, 400, 1,
                    n > BULK_IDS_MAX ? "At most 50 accountId parameters." : "The accountId parameter is required.");
        return;
    }
    json_t *arr = json_own(kr->arena, json_array());
    for (size_t i = 0; i < n; i++)
        if (strlen(ids[i]) <= 128)
            json_array_append_new(arr, json_string(ids[i]));
    size_t len;
    user_filter_t f = {.start_at = start, .max_results = max};
    f.account_ids_json = json_dump_arena(kr->arena, arr, 65536, &len);
    user_rec_t *us;
    size_t got;
    int64_t total;
    if (!f.account_ids_json ||
        store_user_search(kr->store, kr->arena, kr->site.id, &f, &us, &got, &total) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    int is_last = start + (int64_t)got >= total;
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "self");
    char s[24], m[24], nx[24];
    enc_i64(s, start);
    enc_i64(m, max);
    enc_i64(nx, start + max);
    const char *q = arena_strndup(kr->arena, kr->query, kr->query_len);
    JW_STRCAT(w, render_base(kr), "/rest/api/3/user/bulk?", q);
    if (!is_last && max > 0) {
        /* the same ids, the next page */
        jw_key(w, "nextPage");
        const char *keep = "";
        for (size_t i = 0; i < n; i++)
            keep = arena_printf(kr->arena, "%saccountId=%s&", keep, url_escape(kr->arena, ids[i]));
        JW_STRCAT(w, render_base(kr), "/rest/api/3/user/bulk?", keep, "startAt=", nx, "&maxResults=", m);
    }
    jw_kint(w, "maxResults", max);
    jw_kint(w, "startAt", start);
    jw_kint(w, "total", total);
    jw_kbool(w, "isLast", is_last);
    jw_key(w, "values");
    jw_arr(w);
    for (size_t i = 0; i < got; i++)
        render_user(w, kr, &us[i], 0);
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}
