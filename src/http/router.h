/* Route tables: {method, pattern, handler, scopes}. A pattern is a path template whose
 * segments are literals or {params}; a literal beats a param at the same position, so
 * tables need not be ordered by hand. Matching works on decoded segments. */
#ifndef KILN_ROUTER_H
#define KILN_ROUTER_H

#include "auth/scopes.h"
#include "http/request.h"

typedef void (*route_fn)(kreq_t *kr);

typedef struct route {
    const char *method;
    const char *pattern;
    route_fn fn;
    /* Filled by router_init: the operation's scope sets (product routes), the metrics id
     * and the split pattern. */
    const struct scope_op *scopes;
    unsigned metric;
    const char *segs[KILN_MAX_SEGMENTS];
    unsigned nsegs;
} route_t;

typedef struct route_table {
    const char *name; /* metrics prefix, e.g. "jira" */
    route_t *routes;
    unsigned n;
    int scoped; /* 1: every route must have an entry in the scope table */
    int ready;  /* set by router_init */
} route_table_t;

/* Splits patterns, looks up scope sets, registers metrics, once per table and process (a
 * second call returns 0 and does nothing). Returns 0, or -1 (logged) when a scoped route
 * has no operation in the scope table. Not thread-safe: call at start. */
int router_init(route_table_t *t);

enum { ROUTE_FOUND = 0, ROUTE_NOT_FOUND = -1, ROUTE_BAD_METHOD = -2 };

/* Matches kr->seg[kr->base..] against the table; on success sets kr->route, kr->params
 * and kr->metric_route. */
int router_match(const route_table_t *t, kreq_t *kr);

#endif
