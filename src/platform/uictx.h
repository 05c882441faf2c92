/* The UI context Forge gives a resolver (and kiln gives `kiln invoke --as`): who and where
 * a module is shown. For a module of an installation, seen by a site user, it is
 *   {cloudId, siteUrl, moduleKey, localId, environmentId, environmentType, accountType,
 *    timezone, locale, extension: {type: the module's type, issue?, project?, ...the
 *    caller's members}}
 * The caller's extension is checked: a JSON object of at most UICTX_EXT_MEMBERS members and
 * UICTX_EXT_BYTES bytes, no `type` (the manifest says it); `issue` and `project` name an
 * issue or project of the bound site ({key} or {id}) that the user may browse, and are
 * completed from the store as Forge gives them ({id, key, type[, typeId]}; an issue brings
 * its project). Shared by direct invocation (platform/direct.c) and the UI. */
#ifndef KILN_UICTX_H
#define KILN_UICTX_H

#include <jansson.h>

#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_sites.h"

#define UICTX_EXT_MEMBERS 16
#define UICTX_EXT_BYTES 4096
#define UICTX_EXT_DEPTH 4

/* 0 with *out (owned by `a`); otherwise the HTTP status to answer (400 malformed, 404 an
 * issue or project the user cannot see on this site) with *err a static or arena message. */
int uictx_build(store_t *st, arena_t *a, const site_rec_t *site, const env_rec_t *env, const char *app_id,
                const char *module_key, const char *module_type, const user_rec_t *user, json_t *ext,
                const char *public_url, json_t **out, const char **err);

#endif
