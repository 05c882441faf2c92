/* UI modules of the manifest (platform/manifest_int.h): jira:issuePanel, jira:issueGlance,
 * jira:issueContext, jira:globalPage, jira:projectPage, jira:adminPage and
 * jira:dashboardGadget, as @forge/manifest's schema has them; what each type takes is a
 * row of `uitypes`. Their display conditions are checked against platform/display_cond.h's
 * table; after resources, the references to resources, functions and endpoints. Fields the
 * schema has that kiln does not use (allowMultiple, renderRuntimeType, ...) are kept in the
 * canonical JSON untouched, as Forge allows other fields too. */
#include <stddef.h>
#include <string.h>

#include "platform/display_cond.h"
#include "platform/manifest_int.h"

#define MAX_TEXT 255u         /* a title, label, icon or route (Forge's limit) */
#define MAX_DESCRIPTION 1000u /* a gadget's description */
#define MAX_I18N 300u         /* an i18n key */
#define MAX_PAGES 50u         /* pages of a module, or of a section; sections of a module */

/* What a UI module type takes. */
typedef struct uitype {
    const char *name;
    unsigned icon_required : 1;
    unsigned viewport : 1; /* viewportSize */
    unsigned label : 1;    /* label (required) and status: glances and contexts */
    unsigned pages : 1;    /* pages, sections, layout */
    unsigned gadget : 1;   /* description, thumbnail, edit, refreshable */
    unsigned admin : 1;    /* useAsConfig, useAsGetStarted */
} uitype_t;

static const uitype_t uitypes[] = {
    {"jira:issuePanel", .icon_required = 1, .viewport = 1},
    {"jira:issueGlance", .label = 1},
    {"jira:issueContext", .label = 1},
    {"jira:globalPage", .pages = 1},
    {"jira:projectPage", .pages = 1},
    {"jira:adminPage", .pages = 1, .admin = 1},
    {"jira:dashboardGadget", .gadget = 1},
};

static const uitype_t *uitype(const char *name)
{
    for (size_t i = 0; i < sizeof uitypes / sizeof uitypes[0]; i++)
        if (!strcmp(uitypes[i].name, name))
            return &uitypes[i];
    return NULL;
}

int manifest_ui_type(const char *type)
{
    return uitype(type) != NULL;
}

/* ================================================================ small values */

static int max_len(manifest_parser_t *p, const yaml_t *n, size_t max)
{
    if (n->len > max)
        return manifest_fail(p, MANIFEST_ELIMIT, n, "longer than %zu bytes", max);
    return 0;
}

/* Forge's i18n key: [a-zA-Z0-9_-]+ joined by dots. */
static int i18n_key(manifest_parser_t *p, const yaml_t *n)
{
    const char *s;
    if (manifest_want_str(p, n, &s) || max_len(p, n, MAX_I18N))
        return -1;
    int ok = s[0] != '.';
    for (const char *c = s; ok && *c; c++) {
        unsigned char u = (unsigned char)*c;
        ok = is_dec(u) || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == '-' ||
             (u == '.' && c[1] && c[1] != '.');
    }
    if (!ok)
        return manifest_fail(p, MANIFEST_ESCHEMA, n,
                             "\"%.*s\" is not an i18n key (words of [a-zA-Z0-9_-] joined by dots)", qlen(s), s);
    return 0;
}

/* A text (title, label, header): a string of at most max bytes, or {i18n: key}; a
 * gadget's title may also be {text, href}. */
static int text(manifest_parser_t *p, const yaml_t *n, size_t max, int link)
{
    const char *s;
    if (n->type != YAML_MAP)
        return manifest_want_str(p, n, &s) || max_len(p, n, max) ? -1 : 0;
    const yaml_t *v;
    if ((v = yaml_get(n, "i18n"))) {
        if (n->n != 1)
            return manifest_fail(p, MANIFEST_ESCHEMA, n, "an i18n text takes only \"i18n\"");
        return i18n_key(p, v);
    }
    if (link) {
        const yaml_t *tn, *hn;
        if (manifest_req(p, n, "text", &tn) || manifest_want_str(p, tn, &s) || max_len(p, tn, MAX_TEXT) ||
            manifest_req(p, n, "href", &hn) || manifest_want_str(p, hn, &s) || max_len(p, hn, 1000))
            return -1;
        return 0;
    }
    return manifest_fail(p, MANIFEST_ESCHEMA, n, "expected a string or {i18n: key}, found a mapping");
}

