#include "platform/storage_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "http/reply.h"
#include "journal/audit.h"
#include "platform/app.h"
#include "platform/install.h"
#include "platform/kvs.h"
#include "platform/site.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

/* The kinds of key, as the API names them, and app storage's operations on each. */
static const struct kind {
    const char *name;
    int kind;
    const char *get, *set, *del;
} kinds[] = {
    {"plain", KVS_KIND_PLAIN, "get", "set", "delete"},
    {"secret", KVS_KIND_SECRET, "secret/get", "secret/set", "secret/delete"},
    {"entity", KVS_KIND_ENTITY, "entity/get", "entity/set", "entity/delete"},
};

/* What a request addresses: the installation, the kind of key and the entity. */
typedef struct target {
    site_rec_t site;
    install_rec_t in;
    const struct kind *k;
    const char *entity; /* "" unless an entity */
} target_t;

/* The installation of the path and the kind from `kind` / `entity` (from the query, or
 * from the body when body is set). 0, or -1 after replying. */
static int target(kreq_t *kr, json_t *body, target_t *t)
{
    if (install_of_route(kr, &t->site, &t->in, NULL) != 0)
        return -1;
    int bad = 0;
    json_t *jk = body ? json_object_get(body, "kind") : NULL, *je = body ? json_object_get(body, "entity") : NULL;
    jk = json_is_null(jk) ? NULL : jk; /* null: absent */
    je = json_is_null(je) ? NULL : je;
    if ((jk && !json_is_string(jk)) || (je && !json_is_string(je))) {
        reply_error(kr, 400, 0, "kind and entity must be strings.");
        return -1;
    }
    const char *kind = body ? json_string_value(jk) : kreq_query(kr, "kind", &bad);
    const char *entity = body ? json_string_value(je) : kreq_query(kr, "entity", &bad);
    if (bad) {
        reply_error(kr, 400, 0, "Malformed query parameter.");
        return -1;
    }
    if (!kind)
        kind = entity ? "entity" : "plain";
    t->k = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(kinds[i].name, kind) == 0)
            t->k = &kinds[i];
    if (!t->k) {
        reply_error(kr, 400, 0, "kind must be plain, secret or entity.");
        return -1;
    }
    if ((t->k->kind == KVS_KIND_ENTITY) != (entity != NULL && *entity)) {
        reply_error(kr, 400, 0, "An entity item needs its entity's name, and only an entity item takes one.");
        return -1;
    }
    t->entity = entity ? entity : "";
    return 0;
}

static int show_secrets(kreq_t *kr, int *show)
{
    int bad = 0;
    const char *v = kreq_query(kr, "showSecrets", &bad);
    *show = v && strcmp(v, "true") == 0;
    if (bad || (v && !*show && strcmp(v, "false") != 0)) {
        reply_error(kr, 400, 0, "showSecrets must be true or false.");
        return -1;
    }
    return 0;
}

/* Runs app storage's operation `op` for the installation with the JSON `req` (taken). 0
 * with *rep, or -1 after replying its failure. */
static int call(kreq_t *kr, const target_t *t, const char *op, json_t *req, kvs_reply_t *rep)
{
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!text) {
        reply_error(kr, 400, 0, "The value cannot be stored.");
        return -1;
    }
    kvs_ctx_t ctx = {.site_id = t->site.id,
                     .installation_id = t->in.id,
                     .scopes = KVS_SCOPE, /* the operator's reach, whatever the app was granted */
                     .now_ms = clock_now_ms()};
    int rc = kvs_call(kr->store, kr->arena, &ctx, op, text, strlen(text), rep);
    free(text);
    if (rc == 0 && rep->status < 300)
        return 0;
    json_err_t e;
    json_t *err = rep->body ? json_parse_arena(kr->arena, rep->body, rep->len, 8, &e) : NULL;
    const char *code = json_str(err, "code"), *msg = json_str(err, "message");
    reply_error(
        kr, rep->status ? rep->status : 500, 0,
        arena_printf(kr->arena, "%s%s%s", code ? code : "", code ? ": " : "", msg ? msg : "app storage failed"));
    return -1;
}

