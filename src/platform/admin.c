#include "platform/admin.h"
#include "platform/config.h"

#include <string.h>
#include <strings.h>

#include "auth/admin_token.h"
#include "auth/signkeys.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "gateway/gateway.h"
#include "http/reply.h"
#include "http/router.h"
#include "http/server.h"
#include "journal/audit.h"
#include "journal/leak.h"
#include "platform/admin_apps.h"
#include "platform/admin_events.h"
#include "platform/admin_journal.h"
#include "platform/consent.h"
#include "platform/direct.h"
#include "platform/login_link.h"
#include "platform/schedule_admin.h"
#include "platform/site.h"
#include "platform/storage_admin.h"
#include "platform/variables.h"
#include "platform/webtrigger.h"
#include "store/store_sites.h"

static void sites_list(kreq_t *kr)
{
    site_rec_t *s;
    size_t n;
    if (store_site_list(kr->store, kr->arena, &s, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, site_json(&s[i], kr->public_url));
    reply_json_new(kr, 200, json_pack("{s:o}", "sites", arr));
}

static void sites_create(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 0);
    if (!body)
        return;
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "name") != 0 && strcmp(k, "demo") != 0) {
            reply_error(kr, 400, 0, "Unknown field; a site takes \"name\" and \"demo\".");
            return;
        }
    }
    const char *name = json_str(body, "name");
    json_t *demo = json_object_get(body, "demo");
    if (!name || !site_name_valid(name)) {
        reply_error(kr, 400, 0, "name must match ^[a-z0-9][a-z0-9-]{0,62}$");
        return;
    }
    if (demo && !json_is_boolean(demo)) {
        reply_error(kr, 400, 0, "demo must be true or false");
        return;
    }
    site_rec_t s;
    int rc = site_create(kr->store, kr->arena, name, json_is_true(demo), &s);
    if (rc == STORE_CONFLICT) {
        reply_error(kr, 409, 0, "A site with that name already exists.");
        return;
    }
    if (rc != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    char err[256];
    if (leak_reload(kr->store, err, sizeof err) != 0) /* the new site's canary joins the matcher */
        log_msg(LOG_WARN, "leak detection: cannot rebuild the canary database", "error", err, NULL);
    reply_json_new(kr, 201, site_json(&s, kr->public_url));
}

/* Looks the {name} param up; replies 404 and returns -1 if absent. */
static int load_site(kreq_t *kr, site_rec_t *s)
{
    if (!site_name_valid(kr->params[0]) || store_site_by_name(kr->store, kr->arena, kr->params[0], s) != STORE_OK) {
        reply_error(kr, 404, 0, "No such site.");
        return -1;
    }
    return 0;
}

static void sites_get(kreq_t *kr)
{
    site_rec_t s;
    if (load_site(kr, &s) != 0)
        return;
    json_t *o = site_json(&s, kr->public_url);
    json_object_set_new(o, "canary", json_string(s.canary));
    reply_json_new(kr, 200, o);
}

