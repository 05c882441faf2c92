/* GET /_ui/v1/modules?placement=<type>&issue=KEY|project=KEY (a row of web/ui_api.c's
 * table): the UI modules the session's user sees there, as platform/ui_modules.h lists
 * them for the session's site (kr->site, bound by web/ui_api.c). The query is bounded
 * (UI_MODULES_QUERY_MAX bytes; keys of UI_MODULES_KEY_MAX). Each Custom UI entry gets its
 * page's URL on the UI origin (frameUrl, when one is configured): the URL POST
 * /_ui/v1/frames answers for it, so the host can load the frame's document while it asks
 * for the frame's context token (ui/src/host/frame/frameRequest.js). */
#include "web/ui_modules.h"

#include <string.h>

#include "base/json.h"
#include "http/reply.h"
#include "platform/install.h"
#include "platform/ui_modules.h"
#include "store/store_installs.h"
#include "store/store_sites.h"
#include "web/uiorigin.h"

/* frameUrl on each Custom UI entry of `list`: its installation's running version's page of
 * its resource (the same URL uiframes answers). An installation that is gone, not the
 * site's, or without a running version leaves its entries without one (the frames request
 * says why). 0, or -1 on a store error. */
static int add_frame_urls(kreq_t *kr, json_t *list)
{
    if (!uiorigin_url())
        return 0;
    install_rec_t in = {0};
    version_rec_t ver = {0};
    int have = 0; /* 1: in/ver are the last entry's installation's; -1: it has no frames */
    size_t i;
    json_t *m;
    json_array_foreach(list, i, m)
    {
        const char *inst = json_str(m, "installationId"), *res = json_str(m, "resource"),
                   *entry = json_str(m, "resourceEntry"), *render = json_str(m, "render");
        if (!inst || !res || !render || strcmp(render, "custom") != 0)
            continue;
        if (!have || strcmp(in.id, inst) != 0) {
            int rc = store_install_get(kr->store, kr->arena, inst, &in);
            if (rc == STORE_OK && !in.removed && in.site_id == kr->site.id)
                rc = install_version(kr->store, kr->arena, &in, &ver);
            else if (rc == STORE_OK)
                rc = STORE_NOTFOUND;
            if (rc != STORE_OK && rc != STORE_NOTFOUND)
                return -1;
            in.id = json_str(m, "installationId");
            have = rc == STORE_OK ? 1 : -1;
        }
        if (have != 1)
            continue;
        const char *url =
            uiorigin_module_url(kr->arena, in.id, ver.seq, entry ? arena_printf(kr->arena, "%s/%s", res, entry) : res);
        if (url)
            json_object_set_new(m, "frameUrl", json_string(url));
    }
    return 0;
}

void ui_api_modules(kreq_t *kr)
{
    int bad = 0;
    if (kr->query_len > UI_MODULES_QUERY_MAX) {
        reply_error(kr, 400, 0, "The query is too long.");
        return;
    }
    const char *placement = kreq_query(kr, "placement", &bad), *issue = kreq_query(kr, "issue", &bad),
               *project = kreq_query(kr, "project", &bad);
    if (bad) {
        reply_error(kr, 400, 0, "The query has a malformed escape.");
        return;
    }
    if (!placement) {
        reply_error(kr, 400, 0, "Give placement=<module type without jira:>, e.g. placement=issuePanel.");
        return;
    }
    if (strncmp(placement, "jira:", 5) == 0) /* the module type as the host names it (the contract's form) */
        placement += 5;
    user_rec_t user;
    int rc = store_user_get(kr->store, kr->arena, kr->site.id, kr->principal.account_id, &user);
    if (rc != STORE_OK) { /* the session's user left the site */
        reply_error(kr, rc == STORE_NOTFOUND ? 401 : 500, 0,
                    rc == STORE_NOTFOUND ? "Sign in first." : "Internal server error");
        return;
    }
    json_t *out;
    const char *err = NULL;
    int status = ui_modules_list(kr->store, kr->arena, &kr->site, &user, placement, issue, project, &out, &err);
    if (status) {
        reply_error(kr, status, 0, err ? err : "Internal server error");
        return;
    }
    if (add_frame_urls(kr, json_object_get(out, "modules")) != 0) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    reply_json_new(kr, 200, json_incref(out));
}
