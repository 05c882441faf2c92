/* GET /_ui/v1/modules?placement=<type>&issue=KEY|project=KEY (a row of web/ui_api.c's
 * table): the UI modules the session's user sees there, as platform/ui_modules.h lists
 * them for the session's site (kr->site, bound by web/ui_api.c). The query is bounded
 * (UI_MODULES_QUERY_MAX bytes; keys of UI_MODULES_KEY_MAX). */
#include "web/ui_modules.h"

#include "http/reply.h"
#include "platform/ui_modules.h"
#include "store/store_sites.h"

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
    reply_json_new(kr, 200, json_incref(out));
}
