/* The contract a store backend implements, private to the store (nothing outside
 * src/store/ includes it). A backend fills one store_backend_t: the operations every
 * family shares (the handle, migrations, transactions) and one table of operations per
 * table family, each with the meaning its family header gives it. The store_*.c files
 * forward every store_* call to the handle's backend: store.c the shared ones,
 * store_<family>.c their family's.
 *
 * A second backend (PostgreSQL) adds its own store_<backend>_open and its tables; no
 * caller changes. */
#ifndef KILN_STORE_BACKEND_H
#define KILN_STORE_BACKEND_H

#include "store/store.h"
#include "store/store_agile.h"
#include "store/store_apps.h"
#include "store/store_auth.h"
#include "store/store_catalog.h"
#include "store/store_changelog.h"
#include "store/store_comments.h"
#include "store/store_deliveries.h"
#include "store/store_devops.h"
#include "store/store_events.h"
#include "store/store_fields.h"
#include "store/store_installs.h"
#include "store/store_journal.h"
#include "store/store_kvs.h"
#include "store/store_links.h"
#include "store/store_product.h"
#include "store/store_properties.h"
#include "store/store_roles.h"
#include "store/store_schedules.h"
#include "store/store_search.h"
#include "store/store_sessions.h"
#include "store/store_sites.h"
#include "store/store_worklogs.h"

/* sites, users, user API tokens (store/store_sites.h) */
typedef struct store_sites_ops {
    int (*site_insert)(store_t *st, site_rec_t *site);
    int (*site_by_name)(store_t *st, arena_t *a, const char *name, site_rec_t *out);
    int (*site_by_id)(store_t *st, arena_t *a, int64_t id, site_rec_t *out);
    int (*site_list)(store_t *st, arena_t *a, site_rec_t **out, size_t *n);
    int (*site_count)(store_t *st, int64_t *n);
    int (*user_insert)(store_t *st, int64_t site_id, const user_rec_t *u);
    int (*user_get)(store_t *st, arena_t *a, int64_t site_id, const char *account_id, user_rec_t *out);
    int (*user_list)(store_t *st, arena_t *a, int64_t site_id, int64_t start, int64_t max, user_rec_t **out, size_t *n);
    int (*token_insert)(store_t *st, const unsigned char hash[32], int64_t site_id, const char *account_id);
    int (*token_lookup)(store_t *st, arena_t *a, const unsigned char hash[32], int64_t *site_id,
                        const char **account_id);
    int (*perm_grant)(store_t *st, int64_t site_id, const char *account_id, int64_t project_id, const char *permission);
    int (*perm_has)(store_t *st, int64_t site_id, const char *account_id, int64_t project_id, const char *permission,
                    int *has);
    int (*consent_put)(store_t *st, int64_t site_id, const char *app_id, const char *account_id, int64_t now_ms);
    int (*consent_delete)(store_t *st, int64_t site_id, const char *app_id, const char *account_id);
    int (*consent_has)(store_t *st, int64_t site_id, const char *app_id, const char *account_id, int *has);
    int (*consent_drop_uninstalled)(store_t *st, int64_t site_id, const char *app_id);
} store_sites_ops_t;

/* projects and issues (store/store_product.h) */
typedef struct store_product_ops {
    int (*site_seed_ids)(store_t *st, int64_t site_id, int64_t first);
    int (*next_id)(store_t *st, int64_t site_id, const char *kind, int64_t *id);
    int (*project_insert)(store_t *st, int64_t site_id, project_rec_t *p);
    int (*project_by_id)(store_t *st, arena_t *a, int64_t site_id, int64_t id, project_rec_t *out);
    int (*project_by_key)(store_t *st, arena_t *a, int64_t site_id, const char *key, project_rec_t *out);
    int (*project_search)(store_t *st, arena_t *a, int64_t site_id, const project_filter_t *f, project_rec_t **out,
                          size_t *n, int64_t *total);
    int (*issue_insert)(store_t *st, int64_t site_id, issue_rec_t *i);
    int (*issue_by_id)(store_t *st, arena_t *a, int64_t site_id, int64_t id, issue_rec_t *out,
                       const char **project_key_out);
    int (*issue_by_key)(store_t *st, arena_t *a, int64_t site_id, const char *project_key, int64_t num,
                        issue_rec_t *out, const char **project_key_out);
    int (*issue_update)(store_t *st, int64_t site_id, const issue_rec_t *i);
    int (*issue_delete)(store_t *st, int64_t site_id, int64_t id);
    int (*issue_children)(store_t *st, arena_t *a, int64_t site_id, int64_t parent_id, size_t max, issue_rec_t **out,
                          const char ***project_keys, size_t *n);
    int (*project_update)(store_t *st, int64_t site_id, const project_rec_t *p);
    int (*project_delete)(store_t *st, int64_t site_id, int64_t id);
} store_product_ops_t;

