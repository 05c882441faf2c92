/* The gateway's steps for calls from running functions (the /_proxy plane, served by
 * platform/proxy.c over HTTP or a worker's pipe): the same ordered steps as gateway_jira,
 * with the tenant taken from the invocation token and never from the path:
 *
 *   authenticate (a live invocation's token) -> bind the site of that invocation ->
 *   installation still active (or removed, for its own preUninstall run)  [gateway_invocation]
 *   product path only (else 401 scope check with a hint)  [gateway_scope_hint]
 *   rate limit per installation -> asUser: the invocation's user, who consented to the app
 *   (or, impersonating, a user of the site the manifest lets it act as), else forge-proxy-
 *   error NEEDS_AUTHENTICATION_ERR -> route -> scopes the site consented to (403 with
 *   granted and required) -> dispatch as the user (the product applies the user's own
 *   permissions) or, asApp/none, as the app's bot user  [gateway_invocation_product] */
#include <stdio.h>
#include <string.h>

#include "auth/invocation.h"
#include "auth/scopes.h"
#include "base/clock.h"
#include "gateway/authcache.h"
#include "gateway/gateway.h"
#include "gateway/ratelimit.h"
#include "http/reply.h"
#include "http/router.h"
#include "journal/fnlog.h"
#include "journal/leak.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

void gateway_scope_hint(kreq_t *kr, const invocation_t *inv)
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

/* 403 in Jira's shape, saying what the installation has and what would allow the call. */
static void missing_scope(kreq_t *kr, const struct scope_op *op, const char *granted)
{
    const char *msg = arena_printf(kr->arena,
                                   "The app's installation does not have the scopes for this operation. Granted: [%s]. "
                                   "Allowed with all of: [%s] or all of: [%s].",
                                   granted, op->classic ? op->classic : "", op->granular ? op->granular : "");
    reply_error(kr, 403, 1, msg);
}

/* What a /_proxy path is, in the words of the API the app called, by path prefix. */
static const struct {
    const char *prefix, *api;
} late_apis[] = {
    {"/_proxy/fpp/rest/", "requestJira"}, {"/_proxy/fpp/forge/entities/graphql", "storage entities"},
    {"/_proxy/fpp/graphql", "graphql"},   {"/_proxy/kvs/", "kvs"},
    {"/_proxy/frc/", "invokeRemote"},     {"", "fetch"}, /* the egress endpoint: the path is the destination's origin */
};

void gateway_late_call(const char *token, size_t len, const char *method, const char *path, size_t plen)
{
    invocation_t inv;
    unsigned n = invocation_late(token, len, &inv);
    if (n == 0 || n > GATEWAY_LATE_CALLS_LOGGED + 1)
        return;
    char msg[512];
    if (n > GATEWAY_LATE_CALLS_LOGGED) {
        snprintf(msg, sizeof msg,
                 "more calls after the invocation ended: not made, and no more of them are logged (the first %d are)",
                 GATEWAY_LATE_CALLS_LOGGED);
    } else {
        size_t i = 0, pl;
        while ((pl = strlen(late_apis[i].prefix)) > plen || memcmp(path, late_apis[i].prefix, pl) != 0)
            i++;
        const char *rest = path;
        if (pl) { /* shown from /rest/..., /api/v1/..., as the app wrote it */
            const size_t skip = sizeof "/_proxy/" - 1;
            const char *slash = memchr(path + skip, '/', plen - skip);
            rest = slash ? slash : path + plen;
        }
        int rlen = (int)(plen - (size_t)(rest - path));
        if (rlen > 300)
            rlen = 300;
        snprintf(msg, sizeof msg, "call after the invocation ended: not made (%s %.16s %.*s%s)", late_apis[i].api,
                 method, rlen < 0 ? 0 : rlen, rest, plen - (size_t)(rest - path) > 300 ? "..." : "");
    }
    fnlog_line(&inv, "warn", msg);
}

int gateway_invocation(kreq_t *kr, const char *only_invocation, invocation_t *inv)
{
    const char *cred;
    size_t len;
    int have = kreq_bearer(kr, &cred, &len) == 0;
    if (!have || invocation_lookup(cred, len, kr->arena, inv) != 0 ||
        (only_invocation && strcmp(inv->id, only_invocation) != 0)) {
        if (have) {
            char method[17];
            snprintf(method, sizeof method, "%.*s", (int)(kr->req->method.len < 16 ? kr->req->method.len : 16),
                     kr->req->method.base);
            gateway_late_call(cred, len, method, kr->req->path.base, kr->req->path.len);
        }
        reply_failure(kr, 401, FAILURE_CLIENT_AUTH, "Unauthorized");
        return -1;
    }
    gateway_who_t *who = gateway_who(kr);
    who->app_id = arena_strdup(kr->arena, inv->app_id);
    who->installation_id = arena_strdup(kr->arena, inv->installation_id);
    who->invocation_id = arena_strdup(kr->arena, inv->id);
    kr->principal.account_id = arena_strdup(kr->arena, inv->bot_account_id);
    /* the installation still active and the invocation's site: cached per thread while no
     * installation changed on any node (authcache.h), else two store rounds */
    int removed = 0;
    site_rec_t site;
    if (!authcache_install_get(kr->arena, inv->installation_id, inv->site_id, &removed, &site)) {
        uint64_t gen = store_installs_gen(); /* before the lookups: a commit racing them spoils the entry */
        install_rec_t in;
        if (store_install_get(kr->store, kr->arena, inv->installation_id, &in) != STORE_OK ||
            store_site_by_id(kr->store, kr->arena, inv->site_id, &site) != STORE_OK || site.id != inv->site_id) {
            reply_failure(kr, 401, FAILURE_CLIENT_AUTH, "Unauthorized");
            return -1;
        }
        removed = in.removed;
        authcache_install_put(inv->installation_id, gen, removed, &site);
    }
    if (removed && !inv->pre_uninstall) {
        reply_failure(kr, 401, FAILURE_CLIENT_AUTH, "Unauthorized");
        return -1;
    }
    gateway_bind_site(kr, &site);
    return 0;
}

