/* The JQL evaluator (product/jql_eval.h): fields by a table of what each is (its kind,
 * the operators it takes, the store column or relation it lives in, the changelog field
 * of its history), values resolved by kind, NOT pushed down to the clauses (Jira's
 * semantics: `NOT a = x` is `a != x`, which never matches an empty field), ORDER BY with
 * Jira's defaults. */
#include "product/jql_eval.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/json.h"
#include "base/wordmatch.h"
#include "product/duration.h"
#include "product/model.h"
#include "store/store_fields.h"
#include "store/store_product.h"

/* What a field is. */
typedef enum {
    K_PROJECT,
    K_ISSUE, /* key, parent, "Epic Link": issue ids */
    K_ISSUETYPE,
    K_STATUS,
    K_CATEGORY,
    K_PRIORITY,
    K_RESOLUTION,
    K_USER,
    K_DATE,  /* instants: created, updated, resolved; datetime custom fields */
    K_DAY,   /* days: due; date custom fields */
    K_LABEL, /* text values */
    K_COMPONENT,
    K_VERSION,
    K_SPRINT,
    K_TEXT,     /* ~ only */
    K_NUMBER,   /* number custom fields, workRatio */
    K_DURATION, /* time tracking: Jira durations ("2d 4h"; a bare number is minutes) as seconds */
    K_OPTION,   /* select custom fields: option ids */
    K_NONE,     /* watcher: kiln keeps none */
} kind_t;

/* Operator sets. */
#define OP(o) (1u << (o))
#define O_EQ (OP(JQL_OP_EQ) | OP(JQL_OP_NE) | OP(JQL_OP_IN) | OP(JQL_OP_NOT_IN) | OP(JQL_OP_IS) | OP(JQL_OP_IS_NOT))
#define O_ORD (OP(JQL_OP_GT) | OP(JQL_OP_GE) | OP(JQL_OP_LT) | OP(JQL_OP_LE))
#define O_HIST (OP(JQL_OP_WAS) | OP(JQL_OP_WAS_NOT) | OP(JQL_OP_WAS_IN) | OP(JQL_OP_WAS_NOT_IN) | OP(JQL_OP_CHANGED))
#define O_LIKE (OP(JQL_OP_LIKE) | OP(JQL_OP_NOT_LIKE) | OP(JQL_OP_IS) | OP(JQL_OP_IS_NOT))

typedef struct fdef {
    kind_t kind;
    unsigned ops;
    int col;          /* ss_col_t for column kinds; ss_rel_t for relation kinds; -1 none */
    int rel;          /* 1: col is a relation */
    unsigned text;    /* K_TEXT: SS_T_* */
    const char *hist; /* the changelog's field name, for WAS/CHANGED */
    int sort;         /* ss_col_t to sort by, -1: cannot sort */
    int sort_desc;    /* Jira's default direction */
} fdef_t;

static const fdef_t sysf[JQL_F__COUNT] = {
    [JQL_F_PROJECT] = {K_PROJECT, O_EQ, SS_C_PROJECT, 0, 0, "project", SS_C_PROJECT_KEY, 0},
    [JQL_F_KEY] = {K_ISSUE, O_EQ | O_ORD, SS_C_ID, 0, 0, NULL, SS_C_PROJECT_KEY, 0},
    [JQL_F_ISSUETYPE] = {K_ISSUETYPE, O_EQ, SS_C_ISSUETYPE, 0, 0, "issuetype", SS_C_ISSUETYPE, 0},
    [JQL_F_STATUS] = {K_STATUS, O_EQ | O_HIST, SS_C_STATUS, 0, 0, "status", SS_C_STATUS, 0},
    [JQL_F_STATUSCATEGORY] = {K_CATEGORY, O_EQ, SS_C_STATUS, 0, 0, NULL, -1, 0},
    [JQL_F_ASSIGNEE] = {K_USER, O_EQ | O_HIST, SS_C_ASSIGNEE, 0, 0, "assignee", SS_C_ASSIGNEE_NAME, 0},
    [JQL_F_REPORTER] = {K_USER, O_EQ | O_HIST, SS_C_REPORTER, 0, 0, "reporter", SS_C_REPORTER_NAME, 0},
    [JQL_F_CREATOR] = {K_USER, O_EQ, SS_C_CREATOR, 0, 0, NULL, SS_C_CREATOR_NAME, 0},
    [JQL_F_PRIORITY] = {K_PRIORITY, O_EQ | O_ORD | O_HIST, SS_C_PRIORITY, 0, 0, "priority", SS_C_PRIORITY, 1},
    [JQL_F_LABELS] = {K_LABEL, O_EQ, SS_R_LABEL, 1, 0, NULL, -1, 0},
    [JQL_F_CREATED] = {K_DATE, O_EQ | O_ORD, SS_C_CREATED, 0, 0, NULL, SS_C_CREATED, 1},
    [JQL_F_UPDATED] = {K_DATE, O_EQ | O_ORD, SS_C_UPDATED, 0, 0, NULL, SS_C_UPDATED, 1},
    [JQL_F_RESOLUTION] = {K_RESOLUTION, O_EQ | O_ORD | O_HIST, SS_C_RESOLUTION, 0, 0, "resolution", SS_C_RESOLUTION, 0},
    [JQL_F_RESOLVED] = {K_DATE, O_EQ | O_ORD, SS_C_RESOLVED, 0, 0, NULL, SS_C_RESOLVED, 1},
    [JQL_F_DUE] = {K_DAY, O_EQ | O_ORD, SS_C_DUEDATE, 0, 0, NULL, SS_C_DUEDATE, 0},
    [JQL_F_SPRINT] = {K_SPRINT, O_EQ, SS_R_SPRINT, 1, 0, NULL, -1, 0},
    [JQL_F_PARENT] = {K_ISSUE, OP(JQL_OP_EQ) | OP(JQL_OP_NE) | OP(JQL_OP_IN) | OP(JQL_OP_NOT_IN), SS_C_PARENT, 0, 0,
                      NULL, SS_C_PARENT, 0},
    [JQL_F_TEXT] = {K_TEXT, OP(JQL_OP_LIKE), -1, 0, SS_T_SUMMARY | SS_T_DESCRIPTION | SS_T_ENVIRONMENT | SS_T_COMMENT,
                    NULL, -1, 0},
    [JQL_F_SUMMARY] = {K_TEXT, OP(JQL_OP_LIKE) | OP(JQL_OP_NOT_LIKE), -1, 0, SS_T_SUMMARY, NULL, SS_C_SUMMARY, 0},
    [JQL_F_DESCRIPTION] = {K_TEXT, O_LIKE, SS_C_DESCRIPTION, 0, SS_T_DESCRIPTION, NULL, -1, 0},
    [JQL_F_COMMENT] = {K_TEXT, OP(JQL_OP_LIKE) | OP(JQL_OP_NOT_LIKE), -1, 0, SS_T_COMMENT, NULL, -1, 0},
    [JQL_F_ENVIRONMENT] = {K_TEXT, O_LIKE, SS_C_ENVIRONMENT, 0, SS_T_ENVIRONMENT, NULL, -1, 0},
    [JQL_F_COMPONENT] = {K_COMPONENT, O_EQ, SS_R_COMPONENT, 1, 0, NULL, -1, 0},
    [JQL_F_FIXVERSION] = {K_VERSION, O_EQ, SS_R_FIXVERSION, 1, 0, NULL, -1, 0},
    [JQL_F_AFFECTEDVERSION] = {K_VERSION, O_EQ, SS_R_AFFECTEDVERSION, 1, 0, NULL, -1, 0},
    [JQL_F_WATCHER] = {K_NONE, O_EQ, -1, 0, 0, NULL, -1, 0},
    [JQL_F_EPICLINK] = {K_ISSUE, O_EQ, SS_C_PARENT, 0, 0, NULL, SS_C_PARENT, 0},
    [JQL_F_RANK] = {K_NONE, 0, -1, 0, 0, NULL, SS_C_RANK, 0},
    [JQL_F_WORKRATIO] = {K_NUMBER, O_EQ | O_ORD, SS_C_WORK_RATIO, 0, 0, NULL, SS_C_WORK_RATIO, 0},
    [JQL_F_ORIGINALESTIMATE] = {K_DURATION, O_EQ | O_ORD, SS_C_ORIGINAL_ESTIMATE, 0, 0, NULL, SS_C_ORIGINAL_ESTIMATE,
                                0},
    [JQL_F_REMAININGESTIMATE] = {K_DURATION, O_EQ | O_ORD, SS_C_REMAINING_ESTIMATE, 0, 0, NULL, SS_C_REMAINING_ESTIMATE,
                                 0},
    [JQL_F_TIMESPENT] = {K_DURATION, O_EQ | O_ORD, SS_C_TIME_SPENT, 0, 0, NULL, SS_C_TIME_SPENT, 0},
};

