/* The store's installations family: an app environment installed on a site, and what
 * hangs off each installation: its webtrigger ids (tenant rows: every one names its site).
 * Tables: installations, webtriggers (lifecycle_events holds the lifecycle events of
 * kilns before the delivery engine, store/store_deliveries.h; kept, no longer read). */
#ifndef KILN_STORE_INSTALLS_H
#define KILN_STORE_INSTALLS_H

#include "store/store.h"

typedef struct install_rec {
    const char *id; /* installationId */
    int64_t site_id;
    const char *app_id, *env_key, *installer_account_id, *bot_account_id;
    int64_t major; /* consented */
    const char *scopes_json, *egress_json;
    int removed, purged;
    int64_t created_ms, updated_ms, removed_ms, purge_after_ms;
} install_rec_t;

/* ---- installations ---- */
/* STORE_CONFLICT if the site already has an active installation of (app, env). */
int store_install_insert(store_t *st, const install_rec_t *in);
int store_install_get(store_t *st, arena_t *a, const char *id, install_rec_t *out);
/* The active installation of (app, env) on a site. */
int store_install_active(store_t *st, arena_t *a, int64_t site_id, const char *app_id, const char *env_key,
                         install_rec_t *out);
/* Installations of an app (app_id NULL: all), newest first, removed ones included. */
int store_install_list(store_t *st, arena_t *a, const char *app_id, install_rec_t **out, size_t *n);
/* The active installations of a site, oldest first (the fan-out of its product events). */
int store_install_site(store_t *st, arena_t *a, int64_t site_id, install_rec_t **out, size_t *n);
/* *yes = 1 when an active installation of the site has, in the newest version of its
 * major, a manifest whose text contains `needle` (an event name): whether recording an
 * event that costs a write where there was none (a view) could matter to anyone. It may
 * say yes for a name that no trigger subscribes to; never no for one that does. */
int store_install_site_mentions(store_t *st, int64_t site_id, const char *needle, int *yes);
int store_install_set_major(store_t *st, const char *id, int64_t major, const char *scopes_json,
                            const char *egress_json, int64_t now_ms);
int store_install_remove(store_t *st, const char *id, int64_t now_ms, int64_t purge_after_ms);
/* Removed installations whose retention ended by now_ms and are not purged yet. */
int store_install_purgeable(store_t *st, arena_t *a, int64_t now_ms, install_rec_t **out, size_t *n);
/* Deletes what the installation's app kept (its app storage rows, store/store_kvs.h)
 * and what was owed to it (its deliveries, store/store_deliveries.h, whatever their
 * state) and marks it purged, in one transaction. */
int store_install_purge(store_t *st, const char *id);

/* ---- webtriggers ---- */
/* The trigger id of (installation, module), created with `new_id` if there is none yet. */
int store_webtrigger_ensure(store_t *st, arena_t *a, const char *installation_id, const char *module_key,
                            const char *new_id, int64_t now_ms, const char **id);
/* The installation and module of a trigger id. */
int store_webtrigger_get(store_t *st, arena_t *a, const char *id, const char **installation_id,
                         const char **module_key);
/* Removes a trigger id of an installation; STORE_NOTFOUND if it has no such id. */
int store_webtrigger_delete(store_t *st, const char *id, const char *installation_id);
/* All trigger ids of an installation: parallel arrays in `a`. */
int store_webtrigger_list(store_t *st, arena_t *a, const char *installation_id, const char ***ids,
                          const char ***modules, size_t *n);

#endif
