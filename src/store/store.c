/* Forwards the store interface to the handle's backend. Kept free of any SQL so that a
 * second backend plugs in without touching a handler. */
#include "store/store.h"

#include "store/store_backend.h"

store_t *store_open(const char *data_dir, char *err, size_t errlen)
{
    return store_sqlite_open(data_dir, err, errlen);
}

void store_close(store_t *st)
{
    if (st)
        st->be->close(st);
}

int store_migrate(store_t *st, char *err, size_t n)
{
    return st->be->migrate(st, err, n);
}
int store_check(store_t *st, char *out, size_t n)
{
    return st->be->check(st, out, n);
}
int store_begin(store_t *st)
{
    return st->be->begin(st);
}
int store_begin_read(store_t *st)
{
    return st->be->begin_read(st);
}
void store_idle(store_t *st)
{
    st->be->idle(st);
}
int store_commit(store_t *st)
{
    return st->be->commit(st);
}
void store_rollback(store_t *st)
{
    st->be->rollback(st);
}
int store_savepoint(store_t *st)
{
    return st->be->savepoint(st);
}
int store_savepoint_release(store_t *st)
{
    return st->be->savepoint_release(st);
}
void store_savepoint_rollback(store_t *st)
{
    st->be->savepoint_rollback(st);
}

int store_site_insert(store_t *st, site_rec_t *s)
{
    return st->be->site_insert(st, s);
}
int store_site_by_name(store_t *st, arena_t *a, const char *name, site_rec_t *out)
{
    return st->be->site_by_name(st, a, name, out);
}
int store_site_by_id(store_t *st, arena_t *a, int64_t id, site_rec_t *out)
{
    return st->be->site_by_id(st, a, id, out);
}
int store_site_list(store_t *st, arena_t *a, site_rec_t **out, size_t *n)
{
    return st->be->site_list(st, a, out, n);
}
int store_site_count(store_t *st, int64_t *n)
{
    return st->be->site_count(st, n);
}
int store_site_seed_ids(store_t *st, int64_t site, int64_t first)
{
    return st->be->site_seed_ids(st, site, first);
}

int store_user_insert(store_t *st, int64_t site, const user_rec_t *u)
{
    return st->be->user_insert(st, site, u);
}
int store_user_get(store_t *st, arena_t *a, int64_t site, const char *id, user_rec_t *out)
{
    return st->be->user_get(st, a, site, id, out);
}
int store_user_list(store_t *st, arena_t *a, int64_t site, int64_t start, int64_t max, user_rec_t **out, size_t *n)
{
    return st->be->user_list(st, a, site, start, max, out, n);
}
int store_token_insert(store_t *st, const unsigned char hash[32], int64_t site, const char *acct)
{
    return st->be->token_insert(st, hash, site, acct);
}
int store_token_lookup(store_t *st, arena_t *a, const unsigned char hash[32], int64_t *site, const char **acct)
{
    return st->be->token_lookup(st, a, hash, site, acct);
}

int store_project_insert(store_t *st, int64_t site, project_rec_t *p)
{
    return st->be->project_insert(st, site, p);
}
int store_project_by_id(store_t *st, arena_t *a, int64_t site, int64_t id, project_rec_t *out)
{
    return st->be->project_by_id(st, a, site, id, out);
}
int store_project_by_key(store_t *st, arena_t *a, int64_t site, const char *key, project_rec_t *out)
{
    return st->be->project_by_key(st, a, site, key, out);
}
int store_project_search(store_t *st, arena_t *a, int64_t site, const project_filter_t *f, project_rec_t **out,
                         size_t *n, int64_t *total)
{
    return st->be->project_search(st, a, site, f, out, n, total);
}

int store_issue_insert(store_t *st, int64_t site, issue_rec_t *i)
{
    return st->be->issue_insert(st, site, i);
}
int store_issue_by_id(store_t *st, arena_t *a, int64_t site, int64_t id, issue_rec_t *out, const char **pkey)
{
    return st->be->issue_by_id(st, a, site, id, out, pkey);
}
int store_issue_by_key(store_t *st, arena_t *a, int64_t site, const char *key, int64_t num, issue_rec_t *out,
                       const char **pkey)
{
    return st->be->issue_by_key(st, a, site, key, num, out, pkey);
}

