/* The store: every durable fact kiln keeps, behind one interface with pluggable
 * backends (SQLite today, PostgreSQL for fleets later). Handlers call only the store_*
 * functions below, never a backend directly.
 *
 * Threading: a store_t is a handle owned by one thread (each HTTP thread opens its own,
 * with its own prepared statements). Handles of one data dir may be used concurrently.
 *
 * Ownership: strings in records returned by the store are allocated in the arena the
 * caller passes and live as long as it. Records passed in are only read.
 *
 * Tenancy: every tenant-scoped function takes the site id as its first argument after
 * the handle, and every query filters on it. There is no function that reads tenant
 * rows across sites.
 *
 * Results: 0 on success, STORE_NOTFOUND, STORE_CONFLICT (uniqueness), STORE_ERROR. A
 * write returns 0 only after it is durable (SQLite: WAL with synchronous=FULL). */
#ifndef KILN_STORE_H
#define KILN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

enum { STORE_OK = 0, STORE_NOTFOUND = -1, STORE_CONFLICT = -2, STORE_ERROR = -3 };

typedef struct store store_t;

typedef struct site_rec {
    int64_t id;
    const char *cloud_id, *name, *admin_account_id, *canary;
    int64_t created_ms;
} site_rec_t;

typedef struct user_rec {
    const char *account_id, *email, *display_name, *account_type, *time_zone, *locale;
    int active;
} user_rec_t;

typedef struct project_rec {
    int64_t id;
    const char *key, *name, *description, *type_key, *lead_account_id, *assignee_type, *url;
    int64_t created_ms;
    int64_t issue_count;          /* filled by reads */
    int64_t last_issue_update_ms; /* filled by reads; 0 if none */
} project_rec_t;

typedef struct issue_rec {
    int64_t id, project_id, num;
    const char *summary, *description_json, *issuetype_id, *status, *reporter_account_id, *assignee_account_id;
    int64_t created_ms, updated_ms;
} issue_rec_t;

/* ---- apps (docs/apps.md) ---- */

typedef struct app_rec {
    const char *id; /* UUID: the app's ARI is ari:cloud:ecosystem::app/<id> */
    const char *name;
    int64_t created_ms;
} app_rec_t;

typedef struct env_rec {
    const char *app_id, *key, *id; /* key: development|staging|production|custom; id: UUID */
    const char *isolation;         /* workers shared per "version" (default) or per "installation" */
    int64_t created_ms;
} env_rec_t;

typedef struct version_rec {
    const char *app_id, *env_key;
    int64_t seq, major, minor;
    const char *manifest_json, *major_key, *scopes_json, *egress_json, *snapshot;
    int64_t snapshot_bytes, created_ms;
} version_rec_t;

typedef struct install_rec {
    const char *id; /* installationId */
    int64_t site_id;
    const char *app_id, *env_key, *installer_account_id, *bot_account_id;
    int64_t major; /* consented */
    const char *scopes_json, *egress_json;
    int removed, purged;
    int64_t created_ms, updated_ms, removed_ms, purge_after_ms;
} install_rec_t;

typedef struct lifecycle_rec {
    int64_t id;
    const char *installation_id;
    int64_t site_id;
    const char *event, *payload_json;
    int64_t created_ms, delivered_ms;
    int64_t attempts, next_attempt_ms;
} lifecycle_rec_t;

typedef struct project_filter {
    const char *query;      /* lowercase substring of key or name, or NULL */
    const char *keys_json;  /* JSON array of keys, or NULL */
    const char *types_json; /* JSON array of projectTypeKeys, or NULL */
    int order;              /* one of PROJECT_ORDER_* */
    int64_t start_at, max_results;
    int insight; /* 1: fill issue_count and last_issue_update_ms */
} project_filter_t;

enum { PROJECT_ORDER_KEY, PROJECT_ORDER_KEY_DESC, PROJECT_ORDER_NAME, PROJECT_ORDER_NAME_DESC };

