/* Jira's DevOps data APIs as Forge DevOps apps call them: builds (/rest/builds/0.1),
 * deployments (/rest/deployments/0.1) and development information (/rest/devinfo/0.10:
 * repositories with their commits, branches and pull requests). What an app sends is
 * stored per site and per app (store/store_devops.h) and read back by the same app; a
 * newer updateSequenceNumber (updateSequenceId for devinfo) replaces, an older or equal
 * one is accepted and ignored, as Atlassian's are. Issue keys the site does not have are
 * answered as unknownIssueKeys; an entity that names only unknown keys is rejected. Only
 * apps may call these (a user's token gets 403, as on Jira Cloud). */
#ifndef KILN_DEVOPS_H
#define KILN_DEVOPS_H

#include "http/request.h"

/* kiln's limits (docs/api.md) */
enum {
    DEVOPS_MAX_ENTITIES = 100,   /* builds, deployments or repositories per call */
    DEVOPS_MAX_ISSUE_KEYS = 500, /* per entity */
    DEVOPS_MAX_CHILDREN = 400,   /* commits, branches, pull requests per repository and kind */
    DEVOPS_MAX_DOC = 256 * 1024, /* one entity as JSON */
    DEVOPS_MAX_PROPERTIES = 5,
    DEVOPS_MAX_ID = 255, /* pipeline, environment ids, property keys and values */
    DEVOPS_MAX_REPO_ID = 1024,
};

void devops_builds_bulk(kreq_t *kr);
void devops_build_get(kreq_t *kr);
void devops_build_delete(kreq_t *kr);
void devops_builds_delete_by_props(kreq_t *kr);
void devops_deployments_bulk(kreq_t *kr);
void devops_deployment_get(kreq_t *kr);
void devops_deployment_delete(kreq_t *kr);
void devops_deployments_delete_by_props(kreq_t *kr);
void devops_devinfo_bulk(kreq_t *kr);
void devops_repository_get(kreq_t *kr);
void devops_repository_delete(kreq_t *kr);
void devops_devinfo_delete_by_props(kreq_t *kr);

#endif