/* custom fields, their values, labels (store/store_fields.h) */
typedef struct store_fields_ops {
    int (*field_insert)(store_t *st, arena_t *a, int64_t site_id, field_rec_t *f);
    int (*field_get)(store_t *st, arena_t *a, int64_t site_id, const char *id, field_rec_t *out);
    int (*field_by_name)(store_t *st, arena_t *a, int64_t site_id, const char *name, field_rec_t *out);
    int (*field_list)(store_t *st, arena_t *a, int64_t site_id, field_rec_t **out, size_t *n);
    int (*values_get)(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, field_value_t **out, size_t *n);
    int (*values_set)(store_t *st, int64_t site_id, int64_t issue_id, const char *field_id, const field_value_t *v,
                      size_t n);
    int (*labels_get)(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, const char ***out, size_t *n);
    int (*labels_set)(store_t *st, int64_t site_id, int64_t issue_id, const char *const *labels, size_t n);
    int (*labels_list)(store_t *st, arena_t *a, int64_t site_id, const char *viewer, const char *viewer_roles,
                       int64_t start, int64_t max, const char ***out, size_t *n, int64_t *total);
} store_fields_ops_t;

/* components, versions, an issue's components and versions (store/store_catalog.h) */
typedef struct store_catalog_ops {
    int (*component_insert)(store_t *st, int64_t site_id, component_rec_t *c);
    int (*component_update)(store_t *st, int64_t site_id, const component_rec_t *c);
    int (*component_get)(store_t *st, arena_t *a, int64_t site_id, int64_t id, component_rec_t *out);
    int (*component_delete)(store_t *st, int64_t site_id, int64_t id);
    int (*component_list)(store_t *st, arena_t *a, int64_t site_id, int64_t project_id, component_rec_t **out,
                          size_t *n);
    int (*pversion_insert)(store_t *st, int64_t site_id, pversion_rec_t *v);
    int (*pversion_update)(store_t *st, int64_t site_id, const pversion_rec_t *v);
    int (*pversion_get)(store_t *st, arena_t *a, int64_t site_id, int64_t id, pversion_rec_t *out);
    int (*pversion_delete)(store_t *st, int64_t site_id, int64_t id);
    int (*component_move)(store_t *st, int64_t site_id, int64_t from, int64_t to);
    int (*pversion_move)(store_t *st, int64_t site_id, int64_t from, int64_t to, int kind);
    int (*pversion_list)(store_t *st, arena_t *a, int64_t site_id, int64_t project_id, pversion_rec_t **out, size_t *n);
    int (*issue_components_get)(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int64_t **out, size_t *n);
    int (*issue_components_set)(store_t *st, int64_t site_id, int64_t issue_id, const int64_t *ids, size_t n);
    int (*issue_versions_get)(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int kind, int64_t **out,
                              size_t *n);
    int (*issue_versions_set)(store_t *st, int64_t site_id, int64_t issue_id, int kind, const int64_t *ids, size_t n);
} store_catalog_ops_t;

/* issue changelogs (store/store_changelog.h) */
typedef struct store_changelog_ops {
    int (*append)(store_t *st, int64_t site_id, change_group_t *g);
    int (*list)(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int64_t start, int64_t max,
                change_group_t **out, size_t *n, int64_t *total);
} store_changelog_ops_t;

