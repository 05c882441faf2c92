/* The definitions every site shares, as Jira's defaults name them: status categories,
 * statuses, priorities, resolutions, issue types and which project types have them, the
 * one workflow of each project type with its transitions, issue link types, project
 * roles and the permissions each role grants, and the system fields. They are kiln's
 * tables, not rows (a site cannot edit them: Jira's admin APIs for them are not among the
 * operations kiln serves; docs/product.md). Ids are Jira's defaults where Jira has fixed
 * ones (status categories 1-4, priorities 1-5), otherwise Jira Cloud's usual ones.
 *
 * Site data (projects, issues, custom fields, comments ...) lives in the store
 * (store/store_product.h and the families beside it). */
#ifndef KILN_MODEL_H
#define KILN_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* ---- status categories (Jira's fixed four) ---- */
enum { CAT_UNDEFINED = 1, CAT_NEW = 2, CAT_DONE = 3, CAT_INDETERMINATE = 4 };
typedef struct status_category_def {
    int id;
    const char *key, *color_name, *name;
} status_category_def_t;
const status_category_def_t *status_category_find(int id);
/* By key ("new", "indeterminate", "done") or name ("To Do", "In Progress", "Done"),
 * case-insensitive; NULL if none. */
const status_category_def_t *status_category_named(const char *s);

/* ---- statuses ---- */
enum { STATUS_TODO = 10000, STATUS_IN_PROGRESS = 10001, STATUS_DONE = 10002, STATUS_IN_REVIEW = 10003 };
typedef struct status_def {
    int64_t id;
    const char *name, *description;
    int category; /* CAT_* */
} status_def_t;
extern const status_def_t model_statuses[];
extern const size_t model_statuses_len;
const status_def_t *status_find(int64_t id);
const status_def_t *status_named(const char *name); /* case-insensitive, as JQL compares */

/* ---- priorities ---- */
typedef struct priority_def {
    int64_t id;
    const char *name, *description, *color, *icon;
} priority_def_t;
enum { PRIORITY_DEFAULT = 3 }; /* Medium */
extern const priority_def_t model_priorities[];
extern const size_t model_priorities_len;
const priority_def_t *priority_find(int64_t id);
const priority_def_t *priority_named(const char *name);

/* ---- resolutions ---- */
typedef struct resolution_def {
    int64_t id;
    const char *name, *description;
} resolution_def_t;
extern const resolution_def_t model_resolutions[];
extern const size_t model_resolutions_len;
const resolution_def_t *resolution_find(int64_t id);
const resolution_def_t *resolution_named(const char *name);

/* ---- issue types ---- */
enum { ITYPE_TASK = 10001, ITYPE_BUG = 10002, ITYPE_STORY = 10003, ITYPE_EPIC = 10004, ITYPE_SUBTASK = 10005 };
typedef struct issue_type {
    int64_t id;
    const char *name, *description;
    int hierarchy_level; /* -1 subtask, 0 standard, 1 epic */
} issue_type_t;
extern const issue_type_t model_issue_types[];
extern const size_t model_issue_types_len;
const issue_type_t *issue_type_find(int64_t id);
const issue_type_t *issue_type_named(const char *name);
/* The issue types a project of this type key (software, business, service_desk) offers. */
int issue_type_in_project(const char *project_type, int64_t issuetype_id);

/* ---- workflows: one per project type ---- */
typedef struct transition_def {
    int64_t id;
    const char *name;
    int64_t from; /* the status it leaves; 0: any status of the workflow (a global transition) */
    int64_t to;
} transition_def_t;
typedef struct workflow_def {
    const char *project_type;
    const char *name;
    const int64_t *statuses; /* 0-terminated; the first is the initial status */
    const transition_def_t *transitions;
    size_t ntransitions;
} workflow_def_t;
const workflow_def_t *workflow_for(const char *project_type);
/* The transition with this id that leaves `from`, or NULL (a transition from a status it
 * does not leave is no transition). */
const transition_def_t *workflow_transition(const workflow_def_t *wf, int64_t id, int64_t from);
int workflow_has_status(const workflow_def_t *wf, int64_t status_id);

/* ---- issue link types ---- */
typedef struct link_type_def {
    int64_t id;
    const char *name, *inward, *outward;
} link_type_def_t;
extern const link_type_def_t model_link_types[];
extern const size_t model_link_types_len;
const link_type_def_t *link_type_find(int64_t id);
const link_type_def_t *link_type_named(const char *name);

/* ---- project roles and what they grant (the site's one permission scheme) ---- */
enum { ROLE_ADMINISTRATORS = 10002, ROLE_MEMBER = 10003, ROLE_VIEWER = 10004 };
typedef struct role_def {
    int64_t id;
    const char *name, *description;
    const char *const *permissions; /* NULL-terminated project permission keys */
} role_def_t;
extern const role_def_t model_roles[];
extern const size_t model_roles_len;
const role_def_t *role_find(int64_t id);
const role_def_t *role_named(const char *name);
/* 1 if the role grants the project permission `key`. */
int role_grants(const role_def_t *r, const char *key);

/* ---- system fields ---- */
typedef struct sysfield_def {
    const char *id, *name;
    const char *schema_type;         /* Jira's schema.type: string, user, array, date, datetime, ... */
    const char *schema_items;        /* for arrays, or NULL */
    const char *schema_system;       /* schema.system */
    const char *const *clause_names; /* NULL-terminated JQL names */
    int orderable, navigable, searchable;
} sysfield_def_t;
extern const sysfield_def_t model_sysfields[];
extern const size_t model_sysfields_len;
const sysfield_def_t *sysfield_find(const char *id);

#endif
