/* jql: Jira Query Language, parsed to a positioned AST in an arena (docs/jql.md).
 *
 * jql_parse reads a query as Jira's parser does: clauses `field operator operand` with
 * the history predicates of WAS and CHANGED, AND/OR/NOT (and && || & | !), parentheses,
 * ORDER BY with several keys. A query it refuses gets Jira's own 400 text in err->msg
 * ("Error in the JQL Query: Expecting operator but got 'foo'. The valid operators are
 * ... (line 1, character 9)"), the same text the REST layer puts in `errorMessages`.
 * Everything the AST holds lives in the arena given to jql_parse and dies with it; the
 * strings are decoded (quotes and escapes removed) and NUL-terminated.
 *
 * The parser knows no site: a field is resolved only as far as the name says (the system
 * fields' table, `cf[N]` and `customfield_N`); a custom field named in words
 * (`"Story Points"`) is JQL_F_NAMED and the evaluator resolves it against the site. What
 * a value means (a date, a user) is for the evaluator too; jql_date.h holds the date
 * semantics that need no store. */
#ifndef KILN_PRODUCT_JQL_H
#define KILN_PRODUCT_JQL_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"

/* Limits on what a client can size; a query past one is refused with a clear message. */
#define JQL_MAX_LEN 32768u   /* bytes of query text */
#define JQL_MAX_DEPTH 32u    /* nesting of parentheses, NOT and lists */
#define JQL_MAX_CLAUSES 512u /* terminal clauses */
#define JQL_MAX_LIST 1000u   /* items of one list, arguments of one function */
#define JQL_MAX_VALUES 5000u /* values in the whole query */
#define JQL_MAX_SORT 16u     /* ORDER BY keys */

/* Where something starts in the query: byte offset, and Jira's line and character (both
 * from 1; characters are code points, as Jira counts them in its messages). */
typedef struct jql_pos {
    uint32_t off, line, col;
} jql_pos_t;

/* The fields whose meaning the product knows; JQL_F_CUSTOM is a custom field by id,
 * JQL_F_NAMED any other name (a custom field by name, or a field kiln does not have:
 * the evaluator answers Jira's "does not exist" for it). */
typedef enum {
    JQL_F_NAMED = 0,
    JQL_F_CUSTOM,
    JQL_F_PROJECT,
    JQL_F_KEY,
    JQL_F_ISSUETYPE,
    JQL_F_STATUS,
    JQL_F_STATUSCATEGORY,
    JQL_F_ASSIGNEE,
    JQL_F_REPORTER,
    JQL_F_CREATOR,
    JQL_F_PRIORITY,
    JQL_F_LABELS,
    JQL_F_CREATED,
    JQL_F_UPDATED,
    JQL_F_RESOLUTION,
    JQL_F_RESOLVED,
    JQL_F_DUE,
    JQL_F_SPRINT,
    JQL_F_PARENT,
    JQL_F_TEXT,
    JQL_F_SUMMARY,
    JQL_F_DESCRIPTION,
    JQL_F_COMMENT,
    JQL_F_COMPONENT,
    JQL_F_FIXVERSION,
    JQL_F_AFFECTEDVERSION,
    JQL_F_ENVIRONMENT,
    JQL_F_WATCHER,
    JQL_F_EPICLINK,
    JQL_F_RANK,
    JQL_F_WORKRATIO,
    JQL_F_ORIGINALESTIMATE,
    JQL_F_REMAININGESTIMATE,
    JQL_F_TIMESPENT,
    JQL_F__COUNT
} jql_field_id_t;

typedef struct jql_field {
    jql_field_id_t id;
    const char *name; /* as written, decoded (for JQL_F_NAMED: the name to resolve) */
    size_t len;       /* of name (a decoded \u0000 may be in it) */
    int64_t cf;       /* JQL_F_CUSTOM: the number of customfield_<cf> */
    jql_pos_t pos;
} jql_field_t;

typedef enum {
    JQL_OP_EQ,
    JQL_OP_NE,
    JQL_OP_GT,
    JQL_OP_GE,
    JQL_OP_LT,
    JQL_OP_LE,
    JQL_OP_LIKE,     /* ~ */
    JQL_OP_NOT_LIKE, /* !~ */
    JQL_OP_IN,
    JQL_OP_NOT_IN,
    JQL_OP_IS,
    JQL_OP_IS_NOT,
    JQL_OP_WAS,
    JQL_OP_WAS_NOT,
    JQL_OP_WAS_IN,
    JQL_OP_WAS_NOT_IN,
    JQL_OP_CHANGED,
    JQL_OP__COUNT
} jql_op_t;