typedef struct store_backend store_backend_t;

struct store {
    const store_backend_t *be;
};

/* Opens a handle on the data dir's store, creating the directory's database if needed.
 * Returns NULL and writes a one-line reason into err. */
store_t *store_open(const char *data_dir, char *err, size_t errlen);
void store_close(store_t *st);
/* Brings the schema to the version this binary expects (idempotent). */
int store_migrate(store_t *st, char *err, size_t errlen);
/* Runs the backend's integrity check; writes "ok" or the problems into out. */
int store_check(store_t *st, char *out, size_t outlen);

/* Transactions group writes that must land together (a site with its demo data). */
int store_begin(store_t *st);
/* A read-only transaction: one consistent snapshot that includes every write this
 * process acknowledged before the call. Ended by store_commit (or store_rollback).
 * Backends may keep the snapshot for the next read (SQLite: see store_sqlite.c). */
int store_begin_read(store_t *st);
/* Called by the handle's owner when it has nothing to do: releases what a backend keeps
 * between requests once it is old. */
void store_idle(store_t *st);
int store_commit(store_t *st);
void store_rollback(store_t *st);
/* A savepoint inside an open write transaction: one unit of work that can be undone
 * alone (store_savepoint_rollback) while the transaction goes on. Released by
 * store_savepoint_release; savepoints do not nest. */
int store_savepoint(store_t *st);
int store_savepoint_release(store_t *st);
void store_savepoint_rollback(store_t *st);

/* ---- sites ---- */
int store_site_insert(store_t *st, site_rec_t *site); /* fills site->id */
int store_site_by_name(store_t *st, arena_t *a, const char *name, site_rec_t *out);
int store_site_by_id(store_t *st, arena_t *a, int64_t id, site_rec_t *out);
/* Lists all sites (an operator's view, not a tenant's). *out is arena memory. */
int store_site_list(store_t *st, arena_t *a, site_rec_t **out, size_t *n);
int store_site_count(store_t *st, int64_t *n);
/* Moves the site's project and issue id sequences forward to `first` (never back): the
 * next project and the next issue get id >= first. A demo site takes its own range this
 * way (product/demo.h). STORE_NOTFOUND if there is no such site. */
int store_site_seed_ids(store_t *st, int64_t site_id, int64_t first);

/* ---- users and their API tokens ---- */
int store_user_insert(store_t *st, int64_t site_id, const user_rec_t *u);
int store_user_get(store_t *st, arena_t *a, int64_t site_id, const char *account_id, user_rec_t *out);
int store_user_list(store_t *st, arena_t *a, int64_t site_id, int64_t start, int64_t max, user_rec_t **out, size_t *n);
int store_token_insert(store_t *st, const unsigned char hash[32], int64_t site_id, const char *account_id);
/* Looks a token up by its SHA-256; fills site id and account id (arena). */
int store_token_lookup(store_t *st, arena_t *a, const unsigned char hash[32], int64_t *site_id,
                       const char **account_id);

/* ---- projects ---- */
/* Assigns the next project id of the site; STORE_CONFLICT if the key is taken. */
int store_project_insert(store_t *st, int64_t site_id, project_rec_t *p);
/* The project with this id, or with this key (exact: keys are case-sensitive). Reading
 * Jira's "id or key" strings is the product's business (product/idkey.h). */
int store_project_by_id(store_t *st, arena_t *a, int64_t site_id, int64_t id, project_rec_t *out);
int store_project_by_key(store_t *st, arena_t *a, int64_t site_id, const char *key, project_rec_t *out);
int store_project_search(store_t *st, arena_t *a, int64_t site_id, const project_filter_t *f, project_rec_t **out,
                         size_t *n, int64_t *total);

/* ---- issues ---- */
/* Assigns the site-wide id and the project's next number. */
int store_issue_insert(store_t *st, int64_t site_id, issue_rec_t *i);
/* The issue with this id, or number `num` of the project with key `project_key` (the
 * issue key PROJECT_KEY-NUM); *project_key_out is the project's key (arena). */
