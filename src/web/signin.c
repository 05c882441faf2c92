#include "web/signin.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "auth/session.h"
#include "auth/token.h"
#include "base/clock.h"
#include "base/enc.h"
#include "gateway/gateway.h"
#include "gateway/ratelimit.h"
#include "http/reply.h"
#include "journal/audit.h"
#include "store/store_sessions.h"
#include "store/store_sites.h"
#include "web/form.h"
#include "web/headers.h"
#include "web/plain.h"
#include "web/web.h"

#define WRONG "Wrong email or API token."

static const char *site_of(kreq_t *kr)
{
    return kr->params[0];
}

static void audit_web(kreq_t *kr, const char *kind, int64_t site_id, const char *actor, int status, const char *detail)
{
    h2o_req_t *req = kr->req;
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    audit_record(&(audit_event_t){.site_id = site_id,
                                  .kind = kind,
                                  .plane = AUDIT_PLANE_WEB,
                                  .actor = actor,
                                  .method = arena_strndup(kr->arena, req->method.base, req->method.len),
                                  .path = arena_strndup(kr->arena, req->path.base, plen < 255 ? plen : 255),
                                  .status = status,
                                  .detail = detail});
}

/* ---- the form ---- */

static void render_form(kreq_t *kr, int status, const char *error, const char *email, const char *next)
{
    const web_config_t *w = web_config();
    const char *site = site_of(kr);
    /* the pre-session nonce: a new one for each form, in a cookie a page elsewhere cannot set */
    unsigned char raw[24];
    char nonce[64], tok[LOGIN_FORM_TOKEN_MAX], snonce[64];
    enc_random(raw, sizeof raw);
    enc_b64url(nonce, raw, sizeof raw);
    login_form_token(w->key, nonce, site, clock_now_ms(), tok);
    reply_header(kr, "set-cookie",
                 session_set_cookie(kr->arena, LOGIN_COOKIE, nonce, LOGIN_FORM_TTL_MS / 1000, w->secure));
    const char *sn = web_style_nonce(kr, snonce);
    arena_t *a = kr->arena;
    const char *action = arena_printf(a, "/s/%s/login", site);
    const char *body = arena_printf(
        a,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Sign in · %s · kiln</title><style nonce=\"%s\">%s</style></head><body>"
        "<main class=\"card\"><h1>Sign in</h1><p class=\"site\">to <strong>%s</strong></p>%s%s%s"
        "<form method=\"post\" action=\"%s\">"
        "<input type=\"hidden\" name=\"csrf\" value=\"%s\">%s%s%s"
        "<label for=\"email\">Email</label>"
        "<input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"username\" required value=\"%s\">"
        "<label for=\"token\">API token</label>"
        "<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"current-password\" required>"
        "<button type=\"submit\">Sign in</button></form>"
        "<p class=\"hint\">Your API token comes from <code>kiln user token --site %s</code>; an operator can also "
        "give you a one-time link (<code>kiln ui login-url</code>).</p></main></body></html>",
        web_html(a, site), sn, web_plain_css, web_html(a, site), error ? "<p class=\"error\" role=\"alert\">" : "",
        error ? web_html(a, error) : "", error ? "</p>" : "", web_html(a, action), tok,
        next ? "<input type=\"hidden\" name=\"next\" value=\"" : "", next ? web_html(a, next) : "", next ? "\">" : "",
        web_html(a, email ? email : ""), web_html(a, site));
    web_headers_plain(kr, sn);
    reply_raw(kr, status, "text/html; charset=utf-8", body, strlen(body));
}

static const char *home_of(kreq_t *kr)
{
    return arena_printf(kr->arena, "/s/%s/", site_of(kr));
}

void signin_form(kreq_t *kr)
{
    int bad = 0, dead;
    const char *next = web_next_ok(kr->arena, site_of(kr), kreq_query(kr, "next", &bad));
    session_rec_t s;
    if (web_session_for(kr, site_of(kr), &s, NULL, &dead)) {
        web_redirect(kr, next ? next : home_of(kr)); /* signed in already */
        return;
    }
    if (dead)
        web_clear_session_cookie(kr);
    render_form(kr, 200, NULL, NULL, next);
}

/* ---- signing in ---- */

static const char *client_addr(kreq_t *kr)
{
    struct sockaddr_storage ss;
    char buf[INET6_ADDRSTRLEN] = "unknown";
    h2o_conn_t *c = kr->req->conn;
    socklen_t n = c && c->callbacks && c->callbacks->get_peername ? c->callbacks->get_peername(c, (void *)&ss) : 0;
    if (n && ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, sizeof buf);
    else if (n && ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, sizeof buf);
    return arena_strdup(kr->arena, buf);
}

