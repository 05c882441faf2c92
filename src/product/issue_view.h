/* An issue as Jira answers it (IssueBean), and what the caller asked to see of it: the
 * `fields`, `expand` and `properties` parameters of GET issue, the searches and
 * bulkfetch. One renderer serves them all, under /rest/api/2 (text fields as wiki
 * markup) and /rest/api/3 (ADF). */
#ifndef KILN_ISSUE_VIEW_H
#define KILN_ISSUE_VIEW_H

#include <jansson.h>

#include "base/jsonw.h"
#include "http/request.h"
#include "store/store_product.h"

enum {
    IV_RENDERED_FIELDS = 1,
    IV_NAMES = 2,
    IV_SCHEMA = 4,
    IV_CHANGELOG = 8,
    IV_TRANSITIONS = 16,
    IV_EDITMETA = 32,
    IV_OPERATIONS = 64,
    IV_VERSIONED = 128,
};

enum { IV_MAX_FIELDS = 256, IV_MAX_PROPERTIES = 32 };

typedef struct issue_view {
    unsigned expand;      /* IV_* */
    int all;              /* *all: every field */
    int navigable;        /* *navigable: the navigable fields */
    const char **include; /* fields named one by one */
    size_t ninclude;
    const char **exclude; /* -name: left out even if *all or *navigable */
    size_t nexclude;
    const char **properties; /* issue properties to include (keys; "*all") */
    size_t nproperties;
} issue_view_t;

/* Reads Jira's comma-separated `fields` (NULL: `dflt`, "*all" for GET issue, "*navigable"
 * for searches), `expand` and `properties` parameters. Unknown expand names are ignored
 * as Jira does; unknown field names are kept (a custom field that does not exist is
 * simply not answered). -1 with a message in err when a list is over its limit. */
int issue_view_parse(arena_t *a, const char *fields, const char *dflt, const char *expand, const char *properties,
                     issue_view_t *v, char *err, size_t errlen);

/* A body's `fields`, `expand` or `properties` member (a JSON array of strings, or a
 * string) as the comma-separated list issue_view_parse reads; NULL if absent. Sets *bad
 * for anything else or more than IV_MAX_FIELDS items. */
const char *issue_view_list(kreq_t *kr, json_t *v, int *bad);

/* 1 if the view answers field `id`; `navigable` says whether the field is. */
int issue_view_wants(const issue_view_t *v, const char *id, int navigable);

/* Writes the IssueBean of i (its project's key `project_key`) as v asks. The caller has
 * checked that the principal may browse i's project. */
void render_issue(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *project_key, const issue_view_t *v);

/* One changelog group (Changelog: id, author, created, items). */
struct change_group;
void render_changelog_group(jsonw_t *w, kreq_t *kr, const struct change_group *g);

/* An issue as parents, subtasks and links show it (id, key, self, fields: summary,
 * status, priority, issuetype); pkey is its project's key. */
void render_issue_ref(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *pkey);

/* Writes the Status of this id (StatusDetails, with its category). */
void render_status(jsonw_t *w, kreq_t *kr, int64_t status_id);

#endif
