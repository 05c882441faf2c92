/* One key a storage request names (platform/kvs_int.h): Forge's key rules, the value's
 * size and depth, its TTL, and an entity item's name and value. */
#include <string.h>

#include "base/json.h"
#include "platform/kvs_int.h"

/* ---------------------------------------------------------------- keys */

/* JavaScript's \s (the class Forge's key pattern uses): the code point at s, or 0. */
static int js_space(const unsigned char *s, size_t n, size_t *used)
{
    unsigned cp;
    if (s[0] < 0x80) {
        *used = 1;
        cp = s[0];
        return cp == ' ' || (cp >= 0x09 && cp <= 0x0d);
    }
    if ((s[0] & 0xe0) == 0xc0 && n >= 2) {
        *used = 2;
        cp = ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
    } else if ((s[0] & 0xf0) == 0xe0 && n >= 3) {
        *used = 3;
        cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
    } else {
        *used = 1;
        return 0;
    }
    return cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

const char *kvs_key_error(const char *key, size_t len, int entity, const char **msg)
{
    if (len == 0) {
        *msg = entity ? "Key cannot be empty." : "The provided key needs to be more than one character.";
        return entity ? "EMPTY_KEY" : "KEY_TOO_SHORT";
    }
    size_t chars = 0, used;
    int only_space = 1, ok = 1;
    const unsigned char *s = (const unsigned char *)key;
    for (size_t i = 0; i < len; i += used, chars++) {
        unsigned char ch = s[i];
        if (ch < 0x80 && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                          ch == ':' || ch == '.' || ch == '_' || ch == '-' || ch == '#')) {
            used = 1;
            only_space = 0;
        } else if (js_space(s + i, len - i, &used)) {
            /* whitespace is allowed, but not alone */
        } else {
            ok = 0;
            if (!used)
                used = 1;
        }
    }
    if (chars > KVS_KEY_MAX_CHARS) {
        *msg = "The provided key has exceeded the maximum 500 characters.";
        return "KEY_TOO_LONG";
    }
    if (!ok || only_space) {
        *msg = "The provided key does not match the regex: /^(?!\\s+$)[a-zA-Z0-9:._\\s-#]+$/";
        return "INVALID_KEY";
    }
    return NULL;
}

/* ---------------------------------------------------------------- values */

/* Nesting of objects and arrays: a scalar is 0, [] and {} are 1. */
static int json_depth(const json_t *v, int limit)
{
    if (limit < 0)
        return 1;
    int d = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            int e = json_depth(m, limit - 1);
            if (e > d)
                d = e;
        }
        return d + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            int e = json_depth(m, limit - 1);
            if (e > d)
                d = e;
        }
        return d + 1;
    }
    return 0;
}

static const struct {
    const char *name;
    int64_t ms;
} ttl_units[] = {{"SECONDS", 1000}, {"MINUTES", 60000}, {"HOURS", 3600000}, {"DAYS", 86400000}};

/* options.ttl → *expire_ms (0 without). -1 with the reply set on a bad TTL. */
static int parse_ttl(kvs_req_t *c, const json_t *options, int64_t *expire_ms)
{
    *expire_ms = 0;
    json_t *ttl = options ? json_object_get(options, "ttl") : NULL;
    if (!ttl || json_is_null(ttl))
        return 0;
    json_t *v = json_object_get(ttl, "value");
    const char *unit = json_str(ttl, "unit");
    if (!json_is_object(ttl) || !json_is_integer(v) || !unit)
        return kvs_bad_request(c, "ttl must be {value: a positive integer, unit: SECONDS|MINUTES|HOURS|DAYS}");
    for (size_t i = 0; i < sizeof ttl_units / sizeof *ttl_units; i++) {
        if (strcmp(unit, ttl_units[i].name) != 0)
            continue;
        json_int_t n = json_integer_value(v);
        if (n < 1 || n > (json_int_t)(366LL * 86400000 / ttl_units[i].ms))
            return kvs_fail(c, 400, "INVALID_TTL", "ttl must be positive and at most one year");
        *expire_ms = c->now + (int64_t)n * ttl_units[i].ms;
        return 0;
    }
    return kvs_bad_request(c, "ttl.unit must be SECONDS, MINUTES, HOURS or DAYS");
}

/* Checks a value against the size and depth limits and keeps its compact JSON. */
static int check_value(kvs_req_t *c, kvs_item_t *it, json_t *v)
{
    if (!v) {
        it->err_code = "BAD_REQUEST";
        it->err_msg = "value is required";
        return -1;
    }
    if (json_depth(v, KVS_VALUE_MAX_DEPTH + 1) > KVS_VALUE_MAX_DEPTH) {
        it->err_code = "MAX_DEPTH";
        it->err_msg = "The provided value has exceeded the maximum object depth (31).";
        return -1;
    }
    it->json = json_dump_arena(c->a, v, KVS_VALUE_MAX_BYTES, &it->json_len);
    if (!it->json) {
        it->err_code = "MAX_SIZE";
        it->err_msg = "The provided value has exceeded the maximum size limit (240 KiB of JSON).";
        return -1;
    }
    it->value = v;
    return 0;
}

/* ---------------------------------------------------------------- items */

int kvs_item_read(kvs_req_t *c, const json_t *o, int kind_default, int need_value, kvs_item_t *it)
{
    memset(it, 0, sizeof *it);
    it->kind = kind_default;
    it->entity = "";
    it->src = o;
    const json_t *k = json_object_get(o, "key");
    const char *en = json_str(o, "entityName");
    if (!json_is_object(o) || !json_is_string(k)) {
        it->key = json_is_string(k) ? json_string_value(k) : "";
        it->err_code = "BAD_REQUEST";
        it->err_msg = "Provided request body is invalid: key must be a string";
        return -1;
    }
    it->key = json_string_value(k);
    /* entityName picks an entity in batches and transactions (and entity ops); a secret
       stays a secret whatever the body says */
    if ((en && kind_default == KVS_KIND_PLAIN) || kind_default == KVS_KIND_ENTITY) {
        it->kind = KVS_KIND_ENTITY;
        it->entity = en ? en : "";
        if (kvs_entity_check_name(c, it, it->entity))
            return -1;
    }
    if ((it->err_code = kvs_key_error(it->key, json_string_length(k), it->kind == KVS_KIND_ENTITY, &it->err_msg)))
        return -1;
    if (need_value) {
        if (check_value(c, it, json_object_get(o, "value")))
            return -1;
        if (it->kind == KVS_KIND_ENTITY && kvs_entity_check_value(c, it))
            return -1;
        int64_t exp;
        kvs_reply_t saved = *c->out;
        if (parse_ttl(c, json_object_get(o, "options"), &exp) != 0) {
            it->err_code = "INVALID_TTL";
            it->err_msg =
                "ttl must be {value: a positive integer (at most one year), unit: SECONDS|MINUTES|HOURS|DAYS}";
            *c->out = saved;
            return -1;
        }
        it->expire_ms = exp;
    }
    return 0;
}

int kvs_item_fail(kvs_req_t *c, const kvs_item_t *it)
{
    return kvs_fail(c, strcmp(it->err_code, "KEY_NOT_FOUND") == 0 ? 404 : 400, it->err_code, it->err_msg);
}
