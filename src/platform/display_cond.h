/* Display conditions of UI modules (a manifest's `displayConditions`, Forge's Jira set):
 * which conditions kiln knows, what value each takes (checked at deploy by
 * platform/manifest_ui.c), and their evaluation per request against the signed-in user and
 * the issue or project being shown (GET /_ui/v1/modules, platform/ui_modules.h).
 *
 * Shape (Forge's): a mapping whose entries all hold (and); the operators `and`, `or` and
 * `not` take a mapping or a list of mappings: `and` holds when all its conditions do, `or`
 * when any of its entries (a mapping's entries one by one, a list's items) does, `not` when
 * its conditions together (and) do not. At most DCOND_MAX_DEPTH levels of operators
 * (Forge's limit) and DCOND_MAX_NODES conditions in one module.
 *
 * Evaluation: a condition of the issue (issueType, isIssueUnresolved, ...) is false where
 * no issue is shown, one of the project false where no project is (Forge: "evaluate to
 * false if used in other modules"); a condition kiln does not evaluate (appEdition,
 * entityProperty*, ...) or does not know holds, so the module is shown (deploy warned about
 * it). A permission is read from the store (product/perm.h) as the user holds it now.
 * Display conditions are not a security boundary (Forge says so too): the data a module
 * reaches is checked by the APIs it calls. */
#ifndef KILN_DISPLAY_COND_H
#define KILN_DISPLAY_COND_H

#include <jansson.h>

#include "store/store.h"
#include "store/store_product.h"
#include "store/store_sites.h"

#define DCOND_MAX_DEPTH 10  /* nested and/or/not (Forge's limit) */
#define DCOND_MAX_NODES 200 /* conditions and operators in one displayConditions */

/* What a condition's value must be. */
enum dcond_value {
    DCOND_BOOL,    /* true or false: the condition must be that */
    DCOND_STRING,  /* one string */
    DCOND_STRINGS, /* a string or a list of strings: any of them */
    DCOND_ANY,     /* anything (the conditions kiln does not evaluate) */
};

/* Where a condition can hold. */
enum dcond_scope { DCOND_GLOBAL, DCOND_PROJECT, DCOND_ISSUE };

typedef struct dcond_ctx dcond_ctx_t;

typedef struct dcond_def {
    const char *name;
    enum dcond_value value;
    enum dcond_scope scope;
    /* 1 holds, 0 not, -1 store error; NULL: kiln does not evaluate it (it holds) */
    int (*eval)(const dcond_ctx_t *c, const struct dcond_def *d, json_t *v);
    const char *perm; /* the permission a canX or isX condition checks, or NULL */
    int kiln_only;    /* 1: a Connect-era condition Forge's schema does not list */
} dcond_def_t;

/* The condition called `name`, or NULL (unknown: a deploy warning, and it holds). */
const dcond_def_t *dcond_find(const char *name);
/* 1 if name is and, or, not. */
int dcond_is_op(const char *name);
/* The variables a jiraExpression condition may use. */
extern const char *const dcond_expr_vars[];

/* Who is looking and at what. issue and project may be NULL; with an issue, project is its
 * project. Everything is borrowed. */
struct dcond_ctx {
    store_t *st;
    arena_t *a;
    const site_rec_t *site;
    const user_rec_t *user;
    const project_rec_t *project;
    const issue_rec_t *issue;
    const char *issue_key; /* "WEB-1" with an issue */
};

/* Whether displayConditions `conds` (NULL: none) hold: 1 yes, 0 no, -1 store error. A
 * shape the deploy check would refuse, where evaluation reaches it, makes the whole not
 * hold. */
int dcond_eval(const dcond_ctx_t *c, json_t *conds);

#endif
