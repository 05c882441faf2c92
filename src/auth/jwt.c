#include "auth/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <string.h>

#include "base/enc.h"
#include "base/json.h"

static const char *const err_names[] = {"ok",      "format",  "alg",    "kid",      "signature",
                                        "expired", "not yet", "issuer", "audience", "internal"};

const char *jwt_err_name(int err)
{
    return err <= 0 && -err < (int)(sizeof err_names / sizeof *err_names) ? err_names[-err] : "error";
}

/* ---------------------------------------------------------------- base64url */

static int b64url_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/* Strict unpadded base64url: no '=', no other characters, no non-zero trailing bits.
 * out must hold n*3/4+1 bytes. Returns the decoded length or -1. */
static long b64url_decode(unsigned char *out, const char *in, size_t n)
{
    if (n % 4 == 1)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_val((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (long)o;
}

static char *b64url_arena(arena_t *a, const void *in, size_t n)
{
    char *s = arena_alloc(a, enc_b64url_len(n) + 1);
    if (s)
        enc_b64url(s, in, n);
    return s;
}

/* ---------------------------------------------------------------- sign */

char *jwt_sign_rs256(arena_t *a, EVP_PKEY *key, const char *kid, const json_t *claims)
{
    if (!key || !kid || strlen(kid) > JWT_MAX_KID || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        return NULL;
    json_t *hdr = json_pack("{s:s,s:s,s:s}", "alg", "RS256", "kid", kid, "typ", "JWT");
    size_t hl = 0, pl = 0;
    char *h = json_dump_arena(a, hdr, 1024, &hl);
    json_decref(hdr);
    char *p = json_dump_arena(a, claims, JWT_MAX_BYTES, &pl);
    if (!h || !p)
        return NULL;
    char *hb = b64url_arena(a, h, hl), *pb = b64url_arena(a, p, pl);
    if (!hb || !pb)
        return NULL;
    char *input = arena_printf(a, "%s.%s", hb, pb);
    if (!input)
        return NULL;
    unsigned char sig[1024];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_PKEY_get_size(key) <= (int)sizeof sig &&
             EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, strlen(input)) == 1;
    EVP_MD_CTX_free(md);
    if (!ok)
        return NULL;
    char *sb = b64url_arena(a, sig, siglen);
    char *out = sb ? arena_printf(a, "%s.%s", input, sb) : NULL;
    return out && strlen(out) <= JWT_MAX_BYTES ? out : NULL;
}

/* ---------------------------------------------------------------- verify */

static json_t *decode_part(arena_t *a, const char *s, size_t n)
{
    unsigned char *buf = arena_alloc(a, n * 3 / 4 + 2);
    long dl = buf ? b64url_decode(buf, s, n) : -1;
    if (dl <= 0)
        return NULL;
    json_err_t je;
    json_t *j = json_parse_arena(a, (const char *)buf, (size_t)dl, 16, &je);
    return json_is_object(j) ? j : NULL;
}

/* Every string claim and header is compared whole (json_str_is): "RS256\u0000x" is not
 * RS256, and a kid, issuer or audience with a NUL in it names nothing. */
static int aud_matches(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return json_str_is(aud, want);
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v) if (json_str_is(v, want)) return 1;
    return 0;
}

int jwt_verify_rs256(arena_t *a, const char *token, size_t len, jwt_key_lookup lookup, void *ud,
                     const jwt_expect_t *want, json_t **claims)
{
    if (len == 0 || len > JWT_MAX_BYTES || memchr(token, '\0', len))
        return JWT_EFORMAT;
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
        return JWT_EFORMAT;
    size_t hl = (size_t)(d1 - token), pl = (size_t)(d2 - d1 - 1), sl = len - (size_t)(d2 + 1 - token);
    json_t *hdr = decode_part(a, token, hl);
    if (!hdr)
        return JWT_EFORMAT;
    /* the algorithm is pinned before anything else is looked at */
    json_t *typ = json_object_get(hdr, "typ");
    if (!json_str_is(json_object_get(hdr, "alg"), "RS256") || (typ && !json_str_is(typ, "JWT")) ||
        json_object_get(hdr, "crit") || json_object_get(hdr, "jku") || json_object_get(hdr, "jwk") ||
        json_object_get(hdr, "x5u"))
        return JWT_EALG;
    json_t *kj = json_object_get(hdr, "kid");
    const char *kid = json_string_value(kj);
    size_t kl = json_string_length(kj);
    EVP_PKEY *key = kid && kl <= JWT_MAX_KID && strlen(kid) == kl ? lookup(ud, kid) : NULL;
    if (!key)
        return JWT_EKID;
    if (sl == 0 || sl > 1400)
        return JWT_ESIGNATURE;
    unsigned char *sig = arena_alloc(a, sl * 3 / 4 + 2);
    long sigl = sig ? b64url_decode(sig, d2 + 1, sl) : -1;
    if (sigl <= 0)
        return JWT_ESIGNATURE;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
             EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(md, sig, (size_t)sigl, (const unsigned char *)token, (size_t)(d2 - token)) == 1;
    EVP_MD_CTX_free(md);
    if (!ok)
        return JWT_ESIGNATURE;
    json_t *c = decode_part(a, d1 + 1, pl);
    if (!c)
        return JWT_EFORMAT;
    json_t *exp = json_object_get(c, "exp"), *nbf = json_object_get(c, "nbf"), *iat = json_object_get(c, "iat");
    if (!json_is_integer(exp) || json_integer_value(exp) + want->leeway_s <= want->now_s)
        return JWT_EEXPIRED;
    if ((nbf && (!json_is_integer(nbf) || json_integer_value(nbf) > want->now_s + want->leeway_s)) ||
        (iat && (!json_is_integer(iat) || json_integer_value(iat) > want->now_s + want->leeway_s)))
        return JWT_ENOTYET;
    if (want->issuer && !json_str_is(json_object_get(c, "iss"), want->issuer))
        return JWT_EISSUER;
    if (want->audience && !aud_matches(json_object_get(c, "aud"), want->audience))
        return JWT_EAUDIENCE;
    *claims = c;
    return JWT_OK;
}

/* ---------------------------------------------------------------- JWK */

static json_t *bn_b64(const BIGNUM *bn)
{
    int n = BN_num_bytes(bn);
    if (n <= 0 || n > 1024)
        return NULL;
    unsigned char buf[1024];
    BN_bn2bin(bn, buf);
    char out[1400];
    enc_b64url(out, buf, (size_t)n);
    return json_string(out);
}

json_t *jwt_jwk_rs256(EVP_PKEY *key, const char *kid)
{
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        return NULL;
    BIGNUM *n = NULL, *e = NULL;
    json_t *jn = NULL, *je = NULL, *out = NULL;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1 && (jn = bn_b64(n)) && (je = bn_b64(e)))
        out = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "kty", "RSA", "kid", kid, "use", "sig", "alg", "RS256", "n", jn,
                        "e", je);
    else {
        json_decref(jn);
        json_decref(je);
    }
    BN_free(n);
    BN_free(e);
    return out;
}
