/* The store's sites family: sites (tenants), their users, the users' API tokens (only
 * their SHA-256 is kept), the users' permissions on their site and their consents to apps.
 * Tables: sites, users, user_tokens, user_permissions, user_consents. */
#ifndef KILN_STORE_SITES_H
#define KILN_STORE_SITES_H

#include "store/store.h"

typedef struct site_rec {
    int64_t id;
    const char *cloud_id, *name, *admin_account_id, *canary;
    int64_t created_ms;
} site_rec_t;

typedef struct user_rec {
    const char *account_id, *email, *display_name, *account_type, *time_zone, *locale;
    int active;
} user_rec_t;

/* ---- sites ---- */
int store_site_insert(store_t *st, site_rec_t *site); /* fills site->id */
int store_site_by_name(store_t *st, arena_t *a, const char *name, site_rec_t *out);
int store_site_by_id(store_t *st, arena_t *a, int64_t id, site_rec_t *out);
/* Lists all sites (an operator's view, not a tenant's). *out is arena memory. */
int store_site_list(store_t *st, arena_t *a, site_rec_t **out, size_t *n);
int store_site_count(store_t *st, int64_t *n);

/* ---- users and their API tokens ---- */
int store_user_insert(store_t *st, int64_t site_id, const user_rec_t *u);
int store_user_get(store_t *st, arena_t *a, int64_t site_id, const char *account_id, user_rec_t *out);
int store_user_list(store_t *st, arena_t *a, int64_t site_id, int64_t start, int64_t max, user_rec_t **out, size_t *n);
int store_token_insert(store_t *st, const unsigned char hash[32], int64_t site_id, const char *account_id);
/* Looks a token up by its SHA-256; fills site id and account id (arena). */
int store_token_lookup(store_t *st, arena_t *a, const unsigned char hash[32], int64_t *site_id,
                       const char **account_id);

/* ---- users' permissions (product/perm.h says what they mean) ----
 * A grant is (site, account, permission, project id); project id 0 is a global permission
 * (ADMINISTER) or a project permission in every project of the site. */
int store_perm_grant(store_t *st, int64_t site_id, const char *account_id, int64_t project_id, const char *permission);
/* *has = 1 when the account holds `permission` for project_id (or globally: project 0). */
int store_perm_has(store_t *st, int64_t site_id, const char *account_id, int64_t project_id, const char *permission,
                   int *has);

/* ---- users' consents to apps (asUser; platform/consent.h) ---- */
/* Records that the account consented to the app on the site (again: no change). */
int store_consent_put(store_t *st, int64_t site_id, const char *app_id, const char *account_id, int64_t now_ms);
/* STORE_NOTFOUND when there was none. */
int store_consent_delete(store_t *st, int64_t site_id, const char *app_id, const char *account_id);
/* *has = 1 when the account has consented to the app on the site. */
int store_consent_has(store_t *st, int64_t site_id, const char *app_id, const char *account_id, int *has);
/* Drops every consent to the app on the site unless an installation of it is still active
 * there (called in the transaction that removes one). */
int store_consent_drop_uninstalled(store_t *st, int64_t site_id, const char *app_id);

#endif