/* A resource reference: "<key>" or "<key>/<entry>", each part [a-zA-Z0-9_-]{1,23}. */
static int resource_ref(manifest_parser_t *p, const yaml_t *n, const char **res, const char **entry)
{
    const char *s;
    if (manifest_want_str(p, n, &s))
        return -1;
    const char *slash = strchr(s, '/');
    size_t k = slash ? (size_t)(slash - s) : strlen(s), e = slash ? strlen(slash + 1) : 1;
    int ok = k >= 1 && k <= MANIFEST_MAX_REMOTE_KEY && e >= 1 && e <= MANIFEST_MAX_REMOTE_KEY;
    for (const char *c = s; ok && *c; c++) {
        unsigned char u = (unsigned char)*c;
        ok = is_dec(u) || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == '-' || c == slash;
    }
    if (!ok)
        return manifest_fail(p, MANIFEST_ESCHEMA, n,
                             "\"%.*s\" is not a resource reference (<resource key> or <resource key>/<entry>)", qlen(s),
                             s);
    *res = slash ? arena_strndup(p->a, s, k) : s;
    *entry = slash ? slash + 1 : NULL;
    return *res ? 0 : manifest_oom(p);
}

/* An icon: an absolute http(s) URL, a data: image, or resource:<key>;<path> (a file of a
 * resource: its key is checked with the references). */
static int icon(manifest_parser_t *p, const yaml_t *n)
{
    const char *s;
    if (manifest_want_str(p, n, &s) || max_len(p, n, MAX_TEXT))
        return -1;
    if (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7) || !strncmp(s, "data:image/", 11)) {
        if (!no_ws(s))
            return manifest_fail(p, MANIFEST_ESCHEMA, n, "an icon URL must not contain spaces");
        return 0;
    }
    if (!strncmp(s, "resource:", 9)) {
        const char *semi = strchr(s + 9, ';');
        if (semi && semi > s + 9 && semi[1] && !strstr(semi, "..") && semi[1] != '/')
            return 0;
    }
    return manifest_fail(p, MANIFEST_ESCHEMA, n,
                         "icon \"%.*s\" must be an https:// URL, a data:image/ URI or resource:<resource key>;<path>",
                         qlen(s), s);
}

static int resolver(manifest_parser_t *p, const yaml_t *n, manifest_ui_module_t *u)
{
    if (manifest_want_map(p, n))
        return -1;
    const yaml_t *f = yaml_get(n, "function"), *e = yaml_get(n, "endpoint");
    if ((f != NULL) + (e != NULL) != 1 || n->n != 1)
        return manifest_fail(p, MANIFEST_ESCHEMA, n, "a resolver is {function: <key>} or {endpoint: <key>}");
    return f ? manifest_want_str(p, f, &u->resolver_function) : manifest_want_str(p, e, &u->resolver_endpoint);
}

/* ================================================================ display conditions */

typedef struct dwalk {
    manifest_parser_t *p;
    const char *key; /* the module's */
    size_t nodes;
} dwalk_t;

static int conds(dwalk_t *w, const yaml_t *n, unsigned depth);

static int cond_value(dwalk_t *w, const dcond_def_t *d, const yaml_t *v)
{
    manifest_parser_t *p = w->p;
    const char *s;
    switch (d->value) {
    case DCOND_BOOL:
        if (v->type != YAML_BOOL)
            return manifest_fail(p, MANIFEST_ESCHEMA, v, "display condition \"%s\" takes true or false", d->name);
        return 0;
    case DCOND_STRING:
        if (manifest_want_str(p, v, &s))
            return -1;
        break;
    case DCOND_STRINGS:
        if (v->type == YAML_SEQ) {
            YAML_EACH(x, v)
            if (manifest_want_str(p, x, &s))
                return -1;
            return 0;
        }
        if (!is_str(v))
            return manifest_fail(p, MANIFEST_ESCHEMA, v, "display condition \"%s\" takes a string or a list of strings",
                                 d->name);
        return 0;
    case DCOND_ANY: return 0;
    }
    return !strcmp(d->name, "jiraExpression")
               ? manifest_check_expression(p, v, dcond_expr_vars, "a display condition has: user, issue, project, app")
               : 0;
}