/* A custom field's definition from its type. */
static int cf_def(const char *type, fdef_t *d)
{
    static const struct {
        const char *type;
        fdef_t def;
    } t[] = {
        {"string", {K_TEXT, O_LIKE, -1, 0, 0, NULL, -1, 0}},
        {"textarea", {K_TEXT, O_LIKE, -1, 0, 1, NULL, -1, 0}}, /* text 1: ADF */
        {"number", {K_NUMBER, O_EQ | O_ORD, SS_R_CF_NUM, 1, 0, NULL, -1, 0}},
        {"date", {K_DAY, O_EQ | O_ORD, SS_R_CF_STR, 1, 0, NULL, -1, 0}},
        {"datetime", {K_DATE, O_EQ | O_ORD, SS_R_CF_NUM, 1, 0, NULL, -1, 0}},
        {"select", {K_OPTION, O_EQ, SS_R_CF_STR, 1, 0, NULL, -1, 0}},
        {"multiselect", {K_OPTION, O_EQ, SS_R_CF_STR, 1, 0, NULL, -1, 0}},
        {"user", {K_USER, O_EQ, SS_R_CF_STR, 1, 0, NULL, -1, 0}},
        {"labels", {K_LABEL, O_EQ, SS_R_CF_STR, 1, 0, NULL, -1, 0}},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (strcmp(type, t[i].type) == 0) {
            *d = t[i].def;
            return 0;
        }
    return -1;
}

/* The Java types Jira names for each kind's values (autocompletedata). */
static const char *const kind_type[] = {
    [K_PROJECT] = "com.atlassian.jira.project.Project",
    [K_ISSUE] = "com.atlassian.jira.issue.Issue",
    [K_ISSUETYPE] = "com.atlassian.jira.issue.issuetype.IssueType",
    [K_STATUS] = "com.atlassian.jira.issue.status.Status",
    [K_CATEGORY] = "com.atlassian.jira.issue.status.category.StatusCategory",
    [K_PRIORITY] = "com.atlassian.jira.issue.priority.Priority",
    [K_RESOLUTION] = "com.atlassian.jira.issue.resolution.Resolution",
    [K_USER] = "com.atlassian.jira.user.ApplicationUser",
    [K_DATE] = "java.util.Date",
    [K_DAY] = "java.util.Date",
    [K_LABEL] = "com.atlassian.jira.issue.label.Label",
    [K_COMPONENT] = "com.atlassian.jira.bc.project.component.ProjectComponent",
    [K_VERSION] = "com.atlassian.jira.project.version.Version",
    [K_SPRINT] = "com.atlassian.greenhopper.service.sprint.Sprint",
    [K_TEXT] = "java.lang.String",
    [K_NUMBER] = "java.lang.Number",
    [K_DURATION] = "java.lang.Long",
    [K_OPTION] = "com.atlassian.jira.issue.customfields.option.Option",
    [K_NONE] = "com.atlassian.jira.user.ApplicationUser",
};

int jql_eval_field_info(jql_field_id_t id, unsigned *ops, int *orderable, const char **type)
{
    if (id <= JQL_F_CUSTOM || id >= JQL_F__COUNT)
        return -1;
    *ops = sysf[id].ops;
    *orderable = sysf[id].sort >= 0;
    *type = kind_type[sysf[id].kind];
    return 0;
}

int jql_eval_custom_info(const char *field_type, unsigned *ops, const char **type)
{
    fdef_t d;
    if (!field_type || cf_def(field_type, &d) != 0)
        return -1;
    *ops = d.ops;
    *type = kind_type[d.kind];
    return 0;
}

const jql_func_ref_t jql_eval_functions[] = {
    {"currentUser()", "com.atlassian.jira.user.ApplicationUser", 0},
    {"membersOf()", "com.atlassian.jira.user.ApplicationUser", 1},
    {"now()", "java.util.Date", 0},
    {"startOfDay()", "java.util.Date", 0},
    {"startOfWeek()", "java.util.Date", 0},
    {"startOfMonth()", "java.util.Date", 0},
    {"startOfYear()", "java.util.Date", 0},
    {"endOfDay()", "java.util.Date", 0},
    {"endOfWeek()", "java.util.Date", 0},
    {"endOfMonth()", "java.util.Date", 0},
    {"endOfYear()", "java.util.Date", 0},
    {"openSprints()", "com.atlassian.greenhopper.service.sprint.Sprint", 1},
    {"closedSprints()", "com.atlassian.greenhopper.service.sprint.Sprint", 1},
    {"futureSprints()", "com.atlassian.greenhopper.service.sprint.Sprint", 1},
    {"issueHistory()", "com.atlassian.jira.issue.Issue", 1},
    {"updatedBy()", "com.atlassian.jira.issue.Issue", 1},
    {NULL, NULL, 0},
};

typedef struct ev {
    arena_t *a;
    const jql_env_t *env;
    jql_msgs_t *errs;
    int failed; /* a store error */
    project_rec_t *projects;
    size_t nprojects;
    unsigned char *visible; /* per project */
} ev_t;

static void msg(ev_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg(ev_t *e, const char *fmt, ...)
{
    if (e->errs->n >= JQL_EVAL_MAX_MSGS)
        return;
    char b[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < e->errs->n; i++)
        if (strcmp(e->errs->msg[i], b) == 0)
            return;
    e->errs->msg[e->errs->n++] = arena_strdup(e->a, b);
}

/* The field's name as the query wrote it, for messages. */
static const char *fname(const jql_field_t *f)
{
    return f->name;
}

static ss_node_t *mk(ev_t *e, ss_kind_t k)
{
    ss_node_t *n = arena_calloc(e->a, sizeof *n);
    n->kind = k;
    return n;
}

static ss_node_t *mk2(ev_t *e, ss_kind_t k, ss_node_t *x, ss_node_t *y)
{
    ss_node_t *n = mk(e, k);
    n->kids = arena_alloc(e->a, 2 * sizeof *n->kids);
    n->kids[0] = x;
    n->kids[1] = y;
    n->n = 2;
    return n;
}

/* ---- values ---- */

/* A growable list of resolved values; `empty` when EMPTY was among them; alt: values of
 * the field's second relation (sprint states). */
typedef struct vals {
    ss_val_t *v;
    size_t n, cap;
    ss_val_t *alt;
    size_t nalt, capalt;
    int empty;
} vals_t;

static void push(ev_t *e, ss_val_t **v, size_t *n, size_t *cap, ss_val_t x)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        ss_val_t *nv = arena_alloc(e->a, c * sizeof *nv);
        if (*n)
            memcpy(nv, *v, *n * sizeof *nv);
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = x;
}

static void add_i(ev_t *e, vals_t *vs, int64_t i)
{
    push(e, &vs->v, &vs->n, &vs->cap, (ss_val_t){0, i, NULL});
}

static void add_s(ev_t *e, vals_t *vs, const char *s)
{
    push(e, &vs->v, &vs->n, &vs->cap, (ss_val_t){1, 0, s});
}

static void not_exist(ev_t *e, const jql_field_t *f, const jql_value_t *v)
{
    msg(e, "The value '%s' does not exist for the field '%s'.", v->str, fname(f));
}

static int load_projects(ev_t *e)
{
    if (e->projects)
        return 0;
    /* every project of the site, a page of PROJECTS_PAGE at a time (a page is allocated
       whole: no larger one than needed) */
    enum { PROJECTS_PAGE = 500 };
    project_filter_t pf = {.order = PROJECT_ORDER_KEY, .max_results = PROJECTS_PAGE};
    project_rec_t *all = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        project_rec_t *page;
        size_t got;
        int64_t total;
        pf.start_at = (int64_t)n;
        if (store_project_search(e->env->st, e->a, e->env->site_id, &pf, &page, &got, &total) != STORE_OK) {
            e->failed = 1;
            return -1;
        }
        if (!all) { /* the first page tells how many there are (read in one snapshot) */
            cap = total > 0 ? (size_t)total : 1;
            if (!(all = arena_alloc(e->a, cap * sizeof *all))) {
                e->failed = 1;
                return -1;
            }
        }
        if (got > cap - n)
            got = cap - n;
        memcpy(all + n, page, got * sizeof *page);
        n += got;
        if (got < PROJECTS_PAGE || n >= cap)
            break;
    }
    e->projects = all;
    e->nprojects = n;
    e->visible = arena_calloc(e->a, e->nprojects + 1);
    for (size_t i = 0; i < e->nprojects; i++) {
        int may = e->env->may_browse ? e->env->may_browse(e->env->arg, e->projects[i].id) : 1;
        if (may < 0) {
            e->failed = 1;
            return -1;
        }
        e->visible[i] = (unsigned char)may;
    }
    return 0;
}

