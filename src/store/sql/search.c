/* The store's search family (store/store_search.h) over the neutral statement layer (sql/db.h): a search tree compiled
 * into one parameterised statement (?1 is the site), prepared per search. Every table
 * is read inside the site (site_id = ?1 in every subquery); relations are uncorrelated
 * `i.id IN (SELECT issue_id ...)` subqueries, which SQLite runs once through their
 * indexes. Text search calls kiln_words(text, adf, query), base/wordmatch.h registered on
 * each SQLite connection (sqlite/words.c). A search runs under a time budget
 * (db_step_until: SQLite enforces it with a progress handler). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "store/sql/families.h"
#include "store/store_search.h"

#define SEARCH_MAX_SQL (1u << 20)
#define SEARCH_MAX_BINDS 32768u /* SQLite's default maximum of ?NNN */

static const char *const col_sql[SS_C__COUNT] = {
    [SS_C_ID] = "i.id",
    [SS_C_PROJECT] = "i.project_id",
    [SS_C_NUM] = "i.num",
    [SS_C_ISSUETYPE] = "i.issuetype_id",
    [SS_C_STATUS] = "i.status_id",
    [SS_C_PRIORITY] = "i.priority_id",
    [SS_C_RESOLUTION] = "i.resolution_id",
    [SS_C_ASSIGNEE] = "i.assignee_account_id",
    [SS_C_REPORTER] = "i.reporter_account_id",
    [SS_C_CREATOR] = "i.creator_account_id",
    [SS_C_PARENT] = "i.parent_id",
    [SS_C_DUEDATE] = "i.duedate",
    [SS_C_CREATED] = "i.created_ms",
    [SS_C_UPDATED] = "i.updated_ms",
    [SS_C_RESOLVED] = "i.resolved_ms",
    [SS_C_RANK] = "i.rank",
    [SS_C_SUMMARY] = "i.summary",
    [SS_C_DESCRIPTION] = "i.description_json",
    [SS_C_ENVIRONMENT] = "i.environment_json",
    [SS_C_PROJECT_KEY] = "(SELECT p.key FROM projects p WHERE p.site_id = ?1 AND p.id = i.project_id)",
    [SS_C_ASSIGNEE_NAME] = "(SELECT u.display_name FROM users u WHERE u.site_id = ?1 AND "
                           "u.account_id = i.assignee_account_id)",
    [SS_C_REPORTER_NAME] = "(SELECT u.display_name FROM users u WHERE u.site_id = ?1 AND "
                           "u.account_id = i.reporter_account_id)",
    [SS_C_CREATOR_NAME] = "(SELECT u.display_name FROM users u WHERE u.site_id = ?1 AND "
                          "u.account_id = i.creator_account_id)",
    [SS_C_ORIGINAL_ESTIMATE] = "i.original_estimate_s",
    [SS_C_REMAINING_ESTIMATE] = "i.remaining_estimate_s",
    [SS_C_TIME_SPENT] = "i.time_spent_s",
    /* Jira's workRatio: truncated to a whole percent; no (or a zero) original estimate: none */
    [SS_C_WORK_RATIO] = "(CASE WHEN i.original_estimate_s > 0 THEN coalesce(i.time_spent_s, 0) * 100 / "
                        "i.original_estimate_s END)",
};
/* The columns that are never NULL (no NULLS LAST needed to sort them). */
static const unsigned char col_not_null[SS_C__COUNT] = {
    [SS_C_ID] = 1,      [SS_C_PROJECT] = 1,  [SS_C_NUM] = 1,     [SS_C_ISSUETYPE] = 1,
    [SS_C_STATUS] = 1,  [SS_C_PRIORITY] = 1, [SS_C_CREATOR] = 1, [SS_C_CREATED] = 1,
    [SS_C_UPDATED] = 1, [SS_C_RANK] = 1,     [SS_C_SUMMARY] = 1, [SS_C_PROJECT_KEY] = 1,
};

