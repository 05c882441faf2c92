/* What an uninstall owes the app's deliveries (docs/events.md, "Uninstall"), run inside
 * the uninstall's transaction (platform/install.c install_remove):
 *
 *   - the installation's PENDING deliveries become DROPPED with the reason
 *     UNINSTALL_DROP_REASON (kept, listed by `kiln events`; never run);
 *   - one avi:forge:uninstalled:app lifecycle delivery (DLV_SRC_LIFECYCLE) is owed to each
 *     `trigger` module of the installation's version subscribed to it, with a payload
 *     shaped as avi:forge:installed:app's: {id, app {id, version}, environment {id},
 *     eventType}. The engine (platform/deliver.h) runs it although the installation is
 *     removed: the one kind of delivery a removed installation still gets.
 *
 *   - one run is owed to each `preUninstall` module (DLV_SRC_PREUNINSTALL,
 *     platform/deliver_preuninstall.c): {context: {cloudId, moduleKey}}, contextToken added
 *     per attempt; run once, its outcome does not hold the uninstall back.
 *
 * Forge itself documents no uninstalled:app trigger event (its uninstall hook is the
 * `preUninstall` module); kiln offers the event so that apps, and remotes above all,
 * learn they were removed. RUNNING deliveries are left to finish (their outcome is
 * written as usual). */
#ifndef KILN_UNINSTALL_H
#define KILN_UNINSTALL_H

#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_installs.h"

#define UNINSTALL_DROP_REASON "the app was uninstalled"
#define UNINSTALL_EVENT "avi:forge:uninstalled:app"

/* Drops `in`'s pending deliveries (*dropped: how many) and inserts the uninstalled:app and
 * preUninstall deliveries (*owed: how many) of version `ver` in environment `env` of the
 * installation's site `cloud_id`, at now_ms. A
 * STORE_* code: the caller's transaction rolls back on anything but STORE_OK. */
int uninstall_deliveries(store_t *st, arena_t *a, const install_rec_t *in, const char *cloud_id,
                         const version_rec_t *ver, const env_rec_t *env, int64_t now_ms, int64_t *dropped,
                         int64_t *owed);

#endif