/* The visible project a value names (Jira: a number is an id first, a quoted string a key
 * or name first), or NULL. */
static const project_rec_t *project_named(ev_t *e, const jql_value_t *v)
{
    if (load_projects(e) != 0)
        return NULL;
    int by_id_first = v->kind == JQL_V_NUMBER;
    for (int pass = 0; pass < 2; pass++) {
        int ids = (pass == 0) == by_id_first;
        for (size_t i = 0; i < e->nprojects; i++) {
            const project_rec_t *p = &e->projects[i];
            if (!e->visible[i])
                continue;
            if (ids ? (v->kind == JQL_V_NUMBER || strspn(v->str, "0123456789") == strlen(v->str)) &&
                          strtoll(v->str, NULL, 10) == p->id
                    : strcasecmp(v->str, p->key) == 0 || strcasecmp(v->str, p->name) == 0)
                return p;
        }
    }
    return NULL;
}

/* The id of the visible issue a key or id names; 0 if none. */
static int64_t issue_named(ev_t *e, const jql_value_t *v, int64_t *project_id, int64_t *num)
{
    issue_rec_t is;
    const char *pkey;
    const char *s = v->str;
    size_t dash = 0;
    for (size_t i = 0; s[i]; i++)
        if (s[i] == '-')
            dash = i;
    int rc;
    if (strspn(s, "0123456789") == strlen(s) && *s) {
        rc = store_issue_by_id(e->env->st, e->a, e->env->site_id, strtoll(s, NULL, 10), &is, &pkey);
    } else if (dash > 0 && s[dash + 1] && strspn(s + dash + 1, "0123456789") == strlen(s + dash + 1) &&
               strlen(s + dash + 1) <= 18) {
        char *pk = arena_strndup(e->a, s, dash);
        for (char *c = pk; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 32);
        rc = store_issue_by_key(e->env->st, e->a, e->env->site_id, pk, strtoll(s + dash + 1, NULL, 10), &is, &pkey);
    } else {
        return 0;
    }
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc != STORE_OK || load_projects(e) != 0) {
        e->failed = 1;
        return 0;
    }
    for (size_t i = 0; i < e->nprojects; i++)
        if (e->projects[i].id == is.project_id && e->visible[i]) {
            if (project_id)
                *project_id = is.project_id;
            if (num)
                *num = is.num;
            return is.id;
        }
    return 0;
}

static int lookup(ev_t *e, ss_lookup_t k, const char *name, int64_t **ids, const char ***names, size_t *n)
{
    if (store_search_lookup(e->env->st, e->a, e->env->site_id, k, name, ids, names, n) != STORE_OK) {
        e->failed = 1;
        *n = 0;
        return -1;
    }
    return 0;
}