/* apps, environments, versions, variables (store/store_apps.h) */
typedef struct store_apps_ops {
    int (*app_insert)(store_t *st, const app_rec_t *app);
    int (*app_get)(store_t *st, arena_t *a, const char *id, app_rec_t *out);
    int (*env_insert)(store_t *st, const env_rec_t *env);
    int (*env_get)(store_t *st, arena_t *a, const char *app_id, const char *key, env_rec_t *out);
    int (*env_set_isolation)(store_t *st, const char *app_id, const char *key, const char *isolation);
    int (*env_list)(store_t *st, arena_t *a, const char *app_id, env_rec_t **out, size_t *n);
    int (*version_insert)(store_t *st, version_rec_t *v);
    int (*version_latest)(store_t *st, arena_t *a, const char *app_id, const char *env_key, int64_t major,
                          version_rec_t *out);
    int (*version_latest_seq)(store_t *st, const char *app_id, const char *env_key, int64_t major, int64_t *seq);
    int (*version_list)(store_t *st, arena_t *a, const char *app_id, const char *env_key, version_rec_t **out,
                        size_t *n);
    int (*version_by_snapshot)(store_t *st, arena_t *a, const char *snapshot, version_rec_t *out);
    int (*snapshot_chunk_put)(store_t *st, const char *snapshot, int64_t idx, const void *bytes, size_t len);
    int (*snapshot_chunk_get)(store_t *st, arena_t *a, const char *snapshot, int64_t idx, const void **bytes,
                              size_t *len);
    int (*snapshot_chunk_count)(store_t *st, const char *snapshot, int64_t *n, int64_t *total);
    int (*snapshots_kept)(store_t *st);
    int (*version_unhashed)(store_t *st, arena_t *a, const char *after, size_t max, version_rec_t **out, size_t *n);
    int (*version_set_sha256)(store_t *st, const char *snapshot, const char *sha256);
    int (*var_put)(store_t *st, const char *app_id, const char *env_key, const var_rec_t *v);
    int (*var_delete)(store_t *st, const char *app_id, const char *env_key, const char *key);
    int (*var_list)(store_t *st, arena_t *a, const char *app_id, const char *env_key, var_rec_t **out, size_t *n);
} store_apps_ops_t;

/* installations and webtriggers (store/store_installs.h) */
typedef struct store_installs_ops {
    int (*install_insert)(store_t *st, const install_rec_t *in);
    int (*install_get)(store_t *st, arena_t *a, const char *id, install_rec_t *out);
    int (*install_active)(store_t *st, arena_t *a, int64_t site_id, const char *app_id, const char *env_key,
                          install_rec_t *out);
    int (*install_list)(store_t *st, arena_t *a, const char *app_id, install_rec_t **out, size_t *n);
    int (*install_site)(store_t *st, arena_t *a, int64_t site_id, install_rec_t **out, size_t *n);
    int (*install_site_mentions)(store_t *st, int64_t site_id, const char *needle, int *yes);
    int (*install_set_major)(store_t *st, const char *id, int64_t major, const char *scopes_json,
                             const char *egress_json, int64_t now_ms);
    int (*install_remove)(store_t *st, const char *id, int64_t now_ms, int64_t purge_after_ms);
    int (*install_purgeable)(store_t *st, arena_t *a, int64_t now_ms, install_rec_t **out, size_t *n);
    int (*install_purge)(store_t *st, const char *id);
    int (*webtrigger_ensure)(store_t *st, arena_t *a, const char *installation_id, const char *module_key,
                             const char *new_id, int64_t now_ms, const char **id);
    int (*webtrigger_get)(store_t *st, arena_t *a, const char *id, const char **installation_id,
                          const char **module_key);
    int (*webtrigger_delete)(store_t *st, const char *id, const char *installation_id);
    int (*webtrigger_list)(store_t *st, arena_t *a, const char *installation_id, const char ***ids,
                           const char ***modules, size_t *n);
} store_installs_ops_t;

