/* The manifest document (platform/manifest.h): its YAML under kiln's limits, then its
 * parts in a fixed order: app, modules, remotes, permissions, resources, cross
 * references, handler files; then the canonical JSON and the major key. The parts live
 * in manifest_*.c (platform/manifest_int.h). */
#include "platform/manifest.h"

#include <stdlib.h>
#include <string.h>

#include "platform/manifest_int.h"

/* ================================================================ YAML */

static const yaml_limits_t limits = {
    .max_bytes = MANIFEST_MAX_BYTES,
    .max_depth = MANIFEST_MAX_DEPTH,
    .max_nodes = MANIFEST_MAX_NODES,
    .max_string = MANIFEST_MAX_STRING,
    .noun = "manifest",
};

/* base/yaml.h's codes as the manifest's: a NUL byte is a schema problem here. */
static int code_of(int yaml_code)
{
    switch (yaml_code) {
    case YAML_ELIMIT: return MANIFEST_ELIMIT;
    case YAML_ENUL: return MANIFEST_ESCHEMA;
    case YAML_ENOMEM: return MANIFEST_ENOMEM;
    default: return MANIFEST_ESYNTAX;
    }
}

static int read_yaml(manifest_parser_t *p, const char *text, size_t len)
{
    yaml_err_t ye;
    if (yaml_parse(p->a, text, len, &limits, &p->root, &ye) == 0)
        return 0;
    return manifest_fail_at(p, code_of(ye.code), ye.line, ye.col, ye.node, "%s", ye.msg);
}

/* ================================================================ app */

