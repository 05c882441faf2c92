/* The /s/{site}/ plane (web/web.h): its route table, the session of a page, redirects,
 * the next-path check, the small pages kiln writes itself and the other helpers web.h shares. */
#include <string.h>

#include "auth/session.h"
#include "base/json.h"
#include "gateway/gateway.h"
#include "http/reply.h"
#include "http/router.h"
#include "platform/site.h"
#include "product/perm.h"
#include "web/headers.h"
#include "web/plain.h"
#include "web/shell.h"
#include "web/signin.h"
#include "web/web.h"

static web_config_t W;

/* ---- the page routes: kr->seg = s / {site} / ... ---- */
static route_t routes[] = {
    {"GET", "/{site}", shell_page},
    {"GET", "/{site}/projects/{key}", shell_page},
    {"GET", "/{site}/issues", shell_page},
    {"GET", "/{site}/browse/{key}", shell_page},
    {"GET", "/{site}/apps/{appId}/{moduleKey}", shell_page},
    {"GET", "/{site}/admin", shell_page},
    {"GET", "/{site}/dashboard", shell_page},
    {"GET", "/{site}/consent/{a}", shell_page},
    {"GET", "/{site}/consent/{a}/{b}", shell_page},
    {"GET", "/{site}/login", signin_form},
    {"POST", "/{site}/login", signin_post},
    {"POST", "/{site}/logout", signin_logout},
    {"GET", "/{site}/login/link", signin_link},
};
static route_table_t page_routes = {"web", routes, sizeof routes / sizeof *routes, 0};

extern int ui_api_init(void);

int web_configure(const web_config_t *c, char *err, size_t errlen)
{
    W = *c;
    if (W.session_max_ms <= 0)
        W.session_max_ms = SESSION_MAX_MS_DEFAULT;
    if (W.session_idle_ms <= 0)
        W.session_idle_ms = SESSION_IDLE_MS_DEFAULT;
    gateway_configure_sessions(W.session_idle_ms);
    gateway_configure_session_cookie(W.secure);
    if (router_init(&page_routes) != 0 || ui_api_init() != 0) {
        snprintf(err, errlen, "web: cannot set up the routes");
        return -1;
    }
    return 0;
}

const web_config_t *web_config(void)
{
    return &W;
}

void web_pages(kreq_t *kr)
{
    if (kr->nseg < 2 || !site_name_valid(kr->seg[1])) {
        web_message_page(kr, 404, "Not found", "There is no page here.");
        return;
    }
    /* GET and HEAD share the GET routes */
    kr->base = 1;
    /* below an app page (s/{site}/apps/{appId}/{moduleKey}/...) is the app frame's own
     * location (view.createHistory, docs/ui.md): the app page's shell answers it */
    if (kr->nseg > 5 && strcmp(kr->seg[2], "apps") == 0)
        kr->nseg = 5;
    int r = router_match(&page_routes, kr);
    if (r == ROUTE_BAD_METHOD && kreq_method_is(kr, "HEAD")) {
        h2o_iovec_t m = kr->req->method;
        kr->req->method = h2o_iovec_init(H2O_STRLIT("GET"));
        r = router_match(&page_routes, kr);
        kr->req->method = m;
    }
    switch (r) {
    case ROUTE_NOT_FOUND: web_message_page(kr, 404, "Not found", "There is no page here."); return;
    case ROUTE_BAD_METHOD:
        web_message_page(kr, 405, "Method not allowed", "This page does not take that method.");
        return;
    }
    kr->route->fn(kr);
}

int web_normalise(kreq_t *kr)
{
    h2o_req_t *req = kr->req;
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    const char *p = req->path.base;
    /* "/s/{site}/": the site's home with its slash (the one trailing slash kiln takes) */
    if (plen > 4 && plen <= 4 + KILN_MAX_NAME && memcmp(p, "/s/", 3) == 0 && p[plen - 1] == '/' &&
        !memchr(p + 3, '/', plen - 4)) {
        if (req->query_at != SIZE_MAX) {
            kr->query = req->path.base + req->query_at + 1;
            kr->query_len = req->path.len - req->query_at - 1;
        }
        if (gateway_split_path(kr->arena, p, plen - 1, kr->seg, &kr->nseg) == 0)
            return 0;
    }
    return gateway_normalise(kr);
}

