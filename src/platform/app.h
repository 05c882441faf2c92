/* Apps, their environments and deployed versions (docs/apps.md).
 *
 * An app is registered once (a fresh id; its ARI is ari:cloud:ecosystem::app/<id>) and
 * gets Forge's three environments. Each deploy to an environment records an immutable
 * version. Forge's rule decides its number: the first is 1.0; a deploy whose major key
 * (scopes, egress, remotes, dynamic webtriggers: manifest_major_key) differs from the
 * newest version's starts a new major (N+1.0), anything else is the next minor. */
#ifndef KILN_APP_H
#define KILN_APP_H

#include "store/store.h"
#include "store/store_apps.h"

#define APP_ARI_PREFIX "ari:cloud:ecosystem::app/"

/* The environments every app starts with, in Forge's order. */
extern const char *const app_default_envs[3];

/* 1 if key can name a custom environment: ^[a-z][a-z0-9-]{0,29}$ */
int app_env_key_valid(const char *key);
/* 1 if name is an acceptable app name: 1-100 printable characters. */
int app_name_valid(const char *name);
/* The UUID of an app ARI (or the bare UUID itself), or NULL if it is neither. */
const char *app_id_from_ari(const char *ari);

/* Registers a new app with its default environments, in one transaction. */
int app_register(store_t *st, arena_t *a, const char *name, app_rec_t *out);
/* A custom environment; STORE_CONFLICT if the app has it already. */
int app_env_create(store_t *st, arena_t *a, const char *app_id, const char *key, env_rec_t *out);

/* Forge's numbering: prev is the environment's newest version or NULL. */
void app_next_version(const version_rec_t *prev, const char *major_key, int64_t *major, int64_t *minor);

/* Records a deploy: fills v->seq, v->major, v->minor and v->created_ms from the
 * environment's newest version, inside one write transaction, so concurrent deploys of
 * one app serialize and each sees the one before. STORE_NOTFOUND if the app has no such
 * environment. */
int app_deploy_record(store_t *st, arena_t *a, version_rec_t *v, int64_t now_ms);
/* app_deploy_record, and where the store keeps snapshots (PostgreSQL: platform/snapshot_db.h)
 * also the bytes of DATA/<v->snapshot> as its chunks, in the same transaction: no version
 * row without its snapshot. v->snapshot_sha256 must be the file's. On failure err says
 * why (a store error: "cannot record the version"). */
int app_deploy_record_snapshot(store_t *st, arena_t *a, version_rec_t *v, int64_t now_ms, const char *data_dir,
                               char *err, size_t errlen);

#endif
