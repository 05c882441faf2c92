#include "auth/signkeys.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "auth/jwt.h"
#include "auth/keys.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "store/store_auth.h"

typedef struct entry {
    char kid[SIGNKEYS_KID_LEN + 1];
    EVP_PKEY *key;
    int64_t created_ms, retired_ms;
} entry_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry_t cache[SIGNKEYS_MAX];
static unsigned ncache;
static int64_t loaded_ms;
static uint64_t loaded_gen; /* store_keys_gen when loaded: another node's rotation moves it */
static int loaded;

void signkeys_reset(void)
{
    pthread_mutex_lock(&mu);
    for (unsigned i = 0; i < ncache; i++)
        EVP_PKEY_free(cache[i].key);
    memset(cache, 0, sizeof cache);
    ncache = 0;
    loaded = 0;
    pthread_mutex_unlock(&mu);
}

static size_t wrap_aad(char *out, size_t cap, const char *kid)
{
    int n = snprintf(out, cap, "kiln signing key|%s|%s", kid, SIGNKEYS_PURPOSE);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* Parses a stored key (unwrapping it with the master key); NULL if it does not open. */
static EVP_PKEY *open_key(const key_rec_t *r)
{
    arena_t *a = arena_new(64 * 1024);
    char aad[128];
    size_t aadlen = wrap_aad(aad, sizeof aad, r->id);
    unsigned char *der;
    size_t dlen;
    EVP_PKEY *k = NULL;
    if (aadlen && keys_master_unwrap(a, aad, aadlen, r->wrapped, r->wrapped_len, &der, &dlen) == 0) {
        const unsigned char *p = der;
        k = d2i_AutoPrivateKey(NULL, &p, (long)dlen);
        OPENSSL_cleanse(der, dlen);
        if (k && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
            EVP_PKEY_free(k);
            k = NULL;
        }
    }
    arena_free(a);
    return k;
}

/* Generates a key and inserts it (inside the caller's transaction, if any). */
static int create_key(store_t *st, int64_t now, char kid[SIGNKEYS_KID_LEN + 1])
{
    EVP_PKEY *k = EVP_RSA_gen(SIGNKEYS_BITS);
    if (!k)
        return -1;
    unsigned char raw[16];
    enc_random(raw, sizeof raw);
    enc_hex(kid, raw, sizeof raw);
    unsigned char *der = NULL;
    int dlen = i2d_PrivateKey(k, &der);
    EVP_PKEY_free(k);
    if (dlen <= 0)
        return -1;
    arena_t *a = arena_new(64 * 1024);
    char aad[128];
    size_t aadlen = wrap_aad(aad, sizeof aad, kid);
    unsigned char *wrapped;
    size_t wlen;
    int rc = aadlen && keys_master_wrap(a, aad, aadlen, der, (size_t)dlen, &wrapped, &wlen) == 0 ? 0 : -1;
    OPENSSL_cleanse(der, (size_t)dlen);
    OPENSSL_free(der);
    if (rc == 0) {
        key_rec_t r = {
            .id = kid, .purpose = SIGNKEYS_PURPOSE, .wrapped = wrapped, .wrapped_len = wlen, .created_ms = now};
        rc = store_key_insert(st, &r) == STORE_OK ? 0 : -1;
    }
    arena_free(a);
    return rc;
}

/* Reloads the cache from the store when it is older than SIGNKEYS_REFRESH_MS, or the keys
 * changed (store_keys_gen: here or on another node), or force.
 * Keys already parsed are kept; new ones are unwrapped. Caller holds mu. */
static int refresh_locked(store_t *st, int64_t now, int force)
{
    uint64_t gen = store_keys_gen(); /* before the read: a rotation racing it spoils the load */
    if (loaded && !force && now - loaded_ms < SIGNKEYS_REFRESH_MS && gen == loaded_gen)
        return 0;
    arena_t *a = arena_new(256 * 1024);
    key_rec_t *recs;
    size_t n;
    int rc = store_key_list(st, a, SIGNKEYS_PURPOSE, SIGNKEYS_MAX, &recs, &n) == STORE_OK ? 0 : -1;
    if (rc == 0) {
        entry_t next[SIGNKEYS_MAX];
        unsigned nn = 0;
        for (size_t i = 0; i < n && nn < SIGNKEYS_MAX; i++) {
            if (strlen(recs[i].id) != SIGNKEYS_KID_LEN)
                continue;
            EVP_PKEY *k = NULL;
            for (unsigned j = 0; j < ncache && !k; j++)
                if (strcmp(cache[j].kid, recs[i].id) == 0) {
                    k = cache[j].key;
                    cache[j].key = NULL; /* moved */
                }
            if (!k && !(k = open_key(&recs[i]))) {
                log_msg(LOG_WARN, "signing key does not open with this master key", "kid", recs[i].id, NULL);
                continue;
            }
            next[nn] = (entry_t){.key = k, .created_ms = recs[i].created_ms, .retired_ms = recs[i].retired_ms};
            snprintf(next[nn].kid, sizeof next[nn].kid, "%s", recs[i].id);
            nn++;
        }
        for (unsigned j = 0; j < ncache; j++)
            EVP_PKEY_free(cache[j].key);
        memcpy(cache, next, nn * sizeof *next);
        ncache = nn;
        loaded = 1;
        loaded_ms = now;
        loaded_gen = gen;
    }
    arena_free(a);
    return rc;
}

int signkeys_ensure(store_t *st, int64_t now, char *err, size_t errlen)
{
    arena_t *a = arena_new(64 * 1024);
    key_rec_t cur;
    int rc = store_begin(st) == STORE_OK ? 0 : -1;
    if (rc == 0) {
        int found = store_key_current(st, a, SIGNKEYS_PURPOSE, &cur);
        char kid[SIGNKEYS_KID_LEN + 1];
        rc = found == STORE_OK ? 0 : found == STORE_NOTFOUND ? create_key(st, now, kid) : -1;
        if (rc == 0)
            rc = store_commit(st) == STORE_OK ? 0 : -1;
        else
            store_rollback(st);
    }
    arena_free(a);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create the invocation token signing key");
        return -1;
    }
    pthread_mutex_lock(&mu);
    rc = refresh_locked(st, now, 1);
    pthread_mutex_unlock(&mu);
    if (rc != 0)
        snprintf(err, errlen, "cannot read the invocation token signing keys");
    return rc;
}

