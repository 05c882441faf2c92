/* App storage (platform/kvs.h): each operation of @forge/kvs 1.6 as one function in the
 * table `ops`, over the store's kvs rows of one installation. */
#include "platform/kvs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/keys.h"
#include "base/buf.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "gateway/ratelimit.h"
#include "platform/install.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_kvs.h"

#define BODY_PARSE_DEPTH 64 /* the request; values are then held to KVS_VALUE_MAX_DEPTH */
#define REPLY_MAX (8u * 1024 * 1024)
#define ENTITY_SCAN_PAGE 500 /* rows read per step of an entity query's scan */

typedef struct call {
    store_t *st;
    arena_t *a;
    const kvs_ctx_t *ctx;
    kvs_owner_t own;
    int64_t now;
    kvs_reply_t *out;
    json_t *entities; /* app.storage.entities, loaded on first use */
    int entities_loaded;
    int store_failed;
    size_t body_len;
} call_t;

/* One key addressed by a request: plain, secret or entity. */
typedef struct item {
    int kind;
    const char *entity; /* "" unless kind is entity */
    const char *key;
    json_t *value;    /* set: the value */
    const char *json; /* set: its compact JSON */
    size_t json_len;
    int64_t expire_ms;    /* set: 0 or the TTL's end */
    const char *err_code; /* a per-item failure (batches) */
    const char *err_msg;
} item_t;

/* ---------------------------------------------------------------- transactions */

/* An operation's own transaction; in grouped mode (ctx->grouped) the caller's open
 * transaction holds it and kvs_call wraps the operation in a savepoint instead. */
static int tx_begin(call_t *c)
{
    return c->ctx->grouped ? STORE_OK : store_begin(c->st);
}
static int tx_commit(call_t *c)
{
    return c->ctx->grouped ? STORE_OK : store_commit(c->st);
}
static void tx_rollback(call_t *c)
{
    if (!c->ctx->grouped)
        store_rollback(c->st);
}

/* ---------------------------------------------------------------- replies */

static void reply_body(call_t *c, int status, buf_t *b)
{
    c->out->status = status;
    c->out->body = b ? b->ptr : NULL;
    c->out->len = b ? b->len : 0;
}

static int fail(call_t *c, int status, const char *code, const char *msg)
{
    buf_t b;
    jsonw_t w;
    buf_init_arena(&b, c->a, 4096);
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "code", code);
    jw_kstr(&w, "message", msg);
    jw_obj_end(&w);
    reply_body(c, status, &b);
    return -1;
}

static int bad_request(call_t *c, const char *msg)
{
    return fail(c, 400, "BAD_REQUEST", msg);
}

static int store_error(call_t *c)
{
    c->store_failed = 1;
    return fail(c, 500, "INTERNAL_SERVER_ERROR", "An internal server error has occurred");
}

static void writer(call_t *c, buf_t *b, jsonw_t *w)
{
    buf_init_arena(b, c->a, REPLY_MAX);
    jw_init(w, b);
}

static int send_writer(call_t *c, int status, buf_t *b, jsonw_t *w)
{
    if (w->err)
        return fail(c, 500, "INTERNAL_SERVER_ERROR", "The answer is too large.");
    reply_body(c, status, b);
    return 0;
}

/* ---------------------------------------------------------------- validation */

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
static int parse_ttl(call_t *c, const json_t *options, int64_t *expire_ms)
{
    *expire_ms = 0;
    json_t *ttl = options ? json_object_get(options, "ttl") : NULL;
    if (!ttl || json_is_null(ttl))
        return 0;
    json_t *v = json_object_get(ttl, "value");
    const char *unit = json_str(ttl, "unit");
    if (!json_is_object(ttl) || !json_is_integer(v) || !unit)
        return bad_request(c, "ttl must be {value: a positive integer, unit: SECONDS|MINUTES|HOURS|DAYS}");
    for (size_t i = 0; i < sizeof ttl_units / sizeof *ttl_units; i++) {
        if (strcmp(unit, ttl_units[i].name) != 0)
            continue;
        json_int_t n = json_integer_value(v);
        if (n < 1 || n > (json_int_t)(366LL * 86400000 / ttl_units[i].ms))
            return fail(c, 400, "INVALID_TTL", "ttl must be positive and at most one year");
        *expire_ms = c->now + (int64_t)n * ttl_units[i].ms;
        return 0;
    }
    return bad_request(c, "ttl.unit must be SECONDS, MINUTES, HOURS or DAYS");
}

/* Checks a value against the size and depth limits and keeps its compact JSON. The
 * error goes into it->err_* (batches) and, unless soft, into the reply. */
static int check_value(call_t *c, item_t *it, json_t *v)
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

/* ---------------------------------------------------------------- custom entities */

static json_t *entities(call_t *c)
{
    if (c->entities_loaded)
        return c->entities;
    c->entities_loaded = 1;
    if (c->ctx->entities_json) {
        c->entities = json_own(c->a, json_loads(c->ctx->entities_json, 0, NULL));
        return c->entities;
    }
    install_rec_t in;
    version_rec_t ver;
    if (store_install_get(c->st, c->a, c->ctx->installation_id, &in) != STORE_OK ||
        install_version(c->st, c->a, &in, &ver) != STORE_OK)
        return NULL;
    json_t *m = json_own(c->a, json_loads(ver.manifest_json, 0, NULL));
    c->entities = json_object_get(json_object_get(json_object_get(m, "app"), "storage"), "entities");
    return c->entities;
}

static json_t *entity_decl(call_t *c, const char *name)
{
    json_t *all = entities(c), *e;
    size_t i;
    json_array_foreach(all, i, e)
    {
        const char *n = json_str(e, "name");
        if (n && strcmp(n, name) == 0)
            return e;
    }
    return NULL;
}

