/* Direct invocation (`kiln invoke`): runs any function of an installed app for one site,
 * as the platform would, and answers with what it returned. Like a webtrigger, the
 * HTTP thread submits the job to the runtime (runtime/supervisor.h) and returns; the
 * answer is written when the job ends, on the same thread.
 *
 * A function the manifest names as a module's resolver (`resolver: {function: KEY}`)
 * is called as a UI's `invoke(name, payload)` reaches it on Forge: with the payload
 * {call: {functionKey: name, payload}, context: {...the UI context}} and the platform's
 * context as second argument, which @forge/resolver's definitions expect. Any other
 * function gets the payload as given. */
#ifndef KILN_DIRECT_H
#define KILN_DIRECT_H

#include "http/request.h"

#define DIRECT_TIMEOUT_MS 25000      /* Forge's default function time limit */
#define DIRECT_MAX_TIMEOUT_MS 900000 /* a function's timeoutSeconds is honoured up to this */

/* Admin: POST /admin/v1/sites/{name}/installations/{appId}/{environment}/functions/{function}
 * with {"payload"?: any JSON (default {}), "call"?: resolver definition name, "as"?: a site
 * user's account id, "extension"?: the module's context (with "as"; platform/uictx.h)}.
 * With "as" the function runs for that user: context.accountId (and principal), localId,
 * extension, cloudId, siteUrl, moduleKey; its asUser() acts as the user once the user has
 * consented to the app (platform/consent.h), else fails with NEEDS_AUTHENTICATION_ERR.
 * 200 {ok: true, value, invocationId, function, site} when the function returned;
 * 200 {ok: false, error: {name, message}, ...} when it threw; 504 past its time limit,
 * 500 when its process failed or the app could not start, 503 when the runtime is full.
 * 404 unknown site, installation or function, an "as" that is not an active person of
 * the site, an extension issue or project the user cannot see there; 400 for a resolver
 * without "call", a "call" to a function that is no resolver, or a malformed body. */
void direct_invoke(kreq_t *kr);

#endif
