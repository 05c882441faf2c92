#include "product/render.h"

#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/enc.h"
#include "product/perm.h"
#include "store/store_product.h"
#include "store/store_sites.h"

const char *render_base(kreq_t *kr)
{
    if (!kr->site_base) {
        size_t a = strlen(kr->public_url), b = strlen(kr->site.cloud_id);
        char *s = arena_alloc(kr->arena, a + 9 + b + 1);
        if (!s)
            kiln_oom(a + b);
        memcpy(s, kr->public_url, a);
        memcpy(s + a, "/ex/jira/", 9);
        memcpy(s + a + 9, kr->site.cloud_id, b + 1);
        kr->site_base = s;
    }
    return kr->site_base;
}

static void avatars(jsonw_t *w, const char *base, const char *kind, const char *id)
{
    static const struct {
        const char *key, *size;
    } sizes[] = {{"48x48", "large"}, {"24x24", "small"}, {"16x16", "xsmall"}, {"32x32", "medium"}};
    jw_key(w, "avatarUrls");
    jw_obj(w);
    for (size_t i = 0; i < 4; i++) {
        jw_key(w, sizes[i].key);
        JW_STRCAT(w, base, "/rest/api/3/universal_avatar/view/type/", kind, "/avatar/", id, "?size=", sizes[i].size);
    }
    jw_obj_end(w);
}

/* Jira shows a user's email address as the user's profile visibility allows; kiln's
 * rule is Jira's default for a managed account ("only you and admins"): the user itself
 * (a user, or an app's bot user reading itself) and a Jira administrator see it, nobody
 * else. The administrator check is one query, remembered for the request (per thread:
 * a request runs on one thread). */
int render_email_visible(kreq_t *kr, const char *account_id)
{
    static _Thread_local const kreq_t *seen_kr;
    static _Thread_local uint64_t seen_start;
    static _Thread_local int64_t seen_site;
    static _Thread_local char seen_account[160];
    static _Thread_local int seen_admin;
    const char *me = kr->principal.account_id;
    if (account_id && me && strcmp(account_id, me) == 0)
        return 1;
    if (kr->principal.kind != PRINCIPAL_USER || !me)
        return 0;
    /* the same request, site and user as the last answer on this thread, or ask again */
    if (seen_kr != kr || seen_start != kr->start_ns || seen_site != kr->site.id || strcmp(seen_account, me) != 0) {
        seen_admin = perm_user_has(kr->store, kr->site.id, me, 0, "ADMINISTER") == 1;
        seen_kr = kr;
        seen_start = kr->start_ns;
        seen_site = kr->site.id;
        snprintf(seen_account, sizeof seen_account, "%s", me);
    }
    return seen_admin;
}

/* The groups and applicationRoles lists of a User (GET /user, /myself): kiln has no
 * groups; an Atlassian account has Jira's one application role, an app none. */
static void user_lists(jsonw_t *w, const user_rec_t *u, unsigned uexpand)
{
    jw_kstr(w, "expand", "groups,applicationRoles");
    jw_key(w, "groups");
    jw_obj(w);
    jw_kint(w, "size", 0);
    jw_key(w, "items");
    jw_arr(w);
    jw_arr_end(w);
    jw_obj_end(w);
    int licensed = strcmp(u->account_type, "atlassian") == 0;
    jw_key(w, "applicationRoles");
    jw_obj(w);
    jw_kint(w, "size", licensed);
    jw_key(w, "items");
    jw_arr(w);
    if (licensed && (uexpand & USER_EXPAND_APPLICATION_ROLES)) {
        static const char *const lists[] = {"groups", "groupDetails", "defaultGroups", "defaultGroupsDetails"};
        jw_obj(w);
        jw_kstr(w, "key", "jira-software");
        for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
            jw_key(w, lists[i]);
            jw_arr(w);
            jw_arr_end(w);
        }
        jw_kstr(w, "name", "Jira Software");
        jw_kbool(w, "selectedByDefault", 0);
        jw_kbool(w, "defined", 1);
        jw_kbool(w, "hasUnlimitedSeats", 1);
        jw_kbool(w, "platform", 0);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

unsigned render_user_expand(const char *expand)
{
    unsigned bits = 0;
    for (const char *p = expand; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 6 && memcmp(p, "groups", 6) == 0)
            bits |= USER_EXPAND_GROUPS;
        if (n == 16 && memcmp(p, "applicationRoles", 16) == 0)
            bits |= USER_EXPAND_APPLICATION_ROLES;
        p += n + (e != NULL);
    }
    return bits;
}

