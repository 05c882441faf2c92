#include "auth/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/enc.h"
#include "store/store_auth.h"

#define KEY_BYTES 32
#define NONCE_BYTES 12
#define TAG_BYTES 16
#define ID_HEX 32
#define MAGIC "ks1"
#define MAGIC_LEN 3
#define CACHE_SLOTS 16

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char master[KEY_BYTES];
static int have_master;
static struct {
    char id[ID_HEX + 1];
    unsigned char key[KEY_BYTES];
} cache[CACHE_SLOTS];
static unsigned cache_next;

/* ---------------------------------------------------------------- AES-256-GCM */

/* out gets nonce | ciphertext | tag (plen + 28 bytes). */
static int gcm_seal(const unsigned char key[KEY_BYTES], const void *aad, size_t aadlen, const void *plain, size_t plen,
                    unsigned char *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len, ok = c != NULL;
    enc_random(out, NONCE_BYTES);
    ok = ok && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, out) == 1;
    ok = ok && (aadlen == 0 || EVP_EncryptUpdate(c, NULL, &len, aad, (int)aadlen) == 1);
    ok = ok && EVP_EncryptUpdate(c, out + NONCE_BYTES, &len, plain, (int)plen) == 1;
    ok = ok && EVP_EncryptFinal_ex(c, out + NONCE_BYTES + len, &len) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, out + NONCE_BYTES + plen) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

/* in is nonce | ciphertext | tag; out gets slen - 28 bytes. */
static int gcm_open(const unsigned char key[KEY_BYTES], const void *aad, size_t aadlen, const unsigned char *in,
                    size_t n, unsigned char *out)
{
    if (n < NONCE_BYTES + TAG_BYTES)
        return -1;
    size_t clen = n - NONCE_BYTES - TAG_BYTES;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len, ok = c != NULL;
    ok = ok && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, in) == 1;
    ok = ok && (aadlen == 0 || EVP_DecryptUpdate(c, NULL, &len, aad, (int)aadlen) == 1);
    ok = ok && EVP_DecryptUpdate(c, out, &len, in + NONCE_BYTES, (int)clen) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, (void *)(in + NONCE_BYTES + clen)) == 1;
    ok = ok && EVP_DecryptFinal_ex(c, out + len, &len) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

/* ---------------------------------------------------------------- master key */

/* reads the 32-byte key of path into k: a file of another size, or readable by group or
 * others, is refused */
static int read_key(const char *path, unsigned char k[KEY_BYTES], char *err, size_t errlen)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    ssize_t n = S_ISREG(sb.st_mode) ? read(fd, k, KEY_BYTES) : -1;
    close(fd);
    if (sb.st_mode & 077) {
        snprintf(err, errlen, "%s must not be readable by group or others (chmod 600)", path);
        return -1;
    }
    if (n != KEY_BYTES || sb.st_size != (off_t)KEY_BYTES) {
        snprintf(err, errlen, "%s does not hold a %d-byte master key", path, KEY_BYTES);
        return -1;
    }
    return 0;
}

/* creates path (O_EXCL, 0600) with a new random key, into k; -2 when path exists */
static int new_key(const char *path, unsigned char k[KEY_BYTES], char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(e));
        return e == EEXIST ? -2 : -1;
    }
    enc_random(k, KEY_BYTES);
    int ok = write(fd, k, KEY_BYTES) == KEY_BYTES && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

static void use_master(unsigned char k[KEY_BYTES])
{
    pthread_mutex_lock(&mu);
    memcpy(master, k, KEY_BYTES);
    have_master = 1;
    memset(cache, 0, sizeof cache);
    pthread_mutex_unlock(&mu);
    OPENSSL_cleanse(k, KEY_BYTES);
}

int keys_init(const char *data_dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/master.key", data_dir);
    unsigned char k[KEY_BYTES];
    int rc = new_key(path, k, err, errlen);
    if (rc == -2)
        rc = read_key(path, k, err, errlen);
    if (rc != 0)
        return -1;
    use_master(k);
    return 0;
}

int keys_init_file(const char *key_file, char *err, size_t errlen)
{
    unsigned char k[KEY_BYTES];
    if (read_key(key_file, k, err, errlen) != 0)
        return -1;
    use_master(k);
    return 0;
}

int keys_new_file(const char *key_file, char *err, size_t errlen)
{
    unsigned char k[KEY_BYTES];
    int rc = new_key(key_file, k, err, errlen);
    OPENSSL_cleanse(k, KEY_BYTES);
    return rc ? -1 : 0;
}