static void tokens_create(kreq_t *kr)
{
    site_rec_t s;
    if (load_site(kr, &s) != 0)
        return;
    const char *acct = NULL;
    if (kr->req->entity.len > 0) {
        json_t *body = kreq_json_body(kr, 0);
        if (!body)
            return;
        json_t *a = json_object_get(body, "accountId");
        if ((a && !json_is_string(a)) || json_object_size(body) > (a ? 1u : 0u)) {
            reply_error(kr, 400, 0, "The body takes only \"accountId\" (a string).");
            return;
        }
        acct = json_string_value(a);
    }
    char token[TOKEN_MAX];
    const char *used;
    int rc = site_user_token(kr->store, kr->arena, &s, acct, token, &used);
    if (rc == STORE_NOTFOUND) {
        reply_error(kr, 404, 0, "No such user on this site.");
        return;
    }
    if (rc == STORE_CONFLICT) {
        reply_error(kr, 400, 0, "App users act through their app and have no API tokens.");
        return;
    }
    if (rc != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    audit_record(&(audit_event_t){.site_id = s.id,
                                  .kind = AUDIT_TOKEN_ISSUE,
                                  .plane = AUDIT_PLANE_ADMIN,
                                  .actor = "admin",
                                  .status = 201,
                                  .detail = arena_printf(kr->arena, "user API token for %s", used)});
    reply_json_new(kr, 201, json_pack("{s:s,s:s,s:s}", "token", token, "accountId", used, "site", s.name));
}

/* POST /admin/v1/keys/rotate: a new key signs invocation JWTs from now on; the retired
 * one stays in the JWKS until the tokens it signed have expired (auth/signkeys.h). */
static void keys_rotate(kreq_t *kr)
{
    if (kr->req->entity.len > 0) {
        reply_error(kr, 400, 0, "This request takes no body.");
        return;
    }
    char kid[SIGNKEYS_KID_LEN + 1], old[SIGNKEYS_KID_LEN + 1];
    int64_t now = clock_now_ms();
    if (signkeys_rotate(kr->store, now, kid, old) != 0) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    audit_record(&(audit_event_t){
        .kind = AUDIT_KEY_ROTATE,
        .plane = AUDIT_PLANE_ADMIN,
        .actor = "admin",
        .status = 200,
        .detail = arena_printf(kr->arena, "invocation token signing key %s replaces %s", kid, old[0] ? old : "none")});
    json_t *o = json_pack("{s:s,s:s}", "purpose", "invocation-token", "kid", kid);
    if (old[0]) {
        json_object_set_new(o, "retiredKid", json_string(old));
        json_object_set_new(o, "retiredPublishedUntil", json_integer(now + SIGNKEYS_RETIRED_PUBLISH_MS));
    }
    reply_json_new(kr, 200, o);
}

static route_t routes[] = {
    {"POST", "/keys/rotate", keys_rotate},
    {"GET", "/sites", sites_list},
    {"POST", "/sites", sites_create},
    {"GET", "/sites/{name}", sites_get},
    {"POST", "/sites/{name}/tokens", tokens_create},
    {"POST", "/sites/{name}/login-links", login_links_create},
    {"PUT", "/sites/{name}/consents/{appId}/{accountId}", consents_put},
    {"DELETE", "/sites/{name}/consents/{appId}/{accountId}", consents_delete},
    {"POST", "/sites/{name}/installations", installs_create},
    {"DELETE", "/sites/{name}/installations/{appId}/{environment}", installs_remove},
    {"GET", "/installations", installs_list},
    {"GET", "/logs", logs_list},
    {"GET", "/audit", audit_list},
    {"GET", "/ledger", ledger_list},
    {"GET", "/deliveries", deliveries_list},
    {"GET", "/deliveries/{id}", deliveries_get},
    {"POST", "/deliveries/{id}/replay", deliveries_replay},
    {"GET", "/sites/{name}/installations/{appId}/{environment}/webtriggers/{module}", webtrigger_url},
    {"POST", "/sites/{name}/installations/{appId}/{environment}/functions/{function}", direct_invoke},
    {"GET", "/sites/{name}/installations/{appId}/{environment}/storage", storage_admin_list},
    {"GET", "/sites/{name}/installations/{appId}/{environment}/storage/item", storage_admin_get},
    {"PUT", "/sites/{name}/installations/{appId}/{environment}/storage/item", storage_admin_set},
    {"DELETE", "/sites/{name}/installations/{appId}/{environment}/storage/item", storage_admin_delete},
    {"POST", "/apps", apps_register},
    {"GET", "/apps/{appId}", apps_get},
    {"POST", "/apps/{appId}/environments", apps_env_create},
    {"PATCH", "/apps/{appId}/environments/{environment}", apps_env_update},
    {"GET", "/apps/{appId}/environments/{environment}/versions", versions_list},
    {"POST", "/apps/{appId}/environments/{environment}/versions", versions_deploy},
    {"GET", "/apps/{appId}/environments/{environment}/distribution", apps_distribution},
    {"GET", "/apps/{appId}/environments/{environment}/variables", variables_list},
    {"PUT", "/apps/{appId}/environments/{environment}/variables/{key}", variables_set},
    {"DELETE", "/apps/{appId}/environments/{environment}/variables/{key}", variables_unset},
    {"POST", "/uploads", uploads_create},
    {"PUT", "/uploads/{uploadId}", uploads_append},
    {"POST", "/maintenance/purge", maintenance_purge},
    {"GET", "/scheduler", schedule_list},
    {"GET", "/scheduler/runs/{id}", schedule_run_get},
    {"POST", "/scheduler/advance", schedule_advance},
    {"POST", "/sites/{name}/installations/{appId}/{environment}/scheduledTriggers/{module}/run", schedule_run},
};
static route_table_t admin_routes = {"admin", routes, sizeof routes / sizeof routes[0], 0};

int admin_routes_init(void)
{
    return router_init(&admin_routes);
}

int admin_authorized(kreq_t *kr)
{
    const char *cred;
    size_t len;
    return kreq_bearer(kr, &cred, &len) == 0 && admin_token_matches(platform_config()->admin_token, cred, len);
}

void admin_handle(kreq_t *kr)
{
    if (!admin_authorized(kr)) {
        reply_error(kr, 401, 0, "Unauthorized");
        gateway_audit(kr, AUDIT_PLANE_ADMIN);
        return;
    }
    kr->principal = (principal_t){.kind = PRINCIPAL_ADMIN, .account_id = "admin"};
    kr->base = 2; /* admin / v1 */
    /* the operator's plane spans sites (creates them, lists them, reads any site's
     * journal): the admin path (store.h, docs/scale.md), only once the token matched */
    kr->store = store_admin(kr->store);
    switch (router_match(&admin_routes, kr)) {
    case ROUTE_NOT_FOUND: reply_error(kr, 404, 0, "Not Found"); return;
    case ROUTE_BAD_METHOD: reply_error(kr, 405, 0, "Method Not Allowed"); return;
    }
    gateway_who(kr)->dispatched = 1;
    kr->route->fn(kr);
    /* status 0: answered later (a deploy waiting for its unpack) */
    gateway_audit(kr, AUDIT_PLANE_ADMIN);
}
