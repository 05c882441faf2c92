/* The product's route table. One entry per operation:
 *
 *     {"GET", "/rest/api/3/myself", user_myself},
 *     V23("GET", "/issue/{issueIdOrKey}", issue_get),      (/rest/api/2 and /rest/api/3)
 *
 * with the method and path as string literals: tools/gen-spec.mjs and tools/gen-api-doc.mjs
 * read these lines with a regex (tools/spec-model.mjs ROUTE_RE) to check that every route
 * has scopes, to pick the response schemas the e2e tests validate against and to write
 * docs/api.md's operation table. What kiln does differently from Jira for an operation goes
 * in one comment right after its entry, on the same line (it may wrap):
 *
 *     {"POST", "/rest/api/3/issue", issue_create}, <comment>
 *
 * where <comment> is a C block comment whose text starts with "api:", e.g. "api: `update`
 * must be empty" (no other comment is read, so examples like these in comments are not
 * routes). Then run `make scopes`. */
#include "product/routes.h"

#include "product/people.h"

/* The route table. V23 adds an operation under both /rest/api/2 and /rest/api/3 with one
 * handler (render_v2 tells the handler which was called: v2 text fields are strings,
 * v3 ADF documents). Routes are grouped by area, each group under a comment naming it.
 * A comment on a route line that starts with "api:" says what kiln does differently from
 * Jira (tools/gen-api-doc.mjs copies it into docs/api.md). */
#define V23(method, path, fn)                                                                                          \
    {method, "/rest/api/2" path, fn},                                                                                  \
    {                                                                                                                  \
        method, "/rest/api/3" path, fn                                                                                 \
    }

static route_t routes[] = {
    /* projects */
    V23("GET", "/project/search", project_search),
    V23("GET", "/project/{projectIdOrKey}", project_get),
    V23("POST", "/project", project_create),
    /* users */
    V23("GET", "/myself", user_myself),
    V23("GET", "/users/search", user_search),
    V23("GET", "/user", user_get),
    /* issues */
    V23("POST", "/issue", issue_create),
    V23("GET", "/issue/{issueIdOrKey}", issue_get),
    /* the site */
    V23("GET", "/serverInfo", server_info),
    /* permissions */
    V23("POST", "/permissions/check", permissions_check),
    /* people: users, project roles, permissions, project administration (product/people.h) */
    V23("GET", "/project",
        project_list), /* api: `recent` answers the first projects by key (kiln keeps no view history) */
    V23("PUT", "/project/{projectIdOrKey}",
        project_update), /* api: a project's key cannot change; scheme and avatar fields are accepted and ignored */
    V23("DELETE", "/project/{projectIdOrKey}",
        project_delete),            /* api: deletes at once (no trash: `enableUndo` is accepted and ignored) */
    V23("GET", "/role", role_list), /* api: the three roles every site has (Administrators, Member, Viewer); they cannot
                                       be created or changed */
    V23("GET", "/role/{id}", role_get),
    V23("GET", "/project/{projectIdOrKey}/role", project_role_links),
    V23("GET", "/project/{projectIdOrKey}/role/{id}", project_role_get),
    V23("POST", "/project/{projectIdOrKey}/role/{id}",
        project_role_add), /* api: users only: kiln has no groups, so a group is refused as one that does not exist */
    V23("PUT", "/project/{projectIdOrKey}/role/{id}",
        project_role_set), /* api: users only (atlassian-user-role-actor); a group is refused */
    V23("DELETE", "/project/{projectIdOrKey}/role/{id}",
        project_role_remove), /* api: `user` only; a group is refused */
    V23("GET", "/project/{projectIdOrKey}/roledetails", project_role_details),
    V23("GET", "/users", user_search),
    V23("GET", "/user/search", user_find), /* api: matches a prefix of the display name, of a word of it, or of the
                                              email; `property` is refused */
    V23("GET", "/user/assignable/search", user_assignable),
    V23("GET", "/user/assignable/multiProjectSearch", user_assignable_multi),
    V23("GET", "/user/bulk", user_bulk),
    V23("GET", "/user/viewissue/search", user_viewissue),
    V23("GET", "/user/permission/search", user_with_permissions), /* api: without projectKey or issueKey, a project
                                                                     permission must be held in every project */
    V23("GET", "/mypermissions",
        my_permissions), /* api: only the permissions kiln models (GET /permissions); others are a 400 */
    V23("GET", "/permissions", permissions_all), /* api: the permissions kiln models, not Jira's whole list */
    V23("POST", "/permissions/project", permissions_project),
};

route_table_t product_routes = {"jira", routes, sizeof routes / sizeof routes[0], 1};

int product_routes_init(void)
{
    return router_init(&product_routes);
}

int render_v2(const kreq_t *kr)
{
    const route_t *r = kr->route;
    return r && r->nsegs > 2 && r->segs[2][0] == '2' && r->segs[2][1] == '\0' && r->segs[1][0] == 'a';
}
