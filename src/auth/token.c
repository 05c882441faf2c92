#include "auth/token.h"

#include <string.h>

#include "base/enc.h"

static const struct {
    enum token_kind kind;
    const char *prefix;
} kinds[] = {
    {TOKEN_USER, "kiln_u_"},   {TOKEN_ADMIN, "kiln_a_"},   {TOKEN_INVOCATION, "kiln_i_"},
    {TOKEN_SYSTEM, "kiln_s_"}, {TOKEN_SESSION, "kiln_w_"}, {TOKEN_LOGIN_LINK, "kiln_l_"},
};

void token_mint(enum token_kind kind, char out[TOKEN_MAX])
{
    unsigned char raw[32];
    enc_random(raw, sizeof raw);
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (kinds[i].kind == kind) {
            size_t pl = strlen(kinds[i].prefix);
            memcpy(out, kinds[i].prefix, pl);
            enc_b64url(out + pl, raw, sizeof raw);
            return;
        }
    }
    out[0] = '\0';
}

static int b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

enum token_kind token_kind_of(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        size_t pl = strlen(kinds[i].prefix);
        if (n != pl + TOKEN_BODY_LEN || memcmp(s, kinds[i].prefix, pl) != 0)
            continue;
        for (size_t j = pl; j < n; j++)
            if (!b64url_char(s[j]))
                return TOKEN_NONE;
        return kinds[i].kind;
    }
    return TOKEN_NONE;
}

void token_hash(const char *s, size_t n, unsigned char out[32])
{
    enc_sha256(out, s, n);
}
