/* The table families written once over the neutral statement layer (sql/db.h), shared by
 * every backend: each file implements one family header's operations and exports them as
 * one ops table (store_backend.h) that a backend plugs in. Private to the store.
 *
 *   sites.c     store/store_sites.h      (sites, users, user_tokens)
 *   product.c   store/store_product.h    (projects, issues, id_seq; the project-search cache)
 *   apps.c      store/store_apps.h       (apps, environments, versions, variables)
 *   installs.c  store/store_installs.h   (installations, webtriggers, lifecycle_events)
 *   kvs.c       store/store_kvs.h        (kvs)
 *   journal.c   store/store_journal.h    (function_logs, audit_log, ledger)
 *   auth.c      store/store_auth.h       (keys, system_tokens)
 *   events.c    store/store_events.h     (product_events)
 *   links.c     store/store_links.h      (issue_links)
 *   fields.c    store/store_fields.h     (fields, field_values, issue_labels)
 *   catalog.c   store/store_catalog.h    (components, versions_jira, issue_components, issue_versions)
 *   changelog.c store/store_changelog.h  (changegroups, changeitems)
 *   comments.c  store/store_comments.h   (comments)
 *   worklogs.c  store/store_worklogs.h   (worklogs)
 *   properties.c store/store_properties.h (entity_properties)
 *   roles.c     store/store_roles.h      (project_role_actors; permissions by grant or role)
 *   search.c    store/store_search.h     (JQL searches over issues and what hangs on them)
 *   agile.c     store/store_agile.h      (boards, sprints, issue_sprints, issues.rank)
 *   devops.c    store/store_devops.h     (devops_entities, devops_issue_keys)
 *   deliveries.c store/store_deliveries.h (deliveries, event_cursors)
 *   schedules.c store/store_schedules.h  (schedules)
 *   sessions.c  store/store_sessions.h   (sessions, login_links)
 *
 * Each family file owns the SQL of its statements: a table indexed by its own enum,
 * described by a db_sql_t, prepared once per handle on first use (db_stmt). A statement
 * runs in the caller's transaction, or in one of its own (db_write1, db_tx_open/db_tx_close)
 * when the caller has none open. */
#ifndef KILN_STORE_SQL_FAMILIES_H
#define KILN_STORE_SQL_FAMILIES_H

#include "store/sql/db.h"

/* ---- across families ---- */

/* The columns of an issue row (product.c's ISSUE_COLS, "i." the issues table), in the
 * order db_read_issue reads them: the JQL search and other families select the same. */
#define DB_ISSUE_COLS                                                                                                  \
    "i.id, i.project_id, i.num, i.issuetype_id, i.status_id, i.priority_id, i.resolution_id, i.summary, "              \
    "i.description_json, i.environment_json, i.reporter_account_id, i.creator_account_id, "                            \
    "i.assignee_account_id, i.parent_id, i.duedate, i.original_estimate_s, i.remaining_estimate_s, "                   \
    "i.time_spent_s, i.rank, i.created_ms, i.updated_ms, i.resolved_ms, i.status_changed_ms"
#define DB_ISSUE_NCOLS 23
/* SQLite's lower(x), which folds ASCII letters only, in PostgreSQL text (a family's pg[]):
 * PostgreSQL's lower() folds other letters too, by the locale. */
#define DB_PG_LOWER(x) "translate(" x ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
/* Reads DB_ISSUE_COLS from the current row into *out (strings in the arena). */
void db_read_issue(arena_t *a, db_stmt_t *q, issue_rec_t *out);

/* Deletes every app storage row of an installation (kvs.c; for store_install_purge,
 * inside its transaction). */
int db_kvs_purge_installation(store_t *st, int64_t site_id, const char *installation_id);
/* Deletes every delivery of an installation, whatever its state (deliveries.c; for
 * store_install_purge, inside its transaction). */
int db_deliveries_purge_installation(store_t *st, const char *installation_id);

/* ---- the families' operations ---- */

extern const store_sites_ops_t db_sites_ops;
extern const store_product_ops_t db_product_ops;
extern const store_apps_ops_t db_apps_ops;
extern const store_installs_ops_t db_installs_ops;
extern const store_kvs_ops_t db_kvs_ops;
extern const store_journal_ops_t db_journal_ops;
extern const store_deliveries_ops_t db_deliveries_ops;
extern const store_schedules_ops_t db_schedules_ops;
extern const store_sessions_ops_t db_sessions_ops;
extern const store_events_ops_t db_events_ops;
extern const store_fields_ops_t db_fields_ops;
extern const store_catalog_ops_t db_catalog_ops;
extern const store_changelog_ops_t db_changelog_ops;
extern const store_links_ops_t db_links_ops;
extern const store_comments_ops_t db_comments_ops;
extern const store_worklogs_ops_t db_worklogs_ops;
extern const store_properties_ops_t db_properties_ops;
extern const store_roles_ops_t db_roles_ops;
extern const store_agile_ops_t db_agile_ops;
extern const store_devops_ops_t db_devops_ops;
extern const store_auth_ops_t db_auth_ops;
extern const store_search_ops_t db_search_ops;

/* The families' tables as a backend's store_backend_t initialisers (every backend runs
 * the same families): `static const store_backend_t b = {..., DB_FAMILIES_OPS};` */
#define DB_FAMILIES_OPS                                                                                                \
    .sites = &db_sites_ops, .product = &db_product_ops, .apps = &db_apps_ops, .installs = &db_installs_ops,            \
    .kvs = &db_kvs_ops, .journal = &db_journal_ops, .events = &db_events_ops, .deliveries = &db_deliveries_ops,        \
    .schedules = &db_schedules_ops, .sessions = &db_sessions_ops, .fields = &db_fields_ops,                            \
    .catalog = &db_catalog_ops, .agile = &db_agile_ops, .devops = &db_devops_ops, .changelog = &db_changelog_ops,      \
    .links = &db_links_ops, .comments = &db_comments_ops, .worklogs = &db_worklogs_ops,                                \
    .properties = &db_properties_ops, .roles = &db_roles_ops, .auth = &db_auth_ops, .search = &db_search_ops

#endif