/* Each relation: its rows (FROM ... WHERE, the issue id as `r.issue_id`) and its value. */
static const struct rel_sql {
    const char *from, *value;
} rel_sql[SS_R__COUNT] = {
    [SS_R_LABEL] = {"issue_labels r WHERE r.site_id = ?1", "r.label"},
    [SS_R_COMPONENT] = {"issue_components r WHERE r.site_id = ?1", "r.component_id"},
    [SS_R_FIXVERSION] = {"issue_versions r WHERE r.site_id = ?1 AND r.kind = 0", "r.version_id"},
    [SS_R_AFFECTEDVERSION] = {"issue_versions r WHERE r.site_id = ?1 AND r.kind = 1", "r.version_id"},
    [SS_R_SPRINT] = {"issue_sprints r WHERE r.site_id = ?1", "r.sprint_id"},
    [SS_R_SPRINT_STATE] = {"issue_sprints r JOIN sprints s ON s.site_id = r.site_id AND s.id = r.sprint_id "
                           "WHERE r.site_id = ?1",
                           "s.state"},
    [SS_R_CF_STR] = {"field_values r WHERE r.site_id = ?1 AND r.field_id = ", "r.str"},
    [SS_R_CF_NUM] = {"field_values r WHERE r.site_id = ?1 AND r.field_id = ", "r.num"},
};

static const char *const op_sql[] = {
    [SS_EQ] = " = ", [SS_NE] = " != ", [SS_LT] = " < ", [SS_LE] = " <= ", [SS_GT] = " > ", [SS_GE] = " >= ",
};

typedef struct cc {
    buf_t b;
    buf_t ctes; /* the WITH list: subtrees compiled apart (see cte) */
    int ncte;
    arena_t *a;
    ss_val_t *binds;
    size_t nbinds, cap;
    int bad;
    enum db_dialect dialect;
} cc_t;

/* SQLite's parser holds a parenthesised expression on a stack of 100 entries (about 30
 * nested levels of AND/OR); JQL nests 32. An AND/OR this deep is compiled apart, as a
 * common table expression parsed at the top of the statement, and referred to by name. */
#define SPLIT_DEPTH 8
#define SEARCH_MAX_CTES 256

static void put(cc_t *c, const char *s)
{
    if (buf_adds(&c->b, s) != 0)
        c->bad = 1;
}

/* Appends a parameter bound to v. */
static void bind(cc_t *c, const ss_val_t *v)
{
    if (c->nbinds == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        ss_val_t *nb = cap <= SEARCH_MAX_BINDS ? arena_alloc(c->a, cap * sizeof *nb) : NULL;
        if (!nb) {
            c->bad = 1;
            return;
        }
        if (c->nbinds)
            memcpy(nb, c->binds, c->nbinds * sizeof *nb);
        c->binds = nb;
        c->cap = cap;
    }
    c->binds[c->nbinds++] = *v;
    if (buf_printf(&c->b, "?%zu", c->nbinds + 1) != 0)
        c->bad = 1;
}

static void bind_text(cc_t *c, const char *s)
{
    ss_val_t v = {1, 0, s};
    bind(c, &v);
}

/* `expr IN (vals)`, or `expr = val`; NULL text values become `expr IS NULL`. */
static void in_list(cc_t *c, const char *expr, const ss_val_t *v, size_t n)
{
    size_t nulls = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        nulls += v[i].is_text == 1 && !v[i].s;
    put(c, "(");
    if (n > nulls) {
        put(c, expr);
        put(c, n - nulls == 1 ? " = " : " IN (");
        for (size_t i = 0; i < n; i++) {
            if (v[i].is_text == 1 && !v[i].s)
                continue;
            if (k++)
                put(c, ", ");
            bind(c, &v[i]);
        }
        if (n - nulls > 1)
            put(c, ")");
    }
    if (nulls) {
        put(c, n > nulls ? " OR " : "");
        put(c, expr);
        put(c, " IS NULL");
    }
    if (n == 0)
        put(c, "FALSE");
    put(c, ")");
}

static void node(cc_t *c, const ss_node_t *x, int depth);

