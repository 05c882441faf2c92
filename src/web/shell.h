/* The host's shells (docs/ui.md): for every page URL of the UI, an HTML document with
 * the boot JSON and the bundle's script and stylesheet, and no data: the page asks the
 * Jira API and /_ui/v1/ for its data with the session's cookie and CSRF token.
 *
 *   <meta name="kiln-csrf" content="...">
 *   <script id="kiln-boot" type="application/json">{"site","cloudId","accountId",
 *     "displayName","isAdmin","uiOrigin","page", and the page's parameters}</script>
 *
 * The boot JSON is escaped for HTML (<, >, & as \u003c...). A page's parameters are
 * checked before the shell is written: an issue key, a project key, an appId and module
 * key, a JQL string of at most SHELL_JQL_MAX bytes. Without a session of the URL's site:
 * 302 to its sign-in page with `next`. */
#ifndef KILN_WEB_SHELL_H
#define KILN_WEB_SHELL_H

#include "http/request.h"

#define SHELL_JQL_MAX 4000

void shell_page(kreq_t *kr);

#endif
