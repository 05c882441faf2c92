#include "base/enc.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

#include "base/arena.h"

/* Small requests (ids, tokens: 16-32 bytes, several per invocation) are served from a
 * per-thread pool filled by RAND_bytes 512 bytes at a time: one call into OpenSSL's DRBG
 * costs about as much as 512 bytes from it (perf on bench/webtrigger.sh: 5% of kiln's CPU
 * went to RAND_bytes). Bytes handed out are wiped from the pool; a forked child starts
 * with an empty pool, so parent and child never share one. */
#define RANDOM_POOL 512
#define RANDOM_POOLED_MAX 64
static __thread unsigned char pool[RANDOM_POOL];
static __thread size_t pool_left;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_forget(void)
{
    OPENSSL_cleanse(pool, sizeof pool);
    pool_left = 0;
}
static void pool_register(void)
{
    pthread_atfork(NULL, NULL, pool_forget);
}

void enc_random(void *out, size_t n)
{
    if (n > RANDOM_POOLED_MAX) {
        if (RAND_bytes(out, (int)n) != 1)
            kiln_oom(n); /* no entropy: nothing safe to do but stop */
        return;
    }
    if (pool_left < n) {
        pthread_once(&pool_once, pool_register);
        if (RAND_bytes(pool, RANDOM_POOL) != 1)
            kiln_oom(n);
        pool_left = RANDOM_POOL;
    }
    unsigned char *from = pool + RANDOM_POOL - pool_left;
    memcpy(out, from, n);
    OPENSSL_cleanse(from, n);
    pool_left -= n;
}

void enc_hex(char *out, const void *in, size_t n)
{
    static const char d[] = "0123456789abcdef";
    const unsigned char *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

size_t enc_b64url_len(size_t n)
{
    return (n * 4 + 2) / 3;
}

/* Encodes with alphabet t; pad with '=' to a multiple of 4 when pad. */
static void b64_with(char *out, const void *in, size_t n, const char *t, int pad)
{
    const unsigned char *p = in;
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = t[v >> 18];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = t[(v >> 6) & 63];
        out[o++] = t[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        out[o++] = t[v >> 18];
        out[o++] = t[(v >> 12) & 63];
        if (pad) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (n - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        out[o++] = t[v >> 18];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = t[(v >> 6) & 63];
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
}

void enc_b64url(char *out, const void *in, size_t n)
{
    b64_with(out, in, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 0);
}

size_t enc_b64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

void enc_b64(char *out, const void *in, size_t n)
{
    b64_with(out, in, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 1);
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long enc_b64_decode(unsigned char *out, size_t cap, const char *in, size_t n)
{
    while (n > 0 && in[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)o;
}

int enc_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        if (*p < 0x80) { /* the common case: a run of ASCII */
            p++;
            continue;
        }
        unsigned c = *p, need, min;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1, min = 0x80, c &= 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2, min = 0x800, c &= 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0; /* a continuation byte first, C0/C1 (always overlong), F5-FF */
        }
        if ((size_t)(end - p) <= need)
            return 0;
        for (unsigned i = 1; i <= need; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            c = (c << 6) | (p[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return 0;
        p += need + 1;
    }
    return 1;
}

void enc_utf8_printable(char *s)
{
    unsigned char *u = (unsigned char *)s;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        unsigned c = u[i];
        size_t w = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = w > 0 && i + w <= n && !(w == 1 && (c < 0x20 || c == 0x7f));
        for (size_t k = 1; ok && k < w; k++)
            ok = (u[i + k] & 0xC0) == 0x80;
        if (!ok) {
            u[i++] = '?';
            continue;
        }
        i += w;
    }
}

void enc_uuid4(char out[37])
{
    unsigned char b[16];
    char h[33];
    enc_random(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    enc_hex(h, b, sizeof b);
    memcpy(out, h, 8);
    out[8] = '-';
    memcpy(out + 9, h + 8, 4);
    out[13] = '-';
    memcpy(out + 14, h + 12, 4);
    out[18] = '-';
    memcpy(out + 19, h + 16, 4);
    out[23] = '-';
    memcpy(out + 24, h + 20, 12);
    out[36] = '\0';
}

int enc_is_uuid(const char *s, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return 1;
}

/* Fetched once: EVP_sha256() looks the implementation up (under a lock) on every use. */
static EVP_MD *sha256_md;

static void sha256_init(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void enc_sha256(unsigned char out[32], const void *in, size_t n)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sha256_init);
    unsigned int len = 32;
    if (!sha256_md || EVP_Digest(in, n, out, &len, sha256_md, NULL) != 1)
        kiln_oom(n);
}

enc_sha256_ctx_t *enc_sha256_begin(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sha256_init);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !sha256_md || EVP_DigestInit_ex(c, sha256_md, NULL) != 1)
        kiln_oom(sizeof c);
    return (enc_sha256_ctx_t *)c;
}

void enc_sha256_add(enc_sha256_ctx_t *c, const void *in, size_t n)
{
    if (EVP_DigestUpdate((EVP_MD_CTX *)c, in, n) != 1)
        kiln_oom(n);
}

void enc_sha256_end(enc_sha256_ctx_t *c, unsigned char out[32])
{
    unsigned int len = 32;
    if (EVP_DigestFinal_ex((EVP_MD_CTX *)c, out, &len) != 1)
        kiln_oom(len);
    EVP_MD_CTX_free((EVP_MD_CTX *)c);
}

void enc_hmac_sha256(unsigned char out[32], const void *key, size_t klen, const void *in, size_t n)
{
    unsigned int len = 32;
    if (!HMAC(EVP_sha256(), key, (int)klen, in, n, out, &len))
        kiln_oom(n);
}

int enc_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    int neg = *s == '-';
    const char *p = s + neg;
    if (!*p)
        return -1;
    uint64_t u = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (u > (limit - d) / 10)
            return -1;
        u = u * 10 + d;
    }
    int64_t v = neg ? (u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u) : (int64_t)u;
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

char *enc_i64(char out[24], int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    while (n)
        out[o++] = tmp[--n];
    out[o] = '\0';
    return out;
}

int enc_ct_eq(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

int enc_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long enc_pct_decode(char *out, const char *in, size_t n, int plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = enc_hexval((unsigned char)in[i + 1]), l = enc_hexval((unsigned char)in[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            out[o++] = (char)(h << 4 | l);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out[o++] = ' ';
        } else {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    return (long)o;
}
