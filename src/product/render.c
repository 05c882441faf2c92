#include "product/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"

const issue_type_t issue_types[] = {
    {"10001", "Task", "A small, distinct piece of work.", 0},
    {"10002", "Bug", "A problem or error.", 0},
    {"10003", "Story", "A user-facing feature, told from the user's point of view.", 0},
    {"10004", "Epic", "A big user story that needs to be broken down.", 1},
    {"10005", "Subtask", "A small piece of work that's part of a larger task.", -1},
};
const unsigned issue_types_len = sizeof issue_types / sizeof issue_types[0];

const issue_type_t *issue_type_find(const char *id, const char *name)
{
    for (unsigned i = 0; i < issue_types_len; i++)
        if ((id && strcmp(id, issue_types[i].id) == 0) || (name && strcasecmp(name, issue_types[i].name) == 0))
            return &issue_types[i];
    return NULL;
}

const char *render_base(kreq_t *kr)
{
    return arena_printf(kr->arena, "%s/ex/jira/%s", kr->public_url, kr->site.cloud_id);
}

static json_t *avatars(const char *fmt_base, const char *kind, const char *id)
{
    static const struct {
        const char *key, *size;
    } sizes[] = {{"48x48", "large"}, {"24x24", "small"}, {"16x16", "xsmall"}, {"32x32", "medium"}};
    json_t *o = json_object();
    for (size_t i = 0; i < 4; i++) {
        char url[1024];
        snprintf(url, sizeof url, "%s/rest/api/3/universal_avatar/view/type/%s/avatar/%s?size=%s", fmt_base, kind,
                 id, sizes[i].size);
        json_object_set_new(o, sizes[i].key, json_string(url));
    }
    return o;
}

json_t *render_user(kreq_t *kr, const user_rec_t *u)
{
    const char *base = render_base(kr);
    char self[1024];
    snprintf(self, sizeof self, "%s/rest/api/3/user?accountId=%s", base, u->account_id);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:b,s:s,s:s}", "self", self, "accountId", u->account_id,
                          "accountType", u->account_type, "emailAddress", u->email, "avatarUrls",
                          avatars(base, "user", "10122"), "displayName", u->display_name, "active", u->active,
                          "timeZone", u->time_zone, "locale", u->locale);
    return o;
}

json_t *render_user_ref(kreq_t *kr, const char *account_id)
{
    user_rec_t u;
    if (!account_id || store_user_get(kr->store, kr->arena, kr->site.id, account_id, &u) != STORE_OK)
        return json_null();
    return render_user(kr, &u);
}

unsigned render_expand(const char *expand)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"description", EXPAND_DESCRIPTION}, {"lead", EXPAND_LEAD}, {"issueTypes", EXPAND_ISSUE_TYPES},
        {"url", EXPAND_URL},                 {"insight", EXPAND_INSIGHT},
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

json_t *render_issue_type(kreq_t *kr, const issue_type_t *t)
{
    const char *base = render_base(kr);
    char self[1024], icon[1024];
    snprintf(self, sizeof self, "%s/rest/api/3/issuetype/%s", base, t->id);
    snprintf(icon, sizeof icon, "%s/rest/api/2/universal_avatar/view/type/issuetype/avatar/%s?size=medium", base,
             t->id);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:i,s:i}", "self", self, "id", t->id, "description", t->description,
                     "iconUrl", icon, "name", t->name, "subtask", t->hierarchy_level < 0, "avatarId",
                     10300 + atoi(t->id) % 100, "hierarchyLevel", t->hierarchy_level);
}

static const char *style_of(const project_rec_t *p)
{
    return strcmp(p->type_key, "software") == 0 ? "next-gen" : "classic";
}

json_t *render_project_ref(kreq_t *kr, const project_rec_t *p)
{
    const char *base = render_base(kr);
    char self[1024], id[24];
    snprintf(self, sizeof self, "%s/rest/api/3/project/%lld", base, (long long)p->id);
    snprintf(id, sizeof id, "%lld", (long long)p->id);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:o}", "self", self, "id", id, "key", p->key, "name", p->name,
                     "projectTypeKey", p->type_key, "simplified", strcmp(style_of(p), "next-gen") == 0,
                     "avatarUrls", avatars(base, "project", "10400"));
}

json_t *render_project(kreq_t *kr, const project_rec_t *p, unsigned expand)
{
    json_t *o = render_project_ref(kr, p);
    json_object_set_new(o, "expand",
                        json_string("description,lead,issueTypes,url,projectKeys,permissions,insight"));
    json_object_set_new(o, "style", json_string(style_of(p)));
    json_object_set_new(o, "isPrivate", json_false());
    json_object_set_new(o, "properties", json_object());
    if (expand & (EXPAND_DESCRIPTION | EXPAND_FULL))
        json_object_set_new(o, "description", json_string(p->description));
    if (expand & (EXPAND_LEAD | EXPAND_FULL))
        json_object_set_new(o, "lead", render_user_ref(kr, p->lead_account_id));
    if (expand & (EXPAND_ISSUE_TYPES | EXPAND_FULL)) {
        json_t *types = json_array();
        for (unsigned i = 0; i < issue_types_len; i++)
            json_array_append_new(types, render_issue_type(kr, &issue_types[i]));
        json_object_set_new(o, "issueTypes", types);
    }
    if ((expand & (EXPAND_URL | EXPAND_FULL)) && p->url && *p->url)
        json_object_set_new(o, "url", json_string(p->url));
    if (expand & EXPAND_INSIGHT) {
        json_t *in = json_pack("{s:I}", "totalIssueCount", (json_int_t)p->issue_count);
        if (p->last_issue_update_ms) {
            char ts[40];
            clock_iso8601(ts, sizeof ts, p->last_issue_update_ms);
            json_object_set_new(in, "lastIssueUpdateTime", json_string(ts));
        }
        json_object_set_new(o, "insight", in);
    }
    if (expand & EXPAND_FULL) {
        json_object_set_new(o, "assigneeType", json_string(p->assignee_type));
        json_object_set_new(o, "components", json_array());
        json_object_set_new(o, "versions", json_array());
        json_object_set_new(o, "roles", json_object());
    }
    return o;
}