void keys_reset(void)
{
    pthread_mutex_lock(&mu);
    OPENSSL_cleanse(master, sizeof master);
    OPENSSL_cleanse(cache, sizeof cache);
    have_master = 0;
    pthread_mutex_unlock(&mu);
}

int keys_derive(const char *label, unsigned char out[32])
{
    unsigned char m[KEY_BYTES];
    pthread_mutex_lock(&mu);
    int have = have_master;
    memcpy(m, master, sizeof m);
    pthread_mutex_unlock(&mu);
    if (!have)
        return -1;
    char msg[256];
    int n = snprintf(msg, sizeof msg, "kiln derived key v1\n%s", label);
    enc_hmac_sha256(out, m, sizeof m, msg, (size_t)(n < (int)sizeof msg ? n : (int)sizeof msg - 1));
    OPENSSL_cleanse(m, sizeof m);
    return 0;
}

int keys_master_wrap(arena_t *a, const void *aad, size_t aadlen, const void *plain, size_t plen, unsigned char **out,
                     size_t *outlen)
{
    unsigned char m[KEY_BYTES];
    unsigned char *o = arena_alloc(a, plen + NONCE_BYTES + TAG_BYTES);
    pthread_mutex_lock(&mu);
    int have = have_master;
    memcpy(m, master, sizeof m);
    pthread_mutex_unlock(&mu);
    int rc = have && o && gcm_seal(m, aad, aadlen, plain, plen, o) == 0 ? 0 : -1;
    OPENSSL_cleanse(m, sizeof m);
    *out = o;
    *outlen = plen + NONCE_BYTES + TAG_BYTES;
    return rc;
}

int keys_master_unwrap(arena_t *a, const void *aad, size_t aadlen, const unsigned char *in, size_t n,
                       unsigned char **out, size_t *outlen)
{
    if (n < NONCE_BYTES + TAG_BYTES)
        return -1;
    unsigned char m[KEY_BYTES];
    size_t plen = n - NONCE_BYTES - TAG_BYTES;
    unsigned char *o = arena_alloc(a, plen + 1);
    pthread_mutex_lock(&mu);
    int have = have_master;
    memcpy(m, master, sizeof m);
    pthread_mutex_unlock(&mu);
    int rc = have && o && gcm_open(m, aad, aadlen, in, n, o) == 0 ? 0 : -1;
    OPENSSL_cleanse(m, sizeof m);
    if (rc == 0) {
        o[plen] = '\0';
        *out = o;
        *outlen = plen;
    }
    return rc;
}

/* ---------------------------------------------------------------- data keys */