int store_issue_by_id(store_t *st, arena_t *a, int64_t site_id, int64_t id, issue_rec_t *out,
                      const char **project_key_out);
int store_issue_by_key(store_t *st, arena_t *a, int64_t site_id, const char *project_key, int64_t num, issue_rec_t *out,
                       const char **project_key_out);

/* ---- apps, environments, versions ---- */
int store_app_insert(store_t *st, const app_rec_t *app); /* STORE_CONFLICT: id taken */
int store_app_get(store_t *st, arena_t *a, const char *id, app_rec_t *out);
int store_env_insert(store_t *st, const env_rec_t *env);
int store_env_get(store_t *st, arena_t *a, const char *app_id, const char *key, env_rec_t *out);
/* Sets the environment's worker isolation ("version" or "installation"); STORE_NOTFOUND
 * for an unknown environment. */
int store_env_set_isolation(store_t *st, const char *app_id, const char *key, const char *isolation);
int store_env_list(store_t *st, arena_t *a, const char *app_id, env_rec_t **out, size_t *n);
/* Assigns v->seq (next in the environment). Call inside a transaction that read the
 * latest version, so concurrent deploys of one app serialize. */
int store_version_insert(store_t *st, version_rec_t *v);
/* The newest version of an environment (major < 0), or the newest of one major. */
int store_version_latest(store_t *st, arena_t *a, const char *app_id, const char *env_key, int64_t major,
                         version_rec_t *out);
int store_version_list(store_t *st, arena_t *a, const char *app_id, const char *env_key, version_rec_t **out,
                       size_t *n);

/* ---- installations (tenant rows: every one names its site) ---- */
/* STORE_CONFLICT if the site already has an active installation of (app, env). */
int store_install_insert(store_t *st, const install_rec_t *in);
int store_install_get(store_t *st, arena_t *a, const char *id, install_rec_t *out);
/* The active installation of (app, env) on a site. */
int store_install_active(store_t *st, arena_t *a, int64_t site_id, const char *app_id, const char *env_key,
                         install_rec_t *out);
/* Installations of an app (app_id NULL: all), newest first, removed ones included. */
int store_install_list(store_t *st, arena_t *a, const char *app_id, install_rec_t **out, size_t *n);
int store_install_set_major(store_t *st, const char *id, int64_t major, const char *scopes_json,
                            const char *egress_json, int64_t now_ms);
int store_install_remove(store_t *st, const char *id, int64_t now_ms, int64_t purge_after_ms);
/* Removed installations whose retention ended by now_ms and are not purged yet. */
int store_install_purgeable(store_t *st, arena_t *a, int64_t now_ms, install_rec_t **out, size_t *n);
/* Deletes what the installation's app kept (its app storage rows) and marks it purged. */
int store_install_purge(store_t *st, const char *id);

/* ---- webtriggers ---- */
/* The trigger id of (installation, module), created with `new_id` if there is none yet. */
int store_webtrigger_ensure(store_t *st, arena_t *a, const char *installation_id, const char *module_key,
                            const char *new_id, int64_t now_ms, const char **id);
/* The installation and module of a trigger id. */
int store_webtrigger_get(store_t *st, arena_t *a, const char *id, const char **installation_id,
                         const char **module_key);

/* Removes a trigger id of an installation; STORE_NOTFOUND if it has no such id. */
int store_webtrigger_delete(store_t *st, const char *id, const char *installation_id);
/* All trigger ids of an installation: parallel arrays in `a`. */
int store_webtrigger_list(store_t *st, arena_t *a, const char *installation_id, const char ***ids,
                          const char ***modules, size_t *n);

/* ---- function logs ---- */
typedef struct log_rec {
    int64_t id, site_id;
    const char *installation_id, *app_id, *invocation_id, *module_key, *level, *message;
    int64_t time_ms;
} log_rec_t;

