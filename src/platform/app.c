#include "platform/app.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "platform/fanout.h"
#include "platform/schedule.h"
#include "platform/schedule_rows.h"
#include "platform/snapshot_db.h"
#include "store/store_apps.h"
#include "store/store_installs.h"

const char *const app_default_envs[3] = {"development", "staging", "production"};

int app_env_key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > 30 || !(key[0] >= 'a' && key[0] <= 'z'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= '0' && key[i] <= '9') || key[i] == '-'))
            return 0;
    return 1;
}

int app_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 100)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return 0;
    return 1;
}

const char *app_id_from_ari(const char *ari)
{
    size_t pl = strlen(APP_ARI_PREFIX);
    const char *id = strncmp(ari, APP_ARI_PREFIX, pl) == 0 ? ari + pl : ari;
    return enc_is_uuid(id, strlen(id)) ? id : NULL;
}

static const char *new_uuid(arena_t *a)
{
    char u[37];
    enc_uuid4(u);
    return arena_strdup(a, u);
}

int app_register(store_t *st, arena_t *a, const char *name, app_rec_t *out)
{
    int64_t now = clock_now_ms();
    *out = (app_rec_t){.id = new_uuid(a), .name = arena_strdup(a, name), .created_ms = now};
    int rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = store_app_insert(st, out);
    for (size_t i = 0; rc == STORE_OK && i < 3; i++) {
        env_rec_t e = {.app_id = out->id, .key = app_default_envs[i], .id = new_uuid(a), .created_ms = now};
        rc = store_env_insert(st, &e);
    }
    if (rc != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st);
}

int app_env_create(store_t *st, arena_t *a, const char *app_id, const char *key, env_rec_t *out)
{
    app_rec_t app;
    int rc = store_app_get(st, a, app_id, &app);
    if (rc != STORE_OK)
        return rc;
    *out = (env_rec_t){.app_id = app.id, .key = arena_strdup(a, key), .id = new_uuid(a), .created_ms = clock_now_ms()};
    return store_env_insert(st, out);
}

void app_next_version(const version_rec_t *prev, const char *major_key, int64_t *major, int64_t *minor)
{
    if (!prev) {
        *major = 1;
        *minor = 0;
    } else if (strcmp(prev->major_key, major_key) != 0) {
        *major = prev->major + 1;
        *minor = 0;
    } else {
        *major = prev->major;
        *minor = prev->minor + 1;
    }
}

static json_t *scheduled_modules(arena_t *a, const version_rec_t *v)
{
    return schedule_rows_modules(json_own(a, json_loads(v->manifest_json ? v->manifest_json : "{}", 0, NULL)));
}

/* The schedules rows of every active installation that runs the new version v (those of
 * its environment on its major), in the deploy's transaction (platform/schedule_rows.h).
 * Nothing to do when v's scheduledTrigger modules equal those of prev, the version those
 * installations ran (the usual deploy: a read per installation saved). The manifest is
 * parsed here, not through invoke_manifest's cache: v is not committed. */
static int sync_schedules(store_t *st, arena_t *a, const version_rec_t *v, const version_rec_t *prev)
{
    json_t *mods = scheduled_modules(a, v);
    if (prev && prev->major == v->major) {
        json_t *before = scheduled_modules(a, prev);
        if ((!mods && !before) || (mods && before && json_equal(mods, before)))
            return STORE_OK;
    }
    install_rec_t *ins;
    size_t n;
    int rc = store_install_list(st, a, v->app_id, &ins, &n);
    int64_t now = schedule_now_ms();
    for (size_t i = 0; rc == STORE_OK && i < n; i++)
        if (!ins[i].removed && ins[i].major == v->major && strcmp(ins[i].env_key, v->env_key) == 0)
            rc = schedule_rows_sync(st, a, &ins[i], mods, now, 0, NULL, NULL, NULL, NULL);
    return rc;
}

int app_deploy_record(store_t *st, arena_t *a, version_rec_t *v, int64_t now_ms)
{
    char err[256];
    return app_deploy_record_snapshot(st, a, v, now_ms, NULL, err, sizeof err);
}

int app_deploy_record_snapshot(store_t *st, arena_t *a, version_rec_t *v, int64_t now_ms, const char *data_dir,
                               char *err, size_t errlen)
{
    snprintf(err, errlen, "cannot record the version");
    env_rec_t env;
    int rc = store_begin(st); /* BEGIN IMMEDIATE: the next deploy of this app waits for us */
    if (rc != STORE_OK)
        return rc;
    rc = store_env_get(st, a, v->app_id, v->env_key, &env);
    version_rec_t prev;
    int have_prev = 0;
    if (rc == STORE_OK) {
        int p = store_version_latest(st, a, v->app_id, v->env_key, -1, &prev);
        have_prev = p == STORE_OK;
        rc = p == STORE_OK || p == STORE_NOTFOUND ? STORE_OK : p;
    }
    if (rc == STORE_OK) {
        app_next_version(have_prev ? &prev : NULL, v->major_key, &v->major, &v->minor);
        v->created_ms = now_ms;
        rc = store_version_insert(st, v);
    }
    if (rc == STORE_OK) /* the scheduled triggers of the installations it reaches */
        rc = sync_schedules(st, a, v, have_prev ? &prev : NULL);
    if (rc == STORE_OK && data_dir && snapshot_db_kept(st))
        rc = snapshot_db_put(st, data_dir, v->snapshot, v->snapshot_sha256 ? v->snapshot_sha256 : "", err, errlen);
    if (rc != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    rc = store_commit(st);
    if (rc == STORE_OK) { /* a version of an environment installed on any site: fan-out looks again */
        fanout_invalidate(0);
        schedule_notify_env(v->app_id, v->env_key); /* ... and the scheduler, for its scheduled triggers */
    }
    return rc;
}
