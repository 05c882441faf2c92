/* The key store: data keys that encrypt secrets at rest (KVS secrets, encrypted
 * environment variables: platform/variables.h).
 *
 * A master key (256 random bits) lives in DATA/master.key, mode 0600, created with
 * O_EXCL at first start (like the admin token). Data keys live in the store's `keys`
 * table with ids, each wrapped (AES-256-GCM) by the master key with its id and purpose as
 * AAD, so a wrapped key cannot be renamed. A purpose has one current key (the newest
 * unretired one); keys_rotate retires it and makes a new one. Retired keys still open
 * what they sealed, so rotation needs no downtime and no re-encryption pass.
 *
 * Sealed bytes: "ks1" | key id (32 hex) | nonce (12) | ciphertext | tag (16), AES-256-GCM
 * under the data key with the caller's AAD (for KVS secrets: installation id and key),
 * so a ciphertext cannot be moved to another installation or key.
 *
 * Threading: keys_init once before any other call; the rest may be called from any
 * thread with that thread's store handle. Unwrapped data keys are cached in process
 * memory (one mutex). Plaintext never goes to a log. */
#ifndef KILN_KEYS_H
#define KILN_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/store.h"

#define KEYS_PURPOSE_KVS "kvs-secret"

/* Loads DATA/master.key, creating it (0600, O_EXCL) if absent. A file of the wrong size
 * or with group/other permissions is refused. 0, or -1 with a reason in err. */
int keys_init(const char *data_dir, char *err, size_t errlen);
/* Loads the master key from key_file (--key-file, KILN_MASTER_KEY_FILE: the key all nodes
 * sharing a store use; docs/scale.md). The file is never created here, and DATA/master.key
 * is neither read nor made; the same checks of size and mode. 0, or -1 with a reason. */
int keys_init_file(const char *key_file, char *err, size_t errlen);
/* Creates key_file (O_EXCL, mode 0600) holding a new random master key (`kiln key new`).
 * 0, or -1 with a reason (it exists, cannot be written). */
int keys_new_file(const char *key_file, char *err, size_t errlen);
/* Forgets the master key and the cache (tests). */
void keys_reset(void);

/* Seals plaintext under the purpose's current key (created on first use: call inside the
 * caller's write transaction). *out (arena) gets the sealed bytes. 0 or a STORE_* code. */
int keys_seal(store_t *st, arena_t *a, const char *purpose, const void *aad, size_t aadlen, const void *plain,
              size_t plen, unsigned char **out, size_t *outlen);
/* Opens sealed bytes; the AAD must be the one they were sealed with. *out (arena,
 * NUL-terminated) gets the plaintext. 0, STORE_ERROR (tampered, wrong AAD, unknown key). */
int keys_open(store_t *st, arena_t *a, const void *aad, size_t aadlen, const unsigned char *sealed, size_t slen,
              char **out, size_t *outlen);
/* Key material of other kinds kept in the store (the RSA keys that sign invocation JWTs,
 * auth/signkeys.h) wrapped by the master key: *out (arena) gets nonce | AES-256-GCM |
 * tag, bound to `aad`. 0, or -1 (no master key). */
int keys_master_wrap(arena_t *a, const void *aad, size_t aadlen, const void *plain, size_t plen, unsigned char **out,
                     size_t *outlen);
/* The reverse; *out (arena, NUL-terminated) gets the plaintext. 0, or -1 (tampered, wrong
 * AAD, other master key). */
int keys_master_unwrap(arena_t *a, const void *aad, size_t aadlen, const unsigned char *in, size_t n,
                       unsigned char **out, size_t *outlen);

/* A key for `label` derived from the master key (HMAC-SHA-256 of a versioned label): the
 * same across restarts, different per label, never stored. 0, or -1 before keys_init. */
int keys_derive(const char *label, unsigned char out[32]);
/* Retires the purpose's current key and creates a new one; *id (arena) gets its id. */
int keys_rotate(store_t *st, arena_t *a, const char *purpose, int64_t now_ms, const char **id);

#endif