static void col_clause(cc_t *c, const ss_node_t *x)
{
    const char *col = col_sql[x->col];
    switch (x->op) {
    case SS_NULL:
    case SS_NOT_NULL:
        put(c, "(");
        put(c, col);
        put(c, x->op == SS_NULL ? " IS NULL)" : " IS NOT NULL)");
        return;
    case SS_IN: in_list(c, col, x->vals, x->nvals); return;
    case SS_NOT_IN: /* Jira: NOT IN never matches an empty field */
        put(c, "(");
        put(c, col);
        put(c, " IS NOT NULL AND NOT ");
        in_list(c, col, x->vals, x->nvals);
        put(c, ")");
        return;
    default:
        if (x->nvals != 1) {
            c->bad = 1;
            return;
        }
        put(c, "(");
        put(c, col);
        put(c, op_sql[x->op]);
        bind(c, &x->vals[0]);
        put(c, ")");
    }
}

static void rel_from(cc_t *c, const ss_node_t *x)
{
    put(c, "i.id IN (SELECT r.issue_id FROM ");
    put(c, rel_sql[x->col].from);
    if (x->col == SS_R_CF_STR || x->col == SS_R_CF_NUM)
        bind_text(c, x->field_id ? x->field_id : "");
}

static void rel_clause(cc_t *c, const ss_node_t *x)
{
    const char *val = rel_sql[x->col].value;
    switch (x->op) {
    case SS_NULL:
        put(c, "(NOT ");
        rel_from(c, x);
        put(c, "))");
        return;
    case SS_NOT_NULL:
        put(c, "(");
        rel_from(c, x);
        put(c, "))");
        return;
    case SS_EQ:
    case SS_IN:
        put(c, "(");
        rel_from(c, x);
        put(c, " AND ");
        in_list(c, val, x->vals, x->nvals);
        put(c, "))");
        return;
    case SS_NE:
    case SS_NOT_IN: /* has values, none of them one of vals */
        put(c, "(");
        rel_from(c, x);
        put(c, ") AND NOT ");
        rel_from(c, x);
        put(c, " AND ");
        in_list(c, val, x->vals, x->nvals);
        put(c, "))");
        return;
    default:
        if (x->nvals != 1) {
            c->bad = 1;
            return;
        }
        put(c, "(");
        rel_from(c, x);
        put(c, " AND ");
        put(c, val);
        put(c, op_sql[x->op]);
        bind(c, &x->vals[0]);
        put(c, "))");
    }
}

static void text_clause(cc_t *c, const ss_node_t *x)
{
    static const struct {
        unsigned bit;
        const char *pre;
    } cols[] = {
        {SS_T_SUMMARY, "kiln_words(i.summary, 0, "},
        {SS_T_DESCRIPTION, "kiln_words(i.description_json, 1, "},
        {SS_T_ENVIRONMENT, "kiln_words(i.environment_json, 1, "},
        {SS_T_COMMENT, "i.id IN (SELECT cm.issue_id FROM comments cm WHERE cm.site_id = ?1 AND "
                       "kiln_words(cm.body_json, 1, "},
        {SS_T_CF, "i.id IN (SELECT r.issue_id FROM field_values r WHERE r.site_id = ?1 AND r.field_id = "},
        {SS_T_CF_ADF, "i.id IN (SELECT r.issue_id FROM field_values r WHERE r.site_id = ?1 AND r.field_id = "},
    };
    int k = 0;
    put(c, "(");
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        if (!(x->text & cols[i].bit))
            continue;
        put(c, k++ ? " OR " : "");
        put(c, cols[i].pre);
        if (cols[i].bit == SS_T_CF || cols[i].bit == SS_T_CF_ADF) {
            bind_text(c, x->field_id ? x->field_id : "");
            put(c, cols[i].bit == SS_T_CF ? " AND kiln_words(r.str, 0, " : " AND kiln_words(r.str, 1, ");
        }
        bind_text(c, x->pattern);
        put(c, cols[i].bit >= SS_T_COMMENT ? "))" : ")");
    }
    put(c, k ? ")" : "FALSE)");
}

