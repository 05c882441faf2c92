/* signkeys: the RSA keys that sign Forge Invocation Tokens (FITs, platform/remote.h),
 * and the JWKS that publishes their public halves at /.well-known/jwks.json.
 *
 * Keys are RSA 2048, generated with OpenSSL EVP; each has a `kid` (128 random bits, hex)
 * and lives in the store's `keys` table under purpose SIGNKEYS_PURPOSE, its private key
 * (PKCS#8 DER) wrapped by the master key (auth/keys.h) with its kid as AAD. One key is
 * current (the newest unretired): it signs. Rotation (signkeys_rotate; `kiln keys
 * rotate`) retires it and makes a new current key in one transaction: the new key signs
 * from then on, and the retired key stays in the JWKS for SIGNKEYS_RETIRED_PUBLISH_MS —
 * longer than any FIT it signed lives (FIT lifetime plus clock skew and JWKS caching) —
 * so no token in flight stops verifying: rotation needs no downtime.
 *
 * A key is generated at server start when there is none (signkeys_ensure), never on an
 * HTTP thread's hot path. Parsed keys are cached in process memory (one mutex) and the
 * cache is refreshed from the store when the keys generation moved (store_keys_gen: a
 * rotation here, or on another node sharing a PostgreSQL store, heard through its
 * notification) and at least every SIGNKEYS_REFRESH_MS, so a rotation made by another
 * process is picked up too.
 *
 * Threading: any thread, with its own store handle. */
#ifndef KILN_SIGNKEYS_H
#define KILN_SIGNKEYS_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/store.h"

#define SIGNKEYS_PURPOSE "fit-rs256"
#define SIGNKEYS_BITS 2048
#define SIGNKEYS_RETIRED_PUBLISH_MS (15LL * 60 * 1000) /* a retired key stays in the JWKS this long */
#define SIGNKEYS_REFRESH_MS 5000
#define SIGNKEYS_MAX 8 /* keys looked at (newest first) for the JWKS */
#define SIGNKEYS_KID_LEN 32

/* Makes a current key if there is none. 0, or -1 with err. */
int signkeys_ensure(store_t *st, int64_t now_ms, char *err, size_t errlen);

/* The current signing key: *key gets a new reference (EVP_PKEY_free it), kid its id.
 * Creates one if there is none. 0 or -1. */
int signkeys_current(store_t *st, int64_t now_ms, EVP_PKEY **key, char kid[SIGNKEYS_KID_LEN + 1]);

/* Retires the current key and makes a new one that signs from now on. kid gets the new
 * id, old_kid the retired one ("" when there was none). 0 or -1. */
int signkeys_rotate(store_t *st, int64_t now_ms, char kid[SIGNKEYS_KID_LEN + 1], char old_kid[SIGNKEYS_KID_LEN + 1]);

/* The JWKS document {"keys":[...]} of the keys that verify: the current one and those
 * retired less than SIGNKEYS_RETIRED_PUBLISH_MS ago. *json in `a`. 0 or -1. */
int signkeys_jwks(store_t *st, arena_t *a, int64_t now_ms, char **json, size_t *len);

/* The public key with this kid if it is published now (new reference), or NULL. */
EVP_PKEY *signkeys_lookup(store_t *st, int64_t now_ms, const char *kid);

/* Drops the in-memory cache (tests). */
void signkeys_reset(void);

#endif