/* AAD of a wrapped data key: its id and purpose. */
static size_t wrap_aad(char *out, size_t cap, const char *id, const char *purpose)
{
    int n = snprintf(out, cap, "kiln data key|%s|%s", id, purpose);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static int cache_get(const char *id, unsigned char key[KEY_BYTES])
{
    int hit = 0;
    pthread_mutex_lock(&mu);
    for (unsigned i = 0; i < CACHE_SLOTS && !hit; i++)
        if (cache[i].id[0] && strcmp(cache[i].id, id) == 0) {
            memcpy(key, cache[i].key, KEY_BYTES);
            hit = 1;
        }
    pthread_mutex_unlock(&mu);
    return hit;
}

static void cache_put(const char *id, const unsigned char key[KEY_BYTES])
{
    pthread_mutex_lock(&mu);
    unsigned i = cache_next++ % CACHE_SLOTS;
    snprintf(cache[i].id, sizeof cache[i].id, "%s", id);
    memcpy(cache[i].key, key, KEY_BYTES);
    pthread_mutex_unlock(&mu);
}

static int unwrap(const key_rec_t *r, unsigned char key[KEY_BYTES])
{
    if (cache_get(r->id, key))
        return 0;
    char aad[256];
    size_t aadlen = wrap_aad(aad, sizeof aad, r->id, r->purpose);
    unsigned char m[KEY_BYTES];
    pthread_mutex_lock(&mu);
    int have = have_master;
    memcpy(m, master, sizeof m);
    pthread_mutex_unlock(&mu);
    int rc = have && aadlen && r->wrapped_len == NONCE_BYTES + KEY_BYTES + TAG_BYTES &&
                     gcm_open(m, aad, aadlen, r->wrapped, r->wrapped_len, key) == 0
                 ? 0
                 : -1;
    OPENSSL_cleanse(m, sizeof m);
    if (rc == 0)
        cache_put(r->id, key);
    return rc;
}

static int create_key(store_t *st, arena_t *a, const char *purpose, int64_t now, key_rec_t *out)
{
    unsigned char raw[16], key[KEY_BYTES], m[KEY_BYTES];
    char *id = arena_alloc(a, ID_HEX + 1);
    unsigned char *wrapped = arena_alloc(a, NONCE_BYTES + KEY_BYTES + TAG_BYTES);
    if (!id || !wrapped)
        return STORE_ERROR;
    enc_random(raw, sizeof raw);
    enc_hex(id, raw, sizeof raw);
    enc_random(key, sizeof key);
    char aad[256];
    size_t aadlen = wrap_aad(aad, sizeof aad, id, purpose);
    pthread_mutex_lock(&mu);
    int have = have_master;
    memcpy(m, master, sizeof m);
    pthread_mutex_unlock(&mu);
    int rc = have && aadlen && gcm_seal(m, aad, aadlen, key, sizeof key, wrapped) == 0 ? STORE_OK : STORE_ERROR;
    OPENSSL_cleanse(m, sizeof m);
    *out = (key_rec_t){.id = id,
                       .purpose = purpose,
                       .wrapped = wrapped,
                       .wrapped_len = NONCE_BYTES + KEY_BYTES + TAG_BYTES,
                       .created_ms = now};
    if (rc == STORE_OK)
        rc = store_key_insert(st, out);
    if (rc == STORE_OK)
        cache_put(id, key);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int keys_rotate(store_t *st, arena_t *a, const char *purpose, int64_t now_ms, const char **id)
{
    int opened = store_begin(st) == STORE_OK;
    if (!opened)
        return STORE_ERROR;
    key_rec_t k;
    int rc = store_key_retire(st, purpose, now_ms);
    if (rc == STORE_OK)
        rc = create_key(st, a, purpose, now_ms, &k);
    if (rc == STORE_OK)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc == STORE_OK && id)
        *id = k.id;
    return rc;
}

/* ---------------------------------------------------------------- seal / open */

int keys_seal(store_t *st, arena_t *a, const char *purpose, const void *aad, size_t aadlen, const void *plain,
              size_t plen, unsigned char **out, size_t *outlen)
{
    key_rec_t k;
    unsigned char key[KEY_BYTES];
    int rc = store_key_current(st, a, purpose, &k);
    if (rc == STORE_NOTFOUND)
        rc = create_key(st, a, purpose, clock_now_ms(), &k);
    if (rc != STORE_OK)
        return rc;
    if (strlen(k.id) != ID_HEX || unwrap(&k, key) != 0)
        return STORE_ERROR;
    size_t n = MAGIC_LEN + ID_HEX + NONCE_BYTES + plen + TAG_BYTES;
    unsigned char *o = arena_alloc(a, n);
    if (!o) {
        OPENSSL_cleanse(key, sizeof key);
        return STORE_ERROR;
    }
    memcpy(o, MAGIC, MAGIC_LEN);
    memcpy(o + MAGIC_LEN, k.id, ID_HEX);
    rc = gcm_seal(key, aad, aadlen, plain, plen, o + MAGIC_LEN + ID_HEX) == 0 ? STORE_OK : STORE_ERROR;
    OPENSSL_cleanse(key, sizeof key);
    *out = o;
    *outlen = n;
    return rc;
}

int keys_open(store_t *st, arena_t *a, const void *aad, size_t aadlen, const unsigned char *sealed, size_t slen,
              char **out, size_t *outlen)
{
    if (slen < MAGIC_LEN + ID_HEX + NONCE_BYTES + TAG_BYTES || memcmp(sealed, MAGIC, MAGIC_LEN) != 0)
        return STORE_ERROR;
    char id[ID_HEX + 1];
    memcpy(id, sealed + MAGIC_LEN, ID_HEX);
    id[ID_HEX] = '\0';
    key_rec_t k;
    unsigned char key[KEY_BYTES];
    if (!cache_get(id, key)) {
        if (store_key_get(st, a, id, &k) != STORE_OK || unwrap(&k, key) != 0)
            return STORE_ERROR;
    }
    size_t body = slen - MAGIC_LEN - ID_HEX;
    size_t plen = body - NONCE_BYTES - TAG_BYTES;
    char *p = arena_alloc(a, plen + 1);
    int rc = p && gcm_open(key, aad, aadlen, sealed + MAGIC_LEN + ID_HEX, body, (unsigned char *)p) == 0 ? STORE_OK
                                                                                                         : STORE_ERROR;
    OPENSSL_cleanse(key, sizeof key);
    if (rc != STORE_OK)
        return rc;
    p[plen] = '\0';
    *out = p;
    *outlen = plen;
    return STORE_OK;
}