/* A date value or function as an instant; -1 and a message if it is none. */
static int date_of(ev_t *e, const jql_field_t *f, const jql_value_t *v, int64_t *ms)
{
    jql_date_kind_t dk;
    int rc = v->kind == JQL_V_FUNC ? jql_date_func(&e->env->date, v->str, v->n ? v->items[0]->str : NULL, ms)
                                   : jql_date_value(&e->env->date, v->str, v->len, ms, &dk);
    if (rc == JQL_DATE_OK)
        return 0;
    if (v->kind == JQL_V_FUNC)
        msg(e, "Incorrect parameters for the function '%s'.", v->str);
    else
        msg(e,
            "Date value '%s' for field '%s' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
            "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
            v->str, fname(f));
    return -1;
}

static int fn_is(const jql_value_t *v, const char *name)
{
    return v->kind == JQL_V_FUNC && strcasecmp(v->str, name) == 0;
}

/* Options of a select field: the ids whose value (or id) is s. */
static void option_ids(ev_t *e, const char *options_json, const char *s, vals_t *vs, size_t *found)
{
    json_err_t je;
    json_t *o = options_json ? json_parse_arena(e->a, options_json, strlen(options_json), 8, &je) : NULL;
    size_t i;
    json_t *it;
    json_array_foreach(o, i, it)
    {
        const char *id = json_str(it, "id"), *val = json_str(it, "value");
        if (id && ((val && strcasecmp(val, s) == 0) || strcmp(id, s) == 0)) {
            add_s(e, vs, arena_strdup(e->a, id));
            (*found)++;
        }
    }
}

/* Resolves one operand item (not a list) into vs. */
static void value(ev_t *e, const jql_field_t *f, const fdef_t *d, const field_rec_t *cf, const jql_value_t *v,
                  vals_t *vs)
{
    if (v->kind == JQL_V_EMPTY) {
        vs->empty = 1;
        return;
    }
    if (v->kind == JQL_V_FUNC) {
        if (d->kind == K_USER && fn_is(v, "currentUser")) {
            if (v->n)
                msg(e, "Function 'currentUser' expected '0' arguments but received '%zu'.", v->n);
            else if (e->env->user)
                add_s(e, vs, e->env->user);
            else
                add_s(e, vs, ""); /* no user: matches no one */
            return;
        }
        if (d->kind == K_USER && fn_is(v, "membersOf")) { /* kiln has no groups */
            msg(e,
                "Function 'membersOf' can not generate a list of usernames for group '%s'; the group does not "
                "exist.",
                v->n ? v->items[0]->str : "");
            return;
        }
        if (d->kind == K_SPRINT &&
            (fn_is(v, "openSprints") || fn_is(v, "closedSprints") || fn_is(v, "futureSprints"))) {
            static const char *const st[] = {"active", "closed", "future"};
            int k = fn_is(v, "openSprints") ? 0 : fn_is(v, "closedSprints") ? 1 : 2;
            push(e, &vs->alt, &vs->nalt, &vs->capalt, (ss_val_t){1, 0, st[k]});
            return;
        }
        if ((d->kind == K_DATE || d->kind == K_DAY) && jql_date_is_func(v->str)) {
            int64_t ms;
            if (date_of(e, f, v, &ms) != 0)
                return;
            if (d->kind == K_DATE) {
                add_i(e, vs, ms);
            } else {
                char day[32];
                jql_date_format(&e->env->date, ms, day, sizeof day);
                add_s(e, vs, arena_strndup(e->a, day, 10));
            }
            return;
        }
        if (d->kind == K_ISSUE && fn_is(v, "issueHistory")) /* kiln keeps no viewing history */
            return;
        if (d->kind == K_ISSUE && fn_is(v, "updatedBy")) { /* only as the whole operand of IN/NOT IN */
            msg(e, "The function 'updatedBy' may only be used with the 'IN' and 'NOT IN' operators.");
            return;
        }
        static const char *const known[] = {"currentUser",   "membersOf",   "openSprints",  "closedSprints",
                                            "futureSprints", "now",         "startOfDay",   "startOfWeek",
                                            "startOfMonth",  "startOfYear", "endOfDay",     "endOfWeek",
                                            "endOfMonth",    "endOfYear",   "issueHistory", "updatedBy"};
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            if (strcasecmp(v->str, known[i]) == 0) {
                msg(e, "A value provided by the function '%s' is invalid for the field '%s'.", known[i], fname(f));
                return;
            }
        msg(e, "Unable to find JQL function '%s()'.", v->str);
        return;
    }
    /* a string or a number */
    const char *s = v->str;
    switch (d->kind) {
    case K_PROJECT: {
        const project_rec_t *p = project_named(e, v);
        if (p)
            add_i(e, vs, p->id);
        else if (!e->failed)
            not_exist(e, f, v);
        return;
    }
    case K_ISSUE: {
        int64_t id = issue_named(e, v, NULL, NULL);
        if (id)
            add_i(e, vs, id);
        else if (!e->failed)
            msg(e, "An issue with key '%s' does not exist for field '%s'.", s, fname(f));
        return;
    }
    case K_ISSUETYPE: {
        const issue_type_t *t = v->kind == JQL_V_NUMBER ? issue_type_find(v->num) : issue_type_named(s);
        if (!t && v->kind != JQL_V_NUMBER && strspn(s, "0123456789") == strlen(s) && *s)
            t = issue_type_find(strtoll(s, NULL, 10));
        if (t)
            add_i(e, vs, t->id);
        else
            not_exist(e, f, v);
        return;
    }
    case K_STATUS: {
        const status_def_t *t = v->kind == JQL_V_NUMBER ? status_find(v->num) : status_named(s);
        if (!t && v->kind != JQL_V_NUMBER && strspn(s, "0123456789") == strlen(s) && *s)
            t = status_find(strtoll(s, NULL, 10));
        if (t)
            add_i(e, vs, t->id);
        else
            not_exist(e, f, v);
        return;
    }
    case K_CATEGORY: {
        const status_category_def_t *c =
            v->kind == JQL_V_NUMBER ? status_category_find((int)v->num) : status_category_named(s);
        if (!c) {
            not_exist(e, f, v);
            return;
        }
        int any = 0;
        for (size_t i = 0; i < model_statuses_len; i++)
            if (model_statuses[i].category == c->id) {
                add_i(e, vs, model_statuses[i].id);
                any = 1;
            }
        if (!any)
            add_i(e, vs, -1); /* a category without statuses: matches none */
        return;
    }
    case K_PRIORITY: {
        const priority_def_t *t = v->kind == JQL_V_NUMBER ? priority_find(v->num) : priority_named(s);
        if (!t && v->kind != JQL_V_NUMBER && strspn(s, "0123456789") == strlen(s) && *s)
            t = priority_find(strtoll(s, NULL, 10));
        if (t)
            add_i(e, vs, t->id);
        else
            not_exist(e, f, v);
        return;
    }
    case K_RESOLUTION: {
        if (strcasecmp(s, "Unresolved") == 0) {
            vs->empty = 1;
            return;
        }
        const resolution_def_t *t = v->kind == JQL_V_NUMBER ? resolution_find(v->num) : resolution_named(s);
        if (!t && v->kind != JQL_V_NUMBER && strspn(s, "0123456789") == strlen(s) && *s)
            t = resolution_find(strtoll(s, NULL, 10));
        if (t)
            add_i(e, vs, t->id);
        else
            not_exist(e, f, v);
        return;
    }
    case K_USER: {
        int64_t *ids;
        const char **names;
        size_t n;
        if (lookup(e, SS_L_USER, s, &ids, &names, &n) != 0)
            return;
        if (!n) {
            msg(e, "The value '%s' does not exist for the field '%s'.", s, fname(f));
            return;
        }
        for (size_t i = 0; i < n; i++)
            add_s(e, vs, names[i]);
        return;
    }
    case K_DATE:
    case K_DAY: {
        int64_t ms;
        if (date_of(e, f, v, &ms) != 0)
            return;
        if (d->kind == K_DATE) {
            add_i(e, vs, ms);
        } else {
            char day[32];
            jql_date_format(&e->env->date, ms, day, sizeof day);
            add_s(e, vs, arena_strndup(e->a, day, 10));
        }
        return;
    }
    case K_LABEL: add_s(e, vs, s); return;
    case K_NUMBER: {
        char *end;
        double x = strtod(s, &end);
        if (!*s || *end) {
            msg(e, "The value '%s' is not a valid number for the field '%s'.", s, fname(f));
            return;
        }
        push(e, &vs->v, &vs->n, &vs->cap, (ss_val_t){2, 0, NULL, x});
        return;
    }
    case K_DURATION: {
        int64_t secs;
        if (duration_parse(s, &secs) != 0) {
            msg(e, "The value '%s' is not a valid duration for the field '%s'.", s, fname(f));
            return;
        }
        add_i(e, vs, secs);
        return;
    }
    case K_OPTION: {
        size_t found = 0;
        option_ids(e, cf ? cf->options_json : NULL, s, vs, &found);
        if (!found)
            not_exist(e, f, v);
        return;
    }
    case K_COMPONENT:
    case K_VERSION:
    case K_SPRINT: {
        static const ss_lookup_t by_name[] = {
            [K_COMPONENT] = SS_L_COMPONENT, [K_VERSION] = SS_L_VERSION, [K_SPRINT] = SS_L_SPRINT};
        static const ss_lookup_t by_id[] = {
            [K_COMPONENT] = SS_L_COMPONENT_ID, [K_VERSION] = SS_L_VERSION_ID, [K_SPRINT] = SS_L_SPRINT_ID};
        int64_t *ids;
        const char **names;
        size_t n = 0;
        int numeric = strspn(s, "0123456789") == strlen(s) && *s && strlen(s) <= 18;
        /* a number is an id first, a quoted string a name first, as Jira */
        ss_lookup_t first = numeric && !v->quoted ? by_id[d->kind] : by_name[d->kind];
        ss_lookup_t second = first == by_id[d->kind] ? by_name[d->kind] : numeric ? by_id[d->kind] : first;
        if (lookup(e, first, s, &ids, &names, &n) != 0)
            return;
        if (!n && second != first && lookup(e, second, s, &ids, &names, &n) != 0)
            return;
        if (!n) {
            not_exist(e, f, v);
            return;
        }
        for (size_t i = 0; i < n; i++)
            add_i(e, vs, ids[i]);
        return;
    }
    case K_TEXT:
    case K_NONE: add_s(e, vs, s); return;
    }
}