/* app storage (store/store_kvs.h) */
typedef struct store_kvs_ops {
    int (*kvs_get)(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *key,
                   int64_t now_ms, kvs_rec_t *out);
    int (*kvs_get_many)(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity,
                        const char *const *keys, size_t n, int64_t now_ms, kvs_rec_t *out, int *rc);
    int (*kvs_put)(store_t *st, const kvs_owner_t *o, const kvs_rec_t *r, int64_t now_ms);
    int (*kvs_delete)(store_t *st, const kvs_owner_t *o, int kind, const char *entity, const char *key, int64_t now_ms);
    int (*kvs_list)(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *from,
                    const char *to, const char *after, int64_t max, int64_t now_ms, kvs_rec_t **out, size_t *n);
    int (*kvs_expire)(store_t *st, int64_t now_ms, int64_t max, int64_t *removed);
} store_kvs_ops_t;

/* function logs, audit log, ledger (store/store_journal.h) */
typedef struct store_journal_ops {
    int (*logs_insert)(store_t *st, const log_rec_t *recs, size_t n);
    int (*logs_list)(store_t *st, arena_t *a, int64_t site_id, int64_t after_id, int64_t max, int with_invocations,
                     log_rec_t **out, size_t *n);
    int (*audit_insert)(store_t *st, const audit_rec_t *recs, size_t n);
    int (*audit_list)(store_t *st, arena_t *a, int64_t site_id, int64_t since_ms, int64_t after_id, int64_t max,
                      audit_rec_t **out, size_t *n);
    int (*audit_purge)(store_t *st, int64_t before_ms, int64_t *deleted);
    int (*ledger_insert)(store_t *st, const ledger_rec_t *recs, size_t n);
    int (*ledger_list)(store_t *st, arena_t *a, int64_t site_id, int64_t since_ms, int64_t after_id, int64_t max,
                       ledger_rec_t **out, size_t *n);
    int (*ledger_purge)(store_t *st, int64_t before_ms, int64_t *deleted);
} store_journal_ops_t;

/* wrapped keys, system tokens (store/store_auth.h) */
typedef struct store_auth_ops {
    int (*key_insert)(store_t *st, const key_rec_t *k);
    int (*key_get)(store_t *st, arena_t *a, const char *id, key_rec_t *out);
    int (*key_current)(store_t *st, arena_t *a, const char *purpose, key_rec_t *out);
    int (*key_retire)(store_t *st, const char *purpose, int64_t now_ms);
    int (*key_list)(store_t *st, arena_t *a, const char *purpose, size_t max, key_rec_t **out, size_t *n);
    int (*systoken_insert)(store_t *st, const unsigned char hash[32], const systoken_rec_t *r);
    int (*systoken_lookup)(store_t *st, arena_t *a, const unsigned char hash[32], systoken_rec_t *out);
    int (*systoken_delete_installation)(store_t *st, const char *installation_id);
    int (*systoken_delete_expired)(store_t *st, int64_t now_ms);
} store_auth_ops_t;

/* the web UI's sessions and one-time sign-in links (store/store_sessions.h) */
typedef struct store_sessions_ops {
    int (*insert)(store_t *st, const unsigned char hash[32], const session_rec_t *s);
    int (*lookup)(store_t *st, arena_t *a, const unsigned char hash[32], session_rec_t *out);
    int (*touch)(store_t *st, const unsigned char hash[32], int64_t now_ms);
    int (*del)(store_t *st, const unsigned char hash[32]);
    int (*purge)(store_t *st, int64_t now_ms, int64_t idle_before_ms, int64_t *deleted);
    int (*link_insert)(store_t *st, const unsigned char hash[32], int64_t site_id, const char *account_id,
                       int64_t created_ms, int64_t expires_ms);
    int (*link_consume)(store_t *st, arena_t *a, const unsigned char hash[32], int64_t site_id, int64_t now_ms,
                        const char **account_id);
    int (*link_purge)(store_t *st, int64_t now_ms);
} store_sessions_ops_t;

/* product events (store/store_events.h) */
typedef struct store_events_ops {
    int (*append)(store_t *st, int64_t site_id, event_rec_t *e);
    int (*list)(store_t *st, arena_t *a, int64_t site_id, int64_t after, int64_t max, event_rec_t **out, size_t *n);
} store_events_ops_t;

