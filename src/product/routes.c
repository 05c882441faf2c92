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
