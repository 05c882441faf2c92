#include "platform/consent.h"

#include <string.h>

#include "base/clock.h"
#include "http/reply.h"
#include "journal/audit.h"
#include "platform/app.h"
#include "platform/site.h"
#include "store/store_installs.h"

int consent_account_valid(const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++) {
        char c = s[n];
        if (n >= CONSENT_ACCOUNT_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                          c == ':' || c == '_' || c == '-'))
            return 0;
    }
    return n > 0;
}

int consent_site_user(store_t *st, arena_t *a, int64_t site_id, const char *account_id, user_rec_t *out)
{
    if (!consent_account_valid(account_id))
        return STORE_NOTFOUND;
    int rc = store_user_get(st, a, site_id, account_id, out);
    if (rc == STORE_OK && (!out->active || strcmp(out->account_type, "atlassian") != 0))
        rc = STORE_NOTFOUND;
    return rc;
}

int consent_app_installed(store_t *st, arena_t *a, int64_t site_id, const char *app_id)
{
    install_rec_t *ins;
    size_t n;
    if (store_install_list(st, a, app_id, &ins, &n) != STORE_OK)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (ins[i].site_id == site_id && !ins[i].removed)
            return 1;
    return 0;
}

/* The request's site, app and user, each checked; replies and returns -1 otherwise. */
static int load(kreq_t *kr, site_rec_t *site, const char **app, user_rec_t *u)
{
    if (!site_name_valid(kr->params[0]) || store_site_by_name(kr->store, kr->arena, kr->params[0], site) != STORE_OK) {
        reply_error(kr, 404, 0, "No such site.");
        return -1;
    }
    int rc = consent_site_user(kr->store, kr->arena, site->id, kr->params[2], u);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 0,
                    rc == STORE_NOTFOUND ? "No such user on this site (an active person, not an app)."
                                         : "Internal server error");
        return -1;
    }
    *app = app_id_from_ari(kr->params[1]);
    int in = *app ? consent_app_installed(kr->store, kr->arena, site->id, *app) : 0;
    if (in != 1) {
        reply_error(kr, in < 0 ? 500 : 404, 0,
                    in < 0 ? "Internal server error" : "The app is not installed on this site.");
        return -1;
    }
    return 0;
}

static void audit_consent(arena_t *a, const site_rec_t *site, const char *app, const char *account, int consented,
                          const char *plane)
{
    audit_record(&(audit_event_t){.site_id = site->id,
                                  .kind = consented ? AUDIT_CONSENT : AUDIT_CONSENT_REVOKE,
                                  .plane = plane,
                                  .actor = account,
                                  .app_id = app,
                                  .status = 200,
                                  .detail = arena_printf(a, "%s %s app %s", account,
                                                         consented ? "allowed access for" : "revoked access of", app)});
}

int consent_grant(store_t *st, arena_t *a, const site_rec_t *site, const char *app_id, const char *account_id,
                  const char *plane)
{
    user_rec_t u;
    int rc = consent_site_user(st, a, site->id, account_id, &u);
    if (rc != STORE_OK)
        return rc;
    int in = app_id ? consent_app_installed(st, a, site->id, app_id) : 0;
    if (in != 1)
        return in < 0 ? STORE_ERROR : STORE_NOTFOUND;
    if (store_consent_put(st, site->id, app_id, u.account_id, clock_now_ms()) != STORE_OK)
        return STORE_ERROR;
    audit_consent(a, site, app_id, u.account_id, 1, plane);
    return STORE_OK;
}

static void answer(kreq_t *kr, const site_rec_t *site, const char *app, const char *account, int consented)
{
    if (!consented)
        audit_consent(kr->arena, site, app, account, 0, AUDIT_PLANE_ADMIN);
    reply_json_new(
        kr, 200,
        json_pack("{s:s,s:s,s:s,s:b}", "site", site->name, "appId", app, "accountId", account, "consented", consented));
}

void consents_put(kreq_t *kr)
{
    site_rec_t site;
    const char *app;
    user_rec_t u;
    if (kr->req->entity.len > 0) {
        reply_error(kr, 400, 0, "This request takes no body.");
        return;
    }
    if (load(kr, &site, &app, &u) != 0)
        return;
    if (consent_grant(kr->store, kr->arena, &site, app, u.account_id, AUDIT_PLANE_ADMIN) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    answer(kr, &site, app, u.account_id, 1);
}

void consents_delete(kreq_t *kr)
{
    site_rec_t site;
    const char *app;
    user_rec_t u;
    if (load(kr, &site, &app, &u) != 0)
        return;
    int rc = store_consent_delete(kr->store, site.id, app, u.account_id);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 0,
                    rc == STORE_NOTFOUND ? "This user has not consented to the app on this site."
                                         : "Internal server error");
        return;
    }
    answer(kr, &site, app, u.account_id, 0);
}
