/* Forwards the sites, users, user API tokens family (store/store_sites.h) to the handle's backend. */
#include "store/store_sites.h"

#include "store/store_backend.h"

int store_site_insert(store_t *st, site_rec_t *site)
{
    return st->be->sites->site_insert(st, site);
}

int store_site_by_name(store_t *st, arena_t *a, const char *name, site_rec_t *out)
{
    return st->be->sites->site_by_name(st, a, name, out);
}

int store_site_by_id(store_t *st, arena_t *a, int64_t id, site_rec_t *out)
{
    return st->be->sites->site_by_id(st, a, id, out);
}

int store_site_list(store_t *st, arena_t *a, site_rec_t **out, size_t *n)
{
    return st->be->sites->site_list(st, a, out, n);
}

int store_site_count(store_t *st, int64_t *n)
{
    return st->be->sites->site_count(st, n);
}

int store_user_insert(store_t *st, int64_t site_id, const user_rec_t *u)
{
    int rc = st->be->sites->user_insert(st, site_id, u);
    store_note_auth(st, site_id);
    return rc;
}

int store_user_get(store_t *st, arena_t *a, int64_t site_id, const char *account_id, user_rec_t *out)
{
    return st->be->sites->user_get(st, a, site_id, account_id, out);
}

int store_user_list(store_t *st, arena_t *a, int64_t site_id, int64_t start, int64_t max, user_rec_t **out, size_t *n)
{
    return st->be->sites->user_list(st, a, site_id, start, max, out, n);
}

int store_token_insert(store_t *st, const unsigned char hash[32], int64_t site_id, const char *account_id)
{
    return st->be->sites->token_insert(st, hash, site_id, account_id);
}

int store_token_lookup(store_t *st, arena_t *a, const unsigned char hash[32], int64_t *site_id, const char **account_id)
{
    return st->be->sites->token_lookup(store_admin(st), a, /* finds the site: admin path */ hash, site_id, account_id);
}

int store_perm_grant(store_t *st, int64_t site_id, const char *account_id, int64_t project_id, const char *permission)
{
    int rc = st->be->sites->perm_grant(st, site_id, account_id, project_id, permission);
    store_note_projects(st, site_id); /* who may browse which project (store_projects_gen) */
    return rc;
}

int store_perm_has(store_t *st, int64_t site_id, const char *account_id, int64_t project_id, const char *permission,
                   int *has)
{
    return st->be->sites->perm_has(st, site_id, account_id, project_id, permission, has);
}

int store_consent_put(store_t *st, int64_t site_id, const char *app_id, const char *account_id, int64_t now_ms)
{
    return st->be->sites->consent_put(st, site_id, app_id, account_id, now_ms);
}

int store_consent_delete(store_t *st, int64_t site_id, const char *app_id, const char *account_id)
{
    return st->be->sites->consent_delete(st, site_id, app_id, account_id);
}

int store_consent_has(store_t *st, int64_t site_id, const char *app_id, const char *account_id, int *has)
{
    return st->be->sites->consent_has(st, site_id, app_id, account_id, has);
}

int store_consent_drop_uninstalled(store_t *st, int64_t site_id, const char *app_id)
{
    return st->be->sites->consent_drop_uninstalled(st, site_id, app_id);
}
