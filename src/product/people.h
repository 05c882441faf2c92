/* Users, project roles and permissions (issue 17, "people"): the handlers of
 * product/roles.c, product/user_search.c, product/mypermissions.c and project.c's
 * update/delete/list, and the checks they share (product/people.c). */
#ifndef KILN_PEOPLE_H
#define KILN_PEOPLE_H

#include "http/request.h"
#include "store/store_product.h"

/* The project named by `id_or_key` that the request's principal may browse: 0 with *p
 * filled, or -1 after replying (404 "No project could be found with key or id given." for
 * a missing project and one the user may not browse alike, 500 on a store error). */
int people_project(kreq_t *kr, const char *id_or_key, project_rec_t *p);
/* The principal may administer the project (ADMINISTER_PROJECTS there, or ADMINISTER):
 * 0, or -1 after replying (403, Jira's "You cannot edit the configuration of this
 * project.", or 500). */
int people_may_administer(kreq_t *kr, int64_t project_id);
/* The principal administers some project it may browse (ADMINISTER_PROJECTS there, of at
 * most PEOPLE_PROJECTS_MAX projects looked at) or Jira (ADMINISTER): 0, or -1 after the
 * same replies as people_may_administer. */
#define PEOPLE_PROJECTS_MAX 10000
int people_may_administer_any(kreq_t *kr);
/* The principal administers Jira (ADMINISTER): 0, or -1 after replying 403 with
 * `refusal` (or 500). */
int people_may_administer_jira(kreq_t *kr, const char *refusal);
/* An id of Jira's kind in a path: 0 with *id, -1 if it is not a positive integer. */
int people_path_id(const char *s, int64_t *id);

/* product/roles.c */
void role_list(kreq_t *kr);            /* GET /role */
void role_get(kreq_t *kr);             /* GET /role/{id} */
void project_role_links(kreq_t *kr);   /* GET /project/{projectIdOrKey}/role */
void project_role_get(kreq_t *kr);     /* GET /project/{projectIdOrKey}/role/{id} */
void project_role_add(kreq_t *kr);     /* POST /project/{projectIdOrKey}/role/{id} */
void project_role_set(kreq_t *kr);     /* PUT /project/{projectIdOrKey}/role/{id} */
void project_role_remove(kreq_t *kr);  /* DELETE /project/{projectIdOrKey}/role/{id} */
void project_role_details(kreq_t *kr); /* GET /project/{projectIdOrKey}/roledetails */

/* product/user_search.c */
void user_find(kreq_t *kr);             /* GET /user/search */
void user_assignable(kreq_t *kr);       /* GET /user/assignable/search */
void user_assignable_multi(kreq_t *kr); /* GET /user/assignable/multiProjectSearch */
void user_bulk(kreq_t *kr);             /* GET /user/bulk */
void user_viewissue(kreq_t *kr);        /* GET /user/viewissue/search */
void user_with_permissions(kreq_t *kr); /* GET /user/permission/search */

/* product/mypermissions.c */
void my_permissions(kreq_t *kr);      /* GET /mypermissions */
void permissions_all(kreq_t *kr);     /* GET /permissions */
void permissions_project(kreq_t *kr); /* POST /permissions/project */

/* product/project.c */
void project_list(kreq_t *kr);   /* GET /project */
void project_update(kreq_t *kr); /* PUT /project/{projectIdOrKey} */
void project_delete(kreq_t *kr); /* DELETE /project/{projectIdOrKey} */

#endif