/* deliveries and the fan-out cursor (store/store_deliveries.h) */
typedef struct store_deliveries_ops {
    int (*insert)(store_t *st, delivery_rec_t *d);
    int (*get)(store_t *st, arena_t *a, int64_t id, delivery_rec_t *out);
    int (*due_installations)(store_t *st, arena_t *a, int64_t now_ms, size_t max, const char ***ids, size_t *n);
    int (*due)(store_t *st, arena_t *a, const char *installation_id, int64_t now_ms, size_t max, delivery_rec_t **out,
               size_t *n);
    int (*start)(store_t *st, int64_t id, int64_t now_ms, const char *owner, int64_t lease_until_ms);
    int (*renew)(store_t *st, const char *owner, const char *ids_json, int64_t now_ms, int64_t lease_until_ms,
                 int64_t *n);
    int (*finish)(store_t *st, int64_t id, const char *owner, int state, int64_t due_ms, const char *error,
                  const char *retry_reason, const char *retry_data_json, int64_t now_ms);
    int (*replay)(store_t *st, int64_t id, int64_t now_ms);
    int (*recover)(store_t *st, int64_t now_ms, int all, int64_t *n);
    int (*recover_owner)(store_t *st, const char *owner, int64_t now_ms, int64_t *n);
    int (*list)(store_t *st, arena_t *a, const delivery_filter_t *f, delivery_rec_t **out, size_t *n);
    int (*job_stats)(store_t *st, const char *installation_id, const char *queue, const char *job_id, int64_t *success,
                     int64_t *in_progress, int64_t *failed);
    int (*job_cancel)(store_t *st, const char *installation_id, const char *queue, const char *job_id, int64_t now_ms,
                      int64_t *n);
    int (*order_blocked)(store_t *st, const char *installation_id, const char *order_key, int64_t id, int *blocked);
    int (*running_key)(store_t *st, const char *installation_id, const char *conc_key, int64_t *n);
    int (*drop_installation)(store_t *st, const char *installation_id, const char *why, int64_t now_ms, int64_t *n);
    int (*counts)(store_t *st, const char *app_id, int64_t counts[DLV__STATES]);
    int (*prune)(store_t *st, int64_t final_before_ms, int64_t dead_before_ms, size_t max, int64_t *n);
    int (*cursor_get)(store_t *st, int64_t site_id, int64_t *seq);
    int (*cursor_set)(store_t *st, int64_t site_id, int64_t seq);
    int (*sites_behind)(store_t *st, arena_t *a, int64_t **sites, size_t *n);
    int (*chain_take)(store_t *st, const char *installation_id, const char *root, int64_t max, int64_t now_ms);
} store_deliveries_ops_t;

/* scheduled triggers' next runs (store/store_schedules.h) */
typedef struct store_schedules_ops {
    int (*put)(store_t *st, const schedule_rec_t *s);
    int (*claim)(store_t *st, const char *installation_id, const char *module_key, int64_t slot_ms, int64_t next_ms);
    int (*del)(store_t *st, const char *installation_id, const char *module_key);
    int (*list)(store_t *st, arena_t *a, const char *installation_id, int64_t site_id, schedule_rec_t **out, size_t *n);
    int (*due)(store_t *st, arena_t *a, int64_t now_ms, size_t max, schedule_rec_t **out, size_t *n);
} store_schedules_ops_t;

/* issue links (store/store_links.h) */
typedef struct store_links_ops {
    int (*insert)(store_t *st, int64_t site_id, link_rec_t *l);
    int (*get)(store_t *st, int64_t site_id, int64_t id, link_rec_t *out);
    int (*del)(store_t *st, int64_t site_id, int64_t id);
    int (*of_issue)(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, link_rec_t **out, size_t *n);
} store_links_ops_t;
/* comments, worklogs, entity properties (store/store_comments.h, store_worklogs.h,
 * store_properties.h) */
