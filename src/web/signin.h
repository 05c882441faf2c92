/* Signing in to the web UI (docs/ui.md "Sign-in and sessions"), the handlers of
 * web/pages.c's table:
 *
 *   GET  /s/{site}/login           the form (email + API token), with a login-CSRF token
 *                                   bound to a pre-session cookie (auth/session.h)
 *   POST /s/{site}/login           checks it: the token must be that email's user's, of
 *                                   THAT site, active; every failure the same "Wrong email
 *                                   or API token"; throttled per site+email and per client
 *                                   address; audited; sets kiln_session and goes to `next`
 *   POST /s/{site}/logout          ends the session (its CSRF token in the form or header)
 *   GET  /s/{site}/login/link?t=   a one-time link (kiln ui login-url): used once, within
 *                                   10 minutes, on its own site only */
#ifndef KILN_WEB_SIGNIN_H
#define KILN_WEB_SIGNIN_H

#include "http/request.h"

#define SIGNIN_RATE_EMAIL 10  /* failed sign-ins per site+email and minute; more are refused unchecked */
#define SIGNIN_RATE_CLIENT 30 /* ... per client address and minute */

void signin_form(kreq_t *kr);
void signin_post(kreq_t *kr);
void signin_logout(kreq_t *kr);
void signin_link(kreq_t *kr);

#endif
