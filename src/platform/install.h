/* Installations: an app's environment installed on one site (docs/apps.md).
 *
 * Installing records the consent of the site (the newest major of the environment, its
 * scopes and egress), creates the app's bot user on the site and a lifecycle record for
 * avi:forge:installed:app. Minor versions reach every installation at once (the version
 * an installation runs is the newest of its consented major); a new major waits until
 * install_upgrade (consent). Uninstalling marks the installation removed at once (every
 * credential bound to it dies with it), drops its pending deliveries and owes its
 * triggers avi:forge:uninstalled:app (platform/uninstall.h), and schedules its data for
 * purge after the retention period. Every function works inside one transaction: all or nothing. */
#ifndef KILN_INSTALL_H
#define KILN_INSTALL_H

#include "http/request.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

/* Results, mapped to an HTTP status and a one-line message by install_result_*. */
enum install_result {
    INSTALL_OK = 0,
    INSTALL_NO_APP,
    INSTALL_NO_ENV,
    INSTALL_NOT_DEPLOYED,
    INSTALL_EXISTS,
    INSTALL_NOT_INSTALLED,
    INSTALL_NO_UPGRADE,
    INSTALL_NO_ACCOUNT,
    INSTALL_STORE_ERROR,
};
int install_result_status(enum install_result r);
const char *install_result_message(enum install_result r);

#define INSTALL_RETENTION_MS_DEFAULT (28LL * 24 * 3600 * 1000)

/* Installs (app, env) on `site` as `account` (NULL: the site admin). Fills *out and *ver
 * (the version the installation runs). */
enum install_result install_create(store_t *st, arena_t *a, const site_rec_t *site, const char *app_id,
                                   const char *env_key, const char *account, int64_t now_ms, install_rec_t *out,
                                   version_rec_t *ver);
/* Consents to the environment's newest major (INSTALL_NO_UPGRADE if already on it). */
enum install_result install_upgrade(store_t *st, arena_t *a, const site_rec_t *site, const char *app_id,
                                    const char *env_key, const char *account, int64_t now_ms, install_rec_t *out,
                                    version_rec_t *ver);
/* Marks the active installation removed; its data is purged after retention_ms. */
enum install_result install_remove(store_t *st, arena_t *a, const site_rec_t *site, const char *app_id,
                                   const char *env_key, int64_t now_ms, int64_t retention_ms, install_rec_t *out);
/* Purges every removed installation whose retention ended by now_ms (its app storage,
 * deliveries and dashboard gadget configurations, each installation in one transaction);
 * *purged counts them. */
int install_purge_due(store_t *st, arena_t *a, int64_t now_ms, size_t *purged);
/* The version an installation runs: the newest of its consented major. */
int install_version(store_t *st, arena_t *a, const install_rec_t *in, version_rec_t *out);

/* An admin route's installation: kr->params[0..2] name the site, the app (its id or ARI)
 * and the environment (/sites/{site}/apps/{app}/environments/{env}/...); the site, its
 * active installation of that app and environment, and the version it runs (ver NULL: not
 * looked up). 0; or -1 with
 * the 404 answered: "No such site." or "The app is not installed on this site in this
 * environment." */
int install_of_route(kreq_t *kr, site_rec_t *site, install_rec_t *in, version_rec_t *ver);

#endif