typedef struct store_comments_ops {
    int (*insert)(store_t *st, int64_t site_id, comment_rec_t *c);
    int (*get)(store_t *st, arena_t *a, int64_t site_id, int64_t id, comment_rec_t *out);
    int (*update)(store_t *st, int64_t site_id, const comment_rec_t *c);
    int (*delete)(store_t *st, int64_t site_id, int64_t id);
    int (*list)(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int desc, int64_t start, int64_t max,
                comment_rec_t **out, size_t *n, int64_t *total);
    int (*restricted)(store_t *st, int64_t site_id, int64_t issue_id, int64_t *n);
} store_comments_ops_t;
typedef struct store_worklogs_ops {
    int (*insert)(store_t *st, int64_t site_id, worklog_rec_t *w);
    int (*get)(store_t *st, arena_t *a, int64_t site_id, int64_t id, worklog_rec_t *out);
    int (*update)(store_t *st, int64_t site_id, const worklog_rec_t *w);
    int (*delete)(store_t *st, int64_t site_id, int64_t id, int64_t now_ms);
    int (*list)(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int64_t after_ms, int64_t before_ms,
                int64_t start, int64_t max, worklog_rec_t **out, size_t *n, int64_t *total);
    int (*changed)(store_t *st, arena_t *a, int64_t site_id, int deleted, int64_t since_ms, int64_t max,
                   worklog_rec_t **out, size_t *n);
} store_worklogs_ops_t;
typedef struct store_properties_ops {
    int (*get)(store_t *st, arena_t *a, int64_t site_id, const char *entity, const char *entity_id, const char *key,
               prop_rec_t *out);
    int (*set)(store_t *st, int64_t site_id, const char *entity, const char *entity_id, const char *key,
               const char *value_json, int64_t now_ms, int *created);
    int (*delete)(store_t *st, int64_t site_id, const char *entity, const char *entity_id, const char *key);
    int (*list)(store_t *st, arena_t *a, int64_t site_id, const char *entity, const char *entity_id, int values,
                prop_rec_t **out, size_t *n);
    int (*delete_all)(store_t *st, int64_t site_id, const char *entity, const char *entity_id);
} store_properties_ops_t;
/* project role actors, permissions by grant or role, users by permission (store/store_roles.h) */
typedef struct store_roles_ops {
    int (*actor_add)(store_t *st, int64_t site_id, int64_t project_id, int64_t role_id, const char *account_id);
    int (*actor_remove)(store_t *st, int64_t site_id, int64_t project_id, int64_t role_id, const char *account_id);
    int (*actor_clear)(store_t *st, int64_t site_id, int64_t project_id, int64_t role_id);
    int (*actor_list)(store_t *st, arena_t *a, int64_t site_id, int64_t project_id, int64_t role_id, const char ***out,
                      size_t *n);
    int (*perm_role_has)(store_t *st, int64_t site_id, const char *account_id, int64_t project_id,
                         const char *permission, const int64_t *roles, size_t nroles, int *has);
    int (*user_search)(store_t *st, arena_t *a, int64_t site_id, const user_filter_t *f, user_rec_t **out, size_t *n,
                       int64_t *total);
} store_roles_ops_t;
/* JQL searches (store/store_search.h) */
typedef struct store_search_ops {
    int (*search)(store_t *st, arena_t *a, int64_t site_id, const ss_query_t *q, issue_rec_t **out, const char ***keys,
                  size_t *n, int64_t *total);
    int (*count)(store_t *st, int64_t site_id, const ss_query_t *q, int64_t *total);
    int (*plan)(store_t *st, arena_t *a, int64_t site_id, const ss_query_t *q, const char **plan);
    int (*lookup)(store_t *st, arena_t *a, int64_t site_id, ss_lookup_t kind, const char *name, int64_t **ids,
                  const char ***names, size_t *n);
} store_search_ops_t;
/* agile: boards, sprints, sprint memberships, ranks (store/store_agile.h) */
typedef struct store_agile_ops {
    int (*board_insert)(store_t *st, int64_t site_id, board_rec_t *b);
    int (*board_get)(store_t *st, arena_t *a, int64_t site_id, int64_t id, board_rec_t *out);
    int (*board_list)(store_t *st, arena_t *a, int64_t site_id, board_rec_t **out, size_t *n);
    int (*board_delete)(store_t *st, int64_t site_id, int64_t id);
    int (*sprint_insert)(store_t *st, int64_t site_id, sprint_rec_t *s);
    int (*sprint_get)(store_t *st, arena_t *a, int64_t site_id, int64_t id, sprint_rec_t *out);
    int (*sprint_update)(store_t *st, int64_t site_id, const sprint_rec_t *s);
    int (*sprint_delete)(store_t *st, int64_t site_id, int64_t id);
    int (*sprint_list)(store_t *st, arena_t *a, int64_t site_id, int64_t board_id, sprint_rec_t **out, size_t *n);
    int (*issue_sprints)(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, sprint_rec_t **out, size_t *n);
    int (*issue_sprint_set)(store_t *st, int64_t site_id, int64_t issue_id, int64_t sprint_id);
    int (*issues)(store_t *st, arena_t *a, int64_t site_id, const agile_query_t *q, issue_rec_t **out, size_t *n,
                  int64_t *total);
    int (*rank_set)(store_t *st, int64_t site_id, int64_t issue_id, const char *rank);
    int (*rank_neighbour)(store_t *st, arena_t *a, int64_t site_id, const char *rank, int above, const char **out);
} store_agile_ops_t;