void render_user(jsonw_t *w, kreq_t *kr, const user_rec_t *u, int details)
{
    render_user_full(w, kr, u, details, USER_EXPAND_NONE);
}

void render_user_full(jsonw_t *w, kreq_t *kr, const user_rec_t *u, int details, unsigned uexpand)
{
    const char *base = render_base(kr);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, base, "/rest/api/3/user?accountId=", u->account_id);
    jw_kstr(w, "accountId", u->account_id);
    jw_kstr(w, "accountType", u->account_type);
    if (render_email_visible(kr, u->account_id))
        jw_kstr(w, "emailAddress", u->email);
    avatars(w, base, "user", "10122");
    jw_kstr(w, "displayName", u->display_name);
    jw_kbool(w, "active", u->active);
    jw_kstr(w, "timeZone", u->time_zone);
    if (!details)
        jw_kstr(w, "locale", u->locale);
    if (uexpand != USER_EXPAND_NONE)
        user_lists(w, u, uexpand);
    jw_obj_end(w);
}

/* The users a request has read, so that rendering many issues reads each person once
 * (a kreq ctx slot; at most USERS_CACHED, then reads go to the store). */
enum { USERS_CACHED = 64 };
typedef struct user_cache {
    user_rec_t u[USERS_CACHED];
    size_t n;
} user_cache_t;

static int user_slot = -1;
static pthread_once_t user_once = PTHREAD_ONCE_INIT;
static void user_take_slot(void)
{
    user_slot = kreq_ctx_index();
}

static const user_rec_t *user_of(kreq_t *kr, const char *account_id)
{
    pthread_once(&user_once, user_take_slot);
    user_cache_t *c = kr->ctx[user_slot];
    for (size_t i = 0; c && i < c->n; i++)
        if (strcmp(c->u[i].account_id, account_id) == 0)
            return &c->u[i];
    if (!c && (c = arena_calloc(kr->arena, sizeof *c)))
        kr->ctx[user_slot] = c;
    static __thread user_rec_t one;
    user_rec_t *slot = c && c->n < USERS_CACHED ? &c->u[c->n] : &one;
    if (store_user_get(kr->store, kr->arena, kr->site.id, account_id, slot) != STORE_OK)
        return NULL;
    if (slot != &one)
        c->n++;
    return slot;
}

void render_user_ref(jsonw_t *w, kreq_t *kr, const char *account_id, int details)
{
    const user_rec_t *u = account_id ? user_of(kr, account_id) : NULL;
    if (!u)
        jw_null(w);
    else
        render_user(w, kr, u, details);
}

unsigned render_expand(const char *expand)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"description", EXPAND_DESCRIPTION}, {"lead", EXPAND_LEAD},
        {"issueTypes", EXPAND_ISSUE_TYPES},  {"url", EXPAND_URL},
        {"insight", EXPAND_INSIGHT},
    };
    unsigned bits = 0;
    for (const char *p = expand; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (strlen(names[i].name) == n && memcmp(p, names[i].name, n) == 0)
                bits |= names[i].bit;
        p += n + (e != NULL);
    }
    return bits;
}