static int login_cookie(kreq_t *kr, const char **nonce)
{
    const char *val;
    size_t vlen;
    ssize_t i = h2o_find_header(&kr->req->headers, H2O_TOKEN_COOKIE, -1);
    if (i < 0)
        return 0;
    h2o_iovec_t v = kr->req->headers.entries[i].value;
    if (session_cookie_find(v.base, v.len, LOGIN_COOKIE, &val, &vlen) != SESSION_COOKIE_OK || vlen == 0 || vlen > 64)
        return 0;
    *nonce = arena_strndup(kr->arena, val, vlen);
    return 1;
}

/* The user the email and token name, on `site`: 0 with *account, or -1 (one answer for
 * every reason). */
static int check_credentials(kreq_t *kr, const site_rec_t *site, const char *email, const char *token,
                             const char **account)
{
    size_t tl = strlen(token);
    if (token_kind_of(token, tl) != TOKEN_USER)
        return -1;
    unsigned char hash[32];
    token_hash(token, tl, hash);
    int64_t sid;
    user_rec_t u;
    /* signing in and out checks credentials before any site is bound: every store call of
     * this file goes through the admin path (store.h, docs/scale.md) */
    if (store_token_lookup(store_admin(kr->store), kr->arena, hash, &sid, account) != STORE_OK || sid != site->id ||
        store_user_get(store_admin(kr->store), kr->arena, sid, *account, &u) != STORE_OK || !u.active || !u.email ||
        strlen(u.email) != strlen(email) || strcasecmp(u.email, email) != 0)
        return -1;
    return 0;
}

/* A new session for the account on the site: the cookie set, the old session (if the
 * browser had one, of any site) ended, audited. */
static int start_session(kreq_t *kr, const site_rec_t *site, const char *account, const char *how)
{
    const web_config_t *w = web_config();
    session_rec_t old;
    site_rec_t old_site;
    unsigned char old_hash[32];
    if (gateway_session(kr, &old, &old_site, old_hash) == GATEWAY_SESSION_OK)
        store_session_delete(store_admin(kr->store), old_hash);
    char secret[TOKEN_MAX], csrf[TOKEN_MAX];
    unsigned char hash[32];
    session_mint(secret, hash, csrf);
    int64_t now = clock_now_ms();
    session_rec_t s = {site->id, account, csrf, now, now + w->session_max_ms, now};
    if (store_session_insert(store_admin(kr->store), hash, &s) != STORE_OK)
        return -1;
    reply_header(kr, "set-cookie",
                 session_set_cookie(kr->arena, SESSION_COOKIE, secret, w->session_max_ms / 1000, w->secure));
    reply_header(kr, "set-cookie", session_set_cookie(kr->arena, LOGIN_COOKIE, "", 0, w->secure));
    audit_web(kr, AUDIT_SESSION_CREATE, site->id, account, 302, how);
    return 0;
}

