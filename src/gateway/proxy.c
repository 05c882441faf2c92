/* The gateway for /_proxy/{type}{path}: what a running function's @forge/api calls
 * through global.__forge_fetch__ (runtime/node/worker.js). The same ordered steps as
 * gateway_jira, with the tenant taken from the invocation token and never from the path:
 *
 *   normalise -> authenticate (a live invocation's token) -> bind the site of that
 *   invocation -> installation still active -> product path only (else 401 scope check
 *   with a hint) -> rate limit per installation -> route -> scopes the site consented to
 *   (403 with granted and required) -> asApp/none as the app's bot user; asUser where
 *   there is no user -> forge-proxy-error NEEDS_AUTHENTICATION_ERR -> dispatch. */
#include <stdio.h>
#include <string.h>

#include "auth/invocation.h"
#include "auth/scopes.h"
#include "base/clock.h"
#include "gateway/gateway.h"
#include "gateway/ratelimit.h"
#include "http/reply.h"
#include "http/router.h"
#include "http/server.h"
#include "journal/audit.h"
#include "journal/leak.h"
#include "platform/proxy_egress.h"
#include "platform/proxy_kvs.h"
#include "platform/proxy_remote.h"
#include "platform/proxy_storage.h"
#include "platform/webtrigger.h"
#include "product/routes.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

static void scope_mismatch(kreq_t *kr, const invocation_t *inv)
{
    reply_header(kr, "x-failure-category", FAILURE_CLIENT_SCOPE_CHECK);
    const char *hint = arena_printf(kr->arena,
                                    "This invocation is bound to site %s. Call product paths relative to it, "
                                    "e.g. route`/rest/api/3/project/search`, not /ex/jira/{cloudId}/...",
                                    inv->cloud_id);
    reply_json_new(
        kr, 401,
        json_pack("{s:i,s:s,s:s}", "code", 401, "message", "Unauthorized; scope does not match", "hint", hint));
}

static void rate_headers(kreq_t *kr, const ratelimit_result_t *r)
{
    reply_header(kr, "x-ratelimit-limit", arena_printf(kr->arena, "%u", r->limit));
    reply_header(kr, "x-ratelimit-remaining", arena_printf(kr->arena, "%u", r->remaining));
    reply_header(kr, "x-ratelimit-reset", arena_printf(kr->arena, "%lld", (long long)r->reset_s));
}

/* 403 in Jira's shape, saying what the installation has and what would allow the call. */
static void missing_scope(kreq_t *kr, const struct scope_op *op, const char *granted)
{
    const char *msg = arena_printf(kr->arena,
                                   "The app's installation does not have the scopes for this operation. Granted: [%s]. "
                                   "Allowed with all of: [%s] or all of: [%s].",
                                   granted, op->classic ? op->classic : "", op->granular ? op->granular : "");
    reply_error(kr, 403, 1, msg);
}

static void pipeline(kreq_t *kr, unsigned rate_per_min, const char *only_invocation);

void proxy_handle(kreq_t *kr)
{
    if (kr->nseg == 2 && strcmp(kr->seg[1], "egress") == 0) {
        proxy_egress(kr); /* outbound requests of functions: platform/proxy_egress.c */
        return;
    }
    proxy_serve(kr, kr->thr->server->proxy_rate, NULL);
}

void proxy_serve(kreq_t *kr, unsigned rate_per_min, const char *only_invocation)
{
    /* a remote call may write (its installation's system token), so it runs outside the snapshot */
    int frc = kr->nseg > 1 && strcmp(kr->seg[1], "frc") == 0;
    int read_tx =
        !frc && (kreq_method_is(kr, "GET") || kreq_method_is(kr, "HEAD")) && store_begin_read(kr->store) == STORE_OK;
    pipeline(kr, rate_per_min, only_invocation);
    if (read_tx)
        store_commit(kr->store);
    if (kr->req->res.status) /* answered now (not by a writer thread later) */
        gateway_audit(kr, AUDIT_PLANE_PROXY);
}

