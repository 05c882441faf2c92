/* The Jira-compatible product's route table, relative to a site
 * (/ex/jira/{cloudId}/rest/api/3/...). Each route's scope sets come from the generated
 * scope table (src/auth/scope_table.c) by method and path template. */
#ifndef KILN_PRODUCT_ROUTES_H
#define KILN_PRODUCT_ROUTES_H

#include "http/router.h"

extern route_table_t product_routes;
int product_routes_init(void);

/* 1 when the request came in under /rest/api/2 (text fields are plain strings and wiki
 * markup) or /rest/agile/1.0 (whose issues are Jira's version 2 representation), 0 under
 * /rest/api/3 (ADF documents) and every other API. */
int render_v2(const kreq_t *kr);

/* Handlers; each runs with kr->site and kr->principal bound by the gateway. */
void project_search(kreq_t *kr);
void project_get(kreq_t *kr);
void project_create(kreq_t *kr);
void user_myself(kreq_t *kr);
void user_search(kreq_t *kr);
void user_get(kreq_t *kr);
void issue_create(kreq_t *kr);
void issue_get(kreq_t *kr);
void server_info(kreq_t *kr);
void permissions_check(kreq_t *kr); /* product/perm.c */

#endif
