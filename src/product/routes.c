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

#include <string.h>

#include "product/agile.h"
#include "product/devops.h"

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
    /* Jira Software: boards, sprints, epics, ranks (product/agile.h) */
    {"GET", "/rest/agile/1.0/board",
     board_list}, /* api: a board shows one project; only boards of projects the caller may browse */
    {"POST", "/rest/agile/1.0/board",
     board_create}, /* api: kiln has no saved filters: `location` {type: project, projectKeyOrId} is required,
                       `filterId` is refused; the board records the JQL `project = KEY ORDER BY Rank ASC`; needs
                       ADMINISTER_PROJECTS */
    {"GET", "/rest/agile/1.0/board/{boardId}", board_get},
    {"DELETE", "/rest/agile/1.0/board/{boardId}",
     board_delete}, /* api: needs ADMINISTER_PROJECTS; the board's open sprints are deleted with it (their issues go
                       back to the backlog), its closed ones stay in their issues' history */
    {"GET", "/rest/agile/1.0/board/{boardId}/configuration",
     board_configuration}, /* api: no `filter` or `ranking`: one column per status category of the project's workflow */
    {"GET", "/rest/agile/1.0/board/{boardId}/issue", board_issues}, /* api: `jql` is refused (400) */
    {"GET", "/rest/agile/1.0/board/{boardId}/backlog",
     board_backlog}, /* api: `jql` is refused (400); epics are not in the backlog */
    {"GET", "/rest/agile/1.0/board/{boardId}/sprint", board_sprints},
    {"GET", "/rest/agile/1.0/board/{boardId}/epic", board_epics},
    {"GET", "/rest/agile/1.0/board/{boardId}/epic/none/issue", board_no_epic_issues},  /* api: `jql` is refused (400) */
    {"GET", "/rest/agile/1.0/board/{boardId}/epic/{epicId}/issue", board_epic_issues}, /* api: `jql` is refused (400) */
    {"GET", "/rest/agile/1.0/board/{boardId}/project", board_projects},
    {"GET", "/rest/agile/1.0/board/{boardId}/sprint/{sprintId}/issue",
     board_sprint_issues},                             /* api: `jql` is refused (400) */
    {"POST", "/rest/agile/1.0/sprint", sprint_create}, /* api: Manage sprints is EDIT_ISSUES on the board's project */
    {"GET", "/rest/agile/1.0/sprint/{sprintId}", sprint_get},
    {"PUT", "/rest/agile/1.0/sprint/{sprintId}",
     sprint_update}, /* api: one active sprint per board (no parallel sprints); a closed sprint keeps its state and
                        dates */
    {"POST", "/rest/agile/1.0/sprint/{sprintId}",
     sprint_partial}, /* api: one active sprint per board (no parallel sprints); a closed sprint keeps its state and
                         dates */
    {"DELETE", "/rest/agile/1.0/sprint/{sprintId}", sprint_delete},    /* api: a closed sprint cannot be deleted */
    {"GET", "/rest/agile/1.0/sprint/{sprintId}/issue", sprint_issues}, /* api: `jql` is refused (400) */
    {"POST", "/rest/agile/1.0/sprint/{sprintId}/issue",
     sprint_move_issues}, /* api: only issues of the board's project */
    {"POST", "/rest/agile/1.0/backlog/issue", backlog_move_issues},
    {"POST", "/rest/agile/1.0/backlog/{boardId}/issue",
     backlog_board_move_issues},                                  /* api: only issues of the board's project */
    {"GET", "/rest/agile/1.0/epic/none/issue", epic_none_issues}, /* api: `jql` is refused (400) */
    {"POST", "/rest/agile/1.0/epic/none/issue", epic_none_move_issues},
    {"GET", "/rest/agile/1.0/epic/{epicIdOrKey}", epic_get},
    {"GET", "/rest/agile/1.0/epic/{epicIdOrKey}/issue", epic_issues},       /* api: `jql` is refused (400) */
    {"POST", "/rest/agile/1.0/epic/{epicIdOrKey}/issue", epic_move_issues}, /* api: only issues of the epic's project */
    {"PUT", "/rest/agile/1.0/issue/rank", issue_rank}, /* api: all or nothing: 204, or one 400 (no 207) */
    {"GET", "/rest/agile/1.0/issue/{issueIdOrKey}", agile_issue_get},
    /* DevOps data (product/devops.h) */
    {"POST", "/rest/builds/0.1/bulk", devops_builds_bulk}, /* api: kept per site and app; apps only (403 for a user) */
    {"GET", "/rest/builds/0.1/pipelines/{pipelineId}/builds/{buildNumber}",
     devops_build_get}, /* api: an id holding `/` cannot be named in the path (kiln refuses an encoded `/` in a segment)
                         */
    {"DELETE", "/rest/builds/0.1/pipelines/{pipelineId}/builds/{buildNumber}",
     devops_build_delete}, /* api: an id holding `/` cannot be named in the path (kiln refuses an encoded `/` in a
                              segment) */
    {"DELETE", "/rest/builds/0.1/bulkByProperties", devops_builds_delete_by_props},
    {"POST", "/rest/deployments/0.1/bulk",
     devops_deployments_bulk}, /* api: kept per site and app; apps only (403 for a user); no gating status */
    {"GET",
     "/rest/deployments/0.1/pipelines/{pipelineId}/environments/{environmentId}/deployments/{deploymentSequenceNumber}",
     devops_deployment_get}, /* api: an id holding `/` cannot be named in the path (kiln refuses an encoded `/` in a
                                segment) */
    {"DELETE",
     "/rest/deployments/0.1/pipelines/{pipelineId}/environments/{environmentId}/deployments/{deploymentSequenceNumber}",
     devops_deployment_delete}, /* api: an id holding `/` cannot be named in the path (kiln refuses an encoded `/` in a
                                   segment) */
    {"DELETE", "/rest/deployments/0.1/bulkByProperties", devops_deployments_delete_by_props},
    {"POST", "/rest/devinfo/0.10/bulk",
     devops_devinfo_bulk}, /* api: kept per site and app, a repository as one entity replaced whole by a newer
                              updateSequenceId; apps only (403 for a user) */
    {"GET", "/rest/devinfo/0.10/repository/{repositoryId}",
     devops_repository_get}, /* api: an id holding `/` cannot be named in the path (kiln refuses an encoded `/` in a
                                segment) */
    {"DELETE", "/rest/devinfo/0.10/repository/{repositoryId}",
     devops_repository_delete}, /* api: an id holding `/` cannot be named in the path (kiln refuses an encoded `/` in a
                                   segment) */
    {"DELETE", "/rest/devinfo/0.10/bulkByProperties", devops_devinfo_delete_by_props},
};

route_table_t product_routes = {"jira", routes, sizeof routes / sizeof routes[0], 1};

int product_routes_init(void)
{
    return router_init(&product_routes);
}

int render_v2(const kreq_t *kr)
{
    const route_t *r = kr->route;
    return r && r->nsegs > 2 &&
           ((r->segs[2][0] == '2' && r->segs[2][1] == '\0' && strcmp(r->segs[1], "api") == 0) ||
            strcmp(r->segs[1], "agile") == 0);
}