static int uuid_ok(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!is_hex((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* The Node.js that runs the app, for the runtime warnings. */
static const char *node_phrase(manifest_parser_t *p)
{
    const char *v = p->m->node_version;
    return v && *v ? arena_printf(p->a, "Node.js %s", v) : "the Node.js kiln's workers run";
}

/* app.runtime: Forge's names, the deprecated ones and a missing one with a warning that
 * names the Node.js the app will run on (docs/apps.md). */
static int parse_runtime(manifest_parser_t *p, const yaml_t *app)
{
    static const char *const runtimes[] = {"nodejs20.x", "nodejs22.x", "nodejs24.x", NULL};
    static const char *const deprecated[] = {"nodejs16.x", "nodejs18.x", "sandbox", NULL};
    manifest_t *m = p->m;
    const yaml_t *rt = yaml_get(app, "runtime"), *v = NULL;
    if (rt && manifest_want_map(p, rt))
        return -1;
    if (!rt || !(v = yaml_get(rt, "name"))) {
        m->runtime_name = "sandbox";
        if (rt && manifest_opt_uint(p, rt, "memoryMB", 128, 4096, &m->app_memory_mb))
            return -1;
        return manifest_warn(p, rt ? rt : app, NULL,
                             "no %s: Forge's default is its legacy sandbox runtime, which it has deprecated; kiln "
                             "runs this app on %s (name nodejs20.x, nodejs22.x or nodejs24.x)",
                             rt ? "name" : "runtime", node_phrase(p));
    }
    if (manifest_want_str(p, v, &m->runtime_name))
        return -1;
    if (one_of(m->runtime_name, deprecated)) {
        if (manifest_warn(p, v, NULL,
                          "Forge has deprecated the %s runtime (its schema accepts nodejs20.x, nodejs22.x or "
                          "nodejs24.x); kiln runs this app on %s",
                          m->runtime_name, node_phrase(p)))
            return -1;
    } else if (manifest_want_enum(p, v, runtimes, &m->runtime_name)) {
        return -1;
    } else if (m->node_version && m->node_version[0] == 'v' &&
               atoi(m->node_version + 1) != atoi(m->runtime_name + strlen("nodejs"))) {
        if (manifest_warn(p, v, NULL, "kiln runs this app on %s, not on %.*s", node_phrase(p),
                          (int)strlen(m->runtime_name) - 2, m->runtime_name))
            return -1;
    }
    return manifest_opt_uint(p, rt, "memoryMB", 128, 4096, &m->app_memory_mb);
}

static int parse_app(manifest_parser_t *p)
{
    static const char prefix[] = "ari:cloud:ecosystem::app/";
    manifest_t *m = p->m;
    const yaml_t *app, *v;
    int allow = m->allow_missing_id == 1;
    if (manifest_req(p, p->root, "app", &app))
        return -1;
    /* `app:` with nothing under it (a template whose id was taken out): register writes
     * the id under it; yaml_get finds nothing in it */
    if (!(allow && app->type == YAML_NULL) && manifest_want_map(p, app))
        return -1;
    v = yaml_get(app, "id");
    if (!v || (allow && v->type == YAML_NULL)) { /* register writes it */
        if (!allow)
            return manifest_fail(p, MANIFEST_ESCHEMA, app, "missing required field \"id\"");
    } else if (allow && is_str(v) && !memchr(v->s, '\0', v->len)) { /* register replaces it unless ours */
        if (!strncmp(v->s, prefix, sizeof prefix - 1) && uuid_ok(v->s + sizeof prefix - 1))
            m->app_id = v->s;
        else
            m->foreign_id = v->s;
    } else {
        if (manifest_want_str(p, v, &m->app_id))
            return -1;
        if (strncmp(m->app_id, prefix, sizeof prefix - 1) || !uuid_ok(m->app_id + sizeof prefix - 1))
            return manifest_fail(p, MANIFEST_ESCHEMA, v,
                                 "\"%.*s\" is not an app id (ari:cloud:ecosystem::app/<uuid>; kiln register gives the "
                                 "app one)",
                                 qlen(m->app_id), m->app_id);
    }
    if (parse_runtime(p, app))
        return -1;
    if ((v = yaml_get(app, "storage"))) {
        const yaml_t *ent;
        if (manifest_want_map(p, v))
            return -1;
        if ((ent = yaml_get(v, "entities")) &&
            (manifest_want_seq(p, ent) || manifest_node_json(p, ent, &m->storage_entities_json, NULL)))
            return -1;
    }
    return manifest_node_json(p, app, &m->app_json, NULL);
}

/* ================================================================ resources */

static int parse_resources(manifest_parser_t *p)
{
    manifest_t *m = p->m;
    const yaml_t *rs = yaml_get(p->root, "resources");
    if (!rs)
        return 0;
    if (manifest_want_seq(p, rs))
        return -1;
    if (rs->n > MANIFEST_MAX_MODULES)
        return manifest_fail(p, MANIFEST_ELIMIT, rs, "more than %u resources", MANIFEST_MAX_MODULES);
    if (!(m->resources = manifest_calloc(p, rs->n * sizeof *m->resources)))
        return -1;
    YAML_EACH(it, rs)
    {
        manifest_resource_t *r = &m->resources[m->n_resources];
        const yaml_t *kn;
        *r = (manifest_resource_t){.line = it->line, .col = it->col};
        if (manifest_want_map(p, it) || manifest_req_str(p, it, "key", &r->key, &kn) ||
            manifest_want_key(p, kn, "resource", MANIFEST_MAX_REMOTE_KEY) ||
            manifest_req_str(p, it, "path", &r->path, NULL))
            return -1;
        for (size_t i = 0; i < m->n_resources; i++)
            if (!strcmp(m->resources[i].key, r->key))
                return manifest_fail(p, MANIFEST_ESCHEMA, kn, "resource key \"%s\" is already used by resources[%zu]",
                                     r->key, i);
        m->n_resources++;
    }
    return 0;
}

/* ================================================================ cross references */

static const manifest_endpoint_t *find_endpoint(const manifest_t *m, const char *key)
{
    for (size_t i = 0; i < m->n_endpoints; i++)
        if (!strcmp(m->endpoints[i].key, key))
            return &m->endpoints[i];
    return NULL;
}

static const manifest_remote_t *find_remote(const manifest_t *m, const char *key)
{
    for (size_t i = 0; i < m->n_remotes; i++)
        if (!strcmp(m->remotes[i].key, key))
            return &m->remotes[i];
    return NULL;
}

/* A module's function, endpoint or remote, and a fetch entry's remote, names something
 * declared; a trigger's endpoint has what a trigger needs. */
static int check_refs(manifest_parser_t *p)
{
    const manifest_t *m = p->m;
    const yaml_t *mods = yaml_get(p->root, "modules"), *perms, *ext, *fetch;
    if (mods) {
        YAML_EACH(c, mods)
        {
            const char *t = c->key->s;
            int is_trigger = !strcmp(t, "trigger");
            int targets = is_trigger || !strcmp(t, "webtrigger") || !strcmp(t, "scheduledTrigger") ||
                          !strcmp(t, "consumer") || !strcmp(t, "preUninstall");
            YAML_EACH(it, c)
            {
                const yaml_t *f = yaml_get(it, "function"), *e = yaml_get(it, "endpoint"), *r = yaml_get(it, "remote");
                const yaml_t *res = !strcmp(t, "consumer") ? yaml_get(it, "resolver") : NULL;
                if (res && !f)
                    f = yaml_get(res, "function");
                if (targets && f && !manifest_function(m, f->s))
                    return manifest_fail(p, MANIFEST_EREF, f, "no function with key \"%.*s\"", qlen(f->s), f->s);
                if (targets && e) {
                    const manifest_endpoint_t *ep = find_endpoint(m, e->s);
                    if (!ep)
                        return manifest_fail(p, MANIFEST_EREF, e, "no endpoint with key \"%.*s\"", qlen(e->s), e->s);
                    if (is_trigger && !ep->route_path)
                        return manifest_fail(p, MANIFEST_ESCHEMA, e,
                                             "endpoint \"%s\" has no route.path, which a trigger needs", ep->key);
                    if (is_trigger && ep->auth_app_user_token)
                        return manifest_fail(p, MANIFEST_ESCHEMA, e,
                                             "endpoint \"%s\" enables appUserToken; a trigger's endpoint may only use "
                                             "appSystemToken",
                                             ep->key);
                }
                if (!strcmp(t, "endpoint") && r && !find_remote(m, r->s))
                    return manifest_fail(p, MANIFEST_EREF, r, "no remote with key \"%.*s\"", qlen(r->s), r->s);
            }
        }
    }
    if (!(perms = yaml_get(p->root, "permissions")) || !(ext = yaml_get(perms, "external")) ||
        !(fetch = yaml_get(ext, "fetch")))
        return 0;
    const char *lists[] = {"backend", "client"};
    for (int i = 0; i < 2; i++) {
        const yaml_t *l = yaml_get(fetch, lists[i]);
        if (!l)
            continue;
        YAML_EACH(e, l)
        {
            const yaml_t *r = yaml_get(e, "remote");
            if (r && !find_remote(m, r->s))
                return manifest_fail(p, MANIFEST_EREF, r, "no remote with key \"%.*s\"", qlen(r->s), r->s);
        }
    }
    return 0;
}

/* ================================================================ entry points */

int manifest_parse(arena_t *a, const char *file_label, const char *text, size_t len, const char *app_dir,
                   manifest_t *out, manifest_err_t *err)
{
    int allow = out->allow_missing_id == 1;
    const char *node = out->node_version;
    *out = (manifest_t){.allow_missing_id = allow, .node_version = node};
    *err = (manifest_err_t){0};
    manifest_parser_t p = {.a = a,
                           .label = file_label ? file_label : "manifest.yml",
                           .err = err,
                           .m = out,
                           .ext_major = json_object(),
                           .text = text,
                           .text_len = len};
    int rc = -1;

    if (read_yaml(&p, text, len))
        goto out;
    if (!p.root || p.root->type == YAML_NULL) {
        manifest_fail_at(&p, MANIFEST_ESCHEMA, 1, 1, NULL, "empty document");
        goto out;
    }
    if (p.root->type != YAML_MAP) {
        manifest_fail(&p, MANIFEST_ESCHEMA, p.root, "the top level must be a mapping, found %s",
                      yaml_type_name(p.root));
        goto out;
    }
    if (parse_app(&p) || manifest_parse_modules(&p) || manifest_parse_remotes(&p) || manifest_parse_permissions(&p) ||
        manifest_check_event_scopes(&p) || parse_resources(&p) || manifest_check_ui_refs(&p) || check_refs(&p) ||
        (app_dir && manifest_check_files(&p, app_dir)))
        goto out;
    if (manifest_node_json(&p, p.root, &out->canonical_json, &out->canonical_len) || manifest_build_major_key(&p))
        goto out;
    rc = 0;
out:
    json_decref(p.ext_major);
    return rc;
}

const char *manifest_major_key(const manifest_t *m)
{
    return m->major_key;
}

const manifest_function_t *manifest_function(const manifest_t *m, const char *key)
{
    for (size_t i = 0; i < m->n_functions; i++)
        if (!strcmp(m->functions[i].key, key))
            return &m->functions[i];
    return NULL;
}
