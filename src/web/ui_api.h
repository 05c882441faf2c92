/* The host's JSON endpoints under /_ui/v1/ (docs/ui.md): cookie-authenticated, bound to
 * the session's site (gateway_bind_site), the CSRF header (X-Kiln-CSRF) required on
 * every route that says so; one route TABLE that other parts add rows to:
 * {method, path below /_ui/v1, handler, needs_csrf}. Without a live session: 401
 * {"code":401,"message":"Sign in first."} (and the cookie cleared when it was dead). */
#ifndef KILN_WEB_UI_API_H
#define KILN_WEB_UI_API_H

#include "http/request.h"

typedef struct ui_route {
    const char *method, *path;
    void (*fn)(kreq_t *kr);
    int needs_csrf;
} ui_route_t;

/* GET /_ui/v1/me: {accountId, displayName, site, cloudId, isAdmin} */
void ui_api_me(kreq_t *kr);

int ui_api_init(void);

#endif