/* The changes of field x->hist_field: `FROM ... WHERE ...` with cg the group, ci the item. */
static void changes_of(cc_t *c, const ss_node_t *x, const char *g, const char *it)
{
    if (buf_printf(&c->b,
                   " FROM changeitems %s JOIN changegroups %s ON %s.site_id = %s.site_id AND %s.id = %s.group_id "
                   "WHERE %s.site_id = ?1 AND %s.field = ",
                   it, g, g, it, g, it, it, it) != 0)
        c->bad = 1;
    bind_text(c, x->hist_field);
}

/* f WAS v with a time or an author (Jira: v was the field's value at some moment of the
 * period; BY: the user set it): each value a change set is held until the field's next
 * change (or now); the value the issue was created with until its first change; a value
 * never changed since creation. The period [after_ms, before_ms) meets a holding
 * [start, end) when start < before_ms and end > after_ms. */
static void was_held(cc_t *c, const ss_node_t *x)
{
    ss_val_t a = {0, x->after_ms, NULL, 0}, b = {0, x->before_ms, NULL, 0};
    /* set by a change, held until the next one */
    put(c, "(i.id IN (SELECT cg.issue_id");
    changes_of(c, x, "cg", "ci");
    put(c, " AND ");
    in_list(c, "ci.to_id", x->vals, x->nvals);
    if (x->by) {
        put(c, " AND cg.author_account_id = ");
        bind_text(c, x->by);
    }
    if (x->before_ms) {
        put(c, " AND cg.created_ms < ");
        bind(c, &b);
    }
    if (x->after_ms) {
        put(c, " AND coalesce((SELECT g2.created_ms");
        changes_of(c, x, "g2", "i2");
        put(c, " AND g2.issue_id = cg.issue_id AND g2.id > cg.id ORDER BY g2.id LIMIT 1), 9223372036854775807) > ");
        bind(c, &a);
    }
    put(c, ")");
    if (!x->by) {
        /* created with it, held until the first change */
        put(c, " OR (i.id IN (SELECT cg.issue_id");
        changes_of(c, x, "cg", "ci");
        put(c, " AND ");
        in_list(c, "ci.from_id", x->vals, x->nvals);
        put(c, " AND NOT EXISTS (SELECT 1");
        changes_of(c, x, "g2", "i2");
        put(c, " AND g2.issue_id = cg.issue_id AND g2.id < cg.id)");
        if (x->after_ms) {
            put(c, " AND cg.created_ms > ");
            bind(c, &a);
        }
        put(c, ")");
        if (x->before_ms) {
            put(c, " AND i.created_ms < ");
            bind(c, &b);
        }
        put(c, ")");
        if (x->col >= 0) { /* never changed: held since creation */
            put(c, " OR (");
            in_list(c, col_sql[x->col], x->vals, x->nvals);
            put(c, " AND i.id NOT IN (SELECT cg.issue_id");
            changes_of(c, x, "cg", "ci");
            put(c, ")");
            if (x->before_ms) {
                put(c, " AND i.created_ms < ");
                bind(c, &b);
            }
            put(c, ")");
        }
    }
    put(c, ")");
}

static void hist_clause(cc_t *c, const ss_node_t *x)
{
    int preds = x->by || x->after_ms || x->before_ms;
    if (!x->changed && preds && x->hist_field) {
        was_held(c, x);
        return;
    }
    put(c, "(");
    if (!x->changed && !preds && x->col >= 0) { /* the value it has now */
        in_list(c, col_sql[x->col], x->vals, x->nvals);
        put(c, " OR ");
    }
    if (!x->hist_field) { /* any change: the change groups alone */
        put(c, "i.id IN (SELECT cg.issue_id FROM changegroups cg WHERE cg.site_id = ?1");
    } else {
        put(c, "i.id IN (SELECT cg.issue_id FROM changeitems ci JOIN changegroups cg ON cg.site_id = ci.site_id AND "
               "cg.id = ci.group_id WHERE ci.site_id = ?1 AND ci.field = ");
        bind_text(c, x->hist_field);
    }
    if (!x->hist_field) {
        /* no items to match */
    } else if (x->changed) {
        if (x->nfrom) {
            put(c, " AND ");
            in_list(c, "ci.from_id", x->from, x->nfrom);
        }
        if (x->nto) {
            put(c, " AND ");
            in_list(c, "ci.to_id", x->to, x->nto);
        }
    } else {
        put(c, " AND (");
        in_list(c, "ci.to_id", x->vals, x->nvals);
        if (!preds) {
            put(c, " OR ");
            in_list(c, "ci.from_id", x->vals, x->nvals);
        }
        put(c, ")");
    }
    if (x->by) {
        put(c, " AND cg.author_account_id = ");
        bind_text(c, x->by);
    }
    ss_val_t t = {0, 0, NULL};
    if (x->after_ms) {
        t.i = x->after_ms;
        put(c, " AND cg.created_ms >= ");
        bind(c, &t);
    }
    if (x->before_ms) {
        t.i = x->before_ms;
        put(c, " AND cg.created_ms < ");
        bind(c, &t);
    }
    put(c, "))");
}

