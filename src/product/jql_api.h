/* The JQL reference operations, under /rest/api/2 and /rest/api/3 (docs/jql.md):
 * POST /jql/parse answers Jira's structure of each query (ParsedJqlQueries) and, with
 * validation, the evaluator's messages as the searching user sees the site; GET|POST
 * /jql/autocompletedata the fields the evaluator searches with their operators, the
 * site's custom fields, the functions and the reserved words; GET
 * /jql/autocompletedata/suggestions the values of one field starting with fieldValue
 * (labels, projects, sprints of the projects the caller may browse; the shared statuses,
 * priorities, resolutions and issue types; the site's users). */
#ifndef KILN_PRODUCT_JQL_API_H
#define KILN_PRODUCT_JQL_API_H

#include "http/request.h"

void jql_parse_queries(kreq_t *kr); /* POST /jql/parse */
void jql_autocomplete(kreq_t *kr);  /* GET|POST /jql/autocompletedata */
void jql_suggestions(kreq_t *kr);   /* GET /jql/autocompletedata/suggestions */

#endif
