#include "web/shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "http/reply.h"
#include "http/router.h"
#include "store/store_sites.h"
#include "web/assets.h"
#include "web/headers.h"
#include "web/web.h"

/* a parameter's characters and length: first char class, then the rest */
static int word(const char *s, size_t min, size_t max, const char *first, const char *rest)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        const char *allowed = i == 0 ? first : rest;
        if (!(alnum && strchr(allowed, 'a')) && !(c && strchr(allowed, c) && c != 'a'))
            return 0;
        if (i == 0 && c >= '0' && c <= '9' && !strchr(first, '0'))
            return 0;
    }
    return 1;
}

static int project_key_ok(const char *s)
{
    return word(s, 1, 255, "a", "a_");
}

static int issue_key_ok(const char *s)
{
    const char *dash = s ? strrchr(s, '-') : NULL;
    if (!dash || dash == s || strlen(s) > 255)
        return 0;
    char proj[256];
    memcpy(proj, s, (size_t)(dash - s));
    proj[dash - s] = '\0';
    const char *num = dash + 1;
    return project_key_ok(proj) && *num && *num != '0' && strlen(num) <= 18 && strspn(num, "0123456789") == strlen(num);
}

static int app_id_ok(const char *s)
{
    return word(s, 1, 64, "a0", "a0-");
}

static int module_key_ok(const char *s)
{
    return word(s, 1, 100, "a0_-", "a0_-");
}

static int consent_part_ok(const char *s)
{
    return word(s, 1, 100, "a0_-", "a0_-.");
}

/* The pages: which route, its page name, and what its {params} are (by index after
 * {site}): checked by `ok`, named `name` in the boot JSON. */
static const struct shell_def {
    const char *pattern, *page;
    struct {
        const char *name;
        int (*ok)(const char *);
    } p[2];
} pages[] = {
    {"/{site}", "projects", {{NULL}}},
    {"/{site}/projects/{key}", "project", {{"projectKey", project_key_ok}}},
    {"/{site}/issues", "search", {{NULL}}},
    {"/{site}/browse/{key}", "issue", {{"issueKey", issue_key_ok}}},
    {"/{site}/apps/{appId}/{moduleKey}", "app", {{"appId", app_id_ok}, {"moduleKey", module_key_ok}}},
    {"/{site}/admin", "admin", {{NULL}}},
    {"/{site}/dashboard", "dashboard", {{NULL}}},
    {"/{site}/consent/{a}", "consent", {{"consent", consent_part_ok}}},
    {"/{site}/consent/{a}/{b}", "consent", {{"consent", consent_part_ok}, {"consentEnv", consent_part_ok}}},
};

static const struct shell_def *def_of(kreq_t *kr)
{
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++)
        if (strcmp(pages[i].pattern, kr->route->pattern) == 0)
            return &pages[i];
    return NULL;
}

/* JSON made safe inside <script type="application/json">: no <, >, & (as \u003c ...) */
static const char *html_json(arena_t *a, const char *j)
{
    size_t n = strlen(j), extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += (j[i] == '<' || j[i] == '>' || j[i] == '&') ? 5 : 0;
    char *o = arena_alloc(a, n + extra + 1), *w = o;
    if (!o)
        kiln_oom(n + extra + 1);
    for (size_t i = 0; i < n; i++) {
        if (j[i] == '<' || j[i] == '>' || j[i] == '&') {
            w += sprintf(w, "\\u%04x", (unsigned)j[i]);
        } else {
            *w++ = j[i];
        }
    }
    *w = '\0';
    return o;
}

static void bad_param(kreq_t *kr)
{
    web_message_page(kr, 404, "Not found", "There is no page here: the address is not one of this site's pages.");
}

