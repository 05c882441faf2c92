/* The store's product family: the Jira-compatible product's projects and issues
 * (product/). Tables: projects, issues, and the per-site id sequences kept on sites.
 *
 * Ids follow Jira: projects and issues get numeric ids from per-site counters starting
 * at 10000; an issue also gets the next number of its project (its key is
 * PROJECTKEY-NUM). The store takes ids, keys and numbers; reading Jira's "id or key"
 * strings is the product's business (product/idkey.h). */
#ifndef KILN_STORE_PRODUCT_H
#define KILN_STORE_PRODUCT_H

#include "store/store.h"

typedef struct project_rec {
    int64_t id;
    const char *key, *name, *description, *type_key, *lead_account_id, *assignee_type, *url;
    int64_t created_ms;
    int64_t issue_count;          /* filled by a search with `insight`; 0 otherwise */
    int64_t last_issue_update_ms; /* filled by a search with `insight`; 0 if none or not asked */
} project_rec_t;

typedef struct issue_rec {
    int64_t id, project_id, num;
    int64_t issuetype_id, status_id, priority_id; /* product/model.h's ids */
    int64_t resolution_id;                        /* 0: unresolved */
    const char *summary;
    const char *description_json, *environment_json; /* ADF documents, or NULL */
    const char *reporter_account_id;                 /* NULL: none */
    const char *creator_account_id;
    const char *assignee_account_id;                                 /* NULL: unassigned */
    int64_t parent_id;                                               /* 0: none */
    const char *duedate;                                             /* YYYY-MM-DD, or NULL */
    int64_t original_estimate_s, remaining_estimate_s, time_spent_s; /* -1: not set */
    const char *rank; /* agile order (byte order); "" on insert: after every issue of the site */
    int64_t created_ms, updated_ms;
    int64_t resolved_ms; /* 0: unresolved */
    int64_t status_changed_ms;
} issue_rec_t;

typedef struct project_filter {
    const char *query;      /* lowercase substring of key or name, or NULL */
    const char *keys_json;  /* JSON array of keys, or NULL */
    const char *types_json; /* JSON array of projectTypeKeys, or NULL */
    int order;              /* one of PROJECT_ORDER_* */
    int64_t start_at, max_results;
    int insight; /* 1: fill issue_count and last_issue_update_ms */
    /* a user's account id: only the projects it may browse (BROWSE_PROJECTS, store_perm_role_has);
       NULL: every project (an app). A search with a viewer is cached per viewer and roles (store/qcache.h). */
    const char *viewer;
    /* with a viewer: the roles granting BROWSE_PROJECTS (a JSON array of role ids,
       perm_roles_json); the viewer may browse a project where it holds one of them */
    const char *viewer_roles;
} project_filter_t;

enum { PROJECT_ORDER_KEY, PROJECT_ORDER_KEY_DESC, PROJECT_ORDER_NAME, PROJECT_ORDER_NAME_DESC };

/* Moves the site's project and issue id sequences forward to `first` (never back): the
 * next project and the next issue get id >= first. A demo site takes its own range this
 * way (product/demo.h). STORE_NOTFOUND if there is no such site. */
int store_site_seed_ids(store_t *st, int64_t site_id, int64_t first);

/* The next id of `kind` on the site ("comment", "worklog", "changegroup", "component",
 * "version", "field", "link", "board", "sprint", ...: one counter per site and kind; the
 * first is the site's id base, 10000 on a site without demo content). */
int store_next_id(store_t *st, int64_t site_id, const char *kind, int64_t *id);

/* ---- projects ---- */
/* Assigns the next project id of the site; STORE_CONFLICT if the key is taken. */
int store_project_insert(store_t *st, int64_t site_id, project_rec_t *p);
/* The project with this id, or with this key (exact: keys are case-sensitive). */
int store_project_by_id(store_t *st, arena_t *a, int64_t site_id, int64_t id, project_rec_t *out);
int store_project_by_key(store_t *st, arena_t *a, int64_t site_id, const char *key, project_rec_t *out);
int store_project_search(store_t *st, arena_t *a, int64_t site_id, const project_filter_t *f, project_rec_t **out,
                         size_t *n, int64_t *total);
/* Writes p's name, description, lead, assignee type and URL (its key, type and id stay);
 * STORE_NOTFOUND if the site has no project p->id. */
int store_project_update(store_t *st, int64_t site_id, const project_rec_t *p);
/* Deletes the project and everything of it: its issues with all that hangs on them (as
 * store_issue_delete), its components, versions, role actors, direct grants in it, project
 * properties, boards and their sprints. STORE_NOTFOUND if there is no such project. */
int store_project_delete(store_t *st, int64_t site_id, int64_t id);

/* ---- issues ---- */
/* Assigns the site-wide id and the project's next number. */
int store_issue_insert(store_t *st, int64_t site_id, issue_rec_t *i);
/* The issue with this id, or number `num` of the project with key `project_key` (the
 * issue key PROJECT_KEY-NUM); *project_key_out is the project's key (arena). */
int store_issue_by_id(store_t *st, arena_t *a, int64_t site_id, int64_t id, issue_rec_t *out,
                      const char **project_key_out);
/* Writes every column of i but its id, project, number and created time (an edit);
 * STORE_NOTFOUND if the site has no issue i->id. */
int store_issue_update(store_t *st, int64_t site_id, const issue_rec_t *i);
/* Deletes the issue and everything that hangs on it: labels, components, versions,
 * custom field values, comments, worklogs, changelog, issue properties, links, sprint
 * memberships. Subtasks are the caller's (Jira refuses, or deletes them first).
 * STORE_NOTFOUND if there is no such issue. */
int store_issue_delete(store_t *st, int64_t site_id, int64_t id);
/* The issues whose parent is parent_id (an epic's children, an issue's subtasks), by id,
 * at most `max` of them, with their projects' keys (arena). */
int store_issue_children(store_t *st, arena_t *a, int64_t site_id, int64_t parent_id, size_t max, issue_rec_t **out,
                         const char ***project_keys, size_t *n);
int store_issue_by_key(store_t *st, arena_t *a, int64_t site_id, const char *project_key, int64_t num, issue_rec_t *out,
                       const char **project_key_out);

#endif
