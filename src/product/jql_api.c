/* The JQL reference operations (product/jql_api.h): POST /jql/parse and GET|POST
 * /jql/autocompletedata. */
#include "product/jql_api.h"

#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "http/reply.h"
#include "product/jql.h"
#include "product/jql_eval.h"
#include "product/model.h"
#include "product/perm.h"
#include "product/search.h"
#include "store/store_agile.h"
#include "store/store_fields.h"
#include "store/store_product.h"
#include "store/store_roles.h"

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

/* ---- GET /jql/autocompletedata/suggestions: the values of one field ----
 * One table row per field: what it suggests, filtered by a case-insensitive prefix of
 * fieldValue (or predicateValue), at most SUG_MAX. A user sees only the labels and
 * sprints of projects it may browse (the same rule as the searches); assignee, reporter,
 * creator and the by predicate suggest the site's users; an unknown field answers no
 * results, as Jira does. */

#define SUG_MAX 15        /* Jira's number of suggestions */
#define SUG_MAX_VALUE 255 /* the longest fieldValue / predicateValue */

typedef struct sug {
    kreq_t *kr;
    jsonw_t *w;
    const char *prefix;
    size_t plen, n;
} sug_t;

static int sug_full(const sug_t *s)
{
    return s->n >= SUG_MAX;
}

static int sug_match(const sug_t *s, const char *v)
{
    return v && strncasecmp(v, s->prefix, s->plen) == 0;
}

/* The text HTML-escaped, its first plen characters in <b></b> as Jira marks the match. */
static void sug_bold(buf_t *b, const char *v, size_t plen)
{
    if (plen)
        buf_adds(b, "<b>");
    for (size_t i = 0; v[i]; i++) {
        if (plen && i == plen)
            buf_adds(b, "</b>");
        char c = v[i];
        buf_adds(b, c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : (char[]){c, 0});
    }
    if (plen && strlen(v) <= plen)
        buf_adds(b, "</b>");
}

/* One result: value, and displayName = the bolded text followed by suffix (or nothing). */
static void sug_add(sug_t *s, const char *value, const char *shown, const char *suffix)
{
    if (sug_full(s))
        return;
    buf_t b;
    buf_init_arena(&b, s->kr->arena, 4096);
    sug_bold(&b, shown, sug_match(s, shown) ? s->plen : 0);
    if (suffix)
        buf_adds(&b, suffix);
    jw_obj(s->w);
    jw_kstr(s->w, "value", value);
    jw_kstr(s->w, "displayName", b.len ? b.ptr : "");
    jw_obj_end(s->w);
    s->n++;
}

static int sug_labels(sug_t *s)
{
    const char **labels;
    size_t n = 0;
    int64_t total = 0;
    char roles[PERM_ROLES_JSON_MAX];
    const char *browse_roles = perm_roles_json("BROWSE_PROJECTS", roles);
    kreq_t *kr = s->kr;
    if (store_labels_list(kr->store, kr->arena, kr->site.id, perm_is_user(kr) ? kr->principal.account_id : NULL,
                          browse_roles, 0, 1000, &labels, &n, &total) != STORE_OK)
        return -1;
    for (size_t i = 0; i < n && !sug_full(s); i++)
        if (sug_match(s, labels[i]))
            sug_add(s, labels[i], labels[i], NULL);
    return 0;
}

static int sug_projects(sug_t *s)
{
    kreq_t *kr = s->kr;
    char roles[PERM_ROLES_JSON_MAX];
    project_filter_t f = {0};
    f.order = PROJECT_ORDER_NAME;
    f.max_results = 1000;
    f.viewer = perm_is_user(kr) ? kr->principal.account_id : NULL;
    f.viewer_roles = perm_roles_json("BROWSE_PROJECTS", roles);
    project_rec_t *ps;
    size_t n = 0;
    int64_t total = 0;
    if (store_project_search(kr->store, kr->arena, kr->site.id, &f, &ps, &n, &total) != STORE_OK)
        return -1;
    for (size_t i = 0; i < n && !sug_full(s); i++)
        if (sug_match(s, ps[i].name) || sug_match(s, ps[i].key))
            sug_add(s, ps[i].key, ps[i].name, arena_printf(kr->arena, " (%s)", ps[i].key));
    return 0;
}

