/* Forwards the installations and webtriggers family (store/store_installs.h) to the handle's backend. */
#include "store/store_installs.h"

#include "store/store_backend.h"

int store_install_insert(store_t *st, const install_rec_t *in)
{
    int rc = st->be->installs->install_insert(st, in);
    store_note_installs(st, in->site_id);
    return rc;
}

int store_install_get(store_t *st, arena_t *a, const char *id, install_rec_t *out)
{
    return st->be->installs->install_get(store_admin(st), a, /* by id, finds the site: admin path */ id, out);
}

int store_install_active(store_t *st, arena_t *a, int64_t site_id, const char *app_id, const char *env_key,
                         install_rec_t *out)
{
    return st->be->installs->install_active(st, a, site_id, app_id, env_key, out);
}

int store_install_list(store_t *st, arena_t *a, const char *app_id, install_rec_t **out, size_t *n)
{
    return st->be->installs->install_list(st, a, app_id, out, n);
}

int store_install_site(store_t *st, arena_t *a, int64_t site_id, install_rec_t **out, size_t *n)
{
    return st->be->installs->install_site(st, a, site_id, out, n);
}

int store_install_site_mentions(store_t *st, int64_t site_id, const char *needle, int *yes)
{
    return st->be->installs->install_site_mentions(st, site_id, needle, yes);
}

int store_install_set_major(store_t *st, const char *id, int64_t major, const char *scopes_json,
                            const char *egress_json, int64_t now_ms)
{
    int rc = st->be->installs->install_set_major(st, id, major, scopes_json, egress_json, now_ms);
    store_note_installs(st, 0);
    return rc;
}

int store_install_remove(store_t *st, const char *id, int64_t now_ms, int64_t purge_after_ms)
{
    int rc = st->be->installs->install_remove(st, id, now_ms, purge_after_ms);
    store_note_installs(st, 0);
    return rc;
}

int store_install_purgeable(store_t *st, arena_t *a, int64_t now_ms, install_rec_t **out, size_t *n)
{
    return st->be->installs->install_purgeable(st, a, now_ms, out, n);
}

int store_install_purge(store_t *st, const char *id)
{
    int rc = st->be->installs->install_purge(st, id);
    store_note_installs(st, 0);
    return rc;
}

int store_webtrigger_ensure(store_t *st, arena_t *a, const char *installation_id, const char *module_key,
                            const char *new_id, int64_t now_ms, const char **id)
{
    return st->be->installs->webtrigger_ensure(st, a, installation_id, module_key, new_id, now_ms, id);
}

int store_webtrigger_get(store_t *st, arena_t *a, const char *id, const char **installation_id, const char **module_key)
{
    return st->be->installs->webtrigger_get(store_admin(st), a, /* by id: admin path */ id, installation_id,
                                            module_key);
}

int store_webtrigger_delete(store_t *st, const char *id, const char *installation_id)
{
    return st->be->installs->webtrigger_delete(st, id, installation_id);
}

int store_webtrigger_list(store_t *st, arena_t *a, const char *installation_id, const char ***ids,
                          const char ***modules, size_t *n)
{
    return st->be->installs->webtrigger_list(st, a, installation_id, ids, modules, n);
}
