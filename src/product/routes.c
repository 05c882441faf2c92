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
#include "product/work.h"

#include "product/issues.h"
#include "product/links.h"

#include "product/people.h"

#include "product/jql_api.h"
#include "product/search.h"

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
    /* issues, fields, links and issue meta (product/issues.h, product/links.h) */
    V23("POST", "/issue", issue_create), /* api: a `transition` or `properties` member is refused (400), not applied */
    V23("GET", "/issue/{issueIdOrKey}", issue_get), /* api: `renderedFields` holds the text fields only (HTML) */
    V23("PUT", "/issue/{issueIdOrKey}",
        issue_edit), /* api: a `transition` or `properties` member is refused (400), not applied */
    V23("DELETE", "/issue/{issueIdOrKey}", issue_delete),
    V23("PUT", "/issue/{issueIdOrKey}/assignee", issue_assign),
    V23("POST", "/issue/bulk", issue_create_bulk),
    V23("POST", "/issue/bulkfetch", issue_bulkfetch),
    V23("GET", "/issue/{issueIdOrKey}/changelog", issue_changelog),
    V23("POST", "/issue/{issueIdOrKey}/changelog/list", issue_changelog_list),
    V23("GET", "/issue/{issueIdOrKey}/editmeta", issue_editmeta),
    V23("GET", "/issue/createmeta", issue_createmeta), /* api: every field is on every screen; at most 100 projects */
    V23("GET", "/issue/createmeta/{projectIdOrKey}/issuetypes", issue_createmeta_types),
    V23("GET", "/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}",
        issue_createmeta_fields), /* api: every field is on every screen */
    V23("GET", "/field", field_list),
    V23("GET", "/field/search",
        field_search),                   /* api: every orderBy sorts by name (kiln has no screens, contexts or usage) */
    V23("POST", "/field", field_create), /* api: select fields take their options as `options` (strings) */
    V23("POST", "/issueLink", issue_link_create), /* api: needs EDIT_ISSUES on the outward issue (Jira: LINK_ISSUES) */
    V23("GET", "/issueLink/{linkId}", issue_link_get),
    V23("DELETE", "/issueLink/{linkId}", issue_link_delete),
    V23("GET", "/issueLinkType", issue_link_types),
    V23("GET", "/issueLinkType/{issueLinkTypeId}", issue_link_type_get),
    V23("GET", "/issuetype", issuetype_list),
    V23("GET", "/issuetype/project", issuetype_project),
    V23("GET", "/issuetype/{id}", issuetype_get),
    V23("GET", "/status", status_list),
    V23("GET", "/status/{idOrName}", status_get),
    V23("GET", "/statuses/search", statuses_search),
    V23("GET", "/project/{projectIdOrKey}/statuses", project_statuses),
    V23("GET", "/statuscategory", statuscategory_list),
    V23("GET", "/statuscategory/{idOrKey}", statuscategory_get),
    V23("GET", "/priority", priority_list),
    V23("GET", "/priority/search", priority_search),
    V23("GET", "/priority/{id}", priority_get),
    V23("GET", "/resolution", resolution_list),
    V23("GET", "/resolution/search", resolution_search),
    V23("GET", "/resolution/{id}", resolution_get),
    V23("GET", "/label", label_list),
    V23("GET", "/project/{projectIdOrKey}/components", component_list),
    V23("POST", "/component", component_create),
    V23("GET", "/component/{id}", component_get),
    V23("PUT", "/component/{id}", component_update),
    V23("DELETE", "/component/{id}", component_delete),
    V23("GET", "/project/{projectIdOrKey}/versions", version_list),
    V23("POST", "/version", version_create),
    V23("GET", "/version/{id}", version_get),
    V23("PUT", "/version/{id}", version_update),
    V23("DELETE", "/version/{id}", version_delete),
    /* the site */
    V23("GET", "/serverInfo", server_info),
    /* permissions */
    V23("POST", "/permissions/check", permissions_check),
    /* comments, worklogs, transitions, entity properties (product/work.h) */
    V23("GET", "/issue/{issueIdOrKey}/comment",
        comment_list), /* api: a comment restricted to a group is visible to its author and Jira administrators (kiln
                          has no groups); one restricted to a role, to whoever holds every permission the role grants */
    V23("POST", "/issue/{issueIdOrKey}/comment", comment_add), /* api: 403 without ADD_COMMENTS */
    V23("GET", "/issue/{issueIdOrKey}/comment/{id}", comment_get),
    V23("PUT", "/issue/{issueIdOrKey}/comment/{id}", comment_update),
    V23("DELETE", "/issue/{issueIdOrKey}/comment/{id}", comment_delete),
    V23("POST", "/comment/list", comment_list_ids),
    V23("GET", "/issue/{issueIdOrKey}/worklog", worklog_list),
    V23("POST", "/issue/{issueIdOrKey}/worklog", worklog_add),
    V23("GET", "/issue/{issueIdOrKey}/worklog/{id}", worklog_get),
    V23("PUT", "/issue/{issueIdOrKey}/worklog/{id}", worklog_update),
    V23("DELETE", "/issue/{issueIdOrKey}/worklog/{id}", worklog_delete),
    V23("GET", "/worklog/updated", worklog_updated), /* api: at most 1000 a page */
    V23("GET", "/worklog/deleted", worklog_deleted), /* api: at most 1000 a page */
    V23("POST", "/worklog/list", worklog_list_ids),
    V23("GET", "/issue/{issueIdOrKey}/transitions",
        transition_list), /* api: no transition conditions or screens beyond the resolution of a move into Done */
    V23("POST", "/issue/{issueIdOrKey}/transitions",
        transition_do), /* api: `fields` takes resolution, `update` one comment add; historyMetadata is ignored */
    V23("GET", "/issue/{issueIdOrKey}/properties", property_issue_keys),
    V23("GET", "/issue/{issueIdOrKey}/properties/{propertyKey}", property_issue_get),
    V23("PUT", "/issue/{issueIdOrKey}/properties/{propertyKey}", property_issue_set),
    V23("DELETE", "/issue/{issueIdOrKey}/properties/{propertyKey}", property_issue_delete),
    V23("GET", "/project/{projectIdOrKey}/properties", property_project_keys),
    V23("GET", "/project/{projectIdOrKey}/properties/{propertyKey}", property_project_get),
    V23("PUT", "/project/{projectIdOrKey}/properties/{propertyKey}", property_project_set),
    V23("DELETE", "/project/{projectIdOrKey}/properties/{propertyKey}", property_project_delete),
    V23("GET", "/user/properties", property_user_keys), /* api: accountId only (no userKey, username) */
    V23("GET", "/user/properties/{propertyKey}", property_user_get),
    V23("PUT", "/user/properties/{propertyKey}", property_user_set),
    V23("DELETE", "/user/properties/{propertyKey}", property_user_delete),
    V23("GET", "/comment/{commentId}/properties", property_comment_keys),
    V23("GET", "/comment/{commentId}/properties/{propertyKey}", property_comment_get),
    V23("PUT", "/comment/{commentId}/properties/{propertyKey}", property_comment_set),
    V23("DELETE", "/comment/{commentId}/properties/{propertyKey}", property_comment_delete),
    V23("GET", "/issue/{issueIdOrKey}/worklog/{worklogId}/properties", property_worklog_keys),
    V23("GET", "/issue/{issueIdOrKey}/worklog/{worklogId}/properties/{propertyKey}", property_worklog_get),
    V23("PUT", "/issue/{issueIdOrKey}/worklog/{worklogId}/properties/{propertyKey}", property_worklog_set),
    V23("DELETE", "/issue/{issueIdOrKey}/worklog/{worklogId}/properties/{propertyKey}", property_worklog_delete),
    {"GET", "/rest/forge/1/app/properties",
     property_app_keys}, /* api: the properties of the calling app's installation on the site */
    {"GET", "/rest/forge/1/app/properties/{propertyKey}", property_app_get},
    {"PUT", "/rest/forge/1/app/properties/{propertyKey}", property_app_set},
    {"DELETE", "/rest/forge/1/app/properties/{propertyKey}", property_app_delete},
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
    /* searches (JQL: product/search.h, docs/jql.md) */
    V23("GET", "/search/jql", search_jql),  /* api: nextPageToken is bound to the query and the site and expires when
                                               kiln restarts; reconcileIssues and failFast are accepted and have nothing
                                               to do (kiln's searches are consistent) */
    V23("POST", "/search/jql", search_jql), /* api: as GET /search/jql */
    V23("POST", "/search/approximate-count", search_count), /* api: the count is exact */
    V23("GET", "/search", search_legacy),  /* api: validateQuery=warn answers a value that does not exist as matching
                                              nothing, with its message in warningMessages */
    V23("POST", "/search", search_legacy), /* api: as GET /search */
    V23("GET", "/jql/autocompletedata",
        jql_autocomplete), /* api: no collapsed fields; projectIds do not narrow the list */
    V23("POST", "/jql/autocompletedata", jql_autocomplete), /* api: as GET /jql/autocompletedata */
    V23("GET", "/jql/autocompletedata/suggestions",
        jql_suggestions), /* api: labels, project, sprint, status, priority, resolution, issuetype and users; values
                             match by prefix; other fields (parent, custom fields) answer no results */
    V23("POST", "/jql/parse",
        jql_parse_queries), /* api: validation=warn answers validation messages as errors, like strict */
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
    {"GET", "/rest/agile/1.0/board/{boardId}/issue", board_issues}, /* api: `jql` filters within the list (at most 10000
                                                                       matches; its ORDER BY is not used: rank order) */
    {"GET", "/rest/agile/1.0/board/{boardId}/backlog",
     board_backlog}, /* api: `jql` filters within the list (at most 10000 matches; its ORDER BY is not used: rank
                        order); epics are not in the backlog */
    {"GET", "/rest/agile/1.0/board/{boardId}/sprint", board_sprints},
    {"GET", "/rest/agile/1.0/board/{boardId}/epic", board_epics},
    {"GET", "/rest/agile/1.0/board/{boardId}/epic/none/issue",
     board_no_epic_issues}, /* api: `jql` filters within the list (at most 10000 matches; its ORDER BY is not used: rank
                               order) */
    {"GET", "/rest/agile/1.0/board/{boardId}/epic/{epicId}/issue",
     board_epic_issues}, /* api: `jql` filters within the list (at most 10000 matches; its ORDER BY is not used: rank
                            order) */
    {"GET", "/rest/agile/1.0/board/{boardId}/project", board_projects},
    {"GET", "/rest/agile/1.0/board/{boardId}/sprint/{sprintId}/issue",
     board_sprint_issues}, /* api: `jql` filters within the list (at most 10000 matches; its ORDER BY is not used: rank
                              order) */
    {"POST", "/rest/agile/1.0/sprint", sprint_create}, /* api: Manage sprints is EDIT_ISSUES on the board's project */
    {"GET", "/rest/agile/1.0/sprint/{sprintId}", sprint_get},
    {"PUT", "/rest/agile/1.0/sprint/{sprintId}",
     sprint_update}, /* api: one active sprint per board (no parallel sprints); a closed sprint keeps its state and
                        dates */
    {"POST", "/rest/agile/1.0/sprint/{sprintId}",
     sprint_partial}, /* api: one active sprint per board (no parallel sprints); a closed sprint keeps its state and
                         dates */
    {"DELETE", "/rest/agile/1.0/sprint/{sprintId}", sprint_delete}, /* api: a closed sprint cannot be deleted */
    {"GET", "/rest/agile/1.0/sprint/{sprintId}/issue",
     sprint_issues}, /* api: `jql` filters within the list (at most 10000 matches; its ORDER BY is not used: rank order)
                      */
    {"POST", "/rest/agile/1.0/sprint/{sprintId}/issue",
     sprint_move_issues}, /* api: only issues of the board's project */
    {"POST", "/rest/agile/1.0/backlog/issue", backlog_move_issues},
    {"POST", "/rest/agile/1.0/backlog/{boardId}/issue",
     backlog_board_move_issues},                                  /* api: only issues of the board's project */
    {"GET", "/rest/agile/1.0/epic/none/issue", epic_none_issues}, /* api: `jql` filters within the list (at most 10000
                                                                     matches; its ORDER BY is not used: rank order) */
    {"POST", "/rest/agile/1.0/epic/none/issue", epic_none_move_issues},
    {"GET", "/rest/agile/1.0/epic/{epicIdOrKey}", epic_get},
    {"GET", "/rest/agile/1.0/epic/{epicIdOrKey}/issue",
     epic_issues}, /* api: `jql` filters within the list (at most 10000 matches; its ORDER BY is not used: rank order)
                    */
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
