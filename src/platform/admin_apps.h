/* Admin API handlers for apps, deploys and installations (routes in admin.c), and the
 * public consent endpoint of distribution links (/install/{appId}). docs/api.md lists
 * them. */
#ifndef KILN_ADMIN_APPS_H
#define KILN_ADMIN_APPS_H

#include "http/request.h"

void apps_register(kreq_t *kr);
void apps_get(kreq_t *kr);
void apps_env_create(kreq_t *kr);
/* PATCH /apps/{appId}/environments/{environment} {"isolation": "installation"|"version"}:
 * whether the environment's workers may serve several installations (docs/runtime.md). */
void apps_env_update(kreq_t *kr);
void uploads_create(kreq_t *kr);
void uploads_append(kreq_t *kr);
void versions_deploy(kreq_t *kr);
void versions_list(kreq_t *kr);
void installs_create(kreq_t *kr);
void installs_remove(kreq_t *kr);
void installs_list(kreq_t *kr);
void maintenance_purge(kreq_t *kr);
void apps_distribution(kreq_t *kr);

/* The signature of a distribution link for (app, env): 64 hex chars into out[65]. */
void apps_link_signature(const unsigned char key[32], const char *app_id, const char *env_key, char out[65]);
/* The public plane: POST /install/{appId}?env=&signature= with a site admin's user token. */
void install_consent(kreq_t *kr);

#endif