void shell_page(kreq_t *kr)
{
    const char *site = kr->params[0];
    session_rec_t s;
    int dead;
    if (!web_session_for(kr, site, &s, NULL, &dead)) {
        if (dead)
            web_clear_session_cookie(kr);
        h2o_req_t *req = kr->req;
        const char *here = arena_strndup(kr->arena, req->path.base, req->path.len);
        const char *next = web_next_ok(kr->arena, site, here);
        char *enc = NULL;
        if (next) {
            size_t nl = strlen(next);
            enc = arena_alloc(kr->arena, nl * 3 + 1);
            char *w = enc;
            for (size_t i = 0; i < nl; i++) {
                unsigned char c = (unsigned char)next[i];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("/-_.~", c))
                    *w++ = (char)c;
                else
                    w += sprintf(w, "%%%02X", c);
            }
            *w = '\0';
        }
        web_redirect(kr, enc ? arena_printf(kr->arena, "/s/%s/login?next=%s", site, enc)
                             : arena_printf(kr->arena, "/s/%s/login", site));
        return;
    }
    const struct shell_def *d = def_of(kr);
    json_t *params = json_object();
    for (int i = 0; d && i < 2 && d->p[i].name; i++) {
        const char *v = kr->params[1 + i];
        if (!v || !d->p[i].ok(v)) {
            json_decref(params);
            bad_param(kr);
            return;
        }
        json_object_set_new(params, d->p[i].name, json_string(v));
    }
    int bad = 0;
    if (d && strcmp(d->page, "search") == 0) {
        const char *jql = kreq_query(kr, "jql", &bad);
        if (bad || (jql && strlen(jql) > SHELL_JQL_MAX)) {
            json_decref(params);
            web_message_page(kr, 400, "Bad search", "The search's JQL is malformed or longer than 4000 bytes.");
            return;
        }
        if (jql)
            json_object_set_new(params, "jql", json_string(jql));
    }
    if (d && strcmp(d->page, "app") == 0) {
        const char *proj = kreq_query(kr, "project", &bad);
        if (bad || (proj && !project_key_ok(proj))) {
            json_decref(params);
            bad_param(kr);
            return;
        }
        if (proj)
            json_object_set_new(params, "projectKey", json_string(proj));
    }
    const char *js = assets_lookup(kr->arena, "host.js"), *css = assets_lookup(kr->arena, "host.css");
    if (!js) {
        json_decref(params);
        web_message_page(kr, 503, "The web UI is not built",
                         "kiln's front end bundle was not found: run make (it builds build/ui/), or start kiln serve "
                         "with --ui-assets DIR.");
        return;
    }
    user_rec_t u;
    const char *display =
        store_user_get(kr->store, kr->arena, kr->site.id, s.account_id, &u) == STORE_OK ? u.display_name : s.account_id;
    const web_config_t *w = web_config();
    json_t *boot = json_pack("{s:s,s:s,s:s,s:s?,s:b,s:s,s:s,s:o}", "site", kr->site.name, "cloudId", kr->site.cloud_id,
                             "accountId", s.account_id, "displayName", display, "isAdmin",
                             web_is_admin(kr, &kr->site, s.account_id), "uiOrigin", w->ui_origin ? w->ui_origin : "",
                             "page", d ? d->page : "notfound", "params", params);
    /* the page's parameters at the top level too, as the host reads them */
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v) json_object_set(boot, k, v);
    char *bj = json_dumps(boot, JSON_COMPACT);
    json_decref(boot);
    if (!bj) {
        web_message_page(kr, 500, "Error", "kiln could not write this page.");
        return;
    }
    const char *safe = html_json(kr->arena, bj);
    free(bj);
    arena_t *a = kr->arena;
    const char *body = arena_printf(
        a,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"kiln-csrf\" content=\"%s\"><title>%s · kiln</title>%s%s%s</head><body>"
        "<div id=\"root\"></div>"
        "<script id=\"kiln-boot\" type=\"application/json\">%s</script>"
        "<script type=\"module\" src=\"/_ui/assets/%s\"></script></body></html>",
        web_html(a, s.csrf), web_html(a, kr->site.name), css ? "<link rel=\"stylesheet\" href=\"/_ui/assets/" : "",
        css ? web_html(a, css) : "", css ? "\">" : "", safe, web_html(a, js));
    web_headers_page(kr, w->ui_origin);
    reply_raw(kr, 200, "text/html; charset=utf-8", body, strlen(body));
}
