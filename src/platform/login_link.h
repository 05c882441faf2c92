/* One-time sign-in links to the web UI (docs/ui.md "Sign-in and sessions"): the admin
 * API's POST /admin/v1/sites/{name}/login-links {"accountId"?} (default: the site's
 * admin) mints a TOKEN_LOGIN_LINK, keeps its SHA-256 (store/store_sessions.h) and answers
 * 201 {"url": "<public-url>/s/{site}/login/link?t=...", "site", "accountId",
 * "expiresAt"}: valid LOGIN_LINK_TTL_MS, once, on that site only (web/signin.c uses it).
 * An inactive user, an app's bot user or an unknown one: refused. Audited. */
#ifndef KILN_PLATFORM_LOGIN_LINK_H
#define KILN_PLATFORM_LOGIN_LINK_H

#include "http/request.h"

void login_links_create(kreq_t *kr);

#endif