/* Compiles x as `cN(id) AS (SELECT i.id FROM issues i WHERE <x>)` into the WITH list
 * (after the subtrees it splits off itself, which it refers to) and writes `i.id IN cN`. */
static void cte(cc_t *c, const ss_node_t *x)
{
    if (c->ncte >= SEARCH_MAX_CTES) {
        c->bad = 1;
        return;
    }
    int k = c->ncte++;
    buf_t outer = c->b;
    buf_init_arena(&c->b, c->a, SEARCH_MAX_SQL);
    if (buf_printf(&c->b, "c%d(id) AS (SELECT i.id FROM issues i WHERE i.site_id = ?1 AND ", k) != 0)
        c->bad = 1;
    node(c, x, 0); /* the tree is finite: its own depth bounds the recursion */
    put(c, ")");
    buf_t body = c->b;
    c->b = outer;
    if ((c->ctes.len && buf_adds(&c->ctes, ", ") != 0) || buf_add(&c->ctes, body.ptr, body.len) != 0 ||
        buf_printf(&c->b, "(i.id IN (SELECT id FROM c%d))", k) != 0)
        c->bad = 1;
}

/* depth: the nesting inside the statement or the CTE being written. */
static void node(cc_t *c, const ss_node_t *x, int depth)
{
    if (c->bad || depth > 64) {
        c->bad = 1;
        return;
    }
    switch (x->kind) {
    case SS_AND:
    case SS_OR:
        if (depth >= SPLIT_DEPTH) {
            cte(c, x);
            return;
        }
        put(c, "(");
        for (size_t i = 0; i < x->n; i++) {
            if (i)
                put(c, x->kind == SS_AND ? " AND " : " OR ");
            node(c, x->kids[i], depth + 1);
        }
        put(c, x->n ? ")" : x->kind == SS_AND ? "TRUE)" : "FALSE)");
        return;
    case SS_NOT:
        put(c, "(NOT coalesce(");
        node(c, x->kids[0], depth + 1);
        put(c, ", FALSE))");
        return;
    case SS_TRUE: put(c, "TRUE"); return;
    case SS_FALSE: put(c, "FALSE"); return;
    case SS_COL:
        if (x->col < 0 || x->col >= SS_C__COUNT)
            c->bad = 1;
        else
            col_clause(c, x);
        return;
    case SS_REL:
        if (x->col < 0 || x->col >= SS_R__COUNT)
            c->bad = 1;
        else
            rel_clause(c, x);
        return;
    case SS_TEXT: text_clause(c, x); return;
    case SS_HIST: hist_clause(c, x); return;
    }
    c->bad = 1;
}

static void where(cc_t *c, const ss_query_t *q)
{
    put(c, " FROM issues i WHERE i.site_id = ?1");
    if (q->restricted) {
        ss_val_t *v = arena_alloc(c->a, (q->nprojects ? q->nprojects : 1) * sizeof *v);
        if (!v) {
            c->bad = 1;
            return;
        }
        for (size_t i = 0; i < q->nprojects; i++)
            v[i] = (ss_val_t){0, q->projects[i], NULL};
        put(c, " AND ");
        in_list(c, "i.project_id", v, q->nprojects);
    }
    if (q->where) {
        put(c, " AND ");
        node(c, q->where, 0);
    }
}