typedef enum {
    JQL_V_STRING, /* a word or a quoted string: str (decoded) */
    JQL_V_NUMBER, /* digits with an optional '-', unquoted: num (and str as written) */
    JQL_V_EMPTY,  /* EMPTY or NULL */
    JQL_V_FUNC,   /* str(args...): items are the arguments, each JQL_V_STRING or JQL_V_NUMBER */
    JQL_V_LIST    /* (items...): items may be lists themselves, as in Jira */
} jql_value_kind_t;

typedef struct jql_value {
    jql_value_kind_t kind;
    jql_pos_t pos;
    const char *str; /* STRING: the text; NUMBER: the digits; FUNC: the name */
    size_t len;      /* of str (a decoded \u0000 may be in it) */
    int quoted;      /* STRING: written in quotes (Jira looks up "10000" and 10000 differently) */
    int64_t num;
    struct jql_value **items;
    size_t n;
} jql_value_t;

/* The history predicates of WAS and CHANGED. */
typedef enum {
    JQL_P_AFTER,
    JQL_P_BEFORE,
    JQL_P_ON,
    JQL_P_DURING,
    JQL_P_BY,
    JQL_P_FROM,
    JQL_P_TO,
    JQL_P__COUNT
} jql_pred_kind_t;

typedef struct jql_pred {
    jql_pred_kind_t kind;
    jql_value_t *value;
    jql_pos_t pos;
} jql_pred_t;

typedef enum { JQL_N_OR, JQL_N_AND, JQL_N_NOT, JQL_N_CLAUSE } jql_node_kind_t;

/* A node of the WHERE tree. AND and OR are n-ary (a AND b AND c is one node of three);
 * NOT has one kid. A clause has its field, operator, operand (NULL for CHANGED) and
 * predicates. */
typedef struct jql_node {
    jql_node_kind_t kind;
    jql_pos_t pos;
    struct jql_node **kids;
    size_t n;
    jql_field_t field;
    jql_op_t op;
    jql_value_t *value;
    jql_pred_t *preds;
    size_t npreds;
} jql_node_t;

typedef struct jql_sort {
    jql_field_t field;
    int dir; /* 0: as written without ASC/DESC (the field's default), 1: ASC, -1: DESC */
} jql_sort_t;

typedef struct jql_query {
    jql_node_t *where; /* NULL for a query without clauses ("" or "ORDER BY key") */
    jql_sort_t *order;
    size_t norder;
    size_t nclauses; /* terminal clauses in where */
} jql_query_t;

enum { JQL_OK = 0, JQL_ESYNTAX = -1, JQL_ELIMIT = -2, JQL_ENOMEM = -3 };

typedef struct jql_error {
    int code;      /* JQL_ESYNTAX, JQL_ELIMIT, JQL_ENOMEM */
    jql_pos_t pos; /* where (line 0 when the message names no position: at the end) */
    char msg[512]; /* the whole errorMessages text, Jira's wording */
} jql_error_t;

/* Parses q[0..len) (it need not be NUL-terminated; a NUL in it is an illegal character).
 * On JQL_OK *out is the query, in `a`; otherwise err says why and *out is NULL. */
int jql_parse(arena_t *a, const char *q, size_t len, jql_query_t **out, jql_error_t *err);

/* Writes the query in kiln's canonical form: keywords upper case, every string value in
 * double quotes, numbers as written, fields by their canonical names (cf[N] for custom fields by id), AND
 * and OR flattened with the fewest parentheses that keep the tree. Parsing the result
 * gives a query that prints the same. Returns 0, or -1 when b's maximum was reached. */
int jql_print(const jql_query_t *q, buf_t *b);

/* Names for printing and messages. */
const char *jql_field_name(jql_field_id_t id); /* canonical JQL name, "" for NAMED/CUSTOM */
const char *jql_op_name(jql_op_t op);          /* "=", "NOT IN", "WAS NOT IN", ... */
const char *jql_pred_name(jql_pred_kind_t k);  /* "AFTER", ... */

/* 1 if the word (case-insensitive) is one of Jira's reserved JQL words. */
int jql_is_reserved(const char *w, size_t len);
/* Every reserved word, sorted, lower case (*n of them). */
const char *const *jql_reserved_words(size_t *n);

#endif
