/* The web UI's credentials as strings (docs/ui.md "Sign-in and sessions"): the session
 * cookie, its CSRF token, one-time sign-in links and the sign-in form's token. The store
 * keeps only SHA-256 hashes (store/store_sessions.h); the gateway reads the cookie
 * (gateway_session), web/ sets it.
 *
 *   the session secret   TOKEN_SESSION (kiln_w_ + 43 base64url), the value of the
 *                        kiln_session cookie: HttpOnly, SameSite=Lax, Path=/, Secure on https
 *   the CSRF token       43 base64url characters, kept with the session, sent by the page
 *                        in X-Kiln-CSRF (and in the forms' `csrf` field)
 *   a sign-in link       TOKEN_LOGIN_LINK (kiln_l_ + 43), valid LOGIN_LINK_TTL_MS, once
 *   the sign-in form     HMAC(key, nonce|site|time) bound to a pre-session cookie
 *                        (kiln_login, the nonce): a page elsewhere cannot sign a browser in
 *                        as someone else (login CSRF) because it cannot set that cookie
 *
 * Everything here is pure (no store, no request): unit-tested in tests/unit/test_session.c. */
#ifndef KILN_AUTH_SESSION_H
#define KILN_AUTH_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "base/arena.h"

#define SESSION_COOKIE "kiln_session"
#define LOGIN_COOKIE "kiln_login"
#define SESSION_COOKIE_HEADER_MAX 8192u                 /* a longer Cookie header carries no session */
#define SESSION_IDLE_MS_DEFAULT (12LL * 3600 * 1000)    /* a session unused this long ends */
#define SESSION_MAX_MS_DEFAULT (7LL * 24 * 3600 * 1000) /* and every session ends this long after sign-in */
#define SESSION_TOUCH_MS 60000                          /* last_seen is written at most once a minute */
#define LOGIN_LINK_TTL_MS (10LL * 60 * 1000)
#define LOGIN_FORM_TTL_MS (60LL * 60 * 1000) /* a sign-in form is good for an hour */
#define CSRF_LEN TOKEN_BODY_LEN
#define LOGIN_FORM_TOKEN_MAX 96 /* "<ms>.<64 hex>" + NUL, with room */

/* Looks for cookie `name` in the value of a Cookie header. SESSION_COOKIE_ABSENT when
 * there is none; SESSION_COOKIE_OK with its value (not copied) when there is exactly one
 * value for it (sent twice with the same value counts as one); SESSION_COOKIE_BAD when the
 * header is longer than SESSION_COOKIE_HEADER_MAX or holds `name` twice with different
 * values (a cookie planted by a sibling host must not shadow the real one). */
enum { SESSION_COOKIE_ABSENT = 0, SESSION_COOKIE_OK = 1, SESSION_COOKIE_BAD = -1 };
int session_cookie_find(const char *hdr, size_t len, const char *name, const char **val, size_t *vlen);

/* A new session secret, its SHA-256 and a CSRF token (NUL-terminated). */
void session_mint(char secret[TOKEN_MAX], unsigned char hash[32], char csrf[TOKEN_MAX]);
/* 1 when v[0..n) is a well-formed session secret (then *hash is its SHA-256), else 0. */
int session_secret_hash(const char *v, size_t n, unsigned char hash[32]);
/* 1 when a one-time link's secret is well-formed (then *hash is its SHA-256), else 0. */
int session_link_hash(const char *v, size_t n, unsigned char hash[32]);

/* Whether a session created at created_ms, ending at expires_ms and last seen at
 * last_seen_ms is live at now with the idle limit idle_ms. */
int session_live(int64_t expires_ms, int64_t last_seen_ms, int64_t now_ms, int64_t idle_ms);
/* Whether last_seen should be written now: at most once per SESSION_TOUCH_MS, or per half
 * the idle limit when that is shorter (so that a session in use never idles out). */
int session_touch_due(int64_t last_seen_ms, int64_t now_ms, int64_t idle_ms);

/* The Set-Cookie value that sets `name` to value for max_age_s seconds (0: clears it),
 * HttpOnly, SameSite=Lax (Strict for LOGIN_COOKIE), Path=/, Secure when `secure`. */
const char *session_set_cookie(arena_t *a, const char *name, const char *value, int64_t max_age_s, int secure);

/* The sign-in form's token for a nonce (the kiln_login cookie's value) and site at now:
 * "<now_ms>.<hex HMAC-SHA256(key, nonce|site|now_ms)>" into out; "" (no token) when nonce
 * and site together pass 450 bytes. */
void login_form_token(const unsigned char key[32], const char *nonce, const char *site, int64_t now_ms,
                      char out[LOGIN_FORM_TOKEN_MAX]);
/* 1 when `tok` is the token login_form_token made for this nonce and site less than
 * LOGIN_FORM_TTL_MS ago (constant-time compare), else 0. */
int login_form_check(const unsigned char key[32], const char *nonce, const char *site, const char *tok, int64_t now_ms);

/* Constant-time comparison of a CSRF token sent with one kept: 1 when equal. */
int session_csrf_eq(const char *sent, const char *kept);

#endif
