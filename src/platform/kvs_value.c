/* The value under one key (platform/kvs_int.h): get, set and delete of a plain key, a
 * secret or an entity item; secrets sealed at rest (auth/keys.h) under an AAD that binds
 * them to their installation and key; and the row writer every answer with values uses. */
#include <string.h>
#include <time.h>

#include "auth/keys.h"
#include "base/json.h"
#include "platform/kvs_int.h"
#include "store/store_kvs.h"

/* ---------------------------------------------------------------- rows, secrets sealed */

/* AAD of a secret: its installation and key, so a ciphertext cannot be moved. */
static const char *secret_aad(kvs_req_t *c, const char *key, size_t *n)
{
    size_t il = strlen(c->own.installation_id), kl = strlen(key);
    char *p = arena_alloc(c->a, il + kl + 2);
    if (!p)
        kiln_oom(il + kl + 2);
    memcpy(p, c->own.installation_id, il);
    p[il] = '\n';
    memcpy(p + il + 1, key, kl + 1);
    *n = il + 1 + kl;
    return p;
}

int kvs_item_load(kvs_req_t *c, const kvs_item_t *it, kvs_rec_t *r)
{
    if (c->ahead_key && it->kind == KVS_KIND_PLAIN && strcmp(it->key, c->ahead_key) == 0) {
        if (c->ahead_rc == STORE_OK)
            *r = c->ahead_row;
        return c->ahead_rc;
    }
    int rc = store_kvs_get(c->st, c->a, &c->own, it->kind, it->entity, it->key, c->now, r);
    if (rc != STORE_OK || it->kind != KVS_KIND_SECRET)
        return rc;
    size_t aadlen, plen;
    const char *aad = secret_aad(c, it->key, &aadlen);
    char *plain;
    if (keys_open(c->st, c->a, aad, aadlen, (const unsigned char *)r->value, r->value_len, &plain, &plen) != 0)
        return STORE_ERROR;
    r->value = plain;
    r->value_len = plen;
    return STORE_OK;
}

int kvs_item_save(kvs_req_t *c, const kvs_item_t *it)
{
    kvs_rec_t r = {.kind = it->kind,
                   .entity = it->entity,
                   .key = it->key,
                   .value = it->json,
                   .value_len = it->json_len,
                   .created_ms = c->now,
                   .updated_ms = c->now,
                   .expire_ms = it->expire_ms};
    if (it->kind == KVS_KIND_SECRET) {
        size_t aadlen, slen;
        const char *aad = secret_aad(c, it->key, &aadlen);
        unsigned char *sealed;
        int rc = keys_seal(c->st, c->a, KEYS_PURPOSE_KVS, aad, aadlen, it->json, it->json_len, &sealed, &slen);
        if (rc != STORE_OK)
            return rc;
        r.value = (const char *)sealed;
        r.value_len = slen;
    }
    return store_kvs_put(c->st, &c->own, &r, c->now);
}

/* ---------------------------------------------------------------- the row writer */