void signin_post(kreq_t *kr)
{
    const char *site = site_of(kr);
    const char *ct = kreq_header(kr, "content-type");
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 || (ct[33] && ct[33] != ';')) {
        web_message_page(kr, 415, "Unsupported form", "Sign in with the form on the sign-in page.");
        return;
    }
    static const char *const names[] = {"email", "token", "csrf", "next"};
    const char *v[4], *why;
    if (kr->req->entity.len > WEB_FORM_MAX) {
        web_message_page(kr, 413, "Form too large", "The form is too large.");
        return;
    }
    if (web_form_parse(kr->arena, kr->req->entity.base, kr->req->entity.len, names, v, 4, &why) != 0) {
        web_message_page(kr, 400, "Bad form", why);
        return;
    }
    const char *email = v[0], *token = v[1], *next = web_next_ok(kr->arena, site, v[3]);
    const char *nonce = NULL;
    if (!login_cookie(kr, &nonce) || !login_form_check(web_config()->key, nonce, site, v[2], clock_now_ms())) {
        audit_web(kr, AUDIT_SESSION_DENY, 0, NULL, 403, "sign-in form without a valid login-CSRF token");
        render_form(kr, 403, "This sign-in form has expired or did not come from kiln. Please sign in again.", email,
                    next);
        return;
    }
    if (!email || !*email || !token || !*token) {
        render_form(kr, 400, "Enter your email and API token.", email, next);
        return;
    }
    /* throttles: per client address, and per site and email (case aside) */
    char *el = arena_strdup(kr->arena, email);
    for (char *p = el; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    /* the limits count failed attempts; one over either is refused before it is checked */
    int64_t now = clock_now_ms();
    const char *kaddr = arena_printf(kr->arena, "web-login-addr:%s", client_addr(kr));
    const char *kmail = arena_printf(kr->arena, "web-login:%s:%s", site, el);
    ratelimit_result_t ra = ratelimit_peek(kaddr, SIGNIN_RATE_CLIENT, now);
    ratelimit_result_t re = ratelimit_peek(kmail, SIGNIN_RATE_EMAIL, now);
    if (!ra.allowed || !re.allowed) {
        ratelimit_headers(kr, ra.allowed ? &re : &ra);
        audit_web(kr, AUDIT_SESSION_DENY, 0, NULL, 429, "sign-in throttled");
        render_form(kr, 429, "Too many sign-in attempts. Wait a minute and try again.", email, next);
        return;
    }
    site_rec_t s;
    const char *account = NULL;
    if (store_site_by_name(store_admin(kr->store), kr->arena, site, &s) != STORE_OK ||
        check_credentials(kr, &s, email, token, &account) != 0) {
        ratelimit_take(kaddr, SIGNIN_RATE_CLIENT, now);
        ratelimit_take(kmail, SIGNIN_RATE_EMAIL, now);
        audit_web(kr, AUDIT_SESSION_DENY, 0, NULL, 401, "wrong email or API token");
        render_form(kr, 401, WRONG, email, next);
        return;
    }
    if (start_session(kr, &s, account, "sign-in with email and API token") != 0) {
        web_message_page(kr, 500, "Sign-in failed", "kiln could not start a session. Try again.");
        return;
    }
    web_redirect(kr, next ? next : home_of(kr));
}

void signin_logout(kreq_t *kr)
{
    session_rec_t s;
    unsigned char hash[32];
    int dead;
    const char *login = arena_printf(kr->arena, "/s/%s/login", site_of(kr));
    if (!web_session_for(kr, site_of(kr), &s, hash, &dead)) {
        if (dead)
            web_clear_session_cookie(kr);
        web_redirect(kr, login);
        return;
    }
    /* the CSRF token in the X-Kiln-CSRF header (the host) or the form's csrf field */
    int ok = gateway_session_csrf_ok(kr, &s);
    if (!ok && kr->req->entity.len <= WEB_FORM_MAX) {
        static const char *const names[] = {"csrf"};
        const char *v[1], *why;
        ok = web_form_parse(kr->arena, kr->req->entity.base, kr->req->entity.len, names, v, 1, &why) == 0 &&
             session_csrf_eq(v[0], s.csrf);
    }
    if (!ok) {
        web_headers_data(kr);
        reply_error(kr, 403, 1, "XSRF check failed");
        return;
    }
    store_session_delete(store_admin(kr->store), hash);
    web_clear_session_cookie(kr);
    audit_web(kr, AUDIT_SESSION_END, kr->site.id, s.account_id, 302, "signed out");
    web_redirect(kr, login);
}

void signin_link(kreq_t *kr)
{
    int bad = 0;
    const char *t = kreq_query(kr, "t", &bad);
    const char *next = web_next_ok(kr->arena, site_of(kr), kreq_query(kr, "next", &bad));
    unsigned char hash[32];
    site_rec_t s;
    const char *account = NULL;
    user_rec_t u;
    if (!t || !session_link_hash(t, strlen(t), hash) ||
        store_site_by_name(store_admin(kr->store), kr->arena, site_of(kr), &s) != STORE_OK ||
        store_login_link_consume(store_admin(kr->store), kr->arena, hash, s.id, clock_now_ms(), &account) != STORE_OK ||
        store_user_get(store_admin(kr->store), kr->arena, s.id, account, &u) != STORE_OK || !u.active) {
        audit_web(kr, AUDIT_SESSION_DENY, 0, NULL, 403, "sign-in link not valid");
        web_message_page(kr, 403, "This sign-in link is not valid",
                         "It may have been used already, have expired (links last 10 minutes), or be for another "
                         "site. Ask for a new one, or sign in with your email and API token.");
        return;
    }
    if (start_session(kr, &s, account, "sign-in with a one-time link") != 0) {
        web_message_page(kr, 500, "Sign-in failed", "kiln could not start a session. Try again.");
        return;
    }
    web_redirect(kr, next ? next : home_of(kr));
}
