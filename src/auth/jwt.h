/* jwt: JSON Web Tokens signed RS256 (RSASSA-PKCS1-v1_5 with SHA-256, OpenSSL EVP), and
 * RSA public keys as JWKs. kiln signs Forge Invocation Tokens (FITs) with these
 * (platform/remote.h); jwt_verify_rs256 is the strict check a remote should make, used
 * by kiln's own tests and tools.
 *
 * Verification pins the algorithm: the header must say {"alg":"RS256"} with a `kid` the
 * caller's key lookup knows; "none", HS256 (the RS/HS confusion) and every other alg are
 * refused before any key is touched. Tokens are capped at JWT_MAX_BYTES.
 *
 * Ownership: strings and JSON returned live in the arena given. EVP_PKEYs are the
 * caller's (never freed here). */
#ifndef KILN_JWT_H
#define KILN_JWT_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

#define JWT_MAX_BYTES (16u * 1024) /* a token we sign or accept */
#define JWT_MAX_KID 64u

enum jwt_err {
    JWT_OK = 0,
    JWT_EFORMAT = -1,    /* not three base64url parts of JSON objects, or too long */
    JWT_EALG = -2,       /* alg other than RS256 (none, HS256, ...), or typ not JWT */
    JWT_EKID = -3,       /* no kid, or a kid the lookup does not know */
    JWT_ESIGNATURE = -4, /* signature does not verify */
    JWT_EEXPIRED = -5,   /* exp missing or passed */
    JWT_ENOTYET = -6,    /* nbf or iat in the future (beyond the leeway) */
    JWT_EISSUER = -7,
    JWT_EAUDIENCE = -8,
    JWT_EINTERNAL = -9,
};

/* Signs `claims` (not consumed) as a compact JWS with header {"alg":"RS256","kid","typ":"JWT"}.
 * Returns the token in `a`, or NULL (bad key, claims over the size cap). */
char *jwt_sign_rs256(arena_t *a, EVP_PKEY *key, const char *kid, const json_t *claims);

/* Finds the public key for a kid (borrowed for the duration of the call), or NULL. */
typedef EVP_PKEY *(*jwt_key_lookup)(void *ud, const char *kid);

typedef struct jwt_expect {
    const char *issuer;   /* required iss, or NULL */
    const char *audience; /* required aud (string, or one of an array), or NULL */
    int64_t now_s;
    int64_t leeway_s;
} jwt_expect_t;

/* Verifies token[0..len): format, alg RS256, kid, signature, exp (required), nbf/iat,
 * iss and aud. On JWT_OK *claims (arena-owned) gets the payload. */
int jwt_verify_rs256(arena_t *a, const char *token, size_t len, jwt_key_lookup lookup, void *ud,
                     const jwt_expect_t *want, json_t **claims);

/* The public half of an RSA key as a JWK {kty, kid, use:"sig", alg:"RS256", n, e} (new
 * reference; the caller owns it). NULL if the key is not RSA. */
json_t *jwt_jwk_rs256(EVP_PKEY *key, const char *kid);

/* A short name for an error code (logs, tests). */
const char *jwt_err_name(int err);

#endif
