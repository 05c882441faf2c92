/* The UI modules of a placement (platform/ui_modules.h). */
#include "platform/ui_modules.h"

#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "platform/display_cond.h"
#include "platform/install.h"
#include "platform/invoke.h"
#include "product/idkey.h"
#include "product/perm.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_product.h"

enum need { NEED_NONE, NEED_ISSUE, NEED_PROJECT, NEED_ADMIN };

static const struct placement {
    const char *name, *type;
    enum need need;
} placements[] = {
    {"issuePanel", "jira:issuePanel", NEED_ISSUE},     {"issueGlance", "jira:issueGlance", NEED_ISSUE},
    {"issueContext", "jira:issueContext", NEED_ISSUE}, {"projectPage", "jira:projectPage", NEED_PROJECT},
    {"globalPage", "jira:globalPage", NEED_NONE},      {"dashboardGadget", "jira:dashboardGadget", NEED_NONE},
    {"adminPage", "jira:adminPage", NEED_ADMIN},
};

static const struct placement *placement_of(const char *name)
{
    for (size_t i = 0; name && i < sizeof placements / sizeof placements[0]; i++)
        if (!strcmp(placements[i].name, name))
            return &placements[i];
    return NULL;
}

int ui_modules_placement_ok(const char *placement)
{
    return placement_of(placement) != NULL;
}

/* ================================================================ one entry */

/* A text of the manifest: a string as is; {i18n: key} as the key, with `<name>I18n` set. */
static void set_text(json_t *o, const char *name, json_t *v, arena_t *a)
{
    if (json_is_string(v)) {
        json_object_set(o, name, v);
    } else if (json_is_object(v) && json_is_string(json_object_get(v, "i18n"))) {
        json_object_set(o, name, json_object_get(v, "i18n"));
        json_object_set_new(o, arena_printf(a, "%sI18n", name), json_true());
    } else if (json_is_object(v) && json_is_string(json_object_get(v, "text"))) { /* a gadget's {text, href} */
        json_object_set(o, name, json_object_get(v, "text"));
    }
}

/* icon: an absolute or data: URL as is; resource:<key>;<path> as iconResource. */
static void set_icon(json_t *o, const char *name, json_t *v)
{
    const char *s = json_string_value(v);
    if (!s)
        return;
    if (strncmp(s, "resource:", 9) != 0) {
        json_object_set(o, name, v);
        return;
    }
    const char *semi = strchr(s + 9, ';');
    if (!semi)
        return;
    json_object_set_new(o, !strcmp(name, "icon") ? "iconResource" : "thumbnailResource",
                        json_pack("{s:s%,s:s}", "key", s + 9, (size_t)(semi - s - 9), "path", semi + 1));
}

/* Pages whose displayConditions hold (their conditions left out of the copy). -1: store. */
static int visible_pages(const dcond_ctx_t *c, json_t *pages, json_t **out)
{
    *out = json_array();
    size_t i;
    json_t *pg;
    json_array_foreach(pages, i, pg)
    {
        int r = dcond_eval(c, json_object_get(pg, "displayConditions"));
        if (r < 0)
            return -1;
        if (!r || !json_is_object(pg))
            continue;
        json_t *copy = json_object();
        json_t *v;
        set_text(copy, "title", json_object_get(pg, "title"), c->a);
        json_object_set(copy, "route", (v = json_object_get(pg, "route")) ? v : json_null());
        set_icon(copy, "icon", json_object_get(pg, "icon"));
        json_array_append_new(*out, copy);
    }
    return 0;
}

static int visible_sections(const dcond_ctx_t *c, json_t *sections, json_t **out)
{
    *out = json_array();
    size_t i;
    json_t *sec;
    json_array_foreach(sections, i, sec)
    {
        int r = dcond_eval(c, json_object_get(sec, "displayConditions"));
        if (r < 0)
            return -1;
        if (!r)
            continue;
        json_t *copy = json_object(), *pages;
        set_text(copy, "header", json_object_get(sec, "header"), c->a);
        if (visible_pages(c, json_object_get(sec, "pages"), &pages)) {
            json_decref(pages);
            json_decref(copy);
            return -1;
        }
        json_object_set_new(copy, "pages", pages);
        json_array_append_new(*out, copy);
    }
    return 0;
}

