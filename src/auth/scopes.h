/* OAuth scopes: the scope sets of Jira operations and the set of scope names kiln knows,
 * generated from the Jira Cloud OpenAPI description (x-atlassian-oauth2-scopes) into
 * scope_table.c by `make scopes`, plus Forge's own platform scopes that kiln serves or
 * can honestly ignore (scopes.c, docs/apps.md).
 *
 * An operation is allowed when the caller holds every scope of its classic set
 * ("Current") or every scope of its granular set ("Beta"). A NULL set does not exist
 * for that operation; an empty set ("") needs no scope at all. A scope is a name, never
 * a pattern: no string (not "*", not "read:*") stands for other scopes. */
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

/* Every Jira scope the description names (classic and granular), sorted by strcmp. */
extern const char *const scope_jira_names[];
extern const size_t scope_jira_names_len;

/* Forge's platform scopes (not Jira's) that a manifest may declare, sorted by strcmp,
 * each with what kiln does with it. */
struct scope_platform {
    const char *name;
    const char *kiln; /* one line for docs and tests: served, or why it can be ignored */
    int user_consent; /* 1: an app holding it acts as a user only once that user allowed it */
};
extern const struct scope_platform scope_platform[];
extern const size_t scope_platform_len;

/* Binary search; NULL if the table has no such operation. */
const struct scope_op *scope_find(const char *method, const char *path);

/* 1 if `granted` (space-separated scope names) satisfies op: all of its classic set or
 * all of its granular set, whole names compared exactly. An op with neither set is never
 * allowed. Callers that are not limited by scopes (a site user's API token: Jira applies
 * the user's permissions, not OAuth scopes) do not call this (gateway/gateway.c). */
int scope_allows(const struct scope_op *op, const char *granted);

/* Forge's simplified user consent: 1 if an app granted `granted` (space-separated) must
 * have each user's own consent before it acts as that user (asUser, a UI's requestJira):
 * it holds a scope marked user_consent (read:me, read:account: the user's personal
 * information). Otherwise the site admin's consent at install covers every user, and
 * kiln asks no one. */
int scope_needs_user_consent(const char *granted);

/* 1 if s[0..n) is a scope kiln knows: a name of scope_jira_names or scope_platform,
 * byte for byte (case matters; a NUL, a prefix or a wildcard is not a scope). */
int scope_known(const char *s, size_t n);

#endif
