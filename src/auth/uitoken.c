#include "auth/uitoken.h"

#include <stdio.h>
#include <string.h>

#include "auth/keys.h"
#include "base/enc.h"

#define NFIELDS 8 /* site ~ installation ~ app ~ env ~ module ~ account ~ digest ~ expires */

static int field_ok(const char *s, size_t n)
{
    if (n == 0 || n > UITOKEN_FIELD_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '.' ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* base64url of the HMAC of text[0..n) under the derived key into out (44 bytes). */
static int mac_of(const char *text, size_t n, char out[44])
{
    unsigned char k[32], mac[32];
    if (keys_derive("ui context tokens", k) != 0)
        return -1;
    enc_hmac_sha256(mac, k, sizeof k, text, n);
    enc_b64url(out, mac, sizeof mac);
    return 0;
}

int uitoken_mint(const uitoken_t *t, char out[UITOKEN_MAX])
{
    const char *f[] = {t->installation_id, t->app_id, t->env_key, t->module_key, t->account_id, t->ext_digest};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (!f[i] || !field_ok(f[i], strlen(f[i])))
            return -1;
    if (t->site_id <= 0 || t->expires_ms <= 0 || strspn(t->ext_digest, "0123456789abcdef") != 64 || t->ext_digest[64])
        return -1; /* the digest as uitoken_digest writes it, and uitoken_check reads it */
    int n = snprintf(out, UITOKEN_MAX, UITOKEN_PREFIX "%lld~%s~%s~%s~%s~%s~%s~%lld", (long long)t->site_id, f[0], f[1],
                     f[2], f[3], f[4], f[5], (long long)t->expires_ms);
    char mac[44];
    if (n < 0 || (size_t)n + 1 + 43 >= UITOKEN_MAX || mac_of(out, (size_t)n, mac) != 0)
        return -1;
    snprintf(out + n, UITOKEN_MAX - (size_t)n, "~%s", mac);
    return 0;
}

int uitoken_check(arena_t *a, const char *s, size_t n, int64_t now_ms, uitoken_t *out)
{
    size_t pl = sizeof UITOKEN_PREFIX - 1;
    if (!s || n <= pl || n >= UITOKEN_MAX || memcmp(s, UITOKEN_PREFIX, pl) != 0)
        return UITOKEN_INVALID;
    const char *last = memrchr(s, '~', n);
    if (!last || (size_t)(s + n - last - 1) != 43)
        return UITOKEN_INVALID;
    char want[44];
    if (mac_of(s, (size_t)(last - s), want) != 0 || !enc_ct_eq(want, last + 1, 43))
        return UITOKEN_INVALID;
    /* authentic: split what it says */
    const char *f[NFIELDS];
    size_t fl[NFIELDS], k = 0;
    const char *p = s + pl, *end = last;
    while (k < NFIELDS && p <= end) {
        const char *t = memchr(p, '~', (size_t)(end - p));
        if (!t)
            t = end;
        f[k] = p;
        fl[k++] = (size_t)(t - p);
        p = t + 1;
    }
    if (k != NFIELDS || p <= end)
        return UITOKEN_INVALID;
    for (size_t i = 0; i < NFIELDS; i++)
        if (!field_ok(f[i], fl[i]))
            return UITOKEN_INVALID;
    char num[2][24];
    if (fl[0] >= sizeof num[0] || fl[7] >= sizeof num[1] || fl[6] != 64)
        return UITOKEN_INVALID;
    memcpy(num[0], f[0], fl[0]);
    num[0][fl[0]] = '\0';
    memcpy(num[1], f[7], fl[7]);
    num[1][fl[7]] = '\0';
    memset(out, 0, sizeof *out);
    if (enc_parse_i64(num[0], 1, INT64_MAX, &out->site_id) != 0 ||
        enc_parse_i64(num[1], 1, INT64_MAX, &out->expires_ms) != 0)
        return UITOKEN_INVALID;
    out->installation_id = arena_strndup(a, f[1], fl[1]);
    out->app_id = arena_strndup(a, f[2], fl[2]);
    out->env_key = arena_strndup(a, f[3], fl[3]);
    out->module_key = arena_strndup(a, f[4], fl[4]);
    out->account_id = arena_strndup(a, f[5], fl[5]);
    memcpy(out->ext_digest, f[6], 64);
    out->ext_digest[64] = '\0';
    return now_ms >= out->expires_ms ? UITOKEN_EXPIRED : UITOKEN_OK;
}

void uitoken_digest(const char *json, size_t len, char out[65])
{
    unsigned char h[32];
    enc_sha256(h, json, len);
    enc_hex(out, h, sizeof h);
}