/* A sort on a custom field: expr of the issue's first value of it. */
static void cf_value(cc_t *c, const ss_sort_t *s, const char *expr)
{
    put(c, "(SELECT ");
    put(c, expr);
    put(c, " FROM field_values r WHERE r.site_id = ?1 AND r.issue_id = i.id AND r.field_id = ");
    bind_text(c, s->field_id ? s->field_id : "");
    put(c, " AND r.seq = 0)");
}

static void order(cc_t *c, const ss_query_t *q)
{
    put(c, " ORDER BY ");
    int last_desc = 0;
    for (size_t i = 0; i < q->norder; i++) {
        const ss_sort_t *s = &q->order[i];
        if (s->col == -1 && c->dialect == DB_POSTGRES) {
            /* no value of two types: numbers first (0), then text (1), each by its own column */
            cf_value(c, s, "CASE WHEN r.num IS NOT NULL THEN 0 WHEN r.str IS NOT NULL THEN 1 END");
            put(c, s->desc ? " DESC NULLS LAST, " : " NULLS LAST, ");
            cf_value(c, s, "r.num");
            put(c, s->desc ? " DESC NULLS LAST, " : " NULLS LAST, ");
            cf_value(c, s, "CASE WHEN r.num IS NULL THEN r.str END");
        } else if (s->col == -1) { /* SQLite orders numbers before text */
            cf_value(c, s, "coalesce(r.num, r.str)");
        } else if (s->col >= 0 && s->col < SS_C__COUNT) {
            put(c, col_sql[s->col]);
        } else {
            c->bad = 1;
            return;
        }
        put(c, s->desc ? " DESC" : "");
        if (s->col == -1 || !col_not_null[s->col])
            put(c, " NULLS LAST");
        put(c, ", ");
        if (s->col == SS_C_PROJECT_KEY) { /* ORDER BY key: the project, then the number */
            put(c, "i.num");
            put(c, s->desc ? " DESC, " : ", ");
        }
        last_desc = s->desc;
    }
    put(c, last_desc ? "i.id DESC" : "i.id");
}

/* Prepares q's statement (kind 0: the page, 1: the count, 2: its plan). */
static int prepare(store_t *st, arena_t *a, int64_t site, const ss_query_t *q, int kind, db_stmt_t **out)
{
    cc_t c = {.a = a, .dialect = db_dialect(st)};
    buf_init_arena(&c.b, a, SEARCH_MAX_SQL);
    buf_init_arena(&c.ctes, a, SEARCH_MAX_SQL);
    put(&c, kind == 1 ? "SELECT count(*)"
                      : "SELECT " DB_ISSUE_COLS ", (SELECT p.key FROM projects p WHERE "
                        "p.site_id = ?1 AND p.id = i.project_id)");
    where(&c, q);
    if (kind != 1) {
        order(&c, q);
        ss_val_t lim = {0, q->max, NULL, 0}, off = {0, q->start_at, NULL, 0};
        put(&c, " LIMIT ");
        bind(&c, &lim);
        put(&c, " OFFSET ");
        bind(&c, &off);
    }
    buf_t sql;
    buf_init_arena(&sql, a, 2 * SEARCH_MAX_SQL + 64);
    const char *explain = db_dialect(st) == DB_SQLITE ? "EXPLAIN QUERY PLAN " : "EXPLAIN ";
    if (c.bad || (kind == 2 && buf_adds(&sql, explain) != 0) ||
        (c.ctes.len &&
         (buf_adds(&sql, "WITH ") != 0 || buf_add(&sql, c.ctes.ptr, c.ctes.len) != 0 || buf_adds(&sql, " ") != 0)) ||
        buf_add(&sql, c.b.ptr, c.b.len) != 0)
        return STORE_ERROR;
    if (!(*out = db_prepare(st, sql.ptr, sql.len)))
        return STORE_ERROR;
    db_bind_i64(*out, 1, site);
    for (size_t i = 0; i < c.nbinds; i++) {
        const ss_val_t *v = &c.binds[i];
        if (v->is_text == 1)
            db_bind_text(*out, (int)i + 2, v->s);
        else if (v->is_text == 2)
            db_bind_double(*out, (int)i + 2, v->f);
        else
            db_bind_i64(*out, (int)i + 2, v->i);
    }
    return STORE_OK;
}