static int cond(dwalk_t *w, const yaml_t *e, unsigned depth)
{
    manifest_parser_t *p = w->p;
    const char *name = e->key->s;
    if (++w->nodes > DCOND_MAX_NODES)
        return manifest_fail(p, MANIFEST_ELIMIT, e, "more than %u display conditions", DCOND_MAX_NODES);
    if (dcond_is_op(name)) {
        if (depth + 1 > DCOND_MAX_DEPTH)
            return manifest_fail(p, MANIFEST_ELIMIT, e, "display conditions nest more than %u levels (Forge's limit)",
                                 DCOND_MAX_DEPTH);
        if (e->type == YAML_SEQ) {
            YAML_EACH(x, e)
            if (conds(w, x, depth + 1))
                return -1;
            return 0;
        }
        return conds(w, e, depth + 1);
    }
    const dcond_def_t *d = dcond_find(name);
    if (!d)
        return manifest_warn(p, e, w->key,
                             "unknown display condition \"%.*s\": kiln ignores it (the module is shown); Forge's "
                             "deploy refuses it",
                             qlen(name), name);
    if (cond_value(w, d, e))
        return -1;
    if (!d->eval)
        return manifest_warn(p, e, w->key, "display condition \"%s\" is not evaluated by kiln: it always holds", name);
    return 0;
}

static int conds(dwalk_t *w, const yaml_t *n, unsigned depth)
{
    if (n->type != YAML_MAP)
        return manifest_fail(w->p, MANIFEST_ESCHEMA, n, "display conditions must be a mapping, found %s",
                             yaml_type_name(n));
    YAML_EACH(e, n)
    if (cond(w, e, depth))
        return -1;
    return 0;
}

static int display_conditions(manifest_parser_t *p, const yaml_t *owner, const char *key, const char **json)
{
    const yaml_t *dc = yaml_get(owner, "displayConditions");
    if (!dc)
        return 0;
    dwalk_t w = {.p = p, .key = key};
    if (conds(&w, dc, 0))
        return -1;
    return json ? manifest_node_json(p, dc, json, NULL) : 0;
}

/* ================================================================ subpages */

/* pages[] of a page module or of a section: {title, route, icon?, displayConditions?};
 * routes are unique in the module (`routes` holds those seen). */
static int pages(manifest_parser_t *p, const yaml_t *ps, const char *key, const yaml_t **routes, size_t *n_routes)
{
    if (manifest_want_seq(p, ps))
        return -1;
    if (ps->n > MAX_PAGES)
        return manifest_fail(p, MANIFEST_ELIMIT, ps, "more than %u pages", MAX_PAGES);
    YAML_EACH(pg, ps)
    {
        const yaml_t *t, *r, *i;
        const char *s;
        if (manifest_want_map(p, pg) || manifest_req(p, pg, "title", &t) || text(p, t, MAX_TEXT, 0) ||
            manifest_req(p, pg, "route", &r) || manifest_want_str(p, r, &s) || max_len(p, r, MAX_TEXT))
            return -1;
        if (!no_ws(s))
            return manifest_fail(p, MANIFEST_ESCHEMA, r, "route \"%.*s\" must not contain spaces", qlen(s), s);
        for (size_t k = 0; k < *n_routes; k++)
            if (!strcmp(routes[k]->s, s))
                return manifest_fail(p, MANIFEST_ESCHEMA, r, "route \"%.*s\" is already used by another page", qlen(s),
                                     s);
        routes[(*n_routes)++] = r;
        if (((i = yaml_get(pg, "icon")) && icon(p, i)) || display_conditions(p, pg, key, NULL))
            return -1;
    }
    return 0;
}

static int subpages(manifest_parser_t *p, const yaml_t *it, manifest_ui_module_t *u)
{
    static const char *const layouts[] = {"basic", "blank", "native", NULL};
    const yaml_t *ps = yaml_get(it, "pages"), *ss = yaml_get(it, "sections"), *v;
    const char *s;
    const yaml_t *routes[MAX_PAGES * (MAX_PAGES + 1)];
    size_t n_routes = 0;
    if (ps && ss)
        return manifest_fail(p, MANIFEST_ESCHEMA, ss, "has both \"pages\" and \"sections\"; use one");
    if ((v = yaml_get(it, "layout")) && manifest_want_enum(p, v, layouts, &s))
        return -1;
    if (ps) {
        u->n_pages = ps->n;
        return pages(p, ps, u->key, routes, &n_routes);
    }
    if (!ss)
        return 0;
    if (manifest_want_seq(p, ss))
        return -1;
    if (ss->n > MAX_PAGES)
        return manifest_fail(p, MANIFEST_ELIMIT, ss, "more than %u sections", MAX_PAGES);
    u->n_sections = ss->n;
    YAML_EACH(sec, ss)
    {
        const yaml_t *h, *sp;
        if (manifest_want_map(p, sec) || ((h = yaml_get(sec, "header")) && text(p, h, MAX_TEXT, 0)) ||
            manifest_req(p, sec, "pages", &sp) || pages(p, sp, u->key, routes, &n_routes) ||
            display_conditions(p, sec, u->key, NULL))
            return -1;
    }
    return 0;
}

