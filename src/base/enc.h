/* Encodings and small crypto helpers: random bytes, base64/base64url, hex, UUID v4,
 * SHA-256, constant-time comparison. All outputs are NUL-terminated. */
#ifndef KILN_ENC_H
#define KILN_ENC_H

#include <stddef.h>
#include <stdint.h>

/* Fills `out` with cryptographically secure random bytes (OpenSSL); aborts on failure. */
void enc_random(void *out, size_t n);

/* Writes 2n hex chars + NUL to out (size >= 2n+1). */
void enc_hex(char *out, const void *in, size_t n);

/* base64url without padding; out must hold enc_b64url_len(n)+1 bytes. */
size_t enc_b64url_len(size_t n);
void enc_b64url(char *out, const void *in, size_t n);

/* Standard base64 (RFC 4648 section 4: '+', '/', '=' padding), as atob decodes it;
 * out must hold enc_b64_len(n)+1 bytes. */
size_t enc_b64_len(size_t n);
void enc_b64(char *out, const void *in, size_t n);

/* Standard base64 decode (padding optional). Returns decoded length or -1 on invalid
 * input or when the result would not fit in `cap`. */
long enc_b64_decode(unsigned char *out, size_t cap, const char *in, size_t n);

/* 1 if the n bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), as jansson requires of every string. */
int enc_utf8_valid(const char *s, size_t n);

/* Makes the NUL-terminated s printable on one line, in place: each control byte (below
 * 0x20, and 0x7f) and each byte that does not begin a whole sequence by UTF-8's lead and
 * continuation bit patterns (a sequence cut at the end included) becomes '?'. For
 * messages that quote user text; lenient where enc_utf8_valid is strict (overlong forms
 * pass). */
void enc_utf8_printable(char *s);

/* Random RFC 4122 version-4 UUID, 36 chars + NUL. */
void enc_uuid4(char out[37]);
/* 1 if s is a canonical lowercase-or-uppercase 36-char UUID. */
int enc_is_uuid(const char *s, size_t n);

/* SHA-256 of in. */
void enc_sha256(unsigned char out[32], const void *in, size_t n);
/* SHA-256 of data given in pieces: enc_sha256_begin, any number of enc_sha256_add, then
 * enc_sha256_end (which frees the context). */
typedef struct enc_sha256_ctx enc_sha256_ctx_t;
enc_sha256_ctx_t *enc_sha256_begin(void);
void enc_sha256_add(enc_sha256_ctx_t *c, const void *in, size_t n);
void enc_sha256_end(enc_sha256_ctx_t *c, unsigned char out[32]);

/* HMAC-SHA256 of in under key. */
void enc_hmac_sha256(unsigned char out[32], const void *key, size_t klen, const void *in, size_t n);

/* Decimal text of v in out; returns out. (No printf on the hot path.) */
char *enc_i64(char out[24], int64_t v);
/* The integer that decimal text `s` spells, if it lies in [min, max]: 0 and *out set,
 * else -1 (empty, a sign other than one leading '-', anything but digits, spaces
 * included, or out of range, overflow included); *out is then left alone. */
int enc_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Constant-time equality of two equal-length byte strings (0 or 1). */
int enc_ct_eq(const void *a, const void *b, size_t n);

/* Value of a hex digit, or -1. */
int enc_hexval(unsigned char c);

/* Percent-decodes in[0..n) into out (size >= n+1). Returns length or -1 on an invalid
 * escape. Does not treat '+' specially (path semantics) unless plus_is_space. */
long enc_pct_decode(char *out, const char *in, size_t n, int plus_is_space);

#endif
