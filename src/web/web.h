/* The site web UI's planes on kiln's origin (docs/ui.md), registered by app/planes.c:
 *
 *   web_pages    /s/{site}/...     sign-in (login form, one-time links, logout) and the
 *                                   host's shells: HTML with the boot JSON and no data
 *                                   (web/pages.c, web/signin.c, web/shell.c)
 *   web_assets   /_ui/assets/NAME  the built front end (web/assets.c)
 *   web_favicon  /favicon.ico       the bundle's site icon, cached a day (web/assets.c)
 *   web_ui_api   /_ui/v1/...       the host's JSON endpoints, cookie-authenticated, bound
 *                                   to the session's site (web/ui_api.c: a route table)
 *
 * Every page is bound to ONE site: the session's, and only when it is the site the URL
 * names (gateway_bind_site); otherwise the URL's site's sign-in page, never data. */
#ifndef KILN_WEB_H
#define KILN_WEB_H

#include <jansson.h>
#include <stdint.h>

#include "http/request.h"
#include "store/store_sessions.h"

/* Set once at start, before any request (app/serve.c). */
typedef struct web_config {
    const char *assets_dir;   /* the built bundle (assets.json); NULL: build/ui beside the binary */
    const char *ui_origin;    /* where app frames come from (the CSP's frame-src); NULL: none */
    int64_t session_max_ms;   /* 0: SESSION_MAX_MS_DEFAULT */
    int64_t session_idle_ms;  /* 0: SESSION_IDLE_MS_DEFAULT */
    const unsigned char *key; /* 32 bytes: the sign-in forms' HMAC key */
    int secure;               /* the public URL is https: cookies get Secure */
} web_config_t;

/* 0, or -1 with err (routes). */
int web_configure(const web_config_t *c, char *err, size_t errlen);
const web_config_t *web_config(void);

void web_pages(kreq_t *kr);
void web_assets(kreq_t *kr);
void web_favicon(kreq_t *kr);
void web_ui_api(kreq_t *kr);

/* The server's `prepare` hook: gateway_normalise, except that a site's home page may be
 * asked for with its trailing slash (/s/{site}/), as the contract spells it. */
int web_normalise(kreq_t *kr);

/* ---- shared by the web files ---- */

/* The request's session for the site named `site` (the URL's): 1 and the site bound
 * (gateway_bind_site, kr->principal the user) when the cookie's session is live and of
 * that site; 0 otherwise, and *dead set when the cookie should be cleared. `hash` (may be
 * NULL) receives the session secret's SHA-256. */
int web_session_for(kreq_t *kr, const char *site, session_rec_t *s, unsigned char hash[32], int *dead);
/* Adds a Set-Cookie that clears kiln_session. */
void web_clear_session_cookie(kreq_t *kr);
/* 302 to `location` (an absolute path), with the data headers. */
void web_redirect(kreq_t *kr, const char *location);
/* A same-site `next` after sign-in: a path under /s/{site}/ (or the site's home), no
 * scheme, no "//", no backslash, no control byte, at most 1024 bytes; else NULL. */
const char *web_next_ok(arena_t *a, const char *site, const char *next);
/* The text `s` escaped for HTML (text and attribute values), in the arena. */
const char *web_html(arena_t *a, const char *s);
/* A simple page of kiln's own (errors): status, title, a paragraph. */
void web_message_page(kreq_t *kr, int status, const char *title, const char *text);
/* 1 when the user is the site's admin (its admin account or ADMINISTER). */
int web_is_admin(kreq_t *kr, const site_rec_t *site, const char *account_id);
/* A stored JSON column (an installation's scopes_json, egress_json) parsed, or `fallback`
 * parsed where it is NULL or does not parse; owned by `a`. */
json_t *web_stored_json(arena_t *a, const char *text, const char *fallback);

#endif