/* ================================================================ glances and gadgets */

static int status(manifest_parser_t *p, const yaml_t *st)
{
    static const char *const types[] = {"badge", "lozenge", "icon", NULL};
    static const char *const looks[] = {"default", "inprogress", "moved", "new", "removed", "success", NULL};
    const yaml_t *t, *val, *l, *x;
    const char *s;
    if (manifest_want_map(p, st) || manifest_req(p, st, "type", &t) || manifest_want_enum(p, t, types, &s) ||
        manifest_req(p, st, "value", &val) || manifest_want_map(p, val) || manifest_req(p, val, "label", &l) ||
        manifest_want_str(p, l, &s) || max_len(p, l, MAX_TEXT))
        return -1;
    if ((x = yaml_get(val, "url")) && manifest_want_str(p, x, &s))
        return -1;
    if ((x = yaml_get(val, "type")) && manifest_want_enum(p, x, looks, &s))
        return -1;
    return 0;
}

static int glance(manifest_parser_t *p, const yaml_t *it)
{
    const yaml_t *l, *st, *dp;
    const char *s;
    if (manifest_req(p, it, "label", &l) || text(p, l, MAX_TEXT, 0))
        return -1;
    if ((st = yaml_get(it, "status")) && status(p, st))
        return -1;
    if ((dp = yaml_get(it, "dynamicProperties")) &&
        (manifest_want_map(p, dp) || manifest_req_str(p, dp, "function", &s, NULL)))
        return -1;
    return 0;
}

static int gadget(manifest_parser_t *p, const yaml_t *it)
{
    static const char *const renders[] = {"default", "native", NULL};
    const yaml_t *d, *t, *e, *v;
    const char *s, *res, *entry;
    if (manifest_req(p, it, "description", &d) || text(p, d, MAX_DESCRIPTION, 0) ||
        manifest_req(p, it, "thumbnail", &t) || icon(p, t))
        return -1;
    if ((v = yaml_get(it, "refreshable")) && manifest_want_bool(p, v, &(int){0}))
        return -1;
    if (!(e = yaml_get(it, "edit")))
        return 0;
    if (manifest_want_map(p, e))
        return -1;
    if ((v = yaml_get(e, "resource"))) {
        if (resource_ref(p, v, &res, &entry))
            return -1;
        return (v = yaml_get(e, "render")) && manifest_want_enum(p, v, renders, &s) ? -1 : 0;
    }
    if (manifest_req_str(p, e, "function", &s, NULL))
        return -1;
    return manifest_warn(p, e, NULL, "a UI Kit 1 edit function is not run by kiln: the gadget has no edit view");
}

/* ================================================================ the module */

int manifest_parse_ui_module(manifest_parser_t *p, const char *type, const yaml_t *it, const char *key)
{
    static const char *const renders[] = {"default", "native", NULL};
    static const char *const viewports[] = {"small", "medium", "large", "xlarge", "max", NULL};
    const uitype_t *t = uitype(type);
    manifest_t *m = p->m;
    manifest_ui_module_t *u = &m->ui_modules[m->n_ui_modules++];
    const yaml_t *v, *r;
    *u = (manifest_ui_module_t){.type = type, .key = key, .render = "custom", .line = it->line, .col = it->col};
    if (manifest_req(p, it, "title", &v) || text(p, v, MAX_TEXT, t->gadget))
        return -1;
    if ((r = yaml_get(it, "resource"))) {
        const char *render;
        if (resource_ref(p, r, &u->resource, &u->entry))
            return -1;
        if ((v = yaml_get(it, "render"))) {
            if (manifest_want_enum(p, v, renders, &render))
                return -1;
            u->render = !strcmp(render, "native") ? "native" : "custom";
        }
    } else if ((v = yaml_get(it, "function"))) {
        if (manifest_want_str(p, v, &u->function) ||
            manifest_warn(p, it, key,
                          "UI Kit 1 (a `function` instead of a `resource`) is not run by kiln: the "
                          "module is not shown"))
            return -1;
    } else {
        return manifest_fail(p, MANIFEST_ESCHEMA, it, "missing required field \"resource\"");
    }
    if ((v = yaml_get(it, "resolver")) && resolver(p, v, u))
        return -1;
    if ((v = yaml_get(it, "icon"))) {
        if (icon(p, v))
            return -1;
    } else if (t->icon_required) {
        return manifest_fail(p, MANIFEST_ESCHEMA, it, "missing required field \"icon\"");
    }
    if ((v = yaml_get(it, "viewportSize"))) {
        if (manifest_want_enum(p, v, viewports, &u->viewport))
            return -1;
        if (!t->viewport) {
            u->viewport = NULL;
            if (manifest_warn(p, v, key, "%s has no viewportSize: ignored", type))
                return -1;
        }
    }
    if (t->label && glance(p, it))
        return -1;
    if (t->pages && subpages(p, it, u))
        return -1;
    if (t->gadget && gadget(p, it))
        return -1;
    if (t->admin) {
        int b;
        if (((v = yaml_get(it, "useAsConfig")) && manifest_want_bool(p, v, &b)) ||
            ((v = yaml_get(it, "useAsGetStarted")) && manifest_want_bool(p, v, &b)))
            return -1;
    }
    return display_conditions(p, it, key, &u->conditions_json);
}