/* ---- apps ---- */

int store_app_insert(store_t *st, const app_rec_t *app)
{
    return st->be->app_insert(st, app);
}
int store_app_get(store_t *st, arena_t *a, const char *id, app_rec_t *out)
{
    return st->be->app_get(st, a, id, out);
}
int store_env_insert(store_t *st, const env_rec_t *env)
{
    return st->be->env_insert(st, env);
}
int store_env_set_isolation(store_t *st, const char *app_id, const char *key, const char *isolation)
{
    return st->be->env_set_isolation(st, app_id, key, isolation);
}
int store_env_get(store_t *st, arena_t *a, const char *app, const char *key, env_rec_t *out)
{
    return st->be->env_get(st, a, app, key, out);
}
int store_env_list(store_t *st, arena_t *a, const char *app, env_rec_t **out, size_t *n)
{
    return st->be->env_list(st, a, app, out, n);
}
int store_version_insert(store_t *st, version_rec_t *v)
{
    return st->be->version_insert(st, v);
}
int store_version_latest(store_t *st, arena_t *a, const char *app, const char *env, int64_t major, version_rec_t *out)
{
    return st->be->version_latest(st, a, app, env, major, out);
}
int store_version_list(store_t *st, arena_t *a, const char *app, const char *env, version_rec_t **out, size_t *n)
{
    return st->be->version_list(st, a, app, env, out, n);
}

/* ---- installations ---- */

int store_install_insert(store_t *st, const install_rec_t *in)
{
    return st->be->install_insert(st, in);
}
int store_install_get(store_t *st, arena_t *a, const char *id, install_rec_t *out)
{
    return st->be->install_get(st, a, id, out);
}
int store_install_active(store_t *st, arena_t *a, int64_t site, const char *app, const char *env, install_rec_t *out)
{
    return st->be->install_active(st, a, site, app, env, out);
}
int store_install_list(store_t *st, arena_t *a, const char *app, install_rec_t **out, size_t *n)
{
    return st->be->install_list(st, a, app, out, n);
}
int store_install_set_major(store_t *st, const char *id, int64_t major, const char *scopes, const char *egress,
                            int64_t now)
{
    return st->be->install_set_major(st, id, major, scopes, egress, now);
}
int store_install_remove(store_t *st, const char *id, int64_t now, int64_t purge_after)
{
    return st->be->install_remove(st, id, now, purge_after);
}
int store_install_purgeable(store_t *st, arena_t *a, int64_t now, install_rec_t **out, size_t *n)
{
    return st->be->install_purgeable(st, a, now, out, n);
}
int store_install_purge(store_t *st, const char *id)
{
    return st->be->install_purge(st, id);
}
int store_lifecycle_insert(store_t *st, lifecycle_rec_t *ev)
{
    return st->be->lifecycle_insert(st, ev);
}
int store_lifecycle_list(store_t *st, arena_t *a, const char *id, lifecycle_rec_t **out, size_t *n)
{
    return st->be->lifecycle_list(st, a, id, out, n);
}