static void note(kreq_t *kr, const target_t *t, const char *kind, int status, const char *detail)
{
    audit_record(&(audit_event_t){.site_id = t->site.id,
                                  .kind = kind,
                                  .plane = AUDIT_PLANE_ADMIN,
                                  .actor = "admin",
                                  .app_id = t->in.app_id,
                                  .installation_id = t->in.id,
                                  .method = kreq_method_is(kr, "GET")      ? "GET"
                                            : kreq_method_is(kr, "PUT")    ? "PUT"
                                            : kreq_method_is(kr, "DELETE") ? "DELETE"
                                                                           : "",
                                  .path = "/admin/v1/.../storage",
                                  .status = status,
                                  .detail = detail});
}

/* An item's JSON: its row's fields, kind, entity, and the value masked unless shown. */
static json_t *item_json(const target_t *t, json_t *row, int show)
{
    json_object_set_new(row, "kind", json_string(t->k->name));
    if (*t->entity)
        json_object_set_new(row, "entity", json_string(t->entity));
    json_object_del(row, "entityName");
    if (t->k->kind == KVS_KIND_SECRET && !show) {
        json_object_set_new(row, "value", json_null());
        json_object_set_new(row, "masked", json_true());
    }
    return row;
}

/* {"key", "entityName"?} of a request to app storage. */
static json_t *key_req(const target_t *t, const char *key)
{
    json_t *r = json_pack("{s:s}", "key", key);
    if (*t->entity)
        json_object_set_new(r, "entityName", json_string(t->entity));
    return r;
}

/* ---------------------------------------------------------------- the handlers */

void storage_admin_list(kreq_t *kr)
{
    target_t t;
    int show, bad = 0;
    int64_t limit = STORAGE_ADMIN_LIST_DEFAULT;
    if (target(kr, NULL, &t) != 0 || show_secrets(kr, &show) != 0)
        return;
    if (kreq_query_int(kr, "limit", 1, STORAGE_ADMIN_LIST_MAX, &limit) != 0) {
        reply_error(kr, 400, 0, "limit must be an integer from 1 to 100.");
        return;
    }
    const char *prefix = kreq_query(kr, "prefix", &bad), *cursor = kreq_query(kr, "cursor", &bad);
    if (bad || (prefix && strlen(prefix) > KVS_KEY_MAX_CHARS) || (cursor && strlen(cursor) > KVS_KEY_MAX_CHARS)) {
        reply_error(kr, 400, 0, "prefix and cursor are keys: at most 500 characters.");
        return;
    }
    kvs_owner_t own = {t.site.id, t.in.id};
    kvs_rec_t *rows;
    size_t n;
    const char *why;
    int rc = kvs_rows(kr->store, kr->arena, &own, t.k->kind, t.entity, prefix ? prefix : "",
                      cursor && *cursor ? cursor : NULL, limit + 1, show, clock_now_ms(), &rows, &n, &why);
    if (rc != 0) {
        reply_error(kr, rc == -2 ? 400 : 500, 0, rc == -2 ? why : "Internal server error");
        return;
    }
    int more = (int64_t)n > limit;
    if (more)
        n = (size_t)limit;
    json_t *items = json_array();
    json_err_t e;
    for (size_t i = 0; i < n; i++) {
        json_t *v = rows[i].value ? json_parse_arena(kr->arena, rows[i].value, rows[i].value_len, 64, &e) : NULL;
        json_t *row =
            json_pack("{s:s,s:O?,s:I,s:I}", "key", rows[i].key, "value", v, "createdAt",
                      (json_int_t)(rows[i].created_ms / 1000), "updatedAt", (json_int_t)(rows[i].updated_ms / 1000));
        if (rows[i].expire_ms) {
            char when[40];
            clock_iso8601(when, sizeof when, rows[i].expire_ms);
            json_object_set_new(row, "expireTime", json_string(when));
        }
        json_array_append_new(items, item_json(&t, row, show));
    }
    if (show && t.k->kind == KVS_KIND_SECRET && n)
        note(kr, &t, AUDIT_STORAGE_SECRET_READ, 200,
             arena_printf(kr->arena, "%zu secrets shown, from key %.100s", n, rows[0].key));
    reply_json_new(kr, 200, json_pack("{s:o,s:s?}", "items", items, "cursor", more ? rows[n - 1].key : NULL));
}

