/* The store's apps family: what developers deploy (docs/apps.md). Apps, their
 * environments, the immutable versions deployed to an environment, and the
 * environment's variables (platform/variables.h). Not tenant rows: an app belongs to no
 * site until it is installed (store/store_installs.h). Tables: apps, environments,
 * versions, variables, snapshot_chunks. */
#ifndef KILN_STORE_APPS_H
#define KILN_STORE_APPS_H

#include "store/store.h"

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
    const char *snapshot_sha256; /* 64 lowercase hex of the snapshot file ("" for versions
                                    deployed before kiln kept it) */
    int64_t snapshot_bytes, created_ms;
} version_rec_t;

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
/* The seq of the newest version of one major of an environment (0: none), without
 * reading the version: a cheap check that what was read of it is still the newest. */
int store_version_latest_seq(store_t *st, const char *app_id, const char *env_key, int64_t major, int64_t *seq);
int store_version_list(store_t *st, arena_t *a, const char *app_id, const char *env_key, version_rec_t **out,
                       size_t *n);
/* The version whose snapshot is `snapshot` (its path relative to the data dir, unique per
 * version); STORE_NOTFOUND if none. */
int store_version_by_snapshot(store_t *st, arena_t *a, const char *snapshot, version_rec_t *out);

/* ---- deploy snapshots in the store (docs/scale.md "Deploy snapshots") ----
 * A snapshot file's bytes as rows of snapshot_chunks: chunk idx 0, 1, ... of at most
 * STORE_SNAPSHOT_CHUNK bytes each, keyed by the versions row's `snapshot`. Global rows (no
 * site's data). With PostgreSQL every node reads a version's snapshot from here
 * (platform/snapshot.h snapshot_fetch); SQLite keeps the file in the data dir and writes no
 * chunk. The version's snapshot_sha256 is the check of their concatenation. */
#define STORE_SNAPSHOT_CHUNK (256u * 1024)
#define STORE_SNAPSHOT_CHUNKS_MAX 65536 /* 16 GiB: more than any snapshot limit */
/* Writes chunk idx (len <= STORE_SNAPSHOT_CHUNK); STORE_CONFLICT if it exists. Call inside
 * the deploy's transaction, with the version. */
int store_snapshot_chunk_put(store_t *st, const char *snapshot, int64_t idx, const void *bytes, size_t len);
/* 1 when the backend keeps snapshots as chunks (PostgreSQL), 0 when only as files (SQLite). */
int store_snapshots_kept(store_t *st);
/* Chunk idx's bytes (in a); STORE_NOTFOUND if there is none. *bytes is NULL (rc STORE_OK)
 * when the chunk is larger than what is left of a's cap. */
int store_snapshot_chunk_get(store_t *st, arena_t *a, const char *snapshot, int64_t idx, const void **bytes,
                             size_t *len);
/* How many chunks the snapshot has (0: none, e.g. SQLite's) and their total length. */
int store_snapshot_chunk_count(store_t *st, const char *snapshot, int64_t *n, int64_t *total);
/* Versions with no snapshot SHA-256 (snapshot_sha256 ''), deployed before kiln kept
 * snapshots in the store, whose snapshot path sorts after `after` ("" from the first): at
 * most max, by snapshot path, in a. */
int store_version_unhashed(store_t *st, arena_t *a, const char *after, size_t max, version_rec_t **out, size_t *n);
/* Gives the version of `snapshot` its SHA-256, only while it has none: STORE_NOTFOUND when
 * no such version has '' (another node backfilled it first). With its chunks, in one
 * transaction (platform/snapshot_db.h snapshot_db_backfill). */
int store_version_set_sha256(store_t *st, const char *snapshot, const char *sha256);

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

#endif