/* Checks an entity name (Forge's rules) and that the manifest declares it. */
static int check_entity_name(call_t *c, item_t *it, const char *name)
{
    size_t n = strlen(name);
    if (n < 3) {
        it->err_code = "ENTITY_TYPE_TOO_SHORT";
        it->err_msg = "The entity name needs to be at least 3 characters.";
    } else if (n > 60) {
        it->err_code = "ENTITY_TYPE_TOO_LARGE";
        it->err_msg = "The entity name has exceeded the maximum 60 characters.";
    } else if (!entity_decl(c, name)) {
        it->err_code = "INVALID_ENTITY_TYPE";
        it->err_msg = "The entity is not declared in the manifest's app.storage.entities.";
    } else {
        return 0;
    }
    return -1;
}

/* Entity values are objects whose declared attributes have their declared types. */
static int check_entity_value(call_t *c, item_t *it)
{
    json_t *decl = entity_decl(c, it->entity), *attrs = json_object_get(decl, "attributes");
    if (!json_is_object(it->value)) {
        it->err_code = "INVALID_ENTITY_VALUE";
        it->err_msg = "Entity values must be objects.";
        return -1;
    }
    const char *name;
    json_t *def;
    json_object_foreach(attrs, name, def)
    {
        json_t *v = json_object_get(it->value, name);
        const char *type = json_str(def, "type");
        if (!v || json_is_null(v) || !type)
            continue;
        int ok = strcmp(type, "string") == 0    ? json_is_string(v)
                 : strcmp(type, "integer") == 0 ? json_is_integer(v) && json_integer_value(v) >= -2147483648LL &&
                                                      json_integer_value(v) <= 2147483647LL
                 : strcmp(type, "float") == 0   ? json_is_number(v)
                 : strcmp(type, "boolean") == 0 ? json_is_boolean(v)
                                                : 1;
        if (!ok) {
            it->err_code = "INVALID_ENTITY_VALUE";
            it->err_msg = "Entity values must match the types of the attributes declared in the manifest.";
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- items */

/* Reads {key, entityName?, value?, options?} (kind_default unless entityName is set).
 * need_value: a set. Errors go into it->err_*; returns -1 then. */
static int parse_item(call_t *c, const json_t *o, int kind_default, int need_value, item_t *it)
{
    memset(it, 0, sizeof *it);
    it->kind = kind_default;
    it->entity = "";
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
        if (check_entity_name(c, it, it->entity))
            return -1;
    }
    if ((it->err_code = kvs_key_error(it->key, json_string_length(k), it->kind == KVS_KIND_ENTITY, &it->err_msg)))
        return -1;
    if (need_value) {
        if (check_value(c, it, json_object_get(o, "value")))
            return -1;
        if (it->kind == KVS_KIND_ENTITY && check_entity_value(c, it))
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

static int item_fail(call_t *c, const item_t *it)
{
    return fail(c, strcmp(it->err_code, "KEY_NOT_FOUND") == 0 ? 404 : 400, it->err_code, it->err_msg);
}

/* AAD of a secret: its installation and key, so a ciphertext cannot be moved. */
static const char *secret_aad(call_t *c, const char *key, size_t *n)
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

/* The row of an item (secrets opened). */
static int load(call_t *c, const item_t *it, kvs_rec_t *r)
{
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

static int save(call_t *c, const item_t *it)
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

static void iso_time(char out[32], int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum { META_CREATED = 1, META_UPDATED = 2, META_EXPIRE = 4 };

/* The metadata fields a request asks for: options[field], e.g. metadataFields. */
static unsigned meta_fields(const json_t *o, const char *options, const char *field)
{
    json_t *list = json_object_get(json_object_get(o, options), field), *f;
    unsigned m = 0;
    size_t i;
    json_array_foreach(list, i, f)
    {
        const char *s = json_string_value(f);
        m |= !s                              ? 0
             : strcmp(s, "CREATED_AT") == 0  ? META_CREATED
             : strcmp(s, "UPDATED_AT") == 0  ? META_UPDATED
             : strcmp(s, "EXPIRE_TIME") == 0 ? META_EXPIRE
                                             : 0;
    }
    return m;
}

/* Writes key, value and the asked-for metadata of a row into an open object. createdAt
 * and updatedAt are epoch seconds; expireTime an ISO 8601 instant (only with a TTL). */
static void write_row(jsonw_t *w, const kvs_rec_t *r, int with_entity, unsigned meta)
{
    jw_kstr(w, "key", r->key);
    if (with_entity && r->kind == KVS_KIND_ENTITY)
        jw_kstr(w, "entityName", r->entity);
    jw_key(w, "value");
    jw_raw(w, r->value, r->value_len);
    if (meta & META_CREATED)
        jw_kint(w, "createdAt", r->created_ms / 1000);
    if (meta & META_UPDATED)
        jw_kint(w, "updatedAt", r->updated_ms / 1000);
    if ((meta & META_EXPIRE) && r->expire_ms) {
        char t[32];
        iso_time(t, r->expire_ms);
        jw_kstr(w, "expireTime", t);
    }
}

/* ---------------------------------------------------------------- get / set / delete */

static int do_get(call_t *c, json_t *body, int kind)
{
    item_t it;
    if (parse_item(c, body, kind, 0, &it))
        return item_fail(c, &it);
    kvs_rec_t r;
    int rc = load(c, &it, &r);
    if (rc == STORE_NOTFOUND)
        return fail(c, 404, "KEY_NOT_FOUND", "Provided key does not exist");
    if (rc != STORE_OK)
        return store_error(c);
    buf_t b;
    jsonw_t w;
    writer(c, &b, &w);
    jw_obj(&w);
    write_row(&w, &r, 0, meta_fields(body, "options", "metadataFields"));
    jw_obj_end(&w);
    return send_writer(c, 200, &b, &w);
}

static int do_set(call_t *c, json_t *body, int kind)
{
    item_t it;
    if (parse_item(c, body, kind, 1, &it))
        return item_fail(c, &it);
    json_t *opt = json_object_get(body, "options");
    const char *policy = json_str(opt, "keyPolicy"), *ret = json_str(opt, "returnValue");
    if (policy && strcmp(policy, "OVERRIDE") != 0 && strcmp(policy, "FAIL_IF_EXISTS") != 0)
        return bad_request(c, "keyPolicy must be OVERRIDE or FAIL_IF_EXISTS");
    if (ret && strcmp(ret, "PREVIOUS") != 0 && strcmp(ret, "LATEST") != 0)
        return bad_request(c, "returnValue must be PREVIOUS or LATEST");
    int fail_if_exists = policy && strcmp(policy, "FAIL_IF_EXISTS") == 0;
    if (ret && fail_if_exists)
        return bad_request(c, "returnValue needs keyPolicy OVERRIDE");
    kvs_rec_t prev;
    int had = 0, rc = STORE_OK;
    if (tx_begin(c) != STORE_OK)
        return store_error(c);
    if (fail_if_exists || ret) {
        rc = load(c, &it, &prev);
        had = rc == STORE_OK;
        if (rc == STORE_NOTFOUND)
            rc = STORE_OK;
    }
    if (rc == STORE_OK && had && fail_if_exists) {
        tx_rollback(c);
        return fail(c, 409, "KEY_ALREADY_EXISTS", "The key already exists and keyPolicy is FAIL_IF_EXISTS");
    }
    if (rc == STORE_OK)
        rc = save(c, &it);
    kvs_rec_t now;
    if (rc == STORE_OK && ret && strcmp(ret, "LATEST") == 0)
        rc = load(c, &it, &now);
    if (rc == STORE_OK)
        rc = tx_commit(c);
    else
        tx_rollback(c);
    if (rc != STORE_OK)
        return store_error(c);
    const kvs_rec_t *show = !ret ? NULL : strcmp(ret, "LATEST") == 0 ? &now : had ? &prev : NULL;
    if (!show) {
        reply_body(c, 204, NULL);
        return 0;
    }
    buf_t b;
    jsonw_t w;
    writer(c, &b, &w);
    jw_obj(&w);
    write_row(&w, show, 0, meta_fields(body, "options", "returnMetadataFields"));
    jw_obj_end(&w);
    return send_writer(c, 200, &b, &w);
}

static int do_delete(call_t *c, json_t *body, int kind)
{
    item_t it;
    if (parse_item(c, body, kind, 0, &it))
        return item_fail(c, &it);
    int rc = store_kvs_delete(c->st, &c->own, it.kind, it.entity, it.key, c->now);
    if (rc == STORE_NOTFOUND)
        return fail(c, 404, "KEY_NOT_FOUND", "Provided key does not exist");
    if (rc != STORE_OK)
        return store_error(c);
    reply_body(c, 204, NULL);
    return 0;
}

static int op_get(call_t *c, json_t *b)
{
    return do_get(c, b, KVS_KIND_PLAIN);
}
static int op_set(call_t *c, json_t *b)
{
    return do_set(c, b, KVS_KIND_PLAIN);
}
static int op_delete(call_t *c, json_t *b)
{
    return do_delete(c, b, KVS_KIND_PLAIN);
}
static int op_secret_get(call_t *c, json_t *b)
{
    return do_get(c, b, KVS_KIND_SECRET);
}
static int op_secret_set(call_t *c, json_t *b)
{
    return do_set(c, b, KVS_KIND_SECRET);
}
static int op_secret_delete(call_t *c, json_t *b)
{
    return do_delete(c, b, KVS_KIND_SECRET);
}
static int op_entity_get(call_t *c, json_t *b)
{
    return do_get(c, b, KVS_KIND_ENTITY);
}
static int op_entity_set(call_t *c, json_t *b)
{
    return do_set(c, b, KVS_KIND_ENTITY);
}
static int op_entity_delete(call_t *c, json_t *b)
{
    return do_delete(c, b, KVS_KIND_ENTITY);
}

/* ---------------------------------------------------------------- cursors */

/* Cursors are opaque to apps: hex of a small JSON array [sortValue, key]. */
static const char *cursor_in(arena_t *a, const json_t *sort_value, const char *key)
{
    json_t *arr = json_pack("[Os]", sort_value ? (json_t *)sort_value : json_null(), key);
    size_t n;
    char *s = arr ? json_dump_arena(a, arr, 8192, &n) : NULL;
    json_decref(arr);
    if (!s)
        return NULL;
    char *hex = arena_alloc(a, 2 * n + 1);
    if (!hex)
        kiln_oom(2 * n + 1);
    enc_hex(hex, s, n);
    return hex;
}

static const char *cursor_make(call_t *c, const json_t *sort_value, const char *key)
{
    return cursor_in(c->a, sort_value, key);
}

const char *kvs_cursor_after(arena_t *a, const char *key)
{
    return cursor_in(a, NULL, key);
}

/* The [sortValue, key] of a cursor; NULL if it is not one of ours. */
static json_t *cursor_read(call_t *c, const char *cur)
{
    size_t n = strlen(cur);
    if (n == 0 || n % 2 || n > 16384)
        return NULL;
    char *raw = arena_alloc(c->a, n / 2 + 1);
    if (!raw)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = enc_hexval((unsigned char)cur[2 * i]), lo = enc_hexval((unsigned char)cur[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return NULL;
        raw[i] = (char)(hi << 4 | lo);
    }
    json_err_t e;
    json_t *j = json_parse_arena(c->a, raw, n / 2, 4, &e);
    json_t *key = json_array_get(j, 1);
    if (!json_is_array(j) || json_array_size(j) != 2 || !json_is_string(key) ||
        memchr(json_string_value(key), '\0', json_string_length(key)))
        return NULL;
    return j;
}

/* ---------------------------------------------------------------- query */

/* Comparison of scalar values for ranges and sorting: numbers < strings < booleans. */
static int type_rank(const json_t *v)
{
    return json_is_number(v) ? 0 : json_is_string(v) ? 1 : json_is_boolean(v) ? 2 : 3;
}

static int cmp_values(const json_t *a, const json_t *b)
{
    int ra = type_rank(a), rb = type_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (ra == 0) {
        double x = json_number_value(a), y = json_number_value(b);
        return x < y ? -1 : x > y;
    }
    if (ra == 1) {
        size_t la = json_string_length(a), lb = json_string_length(b);
        int r = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
        return r ? (r < 0 ? -1 : 1) : la < lb ? -1 : la > lb;
    }
    if (ra == 2)
        return (int)json_is_true(a) - (int)json_is_true(b);
    return 0;
}

static const char *const conditions[] = {"BEGINS_WITH",  "BETWEEN",
                                         "EQUAL_TO",     "NOT_EQUAL_TO",
                                         "GREATER_THAN", "GREATER_THAN_EQUAL_TO",
                                         "LESS_THAN",    "LESS_THAN_EQUAL_TO",
                                         "CONTAINS",     "NOT_CONTAINS",
                                         "EXISTS",       "NOT_EXISTS"};
enum cond {
    C_BEGINS,
    C_BETWEEN,
    C_EQ,
    C_NE,
    C_GT,
    C_GE,
    C_LT,
    C_LE,
    C_CONTAINS,
    C_NOT_CONTAINS,
    C_EXISTS,
    C_NOT_EXISTS,
    C__COUNT
};
static const unsigned char cond_nvalues[C__COUNT] = {1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

typedef struct cond_s {
    enum cond op;
    const char *property;
    json_t *v1, *v2;
} cond_t;

/* Parses {property?, condition, values}; allowed: bitmask of enum cond. */
static int parse_cond(call_t *c, const json_t *o, unsigned allowed, int need_property, cond_t *out)
{
    const char *name = json_str(o, "condition");
    json_t *vals = json_object_get(o, "values");
    out->property = json_str(o, "property");
    if (!json_is_object(o) || !name || (need_property && !out->property))
        return bad_request(c, "a condition is {property, condition, values}");
    int op = -1;
    for (int i = 0; i < C__COUNT; i++)
        if (strcmp(name, conditions[i]) == 0)
            op = i;
    if (op < 0 || !(allowed & (1u << op)))
        return fail(c, 400, "INVALID_FILTER_CONDITION", "The specified condition is not supported for filters.");
    if (!json_is_array(vals) || json_array_size(vals) != cond_nvalues[op])
        return fail(c, 400, "INVALID_FILTER_VALUES",
                    "The specified number of values are not supported by the given condition.");
    for (size_t i = 0; i < json_array_size(vals); i++) {
        json_t *v = json_array_get(vals, i);
        if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v))
            return fail(c, 400, "INVALID_FILTER_VALUES", "Condition values are strings, numbers or booleans.");
    }
    out->op = (enum cond)op;
    out->v1 = json_array_get(vals, 0);
    out->v2 = json_array_get(vals, 1);
    return 0;
}

static int cond_holds(const cond_t *k, const json_t *v)
{
    if (k->op == C_EXISTS)
        return v && !json_is_null(v);
    if (k->op == C_NOT_EXISTS)
        return !v || json_is_null(v);
    if (!v || json_is_null(v))
        return k->op == C_NE || k->op == C_NOT_CONTAINS;
    switch (k->op) {
    case C_BEGINS:
        return json_is_string(v) && json_is_string(k->v1) && json_string_length(v) >= json_string_length(k->v1) &&
               memcmp(json_string_value(v), json_string_value(k->v1), json_string_length(k->v1)) == 0;
    case C_BETWEEN: return type_rank(v) == type_rank(k->v1) && cmp_values(v, k->v1) >= 0 && cmp_values(v, k->v2) <= 0;
    case C_EQ:
        return json_equal((json_t *)v, k->v1) ||
               (type_rank(v) == 0 && type_rank(k->v1) == 0 && cmp_values(v, k->v1) == 0);
    case C_NE:
        return !(json_equal((json_t *)v, k->v1) ||
                 (type_rank(v) == 0 && type_rank(k->v1) == 0 && cmp_values(v, k->v1) == 0));
    case C_GT: return type_rank(v) == type_rank(k->v1) && cmp_values(v, k->v1) > 0;
    case C_GE: return type_rank(v) == type_rank(k->v1) && cmp_values(v, k->v1) >= 0;
    case C_LT: return type_rank(v) == type_rank(k->v1) && cmp_values(v, k->v1) < 0;
    case C_LE: return type_rank(v) == type_rank(k->v1) && cmp_values(v, k->v1) <= 0;
    case C_CONTAINS:
    case C_NOT_CONTAINS: {
        int has = 0;
        if (json_is_string(v) && json_is_string(k->v1))
            has = memmem(json_string_value(v), json_string_length(v), json_string_value(k->v1),
                         json_string_length(k->v1)) != NULL;
        else if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) has |= json_equal(e, k->v1);
        }
        return k->op == C_CONTAINS ? has : !has;
    }
    default: return 0;
    }
}

static int parse_limit(call_t *c, const json_t *body, int64_t *limit, const char *code)
{
    json_t *l = json_object_get(body, "limit");
    *limit = KVS_QUERY_DEFAULT_LIMIT;
    if (!l || json_is_null(l))
        return 0;
    if (!json_is_integer(l) || json_integer_value(l) < 1 || json_integer_value(l) > KVS_QUERY_MAX_LIMIT)
        return fail(c, 400, code, "The limit of a query must be between 1 and 100.");
    *limit = json_integer_value(l);
    return 0;
}

static void write_listed(jsonw_t *w, const kvs_rec_t *r, unsigned meta)
{
    jw_obj(w);
    write_row(w, r, 0, meta);
    jw_obj_end(w);
}

/* Smallest string greater than every string that starts with p: p with its last byte
 * incremented (UTF-8 never holds 0xff); NULL when there is none (p empty). */
static const char *prefix_end(call_t *c, const char *p)
{
    size_t n = strlen(p);
    if (n == 0)
        return NULL;
    char *e = arena_strndup(c->a, p, n);
    if (!e)
        kiln_oom(n);
    while (n > 0 && (unsigned char)e[n - 1] == 0xff)
        e[--n] = '\0';
    if (n == 0)
        return NULL;
    e[n - 1] = (char)((unsigned char)e[n - 1] + 1);
    return e;
}

static int op_query(call_t *c, json_t *body)
{
    int64_t limit;
    if (parse_limit(c, body, &limit, "LIST_QUERY_LIMIT_EXCEEDED"))
        return -1;
    json_t *where = json_object_get(body, "where");
    const char *after = NULL, *from = NULL, *to = NULL, *cs = json_str(body, "after");
    if (cs) {
        json_t *cur = cursor_read(c, cs);
        if (!cur)
            return bad_request(c, "The cursor is not valid.");
        after = json_string_value(json_array_get(cur, 1));
    }
    cond_t k = {.op = C__COUNT};
    if (where && !json_is_null(where)) {
        if (!json_is_array(where) || json_array_size(where) != 1)
            return fail(c, 400, "QUERY_WHERE_INVALID", "KVS queries should contain only a single \"where\" clause.");
        json_t *w0 = json_array_get(where, 0);
        const char *prop = json_str(w0, "property");
        if (!prop || strcmp(prop, "key") != 0)
            return fail(c, 400, "QUERY_WHERE_FIELD_INVALID", "The specified field is not supported for filters.");
        unsigned allowed =
            1u << C_BEGINS | 1u << C_BETWEEN | 1u << C_EQ | 1u << C_GT | 1u << C_GE | 1u << C_LT | 1u << C_LE;
        if (parse_cond(c, w0, allowed, 1, &k))
            return -1;
        if (!json_is_string(k.v1) || (k.v2 && !json_is_string(k.v2)))
            return fail(c, 400, "INVALID_FILTER_VALUES", "Key conditions compare with strings.");
        if (memchr(json_string_value(k.v1), '\0', json_string_length(k.v1)) ||
            (k.v2 && memchr(json_string_value(k.v2), '\0', json_string_length(k.v2))))
            return fail(c, 400, "INVALID_FILTER_VALUES", "Key conditions must not contain a NUL character.");
        const char *v1 = json_string_value(k.v1);
        switch (k.op) {
        case C_BEGINS: from = v1, to = prefix_end(c, v1); break;
        case C_BETWEEN:
        case C_EQ:
        case C_GE: from = v1; break;
        case C_GT:
            if (!after || strcmp(v1, after) > 0)
                after = v1;
            break;
        case C_LT: to = v1; break;
        default: break;
        }
    }
    kvs_rec_t *rows;
    size_t n;
    if (store_kvs_list(c->st, c->a, &c->own, KVS_KIND_PLAIN, "", from, to, after, limit + 1, c->now, &rows, &n) !=
        STORE_OK)
        return store_error(c);
    /* upper bounds that include their value are cut here: rows come in key order */
    for (size_t i = 0; i < n; i++) {
        json_t *kv = json_string(rows[i].key);
        int keep =
            k.op == C__COUNT || k.op == C_BEGINS || k.op == C_GT || k.op == C_GE || k.op == C_LT || cond_holds(&k, kv);
        json_decref(kv);
        if (!keep) {
            n = i;
            break;
        }
    }
    buf_t b;
    jsonw_t w;
    writer(c, &b, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        write_listed(&w, &rows[i], meta_fields(body, "options", "metadataFields"));
    jw_arr_end(&w);
    if (n > (size_t)limit)
        jw_kstr(&w, "cursor", cursor_make(c, NULL, rows[shown - 1].key));
    jw_obj_end(&w);
    return send_writer(c, 200, &b, &w);
}

/* ---------------------------------------------------------------- entity query */

typedef struct match {
    kvs_rec_t r;
    json_t *sort; /* the range attribute's value (borrowed from doc) */
    json_t *doc;
} match_t;

/* Orders matches by the range value, then key; *dir is 1 (ASC) or -1 (DESC). */
static int cmp_match(const void *pa, const void *pb, void *dir)
{
    const match_t *a = pa, *b = pb;
    int r = a->sort && b->sort ? cmp_values(a->sort, b->sort) : 0;
    if (!r)
        r = strcmp(a->r.key, b->r.key);
    return *(int *)dir * r;
}

/* An index of an entity: {name, range: [attr], partition?: [attrs]}, or a bare attribute
 * name (range on it, named after it). */
static int find_index(call_t *c, const char *entity, const char *name, const char **range, json_t **partition)
{
    json_t *idx = json_object_get(entity_decl(c, entity), "indexes"), *e;
    size_t i;
    json_array_foreach(idx, i, e)
    {
        if (json_is_string(e) && strcmp(json_string_value(e), name) == 0) {
            *range = name;
            *partition = NULL;
            return 0;
        }
        const char *n = json_str(e, "name");
        if (n && strcmp(n, name) == 0) {
            *range = json_string_value(json_array_get(json_object_get(e, "range"), 0));
            *partition = json_object_get(e, "partition");
            return *range ? 0 : -1;
        }
    }
    return -1;
}

static int op_entity_query(call_t *c, json_t *body)
{
    item_t it = {.kind = KVS_KIND_ENTITY};
    const char *entity = json_str(body, "entityName"), *index = json_str(body, "indexName");
    if (!entity || !index)
        return bad_request(c, "entityName and indexName are required");
    it.entity = entity;
    if (check_entity_name(c, &it, entity))
        return item_fail(c, &it);
    const char *range;
    json_t *pattrs;
    if (find_index(c, entity, index, &range, &pattrs))
        return fail(c, 400, "INVALID_ENTITY_INDEX", "The entity has no index of that name in the manifest.");
    int64_t limit;
    if (parse_limit(c, body, &limit, "COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE"))
        return -1;
    json_t *pvals = json_object_get(body, "partition");
    size_t np = json_array_size(pattrs);
    if (np != (json_is_array(pvals) ? json_array_size(pvals) : 0))
        return fail(c, 400, "INVALID_PARTITION_VALUE",
                    "Give one partition value per partition attribute of the index.");
    cond_t rk = {.op = C__COUNT}, filt[32];
    json_t *rj = json_object_get(body, "range");
    unsigned range_ops =
        1u << C_BEGINS | 1u << C_BETWEEN | 1u << C_EQ | 1u << C_GT | 1u << C_GE | 1u << C_LT | 1u << C_LE;
    if (rj && !json_is_null(rj) && parse_cond(c, rj, range_ops, 0, &rk))
        return -1;
    json_t *fj = json_object_get(body, "filters"), *flist = NULL;
    int f_or = 0;
    size_t nf = 0;
    if (fj && !json_is_null(fj)) {
        flist = json_object_get(fj, "and");
        if (!flist && (flist = json_object_get(fj, "or")))
            f_or = 1;
        if (!json_is_array(flist) || json_array_size(flist) == 0)
            return fail(c, 400, "EMPTY_FILTER_OPERATOR", "filters holds a non-empty \"and\" or \"or\" list.");
        if (json_array_size(flist) > sizeof filt / sizeof *filt)
            return bad_request(c, "at most 32 filters");
        for (nf = 0; nf < json_array_size(flist); nf++)
            if (parse_cond(c, json_array_get(flist, nf), ~0u, 1, &filt[nf]))
                return -1;
    }
    const char *sort = json_str(body, "sort");
    if (sort && strcmp(sort, "ASC") != 0 && strcmp(sort, "DESC") != 0)
        return bad_request(c, "sort must be ASC or DESC");
    json_t *cur = NULL;
    const char *cs = json_str(body, "cursor");
    if (cs && !(cur = cursor_read(c, cs)))
        return bad_request(c, "The cursor is not valid.");

    /* Scan the entity's items of this installation in key order (docs/kvs.md). */
    size_t cap = 64, nm = 0;
    match_t *m = arena_alloc(c->a, cap * sizeof *m);
    const char *after = NULL;
    for (;;) {
        kvs_rec_t *rows;
        size_t n;
        if (store_kvs_list(c->st, c->a, &c->own, KVS_KIND_ENTITY, entity, NULL, NULL, after, ENTITY_SCAN_PAGE, c->now,
                           &rows, &n) != STORE_OK)
            return store_error(c);
        for (size_t i = 0; i < n; i++) {
            json_err_t e;
            json_t *doc = json_parse_arena(c->a, rows[i].value, rows[i].value_len, BODY_PARSE_DEPTH, &e);
            json_t *rv = json_object_get(doc, range);
            int ok = rv && !json_is_null(rv);
            for (size_t p = 0; ok && p < np; p++) {
                json_t *pv = json_object_get(doc, json_string_value(json_array_get(pattrs, p)));
                cond_t eq = {.op = C_EQ, .v1 = json_array_get(pvals, p)};
                ok = cond_holds(&eq, pv);
            }
            if (ok && rk.op != C__COUNT)
                ok = cond_holds(&rk, rv);
            if (ok && nf) {
                int any = 0, all = 1;
                for (size_t f = 0; f < nf; f++) {
                    int h = cond_holds(&filt[f], json_object_get(doc, filt[f].property));
                    any |= h;
                    all &= h;
                }
                ok = f_or ? any : all;
            }
            if (!ok)
                continue;
            if (nm == cap) {
                match_t *bigger = arena_alloc(c->a, 2 * cap * sizeof *m);
                if (!bigger)
                    return fail(c, 413, "QUERY_TOO_LARGE", "The query matches more items than kiln can sort at once.");
                memcpy(bigger, m, nm * sizeof *m);
                m = bigger;
                cap *= 2;
            }
            m[nm++] = (match_t){rows[i], rv, doc};
        }
        if (n < ENTITY_SCAN_PAGE)
            break;
        after = rows[n - 1].key;
    }
    int dir = sort && strcmp(sort, "DESC") == 0 ? -1 : 1;
    qsort_r(m, nm, sizeof *m, cmp_match, &dir);
    size_t start = 0;
    if (cur) {
        match_t pos = {.r.key = json_string_value(json_array_get(cur, 1)), .sort = json_array_get(cur, 0)};
        if (json_is_null(pos.sort))
            pos.sort = NULL;
        while (start < nm && cmp_match(&m[start], &pos, &dir) <= 0)
            start++;
    }
    buf_t b;
    jsonw_t w;
    writer(c, &b, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    size_t end = start + (size_t)limit < nm ? start + (size_t)limit : nm;
    for (size_t i = start; i < end; i++)
        write_listed(&w, &m[i].r, meta_fields(body, "options", "metadataFields"));
    jw_arr_end(&w);
    if (end < nm)
        jw_kstr(&w, "cursor", cursor_make(c, m[end - 1].sort, m[end - 1].r.key));
    jw_obj_end(&w);
    return send_writer(c, 200, &b, &w);
}

/* ---------------------------------------------------------------- batches */

static void write_failed(jsonw_t *w, const item_t *it)
{
    jw_obj(w);
    jw_kstr(w, "key", it->key ? it->key : "");
    if (it->kind == KVS_KIND_ENTITY && it->entity[0])
        jw_kstr(w, "entityName", it->entity);
    jw_key(w, "error");
    jw_obj(w);
    jw_kstr(w, "code", it->err_code);
    jw_kstr(w, "message", it->err_msg);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* Parses a batch: a non-empty array of at most KVS_BATCH_MAX_ITEMS items, no key twice. */
static item_t *batch_items(call_t *c, json_t *body, int need_value, size_t *n)
{
    if (!json_is_array(body) || json_array_size(body) == 0) {
        bad_request(c, "A batch is a non-empty array of items.");
        return NULL;
    }
    if (json_array_size(body) > KVS_BATCH_MAX_ITEMS) {
        fail(c, 400, "TOO_MANY_ITEMS", "A batch holds at most 25 items.");
        return NULL;
    }
    *n = json_array_size(body);
    item_t *items = arena_calloc(c->a, *n * sizeof *items);
    for (size_t i = 0; i < *n; i++) {
        parse_item(c, json_array_get(body, i), KVS_KIND_PLAIN, need_value, &items[i]);
        for (size_t j = 0; j < i; j++)
            if (items[i].key && items[j].key && strcmp(items[i].key, items[j].key) == 0 &&
                strcmp(items[i].entity, items[j].entity) == 0) {
                fail(c, 400, "DUPLICATE_KEYS", "Each key may appear only once in a batch.");
                return NULL;
            }
    }
    return items;
}

static int op_batch_set(call_t *c, json_t *body)
{
    size_t n;
    item_t *items = batch_items(c, body, 1, &n);
    if (!items)
        return -1;
    if (tx_begin(c) != STORE_OK)
        return store_error(c);
    for (size_t i = 0; i < n; i++) {
        if (!items[i].err_code && save(c, &items[i]) != STORE_OK) {
            tx_rollback(c);
            return store_error(c);
        }
    }
    if (tx_commit(c) != STORE_OK)
        return store_error(c);
    buf_t b;
    jsonw_t w;
    writer(c, &b, &w);
    jw_obj(&w);
    jw_key(&w, "successfulKeys");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        if (items[i].err_code)
            continue;
        jw_obj(&w);
        jw_kstr(&w, "key", items[i].key);
        if (items[i].kind == KVS_KIND_ENTITY)
            jw_kstr(&w, "entityName", items[i].entity);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "failedKeys");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++)
        if (items[i].err_code)
            write_failed(&w, &items[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    return send_writer(c, 200, &b, &w);
}

static int op_batch_get(call_t *c, json_t *body)
{
    size_t n;
    item_t *items = batch_items(c, body, 0, &n);
    if (!items)
        return -1;
    kvs_rec_t *rows = arena_calloc(c->a, n * sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        if (items[i].err_code)
            continue;
        int rc = load(c, &items[i], &rows[i]);
        if (rc == STORE_NOTFOUND) {
            items[i].err_code = "KEY_NOT_FOUND";
            items[i].err_msg = "Key does not exist";
        } else if (rc != STORE_OK) {
            return store_error(c);
        }
    }
    buf_t b;
    jsonw_t w;
    writer(c, &b, &w);
    jw_obj(&w);
    jw_key(&w, "successfulKeys");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        if (items[i].err_code)
            continue;
        jw_obj(&w);
        write_row(&w, &rows[i], 1, meta_fields(json_array_get(body, i), "options", "metadataFields"));
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "failedKeys");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++)
        if (items[i].err_code)
            write_failed(&w, &items[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    return send_writer(c, 200, &b, &w);
}

static int op_batch_delete(call_t *c, json_t *body)
{
    size_t n;
    item_t *items = batch_items(c, body, 0, &n);
    if (!items)
        return -1;
    if (tx_begin(c) != STORE_OK)
        return store_error(c);
    for (size_t i = 0; i < n; i++) {
        if (items[i].err_code)
            continue;
        int rc = store_kvs_delete(c->st, &c->own, items[i].kind, items[i].entity, items[i].key, c->now);
        if (rc == STORE_NOTFOUND) {
            items[i].err_code = "KEY_NOT_FOUND";
            items[i].err_msg = "Key does not exist";
        } else if (rc != STORE_OK) {
            tx_rollback(c);
            return store_error(c);
        }
    }
    if (tx_commit(c) != STORE_OK)
        return store_error(c);
    buf_t b;
    jsonw_t w;
    writer(c, &b, &w);
    jw_obj(&w);
    jw_key(&w, "successfulKeys");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        if (items[i].err_code)
            continue;
        jw_obj(&w);
        jw_kstr(&w, "key", items[i].key);
        if (items[i].kind == KVS_KIND_ENTITY)
            jw_kstr(&w, "entityName", items[i].entity);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "failedKeys");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++)
        if (items[i].err_code)
            write_failed(&w, &items[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    return send_writer(c, 200, &b, &w);
}

/* ---------------------------------------------------------------- transactions */

/* conditions {and|or: [...]} on an entity item's stored value; 1 if they hold. */
static int conditions_hold(call_t *c, const item_t *it, const json_t *conds, int *err)
{
    *err = 0;
    if (!conds || json_is_null(conds))
        return 1;
    json_t *list = json_object_get(conds, "and");
    int any_mode = 0;
    if (!list && (list = json_object_get(conds, "or")))
        any_mode = 1;
    if (!json_is_array(list)) {
        *err = bad_request(c, "conditions hold an \"and\" or \"or\" list");
        return 0;
    }
    if (json_array_size(list) == 0)
        return 1;
    kvs_rec_t r;
    json_t *doc = NULL;
    int rc = load(c, it, &r);
    if (rc == STORE_OK) {
        json_err_t e;
        doc = json_parse_arena(c->a, r.value, r.value_len, BODY_PARSE_DEPTH, &e);
    } else if (rc != STORE_NOTFOUND) {
        *err = store_error(c);
        return 0;
    }
    int any = 0, all = 1;
    for (size_t i = 0; i < json_array_size(list); i++) {
        cond_t k;
        if (parse_cond(c, json_array_get(list, i), ~0u, 1, &k)) {
            *err = -1;
            return 0;
        }
        int h = cond_holds(&k, doc ? json_object_get(doc, k.property) : NULL);
        any |= h;
        all &= h;
    }
    return any_mode ? any : all;
}

static int op_transaction(call_t *c, json_t *body)
{
    size_t len = c->body_len;
    if (len > KVS_TX_MAX_BYTES)
        return fail(c, 400, "PAYLOAD_TOO_LARGE", "A transaction is limited to a payload of 4MB.");
    static const char *const parts[] = {"set", "delete", "check"};
    size_t total = 0;
    for (int p = 0; p < 3; p++) {
        json_t *l = json_object_get(body, parts[p]);
        if (l && !json_is_null(l) && !json_is_array(l))
            return bad_request(c, "set, delete and check are arrays");
        total += json_array_size(l);
    }
    if (total == 0)
        return bad_request(c, "A transaction needs at least one operation.");
    if (total > KVS_TX_MAX_OPS)
        return fail(c, 400, "TOO_MANY_OPERATIONS", "Each transaction can contain a maximum of 25 operations.");
    item_t *items = arena_calloc(c->a, total * sizeof *items);
    json_t **conds = arena_calloc(c->a, total * sizeof *conds);
    int *part = arena_calloc(c->a, total * sizeof *part);
    size_t n = 0;
    for (int p = 0; p < 3; p++) {
        json_t *l = json_object_get(body, parts[p]), *o;
        size_t i;
        json_array_foreach(l, i, o)
        {
            if (parse_item(c, o, KVS_KIND_PLAIN, p == 0, &items[n]))
                return item_fail(c, &items[n]);
            if (p == 2 && items[n].kind != KVS_KIND_ENTITY)
                return bad_request(c, "a check names an entity");
            for (size_t j = 0; j < n; j++)
                if (strcmp(items[j].key, items[n].key) == 0 && strcmp(items[j].entity, items[n].entity) == 0)
                    return fail(c, 400, "DUPLICATE_KEYS", "Each key can only be used once in a transaction.");
            conds[n] = json_object_get(o, "conditions");
            part[n++] = p;
        }
    }
    if (tx_begin(c) != STORE_OK)
        return store_error(c);
    for (size_t i = 0; i < n; i++) {
        int err;
        if (!conditions_hold(c, &items[i], conds[i], &err)) {
            tx_rollback(c);
            return err ? -1 : fail(c, 409, "CONDITION_CHECK_FAILED", "A condition of the transaction did not hold.");
        }
    }
    int rc = STORE_OK;
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        if (part[i] == 0)
            rc = save(c, &items[i]);
        else if (part[i] == 1) {
            rc = store_kvs_delete(c->st, &c->own, items[i].kind, items[i].entity, items[i].key, c->now);
            if (rc == STORE_NOTFOUND)
                rc = STORE_OK;
        }
    }
    if (rc == STORE_OK)
        rc = tx_commit(c);
    else
        tx_rollback(c);
    if (rc != STORE_OK)
        return store_error(c);
    reply_body(c, 204, NULL);
    return 0;
}

/* ---------------------------------------------------------------- dispatch */

static const struct op {
    const char *name;
    int (*fn)(call_t *, json_t *);
    int array_body; /* batches send an array */
} ops[] = {
    {"get", op_get, 0},
    {"set", op_set, 0},
    {"delete", op_delete, 0},
    {"query", op_query, 0},
    {"batch/get", op_batch_get, 1},
    {"batch/set", op_batch_set, 1},
    {"batch/delete", op_batch_delete, 1},
    {"transaction", op_transaction, 0},
    {"secret/get", op_secret_get, 0},
    {"secret/set", op_secret_set, 0},
    {"secret/delete", op_secret_delete, 0},
    {"entity/get", op_entity_get, 0},
    {"entity/set", op_entity_set, 0},
    {"entity/delete", op_entity_delete, 0},
    {"entity/query", op_entity_query, 0},
};

static int scope_granted(const char *scopes)
{
    size_t n = strlen(KVS_SCOPE);
    for (const char *p = scopes; p && *p;) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, KVS_SCOPE, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}

int kvs_call(store_t *st, arena_t *a, const kvs_ctx_t *ctx, const char *op, const char *body, size_t len,
             kvs_reply_t *out)
{
    memset(out, 0, sizeof *out);
    call_t c = {
        .st = st, .a = a, .ctx = ctx, .own = {ctx->site_id, ctx->installation_id}, .now = ctx->now_ms, .out = out};
    if (ctx->rate_per_min) {
        ratelimit_result_t rl =
            ratelimit_take(arena_printf(a, "kv:%s", ctx->installation_id) /* ratelimit keys hold 39 bytes */,
                           ctx->rate_per_min, ctx->now_ms);
        out->rated = 1;
        out->limit = rl.limit;
        out->remaining = rl.remaining;
        out->reset_s = rl.reset_s;
        if (!rl.allowed) {
            out->retry_after_s = rl.reset_s - ctx->now_ms / 1000;
            fail(&c, 429, "RATE_LIMIT_EXCEEDED", "The installation exceeded the app storage rate limit.");
            return 0;
        }
    }
    if (!scope_granted(ctx->scopes)) {
        const char *msg = arena_printf(a,
                                       "The app's installation does not have the scopes for this operation. "
                                       "Granted: [%s]. Allowed with all of: [" KVS_SCOPE "].",
                                       ctx->scopes ? ctx->scopes : "");
        buf_t b;
        jsonw_t w;
        buf_init_arena(&b, a, 65536);
        jw_init(&w, &b);
        jw_obj(&w);
        jw_kstr(&w, "code", "FORBIDDEN");
        jw_kstr(&w, "message", msg);
        jw_key(&w, "errorMessages");
        jw_arr(&w);
        jw_str(&w, msg);
        jw_arr_end(&w);
        jw_key(&w, "errors");
        jw_obj(&w);
        jw_obj_end(&w);
        jw_obj_end(&w);
        reply_body(&c, 403, &b);
        return 0;
    }
    const struct op *o = NULL;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(ops[i].name, op) == 0)
            o = &ops[i];
    if (!o) {
        fail(&c, 404, "NOT_FOUND", "No such app storage operation.");
        return 0;
    }
    json_err_t e;
    json_t *j = json_parse_arena(a, body ? body : "", len, BODY_PARSE_DEPTH, &e);
    if (!j) {
        if (e.code == JERR_DEPTH)
            fail(&c, 400, "MAX_DEPTH", "The provided value has exceeded the maximum object depth (31).");
        else
            bad_request(&c, "Provided request body is invalid");
        return 0;
    }
    if (o->array_body ? !json_is_array(j) : !json_is_object(j)) {
        bad_request(&c, o->array_body ? "Provided request body is invalid: an array of items"
                                      : "Provided request body is invalid: a JSON object");
        return 0;
    }
    /* Keys, entity and index names, conditions, cursors are read as C strings: a NUL in
     * one would cut it. Values stay JSON and round-trip byte for byte, NUL included;
     * condition values are compared with their lengths (a key condition is checked in
     * op_query, since keys never hold NUL). */
    static const char *const values[] = {"value", "values", "partition", NULL};
    char path[128];
    if (json_nul_field(j, body, len, values, path, sizeof path)) {
        bad_request(&c, arena_printf(a, "Provided request body is invalid: %s must not contain a NUL character", path));
        return 0;
    }
    c.body_len = len;
    if (ctx->grouped && store_savepoint(st) != STORE_OK) {
        store_error(&c);
        return -1;
    }
    o->fn(&c, j);
    if (ctx->grouped) {
        if (out->status >= 400)
            store_savepoint_rollback(st); /* undo what a failed operation wrote, and only that */
        else if (store_savepoint_release(st) != STORE_OK)
            store_error(&c);
    }
    return c.store_failed ? -1 : 0;
}

int64_t kvs_expire(store_t *st, int64_t now_ms, int64_t max)
{
    int64_t removed;
    return store_kvs_expire(st, now_ms, max, &removed) == STORE_OK ? removed : -1;
}
