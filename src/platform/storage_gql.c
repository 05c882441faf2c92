#include "platform/storage_gql.h"

#include <jansson.h>
#include <string.h>

#include "base/json.h"
#include "base/limits.h"

/* The operations @forge/storage sends (out/gql-queries.js), by name. */
static const struct op {
    const char *name, *field; /* operation name; root field (after the namespace for mutations) */
    const char *ns;           /* mutation namespace, or NULL for queries */
    storage_gql_kind_t kind;
} ops[] = {
    {"forge_app_getApplicationStorageEntity", "appStoredEntity", NULL, SGQL_GET},
    {"forge_app_setApplicationStorageEntity", "setAppStoredEntity", "appStorage", SGQL_SET},
    {"forge_app_deleteApplicationStorageEntity", "deleteAppStoredEntity", "appStorage", SGQL_DELETE},
    {"forge_app_getApplicationStorageEntities", "appStoredEntities", NULL, SGQL_LIST},
    {"forge_app_getApplicationStorageCustomEntity", "appStoredCustomEntity", NULL, SGQL_ENTITY_GET},
    {"forge_app_setApplicationStorageCustomEntity", "setAppStoredCustomEntity", "appStorageCustomEntity",
     SGQL_ENTITY_SET},
    {"forge_app_deleteApplicationStorageCustomEntity", "deleteAppStoredCustomEntity", "appStorageCustomEntity",
     SGQL_ENTITY_DELETE},
    {"AppStorageCustomEntityQueries", "appStoredCustomEntities", NULL, SGQL_ENTITY_QUERY},
};

static const struct op *op_of(storage_gql_kind_t k)
{
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (ops[i].kind == k)
            return &ops[i];
    return &ops[0];
}

/* {"errors":[{message, extensions: {errorType, statusCode}}]}: @forge/storage reads
 * errors[0].extensions.errorType of every error (all versions), so an error without
 * extensions would surface in the app as a TypeError instead of its APIError. */
static const char *gql_error(arena_t *a, const char *msg)
{
    json_t *e = json_pack("{s:[{s:s,s:{s:s,s:i}}]}", "errors", "message", msg, "extensions", "errorType", "BAD_REQUEST",
                          "statusCode", 400);
    size_t n;
    char *s = json_dump_arena(a, e, 4096, &n);
    json_decref(e);
    return s ? s
             : "{\"errors\":[{\"message\":\"Malformed GraphQL request.\",\"extensions\":{\"errorType\":"
               "\"BAD_REQUEST\",\"statusCode\":400}}]}";
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}
static int is_name(char c, int first)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

/* Skips white space, commas and # comments. */
static const char *skip(const char *p, const char *end)
{
    for (;;) {
        while (p < end && is_space(*p))
            p++;
        if (p < end && *p == '#') {
            while (p < end && *p != '\n')
                p++;
            continue;
        }
        return p;
    }
}

/* The document's operation: "query NAME" or "mutation NAME" at its start. */
static const struct op *document_op(const char *doc, size_t n, const char **why)
{
    const char *p = skip(doc, doc + n), *end = doc + n;
    int mutation;
    if ((size_t)(end - p) > 5 && memcmp(p, "query", 5) == 0 && !is_name(p[5], 0)) {
        mutation = 0;
        p += 5;
    } else if ((size_t)(end - p) > 8 && memcmp(p, "mutation", 8) == 0 && !is_name(p[8], 0)) {
        mutation = 1;
        p += 8;
    } else {
        *why = "The document must be one named query or mutation of the storage API.";
        return NULL;
    }
    p = skip(p, end);
    const char *name = p;
    while (p < end && is_name(*p, p == name))
        p++;
    size_t nl = (size_t)(p - name);
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        const struct op *o = &ops[i];
        if (strlen(o->name) != nl || memcmp(o->name, name, nl) != 0)
            continue;
        if ((o->ns != NULL) != mutation) {
            *why =
                mutation ? "This operation is a query, not a mutation." : "This operation is a mutation, not a query.";
            return NULL;
        }
        /* its root field (and namespace) must be selected: shape, not just a name */
        const char *f = memmem(p, (size_t)(end - p), o->field, strlen(o->field));
        const char *ns = o->ns ? memmem(p, (size_t)(end - p), o->ns, strlen(o->ns)) : p;
        if (!f || !ns || is_name(f[strlen(o->field)], 0) || (o->ns && ns > f)) {
            *why = "The operation does not select the field the storage API answers.";
            return NULL;
        }
        return o;
    }
    *why = "Unknown operation: kiln answers the operations of the storage API (@forge/storage) only.";
    return NULL;
}

