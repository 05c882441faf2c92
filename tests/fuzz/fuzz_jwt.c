/* libFuzzer harness for JWT verification (src/auth/jwt.c). Two properties for any bytes:
 * 1. as a token, they never verify (the key is made at start, so no input can carry a
 *    valid signature: a JWT_OK would be a forgery), and verification never crashes;
 * 2. when they parse as a JSON object, signing them as claims and verifying the result
 *    never fails on format, algorithm, kid or signature (sign/verify agree). */
#include <jansson.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt.h"
#include "base/arena.h"

static EVP_PKEY *key;

static EVP_PKEY *lookup(void *ud, const char *kid)
{
    (void)ud;
    return strcmp(kid, "k1") == 0 ? key : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!key && !(key = EVP_RSA_gen(2048)))
        abort();
    arena_t *a = arena_new(1u << 24);
    jwt_expect_t want = {.now_s = 1000, .leeway_s = 0};
    json_t *claims = NULL;
    if (jwt_verify_rs256(a, (const char *)data, size, lookup, NULL, &want, &claims) == JWT_OK)
        abort(); /* a forgery */
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(j)) {
        char *tok = jwt_sign_rs256(a, key, "k1", j);
        if (tok) {
            int rc = jwt_verify_rs256(a, tok, strlen(tok), lookup, NULL, &want, &claims);
            if (rc == JWT_EFORMAT || rc == JWT_EALG || rc == JWT_EKID || rc == JWT_ESIGNATURE)
                abort();
        }
    }
    json_decref(j);
    arena_free(a);
    return 0;
}