/* DevOps entities (store/store_devops.h) */
typedef struct store_devops_ops {
    int (*put)(store_t *st, int64_t site_id, const devops_rec_t *e, const char *const *issue_keys, size_t nkeys);
    int (*get)(store_t *st, arena_t *a, int64_t site_id, const char *app_id, const char *kind, const char *key,
               devops_rec_t *out);
    int (*del)(store_t *st, int64_t site_id, const char *app_id, const char *kind, const char *key, int64_t max_seq);
    int (*delete_by_props)(store_t *st, int64_t site_id, const char *app_id, const char *kind, const char *props_json,
                           int64_t max_seq, int64_t *deleted);
} store_devops_ops_t;

typedef struct store_backend {
    const char *name;
    /* the handle, migrations and transactions (store/store.h) */
    void (*close)(store_t *st);
    int (*migrate)(store_t *st, char *err, size_t errlen);
    int (*check)(store_t *st, char *out, size_t outlen);
    int (*begin)(store_t *st);
    int (*begin_whole)(store_t *st); /* NULL: begin */
    int (*begin_read)(store_t *st);
    int (*reading)(store_t *st);
    void (*idle)(store_t *st);
    void (*keep_nothing)(store_t *st); /* NULL: the backend keeps nothing between calls anyway */
    int (*commit)(store_t *st);
    void (*rollback)(store_t *st);
    int (*savepoint)(store_t *st);
    int (*savepoint_release)(store_t *st);
    void (*savepoint_rollback)(store_t *st);
    void (*relax_durability)(store_t *st);
    int (*begin_unsynced)(store_t *st);
    int (*sync)(store_t *st);
    int (*synced)(store_t *st);
    uint64_t (*last_awaited_commit)(store_t *st);
    enum store_seq_state (*seq_state)(store_t *st, uint64_t seq);
    void (*commit_stats)(uint64_t *commits, uint64_t *fsyncs, uint64_t *held);
    void (*defer_durability)(store_t *st, int on);
    uint64_t (*last_commit)(store_t *st);
    int (*when_durable)(store_t *st, uint64_t seq, store_dwait_t *w);
    int (*syncer_start)(store_t *st);
    void (*syncer_stop)(void);
    int (*writes_stopped)(store_t *st);
    void (*bind_site)(store_t *st, int64_t site_id); /* NULL: the backend has no use for it */
    store_t *(*admin)(store_t *st);                  /* store_admin; NULL: st itself (one role sees every site) */
    /* tells the other nodes "<kind> <site>" (store.h, "several nodes") with the handle's
     * open transaction (heard only if it commits), or at once outside one; NULL: one
     * process (SQLite), nobody to tell */
    void (*notify)(store_t *st, const char *payload);
    /* store_work_claim / store_work_release (store.h); NULL: one process, always its own */
    int (*work_claim)(store_t *st, const char *work);
    void (*work_release)(store_t *st, const char *work);
    /* the table families */
    const store_sites_ops_t *sites;
    const store_product_ops_t *product;
    const store_apps_ops_t *apps;
    const store_installs_ops_t *installs;
    const store_kvs_ops_t *kvs;
    const store_journal_ops_t *journal;
    const store_auth_ops_t *auth;
    const store_events_ops_t *events;
    const store_fields_ops_t *fields;
    const store_catalog_ops_t *catalog;
    const store_changelog_ops_t *changelog;
    const store_links_ops_t *links;
    const store_comments_ops_t *comments;
    const store_worklogs_ops_t *worklogs;
    const store_properties_ops_t *properties;
    const store_roles_ops_t *roles;
    const store_search_ops_t *search;
    const store_agile_ops_t *agile;
    const store_devops_ops_t *devops;
    const store_deliveries_ops_t *deliveries;
    const store_schedules_ops_t *schedules;
    const store_sessions_ops_t *sessions;
} store_backend_t;

