/* Users' permissions on their site, the minimal real model of Jira's: a user holds global
 * permissions (ADMINISTER: Jira administrator) and project permissions (BROWSE_PROJECTS,
 * CREATE_ISSUES, ...), each either in one project or in every project of the site. Grants
 * live in the store (store_perm_*); a new site's admin gets ADMINISTER and every project
 * permission everywhere; the demo seeds its users with less (product/demo.c).
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

/* 1 when `account_id` holds `key` in project_id (0: globally), 0 when not, -1 on a store
 * error. */
int perm_user_has(store_t *st, int64_t site_id, const char *account_id, int64_t project_id, const char *key);

/* The request's principal may use `key` in project_id: an app always (its scopes were
 * checked), a user by its grants. 1, 0, or -1 (store error). */
int perm_allows(kreq_t *kr, int64_t project_id, const char *key);

/* The request's principal is a user (its permissions apply). */
int perm_is_user(const kreq_t *kr);

#endif
