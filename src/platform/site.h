/* Sites (tenants): creation with an admin user, a random cloudId and a canary; optional
 * demo data. All of a site's rows are written in one transaction: a site exists whole or
 * not at all. */
#ifndef KILN_SITE_H
#define KILN_SITE_H

#include <jansson.h>

#include "store/store.h"
#include "store/store_sites.h"

/* 1 if name matches ^[a-z0-9][a-z0-9-]{0,62}$ */
int site_name_valid(const char *name);

/* Creates site `name`; fills out (strings in `a`). Returns STORE_OK, STORE_CONFLICT for
 * a taken name, STORE_ERROR. */
int site_create(store_t *st, arena_t *a, const char *name, int demo, site_rec_t *out);

/* Mints a user API token for account_id (NULL: the site admin). The token is returned
 * once, in `token` (TOKEN_MAX bytes); only its hash is stored. STORE_NOTFOUND for an
 * unknown account, STORE_CONFLICT for an app's bot user (bots get no tokens). */
int site_user_token(store_t *st, arena_t *a, const site_rec_t *site, const char *account_id, char *token,
                    const char **account_out);

/* {cloudId,name,url,adminAccountId,createdAt}; url = public_url/ex/jira/cloudId. */
json_t *site_json(const site_rec_t *s, const char *public_url);

#endif
