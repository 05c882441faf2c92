/* libFuzzer harness for the web UI's cookie and CSRF parsing (auth/session.h,
 * auth/uitoken.h; docs/ui.md "Sign-in and sessions"). The input is a Cookie header:
 *   - session_cookie_find for kiln_session and kiln_login agrees with a plain reference
 *     reader written here (split on ';', trim spaces and tabs, one pair of quotes; a name
 *     twice with different values, or a header over the limit, is BAD), and the value it
 *     returns lies inside the header;
 *   - the session value is checked as a session secret and as a sign-in link (well-formed
 *     exactly when it is the token kind's prefix and 43 base64url characters);
 *   - the kiln_login value is a sign-in form's nonce: the form token minted for it checks
 *     (there is none only for a nonce too long for the mac to bind it all), the whole
 *     header read as a form token never checks unless it is that token, and any input is
 *     refused without undefined behaviour;
 *   - the whole input as a UI context token is refused (the fuzzer has no key) or, when
 *     it is one the harness minted, read back field for field; and the input split on
 *     '~' into fields mints a token exactly when every field is valid, which checks back
 *     to the same fields;
 *   - session_csrf_eq agrees with strcmp for non-empty tokens. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/keys.h"
#include "auth/session.h"
#include "auth/uitoken.h"
#include "base/arena.h"
#include "base/log.h"

#include "fuzz_util.h"

static int sp(char c)
{
    return c == ' ' || c == '\t';
}

/* The reference: what a Cookie header says about `name`, read the plain way. */
static int ref_find(const char *h, size_t n, const char *name, const char **val, size_t *vlen)
{
    if (n > SESSION_COOKIE_HEADER_MAX)
        return SESSION_COOKIE_BAD;
    int found = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && h[j] != ';')
            j++;
        /* the pair h[i..j) */
        const char *eq = memchr(h + i, '=', j - i);
        if (eq) {
            size_t a = i, b = (size_t)(eq - h);
            while (a < b && sp(h[a]))
                a++;
            while (b > a && sp(h[b - 1]))
                b--;
            if (b - a == strlen(name) && memcmp(h + a, name, b - a) == 0) {
                size_t c = (size_t)(eq - h) + 1, d = j;
                while (c < d && sp(h[c]))
                    c++;
                while (d > c && sp(h[d - 1]))
                    d--;
                if (d - c >= 2 && h[c] == '"' && h[d - 1] == '"')
                    c++, d--;
                if (found && (d - c != *vlen || memcmp(h + c, *val, *vlen) != 0))
                    return SESSION_COOKIE_BAD;
                found = 1;
                *val = h + c;
                *vlen = d - c;
            }
        }
        i = j + 1;
    }
    return found ? SESSION_COOKIE_OK : SESSION_COOKIE_ABSENT;
}

static int well_formed(const char *v, size_t n, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (n != pl + 43 || memcmp(v, prefix, pl) != 0)
        return 0;
    for (size_t i = pl; i < n; i++)
        if (!(v[i] >= 'a' && v[i] <= 'z') && !(v[i] >= 'A' && v[i] <= 'Z') && !(v[i] >= '0' && v[i] <= '9') &&
            v[i] != '-' && v[i] != '_')
            return 0;
    return 1;
}

static const char *find(const char *h, size_t n, const char *name, size_t *vlen)
{
    const char *v, *rv;
    size_t vl, rvl;
    int r = session_cookie_find(h, n, name, &v, &vl), rr = ref_find(h, n, name, &rv, &rvl);
    if (r != rr || (r == SESSION_COOKIE_OK && (v != rv || vl != rvl)))
        abort();
    if (r == SESSION_COOKIE_OK && (v < h || v + vl > h + n))
        abort();
    *vlen = vl;
    return r == SESSION_COOKIE_OK ? v : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char form_key[32] = {1, 2, 3};
    if (!fuzz_dir[0]) {
        char err[256];
        if (keys_init(fuzz_tmpdir("cookie"), err, sizeof err) != 0)
            abort();
    }
    const char *h = (const char *)data;
    arena_t *a = arena_new(1 << 20);
    char *z = arena_strndup(a, h, size); /* the input as a C string (up to a NUL) */
    size_t vlen;
    unsigned char hash[32];

    const char *sess = find(h, size, SESSION_COOKIE, &vlen);
    if (sess) {
        if (session_secret_hash(sess, vlen, hash) != well_formed(sess, vlen, "kiln_w_") ||
            session_link_hash(sess, vlen, hash) != well_formed(sess, vlen, "kiln_l_"))
            abort();
    }
    const char *nonce = find(h, size, LOGIN_COOKIE, &vlen);
    int64_t now = 1700000000000;
    if (nonce) {
        char *nz = arena_strndup(a, nonce, vlen), tok[LOGIN_FORM_TOKEN_MAX];
        login_form_token(form_key, nz, "acme", now - 1000, tok);
        if (!tok[0] != (strlen(nz) > 481)) /* no token only past the mac's 511 bytes: 30 beside the nonce */
            abort();
        if (*nz && tok[0] &&
            (!login_form_check(form_key, nz, "acme", tok, now) ||
             login_form_check(form_key, nz, "acme", tok, now + LOGIN_FORM_TTL_MS) ||
             login_form_check(form_key, nz, "other", tok, now)))
            abort();
        if (login_form_check(form_key, nz, "acme", z, now) && strcmp(z, tok) != 0)
            abort();
    }
    if (login_form_check(form_key, "nonce", "acme", z, now)) /* no key: never */
        abort();

    uitoken_t t;
    int r = uitoken_check(a, h, size, now, &t);
    if (r != UITOKEN_INVALID && r != UITOKEN_EXPIRED && r != UITOKEN_OK)
        abort();
    { /* the input's '~'-separated fields as a token to mint: it checks back to them */
        char *f[8] = {0};
        size_t k = 0;
        for (char *p = z, *q; k < 8 && p; p = q) {
            q = strchr(p, '~');
            if (q)
                *q++ = '\0';
            f[k++] = p;
        }
        if (k == 7) {
            uitoken_t m = {.site_id = (int64_t)(size % 97) + 1,
                           .installation_id = f[1],
                           .app_id = f[2],
                           .env_key = f[3],
                           .module_key = f[4],
                           .account_id = f[5],
                           .expires_ms = now + 1};
            snprintf(m.ext_digest, sizeof m.ext_digest, "%.64s", f[6]);
            char out[UITOKEN_MAX];
            if (uitoken_mint(&m, out) == 0) {
                uitoken_t back;
                if (uitoken_check(a, out, strlen(out), now, &back) != UITOKEN_OK || back.site_id != m.site_id ||
                    strcmp(back.installation_id, m.installation_id) || strcmp(back.app_id, m.app_id) ||
                    strcmp(back.env_key, m.env_key) || strcmp(back.module_key, m.module_key) ||
                    strcmp(back.account_id, m.account_id) || strcmp(back.ext_digest, m.ext_digest) ||
                    back.expires_ms != m.expires_ms ||
                    uitoken_check(a, out, strlen(out), now + 1, &back) != UITOKEN_EXPIRED)
                    abort();
                out[strlen(out) - 1] ^= 1; /* one bit of the mac: refused */
                if (uitoken_check(a, out, strlen(out), now, &back) != UITOKEN_INVALID)
                    abort();
            }
        }
    }
    static const char kept[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    if (session_csrf_eq(z, kept) != (strcmp(z, kept) == 0) || session_csrf_eq(z, "") || session_csrf_eq(NULL, kept))
        abort();
    arena_free(a);
    return 0;
}
