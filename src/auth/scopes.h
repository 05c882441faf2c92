/* OAuth scope sets of Jira operations, generated from the Jira Cloud OpenAPI description
 * (x-atlassian-oauth2-scopes) into scope_table.c by `make scopes`.
 *
 * An operation is allowed when the caller holds every scope of its classic set
 * ("Current") or every scope of its granular set ("Beta"). A NULL set does not exist
 * for that operation; an empty set ("") needs no scope at all. */
#ifndef KILN_SCOPES_H
#define KILN_SCOPES_H

#include <stddef.h>

struct scope_op {
    const char *method;   /* "GET", "POST", ... */
    const char *path;     /* template, e.g. "/rest/api/3/project/{projectIdOrKey}" */
    const char *classic;  /* space-separated, or NULL */
    const char *granular; /* space-separated, or NULL */
};

/* Sorted by (path, method) with strcmp. */
extern const struct scope_op scope_ops[];
extern const size_t scope_ops_len;

/* The granted set of credentials that carry every scope (user API tokens, as Jira). */
#define SCOPE_ALL "*"

/* Binary search; NULL if the table has no such operation. */
const struct scope_op *scope_find(const char *method, const char *path);

/* 1 if `granted` (space-separated scopes, or SCOPE_ALL) satisfies op. An op with
 * neither set is allowed only to SCOPE_ALL. */
int scope_allows(const struct scope_op *op, const char *granted);

#endif
