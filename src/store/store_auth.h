/* The store's auth family: the secrets the auth layer keeps. Wrapped data keys
 * (auth/keys.h, auth/signkeys.h) and the SHA-256 of app system tokens
 * (auth/systoken.h). Tables: keys, system_tokens. */
#ifndef KILN_STORE_AUTH_H
#define KILN_STORE_AUTH_H

#include "store/store.h"

/* ---- the key store (auth/keys.h) ---- */
typedef struct key_rec {
    const char *id, *purpose;
    const unsigned char *wrapped;
    size_t wrapped_len;
    int64_t created_ms, retired_ms;
} key_rec_t;

int store_key_insert(store_t *st, const key_rec_t *k);
int store_key_get(store_t *st, arena_t *a, const char *id, key_rec_t *out);
/* The newest unretired key of a purpose; STORE_NOTFOUND if there is none. */
int store_key_current(store_t *st, arena_t *a, const char *purpose, key_rec_t *out);
/* Retires every unretired key of a purpose (they still open what they sealed). */
int store_key_retire(store_t *st, const char *purpose, int64_t now_ms);
/* The newest `max` keys of a purpose, newest first (retired ones included). */
int store_key_list(store_t *st, arena_t *a, const char *purpose, size_t max, key_rec_t **out, size_t *n);

/* ---- app system tokens (auth/systoken.h): only their SHA-256 is stored ---- */
typedef struct systoken_rec {
    const char *installation_id;
    int64_t site_id;
    int64_t created_ms, expires_ms;
} systoken_rec_t;

int store_systoken_insert(store_t *st, const unsigned char hash[32], const systoken_rec_t *r);
/* The token with this hash, expired or not; STORE_NOTFOUND if none. */
int store_systoken_lookup(store_t *st, arena_t *a, const unsigned char hash[32], systoken_rec_t *out);
/* Removes every token of an installation (uninstall), and tokens expired before now_ms. */
int store_systoken_delete_installation(store_t *st, const char *installation_id);
int store_systoken_delete_expired(store_t *st, int64_t now_ms);

#endif