static void values(ev_t *e, const jql_field_t *f, const fdef_t *d, const field_rec_t *cf, const jql_value_t *v,
                   vals_t *vs, int depth)
{
    if (v->kind == JQL_V_LIST && depth < 40) {
        for (size_t i = 0; i < v->n; i++)
            values(e, f, d, cf, v->items[i], vs, depth + 1);
        return;
    }
    value(e, f, d, cf, v, vs);
}

/* ---- clauses ---- */

static jql_op_t negate(jql_op_t op)
{
    static const jql_op_t neg[JQL_OP__COUNT] = {
        [JQL_OP_EQ] = JQL_OP_NE,
        [JQL_OP_NE] = JQL_OP_EQ,
        [JQL_OP_GT] = JQL_OP_LE,
        [JQL_OP_GE] = JQL_OP_LT,
        [JQL_OP_LT] = JQL_OP_GE,
        [JQL_OP_LE] = JQL_OP_GT,
        [JQL_OP_LIKE] = JQL_OP_NOT_LIKE,
        [JQL_OP_NOT_LIKE] = JQL_OP_LIKE,
        [JQL_OP_IN] = JQL_OP_NOT_IN,
        [JQL_OP_NOT_IN] = JQL_OP_IN,
        [JQL_OP_IS] = JQL_OP_IS_NOT,
        [JQL_OP_IS_NOT] = JQL_OP_IS,
        [JQL_OP_WAS] = JQL_OP_WAS_NOT,
        [JQL_OP_WAS_NOT] = JQL_OP_WAS,
        [JQL_OP_WAS_IN] = JQL_OP_WAS_NOT_IN,
        [JQL_OP_WAS_NOT_IN] = JQL_OP_WAS_IN,
        [JQL_OP_CHANGED] = JQL_OP_CHANGED,
    };
    return neg[op];
}

static ss_op_t ss_op(jql_op_t op)
{
    switch (op) {
    case JQL_OP_EQ:
    case JQL_OP_IN: return SS_IN;
    case JQL_OP_NE:
    case JQL_OP_NOT_IN: return SS_NOT_IN;
    case JQL_OP_GT: return SS_GT;
    case JQL_OP_GE: return SS_GE;
    case JQL_OP_LT: return SS_LT;
    case JQL_OP_LE: return SS_LE;
    case JQL_OP_IS: return SS_NULL;
    default: return SS_NOT_NULL;
    }
}

/* A node comparing the field's column or relation; for relations with a second one
 * (sprint states) and EMPTY among the values, the alternatives are combined. */
