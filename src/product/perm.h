/* Users' permissions on their site, the minimal real model of Jira's: a user holds global
 * permissions (ADMINISTER: Jira administrator) and project permissions (BROWSE_PROJECTS,
 * CREATE_ISSUES, ...). A project permission is held in a project by a direct grant there or
 * in every project of the site (store_perm_grant), or by a project role the user holds in
 * that project (store_role_actor_add; what each role grants is product/model.h's, the
 * site's one permission scheme). A new site's admin gets ADMINISTER and every project
 * permission everywhere; a project's lead becomes its Administrator when it is created;
 * the demo seeds its users with less (product/demo.c, product/demo_people.c).
 *
 * Who is checked: a user principal (a user API token at /ex/jira, or a function acting
 * asUser) acts with exactly the user's permissions; an app acting as itself (its bot user)
 * is limited by its scopes only, as before. */
#ifndef KILN_PERM_H
#define KILN_PERM_H

#include <stdint.h>

#include "http/request.h"
#include "store/store.h"

enum perm_kind { PERM_GLOBAL, PERM_PROJECT };

/* Jira's permission key (ADMINISTER, BROWSE_PROJECTS, ...), or NULL. */
typedef struct perm_def {
    const char *key;
    enum perm_kind kind;
} perm_def_t;
const perm_def_t *perm_find(const char *key);
/* Every permission kiln models, terminated by {NULL}. */
extern const perm_def_t perm_all[];

/* Grants the site's admin ADMINISTER and every project permission in every project. */
int perm_seed_admin(store_t *st, int64_t site_id, const char *account_id);

/* The roles of product/model.h that grant project permission `key`, as a JSON array of
 * role ids ("[]" for none) in buf (PERM_ROLES_JSON_MAX bytes); returns buf. */
#define PERM_ROLES_JSON_MAX 128
const char *perm_roles_json(const char *key, char *buf);

/* The ids of the roles that grant project permission `key` into out (at most
 * STORE_ROLES_MAX); returns how many. */
size_t perm_roles(const char *key, int64_t *out);

/* 1 when `account_id` holds `key` in project_id (0: globally) by a grant or a role, 0 when
 * not, -1 on a store error. One indexed query. */
int perm_user_has(store_t *st, int64_t site_id, const char *account_id, int64_t project_id, const char *key);

/* The request's principal may use `key` in project_id: an app always (its scopes were
 * checked), a user by its grants. 1, 0, or -1 (store error). */
int perm_allows(kreq_t *kr, int64_t project_id, const char *key);

/* The request's principal is a user (its permissions apply). */
int perm_is_user(const kreq_t *kr);

#endif
