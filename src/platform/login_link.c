#include "platform/login_link.h"

#include <string.h>

#include "auth/session.h"
#include "base/clock.h"
#include "base/json.h"
#include "http/reply.h"
#include "journal/audit.h"
#include "platform/site.h"
#include "store/store_sessions.h"
#include "store/store_sites.h"

void login_links_create(kreq_t *kr)
{
    site_rec_t s;
    if (!site_name_valid(kr->params[0]) || store_site_by_name(kr->store, kr->arena, kr->params[0], &s) != STORE_OK) {
        reply_error(kr, 404, 0, "No such site.");
        return;
    }
    const char *acct = s.admin_account_id;
    if (kr->req->entity.len > 0) {
        json_t *body = kreq_json_body(kr, 0);
        if (!body)
            return;
        json_t *a = json_object_get(body, "accountId");
        if ((a && (!json_is_string(a) || json_string_length(a) == 0 || json_string_length(a) > 128)) ||
            json_object_size(body) > (a ? 1u : 0u)) {
            reply_error(kr, 400, 0, "The body takes only \"accountId\" (a string of at most 128 characters).");
            return;
        }
        if (a)
            acct = arena_strdup(kr->arena, json_string_value(a));
    }
    user_rec_t u;
    int rc = store_user_get(kr->store, kr->arena, s.id, acct, &u);
    if (rc == STORE_NOTFOUND) {
        reply_error(kr, 404, 0, "No such user on this site.");
        return;
    }
    if (rc != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    if (!u.active || strcmp(u.account_type, "atlassian") != 0) {
        reply_error(kr, 400, 0, "Only an active user of the site can sign in (not an inactive user, not an app).");
        return;
    }
    char secret[TOKEN_MAX];
    unsigned char hash[32];
    token_mint(TOKEN_LOGIN_LINK, secret);
    token_hash(secret, strlen(secret), hash);
    int64_t now = clock_now_ms(), exp = now + LOGIN_LINK_TTL_MS;
    if (store_login_link_insert(kr->store, hash, s.id, acct, now, exp) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    audit_record(&(audit_event_t){.site_id = s.id,
                                  .kind = AUDIT_SESSION_LINK,
                                  .plane = AUDIT_PLANE_ADMIN,
                                  .actor = "admin",
                                  .status = 201,
                                  .detail = arena_printf(kr->arena, "one-time sign-in link for %s", acct)});
    const char *url = arena_printf(kr->arena, "%s/s/%s/login/link?t=%s", kr->public_url, s.name, secret);
    reply_json_new(
        kr, 201,
        json_pack("{s:s,s:s,s:s,s:I}", "url", url, "site", s.name, "accountId", acct, "expiresAt", (json_int_t)exp));
}
