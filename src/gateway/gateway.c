#include "gateway/gateway.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "auth/scopes.h"
#include "auth/systoken.h"
#include "auth/token.h"
#include "base/clock.h"
#include "base/enc.h"
#include "gateway/authcache.h"
#include "gateway/ratelimit.h"
#include "http/reply.h"
#include "http/router.h"
#include "journal/audit.h"
#include "store/store_sites.h"

static struct {
    const route_table_t *routes; /* the product's (gateway_configure) */
    unsigned rate;               /* product calls per installation and minute; 0: none */
} G;

void gateway_configure(const route_table_t *routes, unsigned rate_per_min)
{
    G.routes = routes;
    G.rate = rate_per_min;
}

const route_table_t *gateway_routes(void)
{
    return G.routes;
}

void gateway_bind_site(kreq_t *kr, const site_rec_t *site)
{
    kr->site = *site;
    if (kr->store)
        store_bind_site(kr->store, site->id); /* the one place (store.h) */
}

/* Answers for steps 2 and 3. The scope-check answer is the same bytes whether the
 * cloudId is another tenant's, unknown, or not a cloudId at all: no oracle. */
static void deny_auth(kreq_t *kr)
{
    reply_failure(kr, 401, FAILURE_CLIENT_AUTH, "Unauthorized");
}
static void deny_scope(kreq_t *kr)
{
    reply_failure(kr, 401, FAILURE_CLIENT_SCOPE_CHECK, "Unauthorized; scope does not match");
}

/* Token string of a Bearer credential, or of Basic base64(email:token) with the email
 * returned in *email, *elen (not NUL-terminated: the decoded bytes may hold a NUL, and
 * the email is compared with its exact length). */
static int parse_authorization(kreq_t *kr, const char **token, size_t *tlen, const char **email, size_t *elen)
{
    *email = NULL;
    *elen = 0;
    if (kreq_bearer(kr, token, tlen) == 0)
        return 0;
    ssize_t i = h2o_find_header(&kr->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i < 0)
        return -1;
    h2o_iovec_t v = kr->req->headers.entries[i].value;
    if (v.len > 6 && strncasecmp(v.base, "Basic ", 6) == 0) {
        size_t n = v.len - 6;
        if (n > 1024)
            return -1;
        unsigned char *dec = arena_alloc(kr->arena, n + 1);
        long dl = dec ? enc_b64_decode(dec, n, v.base + 6, n) : -1;
        if (dl <= 0)
            return -1;
        const char *colon = memchr(dec, ':', (size_t)dl);
        if (!colon || colon == (const char *)dec)
            return -1;
        *email = (const char *)dec;
        *elen = (size_t)(colon - (const char *)dec);
        *token = colon + 1;
        *tlen = (size_t)dl - (size_t)(colon + 1 - (const char *)dec);
        return 0;
    }
    return -1;
}

int gateway_authenticate_user(kreq_t *kr, principal_t *out, site_rec_t *site)
{
    const char *token, *email;
    size_t tlen, elen;
    if (parse_authorization(kr, &token, &tlen, &email, &elen) != 0 || token_kind_of(token, tlen) != TOKEN_USER)
        return -1;
    unsigned char hash[32];
    token_hash(token, tlen, hash);
    authcache_hit_t hit;
    if (!authcache_get(kr->arena, hash, &hit)) {
        uint64_t gen = store_auth_gen(); /* before the lookups: a revocation racing them spoils the entry */
        user_rec_t u;
        int64_t site_id;
        if (store_token_lookup(kr->store, kr->arena, hash, &site_id, &hit.account_id) != STORE_OK ||
            /* the credential's own user, before any site is bound: the admin path (store.h) */
            store_user_get(store_admin(kr->store), kr->arena, site_id, hit.account_id, &u) != STORE_OK || !u.active ||
            store_site_by_id(kr->store, kr->arena, site_id, &hit.site) != STORE_OK)
            return -1;
        hit.email = u.email;
        authcache_put(hash, gen, &hit);
    }
    /* Basic: the email must be the token owner's, as Jira Cloud requires: the whole of it
     * (same length, ASCII case aside), so a NUL or anything else after it never matches. */
    if (email && (elen != strlen(hit.email) || strncasecmp(hit.email, email, elen) != 0))
        return -1;
    *out = (principal_t){PRINCIPAL_USER, hit.site.id, hit.account_id, NULL};
    *site = hit.site;
    return 0;
}

