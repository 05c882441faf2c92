/* The checks the people handlers share (product/people.h). */
#include "product/people.h"

#include "base/enc.h"
#include "http/reply.h"
#include "product/idkey.h"
#include "product/perm.h"

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

int people_path_id(const char *s, int64_t *id)
{
    return s && enc_parse_i64(s, 1, INT64_MAX, id) == 0 ? 0 : -1;
}
