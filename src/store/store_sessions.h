/* The store's sessions family: the web UI's sign-in sessions and one-time sign-in links
 * (auth/session.h says what the secrets look like; web/ uses them). Only the SHA-256 of
 * a session's secret or a link's secret is kept, never the secret. A session belongs to
 * one site and one user of it; every lookup is by hash, and the caller checks that the
 * site it got is the site it serves. Tables: sessions, login_links. */
#ifndef KILN_STORE_SESSIONS_H
#define KILN_STORE_SESSIONS_H

#include "store/store.h"

typedef struct session_rec {
    int64_t site_id;
    const char *account_id;
    const char *csrf; /* the session's CSRF token (sent back in X-Kiln-CSRF) */
    int64_t created_ms, expires_ms, last_seen_ms;
} session_rec_t;

int store_session_insert(store_t *st, const unsigned char hash[32], const session_rec_t *s);
/* The session with this hash, live or not; STORE_NOTFOUND if none. */
int store_session_lookup(store_t *st, arena_t *a, const unsigned char hash[32], session_rec_t *out);
/* Sets last_seen_ms (the idle clock); STORE_NOTFOUND if the session is gone. */
int store_session_touch(store_t *st, const unsigned char hash[32], int64_t now_ms);
/* Sign-out: STORE_NOTFOUND if there was none. */
int store_session_delete(store_t *st, const unsigned char hash[32]);
/* Deletes sessions past their end (expires_ms <= now) or idle since before idle_before_ms;
 * *deleted (may be NULL) says how many. */
int store_session_purge(store_t *st, int64_t now_ms, int64_t idle_before_ms, int64_t *deleted);

/* ---- one-time sign-in links ---- */
int store_login_link_insert(store_t *st, const unsigned char hash[32], int64_t site_id, const char *account_id,
                            int64_t created_ms, int64_t expires_ms);
/* Uses the link once: marks it used if it is of site_id, unused and expires after now,
 * and returns its account (arena); STORE_NOTFOUND for an unknown, used, expired or other
 * site's link (the same answer for all; another site's link stays unused). Atomic: of two
 * concurrent uses, one wins. */
int store_login_link_consume(store_t *st, arena_t *a, const unsigned char hash[32], int64_t site_id, int64_t now_ms,
                             const char **account_id);
/* Deletes links that expired before now_ms (used or not). */
int store_login_link_purge(store_t *st, int64_t now_ms);

#endif
