/* The issue operations (product/issue.c): create one and in bulk, get, bulkfetch, edit,
 * assign, delete, the changelog and editmeta; and the issue-meta operations
 * (product/meta.c): fields, issue types, statuses and categories, priorities,
 * resolutions, labels; and a project's components and versions (product/catalog.c).
 * Every operation is served under /rest/api/2 and /rest/api/3. */
#ifndef KILN_ISSUES_H
#define KILN_ISSUES_H

#include "http/request.h"

void issue_create(kreq_t *kr);
void issue_create_bulk(kreq_t *kr);
void issue_get(kreq_t *kr);
void issue_bulkfetch(kreq_t *kr);
void issue_edit(kreq_t *kr);
void issue_assign(kreq_t *kr);
void issue_delete(kreq_t *kr);
void issue_changelog(kreq_t *kr);
void issue_changelog_list(kreq_t *kr);
void issue_editmeta(kreq_t *kr);
void issue_createmeta(kreq_t *kr);
void issue_createmeta_types(kreq_t *kr);
void issue_createmeta_fields(kreq_t *kr);

/* product/meta.c */
void field_list(kreq_t *kr);
void field_search(kreq_t *kr);
void field_create(kreq_t *kr);
void issuetype_list(kreq_t *kr);
void issuetype_get(kreq_t *kr);
void issuetype_project(kreq_t *kr);
void status_list(kreq_t *kr);
void status_get(kreq_t *kr);
void statuses_search(kreq_t *kr);
void project_statuses(kreq_t *kr);
void statuscategory_list(kreq_t *kr);
void statuscategory_get(kreq_t *kr);
void priority_list(kreq_t *kr);
void priority_get(kreq_t *kr);
void priority_search(kreq_t *kr);
void resolution_list(kreq_t *kr);
void resolution_get(kreq_t *kr);
void resolution_search(kreq_t *kr);
void label_list(kreq_t *kr);

/* product/catalog.c */
void component_list(kreq_t *kr);
void component_create(kreq_t *kr);
void component_get(kreq_t *kr);
void component_update(kreq_t *kr);
void component_delete(kreq_t *kr);
void version_list(kreq_t *kr);
void version_create(kreq_t *kr);
void version_get(kreq_t *kr);
void version_update(kreq_t *kr);
void version_delete(kreq_t *kr);

#endif
