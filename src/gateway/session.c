/* The web UI's session cookie as a credential (gateway/gateway.h, gateway_session): the
 * one reader of the kiln_session cookie, for the Jira plane and for web/'s pages. Lookups
 * are cached per thread as API tokens are (gateway/authcache.h): a sign-out, a purge or a
 * user write is seen at once; expiry and idleness are checked on every request. */
#include <string.h>

#include "auth/session.h"
#include "base/clock.h"
#include "gateway/authcache.h"
#include "gateway/gateway.h"
#include "http/reply.h"
#include "store/store_sessions.h"

static int64_t idle_ms = SESSION_IDLE_MS_DEFAULT;
static int cookie_secure;

void gateway_configure_session_cookie(int secure)
{
    cookie_secure = secure;
}

void gateway_session_clear_cookie(kreq_t *kr)
{
    reply_header(kr, "set-cookie", session_set_cookie(kr->arena, SESSION_COOKIE, "", 0, cookie_secure));
}

void gateway_configure_sessions(int64_t session_idle_ms)
{
    idle_ms = session_idle_ms > 0 ? session_idle_ms : SESSION_IDLE_MS_DEFAULT;
}

int64_t gateway_session_idle_ms(void)
{
    return idle_ms;
}

int gateway_session(kreq_t *kr, session_rec_t *out, site_rec_t *site, unsigned char hash[32])
{
    const char *val;
    size_t vlen;
    ssize_t i = h2o_find_header(&kr->req->headers, H2O_TOKEN_COOKIE, -1);
    int found = SESSION_COOKIE_ABSENT;
    /* one Cookie header or several (HTTP/2 splits them): every one is read, and any one
     * of them that is malformed or disagrees with another spoils the lot */
    const char *seen = NULL;
    size_t seen_len = 0;
    for (; i >= 0; i = h2o_find_header(&kr->req->headers, H2O_TOKEN_COOKIE, i)) {
        h2o_iovec_t v = kr->req->headers.entries[i].value;
        int r = session_cookie_find(v.base, v.len, SESSION_COOKIE, &val, &vlen);
        if (r == SESSION_COOKIE_BAD)
            return GATEWAY_SESSION_DEAD;
        if (r == SESSION_COOKIE_OK) {
            if (seen && (seen_len != vlen || memcmp(seen, val, vlen) != 0))
                return GATEWAY_SESSION_DEAD;
            seen = val, seen_len = vlen, found = r;
        }
    }
    if (found != SESSION_COOKIE_OK)
        return GATEWAY_SESSION_NONE;
    unsigned char h[32];
    if (!session_secret_hash(seen, seen_len, h))
        return GATEWAY_SESSION_DEAD;
    int64_t now = clock_now_ms();
    /* cached (gateway/authcache.h) unless a last-seen write looks due: then the store is
     * read again, so another thread's touch is seen and touches stay once a minute */
    if (authcache_session_get(kr->arena, h, out, site) && !session_touch_due(out->last_seen_ms, now, idle_ms)) {
        if (!session_live(out->expires_ms, out->last_seen_ms, now, idle_ms))
            return GATEWAY_SESSION_DEAD;
    } else {
        uint64_t gen = store_auth_gen(); /* before the lookups: a sign-out racing them spoils the entry */
        user_rec_t u;
        if (store_session_lookup(kr->store, kr->arena, h, out) != STORE_OK ||
            !session_live(out->expires_ms, out->last_seen_ms, now, idle_ms) ||
            /* the session's own user, before any site is bound: the admin path (store.h) */
            store_user_get(store_admin(kr->store), kr->arena, out->site_id, out->account_id, &u) != STORE_OK ||
            !u.active || store_site_by_id(kr->store, kr->arena, out->site_id, site) != STORE_OK)
            return GATEWAY_SESSION_DEAD;
        if (session_touch_due(out->last_seen_ms, now, idle_ms) &&
            store_session_touch(store_admin(kr->store), h, now) == STORE_OK)
            out->last_seen_ms = now;
        authcache_session_put(h, gen, out, site);
    }
    if (hash)
        memcpy(hash, h, 32);
    return GATEWAY_SESSION_OK;
}

int gateway_session_csrf_ok(kreq_t *kr, const session_rec_t *s)
{
    const char *sent = kreq_header(kr, "x-kiln-csrf");
    return session_csrf_eq(sent, s->csrf);
}

int gateway_method_safe(kreq_t *kr)
{
    return kreq_method_is(kr, "GET") || kreq_method_is(kr, "HEAD") || kreq_method_is(kr, "OPTIONS");
}
