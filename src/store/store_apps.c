/* Forwards the apps, environments, versions, variables family (store/store_apps.h) to the handle's backend. */
#include "store/store_apps.h"

#include "store/store_backend.h"

int store_app_insert(store_t *st, const app_rec_t *app)
{
    return st->be->apps->app_insert(st, app);
}

int store_app_get(store_t *st, arena_t *a, const char *id, app_rec_t *out)
{
    return st->be->apps->app_get(st, a, id, out);
}

int store_env_insert(store_t *st, const env_rec_t *env)
{
    return st->be->apps->env_insert(st, env);
}

int store_env_get(store_t *st, arena_t *a, const char *app_id, const char *key, env_rec_t *out)
{
    return st->be->apps->env_get(st, a, app_id, key, out);
}

int store_env_set_isolation(store_t *st, const char *app_id, const char *key, const char *isolation)
{
    return st->be->apps->env_set_isolation(st, app_id, key, isolation);
}

int store_env_list(store_t *st, arena_t *a, const char *app_id, env_rec_t **out, size_t *n)
{
    return st->be->apps->env_list(st, a, app_id, out, n);
}

int store_version_insert(store_t *st, version_rec_t *v)
{
    int rc = st->be->apps->version_insert(st, v);
    store_note_installs(st, 0);
    return rc;
}

int store_version_latest(store_t *st, arena_t *a, const char *app_id, const char *env_key, int64_t major,
                         version_rec_t *out)
{
    return st->be->apps->version_latest(st, a, app_id, env_key, major, out);
}

int store_version_latest_seq(store_t *st, const char *app_id, const char *env_key, int64_t major, int64_t *seq)
{
    return st->be->apps->version_latest_seq(st, app_id, env_key, major, seq);
}

int store_version_list(store_t *st, arena_t *a, const char *app_id, const char *env_key, version_rec_t **out, size_t *n)
{
    return st->be->apps->version_list(st, a, app_id, env_key, out, n);
}

int store_version_by_snapshot(store_t *st, arena_t *a, const char *snapshot, version_rec_t *out)
{
    return st->be->apps->version_by_snapshot(st, a, snapshot, out);
}

int store_snapshot_chunk_put(store_t *st, const char *snapshot, int64_t idx, const void *bytes, size_t len)
{
    if (idx < 0 || idx >= STORE_SNAPSHOT_CHUNKS_MAX || len > STORE_SNAPSHOT_CHUNK)
        return STORE_ERROR;
    return st->be->apps->snapshot_chunk_put(st, snapshot, idx, bytes, len);
}

int store_snapshot_chunk_get(store_t *st, arena_t *a, const char *snapshot, int64_t idx, const void **bytes,
                             size_t *len)
{
    return st->be->apps->snapshot_chunk_get(st, a, snapshot, idx, bytes, len);
}

int store_snapshots_kept(store_t *st)
{
    return st->be->apps->snapshots_kept(st);
}

int store_version_unhashed(store_t *st, arena_t *a, const char *after, size_t max, version_rec_t **out, size_t *n)
{
    return st->be->apps->version_unhashed(st, a, after, max, out, n);
}

int store_version_set_sha256(store_t *st, const char *snapshot, const char *sha256)
{
    return st->be->apps->version_set_sha256(st, snapshot, sha256);
}

int store_snapshot_chunk_count(store_t *st, const char *snapshot, int64_t *n, int64_t *total)
{
    return st->be->apps->snapshot_chunk_count(st, snapshot, n, total);
}

int store_var_put(store_t *st, const char *app_id, const char *env_key, const var_rec_t *v)
{
    return st->be->apps->var_put(st, app_id, env_key, v);
}

int store_var_delete(store_t *st, const char *app_id, const char *env_key, const char *key)
{
    return st->be->apps->var_delete(st, app_id, env_key, key);
}

int store_var_list(store_t *st, arena_t *a, const char *app_id, const char *env_key, var_rec_t **out, size_t *n)
{
    return st->be->apps->var_list(st, a, app_id, env_key, out, n);
}