static int has_only(const json_t *o, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        const char *const *a = allowed;
        while (*a && strcmp(*a, k) != 0)
            a++;
        if (!*a)
            return 0;
    }
    return 1;
}

/* encrypted: absent or null is false; anything but a boolean is refused. */
static int flag(const json_t *o, const char *name, int *out)
{
    json_t *v = json_object_get(o, name);
    if (v && !json_is_null(v) && !json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

int storage_gql_parse(arena_t *a, const char *json, size_t len, storage_gql_call_t *out, const char **err, int *status)
{
    *status = 200;
    json_err_t je;
    json_t *req = json_parse_arena(a, json ? json : "", json ? len : 0, 64, &je);
    if (!json_is_object(req)) {
        *status = 400;
        *err = gql_error(a, "The body must be a JSON object {query, variables}.");
        return -1;
    }
    /* variables are read as C strings (key, entityName, contextAri, conditions); values are
     * passed on as JSON and may hold NUL (app storage checks the rest: platform/kvs.c) */
    static const char *const values[] = {"value", NULL};
    char path[128];
    if (json_nul_field(req, json, len, values, path, sizeof path)) {
        *status = 400;
        *err = gql_error(a, arena_printf(a, "\"%s\" must not contain a NUL character.", path));
        return -1;
    }
    json_t *q = json_object_get(req, "query"), *vars = json_object_get(req, "variables"),
           *opname = json_object_get(req, "operationName");
    static const char *const top[] = {"query", "variables", "operationName", NULL};
    if (!json_is_string(q) || (vars && !json_is_object(vars) && !json_is_null(vars)) ||
        (opname && !json_is_string(opname) && !json_is_null(opname)) || !has_only(req, top)) {
        *err = gql_error(a, "Malformed GraphQL request: want {query: string, variables: object}.");
        return -1;
    }
    if (json_string_length(q) > STORAGE_GQL_MAX_DOCUMENT || memchr(json_string_value(q), '\0', json_string_length(q))) {
        *err = gql_error(a, "The GraphQL document is too long.");
        return -1;
    }
    const char *why = NULL;
    const struct op *o = document_op(json_string_value(q), json_string_length(q), &why);
    if (!o) {
        *err = gql_error(a, why);
        return -1;
    }
    if (json_is_string(opname) && strcmp(json_string_value(opname), o->name) != 0) {
        *err = gql_error(a, "operationName does not name the document's operation.");
        return -1;
    }
    if (!vars || json_is_null(vars))
        vars = json_own(a, json_object());
    /* mutations carry their arguments in $input */
    json_t *in = o->ns ? json_object_get(vars, "input") : vars;
    if (!json_is_object(in)) {
        *err = gql_error(a, "Variable \"$input\" of the mutation must be an object.");
        return -1;
    }
    /* @forge/storage 1.5 (@forge/api 3.x) names the installation's context in every
     * operation; later versions leave it to the platform. Taken out here, checked by the
     * caller against the invocation's own context. */
    json_t *ctx = json_object_get(in, "contextAri");
    const char *context_ari = NULL;
    if (ctx) {
        if (!json_is_string(ctx)) {
            *err = gql_error(a, "Variable \"contextAri\" must be a string.");
            return -1;
        }
        context_ari = arena_strdup(a, json_string_value(ctx));
        json_object_del(in, "contextAri");
    }
    json_t *key = json_object_get(in, "key"), *entity = json_object_get(in, "entityName");
    json_t *body = json_object();
    json_own(a, body);
    int enc = 0;
    const char *bad = NULL;
    memset(out, 0, sizeof *out);
    out->kind = o->kind;
    out->context_ari = context_ari;
    switch (o->kind) {
    case SGQL_GET:
    case SGQL_SET:
    case SGQL_DELETE: {
        static const char *const get_vars[] = {"key", "encrypted", NULL}, *const set_vars[] = {"key", "value",
                                                                                               "encrypted", NULL};
        if (!has_only(in, o->kind == SGQL_SET ? set_vars : get_vars) || flag(in, "encrypted", &enc) != 0)
            bad = "Unknown or mistyped variables for this operation.";
        else if (!json_is_string(key))
            bad = "Variable \"key\" must be a string.";
        else if (o->kind == SGQL_SET && !json_object_get(in, "value"))
            bad = "Variable \"value\" is required.";
        static const char *const plain_ops[] = {[SGQL_GET] = "get", [SGQL_SET] = "set", [SGQL_DELETE] = "delete"};
        static const char *const secret_ops[] = {
            [SGQL_GET] = "secret/get", [SGQL_SET] = "secret/set", [SGQL_DELETE] = "secret/delete"};
        out->kvs_op = enc ? secret_ops[o->kind] : plain_ops[o->kind];
        if (!bad) {
            json_object_set(body, "key", key);
            if (o->kind == SGQL_SET)
                json_object_set(body, "value", json_object_get(in, "value"));
        }
        break;
    }
    case SGQL_LIST: {
        static const char *const list_vars[] = {"where", "cursor", "limit", NULL};
        json_t *where = json_object_get(in, "where"), *cursor = json_object_get(in, "cursor"),
               *limit = json_object_get(in, "limit");
        out->kvs_op = "query";
        if (!has_only(in, list_vars) || (cursor && !json_is_null(cursor) && !json_is_string(cursor)) ||
            (limit && !json_is_null(limit) && !json_is_integer(limit)) ||
            (where && !json_is_null(where) && !json_is_array(where))) {
            bad = "Unknown or mistyped variables for this operation.";
            break;
        }
        if (json_array_size(where) > 1) {
            bad = "At most one where condition, on key.";
            break;
        }
        json_t *w = json_array_get(where, 0);
        if (w) {
            const char *field = json_str(w, "field"), *cond = json_str(w, "condition");
            static const char *const wvars[] = {"field", "condition", "value", NULL};
            if (!json_is_object(w) || !has_only(w, wvars) || !field || !cond ||
                !json_is_string(json_object_get(w, "value"))) {
                bad = "A where condition is {field, condition, value} with a string value.";
                break;
            }
            /* @forge/storage's startsWith is app storage's BEGINS_WITH */
            json_object_set_new(body, "where",
                                json_pack("[{s:s,s:s,s:[O]}]", "property", field, "condition",
                                          strcmp(cond, "STARTS_WITH") == 0 ? "BEGINS_WITH" : cond, "values",
                                          json_object_get(w, "value")));
        }
        if (json_is_integer(limit))
            json_object_set(body, "limit", limit);
        if (json_is_string(cursor))
            json_object_set(body, "after", cursor);
        break;
    }
    case SGQL_ENTITY_GET:
    case SGQL_ENTITY_SET:
    case SGQL_ENTITY_DELETE: {
        static const char *const ekey[] = {"entityName", "key", NULL}, *const eset[] = {"entityName", "key", "value",
                                                                                        NULL};
        static const char *const e_ops[] = {
            [SGQL_ENTITY_GET] = "entity/get", [SGQL_ENTITY_SET] = "entity/set", [SGQL_ENTITY_DELETE] = "entity/delete"};
        out->kvs_op = e_ops[o->kind];
        if (!has_only(in, o->kind == SGQL_ENTITY_SET ? eset : ekey))
            bad = "Unknown variables for this operation.";
        else if (!json_is_string(key) || !json_is_string(entity))
            bad = "Variables \"entityName\" and \"key\" must be strings.";
        else if (o->kind == SGQL_ENTITY_SET && !json_object_get(in, "value"))
            bad = "Variable \"value\" is required.";
        if (!bad) {
            json_object_set(body, "entityName", entity);
            json_object_set(body, "key", key);
            if (o->kind == SGQL_ENTITY_SET)
                json_object_set(body, "value", json_object_get(in, "value"));
        }
        break;
    }
    case SGQL_ENTITY_QUERY: {
        static const char *const qvars[] = {"entityName", "indexName", "range",     "filters", "sort",
                                            "limit",      "cursor",    "partition", NULL};
        out->kvs_op = "entity/query";
        if (!has_only(in, qvars) || !json_is_string(entity) || !json_is_string(json_object_get(in, "indexName"))) {
            bad = "Variables \"entityName\" and \"indexName\" (strings) are required; others are range, filters, sort, "
                  "limit, cursor, partition.";
            break;
        }
        /* the same members as app storage's entity query: passed on, checked there */
        const char *k;
        json_t *v;
        json_object_foreach(in, k, v) if (!json_is_null(v)) json_object_set(body, k, v);
        break;
    }
    }
    if (bad) {
        *err = gql_error(a, bad);
        return -1;
    }
    out->key = json_string_value(key);
    out->entity = json_string_value(entity);
    size_t n;
    char *s = json_dump_arena(a, body, KVS_TX_MAX_BYTES + 65536, &n);
    if (!s) {
        *err = gql_error(a, "The request is too large.");
        return -1;
    }
    out->body = s;
    out->len = n;
    return 0;
}

/* ---------------------------------------------------------------- answers */

/* {message, extensions: {errorType, statusCode}} from app storage's {code, message}. */
static json_t *error_of(const kvs_reply_t *r, json_t *rb)
{
    const char *code = json_str(rb, "code"), *msg = json_str(rb, "message");
    return json_pack("{s:s,s:{s:s,s:i}}", "message", msg ? msg : "App storage failed.", "extensions", "errorType",
                     code ? code : "INTERNAL_SERVER_ERROR", "statusCode", r->status);
}

const char *storage_gql_answer(arena_t *a, const storage_gql_call_t *c, const kvs_reply_t *r, size_t *len)
{
    json_err_t je;
    json_t *rb = r->body && r->len ? json_parse_arena(a, r->body, r->len, 64, &je) : NULL;
    const struct op *o = op_of(c->kind);
    int ok = r->status >= 200 && r->status < 300;
    int missing = r->status == 404 && json_str(rb, "code") && strcmp(json_str(rb, "code"), "KEY_NOT_FOUND") == 0;
    json_t *data = NULL, *errors = NULL;
    switch (c->kind) {
    case SGQL_GET:
    case SGQL_ENTITY_GET:
        if (ok || missing) {
            json_t *v = ok ? json_object_get(rb, "value") : NULL;
            json_t *e = json_pack("{s:s,s:O}", "key", c->key, "value", v ? v : json_null());
            if (c->kind == SGQL_ENTITY_GET)
                json_object_set_new(e, "entityName", json_string(c->entity));
            data = json_pack("{s:o}", o->field, e);
        }
        break;
    case SGQL_SET:
    case SGQL_DELETE:
    case SGQL_ENTITY_SET:
    case SGQL_ENTITY_DELETE: {
        /* deleting what is not there succeeds, as on Forge */
        int success = ok || (missing && (c->kind == SGQL_DELETE || c->kind == SGQL_ENTITY_DELETE));
        data = json_pack("{s:{s:{s:b,s:o}}}", o->ns, o->field, "success", success, "errors",
                         success ? json_null() : json_pack("[o]", error_of(r, rb)));
        break;
    }
    case SGQL_LIST:
        if (ok) {
            json_t *edges = json_array(), *item;
            size_t i;
            json_array_foreach(json_object_get(rb, "data"), i, item)
            {
                const char *k = json_str(item, "key");
                const char *cur = k ? kvs_cursor_after(a, k) : NULL;
                json_array_append_new(
                    edges, json_pack("{s:{s:O,s:s},s:s?}", "node", "value",
                                     json_object_get(item, "value") ? json_object_get(item, "value") : json_null(),
                                     "key", k ? k : "", "cursor", cur));
            }
            data = json_pack("{s:{s:o}}", o->field, "edges", edges);
        }
        break;
    case SGQL_ENTITY_QUERY:
        if (ok) {
            json_t *edges = json_array(), *item;
            size_t i;
            json_array_foreach(json_object_get(rb, "data"), i, item)
            {
                json_array_append_new(
                    edges,
                    json_pack("{s:{s:s,s:O},s:n}", "node", "key", json_str(item, "key") ? json_str(item, "key") : "",
                              "value", json_object_get(item, "value") ? json_object_get(item, "value") : json_null(),
                              "cursor"));
            }
            const char *cur = json_str(rb, "cursor");
            data = json_pack("{s:{s:o,s:{s:b,s:b},s:I,s:s?}}", o->field, "edges", edges, "pageInfo", "hasNextPage",
                             cur != NULL, "hasPreviousPage", 0, "totalCount", (json_int_t)json_array_size(edges),
                             "cursor", cur);
        }
        break;
    }
    if (!data)
        errors = json_pack("[o]", error_of(r, rb));
    json_t *ans = errors ? json_pack("{s:n,s:o}", "data", "errors", errors) : json_pack("{s:o}", "data", data);
    char *s = ans ? json_dump_arena(a, ans, KILN_MAX_RESPONSE, len) : NULL;
    json_decref(ans);
    if (!s) {
        s = (char *)gql_error(a, "The answer is too large.");
        *len = strlen(s);
    }
    return s;
}
