#include "web/ui_api.h"

#include <string.h>

#include "base/json.h"
#include "gateway/gateway.h"
#include "http/reply.h"
#include "http/router.h"
#include "journal/audit.h"
#include "store/store_sites.h"
#include "web/headers.h"
#include "web/ui_admin.h"
#include "web/ui_consent.h"
#include "web/ui_modules.h"
#include "web/uiframes.h"
#include "web/web.h"

/* THE table: add a row per endpoint (path below /_ui/v1). */
static const ui_route_t ui_routes[] = {
    {"GET", "/me", ui_api_me, 0},
    {"GET", "/modules", ui_api_modules, 0},
    {"POST", "/frames", uiframes_frames, 1}, /* web/uiframes.h */
    {"POST", "/bridge", uiframes_bridge, 1},
    {"GET", "/consent", ui_consent_get, 0}, /* web/ui_consent.h */
    {"POST", "/consent", ui_consent_post, 1},
    {"GET", "/admin/apps", ui_admin_apps, 0}, /* web/ui_admin.h: the site's admins only */
    {"GET", "/admin/audit", ui_admin_audit, 0},
    {"GET", "/admin/ledger", ui_admin_ledger, 0},
    {"POST", "/admin/upgrade", ui_admin_upgrade, 1},
};
#define NROUTES (sizeof ui_routes / sizeof *ui_routes)

static route_t routes[NROUTES];
static route_table_t table = {"ui", routes, NROUTES, 0};

int ui_api_init(void)
{
    for (size_t i = 0; i < NROUTES; i++)
        routes[i] = (route_t){ui_routes[i].method, ui_routes[i].path, ui_routes[i].fn};
    return router_init(&table);
}

static const ui_route_t *row_of(const route_t *r)
{
    return &ui_routes[r - routes];
}

void web_ui_api(kreq_t *kr)
{
    session_rec_t s;
    site_rec_t site;
    web_headers_data(kr);
    int r = gateway_session(kr, &s, &site, NULL);
    if (r != GATEWAY_SESSION_OK) {
        if (r == GATEWAY_SESSION_DEAD)
            web_clear_session_cookie(kr);
        reply_error(kr, 401, 0, "Sign in first.");
        gateway_audit(kr, AUDIT_PLANE_WEB);
        return;
    }
    kr->principal = (principal_t){PRINCIPAL_USER, site.id, s.account_id, NULL};
    gateway_who(kr)->credential = "session";
    gateway_bind_site(kr, &site);
    kr->base = 2; /* _ui / v1 */
    switch (router_match(&table, kr)) {
    case ROUTE_NOT_FOUND: reply_error(kr, 404, 0, "Not Found"); break;
    case ROUTE_BAD_METHOD: reply_error(kr, 405, 0, "Method Not Allowed"); break;
    default:
        if ((row_of(kr->route)->needs_csrf || !gateway_method_safe(kr)) && !gateway_session_csrf_ok(kr, &s)) {
            reply_error(kr, 403, 1, "XSRF check failed");
            break;
        }
        gateway_who(kr)->dispatched = 1;
        kr->route->fn(kr);
        if (kr->req->res.status == 0)
            return; /* answered later: the handler audits */
    }
    gateway_audit(kr, AUDIT_PLANE_WEB);
}

void ui_api_me(kreq_t *kr)
{
    user_rec_t u;
    const char *name = store_user_get(kr->store, kr->arena, kr->site.id, kr->principal.account_id, &u) == STORE_OK
                           ? u.display_name
                           : kr->principal.account_id;
    reply_json_new(kr, 200,
                   json_pack("{s:s,s:s?,s:s,s:s,s:b}", "accountId", kr->principal.account_id, "displayName", name,
                             "site", kr->site.name, "cloudId", kr->site.cloud_id, "isAdmin",
                             web_is_admin(kr, &kr->site, kr->principal.account_id)));
}