int web_session_for(kreq_t *kr, const char *site, session_rec_t *s, unsigned char hash[32], int *dead)
{
    site_rec_t bound;
    *dead = 0;
    int r = gateway_session(kr, s, &bound, hash);
    if (r == GATEWAY_SESSION_DEAD) {
        *dead = 1;
        return 0;
    }
    if (r != GATEWAY_SESSION_OK || strcmp(bound.name, site) != 0)
        return 0; /* none, or another site's: this site's pages see no session */
    kr->principal = (principal_t){PRINCIPAL_USER, bound.id, s->account_id, NULL};
    gateway_who(kr)->credential = "session";
    gateway_bind_site(kr, &bound);
    return 1;
}

void web_clear_session_cookie(kreq_t *kr)
{
    reply_header(kr, "set-cookie", session_set_cookie(kr->arena, SESSION_COOKIE, "", 0, W.secure));
}

void web_redirect(kreq_t *kr, const char *location)
{
    web_headers_data(kr);
    reply_header(kr, "location", location);
    reply_raw(kr, 302, "text/plain; charset=utf-8", "", 0);
}

const char *web_next_ok(arena_t *a, const char *site, const char *next)
{
    if (!next)
        return NULL;
    size_t n = strlen(next);
    const char *home = arena_printf(a, "/s/%s", site);
    size_t hl = strlen(home);
    if (n > 1024 || strncmp(next, home, hl) != 0 || (next[hl] != '\0' && next[hl] != '/' && next[hl] != '?'))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)next[i];
        if (c < 0x20 || c == 0x7f || c == '\\' || c == '"' || c == '<' || c == '>')
            return NULL;
    }
    if (strstr(next, "//") || strstr(next, "/./") || strstr(next, "/../") || strstr(next, "%2e") ||
        strstr(next, "%2E") || strstr(next, "%2f") || strstr(next, "%2F") || strstr(next, "%5c") || strstr(next, "%5C"))
        return NULL;
    /* the login pages themselves are no place to come back to */
    if (strncmp(next + hl, "/login", 6) == 0 || strncmp(next + hl, "/logout", 7) == 0)
        return NULL;
    return next;
}

const char *web_html(arena_t *a, const char *s)
{
    size_t n = s ? strlen(s) : 0, extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += strchr("&<>\"'", s[i]) && s[i] ? 5 : 0;
    char *o = arena_alloc(a, n + extra + 1), *w = o;
    if (!o)
        kiln_oom(n + extra + 1);
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': memcpy(w, "&amp;", 5), w += 5; break;
        case '<': memcpy(w, "&lt;", 4), w += 4; break;
        case '>': memcpy(w, "&gt;", 4), w += 4; break;
        case '"': memcpy(w, "&quot;", 6), w += 6; break;
        case '\'': memcpy(w, "&#39;", 5), w += 5; break;
        default: *w++ = s[i];
        }
    }
    *w = '\0';
    return o;
}

void web_message_page(kreq_t *kr, int status, const char *title, const char *text)
{
    char nonce[TOKEN_MAX];
    const char *n = web_style_nonce(kr, nonce);
    const char *body = arena_printf(kr->arena,
                                    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                                    "<title>%s · kiln</title><style nonce=\"%s\">%s</style></head><body>"
                                    "<main class=\"card\"><h1>%s</h1><p>%s</p></main></body></html>",
                                    web_html(kr->arena, title), n, web_plain_css, web_html(kr->arena, title),
                                    web_html(kr->arena, text));
    web_headers_plain(kr, n);
    reply_raw(kr, status, "text/html; charset=utf-8", body, strlen(body));
}

int web_is_admin(kreq_t *kr, const site_rec_t *site, const char *account_id)
{
    if (site->admin_account_id && strcmp(site->admin_account_id, account_id) == 0)
        return 1;
    return perm_user_has(kr->store, site->id, account_id, 0, "ADMINISTER") == 1;
}

json_t *web_stored_json(arena_t *a, const char *text, const char *fallback)
{
    json_error_t je;
    json_t *j = json_loads(text ? text : fallback, 0, &je);
    return json_own(a, j ? j : json_loads(fallback, 0, &je));
}
