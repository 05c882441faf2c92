#include "platform/schedule_rows.h"

#include <string.h>

#include "base/json.h"
#include "platform/schedheap.h"

json_t *schedule_rows_modules(json_t *manifest)
{
    json_t *m = json_object_get(json_object_get(manifest, "modules"), "scheduledTrigger");
    return json_is_array(m) ? m : NULL;
}

/* The scheduledTrigger item with `key` of `mods` (an array), or NULL. */
static json_t *module_of(json_t *mods, const char *key)
{
    size_t i;
    json_t *m;
    json_array_foreach(mods, i, m)
    {
        const char *k = json_str(m, "key");
        if (k && strcmp(k, key) == 0)
            return m;
    }
    return NULL;
}

static const schedule_rec_t *row_of(const schedule_rec_t *rows, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].module_key, key) == 0)
            return &rows[i];
    return NULL;
}

/* A row that must go: its module is gone or its interval changed. */
static int row_stale(json_t *mods, const schedule_rec_t *r)
{
    json_t *m = module_of(mods, r->module_key);
    return !m || sched_interval_ms(json_str(m, "interval")) != r->interval_ms;
}

/* A module that needs a row written: a known interval and no row with it. */
static int module_unscheduled(json_t *m, const schedule_rec_t *rows, size_t n)
{
    const char *key = json_str(m, "key");
    int64_t iv = sched_interval_ms(json_str(m, "interval"));
    const schedule_rec_t *r = key ? row_of(rows, n, key) : NULL;
    return key && iv >= 0 && (!r || r->interval_ms != iv);
}

/* The writes, in the open transaction. */
static int write_rows(store_t *st, const install_rec_t *in, json_t *mods, int64_t now, const schedule_rec_t *rows,
                      size_t n)
{
    int rc = STORE_OK;
    size_t i;
    json_t *m;
    for (i = 0; rc == STORE_OK && i < n; i++)
        if (row_stale(mods, &rows[i]))
            rc = store_schedule_delete(st, in->id, rows[i].module_key);
    json_array_foreach(mods, i, m)
    {
        if (rc != STORE_OK || !module_unscheduled(m, rows, n))
            continue;
        const char *key = json_str(m, "key"), *interval = json_str(m, "interval");
        int64_t iv = sched_interval_ms(interval);
        schedule_rec_t s = {
            .installation_id = in->id,
            .module_key = key,
            .site_id = in->site_id,
            .app_id = in->app_id,
            .env_key = in->env_key,
            .interval = interval,
            .interval_ms = iv,
            .next_ms = sched_next_after(now, iv, sched_phase(in->id, key, iv)),
            .created_ms = now,
        };
        rc = store_schedule_put(st, &s); /* an upsert: another writer's row of the same slot */
    }
    return rc;
}

int schedule_rows_sync(store_t *st, arena_t *a, const install_rec_t *in, json_t *mods, int64_t now_ms, int own_tx,
                       schedule_rec_t **before, size_t *nb, schedule_rec_t **rows, size_t *n)
{
    if (in->removed)
        mods = NULL;
    schedule_rec_t *old = NULL, *now_rows;
    size_t n_old = 0, now_n, i, changes = 0;
    json_t *m;
    int rc = store_schedule_list(st, a, in->id, 0, &old, &n_old);
    if (rc != STORE_OK)
        return rc;
    for (i = 0; i < n_old; i++)
        changes += row_stale(mods, &old[i]);
    json_array_foreach(mods, i, m) changes += module_unscheduled(m, old, n_old);
    now_rows = old;
    now_n = n_old;
    if (changes) { /* else nothing to write: an installation in line costs no transaction */
        if (own_tx && (rc = store_begin(st)) != STORE_OK)
            return rc;
        rc = write_rows(st, in, mods, now_ms, old, n_old);
        if (rc == STORE_OK)
            rc = store_schedule_list(st, a, in->id, 0, &now_rows, &now_n);
        if (own_tx && rc != STORE_OK)
            store_rollback(st);
        else if (own_tx)
            rc = store_commit(st);
        if (rc != STORE_OK)
            return rc;
    }
    if (before) {
        *before = old;
        *nb = n_old;
    }
    if (rows) {
        *rows = now_rows;
        *n = now_n;
    }
    return STORE_OK;
}
