/* Credentials as strings: minting, recognising by prefix, hashing for storage.
 *
 * Every token is a distinct prefix followed by 43 base64url characters (256 random
 * bits). The prefix tells secret scanners and kiln which kind it is; one kind is never
 * accepted as another. Only SHA-256 hashes of user tokens are stored. */
#ifndef KILN_TOKEN_H
#define KILN_TOKEN_H

#include <stddef.h>

enum token_kind {
    TOKEN_NONE = 0,
    TOKEN_USER,
    TOKEN_ADMIN,
    TOKEN_INVOCATION,
    TOKEN_SYSTEM,    /* app system token: auth/systoken.h */
    TOKEN_SESSION,   /* a web UI session's secret, the kiln_session cookie: auth/session.h */
    TOKEN_LOGIN_LINK /* a one-time sign-in link's secret: auth/session.h */
};

#define TOKEN_BODY_LEN 43
#define TOKEN_MAX 64 /* buffer size for any token + NUL */

/* Writes a fresh token of `kind` into out. */
void token_mint(enum token_kind kind, char out[TOKEN_MAX]);
/* Kind of s[0..n) if it is well-formed, else TOKEN_NONE. */
enum token_kind token_kind_of(const char *s, size_t n);
/* SHA-256 of the whole token string. */
void token_hash(const char *s, size_t n, unsigned char out[32]);

#endif
