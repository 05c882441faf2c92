#include "app/planes.h"

#include "app/ops.h"
#include "gateway/gateway.h"
#include "platform/admin.h"
#include "platform/admin_apps.h"
#include "platform/proxy.h"
#include "platform/proxy_kvs.h"
#include "platform/webtrigger.h"
#include "web/uiorigin.h"
#include "web/web.h"

/* `credential`: the plane answers nothing but 401 without an Authorization (or, for the
 * function plane's egress, Forge-Proxy-Authorization) header, so a body sent without one
 * is refused as soon as its head has arrived, before any of it is read (http/bodygate.h). */
const http_plane_t app_planes[] = {
    {"/ex/jira/", 0, 1, gateway_jira, NULL, 1},
    {"/admin/v1/", 0, 1, admin_handle, NULL},
    {"/install/", 0, 1, install_consent, "install POST /install/{appId}"},
    {APP_WORKER_PREFIX, 0, 1, proxy_handle, PROXY_METRIC_ROUTE},
    {"/forge/storage/", 0, 1, storage_kvs_handle, "storage POST /forge/storage/kvs/v1/{op}"},
    {"/s/", 0, 0, web_pages, NULL},
    {"/_ui/assets/", 0, 0, web_assets, "ui GET /_ui/assets/{name}"},
    {"/favicon.ico", 1, 0, web_favicon, "ui GET /favicon.ico"},
    {"/_ui/v1/", 0, 1, web_ui_api, NULL},
    {"/x1/", 0, 0, webtrigger_handle, "webtrigger /x1/{id}"},
    {"/public/", 0, 0, webtrigger_handle, "webtrigger /public/{id}"},
    {"/healthz", 1, 0, ops_healthz, "ops GET /healthz"},
    {"/metrics", 1, 0, ops_metrics, "ops GET /metrics"},
    {"/.well-known/jwks.json", 1, 0, ops_jwks, "ops GET /.well-known/jwks.json"},
};
const size_t app_nplanes = sizeof app_planes / sizeof *app_planes;

/* The UI origin: app resources and kiln's frame shim, nothing of kiln's own. */
const http_plane_t app_ui_planes[] = {
    {"/", 0, 0, uiorigin_handle, "ui GET /r/{installation}/{version}/{resource}/{mac}/{file}"},
};
const size_t app_ui_nplanes = sizeof app_ui_planes / sizeof *app_ui_planes;