/* Appends n log lines in one transaction. */
int store_logs_insert(store_t *st, const log_rec_t *recs, size_t n);
/* Log lines with id > after_id (site_id 0: every site), the newest `max` in id order. */
int store_logs_list(store_t *st, arena_t *a, int64_t site_id, int64_t after_id, int64_t max, log_rec_t **out,
                    size_t *n);
/* ---- the audit log (journal/audit.h): append-only ---- */
typedef struct audit_rec {
    int64_t id, time_ms, last_ms, site_id;
    int64_t count; /* identical allowed decisions folded into this row (journal/audit.h); 1 otherwise */
    const char *kind, *plane, *actor, *app_id, *installation_id, *invocation_id, *method, *path, *category, *detail;
    int status;
} audit_rec_t;

/* Appends n events in one transaction. */
int store_audit_insert(store_t *st, const audit_rec_t *recs, size_t n);
/* Events with time_ms >= since_ms and id > after_id (site_id 0: every site), the newest
 * `max` in id order. */
int store_audit_list(store_t *st, arena_t *a, int64_t site_id, int64_t since_ms, int64_t after_id, int64_t max,
                     audit_rec_t **out, size_t *n);
/* Deletes events older than before_ms (retention); *deleted counts them. */
int store_audit_purge(store_t *st, int64_t before_ms, int64_t *deleted);

/* ---- the data-flow ledger (journal/ledger.h): append-only ---- */
typedef struct ledger_rec {
    int64_t id, time_ms;
    int64_t site_id;      /* whose data left (the source site S) */
    int64_t dest_site_id; /* the site it went to (T), 0 when not another kiln site */
    int64_t bytes;
    const char *kind, *app_id, *installation_id, *invocation_id, *destination;
} ledger_rec_t;

/* Appends n records in one transaction. */
int store_ledger_insert(store_t *st, const ledger_rec_t *recs, size_t n);
/* Records with time_ms >= since_ms and id > after_id whose source or destination site is
 * site_id (0: every record), the newest `max` in id order. */
int store_ledger_list(store_t *st, arena_t *a, int64_t site_id, int64_t since_ms, int64_t after_id, int64_t max,
                      ledger_rec_t **out, size_t *n);
/* Deletes records older than before_ms (retention). */
int store_ledger_purge(store_t *st, int64_t before_ms, int64_t *deleted);

/* Relaxes durability for this handle (synchronous=NORMAL): for log writers only. */
void store_relax_durability(store_t *st);

/* Lifecycle events not yet delivered whose next attempt is due by now_ms. */
int store_lifecycle_due(store_t *st, arena_t *a, int64_t now_ms, lifecycle_rec_t **out, size_t *n);
/* Marks an event delivered, or schedules its next attempt. */
int store_lifecycle_delivered(store_t *st, int64_t id, int64_t now_ms);
int store_lifecycle_retry(store_t *st, int64_t id, int64_t next_attempt_ms);

int store_lifecycle_insert(store_t *st, lifecycle_rec_t *ev); /* fills ev->id */
int store_lifecycle_list(store_t *st, arena_t *a, const char *installation_id, lifecycle_rec_t **out, size_t *n);

/* ---- app storage (platform/kvs.h, docs/kvs.md) ----
 * Every row belongs to one (site, installation): both lead the primary key and every
 * function takes them; there is no function that reads rows across installations.
 * Expired rows (expire_ms <= now_ms) are never returned and count as absent. */
enum { KVS_KIND_PLAIN = 0, KVS_KIND_SECRET = 1, KVS_KIND_ENTITY = 2 };

typedef struct kvs_rec {
    int kind;           /* KVS_KIND_* */
    const char *entity; /* entity name for KVS_KIND_ENTITY, else "" */
    const char *key;
    const char *value; /* JSON text, or sealed bytes for secrets */
    size_t value_len;
    int64_t created_ms, updated_ms;
    int64_t expire_ms; /* 0: none */
} kvs_rec_t;

