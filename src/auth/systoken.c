#include "auth/systoken.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "store/store_auth.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry {
    char installation_id[40];
    char token[TOKEN_MAX];
    int64_t expires_ms;
} cache[SYSTOKEN_CACHE_MAX];
static unsigned next_victim;

static struct entry *find(const char *id)
{
    for (unsigned i = 0; i < SYSTOKEN_CACHE_MAX; i++)
        if (cache[i].installation_id[0] && strcmp(cache[i].installation_id, id) == 0)
            return &cache[i];
    return NULL;
}

void systoken_forget(const char *installation_id)
{
    pthread_mutex_lock(&mu);
    struct entry *e = find(installation_id);
    if (e)
        OPENSSL_cleanse(e, sizeof *e);
    pthread_mutex_unlock(&mu);
}

int systoken_for(store_t *st, const install_rec_t *in, int64_t now, char token[TOKEN_MAX], int64_t *expires_ms)
{
    if (strlen(in->id) >= sizeof cache[0].installation_id)
        return STORE_ERROR;
    pthread_mutex_lock(&mu);
    struct entry *e = find(in->id);
    if (e && e->expires_ms - now >= SYSTOKEN_MIN_LEFT_MS) {
        memcpy(token, e->token, TOKEN_MAX);
        *expires_ms = e->expires_ms;
        pthread_mutex_unlock(&mu);
        return STORE_OK;
    }
    pthread_mutex_unlock(&mu);

    char fresh[TOKEN_MAX];
    token_mint(TOKEN_SYSTEM, fresh);
    unsigned char hash[32];
    token_hash(fresh, strlen(fresh), hash);
    systoken_rec_t r = {
        .installation_id = in->id, .site_id = in->site_id, .created_ms = now, .expires_ms = now + SYSTOKEN_LIFETIME_MS};
    int rc = store_systoken_insert(st, hash, &r);
    if (rc != STORE_OK) {
        OPENSSL_cleanse(fresh, sizeof fresh);
        return rc;
    }
    pthread_mutex_lock(&mu);
    e = find(in->id);
    if (!e) {
        for (unsigned i = 0; i < SYSTOKEN_CACHE_MAX && !e; i++)
            if (!cache[i].installation_id[0])
                e = &cache[i];
        if (!e)
            e = &cache[next_victim++ % SYSTOKEN_CACHE_MAX];
    }
    /* Two threads may mint at once; both tokens are valid and stored, the later one is kept. */
    snprintf(e->installation_id, sizeof e->installation_id, "%s", in->id);
    memcpy(e->token, fresh, TOKEN_MAX);
    e->expires_ms = r.expires_ms;
    pthread_mutex_unlock(&mu);
    memcpy(token, fresh, TOKEN_MAX);
    OPENSSL_cleanse(fresh, sizeof fresh);
    *expires_ms = r.expires_ms;
    return STORE_OK;
}

const char *systoken_scopes_string(arena_t *a, const char *scopes_json)
{
    json_err_t je;
    json_t *arr = scopes_json ? json_parse_arena(a, scopes_json, strlen(scopes_json), 4, &je) : NULL;
    buf_t b;
    buf_init_arena(&b, a, 1 << 16);
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s)
    {
        if (!json_is_string(s))
            continue;
        if (b.len)
            buf_add(&b, " ", 1);
        buf_adds(&b, json_string_value(s));
    }
    return b.len ? b.ptr : "";
}

int systoken_verify(store_t *st, arena_t *a, const char *token, size_t len, int64_t now, systoken_binding_t *out)
{
    if (token_kind_of(token, len) != TOKEN_SYSTEM)
        return -1;
    unsigned char hash[32];
    token_hash(token, len, hash);
    systoken_rec_t r;
    if (store_systoken_lookup(st, a, hash, &r) != STORE_OK || r.expires_ms <= now)
        return -1;
    if (store_install_get(st, a, r.installation_id, &out->install) != STORE_OK || out->install.removed ||
        out->install.site_id != r.site_id || store_site_by_id(st, a, r.site_id, &out->site) != STORE_OK)
        return -1;
    out->scopes = systoken_scopes_string(a, out->install.scopes_json);
    return 0;
}
