#include "platform/variables.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "auth/keys.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "http/reply.h"
#include "platform/app.h"
#include "store/store_apps.h"

int variables_key_valid(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > VARIABLES_KEY_MAX || (key[0] >= '0' && key[0] <= '9'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

/* AAD of a sealed value: app, environment and key, so it cannot be moved. */
static const char *aad_of(arena_t *a, const char *app, const char *env, const char *key, size_t *n)
{
    const char *s = arena_printf(a, "%s\n%s\n%s", app, env, key);
    *n = strlen(s);
    return s;
}

/* The {appId} and {environment} params: the environment exists. Replies 404 otherwise. */
static int load(kreq_t *kr, env_rec_t *env)
{
    const char *app = app_id_from_ari(kr->params[0]);
    app_rec_t rec;
    if (!app || store_app_get(kr->store, kr->arena, app, &rec) != STORE_OK) {
        reply_error(kr, 404, 0, "No such app.");
        return -1;
    }
    if (!app_env_key_valid(kr->params[1]) ||
        store_env_get(kr->store, kr->arena, rec.id, kr->params[1], env) != STORE_OK) {
        reply_error(kr, 404, 0, "The app has no such environment.");
        return -1;
    }
    return 0;
}

static const char *iso(kreq_t *kr, int64_t ms)
{
    char *s = arena_alloc(kr->arena, 40);
    clock_iso8601(s, 40, ms);
    return s;
}

void variables_list(kreq_t *kr)
{
    env_rec_t env;
    if (load(kr, &env) != 0)
        return;
    var_rec_t *v;
    size_t n;
    if (store_var_list(kr->store, kr->arena, env.app_id, env.key, &v, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s,s:o,s:b,s:s,s:s}", "key", v[i].key, "value",
                                             v[i].encrypted ? json_null() : json_stringn(v[i].value, v[i].value_len),
                                             "encrypted", v[i].encrypted, "createdAt", iso(kr, v[i].created_ms),
                                             "updatedAt", iso(kr, v[i].updated_ms)));
    reply_json_new(kr, 200, json_pack("{s:s,s:o}", "environment", env.key, "variables", arr));
}

void variables_set(kreq_t *kr)
{
    env_rec_t env;
    if (load(kr, &env) != 0)
        return;
    const char *key = kr->params[2];
    if (!variables_key_valid(key)) {
        reply_error(kr, 400, 0,
                    "A variable key is 1 to 128 letters, digits and underscores, and does not start with a digit.");
        return;
    }
    json_t *body = kreq_json_body(kr, 0);
    if (!body)
        return;
    const char *k;
    json_t *x;
    json_object_foreach(body, k, x)
    {
        if (strcmp(k, "value") != 0 && strcmp(k, "encrypt") != 0) {
            reply_error(kr, 400, 0, "A variable takes only \"value\" (a string) and \"encrypt\" (true or false).");
            return;
        }
    }
    json_t *value = json_object_get(body, "value"), *encrypt = json_object_get(body, "encrypt");
    if (!json_is_string(value) || (encrypt && !json_is_boolean(encrypt))) {
        reply_error(kr, 400, 0, "A variable takes only \"value\" (a string) and \"encrypt\" (true or false).");
        return;
    }
    size_t vlen = json_string_length(value);
    if (vlen > VARIABLES_VALUE_MAX) {
        reply_error(kr, 400, 0, "A variable's value is at most 3072 bytes.");
        return;
    }
    if (memchr(json_string_value(value), '\0', vlen)) {
        reply_error(kr, 400, 0, "A variable's value cannot contain a NUL character.");
        return;
    }
    int enc = json_is_true(encrypt);
    int64_t now = clock_now_ms();
    if (store_begin(kr->store) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    var_rec_t *all;
    size_t n, same = 0;
    int exists = 0, rc = store_var_list(kr->store, kr->arena, env.app_id, env.key, &all, &n);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        if (strcmp(all[i].key, key) == 0)
            exists = 1;
        else if (all[i].encrypted == enc)
            same++;
    }
    if (rc == STORE_OK && same >= (enc ? VARIABLES_ENCRYPTED_MAX : VARIABLES_PLAIN_MAX)) {
        store_rollback(kr->store);
        reply_error(kr, 409, 0,
                    enc ? "The environment already has 10 encrypted variables, the most it can have."
                        : "The environment already has 50 plain variables, the most it can have.");
        return;
    }
    var_rec_t rec = {.key = key,
                     .encrypted = enc,
                     .value = json_string_value(value),
                     .value_len = vlen,
                     .created_ms = now,
                     .updated_ms = now};
    if (rc == STORE_OK && enc) {
        size_t aadlen, slen;
        const char *aad = aad_of(kr->arena, env.app_id, env.key, key, &aadlen);
        unsigned char *sealed;
        rc = keys_seal(kr->store, kr->arena, KEYS_PURPOSE_VARS, aad, aadlen, rec.value, vlen, &sealed, &slen);
        rec.value = (const char *)sealed;
        rec.value_len = slen;
    }
    if (rc == STORE_OK)
        rc = store_var_put(kr->store, env.app_id, env.key, &rec);
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    reply_json_new(
        kr, 200,
        json_pack("{s:s,s:s,s:b,s:b}", "key", key, "environment", env.key, "encrypted", enc, "created", !exists));
}

void variables_unset(kreq_t *kr)
{
    env_rec_t env;
    if (load(kr, &env) != 0)
        return;
    const char *key = kr->params[2];
    int rc = variables_key_valid(key) ? store_var_delete(kr->store, env.app_id, env.key, key) : STORE_NOTFOUND;
    if (rc == STORE_NOTFOUND) {
        reply_error(kr, 404, 0, "The environment has no variable with that key.");
        return;
    }
    if (rc != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    reply_json_new(kr, 200, json_pack("{s:s,s:s,s:b}", "key", key, "environment", env.key, "deleted", 1));
}

char *variables_env_json(store_t *st, arena_t *a, const char *app_id, const char *env_key)
{
    var_rec_t *v;
    size_t n;
    if (store_var_list(st, a, app_id, env_key, &v, &n) != STORE_OK)
        return NULL;
    if (n == 0)
        return xstrdup("{}");
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++) {
        const char *val = v[i].value;
        size_t len = v[i].value_len;
        if (v[i].encrypted) {
            size_t aadlen;
            const char *aad = aad_of(a, app_id, env_key, v[i].key, &aadlen);
            char *plain;
            if (keys_open(st, a, aad, aadlen, (const unsigned char *)v[i].value, v[i].value_len, &plain, &len) != 0) {
                log_msg(LOG_WARN, "an encrypted variable does not open: left out of process.env", "key", v[i].key,
                        "environment", env_key, NULL);
                continue;
            }
            val = plain;
        }
        json_t *s = json_stringn(val, len);
        if (s)
            json_object_set_new(o, v[i].key, s);
    }
    char *out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}