typedef struct kvs_owner {
    int64_t site_id;
    const char *installation_id;
} kvs_owner_t;

/* The live row of (kind, entity, key); STORE_NOTFOUND if absent or expired. */
int store_kvs_get(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *key,
                  int64_t now_ms, kvs_rec_t *out);
/* Writes r (created_ms is kept from a live row with the same key, else r->created_ms). */
int store_kvs_put(store_t *st, const kvs_owner_t *o, const kvs_rec_t *r, int64_t now_ms);
/* Deletes the live row; STORE_NOTFOUND if there was none (an expired one is removed too). */
int store_kvs_delete(store_t *st, const kvs_owner_t *o, int kind, const char *entity, const char *key, int64_t now_ms);
/* Live rows of (kind, entity) in key order with from <= key < to (either NULL: open) and
 * key > after (NULL: from the start); at most max. */
int store_kvs_list(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *from,
                   const char *to, const char *after, int64_t max, int64_t now_ms, kvs_rec_t **out, size_t *n);
/* Removes up to max expired rows of any installation; *removed counts them. */
int store_kvs_expire(store_t *st, int64_t now_ms, int64_t max, int64_t *removed);

/* ---- environment variables (platform/variables.h) ----
 * Per (app, environment), not per site: every installation of the environment sees them. */
typedef struct var_rec {
    const char *key;
    int encrypted;     /* 1: value holds sealed bytes (auth/keys.h), never plaintext */
    const char *value; /* NUL-terminated in records the store returns */
    size_t value_len;
    int64_t created_ms, updated_ms;
} var_rec_t;

/* Creates or replaces the variable (created_ms is kept from an existing row). */
int store_var_put(store_t *st, const char *app_id, const char *env_key, const var_rec_t *v);
/* Removes it; STORE_NOTFOUND if the environment has no such variable. */
int store_var_delete(store_t *st, const char *app_id, const char *env_key, const char *key);
/* Every variable of the environment, in key order. */
int store_var_list(store_t *st, arena_t *a, const char *app_id, const char *env_key, var_rec_t **out, size_t *n);

/* ---- the key store (auth/keys.h) ---- */
typedef struct key_rec {
    const char *id, *purpose;
    const unsigned char *wrapped;
    size_t wrapped_len;
    int64_t created_ms, retired_ms;
} key_rec_t;

int store_key_insert(store_t *st, const key_rec_t *k);
int store_key_get(store_t *st, arena_t *a, const char *id, key_rec_t *out);
/* The newest unretired key of a purpose; STORE_NOTFOUND if there is none. */
int store_key_current(store_t *st, arena_t *a, const char *purpose, key_rec_t *out);
/* Retires every unretired key of a purpose (they still open what they sealed). */
int store_key_retire(store_t *st, const char *purpose, int64_t now_ms);
/* The newest `max` keys of a purpose, newest first (retired ones included). */
int store_key_list(store_t *st, arena_t *a, const char *purpose, size_t max, key_rec_t **out, size_t *n);

/* ---- app system tokens (auth/systoken.h): only their SHA-256 is stored ---- */
typedef struct systoken_rec {
    const char *installation_id;
    int64_t site_id;
    int64_t created_ms, expires_ms;
} systoken_rec_t;

int store_systoken_insert(store_t *st, const unsigned char hash[32], const systoken_rec_t *r);
/* The token with this hash, expired or not; STORE_NOTFOUND if none. */
int store_systoken_lookup(store_t *st, arena_t *a, const unsigned char hash[32], systoken_rec_t *out);
/* Removes every token of an installation (uninstall), and tokens expired before now_ms. */
int store_systoken_delete_installation(store_t *st, const char *installation_id);
int store_systoken_delete_expired(store_t *st, int64_t now_ms);

#endif
