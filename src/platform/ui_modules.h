/* The UI modules a signed-in user sees at one placement of the site's UI (GET
 * /_ui/v1/modules, web/ui_modules.c; docs/ui.md "UI modules"): for each active
 * installation of the site, the modules of that type in the manifest of the version it
 * runs (invoke_manifest's per-thread cache of the parsed canonical JSON), whose
 * displayConditions hold for the user and the issue or project shown
 * (platform/display_cond.h). Only the site's own installations, issues and projects are
 * ever read: an issue or project key is looked up on the site given, and one the user may
 * not browse is the same 404 as one that does not exist.
 *
 * Placements (the module type without "jira:"): issuePanel, issueGlance and issueContext
 * need an issue; projectPage a project; globalPage and dashboardGadget take either or
 * none; adminPage shows to site and Jira administrators only (none for anyone else).
 * UI Kit 1 modules (a `function`, no `resource`) are never listed: kiln does not run them.
 *
 * The answer: {"modules": [...], "truncated": bool}, at most UI_MODULES_MAX entries,
 * ordered by app name, then module key, then installation id; each entry is
 *   {appId, appName, installationId, environment, moduleKey, type, render: "custom"|
 *    "native", resource, resourceEntry?, title, titleI18n?, icon?, iconResource?
 *    {key, path}, viewportSize?, layout?, pages?, sections?, label?, labelI18n?,
 *    status?, description?, thumbnail?, edit?, hasResolver}
 * where pages and sections keep only those whose own displayConditions hold. */
#ifndef KILN_UI_MODULES_H
#define KILN_UI_MODULES_H

#include <jansson.h>

#include "store/store.h"
#include "store/store_sites.h"

#define UI_MODULES_MAX 100    /* entries in one answer */
#define UI_MODULES_KEY_MAX 64 /* bytes of an issue or project key in the query */

/* 1 if `placement` is one this endpoint answers. */
int ui_modules_placement_ok(const char *placement);

/* 0 with *out (owned by `a`); otherwise the HTTP status (400 a bad placement or a missing
 * issue/project, 404 an issue or project not on this site or not browsable by the user,
 * 500 a store error) with *err a static message. */
int ui_modules_list(store_t *st, arena_t *a, const site_rec_t *site, const user_rec_t *user, const char *placement,
                    const char *issue_key, const char *project_key, json_t **out, const char **err);

#endif
