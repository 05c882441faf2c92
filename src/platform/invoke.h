/* Building invocations: what a function of an installed app needs to run for one site
 * (its bundle, Forge's appContext and context, the live-invocation record its token will
 * carry). Shared by every trigger of functions: webtriggers, lifecycle events, direct
 * invocation (platform/direct.h). */
#ifndef KILN_INVOKE_H
#define KILN_INVOKE_H

#include <jansson.h>

#include "runtime/supervisor.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

/* The version's manifest (its canonical JSON) parsed, with a reference owned by `a`.
 * Versions are immutable, so each thread keeps the last INVOKE_MANIFESTS_CACHED it parsed
 * (keyed by app, environment and sequence): a trigger does not re-parse the manifest per
 * request. NULL if the stored text does not parse. */
#define INVOKE_MANIFESTS_CACHED 32
json_t *invoke_manifest(arena_t *a, const version_rec_t *ver);

/* modules.<type>[] item with `key` in a manifest's canonical JSON, or NULL (borrowed). */
json_t *invoke_module(json_t *manifest, const char *type, const char *key);

/* A job running function module `fn` of installation `in` on `site`, for module
 * `module_key`, with `payload_json` (consumed). The time limit is the function's
 * timeoutSeconds when set (at most max_timeout_ms), else default_timeout_ms. The
 * environment's variables (platform/variables.h), read through `st` as they are now,
 * become the invocation's process.env additions. An environment with `isolation:
 * installation` (env->isolation) gets job->isolate = the installation: its workers serve
 * no other installation (runtime/supervisor.h). NULL if the function's handler is not
 * `file.export` or the variables cannot be read. The caller sets receiver, owner and done;
 * scanning the payload for other sites' canaries (journal/leak.h leak_scan_inbound) is the
 * caller's, which knows what kind of payload it is. */
rt_job_t *invoke_job(store_t *st, arena_t *a, const char *public_url, const install_rec_t *in, const site_rec_t *site,
                     const version_rec_t *ver, const env_rec_t *env, json_t *fn, const char *module_key,
                     int64_t default_timeout_ms, int64_t max_timeout_ms, char *payload_json);

#endif