static ss_node_t *compare(ev_t *e, const fdef_t *d, const field_rec_t *cf, ss_op_t op, vals_t *vs)
{
    ss_kind_t k = d->rel ? SS_REL : SS_COL;
    int positive = op == SS_IN;
    int negative = op == SS_NOT_IN;
    if (!positive && !negative) { /* IS, IS NOT, <, <=, >, >= */
        ss_node_t *n = mk(e, k);
        n->col = d->col;
        n->op = op;
        n->field_id = cf ? cf->id : NULL;
        n->vals = vs->v;
        n->nvals = vs->n;
        if (op == SS_GT || op == SS_GE || op == SS_LT || op == SS_LE)
            n->nvals = vs->n ? 1 : 0;
        return n->nvals || op == SS_NULL || op == SS_NOT_NULL ? n : mk(e, SS_FALSE);
    }
    ss_node_t *parts[3];
    size_t np = 0;
    if (vs->n) {
        ss_node_t *n = mk(e, k);
        n->col = d->col;
        n->op = op;
        n->field_id = cf ? cf->id : NULL;
        n->vals = vs->v;
        n->nvals = vs->n;
        parts[np++] = n;
    }
    if (vs->nalt) {
        ss_node_t *n = mk(e, SS_REL);
        n->col = SS_R_SPRINT_STATE;
        n->op = op;
        n->vals = vs->alt;
        n->nvals = vs->nalt;
        parts[np++] = n;
    }
    if (vs->empty) {
        ss_node_t *n = mk(e, k);
        n->col = d->col;
        n->op = positive ? SS_NULL : SS_NOT_NULL;
        n->field_id = cf ? cf->id : NULL;
        parts[np++] = n;
    }
    if (np == 0) /* nothing named (values that name nothing, e.g. issueHistory()) */
        return mk(e, positive ? SS_FALSE : SS_TRUE);
    if (np == 1)
        return parts[0];
    ss_node_t *n = mk(e, positive ? SS_OR : SS_AND);
    n->kids = arena_alloc(e->a, np * sizeof *n->kids);
    memcpy(n->kids, parts, np * sizeof *parts);
    n->n = np;
    return n;
}

static ss_node_t *text_clause(ev_t *e, const jql_node_t *c, const fdef_t *d, const field_rec_t *cf, jql_op_t op)
{
    const jql_value_t *v = c->value;
    if (op == JQL_OP_IS || op == JQL_OP_IS_NOT) {
        if (cf) {
            ss_node_t *n = mk(e, SS_REL);
            n->col = SS_R_CF_STR;
            n->field_id = cf->id;
            n->op = op == JQL_OP_IS ? SS_NULL : SS_NOT_NULL;
            return n;
        }
        ss_node_t *n = mk(e, SS_COL); /* description/environment IS EMPTY */
        n->col = d->col;
        n->op = op == JQL_OP_IS ? SS_NULL : SS_NOT_NULL;
        return n;
    }
    if (v->kind != JQL_V_STRING && v->kind != JQL_V_NUMBER) {
        msg(e, "The operator '%s' is not supported for the value of the '%s' field.", jql_op_name(op),
            fname(&c->field));
        return mk(e, SS_FALSE);
    }
    wm_query_t wq;
    int rc = wm_compile(e->a, v->str, v->len, &wq);
    if (rc == WM_EMPTY) {
        msg(e, "The field '%s' does not support searching for an empty string.", fname(&c->field));
        return mk(e, SS_FALSE);
    }
    if (rc != WM_OK) {
        msg(e, "The text query '%s' for the field '%s' is too long.", v->str, fname(&c->field));
        return mk(e, SS_FALSE);
    }
    ss_node_t *n = mk(e, SS_TEXT);
    n->text = d->text;
    n->pattern = v->str;
    if (cf) {
        n->field_id = cf->id;
        n->text = d->text ? SS_T_CF_ADF : SS_T_CF;
    }
    if (op == JQL_OP_NOT_LIKE) {
        ss_node_t *x = mk(e, SS_NOT);
        x->kids = arena_alloc(e->a, sizeof *x->kids);
        x->kids[0] = n;
        x->n = 1;
        /* as != does, !~ never matches an empty field */
        ss_node_t *has = NULL;
        if (cf) {
            has = mk(e, SS_REL);
            has->col = SS_R_CF_STR;
            has->field_id = cf->id;
            has->op = SS_NOT_NULL;
        } else if (d->col >= 0) {
            has = mk(e, SS_COL);
            has->col = d->col;
            has->op = SS_NOT_NULL;
        }
        return has ? mk2(e, SS_AND, x, has) : x;
    }
    return n;
}

static ss_node_t *hist_clause(ev_t *e, const jql_node_t *c, const fdef_t *d, const field_rec_t *cf, jql_op_t op)
{
    ss_node_t *n = mk(e, SS_HIST);
    n->hist_field = d->hist;
    n->col = d->rel ? -1 : d->col;
    n->changed = op == JQL_OP_CHANGED;
    vals_t vs = {0};
    if (c->value)
        values(e, &c->field, d, cf, c->value, &vs, 0);
    n->vals = vs.v;
    n->nvals = vs.n;
    if (vs.empty)
        push(e, &n->vals, &n->nvals, &vs.cap, (ss_val_t){1, 0, NULL});
    /* the changelog holds ids as text */
    for (size_t i = 0; i < n->nvals; i++)
        if (!n->vals[i].is_text)
            n->vals[i] = (ss_val_t){1, 0, arena_printf(e->a, "%lld", (long long)n->vals[i].i)};
    for (size_t p = 0; p < c->npreds; p++) {
        const jql_pred_t *pr = &c->preds[p];
        if ((pr->kind == JQL_P_FROM || pr->kind == JQL_P_TO) && !n->changed) {
            msg(e, "The predicate '%s' is not supported by the operator '%s'.", jql_pred_name(pr->kind),
                jql_op_name(op));
            continue;
        }
        switch (pr->kind) {
        case JQL_P_FROM:
        case JQL_P_TO: {
            vals_t pv = {0};
            values(e, &c->field, d, cf, pr->value, &pv, 0);
            if (pv.empty)
                add_s(e, &pv, NULL);
            for (size_t i = 0; i < pv.n; i++)
                if (!pv.v[i].is_text)
                    pv.v[i] = (ss_val_t){1, 0, arena_printf(e->a, "%lld", (long long)pv.v[i].i)};
            if (pr->kind == JQL_P_FROM) {
                n->from = pv.v;
                n->nfrom = pv.n;
            } else {
                n->to = pv.v;
                n->nto = pv.n;
            }
            break;
        }
        case JQL_P_BY: {
            static const fdef_t user = {K_USER, O_EQ, SS_C_ASSIGNEE, 0, 0, NULL, -1, 0};
            jql_field_t byf = c->field;
            byf.name = "by";
            vals_t pv = {0};
            values(e, &byf, &user, NULL, pr->value, &pv, 0);
            n->by = pv.n ? pv.v[0].s : "";
            break;
        }
        case JQL_P_AFTER:
        case JQL_P_BEFORE:
        case JQL_P_ON:
        case JQL_P_DURING: {
            int64_t t0 = 0, t1 = 0;
            const jql_value_t *pv = pr->value;
            if (pr->kind == JQL_P_DURING) {
                if (pv->kind != JQL_V_LIST || pv->n != 2) {
                    msg(e, "The predicate 'DURING' requires two dates, as in DURING (\"2024-01-01\", \"2024-02-01\").");
                    break;
                }
                if (date_of(e, &c->field, pv->items[0], &t0) != 0 || date_of(e, &c->field, pv->items[1], &t1) != 0)
                    break;
                n->after_ms = t0;
                n->before_ms = t1 + 1;
            } else if (date_of(e, &c->field, pv, &t0) == 0) {
                if (pr->kind == JQL_P_AFTER)
                    n->after_ms = t0 + 1;
                else if (pr->kind == JQL_P_BEFORE)
                    n->before_ms = t0;
                else {
                    n->after_ms = t0;
                    n->before_ms = t0 + 86400000;
                }
            }
            break;
        }
        default: break;
        }
    }
    if (op == JQL_OP_WAS_NOT || op == JQL_OP_WAS_NOT_IN) {
        ss_node_t *x = mk(e, SS_NOT);
        x->kids = arena_alloc(e->a, sizeof *x->kids);
        x->kids[0] = n;
        x->n = 1;
        return x;
    }
    return n;
}

