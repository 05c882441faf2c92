/* Forwards the project-roles family (store/store_roles.h) to the handle's backend. */
#include "store/store_roles.h"

#include "store/store_backend.h"

int store_role_actor_add(store_t *st, int64_t site_id, int64_t project_id, int64_t role_id, const char *account_id)
{
    int rc = st->be->roles->actor_add(st, site_id, project_id, role_id, account_id);
    store_note_projects(st, site_id); /* who may browse which project (store_projects_gen) */
    return rc;
}

int store_role_actor_remove(store_t *st, int64_t site_id, int64_t project_id, int64_t role_id, const char *account_id)
{
    int rc = st->be->roles->actor_remove(st, site_id, project_id, role_id, account_id);
    store_note_projects(st, site_id); /* who may browse which project (store_projects_gen) */
    return rc;
}

int store_role_actor_clear(store_t *st, int64_t site_id, int64_t project_id, int64_t role_id)
{
    int rc = st->be->roles->actor_clear(st, site_id, project_id, role_id);
    store_note_projects(st, site_id); /* who may browse which project (store_projects_gen) */
    return rc;
}

int store_role_actor_list(store_t *st, arena_t *a, int64_t site_id, int64_t project_id, int64_t role_id,
                          const char ***out, size_t *n)
{
    return st->be->roles->actor_list(st, a, site_id, project_id, role_id, out, n);
}

int store_perm_role_has(store_t *st, int64_t site_id, const char *account_id, int64_t project_id,
                        const char *permission, const int64_t *roles, size_t nroles, int *has)
{
    return st->be->roles->perm_role_has(st, site_id, account_id, project_id, permission, roles, nroles, has);
}

int store_user_search(store_t *st, arena_t *a, int64_t site_id, const user_filter_t *f, user_rec_t **out, size_t *n,
                      int64_t *total)
{
    return st->be->roles->user_search(st, a, site_id, f, out, n, total);
}