/* Steps q with the query's budget: STORE_BUSY past it. */
static int step(store_t *st, db_stmt_t *q, const ss_query_t *sq)
{
    int64_t deadline = clock_now_ms() + (sq->budget_ms ? sq->budget_ms : 2000); /* < 0: already past */
    return db_step_until(q, deadline);
}

static int result(store_t *st, int rc)
{
    return db_rc(st, rc);
}

static int db_search_count(store_t *st, int64_t site, const ss_query_t *sq, int64_t *total)
{
    arena_t *a = arena_new(1 << 20);
    db_stmt_t *q = NULL;
    int rc = prepare(st, a, site, sq, 1, &q);
    if (rc == STORE_OK) {
        int r = step(st, q, sq);
        *total = r == DB_ROW ? db_col_i64(q, 0) : 0;
        rc = r == DB_ROW ? STORE_OK : result(st, r);
    }
    db_free(q);
    arena_free(a);
    return rc;
}

static int db_search(store_t *st, arena_t *a, int64_t site, const ss_query_t *sq, issue_rec_t **out, const char ***keys,
                     size_t *n, int64_t *total)
{
    *n = 0;
    *out = NULL;
    *keys = NULL;
    if (total) {
        int rc = db_search_count(st, site, sq, total);
        if (rc != STORE_OK)
            return rc;
    }
    db_stmt_t *q = NULL;
    int rc = prepare(st, a, site, sq, 0, &q);
    if (rc != STORE_OK)
        return rc;
    size_t cap = sq->max > 0 && sq->max < 5000 ? (size_t)sq->max : 5000;
    issue_rec_t *v = arena_alloc(a, (cap ? cap : 1) * sizeof *v);
    const char **k = arena_alloc(a, (cap ? cap : 1) * sizeof *k);
    if (!v || !k) { /* the caller's arena is full */
        db_free(q);
        return STORE_ERROR;
    }
    int r;
    while ((r = step(st, q, sq)) == DB_ROW && *n < cap) {
        db_read_issue(a, q, &v[*n]);
        k[*n] = db_col_str(a, q, DB_ISSUE_NCOLS);
        (*n)++;
    }
    rc = r == DB_ROW || r == DB_DONE ? STORE_OK : result(st, r);
    db_free(q);
    *out = v;
    *keys = k;
    if (rc != STORE_OK)
        *n = 0;
    return rc;
}

static int db_search_plan(store_t *st, arena_t *a, int64_t site, const ss_query_t *sq, const char **plan)
{
    db_stmt_t *q = NULL;
    int rc = prepare(st, a, site, sq, 2, &q);
    if (rc != STORE_OK)
        return rc;
    buf_t b;
    buf_init_arena(&b, a, 1 << 16);
    int r;
    while ((r = db_step(q)) == DB_ROW) {
        buf_adds(&b, db_col_str(a, q, db_dialect(st) == DB_SQLITE ? 3 : 0));
        buf_adds(&b, "\n");
    }
    db_free(q);
    *plan = b.len ? b.ptr : "";
    return r == DB_DONE ? STORE_OK : db_rc(st, r);
}

/* ---- lookups ---- */

