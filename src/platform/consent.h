/* Users' consents to apps: on Forge a user grants an app whose scopes ask for personal
 * information (read:me, read:account: auth/scopes.h scope_needs_user_consent) access once
 * ("Allow access") before the app may act as that user (asUser); until then every asUser
 * call of the app fails with NEEDS_AUTHENTICATION_ERR. Other apps need no user's consent
 * (Forge's simplified user consent). kiln records the grant per (site, app, user) in the
 * store (store_consent_*): given with `kiln consent` (or the UI's consent screen), taken
 * back with --revoke, dropped when the app's last installation leaves the site. Each
 * change is audited. */
#ifndef KILN_CONSENT_H
#define KILN_CONSENT_H

#include "http/request.h"
#include "store/store.h"
#include "store/store_sites.h"

#define CONSENT_ACCOUNT_MAX 128 /* an account id's length */

/* 1 when s could be an account id: 1..CONSENT_ACCOUNT_MAX of [A-Za-z0-9:_-]. */
int consent_account_valid(const char *s);

/* The site's user `account_id` who can act through apps: one that exists, is active and
 * is a person (not an app's bot user). STORE_OK (with *out), STORE_NOTFOUND, STORE_ERROR. */
int consent_site_user(store_t *st, arena_t *a, int64_t site_id, const char *account_id, user_rec_t *out);

/* 1 when the app has an active installation on the site (any environment), 0, -1. */
int consent_app_installed(store_t *st, arena_t *a, int64_t site_id, const char *app_id);

/* Records that `account_id` of `site` consents to `app_id` (which must be installed
 * there, and the account an active person of the site: else STORE_NOTFOUND) and audits
 * it (AUDIT_CONSENT on `plane`). STORE_OK, STORE_NOTFOUND, STORE_ERROR. The one writer
 * of a grant: the admin API and the UI's consent screen both come here. */
int consent_grant(store_t *st, arena_t *a, const site_rec_t *site, const char *app_id, const char *account_id,
                  const char *plane);

/* Admin: PUT and DELETE /admin/v1/sites/{name}/consents/{appId}/{accountId}: the user
 * consents to the app (200 {site, appId, accountId, consented: true}), or takes it back
 * (200 ... consented: false; 404 when there was none). 404 for an unknown site, a user
 * that is not an active person of that site, or an app not installed there. */
void consents_put(kreq_t *kr);
void consents_delete(kreq_t *kr);

#endif
