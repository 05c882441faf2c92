/* The store's project-roles family: who holds which project role in which project (Jira's
 * role actors), and the questions that combine those roles with users' direct grants
 * (store_perm_grant): does a user hold a permission, which users hold permissions. Table:
 * project_role_actors (user_permissions and users are read).
 *
 * What a role grants is kiln's model (product/model.h), not a row: a caller passes the
 * roles that grant a permission as a JSON array of role ids (product/perm.h builds it). */
#ifndef KILN_STORE_ROLES_H
#define KILN_STORE_ROLES_H

#include "store/store.h"
#include "store/store_sites.h"

/* Jira's actor type of a user; kiln has no groups (atlassian-group-role-actor). */
#define ROLE_ACTOR_USER "atlassian-user-role-actor"

/* Adds the user to the role in the project (already there: STORE_OK, no change). */
int store_role_actor_add(store_t *st, int64_t site_id, int64_t project_id, int64_t role_id, const char *account_id);
/* Removes the user from the role in the project: STORE_NOTFOUND if it was not there. */
int store_role_actor_remove(store_t *st, int64_t site_id, int64_t project_id, int64_t role_id, const char *account_id);
/* Removes every actor of the role in the project (a set starts from this). */
int store_role_actor_clear(store_t *st, int64_t site_id, int64_t project_id, int64_t role_id);
/* The account ids holding the role in the project, in account id order; *out is arena memory. */
int store_role_actor_list(store_t *st, arena_t *a, int64_t site_id, int64_t project_id, int64_t role_id,
                          const char ***out, size_t *n);

/* *has = 1 when the account holds `permission` in project_id: a direct grant there or in
 * every project (project 0), or (project_id > 0) one of the roles roles[0..nroles) in that
 * project (at most STORE_ROLES_MAX; more is STORE_ERROR). project_id 0 asks for a global
 * grant only. One indexed query with bound ids (it runs on every request). */
#define STORE_ROLES_MAX 8
int store_perm_role_has(store_t *st, int64_t site_id, const char *account_id, int64_t project_id,
                        const char *permission, const int64_t *roles, size_t nroles, int *has);

/* Which users: every filter that is set must hold. */
typedef struct user_filter {
    const char *query;            /* lowercase: a prefix of the display name, of a word of it, or of the email */
    const char *account_ids_json; /* a JSON array of account ids, or NULL */
    /* the user holds every permission of perms_json in every project of projects_json:
       perms_json is [{"p": KEY, "r": [role ids granting it]}, ...], projects_json [ids]
       (0: globally). NULL: no permission asked. */
    const char *perms_json, *projects_json;
    int active_only; /* 1: active users only */
    int64_t start_at, max_results;
} user_filter_t;
/* The site's users matching f, ordered by display name then account id, a page of them
 * and the total; *out is arena memory. */
int store_user_search(store_t *st, arena_t *a, int64_t site_id, const user_filter_t *f, user_rec_t **out, size_t *n,
                      int64_t *total);

#endif
