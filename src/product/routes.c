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

static route_t routes[] = {
    {"GET", "/rest/api/3/project/search", project_search}, {"GET", "/rest/api/3/project/{projectIdOrKey}", project_get},
    {"POST", "/rest/api/3/project", project_create},       {"GET", "/rest/api/3/myself", user_myself},
    {"GET", "/rest/api/3/users/search", user_search},      {"GET", "/rest/api/3/user", user_get},
    {"POST", "/rest/api/3/issue", issue_create},           {"GET", "/rest/api/3/issue/{issueIdOrKey}", issue_get},
    {"GET", "/rest/api/3/serverInfo", server_info},        {"POST", "/rest/api/3/permissions/check", permissions_check},
};

route_table_t product_routes = {"jira", routes, sizeof routes / sizeof routes[0], 1};

int product_routes_init(void)
{
    return router_init(&product_routes);
}
