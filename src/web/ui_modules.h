/* GET /_ui/v1/modules: the UI modules of a placement for the session's user
 * (platform/ui_modules.h says what is listed; docs/ui.md "UI modules"), each Custom UI
 * entry with its page's frameUrl on the UI origin (web/uiorigin.h uiorigin_module_url).
 * 400 a bad query, 404 an issue or project the user cannot see on the session's site. */
#ifndef KILN_WEB_UI_MODULES_H
#define KILN_WEB_UI_MODULES_H

#include "http/request.h"

#define UI_MODULES_QUERY_MAX 512 /* bytes of the query string */

void ui_api_modules(kreq_t *kr);

#endif
