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

#include "product/jql_api.h"
#include "product/search.h"

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
    V23("GET", "/project/search", project_search), V23("GET", "/project/{projectIdOrKey}", project_get),
    V23("POST", "/project", project_create),
    /* users */
    V23("GET", "/myself", user_myself), V23("GET", "/users/search", user_search), V23("GET", "/user", user_get),
    /* issues */
    V23("POST", "/issue", issue_create), V23("GET", "/issue/{issueIdOrKey}", issue_get),
    /* the site */
    V23("GET", "/serverInfo", server_info),
    /* permissions */
    V23("POST", "/permissions/check", permissions_check),
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
    V23("POST", "/jql/parse",
        jql_parse_queries), /* api: validation=warn answers validation messages as errors, like strict */
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
