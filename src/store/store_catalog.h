/* The store's project-catalog family: a project's components and versions, and which of
 * them an issue carries (components; fixVersions and affected versions). Tables:
 * components, versions_jira, issue_components, issue_versions. Ids come from the site's
 * "component" and "version" sequences (store_next_id). */
#ifndef KILN_STORE_CATALOG_H
#define KILN_STORE_CATALOG_H

#include "store/store.h"

typedef struct component_rec {
    int64_t id, project_id;
    const char *name, *description;
    const char *lead_account_id; /* NULL: none */
    const char *assignee_type;   /* PROJECT_DEFAULT, COMPONENT_LEAD, PROJECT_LEAD, UNASSIGNED */
} component_rec_t;

typedef struct pversion_rec {
    int64_t id, project_id;
    const char *name, *description;
    int released, archived;
    const char *start_date, *release_date; /* YYYY-MM-DD, or NULL */
} pversion_rec_t;

enum { ISSUE_FIX_VERSIONS = 0, ISSUE_AFFECTS_VERSIONS = 1 };

/* Inserts assign the id; STORE_CONFLICT when the project has one of that name. Updates
 * write every member but id and project_id; STORE_NOTFOUND if there is no such row. */
int store_component_insert(store_t *st, int64_t site_id, component_rec_t *c);
int store_component_update(store_t *st, int64_t site_id, const component_rec_t *c);
int store_component_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, component_rec_t *out);
/* Deletes the component and takes it off every issue. */
int store_component_delete(store_t *st, int64_t site_id, int64_t id);
int store_component_list(store_t *st, arena_t *a, int64_t site_id, int64_t project_id, component_rec_t **out,
                         size_t *n);

int store_pversion_insert(store_t *st, int64_t site_id, pversion_rec_t *v);
int store_pversion_update(store_t *st, int64_t site_id, const pversion_rec_t *v);
int store_pversion_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, pversion_rec_t *out);
int store_pversion_delete(store_t *st, int64_t site_id, int64_t id);
int store_pversion_list(store_t *st, arena_t *a, int64_t site_id, int64_t project_id, pversion_rec_t **out, size_t *n);

/* Every issue carrying component (version of `kind`) `from` carries `to` too; a delete
 * of `from` then leaves them with `to` (Jira's moveIssuesTo, moveFixIssuesTo,
 * moveAffectedIssuesTo). The caller checks both belong to one project. */
int store_component_move(store_t *st, int64_t site_id, int64_t from, int64_t to);
int store_pversion_move(store_t *st, int64_t site_id, int64_t from, int64_t to, int kind);

/* An issue's component ids and version ids (of `kind`), ascending. */
int store_issue_components_get(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int64_t **out, size_t *n);
int store_issue_components_set(store_t *st, int64_t site_id, int64_t issue_id, const int64_t *ids, size_t n);
int store_issue_versions_get(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int kind, int64_t **out,
                             size_t *n);
int store_issue_versions_set(store_t *st, int64_t site_id, int64_t issue_id, int kind, const int64_t *ids, size_t n);

#endif
