/* The store's search family: a JQL search (product/jql_eval.h) as a backend-neutral tree
 * of clauses over an issue's named columns and the relations that hang on it, with bound
 * values, ORDER BY keys, the viewer's browse restriction and a page. The backend compiles
 * the tree into one query over its indexes (SQLite: one parameterised statement,
 * store/sql/search.c). Tables read: issues, projects, issue_labels, issue_components,
 * issue_versions, issue_sprints, sprints, field_values, comments, changegroups,
 * changeitems, user_permissions; components, versions_jira, users and fields for lookups.
 *
 * Tenancy: every statement is bound to the site given; no value in the tree can name
 * another site's row (ids are compared inside the site's range of every table). */
#ifndef KILN_STORE_SEARCH_H
#define KILN_STORE_SEARCH_H

#include "store/store.h"
#include "store/store_product.h"

/* An issue's own columns. */
typedef enum {
    SS_C_ID,
    SS_C_PROJECT,
    SS_C_NUM,
    SS_C_ISSUETYPE,
    SS_C_STATUS,
    SS_C_PRIORITY,
    SS_C_RESOLUTION,
    SS_C_ASSIGNEE,
    SS_C_REPORTER,
    SS_C_CREATOR,
    SS_C_PARENT,
    SS_C_DUEDATE, /* text YYYY-MM-DD */
    SS_C_CREATED,
    SS_C_UPDATED,
    SS_C_RESOLVED,
    SS_C_RANK,
    SS_C_SUMMARY,
    SS_C_DESCRIPTION,
    SS_C_ENVIRONMENT,
    SS_C_PROJECT_KEY,   /* for ORDER BY key: the project's key, then NUM */
    SS_C_ASSIGNEE_NAME, /* ORDER BY only: the user's display name */
    SS_C_REPORTER_NAME,
    SS_C_CREATOR_NAME,
    SS_C_ORIGINAL_ESTIMATE,  /* seconds */
    SS_C_REMAINING_ESTIMATE, /* seconds */
    SS_C_TIME_SPENT,         /* seconds */
    SS_C_WORK_RATIO,         /* time spent * 100 / original estimate, an integer; NULL without an estimate */
    SS_C__COUNT
} ss_col_t;

/* What hangs on an issue, one row per value. */
typedef enum {
    SS_R_LABEL,           /* text */
    SS_R_COMPONENT,       /* component id */
    SS_R_FIXVERSION,      /* version id */
    SS_R_AFFECTEDVERSION, /* version id */
    SS_R_SPRINT,          /* sprint id */
    SS_R_SPRINT_STATE,    /* a sprint's state: "active", "closed", "future" */
    SS_R_CF_STR,          /* a custom field's text value (field_id) */
    SS_R_CF_NUM,          /* a custom field's number value (field_id) */
    SS_R__COUNT
} ss_rel_t;

typedef enum { SS_EQ, SS_NE, SS_LT, SS_LE, SS_GT, SS_GE, SS_IN, SS_NOT_IN, SS_NULL, SS_NOT_NULL } ss_op_t;

typedef enum {
    SS_AND,
    SS_OR,
    SS_NOT,
    SS_TRUE,
    SS_FALSE,
    SS_COL,  /* col op vals */
    SS_REL,  /* rel op vals: EQ/IN some value is one of vals; NE/NOT_IN: has values, none of vals;
                NULL: has none; NOT_NULL: has one; LT..GE: some value compares */
    SS_TEXT, /* a word search (base/wordmatch.h) over the text columns in `text` */
    SS_HIST  /* the changelog: see below */
} ss_kind_t;

enum {
    SS_T_SUMMARY = 1,
    SS_T_DESCRIPTION = 2,
    SS_T_ENVIRONMENT = 4,
    SS_T_COMMENT = 8,
    SS_T_CF = 16,     /* a custom field's text values (field_id) */
    SS_T_CF_ADF = 32, /* a custom field's ADF documents (field_id) */
};

