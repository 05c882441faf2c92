/* jql_eval: a parsed JQL query (product/jql.h) resolved against a site into the store's
 * search tree (store/store_search.h), with Jira's validation (docs/jql.md, "The
 * evaluator"). Every field, value and function is resolved here, against the site's
 * store and as the searching user sees it: a project the user may not browse is a value
 * that "does not exist", exactly as a missing one, and the tree carries the user's browse
 * restriction so that nothing else is counted. What a clause means over the site's rows
 * is the store's (one SQL statement on SQLite).
 *
 * Nothing here knows HTTP: the caller gives the store, the site, the user and a
 * may-browse callback (product/search.c passes perm_allows). */
#ifndef KILN_PRODUCT_JQL_EVAL_H
#define KILN_PRODUCT_JQL_EVAL_H

#include <stdint.h>

#include "base/arena.h"
#include "product/jql.h"
#include "product/jql_date.h"
#include "store/store.h"
#include "store/store_search.h"

#define JQL_EVAL_MAX_MSGS 16 /* validation messages kept (Jira answers several at once) */

typedef struct jql_env {
    store_t *st;
    int64_t site_id;
    const char *user; /* currentUser(): the searching user's (or app bot user's) account id; NULL: none */
    /* 1 when the searcher may browse the project, 0 when not, -1 on a store error; NULL:
       every project (an app acting as itself) */
    int (*may_browse)(void *arg, int64_t project_id);
    void *arg;
    jql_datectx_t date; /* now, the user's zone and week start */
} jql_env_t;

typedef struct jql_msgs {
    const char *msg[JQL_EVAL_MAX_MSGS]; /* Jira's texts, for errorMessages */
    size_t n;
} jql_msgs_t;

enum { JQL_EVAL_OK = 0, JQL_EVAL_INVALID = -1, JQL_EVAL_ERROR = -2 };

/* Resolves q into out (where, order, the browse restriction; the caller sets the page
 * and budget). JQL_EVAL_INVALID with Jira's messages in errs (a field, value, operator or
 * function the query may not use), JQL_EVAL_ERROR on a store error. Everything lives in a. */
int jql_eval(arena_t *a, const jql_env_t *env, const jql_query_t *q, ss_query_t *out, jql_msgs_t *errs);

/* What the evaluator knows of a system field (GET /jql/autocompletedata): 0 and its
 * operators (a bit per jql_op_t), whether it sorts and the Java type Jira names for its
 * values; -1 for a field it does not search (JQL_F_NAMED, JQL_F_CUSTOM). */
int jql_eval_field_info(jql_field_id_t id, unsigned *ops, int *orderable, const char **type);
/* The operators a custom field of this type takes, as above; -1 for a type it does not search. */
int jql_eval_custom_info(const char *field_type, unsigned *ops, const char **type);
/* The functions it runs, with the types of the values they give, NULL-terminated. */
typedef struct jql_func_ref {
    const char *name, *type;
    int list; /* gives a list of values */
} jql_func_ref_t;
extern const jql_func_ref_t jql_eval_functions[];

#endif
