/* Building invocations: what a function of an installed app needs to run for one site
 * (its bundle, Forge's appContext and context, the live-invocation record its token will
 * carry). Shared by every trigger of functions: webtriggers, lifecycle events, direct
 * invocation (platform/direct.h). */
#ifndef KILN_INVOKE_H
#define KILN_INVOKE_H

#include <jansson.h>

#include "http/request.h"
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

/* 1 if the deployed manifest puts the app on Forge's legacy sandbox runtime
 * (app.runtime.name "sandbox", or no name: what manifest.h's runtime_name says), whose
 * functions get the runtime global `api` (rt_job_t.legacy_api); 0 otherwise or for NULL. */
int invoke_legacy_runtime(json_t *manifest);

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

/* ---- users in invocations ---- */

/* Forge's localId of a module of an app environment, stable per module instance:
 * "ari-cloud-ecosystem--extension-APP-ENV-static-MODULE" (the module's extension ARI with
 * ':' and '/' as '-'), in `a`. */
const char *invoke_local_id(arena_t *a, const char *app_id, const char *env_id, const char *module_key);

/* Makes `job` an invocation for site user `account_id` (checked by the caller: an active
 * person of the job's site): its asUser() calls act as that user (gateway/function.c),
 * and its context (the handler's second argument) gets Forge's principal {accountId},
 * accountId, and every member of `ui` (localId, extension, cloudId, siteUrl, moduleKey:
 * what a resolver's UI context holds; borrowed). 0, or -1 (context unusable). */
int invoke_set_user(rt_job_t *job, const char *account_id, json_t *ui);

/* What @forge/bridge's invoke(name, payload) delivers to a resolver function (a module's
 * `resolver: {function}`), a new reference: {call: {functionKey: call, payload}, context}
 * (all three borrowed; payload NULL: null). Direct invocation (platform/direct.h) and the
 * site UI's bridge (web/uiframes.h) build it alike. */
json_t *invoke_resolver_payload(json_t *call, json_t *payload, json_t *context);

/* For an invocation with no user present (a webtrigger, a trigger): the consented scopes
 * the version's manifest declares with `allowImpersonation: true` become the ones its
 * asUser(accountId) calls may use (gateway/function.c); none declared, none allowed. */
void invoke_allow_impersonation(rt_job_t *job, json_t *manifest);

/* ---- answering a trigger (webtriggers, direct invocation) ---- */

/* How a plane writes an error answer in its own shape. */
typedef void (*invoke_reply_fn)(kreq_t *kr, int status, const char *msg);

/* The admin API's and the site UI's error shape, as an invoke_reply_fn: reply_error(kr,
 * status, 0, msg) (http/reply.h). */
void invoke_reply_error(kreq_t *kr, int status, const char *msg);

/* What a job that ended RT_OK or RT_ERROR gave, a new reference: its value (RT_OK with a
 * result), else the JSON of result_json (what it threw; "null" when there is none); NULL
 * when that text does not parse. */
json_t *invoke_job_value(rt_job_t *job);

/* A thrown value `v` (borrowed; NULL allowed) as an answer's "error" member, a new
 * reference: {name, message}, "Error" and "The function failed." where v has none. */
json_t *invoke_thrown(const json_t *v);

/* Runs `prepare` in one read snapshot (its lookups take one lock round; nothing holds
 * it across the wait), then submits the job prepare left in kr->waiting (its completion:
 * runtime/supervisor.h). 1: submitted, done answers later; 0: prepare answered; -1: the
 * runtime refused it (its queue or the app version's workers full, not running,
 * stopping), answered 503 with Retry-After and that reason through `reply`. */
int invoke_submit(kreq_t *kr, void (*prepare)(kreq_t *kr), invoke_reply_fn reply);

/* Answers a job that ended without a value (status RT_TIMEOUT, RT_CRASH, RT_OVERLOAD,
 * RT_SETUP, RT_NOSTART, and RT_ERROR for a plane that does not pass the error on) through
 * `reply`: the status of the runtime's one fault table and its message, naming `subject`
 * ("The webtrigger function"); 503 with Retry-After when a retry soon may work (overload,
 * no worker could start). The function's own error text stays in its logs. */
void invoke_fault(kreq_t *kr, enum rt_status st, const char *subject, invoke_reply_fn reply);

#endif
