/* Project roles: the site's roles (GET /role, /role/{id}) and who holds them in a project
 * (GET, POST, PUT, DELETE /project/{key}/role/{id}; roledetails). What each role grants is
 * product/model.h's; who holds it is store/store_roles.h's. Users only: kiln has no
 * groups, so a group actor is refused with Jira's 400 for a group that does not exist. */
#include <stdio.h>
#include <string.h>

#include "base/enc.h"
#include "base/jsonw.h"
#include "http/reply.h"
#include "product/events.h"
#include "product/model.h"
#include "product/people.h"
#include "product/perm.h"
#include "product/render.h"
#include "store/store_roles.h"
#include "store/store_sites.h"

#define ROLE_MAX_ACTORS 100 /* users a request may add or set at once */

/* The role named by a path id, or NULL after a 404. */
static const role_def_t *path_role(kreq_t *kr, const char *s)
{
    int64_t id;
    const role_def_t *r = people_path_id(s, &id) == 0 ? role_find(id) : NULL;
    if (!r)
        reply_error(kr, 404, 1, arena_printf(kr->arena, "Could not find project role with id: %.20s", s ? s : ""));
    return r;
}

static void role_members(jsonw_t *w, kreq_t *kr, const role_def_t *r, const char *self)
{
    jw_kstr(w, "self", self);
    jw_kstr(w, "name", r->name);
    jw_kint(w, "id", r->id);
    jw_kstr(w, "description", r->description);
}

static void role_flags(jsonw_t *w, const role_def_t *r)
{
    jw_kbool(w, "admin", r->id == ROLE_ADMINISTRATORS);
    jw_kbool(w, "default", r->id == ROLE_MEMBER);
    jw_kbool(w, "roleConfigurable", 1);
    jw_kstr(w, "translatedName", r->name);
}

/* Scope {type PROJECT, project ProjectDetails}. */
static void write_scope(jsonw_t *w, kreq_t *kr, const project_rec_t *p)
{
    jw_key(w, "scope");
    jw_obj(w);
    jw_kstr(w, "type", "PROJECT");
    jw_key(w, "project");
    jw_obj(w);
    render_project_members(w, kr, p);
    jw_obj_end(w);
    jw_obj_end(w);
}

static const char *role_self(kreq_t *kr, const project_rec_t *p, const role_def_t *r)
{
    if (!p)
        return arena_printf(kr->arena, "%s/rest/api/3/role/%lld", render_base(kr), (long long)r->id);
    return arena_printf(kr->arena, "%s/rest/api/3/project/%lld/role/%lld", render_base(kr), (long long)p->id,
                        (long long)r->id);
}

/* A ProjectRole; with a project, its actors (user actors; inactive ones left out when asked). */
static int write_role(jsonw_t *w, kreq_t *kr, const project_rec_t *p, const role_def_t *r, int active_only)
{
    jw_obj(w);
    role_members(w, kr, r, role_self(kr, p, r));
    jw_key(w, "actors");
    jw_arr(w);
    if (p) {
        const char **ids;
        size_t n;
        if (store_role_actor_list(kr->store, kr->arena, kr->site.id, p->id, r->id, &ids, &n) != STORE_OK)
            return -1;
        for (size_t i = 0; i < n; i++) {
            user_rec_t u;
            int rc = store_user_get(kr->store, kr->arena, kr->site.id, ids[i], &u);
            if (rc == STORE_NOTFOUND || (rc == STORE_OK && active_only && !u.active))
                continue;
            if (rc != STORE_OK)
                return -1;
            jw_obj(w);
            jw_kstr(w, "displayName", u.display_name);
            jw_kstr(w, "type", ROLE_ACTOR_USER);
            jw_key(w, "actorUser");
            jw_obj(w);
            jw_kstr(w, "accountId", u.account_id);
            jw_obj_end(w);
            jw_obj_end(w);
        }
    }
    jw_arr_end(w);
    if (p) /* a site role has no scope (Jira's global roles) */
        write_scope(w, kr, p);
    role_flags(w, r);
    jw_obj_end(w);
    return 0;
}

/* The site's roles are every project's: reading them needs the Administer Jira permission. */
static int may_read_site_roles(kreq_t *kr)
{
    int may = perm_allows(kr, 0, "ADMINISTER");
    if (may == 1)
        return 0;
    reply_error(kr, may < 0 ? 500 : 403, 1,
                may < 0 ? "Internal server error" : "You do not have permission to view project roles.");
    return -1;
}

void role_list(kreq_t *kr)
{
    if (may_read_site_roles(kr))
        return;
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < model_roles_len; i++)
        write_role(w, kr, NULL, &model_roles[i], 0);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

void role_get(kreq_t *kr)
{
    if (may_read_site_roles(kr))
        return;
    const role_def_t *r = path_role(kr, kr->params[0]);
    if (!r)
        return;
    jsonw_t *w = reply_writer_new(kr);
    write_role(w, kr, NULL, r, 0);
    reply_writer(kr, 200, w);
}