void storage_admin_get(kreq_t *kr)
{
    target_t t;
    int show, bad = 0;
    if (target(kr, NULL, &t) != 0 || show_secrets(kr, &show) != 0)
        return;
    const char *key = kreq_query(kr, "key", &bad);
    if (bad || !key) {
        reply_error(kr, 400, 0, "key is required.");
        return;
    }
    json_t *req = key_req(&t, key);
    json_object_set_new(req, "options",
                        json_pack("{s:[s,s,s]}", "metadataFields", "CREATED_AT", "UPDATED_AT", "EXPIRE_TIME"));
    kvs_reply_t rep;
    if (call(kr, &t, t.k->get, req, &rep) != 0)
        return;
    json_error_t je;
    json_t *row = json_loadb(rep.body, rep.len, JSON_DECODE_ANY, &je);
    if (!json_is_object(row)) {
        json_decref(row);
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    if (show && t.k->kind == KVS_KIND_SECRET)
        note(kr, &t, AUDIT_STORAGE_SECRET_READ, 200, arena_printf(kr->arena, "secret %.200s shown", key));
    reply_json_new(kr, 200, item_json(&t, row, show));
}

void storage_admin_set(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 0);
    if (!body)
        return;
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "key") && strcmp(k, "value") && strcmp(k, "kind") && strcmp(k, "entity")) {
            reply_error(kr, 400, 0, "Unknown field; an item takes \"key\", \"value\", \"kind\" and \"entity\".");
            return;
        }
    }
    target_t t;
    if (target(kr, body, &t) != 0)
        return;
    const char *key = json_str(body, "key");
    json_t *value = json_object_get(body, "value");
    if (!key || !value) {
        reply_error(kr, 400, 0, "An item needs \"key\" (a string) and \"value\" (any JSON).");
        return;
    }
    json_t *req = key_req(&t, key);
    json_object_set(req, "value", value);
    kvs_reply_t rep;
    int ok = call(kr, &t, t.k->set, req, &rep) == 0;
    note(kr, &t, AUDIT_STORAGE_WRITE, ok ? 200 : kr->req->res.status,
         arena_printf(kr->arena, "set %s%s%s %.200s", t.k->name, *t.entity ? " of " : "", t.entity, key));
    if (ok)
        reply_json_new(kr, 200,
                       json_pack("{s:s,s:s,s:s*,s:b}", "key", key, "kind", t.k->name, "entity",
                                 *t.entity ? t.entity : NULL, "set", 1));
}

void storage_admin_delete(kreq_t *kr)
{
    target_t t;
    int bad = 0;
    if (target(kr, NULL, &t) != 0)
        return;
    const char *key = kreq_query(kr, "key", &bad);
    if (bad || !key) {
        reply_error(kr, 400, 0, "key is required.");
        return;
    }
    kvs_reply_t rep;
    int ok = call(kr, &t, t.k->del, key_req(&t, key), &rep) == 0;
    note(kr, &t, AUDIT_STORAGE_WRITE, ok ? 200 : kr->req->res.status,
         arena_printf(kr->arena, "delete %s%s%s %.200s", t.k->name, *t.entity ? " of " : "", t.entity, key));
    if (ok)
        reply_json_new(kr, 200,
                       json_pack("{s:s,s:s,s:s*,s:b}", "key", key, "kind", t.k->name, "entity",
                                 *t.entity ? t.entity : NULL, "deleted", 1));
}
