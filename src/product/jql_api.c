/* The JQL reference operations (product/jql_api.h): POST /jql/parse and GET|POST
 * /jql/autocompletedata. */
#include "product/jql_api.h"

#include <string.h>

#include "base/jsonw.h"
#include "http/reply.h"
#include "product/jql.h"
#include "product/jql_eval.h"
#include "product/search.h"
#include "store/store_fields.h"

#define JQL_MAX_PARSE 100 /* queries in one POST /jql/parse */

/* ---- POST /jql/parse: Jira's JqlQuery structure ---- */

static void w_operand(jsonw_t *w, const jql_value_t *v, int depth);

static void w_unit(jsonw_t *w, const jql_value_t *v)
{
    jw_obj(w);
    if (v->kind == JQL_V_EMPTY) {
        jw_kstr(w, "keyword", "empty");
    } else if (v->kind == JQL_V_FUNC) {
        jw_kstr(w, "function", v->str);
        jw_key(w, "arguments");
        jw_arr(w);
        for (size_t i = 0; i < v->n; i++)
            jw_strn(w, v->items[i]->str, v->items[i]->len);
        jw_arr_end(w);
    } else {
        jw_key(w, "value");
        jw_strn(w, v->str, v->len);
    }
    jw_obj_end(w);
}

static void w_operand(jsonw_t *w, const jql_value_t *v, int depth)
{
    if (v->kind != JQL_V_LIST) {
        w_unit(w, v);
        return;
    }
    jw_obj(w);
    jw_key(w, "values");
    jw_arr(w);
    for (size_t i = 0; i < v->n; i++)
        if (depth < 40)
            w_operand(w, v->items[i], depth + 1);
    jw_arr_end(w);
    jw_obj_end(w);
}

static void w_field(jsonw_t *w, const jql_field_t *f)
{
    jw_key(w, "field");
    jw_obj(w);
    jw_key(w, "name");
    jw_strn(w, f->name, f->len);
    jw_obj_end(w);
}