/* Every backend's handle starts with this (a backend's own handle embeds it first). */
struct store {
    const store_backend_t *be;
    const struct db_driver *db; /* how the families run their SQL (store/sql/db.h) */
    struct qcache *qc;          /* project-search answers (store/qcache.h), freed by store_close */
    int64_t events_site;        /* the site product events were appended for in the open transaction
                                   (0: none; -1: more than one), for the commit hook (store.h) */
    int installs_changed;       /* an installations write was made since the last commit or
                                   rollback: store_installs_gen moves again when it ends */
    int64_t projects_site;      /* the site whose projects were written since the last commit or
                                   rollback (0: none; -1: more than one): its store_projects_gen
                                   moves again when it ends */
};

/* For the backends: the open transaction's commit is written (visible to other handles),
 * its durability perhaps not yet (the group fsync under way): the product-events hook
 * (store.h) is called now rather than after that fsync. Once per transaction at most. */
void store_note_written(store_t *st);

/* For the family wrappers: an installations write was just made on the handle (in its
 * transaction, or committed if none was open): store_installs_gen moves now and again
 * when the handle's transaction ends (store.h). */
void store_note_installs(store_t *st, int64_t site_id);
/* For the family wrappers: a write that ends credentials (a session's deletion or purge, a
 * user write) was just made on the handle: store_auth_gen moves, and other nodes hear of
 * it when the handle's transaction commits (store.h). */
void store_note_auth(store_t *st, int64_t site_id);
/* The same for a key written or retired (store_keys_gen). */
void store_note_keys(store_t *st);
/* For the family wrappers: a write to site_id's projects, or to who may browse them
 * (permission grants, project role actors), was just made on the handle (as
 * store_note_installs): store_projects_gen(site_id) moves now, on the other nodes when the
 * transaction commits, and here again when it ends. */
void store_note_projects(store_t *st, int64_t site_id);
/* store.c: the installations and projects generations' second move, once the writing
 * transaction ended (store/changes.c holds the generations). */
void store_installs_settled(void);
void store_projects_settled(int64_t site_id);
/* postgres/listen.c: 1 while this process's listening session is open (every other
 * node's change is heard); 0 before store_listen_start and while the session is lost. */
int store_postgres_listening(void);

/* A backend calls this when a write fails because the filesystem is full (any thread):
 * what store_full_since() reads. */
void store_note_full(void);

/* The backends (store_open picks one). */
store_t *store_sqlite_open(const char *data_dir, char *err, size_t errlen);
/* store_postgres_open: store.h (postgres/driver.c) */
/* store_prepare and store_check_selected for PostgreSQL (postgres/migrate.c, check.c) */
int store_postgres_prepare(const char *url, unsigned *applied, char *err, size_t errlen);
int store_postgres_check(const char *url, char *out, size_t outlen);
/* The listening session (postgres/listen.c; store.h store_listen_start). */
int store_postgres_listen_start(const char *url, char *err, size_t errlen);
void store_postgres_listen_stop(void);

#endif