void render_issue_type(jsonw_t *w, kreq_t *kr, const issue_type_t *t)
{
    const char *base = render_base(kr);
    char buf[1024], id[24];
    enc_i64(id, t->id);
    jw_obj(w);
    snprintf(buf, sizeof buf, "%s/rest/api/3/issuetype/%s", base, id);
    jw_kstr(w, "self", buf);
    jw_kstr(w, "id", id);
    jw_kstr(w, "description", t->description);
    snprintf(buf, sizeof buf, "%s/rest/api/2/universal_avatar/view/type/issuetype/avatar/%s?size=medium", base, id);
    jw_kstr(w, "iconUrl", buf);
    jw_kstr(w, "name", t->name);
    jw_kbool(w, "subtask", t->hierarchy_level < 0);
    jw_kint(w, "avatarId", 10300 + t->id % 100);
    jw_kint(w, "hierarchyLevel", t->hierarchy_level);
    jw_obj_end(w);
}

static int simplified(const project_rec_t *p)
{
    return strcmp(p->type_key, "software") == 0;
}

void render_project_members(jsonw_t *w, kreq_t *kr, const project_rec_t *p)
{
    const char *base = render_base(kr);
    char id[24];
    enc_i64(id, p->id);
    jw_key(w, "self");
    JW_STRCAT(w, base, "/rest/api/3/project/", id);
    jw_kstr(w, "id", id);
    jw_kstr(w, "key", p->key);
    jw_kstr(w, "name", p->name);
    jw_kstr(w, "projectTypeKey", p->type_key);
    jw_kbool(w, "simplified", simplified(p));
    avatars(w, base, "project", "10400");
}

void render_project(jsonw_t *w, kreq_t *kr, const project_rec_t *p, unsigned expand)
{
    jw_obj(w);
    jw_kstr(w, "expand", "description,lead,issueTypes,url,projectKeys,permissions,insight");
    render_project_members(w, kr, p);
    jw_kstr(w, "style", simplified(p) ? "next-gen" : "classic");
    jw_kbool(w, "isPrivate", 0);
    jw_key(w, "properties");
    jw_obj(w);
    jw_obj_end(w);
    if (expand & (EXPAND_DESCRIPTION | EXPAND_FULL))
        jw_kstr(w, "description", p->description);
    if (expand & (EXPAND_LEAD | EXPAND_FULL)) {
        jw_key(w, "lead");
        render_user_ref(w, kr, p->lead_account_id, 0);
    }
    if (expand & (EXPAND_ISSUE_TYPES | EXPAND_FULL)) {
        jw_key(w, "issueTypes");
        jw_arr(w);
        for (size_t i = 0; i < model_issue_types_len; i++)
            if (issue_type_in_project(p->type_key, model_issue_types[i].id))
                render_issue_type(w, kr, &model_issue_types[i]);
        jw_arr_end(w);
    }
    if ((expand & (EXPAND_URL | EXPAND_FULL)) && p->url && *p->url)
        jw_kstr(w, "url", p->url);
    if (expand & EXPAND_INSIGHT) {
        jw_key(w, "insight");
        jw_obj(w);
        jw_kint(w, "totalIssueCount", p->issue_count);
        if (p->last_issue_update_ms) {
            char ts[40];
            clock_iso8601(ts, sizeof ts, p->last_issue_update_ms);
            jw_kstr(w, "lastIssueUpdateTime", ts);
        }
        jw_obj_end(w);
    }
    if (expand & EXPAND_FULL) {
        jw_kstr(w, "assigneeType", p->assignee_type);
        jw_key(w, "components");
        jw_arr(w);
        jw_arr_end(w);
        jw_key(w, "versions");
        jw_arr(w);
        jw_arr_end(w);
        jw_key(w, "roles"); /* each role's URL in the project (product/roles.c) */
        jw_obj(w);
        char id[24];
        enc_i64(id, p->id);
        for (size_t i = 0; i < model_roles_len; i++) {
            char rid[24];
            enc_i64(rid, model_roles[i].id);
            jw_key(w, model_roles[i].name);
            JW_STRCAT(w, render_base(kr), "/rest/api/3/project/", id, "/role/", rid);
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
}