struct cookie_auth;
static void pipeline(kreq_t *kr, const struct cookie_auth *ca);

/* Step 5: an app is limited to the scopes its site consented to; a user's API token is
 * not scoped (Jira applies the user's permissions); anything else is refused. */
static int scopes_allow(const principal_t *p, const struct scope_op *op)
{
    switch (p->kind) {
    case PRINCIPAL_USER: return 1;
    case PRINCIPAL_APP: return scope_allows(op, p->granted);
    default: return 0;
    }
}

/* The web UI's session when the request has no Authorization header (gateway/session.c):
 * read before the read transaction opens, since it may write the session's last use. */
typedef struct cookie_auth {
    int state; /* GATEWAY_SESSION_*, or GATEWAY_SESSION_NONE when an Authorization header decides */
    session_rec_t s;
    site_rec_t site;
} cookie_auth_t;

void gateway_jira(kreq_t *kr)
{
    cookie_auth_t ca = {GATEWAY_SESSION_NONE};
    if (h2o_find_header(&kr->req->headers, H2O_TOKEN_AUTHORIZATION, -1) < 0)
        ca.state = gateway_session(kr, &ca.s, &ca.site, NULL);
    if (ca.state == GATEWAY_SESSION_DEAD)
        gateway_session_clear_cookie(kr); /* signed out, expired or malformed: the browser drops it */
    /* Reads run in one snapshot: consistent, and one lock round instead of one per
     * statement. Handlers here answer synchronously, so the transaction never outlives
     * this call. */
    int read_tx = (kreq_method_is(kr, "GET") || kreq_method_is(kr, "HEAD")) && store_begin_read(kr->store) == STORE_OK;
    pipeline(kr, &ca);
    if (read_tx)
        store_commit(kr->store);
    gateway_audit(kr, AUDIT_PLANE_JIRA);
}

void gateway_audit(kreq_t *kr, const char *plane)
{
    h2o_req_t *req = kr->req;
    ssize_t ci = h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-failure-category"), -1);
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    audit_event_t ev = {
        .site_id = kr->site.id                ? kr->site.id
                   : gateway_who(kr)->site_id ? gateway_who(kr)->site_id
                                              : kr->principal.site_id,
        .kind = gateway_who(kr)->dispatched ? AUDIT_ALLOW : AUDIT_DENY,
        .plane = plane,
        .actor = kr->principal.account_id,
        .app_id = gateway_who(kr)->app_id,
        .installation_id = gateway_who(kr)->installation_id,
        .invocation_id = gateway_who(kr)->invocation_id,
        .method = arena_strndup(kr->arena, req->method.base, req->method.len < 15 ? req->method.len : 15),
        .path = arena_strndup(kr->arena, req->path.base, plen < 255 ? plen : 255),
        .status = req->res.status,
        .detail = gateway_who(kr)->credential,
        .category = ci >= 0 ? arena_strndup(kr->arena, req->res.headers.entries[ci].value.base,
                                            req->res.headers.entries[ci].value.len)
                            : NULL,
    };
    audit_record(&ev);
}

/* Step 2 for an app system token (auth/systoken.h): the installation's bot user with
 * the scopes its site consented to, bound to that site. 0, 1 (not a system token), -1
 * (a system token that is not valid). */