static void iso_time(char out[32], int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

unsigned kvs_meta_fields(const json_t *o, const char *options, const char *field)
{
    json_t *list = json_object_get(json_object_get(o, options), field), *f;
    unsigned m = 0;
    size_t i;
    json_array_foreach(list, i, f)
    {
        const char *s = json_string_value(f);
        m |= !s                              ? 0
             : strcmp(s, "CREATED_AT") == 0  ? KVS_META_CREATED
             : strcmp(s, "UPDATED_AT") == 0  ? KVS_META_UPDATED
             : strcmp(s, "EXPIRE_TIME") == 0 ? KVS_META_EXPIRE
                                             : 0;
    }
    return m;
}

/* createdAt and updatedAt are epoch seconds; expireTime an ISO 8601 instant (only with a
 * TTL). */
void kvs_write_row(jsonw_t *w, const kvs_rec_t *r, int with_entity, unsigned meta)
{
    jw_kstr(w, "key", r->key);
    if (with_entity && r->kind == KVS_KIND_ENTITY)
        jw_kstr(w, "entityName", r->entity);
    jw_key(w, "value");
    jw_raw(w, r->value, r->value_len);
    if (meta & KVS_META_CREATED)
        jw_kint(w, "createdAt", r->created_ms / 1000);
    if (meta & KVS_META_UPDATED)
        jw_kint(w, "updatedAt", r->updated_ms / 1000);
    if ((meta & KVS_META_EXPIRE) && r->expire_ms) {
        char t[32];
        iso_time(t, r->expire_ms);
        jw_kstr(w, "expireTime", t);
    }
}

/* 200 {key, value, meta...} of one row. */
static int send_row(kvs_req_t *c, const kvs_rec_t *r, unsigned meta)
{
    buf_t b;
    jsonw_t w;
    kvs_writer(c, &b, &w);
    jw_obj(&w);
    kvs_write_row(&w, r, 0, meta);
    jw_obj_end(&w);
    return kvs_send(c, 200, &b, &w);
}

/* ---------------------------------------------------------------- get / set / delete */

int kvs_op_get(kvs_req_t *c, json_t *body, int kind)
{
    kvs_item_t it;
    if (kvs_item_read(c, body, kind, 0, &it))
        return kvs_item_fail(c, &it);
    kvs_rec_t r;
    int rc = kvs_item_load(c, &it, &r);
    if (rc == STORE_NOTFOUND)
        return kvs_fail(c, 404, "KEY_NOT_FOUND", "Provided key does not exist");
    if (rc != STORE_OK)
        return kvs_store_error(c);
    return send_row(c, &r, kvs_meta_fields(body, "options", "metadataFields"));
}

int kvs_op_set(kvs_req_t *c, json_t *body, int kind)
{
    kvs_item_t it;
    if (kvs_item_read(c, body, kind, 1, &it))
        return kvs_item_fail(c, &it);
    json_t *opt = json_object_get(body, "options");
    const char *policy = json_str(opt, "keyPolicy"), *ret = json_str(opt, "returnValue");
    if (policy && strcmp(policy, "OVERRIDE") != 0 && strcmp(policy, "FAIL_IF_EXISTS") != 0)
        return kvs_bad_request(c, "keyPolicy must be OVERRIDE or FAIL_IF_EXISTS");
    if (ret && strcmp(ret, "PREVIOUS") != 0 && strcmp(ret, "LATEST") != 0)
        return kvs_bad_request(c, "returnValue must be PREVIOUS or LATEST");
    int fail_if_exists = policy && strcmp(policy, "FAIL_IF_EXISTS") == 0;
    if (ret && fail_if_exists)
        return kvs_bad_request(c, "returnValue needs keyPolicy OVERRIDE");
    kvs_rec_t prev;
    int had = 0, rc = STORE_OK;
    if (kvs_tx_begin(c) != STORE_OK)
        return kvs_store_error(c);
    if (fail_if_exists || ret) {
        rc = kvs_item_load(c, &it, &prev);
        had = rc == STORE_OK;
        if (rc == STORE_NOTFOUND)
            rc = STORE_OK;
    }
    if (rc == STORE_OK && had && fail_if_exists) {
        kvs_tx_rollback(c);
        return kvs_fail(c, 409, "KEY_ALREADY_EXISTS", "The key already exists and keyPolicy is FAIL_IF_EXISTS");
    }
    if (rc == STORE_OK)
        rc = kvs_item_save(c, &it);
    kvs_rec_t now;
    if (rc == STORE_OK && ret && strcmp(ret, "LATEST") == 0)
        rc = kvs_item_load(c, &it, &now);
    if (rc == STORE_OK)
        rc = kvs_tx_commit(c);
    else
        kvs_tx_rollback(c);
    if (rc != STORE_OK)
        return kvs_store_error(c);
    const kvs_rec_t *show = !ret ? NULL : strcmp(ret, "LATEST") == 0 ? &now : had ? &prev : NULL;
    if (!show)
        return kvs_no_content(c);
    return send_row(c, show, kvs_meta_fields(body, "options", "returnMetadataFields"));
}

int kvs_op_delete(kvs_req_t *c, json_t *body, int kind)
{
    kvs_item_t it;
    if (kvs_item_read(c, body, kind, 0, &it))
        return kvs_item_fail(c, &it);
    int rc = store_kvs_delete(c->st, &c->own, it.kind, it.entity, it.key, c->now);
    if (rc == STORE_NOTFOUND)
        return kvs_fail(c, 404, "KEY_NOT_FOUND", "Provided key does not exist");
    if (rc != STORE_OK)
        return kvs_store_error(c);
    return kvs_no_content(c);
}
