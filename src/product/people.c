/* The checks the people handlers share (product/people.h). */
#include "product/people.h"

#include "base/enc.h"
#include "http/reply.h"
#include "product/idkey.h"
#include "product/perm.h"
#include "store/store_product.h"

int people_project(kreq_t *kr, const char *id_or_key, project_rec_t *p)
{
    int rc = idkey_project_get(kr->store, kr->arena, kr->site.id, id_or_key, p);
    if (rc == STORE_OK) { /* one the user may not browse does not exist for it, as in Jira */
        int may = perm_allows(kr, p->id, "BROWSE_PROJECTS");
        rc = may < 0 ? STORE_ERROR : may ? STORE_OK : STORE_NOTFOUND;
    }
    if (rc == STORE_OK)
        return 0;
    if (rc == STORE_NOTFOUND)
        reply_error(kr, 404, 1, "No project could be found with key or id given.");
    else
        reply_error(kr, 500, 1, "Internal server error");
    return -1;
}

int people_may_administer(kreq_t *kr, int64_t project_id)
{
    int may = perm_allows(kr, project_id, "ADMINISTER_PROJECTS");
    if (may == 0)
        may = perm_allows(kr, 0, "ADMINISTER");
    if (may == 1)
        return 0;
    reply_error(kr, may < 0 ? 500 : 403, 1,
                may < 0 ? "Internal server error" : "You cannot edit the configuration of this project.");
    return -1;
}

int people_may_administer_any(kreq_t *kr)
{
    int may = perm_allows(kr, 0, "ADMINISTER");
    if (may == 0) { /* Administer Projects in some project the user may browse */
        project_filter_t f = {.order = PROJECT_ORDER_KEY, .max_results = PEOPLE_PROJECTS_MAX};
        char roles[PERM_ROLES_JSON_MAX];
        f.viewer = kr->principal.account_id;
        f.viewer_roles = perm_roles_json("BROWSE_PROJECTS", roles);
        project_rec_t *ps;
        size_t n;
        int64_t total;
        if (store_project_search(kr->store, kr->arena, kr->site.id, &f, &ps, &n, &total) != STORE_OK)
            may = -1;
        for (size_t i = 0; may == 0 && i < n; i++)
            may = perm_allows(kr, ps[i].id, "ADMINISTER_PROJECTS");
    }
    if (may == 1)
        return 0;
    reply_error(kr, may < 0 ? 500 : 403, 1,
                may < 0 ? "Internal server error" : "You cannot edit the configuration of this project.");
    return -1;
}

int people_may_administer_jira(kreq_t *kr, const char *refusal)
{
    int may = perm_allows(kr, 0, "ADMINISTER");
    if (may == 1)
        return 0;
    reply_error(kr, may < 0 ? 500 : 403, 1, may < 0 ? "Internal server error" : refusal);
    return -1;
}

int people_path_id(const char *s, int64_t *id)
{
    return s && enc_parse_i64(s, 1, INT64_MAX, id) == 0 ? 0 : -1;
}