void project_role_links(kreq_t *kr)
{
    project_rec_t p; /* Jira: Administer Projects in any project, or Administer Jira */
    if (people_project(kr, kr->params[0], &p) || people_may_administer_any(kr))
        return;
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    for (size_t i = 0; i < model_roles_len; i++)
        jw_kstr(w, model_roles[i].name, role_self(kr, &p, &model_roles[i]));
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* The project and role of /project/{key}/role/{id}, checked: 0, or -1 after replying. */
static int project_and_role(kreq_t *kr, int admin, project_rec_t *p, const role_def_t **r)
{
    if (people_project(kr, kr->params[0], p) || (admin && people_may_administer(kr, p->id)))
        return -1;
    *r = path_role(kr, kr->params[1]);
    return *r ? 0 : -1;
}

static void reply_role(kreq_t *kr, int status, const project_rec_t *p, const role_def_t *r, int active_only)
{
    jsonw_t *w = reply_writer_new(kr);
    if (write_role(w, kr, p, r, active_only) != 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    reply_writer(kr, status, w);
}

void project_role_get(kreq_t *kr)
{
    project_rec_t p;
    const role_def_t *r;
    if (project_and_role(kr, 1, &p, &r))
        return;
    int bad = 0;
    const char *ex = kreq_query(kr, "excludeInactiveUsers", &bad);
    if (bad || (ex && strcmp(ex, "true") && strcmp(ex, "false"))) {
        reply_error(kr, 400, 1, "excludeInactiveUsers must be true or false.");
        return;
    }
    reply_role(kr, 200, &p, r, ex && strcmp(ex, "true") == 0);
}

/* The account ids of JSON array `users` (each a user of the site), checked: NULL after a 400. */
static const char **actor_users(kreq_t *kr, json_t *users, size_t *n)
{
    *n = 0;
    if (!users || json_is_null(users))
        return arena_alloc(kr->arena, sizeof(char *));
    if (!json_is_array(users) || json_array_size(users) > ROLE_MAX_ACTORS) {
        reply_error(kr, 400, 1,
                    arena_printf(kr->arena, "The users must be an array of at most %d account IDs.", ROLE_MAX_ACTORS));
        return NULL;
    }
    const char **out = arena_alloc(kr->arena, (json_array_size(users) + 1) * sizeof *out);
    size_t i;
    json_t *v;
    json_array_foreach(users, i, v)
    {
        const char *id = json_string_value(v);
        user_rec_t u;
        int rc = id && strlen(id) <= 128 ? store_user_get(kr->store, kr->arena, kr->site.id, id, &u) : STORE_NOTFOUND;
        if (rc != STORE_OK) {
            reply_error(kr, rc == STORE_NOTFOUND ? 400 : 500, 1,
                        rc == STORE_NOTFOUND
                            ? arena_printf(kr->arena, "The user with account ID '%.128s' does not exist.",
                                           id ? id : "(not a string)")
                            : "Internal server error");
            return NULL;
        }
        out[(*n)++] = u.account_id;
    }
    return out;
}

/* A group actor: kiln has no groups, so every group is one that does not exist (Jira's 400). */
static int refuse_groups(kreq_t *kr, json_t *groups)
{
    if (!groups || json_is_null(groups) || (json_is_array(groups) && json_array_size(groups) == 0))
        return 0;
    json_t *first = json_is_array(groups) ? json_array_get(groups, 0) : groups;
    const char *g = json_string_value(first);
    reply_error(kr, 400, 1,
                arena_printf(kr->arena, "The group '%.128s' does not exist (kiln has no groups: add users instead).",
                             g ? g : "(not a string)"));
    return -1;
}

/* Writes the role's actors (add: the users join; set: the role has exactly these) with
 * its change event in one transaction, and answers the role. */
static void change_actors(kreq_t *kr, const project_rec_t *p, const role_def_t *r, const char **ids, size_t n, int set,
                          int status)
{
    int rc = store_begin(kr->store);
    if (rc == STORE_OK && set)
        rc = store_role_actor_clear(kr->store, kr->site.id, p->id, r->id);
    for (size_t i = 0; rc == STORE_OK && i < n; i++)
        rc = store_role_actor_add(kr->store, kr->site.id, p->id, r->id, ids[i]);
    if (rc == STORE_OK) {
        json_t *users = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(users, json_string(ids[i]));
        rc = product_event(kr, EV_ROLE_ACTORS_UPDATED, p->id,
                           json_pack("{s:{s:I,s:s},s:{s:I,s:s},s:s,s:o}", "project", "id", (json_int_t)p->id, "key",
                                     p->key, "role", "id", (json_int_t)r->id, "name", r->name, "change",
                                     set ? "set" : "add", "users", users));
    }
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    reply_role(kr, status, p, r, 0);
}

void project_role_add(kreq_t *kr)
{
    project_rec_t p;
    const role_def_t *r;
    if (project_and_role(kr, 1, &p, &r))
        return;
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "user") && strcmp(k, "group") && strcmp(k, "groupId")) {
            reply_error(kr, 400, 1, "Unrecognized field; the body takes user, group and groupId.");
            return;
        }
    }
    if (refuse_groups(kr, json_object_get(body, "group")) || refuse_groups(kr, json_object_get(body, "groupId")))
        return;
    size_t n;
    const char **ids = actor_users(kr, json_object_get(body, "user"), &n);
    if (!ids)
        return;
    if (n == 0) {
        reply_error(kr, 400, 1, "You must specify at least one user to add to the project role.");
        return;
    }
    change_actors(kr, &p, r, ids, n, 0, 200);
}