static void w_lower(jsonw_t *w, const char *s)
{
    char b[32];
    size_t i = 0;
    for (; s[i] && i < sizeof b - 1; i++)
        b[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    b[i] = '\0';
    jw_str(w, b);
}

static void w_clause(jsonw_t *w, const jql_node_t *x, int depth)
{
    jw_obj(w);
    if (x->kind != JQL_N_CLAUSE) {
        jw_key(w, "operator");
        jw_str(w, x->kind == JQL_N_AND ? "and" : x->kind == JQL_N_OR ? "or" : "not");
        jw_key(w, "clauses");
        jw_arr(w);
        for (size_t i = 0; i < x->n; i++)
            if (depth < 80)
                w_clause(w, x->kids[i], depth + 1);
        jw_arr_end(w);
        jw_obj_end(w);
        return;
    }
    w_field(w, &x->field);
    jw_key(w, "operator");
    w_lower(w, jql_op_name(x->op));
    if (x->value) {
        jw_key(w, "operand");
        w_operand(w, x->value, 0);
    }
    if (x->op >= JQL_OP_WAS) {
        jw_key(w, "predicates");
        jw_arr(w);
        for (size_t i = 0; i < x->npreds; i++) {
            jw_obj(w);
            jw_key(w, "operator");
            w_lower(w, jql_pred_name(x->preds[i].kind));
            jw_key(w, "operand");
            w_operand(w, x->preds[i].value, 0);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

void jql_parse_queries(kreq_t *kr)
{
    int bad = 0;
    const char *validation = kreq_query(kr, "validation", &bad);
    int mode = 0; /* strict: syntax and validation; 1 warn: the same, as errors; 2 none: syntax only */
    if (bad || (validation && strcmp(validation, "strict") != 0 && strcmp(validation, "warn") != 0 &&
                strcmp(validation, "none") != 0)) {
        reply_error(kr, 400, 1, "The value of validation must be one of strict, warn or none.");
        return;
    }
    if (validation && strcmp(validation, "none") == 0)
        mode = 2;
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *qs = json_object_get(body, "queries");
    if (!json_is_array(qs) || json_array_size(qs) == 0 || json_array_size(qs) > JQL_MAX_PARSE) {
        reply_error(kr, 400, 1, "queries must be a list of 1 to 100 JQL queries.");
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach(qs, i, it) if (!json_is_string(it))
    {
        reply_error(kr, 400, 1, "queries must be a list of 1 to 100 JQL queries.");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "queries");
    jw_arr(w);
    json_array_foreach(qs, i, it)
    {
        const char *s = json_string_value(it);
        jw_obj(w);
        jw_kstr(w, "query", s);
        jql_query_t *q;
        jql_error_t err;
        if (jql_parse(kr->arena, s, json_string_length(it), &q, &err) != JQL_OK) {
            jw_key(w, "errors");
            jw_arr(w);
            jw_str(w, err.msg);
            jw_arr_end(w);
            jw_obj_end(w);
            continue;
        }
        jw_key(w, "structure");
        jw_obj(w);
        if (q->where) {
            jw_key(w, "where");
            w_clause(w, q->where, 0);
        }
        if (q->norder) {
            jw_key(w, "orderBy");
            jw_obj(w);
            jw_key(w, "fields");
            jw_arr(w);
            for (size_t k = 0; k < q->norder; k++) {
                jw_obj(w);
                w_field(w, &q->order[k].field);
                if (q->order[k].dir)
                    jw_kstr(w, "direction", q->order[k].dir > 0 ? "asc" : "desc");
                jw_obj_end(w);
            }
            jw_arr_end(w);
            jw_obj_end(w);
        }
        jw_obj_end(w);
        if (mode != 2) {
            ss_query_t sq;
            jql_msgs_t msgs;
            jql_env_t env;
            search_env(kr, &env);
            int rc = jql_eval(kr->arena, &env, q, &sq, &msgs);
            if (rc == JQL_EVAL_INVALID) {
                jw_key(w, "errors");
                jw_arr(w);
                for (size_t k = 0; k < msgs.n; k++)
                    jw_str(w, msgs.msg[k]);
                jw_arr_end(w);
            }
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* ---- GET|POST /jql/autocompletedata: the fields, functions and reserved words ---- */

static void w_ops(jsonw_t *w, unsigned ops)
{
    jw_key(w, "operators");
    jw_arr(w);
    for (int op = 0; op < JQL_OP__COUNT; op++)
        if (ops & (1u << op))
            w_lower(w, jql_op_name((jql_op_t)op));
    jw_arr_end(w);
}

void jql_autocomplete(kreq_t *kr)
{
    if (kreq_method_is(kr, "POST") && !kreq_json_body(kr, 1))
        return;
    field_rec_t *cfs;
    size_t ncf;
    if (store_field_list(kr->store, kr->arena, kr->site.id, &cfs, &ncf) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "visibleFieldNames");
    jw_arr(w);
    for (int id = 0; id < JQL_F__COUNT; id++) {
        unsigned ops;
        int orderable;
        const char *type;
        if (jql_eval_field_info((jql_field_id_t)id, &ops, &orderable, &type) != 0)
            continue;
        const char *name = jql_field_name((jql_field_id_t)id);
        jw_obj(w);
        jw_kstr(w, "value", name);
        jw_kstr(w, "displayName", name);
        jw_kstr(w, "orderable", orderable ? "true" : "false");
        jw_kstr(w, "searchable", ops ? "true" : "false");
        w_ops(w, ops);
        jw_key(w, "types");
        jw_arr(w);
        jw_str(w, type);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    for (size_t i = 0; i < ncf; i++) {
        unsigned ops;
        const char *type;
        const char *num = strncmp(cfs[i].id, "customfield_", 12) == 0 ? cfs[i].id + 12 : cfs[i].id;
        if (jql_eval_custom_info(cfs[i].type, &ops, &type) != 0)
            continue;
        jw_obj(w);
        jw_kstr(w, "value", arena_printf(kr->arena, "cf[%s]", num));
        jw_kstr(w, "displayName", arena_printf(kr->arena, "%s - cf[%s]", cfs[i].name, num));
        jw_kstr(w, "orderable", "true");
        jw_kstr(w, "searchable", "true");
        jw_kstr(w, "cfid", arena_printf(kr->arena, "cf[%s]", num));
        w_ops(w, ops);
        jw_key(w, "types");
        jw_arr(w);
        jw_str(w, type);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "visibleFunctionNames");
    jw_arr(w);
    for (const jql_func_ref_t *f = jql_eval_functions; f->name; f++) {
        jw_obj(w);
        jw_kstr(w, "value", f->name);
        jw_kstr(w, "displayName", f->name);
        if (f->list)
            jw_kstr(w, "isList", "true");
        jw_key(w, "types");
        jw_arr(w);
        jw_str(w, f->type);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "jqlReservedWords");
    jw_arr(w);
    size_t nr;
    const char *const *rw = jql_reserved_words(&nr);
    for (size_t i = 0; i < nr; i++)
        jw_str(w, rw[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}