int signkeys_current(store_t *st, int64_t now, EVP_PKEY **key, char kid[SIGNKEYS_KID_LEN + 1])
{
    for (int attempt = 0; attempt < 2; attempt++) {
        pthread_mutex_lock(&mu);
        refresh_locked(st, now, 0);
        const entry_t *best = NULL;
        for (unsigned i = 0; i < ncache; i++)
            if (!cache[i].retired_ms && (!best || cache[i].created_ms > best->created_ms))
                best = &cache[i];
        if (best) {
            EVP_PKEY_up_ref(best->key);
            *key = best->key;
            memcpy(kid, best->kid, SIGNKEYS_KID_LEN + 1);
            pthread_mutex_unlock(&mu);
            return 0;
        }
        pthread_mutex_unlock(&mu);
        char err[128];
        if (attempt == 0 && signkeys_ensure(st, now, err, sizeof err) != 0)
            return -1;
    }
    return -1;
}

int signkeys_rotate(store_t *st, int64_t now, char kid[SIGNKEYS_KID_LEN + 1], char old_kid[SIGNKEYS_KID_LEN + 1])
{
    arena_t *a = arena_new(64 * 1024);
    old_kid[0] = '\0';
    int rc = store_begin(st) == STORE_OK ? 0 : -1;
    if (rc == 0) {
        key_rec_t cur;
        if (store_key_current(st, a, SIGNKEYS_PURPOSE, &cur) == STORE_OK && strlen(cur.id) == SIGNKEYS_KID_LEN)
            memcpy(old_kid, cur.id, SIGNKEYS_KID_LEN + 1);
        rc = store_key_retire(st, SIGNKEYS_PURPOSE, now) == STORE_OK ? 0 : -1;
        if (rc == 0)
            rc = create_key(st, now, kid);
        if (rc == 0)
            rc = store_commit(st) == STORE_OK ? 0 : -1;
        else
            store_rollback(st);
    }
    arena_free(a);
    if (rc == 0) {
        pthread_mutex_lock(&mu);
        refresh_locked(st, now, 1);
        pthread_mutex_unlock(&mu);
    }
    return rc;
}

static int published(const entry_t *e, int64_t now)
{
    return !e->retired_ms || now - e->retired_ms < SIGNKEYS_RETIRED_PUBLISH_MS;
}

int signkeys_jwks(store_t *st, arena_t *a, int64_t now, char **out, size_t *len)
{
    json_t *keys = json_array();
    pthread_mutex_lock(&mu);
    int rc = refresh_locked(st, now, 0);
    for (unsigned i = 0; rc == 0 && i < ncache; i++)
        if (published(&cache[i], now)) {
            json_t *jwk = jwt_jwk_rs256(cache[i].key, cache[i].kid);
            if (jwk)
                json_array_append_new(keys, jwk);
        }
    pthread_mutex_unlock(&mu);
    json_t *doc = json_pack("{s:o}", "keys", keys);
    *out = rc == 0 ? json_dump_arena(a, doc, 1 << 20, len) : NULL;
    json_decref(doc);
    return *out ? 0 : -1;
}

EVP_PKEY *signkeys_lookup(store_t *st, int64_t now, const char *kid)
{
    EVP_PKEY *k = NULL;
    pthread_mutex_lock(&mu);
    refresh_locked(st, now, 0);
    for (unsigned i = 0; i < ncache && !k; i++)
        if (strcmp(cache[i].kid, kid) == 0 && published(&cache[i], now)) {
            k = cache[i].key;
            EVP_PKEY_up_ref(k);
        }
    pthread_mutex_unlock(&mu);
    return k;
}
