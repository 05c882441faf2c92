#include "auth/session.h"

#include <stdio.h>
#include <string.h>

#include "base/enc.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

int session_cookie_find(const char *hdr, size_t len, const char *name, const char **val, size_t *vlen)
{
    *val = NULL;
    *vlen = 0;
    if (!hdr)
        return SESSION_COOKIE_ABSENT;
    if (len > SESSION_COOKIE_HEADER_MAX)
        return SESSION_COOKIE_BAD;
    size_t nl = strlen(name);
    const char *p = hdr, *end = hdr + len;
    int found = 0;
    while (p < end) {
        while (p < end && (is_space(*p) || *p == ';'))
            p++;
        const char *pair = p;
        while (p < end && *p != ';')
            p++;
        const char *eq = memchr(pair, '=', (size_t)(p - pair));
        if (!eq)
            continue;
        const char *ne = eq;
        while (ne > pair && is_space(ne[-1]))
            ne--;
        if ((size_t)(ne - pair) != nl || memcmp(pair, name, nl) != 0)
            continue;
        const char *v = eq + 1, *ve = p;
        while (v < ve && is_space(*v))
            v++;
        while (ve > v && is_space(ve[-1]))
            ve--;
        if (ve - v >= 2 && *v == '"' && ve[-1] == '"')
            v++, ve--;
        if (found && ((size_t)(ve - v) != *vlen || memcmp(v, *val, *vlen) != 0))
            return SESSION_COOKIE_BAD;
        found = 1;
        *val = v;
        *vlen = (size_t)(ve - v);
    }
    return found ? SESSION_COOKIE_OK : SESSION_COOKIE_ABSENT;
}

void session_mint(char secret[TOKEN_MAX], unsigned char hash[32], char csrf[TOKEN_MAX])
{
    token_mint(TOKEN_SESSION, secret);
    token_hash(secret, strlen(secret), hash);
    unsigned char raw[32];
    enc_random(raw, sizeof raw);
    enc_b64url(csrf, raw, sizeof raw);
}

static int hash_of(enum token_kind kind, const char *v, size_t n, unsigned char hash[32])
{
    if (!v || token_kind_of(v, n) != kind)
        return 0;
    token_hash(v, n, hash);
    return 1;
}

int session_secret_hash(const char *v, size_t n, unsigned char hash[32])
{
    return hash_of(TOKEN_SESSION, v, n, hash);
}

int session_link_hash(const char *v, size_t n, unsigned char hash[32])
{
    return hash_of(TOKEN_LOGIN_LINK, v, n, hash);
}

int session_live(int64_t expires_ms, int64_t last_seen_ms, int64_t now_ms, int64_t idle_ms)
{
    return now_ms < expires_ms && now_ms - last_seen_ms < idle_ms;
}

int session_touch_due(int64_t last_seen_ms, int64_t now_ms, int64_t idle_ms)
{
    int64_t every = idle_ms / 2 < SESSION_TOUCH_MS ? idle_ms / 2 : SESSION_TOUCH_MS;
    return now_ms - last_seen_ms >= every;
}

const char *session_set_cookie(arena_t *a, const char *name, const char *value, int64_t max_age_s, int secure)
{
    int strict = strcmp(name, LOGIN_COOKIE) == 0;
    return arena_printf(a, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=%s%s", name, max_age_s > 0 ? value : "",
                        (long long)(max_age_s > 0 ? max_age_s : 0), strict ? "Strict" : "Lax",
                        secure ? "; Secure" : "");
}

/* 0, or -1 when nonce and site do not fit the message: a mac of less than all of them
 * would not bind them (it was once the mac of the empty message, the same for every
 * long nonce or site; found by tests/fuzz/fuzz_cookie.c) */
static int form_mac(const unsigned char key[32], const char *nonce, const char *site, long long ms, char hex[65])
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "kiln-login|%s|%s|%lld", nonce, site, ms);
    if (n <= 0 || (size_t)n >= sizeof msg)
        return -1;
    unsigned char mac[32];
    enc_hmac_sha256(mac, key, 32, msg, (size_t)n);
    enc_hex(hex, mac, sizeof mac);
    return 0;
}

void login_form_token(const unsigned char key[32], const char *nonce, const char *site, int64_t now_ms,
                      char out[LOGIN_FORM_TOKEN_MAX])
{
    char hex[65];
    if (form_mac(key, nonce, site, (long long)now_ms, hex) != 0) {
        out[0] = '\0'; /* no token: login_form_check refuses "" */
        return;
    }
    snprintf(out, LOGIN_FORM_TOKEN_MAX, "%lld.%s", (long long)now_ms, hex);
}

int login_form_check(const unsigned char key[32], const char *nonce, const char *site, const char *tok, int64_t now_ms)
{
    if (!tok || !nonce || !*nonce || strlen(tok) >= LOGIN_FORM_TOKEN_MAX)
        return 0;
    const char *dot = strchr(tok, '.');
    if (!dot || dot == tok || dot - tok > 18 || strlen(dot + 1) != 64) /* 18 digits: no overflow below */
        return 0;
    long long ms = 0;
    for (const char *p = tok; p < dot; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        ms = ms * 10 + (*p - '0');
    }
    if (ms > now_ms || now_ms - ms >= LOGIN_FORM_TTL_MS)
        return 0;
    char hex[65];
    return form_mac(key, nonce, site, ms, hex) == 0 && enc_ct_eq(hex, dot + 1, 64);
}

int session_csrf_eq(const char *sent, const char *kept)
{
    if (!sent || !kept)
        return 0;
    size_t n = strlen(kept);
    return n > 0 && strlen(sent) == n && enc_ct_eq(sent, kept, n);
}