static void pipeline(kreq_t *kr, unsigned rate_per_min, const char *only_invocation)
{
    const char *cred;
    size_t len;
    invocation_t inv;
    if (kreq_bearer(kr, &cred, &len) != 0 || invocation_lookup(cred, len, kr->arena, &inv) != 0 ||
        (only_invocation && strcmp(inv.id, only_invocation) != 0)) {
        reply_failure(kr, 401, FAILURE_CLIENT_AUTH, "Unauthorized");
        return;
    }
    kr->caller.app_id = arena_strdup(kr->arena, inv.app_id);
    kr->caller.installation_id = arena_strdup(kr->arena, inv.installation_id);
    kr->caller.invocation_id = arena_strdup(kr->arena, inv.id);
    kr->principal.account_id = arena_strdup(kr->arena, inv.bot_account_id);
    install_rec_t in;
    if (store_install_get(kr->store, kr->arena, inv.installation_id, &in) != STORE_OK || in.removed ||
        store_site_by_id(kr->store, kr->arena, inv.site_id, &kr->site) != STORE_OK) {
        reply_failure(kr, 401, FAILURE_CLIENT_AUTH, "Unauthorized");
        return;
    }
    /* seg: _proxy / {type} / ...: only Jira product paths below the bound site */
    const char *type = kr->nseg > 1 ? kr->seg[1] : "";
    const char *remote = kreq_header(kr, "x-forge-remote");
    if (!only_invocation && strcmp(type, "fpp") == 0 && kr->nseg == 5 && strcmp(kr->seg[2], "forge") == 0 &&
        strcmp(kr->seg[3], "entities") == 0 && strcmp(kr->seg[4], "graphql") == 0 && kreq_method_is(kr, "POST")) {
        kr->dispatched = 1;
        proxy_storage(kr, &inv); /* the legacy storage API, over HTTP only: platform/proxy_storage.c */
        return;
    }
    if (strcmp(type, "fpp") == 0 && kr->nseg == 3 && strcmp(kr->seg[2], "graphql") == 0 && kreq_method_is(kr, "POST")) {
        kr->dispatched = 1;
        webtrigger_graphql(kr, &inv);
        return;
    }
    if (strcmp(type, "fpp") != 0 || (remote && *remote && strcmp(remote, "jira") != 0) || kr->nseg < 3 ||
        strcmp(kr->seg[2], "rest") != 0) {
        if (strcmp(type, "kvs") == 0) {
            kr->dispatched = 1;
            proxy_kvs(kr, &inv); /* app storage: platform/proxy_kvs.c */
            return;
        }
        if (strcmp(type, "frc") == 0 && !only_invocation) {
            proxy_remote(kr, &inv); /* invokeRemote: platform/proxy_remote.c */
            return;
        }
        scope_mismatch(kr, &inv);
        return;
    }
    unsigned limit = rate_per_min;
    ratelimit_result_t rl = {.allowed = 1};
    if (limit) {
        rl = ratelimit_take(arena_printf(kr->arena, "px:%s", inv.installation_id), limit, clock_now_ms());
        rate_headers(kr, &rl);
    }
    if (!rl.allowed) {
        reply_header(kr, "retry-after",
                     arena_printf(kr->arena, "%lld", (long long)(rl.reset_s - clock_now_ms() / 1000)));
        reply_failure(kr, 429, "FAILURE_CLIENT_RATE_LIMITED", "Too many requests");
        return;
    }
    const char *provider = kreq_header(kr, "x-forge-provider");
    if (provider && strcmp(provider, "user") == 0) {
        /* webtriggers and triggers run without a user: @forge/api raises NeedsAuthenticationError */
        reply_header(kr, "forge-proxy-error", "NEEDS_AUTHENTICATION_ERR");
        reply_error(kr, 401, 0, "This invocation has no user to act as.");
        return;
    }
    kr->base = 2;
    switch (router_match(&product_routes, kr)) {
    case ROUTE_NOT_FOUND: reply_error(kr, 404, 1, "No route matches this request: check the method and path."); return;
    case ROUTE_BAD_METHOD: reply_error(kr, 405, 1, "Method Not Allowed"); return;
    }
    if (!scope_allows(kr->route->scopes, inv.scopes)) {
        missing_scope(kr, kr->route->scopes, inv.scopes);
        return;
    }
    kr->principal = (principal_t){PRINCIPAL_APP, inv.site_id, arena_strdup(kr->arena, inv.bot_account_id), inv.scopes};
    if (kr->req->entity.len) /* a write into the site's product: another site's canary in it is a leak */
        leak_scan(&inv, LEAK_SRC_PRODUCT, "the site's product API", kr->req->entity.base, kr->req->entity.len);
    kr->dispatched = 1;
    kr->route->fn(kr);
}
