/* Custom entities (platform/kvs_int.h): the declarations of app.storage.entities (from the
 * caller, or the installation's version), entity names and typed values, and
 * `entity/query` over an index. */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "platform/install.h"
#include "platform/kvs_int.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_kvs.h"

#define ENTITY_SCAN_PAGE 500 /* rows read per step of an entity query's scan */

/* ---------------------------------------------------------------- declarations */

static json_t *entities(kvs_req_t *c)
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

json_t *kvs_entity_decl(kvs_req_t *c, const char *name)
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

int kvs_entity_check_name(kvs_req_t *c, kvs_item_t *it, const char *name)
{
    size_t n = strlen(name);
    if (n < 3) {
        it->err_code = "ENTITY_TYPE_TOO_SHORT";
        it->err_msg = "The entity name needs to be at least 3 characters.";
    } else if (n > 60) {
        it->err_code = "ENTITY_TYPE_TOO_LARGE";
        it->err_msg = "The entity name has exceeded the maximum 60 characters.";
    } else if (!kvs_entity_decl(c, name)) {
        it->err_code = "INVALID_ENTITY_TYPE";
        it->err_msg = "The entity is not declared in the manifest's app.storage.entities.";
    } else {
        return 0;
    }
    return -1;
}

int kvs_entity_check_value(kvs_req_t *c, kvs_item_t *it)
{
    json_t *decl = kvs_entity_decl(c, it->entity), *attrs = json_object_get(decl, "attributes");
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
    int r = a->sort && b->sort ? kvs_cmp_values(a->sort, b->sort) : 0;
    if (!r)
        r = strcmp(a->r.key, b->r.key);
    return *(int *)dir * r;
}

/* An index of an entity: {name, range: [attr], partition?: [attrs]}, or a bare attribute
 * name (range on it, named after it). */
static int find_index(kvs_req_t *c, const char *entity, const char *name, const char **range, json_t **partition)
{
    json_t *idx = json_object_get(kvs_entity_decl(c, entity), "indexes"), *e;
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

int kvs_op_entity_query(kvs_req_t *c, json_t *body, int kind)
{
    kvs_item_t it = {.kind = kind};
    const char *entity = json_str(body, "entityName"), *index = json_str(body, "indexName");
    if (!entity || !index)
        return kvs_bad_request(c, "entityName and indexName are required");
    it.entity = entity;
    if (kvs_entity_check_name(c, &it, entity))
        return kvs_item_fail(c, &it);
    const char *range;
    json_t *pattrs;
    if (find_index(c, entity, index, &range, &pattrs))
        return kvs_fail(c, 400, "INVALID_ENTITY_INDEX", "The entity has no index of that name in the manifest.");
    int64_t limit;
    if (kvs_parse_limit(c, body, &limit, "COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE"))
        return -1;
    json_t *pvals = json_object_get(body, "partition");
    size_t np = json_array_size(pattrs);
    if (np != (json_is_array(pvals) ? json_array_size(pvals) : 0))
        return kvs_fail(c, 400, "INVALID_PARTITION_VALUE",
                        "Give one partition value per partition attribute of the index.");
    kvs_cond_t rk = {.op = KVS_C__COUNT}, filt[32];
    json_t *rj = json_object_get(body, "range");
    if (rj && !json_is_null(rj) && kvs_cond_parse(c, rj, KVS_C_RANGE, 0, &rk))
        return -1;
    json_t *fj = json_object_get(body, "filters"), *flist = NULL;
    int f_or = 0;
    size_t nf = 0;
    if (fj && !json_is_null(fj)) {
        flist = json_object_get(fj, "and");
        if (!flist && (flist = json_object_get(fj, "or")))
            f_or = 1;
        if (!json_is_array(flist) || json_array_size(flist) == 0)
            return kvs_fail(c, 400, "EMPTY_FILTER_OPERATOR", "filters holds a non-empty \"and\" or \"or\" list.");
        if (json_array_size(flist) > sizeof filt / sizeof *filt)
            return kvs_bad_request(c, "at most 32 filters");
        for (nf = 0; nf < json_array_size(flist); nf++)
            if (kvs_cond_parse(c, json_array_get(flist, nf), ~0u, 1, &filt[nf]))
                return -1;
    }
    const char *sort = json_str(body, "sort");
    if (sort && strcmp(sort, "ASC") != 0 && strcmp(sort, "DESC") != 0)
        return kvs_bad_request(c, "sort must be ASC or DESC");
    json_t *cur = NULL;
    const char *cs = json_str(body, "cursor");
    if (cs && !(cur = kvs_cursor_read(c, cs)))
        return kvs_bad_request(c, "The cursor is not valid.");

    /* Scan the entity's items of this installation in key order (docs/kvs.md). */
    size_t cap = 64, nm = 0;
    match_t *m = arena_alloc(c->a, cap * sizeof *m);
    const char *after = NULL;
    for (;;) {
        kvs_rec_t *rows;
        size_t n;
        if (store_kvs_list(c->st, c->a, &c->own, KVS_KIND_ENTITY, entity, NULL, NULL, after, ENTITY_SCAN_PAGE, c->now,
                           &rows, &n) != STORE_OK)
            return kvs_store_error(c);
        for (size_t i = 0; i < n; i++) {
            json_err_t e;
            json_t *doc = json_parse_arena(c->a, rows[i].value, rows[i].value_len, KVS_BODY_PARSE_DEPTH, &e);
            json_t *rv = json_object_get(doc, range);
            int ok = rv && !json_is_null(rv);
            for (size_t p = 0; ok && p < np; p++) {
                json_t *pv = json_object_get(doc, json_string_value(json_array_get(pattrs, p)));
                kvs_cond_t eq = {.op = KVS_C_EQ, .v1 = json_array_get(pvals, p)};
                ok = kvs_cond_holds(&eq, pv);
            }
            if (ok && rk.op != KVS_C__COUNT)
                ok = kvs_cond_holds(&rk, rv);
            if (ok && nf) {
                int any = 0, all = 1;
                for (size_t f = 0; f < nf; f++) {
                    int h = kvs_cond_holds(&filt[f], json_object_get(doc, filt[f].property));
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
                    return kvs_fail(c, 413, "QUERY_TOO_LARGE",
                                    "The query matches more items than kiln can sort at once.");
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
    kvs_writer(c, &b, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    size_t end = start + (size_t)limit < nm ? start + (size_t)limit : nm;
    for (size_t i = start; i < end; i++)
        kvs_write_listed(&w, &m[i].r, kvs_meta_fields(body, "options", "metadataFields"));
    jw_arr_end(&w);
    if (end < nm)
        jw_kstr(&w, "cursor", kvs_cursor_make(c, m[end - 1].sort, m[end - 1].r.key));
    jw_obj_end(&w);
    return kvs_send(c, 200, &b, &w);
}