typedef struct ss_val {
    int is_text; /* 0: i, 1: s (NULL: SQL NULL), 2: f */
    int64_t i;
    const char *s;
    double f;
} ss_val_t;

typedef struct ss_node {
    ss_kind_t kind;
    struct ss_node **kids; /* AND, OR: n kids; NOT: one */
    size_t n;
    int col;              /* SS_COL: ss_col_t; SS_REL: ss_rel_t */
    ss_op_t op;           /* SS_COL, SS_REL */
    const char *field_id; /* SS_R_CF_*, SS_T_CF*: customfield_NNNNN */
    ss_val_t *vals;
    size_t nvals;
    /* SS_TEXT: the columns (SS_T_*) and the query as written */
    unsigned text;
    const char *pattern;
    /* SS_HIST: changes of changeitems.field = hist_field. changed = 1 (CHANGED): some change
     * matches from/to/by/time. changed = 0 (WAS): without by/time, the issue's value is one
     * of vals now (column `col`; -1: none) or a change set or left one; with by/time, one
     * of vals was held at some moment of [after_ms, before_ms) (from the change that set
     * it to the next change, from creation to the first change, or since creation when
     * never changed; by: set by that user). hist_field NULL (with changed = 1): any change
     * group matching by/time. */
    const char *hist_field;
    int changed;
    ss_val_t *from, *to;
    size_t nfrom, nto;
    const char *by;              /* account id, or NULL */
    int64_t after_ms, before_ms; /* the period [after_ms, before_ms); 0: unbounded */
} ss_node_t;

typedef struct ss_sort {
    int col;              /* ss_col_t, or -1 for a custom field (field_id) */
    const char *field_id; /* col -1: numbers first by value, then text */
    int desc;
} ss_sort_t;

typedef struct ss_query {
    const ss_node_t *where; /* NULL: every issue of the site */
    const ss_sort_t *order; /* the final tiebreak on id is the backend's */
    size_t norder;
    /* the viewer's browse restriction: when `restricted` is set, only issues of projects[0..nprojects)
       (those the user may browse) match, in the query itself, so totals count nothing else;
       unset: every project of the site (an app, or a user who may browse them all) */
    int restricted;
    const int64_t *projects;
    size_t nprojects;
    int64_t start_at, max; /* the page */
    int64_t budget_ms;     /* the query is interrupted past this (STORE_BUSY); 0: 2000; < 0: at once */
} ss_query_t;

/* A query that ran past its budget. */
enum { STORE_BUSY = -10 };

/* The page of issues (*out, with their projects' keys in *keys) and, when total is not
 * NULL, how many match in all. */
int store_search(store_t *st, arena_t *a, int64_t site_id, const ss_query_t *q, issue_rec_t **out, const char ***keys,
                 size_t *n, int64_t *total);
/* Only the count. */
int store_search_count(store_t *st, int64_t site_id, const ss_query_t *q, int64_t *total);
/* The backend's plan of the query, one line per step (tests check that indexes are used). */
int store_search_plan(store_t *st, arena_t *a, int64_t site_id, const ss_query_t *q, const char **plan);

/* Lookups the evaluator resolves names with: every id of the site that `name` names
 * (compared without case where Jira does). */
typedef enum {
    SS_L_COMPONENT,    /* components by name */
    SS_L_VERSION,      /* project versions by name */
    SS_L_SPRINT,       /* sprints by name */
    SS_L_USER,         /* users by account id, email or display name (text ids in *names) */
    SS_L_FIELD,        /* custom fields by name (text ids) */
    SS_L_COMPONENT_ID, /* the id itself, if the site has it */
    SS_L_VERSION_ID,
    SS_L_SPRINT_ID,
    SS_L__COUNT
} ss_lookup_t;
/* *ids (numbers) or *names (text) of up to 64 matches; *n 0 when none. */
int store_search_lookup(store_t *st, arena_t *a, int64_t site_id, ss_lookup_t kind, const char *name, int64_t **ids,
                        const char ***names, size_t *n);

#endif