/* The entry of module m; NULL when not shown (0 in *rc) or on a store error (-1). */
static json_t *entry(const dcond_ctx_t *c, const install_rec_t *in, const char *app_name, const char *type, json_t *m,
                     int *rc)
{
    *rc = 0;
    const char *key = json_str(m, "key"), *res = json_str(m, "resource");
    if (!key || !res) /* UI Kit 1 (function): not run by kiln */
        return NULL;
    int r = dcond_eval(c, json_object_get(m, "displayConditions"));
    if (r <= 0) {
        *rc = r;
        return NULL;
    }
    const char *slash = strchr(res, '/');
    const char *render = json_str(m, "render");
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s%,s:b}", "appId", in->app_id, "appName", app_name, "installationId",
                  in->id, "environment", in->env_key, "moduleKey", key, "type", type, "render",
                  render && !strcmp(render, "native") ? "native" : "custom", "resource", res,
                  slash ? (size_t)(slash - res) : strlen(res), "hasResolver", json_object_get(m, "resolver") != NULL);
    if (!o)
        return NULL;
    if (slash)
        json_object_set_new(o, "resourceEntry", json_string(slash + 1));
    set_text(o, "title", json_object_get(m, "title"), c->a);
    set_icon(o, "icon", json_object_get(m, "icon"));
    static const char *const copied[] = {"viewportSize", "layout", "status", NULL};
    for (const char *const *k = copied; *k; k++) {
        json_t *v = json_object_get(m, *k);
        if (v && !(!strcmp(*k, "viewportSize") && strcmp(type, "jira:issuePanel") != 0))
            json_object_set(o, *k, v);
    }
    set_text(o, "label", json_object_get(m, "label"), c->a);
    set_text(o, "description", json_object_get(m, "description"), c->a);
    set_icon(o, "thumbnail", json_object_get(m, "thumbnail"));
    json_t *edit = json_object_get(m, "edit");
    if (json_is_string(json_object_get(edit, "resource"))) {
        const char *er = json_str(edit, "render");
        json_object_set_new(o, "edit",
                            json_pack("{s:O,s:s}", "resource", json_object_get(edit, "resource"), "render",
                                      er && !strcmp(er, "native") ? "native" : "custom"));
    }
    json_t *list;
    if (json_is_array(json_object_get(m, "pages"))) {
        if (visible_pages(c, json_object_get(m, "pages"), &list))
            goto store_error;
        json_object_set_new(o, "pages", list);
    }
    if (json_is_array(json_object_get(m, "sections"))) {
        if (visible_sections(c, json_object_get(m, "sections"), &list))
            goto store_error;
        json_object_set_new(o, "sections", list);
    }
    return o;
store_error:
    json_decref(list);
    json_decref(o);
    *rc = -1;
    return NULL;
}

/* ================================================================ the list */

static int cmp_entry(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    static const char *const keys[] = {"appName", "moduleKey", "installationId"};
    for (size_t i = 0; i < 3; i++) {
        int d = strcmp(json_str(a, keys[i]), json_str(b, keys[i]));
        if (d)
            return d;
    }
    return 0;
}

/* The issue or project of the query, on this site, browsable by the user. */
static int context(store_t *st, arena_t *a, const site_rec_t *site, const user_rec_t *user, const char *issue_key,
                   const char *project_key, dcond_ctx_t *c, issue_rec_t *is, project_rec_t *p, const char **err)
{
    if (issue_key) {
        const char *pkey;
        int rc = idkey_issue_get(st, a, site->id, issue_key, is, &pkey);
        if (rc == STORE_OK)
            rc = store_project_by_id(st, a, site->id, is->project_id, p);
        int can = rc == STORE_OK ? perm_user_has(st, site->id, user->account_id, is->project_id, "BROWSE_PROJECTS") : 0;
        if ((rc != STORE_OK && rc != STORE_NOTFOUND) || can < 0) {
            *err = "Internal server error";
            return 500;
        }
        if (rc != STORE_OK || can != 1) {
            *err = "No such issue on this site, or you cannot see it.";
            return 404;
        }
        if (project_key && strcmp(project_key, p->key) != 0) {
            *err = "project must be the project of issue.";
            return 400;
        }
        c->issue = is;
        c->issue_key = arena_printf(a, "%s-%lld", pkey, (long long)is->num);
        c->project = p;
        return 0;
    }
    if (project_key) {
        int rc = idkey_project_get(st, a, site->id, project_key, p);
        int can = rc == STORE_OK ? perm_user_has(st, site->id, user->account_id, p->id, "BROWSE_PROJECTS") : 0;
        if ((rc != STORE_OK && rc != STORE_NOTFOUND) || can < 0) {
            *err = "Internal server error";
            return 500;
        }
        if (rc != STORE_OK || can != 1) {
            *err = "No such project on this site, or you cannot see it.";
            return 404;
        }
        c->project = p;
    }
    return 0;
}