int store_webtrigger_ensure(store_t *st, arena_t *a, const char *inst, const char *module, const char *new_id,
                            int64_t now, const char **id)
{
    return st->be->webtrigger_ensure(st, a, inst, module, new_id, now, id);
}
int store_webtrigger_get(store_t *st, arena_t *a, const char *id, const char **inst, const char **module)
{
    return st->be->webtrigger_get(st, a, id, inst, module);
}
int store_webtrigger_delete(store_t *st, const char *id, const char *inst)
{
    return st->be->webtrigger_delete(st, id, inst);
}
int store_webtrigger_list(store_t *st, arena_t *a, const char *inst, const char ***ids, const char ***modules,
                          size_t *n)
{
    return st->be->webtrigger_list(st, a, inst, ids, modules, n);
}
int store_logs_insert(store_t *st, const log_rec_t *r, size_t n)
{
    return st->be->logs_insert(st, r, n);
}
int store_audit_insert(store_t *st, const audit_rec_t *r, size_t n)
{
    return st->be->audit_insert(st, r, n);
}
int store_audit_list(store_t *st, arena_t *a, int64_t site, int64_t since, int64_t after, int64_t max,
                     audit_rec_t **out, size_t *n)
{
    return st->be->audit_list(st, a, site, since, after, max, out, n);
}
int store_audit_purge(store_t *st, int64_t before, int64_t *deleted)
{
    return st->be->audit_purge(st, before, deleted);
}
int store_ledger_insert(store_t *st, const ledger_rec_t *r, size_t n)
{
    return st->be->ledger_insert(st, r, n);
}
int store_ledger_list(store_t *st, arena_t *a, int64_t site, int64_t since, int64_t after, int64_t max,
                      ledger_rec_t **out, size_t *n)
{
    return st->be->ledger_list(st, a, site, since, after, max, out, n);
}
int store_ledger_purge(store_t *st, int64_t before, int64_t *deleted)
{
    return st->be->ledger_purge(st, before, deleted);
}
int store_logs_list(store_t *st, arena_t *a, int64_t site, int64_t after, int64_t max, log_rec_t **out, size_t *n)
{
    return st->be->logs_list(st, a, site, after, max, out, n);
}
void store_relax_durability(store_t *st)
{
    st->be->relax_durability(st);
}
int store_lifecycle_due(store_t *st, arena_t *a, int64_t now, lifecycle_rec_t **out, size_t *n)
{
    return st->be->lifecycle_due(st, a, now, out, n);
}
int store_lifecycle_delivered(store_t *st, int64_t id, int64_t now)
{
    return st->be->lifecycle_delivered(st, id, now);
}
int store_lifecycle_retry(store_t *st, int64_t id, int64_t next)
{
    return st->be->lifecycle_retry(st, id, next);
}

int store_kvs_get(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *key,
                  int64_t now, kvs_rec_t *out)
{
    return st->be->kvs_get(st, a, o, kind, entity, key, now, out);
}
int store_kvs_put(store_t *st, const kvs_owner_t *o, const kvs_rec_t *r, int64_t now)
{
    return st->be->kvs_put(st, o, r, now);
}
int store_kvs_delete(store_t *st, const kvs_owner_t *o, int kind, const char *entity, const char *key, int64_t now)
{
    return st->be->kvs_delete(st, o, kind, entity, key, now);
}
int store_kvs_list(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *from,
                   const char *to, const char *after, int64_t max, int64_t now, kvs_rec_t **out, size_t *n)
{
    return st->be->kvs_list(st, a, o, kind, entity, from, to, after, max, now, out, n);
}
int store_kvs_expire(store_t *st, int64_t now, int64_t max, int64_t *removed)
{
    return st->be->kvs_expire(st, now, max, removed);
}
int store_var_put(store_t *st, const char *app, const char *env, const var_rec_t *v)
{
    return st->be->var_put(st, app, env, v);
}
int store_var_delete(store_t *st, const char *app, const char *env, const char *key)
{
    return st->be->var_delete(st, app, env, key);
}
int store_var_list(store_t *st, arena_t *a, const char *app, const char *env, var_rec_t **out, size_t *n)
{
    return st->be->var_list(st, a, app, env, out, n);
}
int store_key_insert(store_t *st, const key_rec_t *k)
{
    return st->be->key_insert(st, k);
}
int store_key_get(store_t *st, arena_t *a, const char *id, key_rec_t *out)
{
    return st->be->key_get(st, a, id, out);
}
int store_key_current(store_t *st, arena_t *a, const char *purpose, key_rec_t *out)
{
    return st->be->key_current(st, a, purpose, out);
}
int store_key_retire(store_t *st, const char *purpose, int64_t now)
{
    return st->be->key_retire(st, purpose, now);
}
int store_key_list(store_t *st, arena_t *a, const char *purpose, size_t max, key_rec_t **out, size_t *n)
{
    return st->be->key_list(st, a, purpose, max, out, n);
}
int store_systoken_insert(store_t *st, const unsigned char hash[32], const systoken_rec_t *r)
{
    return st->be->systoken_insert(st, hash, r);
}
int store_systoken_lookup(store_t *st, arena_t *a, const unsigned char hash[32], systoken_rec_t *out)
{
    return st->be->systoken_lookup(st, a, hash, out);
}
int store_systoken_delete_installation(store_t *st, const char *id)
{
    return st->be->systoken_delete_installation(st, id);
}
int store_systoken_delete_expired(store_t *st, int64_t now)
{
    return st->be->systoken_delete_expired(st, now);
}