static int authenticate_system(kreq_t *kr, site_rec_t *bound)
{
    const char *tok;
    size_t len;
    if (kreq_bearer(kr, &tok, &len) != 0 || token_kind_of(tok, len) != TOKEN_SYSTEM)
        return 1;
    systoken_binding_t b;
    if (systoken_verify(kr->store, kr->arena, tok, len, clock_now_ms(), &b) != 0)
        return -1;
    kr->principal = (principal_t){PRINCIPAL_APP, b.site.id, b.install.bot_account_id, b.scopes};
    gateway_who(kr)->app_id = b.install.app_id;
    gateway_who(kr)->installation_id = b.install.id;
    *bound = b.site;
    return 0;
}

static void pipeline(kreq_t *kr, const cookie_auth_t *ca)
{
    /* seg: ex / jira / {cloudId} / rest / ... */
    site_rec_t bound;
    int sys = 1, session = ca->state == GATEWAY_SESSION_OK;
    if (session) {
        kr->principal = (principal_t){PRINCIPAL_USER, ca->site.id, ca->s.account_id, NULL};
        gateway_who(kr)->credential = "session";
        bound = ca->site;
    } else if ((sys = authenticate_system(kr, &bound)) < 0 ||
               (sys > 0 && gateway_authenticate_user(kr, &kr->principal, &bound) != 0)) {
        deny_auth(kr);
        return;
    }
    const char *cloud = kr->nseg >= 3 ? kr->seg[2] : "";
    size_t cl = strlen(cloud);
    if (cl != strlen(bound.cloud_id) || !enc_ct_eq(cloud, bound.cloud_id, cl)) {
        deny_scope(kr);
        return;
    }
    gateway_bind_site(kr, &bound); /* from the credential, after the path agreed */
    /* a cookie comes with every request the browser makes, whoever's page asked: a write
       must prove it comes from kiln's own page (docs/security.md "The web UI") */
    if (session && !gateway_method_safe(kr) && !gateway_session_csrf_ok(kr, &ca->s)) {
        reply_error(kr, 403, 1, "XSRF check failed");
        return;
    }
    /* step 6 for system tokens: the installation's limit, as for its functions */
    if (sys == 0 && ratelimit_check(kr, arena_printf(kr->arena, "sy:%s", gateway_who(kr)->installation_id), G.rate))
        return;
    kr->base = 3;
    switch (router_match(G.routes, kr)) {
    case ROUTE_NOT_FOUND: reply_error(kr, 404, 1, "No route matches this request: check the method and path."); return;
    case ROUTE_BAD_METHOD: reply_error(kr, 405, 1, "Method Not Allowed"); return;
    }
    if (!scopes_allow(&kr->principal, kr->route->scopes)) {
        deny_scope(kr);
        return;
    }
    gateway_who(kr)->dispatched = 1;
    kr->route->fn(kr);
}

/* ---------------------------------------------------------------- who */

static int who_slot = -1;
static pthread_once_t who_once = PTHREAD_ONCE_INIT;
static void who_take_slot(void)
{
    who_slot = kreq_ctx_index();
}

gateway_who_t *gateway_who(kreq_t *kr)
{
    pthread_once(&who_once, who_take_slot);
    if (!kr->ctx[who_slot])
        kr->ctx[who_slot] = arena_calloc(kr->arena, sizeof(gateway_who_t));
    return kr->ctx[who_slot];
}

int gateway_system_token(kreq_t *kr, const char *unauthorized_body)
{
    const char *cred;
    size_t len;
    systoken_binding_t b;
    if (kreq_bearer(kr, &cred, &len) != 0 ||
        systoken_verify(kr->store, kr->arena, cred, len, clock_now_ms(), &b) != 0) {
        reply_header(kr, "x-failure-category", FAILURE_CLIENT_AUTH);
        reply_raw(kr, 401, "application/json", unauthorized_body, strlen(unauthorized_body));
        return -1;
    }
    /* the installation (and so its storage) comes from the token, never the request */
    gateway_who(kr)->app_id = b.install.app_id;
    gateway_who(kr)->installation_id = b.install.id;
    kr->principal = (principal_t){PRINCIPAL_APP, b.site.id, b.install.bot_account_id, b.scopes};
    gateway_bind_site(kr, &b.site);
    return 0;
}