int ui_modules_list(store_t *st, arena_t *a, const site_rec_t *site, const user_rec_t *user, const char *placement,
                    const char *issue_key, const char *project_key, json_t **out, const char **err)
{
    const struct placement *pl = placement_of(placement);
    *out = NULL;
    if (!pl) {
        *err = "placement must be one of issuePanel, issueGlance, issueContext, projectPage, globalPage, "
               "dashboardGadget, adminPage.";
        return 400;
    }
    if ((issue_key && (!*issue_key || strlen(issue_key) > UI_MODULES_KEY_MAX)) ||
        (project_key && (!*project_key || strlen(project_key) > UI_MODULES_KEY_MAX))) {
        *err = "issue and project are keys of at most 64 characters.";
        return 400;
    }
    if (pl->need == NEED_ISSUE && !issue_key) {
        *err = "This placement is on an issue: give issue=KEY.";
        return 400;
    }
    if (pl->need == NEED_PROJECT && !project_key && !issue_key) {
        *err = "This placement is on a project: give project=KEY.";
        return 400;
    }
    dcond_ctx_t c = {.st = st, .a = a, .site = site, .user = user};
    issue_rec_t is;
    project_rec_t p;
    int status = context(st, a, site, user, issue_key, project_key, &c, &is, &p, err);
    if (status)
        return status;
    json_t *list = json_own(a, json_array());
    *out = json_own(a, json_pack("{s:O,s:b}", "modules", list, "truncated", 0));
    if (pl->need == NEED_ADMIN) { /* Jira shows its administration to administrators only */
        int admin = (site->admin_account_id && !strcmp(site->admin_account_id, user->account_id)) ||
                    perm_user_has(st, site->id, user->account_id, 0, "ADMINISTER") == 1;
        if (!admin)
            return 0;
    }
    install_rec_t *ins;
    size_t n;
    if (store_install_site(st, a, site->id, &ins, &n) != STORE_OK) {
        *err = "Internal server error";
        return 500;
    }
    json_t **found = NULL;
    size_t n_found = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        version_rec_t ver;
        app_rec_t app;
        if (ins[i].site_id != site->id) /* the store's contract; never trusted blindly */
            continue;
        int vr = install_version(st, a, &ins[i], &ver);
        if (vr == STORE_NOTFOUND)
            continue;
        if (vr != STORE_OK || store_app_get(st, a, ins[i].app_id, &app) != STORE_OK) {
            rc = -1;
            break;
        }
        json_t *mods = json_object_get(json_object_get(invoke_manifest(a, &ver), "modules"), pl->type);
        size_t k;
        json_t *m;
        json_array_foreach(mods, k, m)
        {
            int r;
            json_t *e = entry(&c, &ins[i], app.name, pl->type, m, &r);
            if (r < 0) {
                rc = -1;
                break;
            }
            if (!e)
                continue;
            if (n_found == cap) {
                cap = cap ? cap * 2 : 16;
                found = xrealloc(found, cap * sizeof *found);
            }
            found[n_found++] = e;
        }
    }
    if (rc == 0) {
        if (n_found > 1)
            qsort(found, n_found, sizeof *found, cmp_entry);
        for (size_t i = 0; i < n_found; i++)
            if (i < UI_MODULES_MAX)
                json_array_append(list, found[i]);
        json_object_set_new(*out, "truncated", json_boolean(n_found > UI_MODULES_MAX));
    }
    for (size_t i = 0; i < n_found; i++)
        json_decref(found[i]);
    free(found);
    if (rc) {
        *out = NULL;
        *err = "Internal server error";
        return 500;
    }
    return 0;
}