/* issueKey IN updatedBy("user"[, "from"[, "to"]]) (Jira: created, or any field changed,
 * by the user, in the period): a change group of the user in the period, or the issue's
 * creator in it. Comments are not counted (kiln's changelog does not record them). */
static ss_node_t *updated_by(ev_t *e, const jql_node_t *c, int negated)
{
    const jql_value_t *v = c->value;
    if (v->n < 1 || v->n > 3) {
        msg(e, "Function 'updatedBy' expected between '1' and '3' arguments but received '%zu'.", v->n);
        return mk(e, SS_FALSE);
    }
    static const fdef_t user = {K_USER, O_EQ, SS_C_CREATOR, 0, 0, NULL, -1, 0};
    jql_field_t uf = c->field;
    uf.name = "updatedBy";
    vals_t vs = {0};
    value(e, &uf, &user, NULL, v->items[0], &vs);
    if (vs.n == 0)
        return mk(e, SS_FALSE);
    int64_t from = 0, to = 0;
    if (v->n > 1 && date_of(e, &c->field, v->items[1], &from) != 0)
        return mk(e, SS_FALSE);
    if (v->n > 2 && date_of(e, &c->field, v->items[2], &to) != 0)
        return mk(e, SS_FALSE);
    ss_node_t *h = mk(e, SS_HIST);
    h->changed = 1;
    h->col = -1;
    h->by = vs.v[0].s;
    h->after_ms = from;
    h->before_ms = to ? to + 1 : 0;
    ss_node_t *cr = mk(e, SS_COL);
    cr->col = SS_C_CREATOR;
    cr->op = SS_IN;
    cr->vals = vs.v;
    cr->nvals = 1;
    ss_node_t *created = cr;
    if (from || to) {
        ss_node_t *t = mk(e, SS_AND);
        t->kids = arena_alloc(e->a, 3 * sizeof *t->kids);
        t->kids[t->n++] = cr;
        if (from) {
            ss_node_t *x = mk(e, SS_COL);
            x->col = SS_C_CREATED;
            x->op = SS_GE;
            x->vals = arena_alloc(e->a, sizeof *x->vals);
            x->vals[0] = (ss_val_t){0, from, NULL, 0};
            x->nvals = 1;
            t->kids[t->n++] = x;
        }
        if (to) {
            ss_node_t *x = mk(e, SS_COL);
            x->col = SS_C_CREATED;
            x->op = SS_LE;
            x->vals = arena_alloc(e->a, sizeof *x->vals);
            x->vals[0] = (ss_val_t){0, to, NULL, 0};
            x->nvals = 1;
            t->kids[t->n++] = x;
        }
        created = t;
    }
    ss_node_t *any = mk2(e, SS_OR, h, created);
    if (!negated)
        return any;
    ss_node_t *x = mk(e, SS_NOT);
    x->kids = arena_alloc(e->a, sizeof *x->kids);
    x->kids[0] = any;
    x->n = 1;
    return x;
}

/* The field's definition (and its custom field), or NULL with Jira's message. */
static const fdef_t *field_of(ev_t *e, const jql_field_t *f, fdef_t *buf, field_rec_t **cf)
{
    *cf = NULL;
    if (f->id != JQL_F_NAMED && f->id != JQL_F_CUSTOM)
        return &sysf[f->id];
    field_rec_t *r = arena_calloc(e->a, sizeof *r);
    int rc;
    if (f->id == JQL_F_CUSTOM) {
        rc = store_field_get(e->env->st, e->a, e->env->site_id,
                             arena_printf(e->a, "customfield_%lld", (long long)f->cf), r);
    } else {
        int64_t *ids;
        const char **names;
        size_t n = 0;
        if (memchr(f->name, '\0', f->len) || lookup(e, SS_L_FIELD, f->name, &ids, &names, &n) != 0)
            n = 0;
        rc = n == 1 ? store_field_get(e->env->st, e->a, e->env->site_id, names[0], r) : STORE_NOTFOUND;
    }
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && cf_def(r->type, buf) != 0)) {
        msg(e, "Field '%s' does not exist or you do not have permission to view it.", f->name);
        return NULL;
    }
    if (rc != STORE_OK) {
        e->failed = 1;
        return NULL;
    }
    *cf = r;
    return buf;
}