static int sug_sprints(sug_t *s)
{
    kreq_t *kr = s->kr;
    board_rec_t *bs;
    size_t nb = 0;
    if (store_board_list(kr->store, kr->arena, kr->site.id, &bs, &nb) != STORE_OK)
        return -1;
    for (size_t i = 0; i < nb && !sug_full(s); i++) {
        if (!perm_allows(kr, bs[i].project_id, "BROWSE_PROJECTS"))
            continue;
        sprint_rec_t *sp;
        size_t ns = 0;
        if (store_sprint_list(kr->store, kr->arena, kr->site.id, bs[i].id, &sp, &ns) != STORE_OK)
            return -1;
        for (size_t k = 0; k < ns && !sug_full(s); k++)
            if (sug_match(s, sp[k].name))
                sug_add(s, arena_printf(kr->arena, "%lld", (long long)sp[k].id), sp[k].name,
                        arena_printf(kr->arena, " (%s)", bs[i].name));
    }
    return 0;
}

/* The site's users (every user of a site sees them, as GET /users/search): value the
 * account id; a display name, a word of it or an email starting with the prefix matches. */
static int sug_users(sug_t *s)
{
    kreq_t *kr = s->kr;
    char *q = arena_strndup(kr->arena, s->prefix, s->plen);
    for (char *c = q; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    user_filter_t f = {.query = s->plen ? q : NULL, .max_results = SUG_MAX};
    user_rec_t *us;
    size_t n = 0;
    int64_t total = 0;
    if (store_user_search(kr->store, kr->arena, kr->site.id, &f, &us, &n, &total) != STORE_OK)
        return -1;
    for (size_t i = 0; i < n && !sug_full(s); i++)
        sug_add(s, us[i].account_id, us[i].display_name, NULL);
    return 0;
}

/* The fields every site shares (product/model.h): each a table of named records. */
#define SUG_MODEL(fn, arr, type)                                                                                       \
    static int fn(sug_t *s)                                                                                            \
    {                                                                                                                  \
        for (size_t i = 0; i < arr##_len && !sug_full(s); i++)                                                         \
            if (sug_match(s, arr[i].name))                                                                             \
                sug_add(s, arr[i].name, arr[i].name, NULL);                                                            \
        return 0;                                                                                                      \
    }
SUG_MODEL(sug_statuses, model_statuses, status_def_t)
SUG_MODEL(sug_priorities, model_priorities, priority_def_t)
SUG_MODEL(sug_resolutions, model_resolutions, resolution_def_t)
SUG_MODEL(sug_issuetypes, model_issue_types, issue_type_t)

static const struct {
    const char *field;
    int (*fn)(sug_t *s);
} sug_fields[] = {
    {"labels", sug_labels},        {"project", sug_projects},    {"sprint", sug_sprints},
    {"status", sug_statuses},      {"priority", sug_priorities}, {"resolution", sug_resolutions},
    {"issuetype", sug_issuetypes}, {"type", sug_issuetypes},     {"assignee", sug_users},
    {"reporter", sug_users},       {"creator", sug_users},
};

void jql_suggestions(kreq_t *kr)
{
    int bad = 0;
    const char *field = kreq_query(kr, "fieldName", &bad);
    const char *value = kreq_query(kr, "fieldValue", &bad);
    const char *pred = kreq_query(kr, "predicateName", &bad);
    const char *pvalue = kreq_query(kr, "predicateValue", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "fieldName, fieldValue, predicateName and predicateValue must be well-formed.");
        return;
    }
    if (pred && strcmp(pred, "by") != 0 && strcmp(pred, "from") != 0 && strcmp(pred, "to") != 0) {
        reply_error(kr, 400, 1, "predicateName must be one of by, from or to.");
        return;
    }
    const char *prefix = pred ? pvalue : value;
    if (!prefix)
        prefix = "";
    if (strlen(prefix) > SUG_MAX_VALUE || (field && strlen(field) > SUG_MAX_VALUE)) {
        reply_error(kr, 400, 1, "fieldName, fieldValue and predicateValue are at most 255 characters.");
        return;
    }
    sug_t s = {.kr = kr, .prefix = prefix, .plen = strlen(prefix)};
    s.w = reply_writer_new(kr);
    jw_obj(s.w);
    jw_key(s.w, "results");
    jw_arr(s.w);
    /* the by predicate names users, whatever the field */
    int (*fn)(sug_t *) = field && pred && strcmp(pred, "by") == 0 ? sug_users : NULL;
    for (size_t i = 0; field && !fn && i < sizeof sug_fields / sizeof sug_fields[0]; i++)
        if (strcasecmp(field, sug_fields[i].field) == 0)
            fn = sug_fields[i].fn;
    if (fn && fn(&s) != 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jw_arr_end(s.w);
    jw_obj_end(s.w);
    reply_writer(kr, 200, s.w);
}