/* @forge/api raises NeedsAuthenticationError on this header, whatever the body says. */
static void needs_authentication(kreq_t *kr, const char *why)
{
    reply_header(kr, "forge-proxy-error", "NEEDS_AUTHENTICATION_ERR");
    reply_error(kr, 401, 0, why);
}

/* asUser(): the principal a call with x-forge-provider: user acts as, and the scopes it
 * may use (*granted). The invocation's own user (`kiln invoke --as`, a resolver): when the
 * app's scopes hold read:me or read:account, once that user has consented to the app on the
 * site, else at once (Forge's simplified user consent: the admin's consent at install
 * covers every user; auth/scopes.h scope_needs_user_consent); or, with asUser(accountId) from an invocation
 * without a user (webtrigger, trigger), any active person of the bound site within the
 * scopes the manifest allows impersonation for. Else NEEDS_AUTHENTICATION_ERR: 0 or -1
 * (answered). */
static int as_user(kreq_t *kr, const invocation_t *inv, const char **granted)
{
    const char *want = kreq_header(kr, "x-forge-account-id"); /* asUser(accountId) */
    const char *acct;
    int impersonating = 0;
    if (want && (!*want || strlen(want) >= sizeof inv->user_account_id)) {
        needs_authentication(kr, "No such user on this site.");
        return -1;
    }
    if (inv->user_account_id[0] && (!want || strcmp(want, inv->user_account_id) == 0)) {
        acct = inv->user_account_id;
        *granted = inv->scopes;
    } else if (inv->user_account_id[0]) {
        needs_authentication(kr, "An invocation for one user cannot act as another.");
        return -1;
    } else if (!want) {
        needs_authentication(kr, "This invocation has no user to act as.");
        return -1;
    } else if (!inv->imp_scopes || !*inv->imp_scopes) {
        needs_authentication(kr, "This invocation may not act as another user: its module runs without one and "
                                 "no consented scope of the manifest has allowImpersonation: true.");
        return -1;
    } else {
        acct = want;
        *granted = inv->imp_scopes;
        impersonating = 1;
    }
    /* a person of the bound site: the lookup is by (site, account), so another site's user
       is simply no one here */
    user_rec_t u;
    int has = 0;
    if (store_user_get(kr->store, kr->arena, inv->site_id, acct, &u) != STORE_OK || !u.active ||
        strcmp(u.account_type, "atlassian") != 0) {
        needs_authentication(kr, "No such user on this site.");
        return -1;
    }
    if (!impersonating && scope_needs_user_consent(inv->scopes) &&
        (store_consent_has(kr->store, inv->site_id, inv->app_id, acct, &has) != STORE_OK || !has)) {
        needs_authentication(kr, "The user has not allowed this app access (kiln consent).");
        return -1;
    }
    kr->principal = (principal_t){PRINCIPAL_USER, inv->site_id, arena_strdup(kr->arena, acct), *granted};
    return 0;
}

void gateway_invocation_product(kreq_t *kr, const invocation_t *inv, unsigned rate_per_min)
{
    if (ratelimit_check(kr, arena_printf(kr->arena, "px:%s", inv->installation_id), rate_per_min))
        return;
    const char *provider = kreq_header(kr, "x-forge-provider");
    const char *granted = inv->scopes;
    int user = provider && strcmp(provider, "user") == 0;
    if (user && as_user(kr, inv, &granted) != 0)
        return;
    kr->base = 2;
    switch (router_match(gateway_routes(), kr)) {
    case ROUTE_NOT_FOUND: reply_error(kr, 404, 1, "No route matches this request: check the method and path."); return;
    case ROUTE_BAD_METHOD: reply_error(kr, 405, 1, "Method Not Allowed"); return;
    }
    if (!scope_allows(kr->route->scopes, granted)) {
        missing_scope(kr, kr->route->scopes, granted);
        return;
    }
    if (!user)
        kr->principal =
            (principal_t){PRINCIPAL_APP, inv->site_id, arena_strdup(kr->arena, inv->bot_account_id), inv->scopes};
    if (kr->req->entity.len) /* a write into the site's product: another site's canary in it is a leak */
        leak_scan(inv, LEAK_SRC_PRODUCT, "the site's product API", kr->req->entity.base, kr->req->entity.len);
    gateway_who(kr)->dispatched = 1;
    kr->route->fn(kr);
}