static ss_node_t *clause(ev_t *e, const jql_node_t *c, int neg)
{
    fdef_t buf;
    field_rec_t *cf;
    const fdef_t *d = field_of(e, &c->field, &buf, &cf);
    if (!d)
        return mk(e, SS_FALSE);
    jql_op_t op = neg ? negate(c->op) : c->op;
    if (!(d->ops & OP(c->op))) {
        msg(e, "The operator '%s' is not supported by the '%s' field.", jql_op_name(c->op), fname(&c->field));
        return mk(e, SS_FALSE);
    }
    const jql_value_t *v = c->value;
    int is_list = v && v->kind == JQL_V_LIST;
    if ((c->op == JQL_OP_IN || c->op == JQL_OP_NOT_IN || c->op == JQL_OP_WAS_IN || c->op == JQL_OP_WAS_NOT_IN) &&
        !is_list && !(v && v->kind == JQL_V_FUNC)) {
        msg(e, "The operator '%s' does not support the non-list value '%s' for the field '%s'.", jql_op_name(c->op),
            v && v->str ? v->str : "EMPTY", fname(&c->field));
        return mk(e, SS_FALSE);
    }
    if (is_list && !(c->op == JQL_OP_IN || c->op == JQL_OP_NOT_IN || c->op == JQL_OP_WAS_IN ||
                     c->op == JQL_OP_WAS_NOT_IN || c->op == JQL_OP_CHANGED)) {
        msg(e, "The operator '%s' does not support a list of values for the field '%s'.", jql_op_name(c->op),
            fname(&c->field));
        return mk(e, SS_FALSE);
    }
    if ((c->op == JQL_OP_IS || c->op == JQL_OP_IS_NOT) && v && v->kind != JQL_V_EMPTY) {
        msg(e, "The operator '%s' only supports searching for EMPTY values for the field '%s'.", jql_op_name(c->op),
            fname(&c->field));
        return mk(e, SS_FALSE);
    }
    if (c->npreds && c->op != JQL_OP_WAS && c->op != JQL_OP_WAS_NOT && c->op != JQL_OP_WAS_IN &&
        c->op != JQL_OP_WAS_NOT_IN && c->op != JQL_OP_CHANGED) {
        msg(e, "The operator '%s' does not take the predicate '%s'.", jql_op_name(c->op),
            jql_pred_name(c->preds[0].kind));
        return mk(e, SS_FALSE);
    }
    if (OP(c->op) & O_HIST) {
        ss_node_t *h = hist_clause(e, c, d, cf, c->op);
        if (!neg)
            return h;
        ss_node_t *x = mk(e, SS_NOT);
        x->kids = arena_alloc(e->a, sizeof *x->kids);
        x->kids[0] = h;
        x->n = 1;
        return x;
    }
    if (d->kind == K_TEXT)
        return text_clause(e, c, d, cf, op);
    if ((c->op == JQL_OP_EQ || c->op == JQL_OP_NE) && v && v->kind == JQL_V_EMPTY) /* = EMPTY is IS EMPTY */
        op = op == JQL_OP_EQ ? JQL_OP_IS : JQL_OP_IS_NOT;
    if (d->kind == K_NONE) { /* watcher: kiln keeps none, so no issue has one */
        if (v && v->kind != JQL_V_EMPTY) {
            vals_t vs = {0};
            values(e, &c->field, &sysf[JQL_F_ASSIGNEE], NULL, v, &vs, 0);
        }
        return mk(e, op == JQL_OP_IS ? SS_TRUE : SS_FALSE);
    }
    /* issue IN updatedBy(user[, from[, to]]): created or changed by the user in the period */
    if (d->kind == K_ISSUE && v && fn_is(v, "updatedBy") && (c->op == JQL_OP_IN || c->op == JQL_OP_NOT_IN))
        return updated_by(e, c, op == JQL_OP_NOT_IN);
    /* key > WEB-10: the issues of that project numbered after 10 */
    if (d->kind == K_ISSUE && (OP(c->op) & O_ORD)) {
        int64_t pid = 0, num = 0;
        if (!v || (v->kind != JQL_V_STRING && v->kind != JQL_V_NUMBER) || !issue_named(e, v, &pid, &num)) {
            if (!e->failed)
                msg(e, "An issue with key '%s' does not exist for field '%s'.", v && v->str ? v->str : "",
                    fname(&c->field));
            return mk(e, SS_FALSE);
        }
        ss_node_t *p = mk(e, SS_COL), *k = mk(e, SS_COL);
        p->col = SS_C_PROJECT;
        p->op = SS_IN;
        p->vals = arena_alloc(e->a, 2 * sizeof *p->vals);
        p->vals[0] = (ss_val_t){0, pid, NULL};
        p->nvals = 1;
        k->col = SS_C_NUM;
        k->op = ss_op(op);
        k->vals = p->vals + 1;
        k->vals[0] = (ss_val_t){0, num, NULL};
        k->nvals = 1;
        return mk2(e, SS_AND, p, k);
    }
    vals_t vs = {0};
    if (v && v->kind != JQL_V_EMPTY)
        values(e, &c->field, d, cf, v, &vs, 0);
    if ((OP(c->op) & O_ORD) && vs.n > 1)
        vs.n = 1;
    ss_op_t so = ss_op(op);
    /* priority: Jira orders Highest above Lowest, ids the other way round */
    if (d->kind == K_PRIORITY && (OP(c->op) & O_ORD)) {
        static const ss_op_t flip[] = {[SS_LT] = SS_GT, [SS_LE] = SS_GE, [SS_GT] = SS_LT, [SS_GE] = SS_LE};
        so = flip[so];
    }
    if ((OP(c->op) & O_ORD) && vs.n == 0)
        return mk(e, SS_FALSE);
    return compare(e, d, cf, so, &vs);
}

static ss_node_t *node(ev_t *e, const jql_node_t *x, int neg, int depth)
{
    if (depth > (int)JQL_MAX_DEPTH * 2 + 8) {
        msg(e, "The query is nested too deeply.");
        return mk(e, SS_FALSE);
    }
    switch (x->kind) {
    case JQL_N_NOT: return node(e, x->kids[0], !neg, depth + 1);
    case JQL_N_AND:
    case JQL_N_OR: {
        ss_node_t *n = mk(e, (x->kind == JQL_N_AND) != neg ? SS_AND : SS_OR);
        n->kids = arena_alloc(e->a, (x->n ? x->n : 1) * sizeof *n->kids);
        n->n = x->n;
        for (size_t i = 0; i < x->n; i++)
            n->kids[i] = node(e, x->kids[i], neg, depth + 1);
        return n;
    }
    case JQL_N_CLAUSE: return clause(e, x, neg);
    }
    return mk(e, SS_FALSE);
}

static void order(ev_t *e, const jql_query_t *q, ss_query_t *out)
{
    ss_sort_t *s = arena_calloc(e->a, (q->norder + 1) * sizeof *s);
    size_t n = 0;
    for (size_t i = 0; i < q->norder; i++) {
        const jql_sort_t *o = &q->order[i];
        fdef_t buf;
        field_rec_t *cf;
        const fdef_t *d = field_of(e, &o->field, &buf, &cf);
        if (!d)
            continue;
        if (cf) {
            s[n++] = (ss_sort_t){-1, cf->id, o->dir < 0};
            continue;
        }
        if (d->sort < 0) {
            msg(e, "Field '%s' does not support sorting.", fname(&o->field));
            continue;
        }
        int desc = o->dir ? o->dir < 0 : d->sort_desc;
        if (d->kind == K_PRIORITY) /* Highest (id 1) sorts last ascending, as Jira */
            desc = !desc;
        s[n++] = (ss_sort_t){d->sort, NULL, desc};
    }
    if (q->norder == 0) /* Jira's default: newest issue first */
        s[n++] = (ss_sort_t){SS_C_ID, NULL, 1};
    out->order = s;
    out->norder = n;
}

int jql_eval(arena_t *a, const jql_env_t *env, const jql_query_t *q, ss_query_t *out, jql_msgs_t *errs)
{
    memset(out, 0, sizeof *out);
    errs->n = 0;
    ev_t e = {.a = a, .env = env, .errs = errs};
    if (env->may_browse) {
        if (load_projects(&e) != 0)
            return JQL_EVAL_ERROR;
        int64_t *ids = arena_alloc(a, (e.nprojects + 1) * sizeof *ids);
        size_t n = 0;
        for (size_t i = 0; i < e.nprojects; i++)
            if (e.visible[i])
                ids[n++] = e.projects[i].id;
        out->restricted = n < e.nprojects;
        out->projects = ids;
        out->nprojects = n;
    }
    out->where = q->where ? node(&e, q->where, 0, 0) : NULL;
    order(&e, q, out);
    if (e.failed)
        return JQL_EVAL_ERROR;
    return errs->n ? JQL_EVAL_INVALID : JQL_EVAL_OK;
}