static const char *const lookup_sql[SS_L__COUNT] = {
    [SS_L_COMPONENT] = "SELECT id, NULL FROM components WHERE site_id = ?1 AND lower(name) = lower(?2) "
                       "ORDER BY id LIMIT 64",
    [SS_L_VERSION] = "SELECT id, NULL FROM versions_jira WHERE site_id = ?1 AND lower(name) = lower(?2) "
                     "ORDER BY id LIMIT 64",
    [SS_L_SPRINT] = "SELECT id, NULL FROM sprints WHERE site_id = ?1 AND lower(name) = lower(?2) ORDER BY id LIMIT 64",
    [SS_L_USER] = "SELECT 0, account_id FROM users WHERE site_id = ?1 AND (account_id = ?2 OR lower(email) = "
                  "lower(?2) OR lower(display_name) = lower(?2)) ORDER BY account_id LIMIT 64",
    [SS_L_FIELD] = "SELECT 0, id FROM fields WHERE site_id = ?1 AND (lower(name) = lower(?2)) LIMIT 64",
    [SS_L_COMPONENT_ID] = "SELECT id, NULL FROM components WHERE site_id = ?1 AND id = CAST(?2 AS INTEGER)",
    [SS_L_VERSION_ID] = "SELECT id, NULL FROM versions_jira WHERE site_id = ?1 AND id = CAST(?2 AS INTEGER)",
    [SS_L_SPRINT_ID] = "SELECT id, NULL FROM sprints WHERE site_id = ?1 AND id = CAST(?2 AS INTEGER)",
};

/* PostgreSQL (docs/scale.md, "Dialect"): SQLite's lower() (DB_PG_LOWER), ids as bigint */
#define PG_NAME DB_PG_LOWER("name")
#define PG_ARG DB_PG_LOWER("?2")
#define PG_EMAIL DB_PG_LOWER("email")
#define PG_DISPLAY DB_PG_LOWER("display_name")
static const char *const lookup_pg[SS_L__COUNT] = {
    [SS_L_COMPONENT] = "SELECT id, NULL FROM components WHERE site_id = ?1 AND " PG_NAME " = " PG_ARG " "
                       "ORDER BY id LIMIT 64",
    [SS_L_VERSION] = "SELECT id, NULL FROM versions_jira WHERE site_id = ?1 AND " PG_NAME " = " PG_ARG " "
                     "ORDER BY id LIMIT 64",
    [SS_L_SPRINT] = "SELECT id, NULL FROM sprints WHERE site_id = ?1 AND " PG_NAME " = " PG_ARG " ORDER BY id LIMIT 64",
    [SS_L_USER] = "SELECT 0, account_id FROM users WHERE site_id = ?1 AND (account_id = ?2 OR " PG_EMAIL " = " PG_ARG
                  " OR " PG_DISPLAY " = " PG_ARG ") ORDER BY account_id LIMIT 64",
    [SS_L_FIELD] = "SELECT 0, id FROM fields WHERE site_id = ?1 AND (" PG_NAME " = " PG_ARG ") LIMIT 64",
    [SS_L_COMPONENT_ID] = "SELECT id, NULL FROM components WHERE site_id = ?1 AND id = CAST(?2 AS BIGINT)",
    [SS_L_VERSION_ID] = "SELECT id, NULL FROM versions_jira WHERE site_id = ?1 AND id = CAST(?2 AS BIGINT)",
    [SS_L_SPRINT_ID] = "SELECT id, NULL FROM sprints WHERE site_id = ?1 AND id = CAST(?2 AS BIGINT)",
};

static const db_sql_t statements = {DB_SEARCH, SS_L__COUNT, lookup_sql, lookup_pg};

static int db_search_lookup(store_t *st, arena_t *a, int64_t site, ss_lookup_t kind, const char *name, int64_t **ids,
                            const char ***names, size_t *n)
{
    *n = 0;
    if ((unsigned)kind >= SS_L__COUNT)
        return STORE_ERROR;
    db_stmt_t *q = db_stmt(st, &statements, kind);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, name);
    *ids = arena_alloc(a, 64 * sizeof **ids);
    *names = arena_alloc(a, 64 * sizeof **names);
    int r;
    while ((r = db_step(q)) == DB_ROW && *n < 64) {
        (*ids)[*n] = db_col_i64(q, 0);
        (*names)[*n] = db_col_str(a, q, 1);
        (*n)++;
    }
    int rc = r == DB_ROW || r == DB_DONE ? STORE_OK : db_rc(st, r);
    db_done(q);
    return rc;
}

const store_search_ops_t db_search_ops = {
    .search = db_search,
    .count = db_search_count,
    .plan = db_search_plan,
    .lookup = db_search_lookup,
};