void project_role_set(kreq_t *kr)
{
    project_rec_t p;
    const role_def_t *r;
    if (project_and_role(kr, 1, &p, &r))
        return;
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *cats = json_object_get(body, "categorisedActors");
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "categorisedActors") && strcmp(k, "id")) {
            reply_error(kr, 400, 1, "Unrecognized field; the body takes categorisedActors.");
            return;
        }
    }
    if (!json_is_object(cats)) {
        reply_error(kr, 400, 1, "categorisedActors must be an object of actor type to a list of actors.");
        return;
    }
    json_object_foreach(cats, k, v)
    {
        if (strcmp(k, "atlassian-group-role-actor") == 0 || strcmp(k, "atlassian-group-role-actor-id") == 0) {
            if (refuse_groups(kr, v))
                return;
        } else if (strcmp(k, ROLE_ACTOR_USER) != 0) {
            reply_error(kr, 400, 1, arena_printf(kr->arena, "Unknown actor type '%.64s'; use " ROLE_ACTOR_USER ".", k));
            return;
        }
    }
    size_t n;
    const char **ids = actor_users(kr, json_object_get(cats, ROLE_ACTOR_USER), &n);
    if (!ids)
        return;
    change_actors(kr, &p, r, ids, n, 1, 200);
}

void project_role_remove(kreq_t *kr)
{
    project_rec_t p;
    const role_def_t *r;
    if (project_and_role(kr, 1, &p, &r))
        return;
    int bad = 0;
    const char *user = kreq_query(kr, "user", &bad);
    const char *group = kreq_query(kr, "group", &bad);
    const char *group_id = kreq_query(kr, "groupId", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "Malformed query parameter.");
        return;
    }
    if (group || group_id) {
        reply_error(kr, 400, 1,
                    arena_printf(kr->arena,
                                 "The group '%.128s' does not exist (kiln has no groups: remove users instead).",
                                 group ? group : group_id));
        return;
    }
    if (!user || !*user) {
        reply_error(kr, 400, 1, "You must specify a user or a group.");
        return;
    }
    if (strlen(user) > 128) {
        reply_error(kr, 404, 1, "The user is not an actor of this project role.");
        return;
    }
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_role_actor_remove(kr->store, kr->site.id, p.id, r->id, user);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_ROLE_ACTORS_UPDATED, p.id,
                           json_pack("{s:{s:I,s:s},s:{s:I,s:s},s:s,s:[s]}", "project", "id", (json_int_t)p.id, "key",
                                     p.key, "role", "id", (json_int_t)r->id, "name", r->name, "change", "remove",
                                     "users", user));
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc == STORE_NOTFOUND) {
        reply_error(kr, 404, 1, "The user is not an actor of this project role.");
        return;
    }
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    reply_raw(kr, 204, "application/json;charset=UTF-8", "", 0);
}

void project_role_details(kreq_t *kr)
{
    project_rec_t p;
    if (people_project(kr, kr->params[0], &p) || people_may_administer(kr, p.id))
        return;
    int bad = 0;
    const char *cm = kreq_query(kr, "currentMember", &bad);
    const char *ex = kreq_query(kr, "excludeConnectAddons", &bad);
    if (bad || (cm && strcmp(cm, "true") && strcmp(cm, "false")) || (ex && strcmp(ex, "true") && strcmp(ex, "false"))) {
        reply_error(kr, 400, 1, "currentMember and excludeConnectAddons must be true or false.");
        return;
    }
    int current = cm && strcmp(cm, "true") == 0;
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < model_roles_len; i++) {
        const role_def_t *r = &model_roles[i];
        if (current) { /* only the roles the caller holds in the project */
            const char **ids;
            size_t n, j;
            if (store_role_actor_list(kr->store, kr->arena, kr->site.id, p.id, r->id, &ids, &n) != STORE_OK) {
                reply_error(kr, 500, 1, "Internal server error");
                return;
            }
            for (j = 0; j < n && strcmp(ids[j], kr->principal.account_id) != 0; j++)
                ;
            if (j == n)
                continue;
        }
        jw_obj(w);
        role_members(w, kr, r, role_self(kr, &p, r));
        role_flags(w, r);
        write_scope(w, kr, &p);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}
