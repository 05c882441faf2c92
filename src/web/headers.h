/* The security headers of kiln's own pages (the sign-in page, the host's shells, the UI's
 * JSON and assets): what every answer of the web planes carries, in one place so that no
 * page can forget one (docs/security.md "The web UI").
 *
 *   web_headers_page   an HTML page of kiln's: the CSP (scripts and styles from kiln's
 *                      origin only, frames from the UI origin only, never framed itself),
 *                      X-Frame-Options DENY, nosniff, Referrer-Policy, no-store
 *   web_headers_data   a JSON answer of /_ui/v1/ or a login redirect: nosniff,
 *                      Referrer-Policy, no-store, never framed
 *   web_headers_asset  a static asset: nosniff and the Referrer-Policy (caching is the
 *                      asset plane's) */
#ifndef KILN_WEB_HEADERS_H
#define KILN_WEB_HEADERS_H

#include "http/request.h"

/* `frame_origin`: the origin app frames come from (the UI origin), or NULL/"" for none
 * (frame-src 'none'). Only its scheme://host[:port] is used; anything else in it (a path,
 * a quote, a semicolon) makes the page frame nothing rather than break the policy. */
void web_headers_page(kreq_t *kr, const char *frame_origin);
void web_headers_data(kreq_t *kr);
void web_headers_asset(kreq_t *kr);

/* kiln's own plain pages (sign-in, messages): no script at all, the one inline style
 * allowed by its nonce (web_style_nonce) and no 'unsafe-inline'; forms post to kiln. */
void web_headers_plain(kreq_t *kr, const char *style_nonce);
/* A fresh nonce for a page's <style>, written into buf and returned. */
const char *web_style_nonce(kreq_t *kr, char buf[64]);

/* The Content-Security-Policy web_headers_page sends, written into `out` (arena). */
const char *web_csp(arena_t *a, const char *frame_origin);

#endif