/* ================================================================ references */

static int has_resource(const manifest_t *m, const char *key)
{
    for (size_t i = 0; i < m->n_resources; i++)
        if (!strcmp(m->resources[i].key, key))
            return 1;
    return 0;
}

static int has_endpoint(const manifest_t *m, const char *key)
{
    for (size_t i = 0; i < m->n_endpoints; i++)
        if (!strcmp(m->endpoints[i].key, key))
            return 1;
    return 0;
}

static int ref_resource(manifest_parser_t *p, const yaml_t *n)
{
    if (!n || !is_str(n))
        return 0;
    size_t k = strcspn(n->s, "/");
    for (size_t i = 0; i < p->m->n_resources; i++)
        if (strlen(p->m->resources[i].key) == k && !strncmp(p->m->resources[i].key, n->s, k))
            return 0;
    return manifest_fail(p, MANIFEST_EREF, n, "no resource with key \"%.*s\"",
                         (int)(k > MANIFEST_MAX_QUOTE ? MANIFEST_MAX_QUOTE : k), n->s);
}

static int ref_icon(manifest_parser_t *p, const yaml_t *n)
{
    if (!n || !is_str(n) || strncmp(n->s, "resource:", 9))
        return 0;
    const char *k = n->s + 9, *semi = strchr(k, ';');
    const char *key = arena_strndup(p->a, k, (size_t)(semi - k));
    if (!key)
        return manifest_oom(p);
    return has_resource(p->m, key)
               ? 0
               : manifest_fail(p, MANIFEST_EREF, n, "icon: no resource with key \"%.*s\"", qlen(key), key);
}

static int ref_function(manifest_parser_t *p, const yaml_t *n)
{
    if (!n || !is_str(n) || manifest_function(p->m, n->s))
        return 0;
    return manifest_fail(p, MANIFEST_EREF, n, "no function with key \"%.*s\"", qlen(n->s), n->s);
}

static int ref_pages_icons(manifest_parser_t *p, const yaml_t *ps)
{
    if (!ps)
        return 0;
    YAML_EACH(pg, ps)
    if (ref_icon(p, yaml_get(pg, "icon")))
        return -1;
    return 0;
}

int manifest_check_ui_refs(manifest_parser_t *p)
{
    const yaml_t *mods = yaml_get(p->root, "modules");
    if (!mods)
        return 0;
    YAML_EACH(c, mods)
    {
        if (!manifest_ui_type(c->key->s))
            continue;
        YAML_EACH(it, c)
        {
            const yaml_t *res = yaml_get(it, "resolver"), *edit = yaml_get(it, "edit"), *dp, *e, *secs;
            if (ref_resource(p, yaml_get(it, "resource")) || ref_icon(p, yaml_get(it, "icon")) ||
                ref_icon(p, yaml_get(it, "thumbnail")) || ref_function(p, yaml_get(it, "function")) ||
                (res && ref_function(p, yaml_get(res, "function"))) ||
                (edit &&
                 (ref_resource(p, yaml_get(edit, "resource")) || ref_function(p, yaml_get(edit, "function")))) ||
                ((dp = yaml_get(it, "dynamicProperties")) && ref_function(p, yaml_get(dp, "function"))) ||
                ref_pages_icons(p, yaml_get(it, "pages")))
                return -1;
            if (res && (e = yaml_get(res, "endpoint")) && !has_endpoint(p->m, e->s))
                return manifest_fail(p, MANIFEST_EREF, e, "no endpoint with key \"%.*s\"", qlen(e->s), e->s);
            if ((secs = yaml_get(it, "sections")))
                YAML_EACH(s, secs)
            if (ref_pages_icons(p, yaml_get(s, "pages")))
                return -1;
        }
    }
    return 0;
}
