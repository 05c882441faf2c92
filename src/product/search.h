/* JQL searches over HTTP (docs/jql.md): the enhanced search (GET|POST /search/jql, with
 * nextPageToken), POST /search/approximate-count, the legacy GET|POST /search (startAt,
 * total, validateQuery) and POST /jql/parse, under /rest/api/2 and /rest/api/3. A query
 * is parsed (product/jql.h), resolved as the caller sees the site (product/jql_eval.h:
 * a user's browse permissions restrict the query itself) and run by the store in one
 * statement under a time budget; issues are written by render_issue. */
#ifndef KILN_PRODUCT_SEARCH_H
#define KILN_PRODUCT_SEARCH_H

#include "http/request.h"
#include "product/jql_eval.h"

#define SEARCH_BUDGET_MS 2000   /* a query running longer is interrupted and refused */
#define SEARCH_MAX_RESULTS 100  /* per page when fields are asked for (Jira's) */
#define SEARCH_MAX_ID_ONLY 5000 /* per page when only ids/keys are (the enhanced search) */
#define SEARCH_DEFAULT_RESULTS 50

void search_jql(kreq_t *kr);    /* GET|POST /search/jql */
void search_count(kreq_t *kr);  /* POST /search/approximate-count */
void search_legacy(kreq_t *kr); /* GET|POST /search */

/* The evaluator's context for the request's principal: its site, its account (for
 * currentUser()), the projects a user may browse (perm_allows; an app: every one), the
 * clock and the user's time zone. */
void search_env(kreq_t *kr, jql_env_t *env);

#endif
