/* The manifest's permissions (platform/manifest_int.h): scopes (either form, known ones
 * only), external egress lists, content. Each external list's canonical entries also go
 * to p->ext_major for the major key. */
#include <stdlib.h>
#include <string.h>

#include "auth/scopes.h"
#include "platform/manifest_int.h"

/* ================================================================ scopes */

/* The scope's text s, held by node `at` (a list item, the value of `key:`, or the key of
 * the map form): errors point at it, with the path of `where` (at's own, or for a key the
 * entry it names). */
static int add_scope(manifest_parser_t *p, const yaml_t *where, const yaml_t *at, const char *s, size_t *k)
{
    if (!no_ws(s))
        return manifest_fail_at(p, MANIFEST_ESCHEMA, at->line, at->col, where,
                                "scope \"%.*s\" must not contain spaces or control characters", qlen(s), s);
    if (!scope_known(s, strlen(s)))
        return manifest_fail_at(
            p, MANIFEST_ESCHEMA, at->line, at->col, where,
            "unknown scope \"%.*s\": kiln knows Jira's scopes (platform, Software, DevOps; classic and granular) and "
            "Forge's storage:app, read:app-system-token, read:app-user-token, "
            "read:app-global-channel:realtime, read:me and read:account; a scope is a name, never a wildcard "
            "(docs/apps.md)",
            qlen(s), s);
    p->m->scopes[(*k)++] = s;
    return 0;
}

/* A list of strings (or {key: scope} items), or a map {scope: {allowImpersonation}}. */
static int parse_scopes(manifest_parser_t *p, const yaml_t *sc)
{
    manifest_t *m = p->m;
    size_t k = 0;
    if (sc->type != YAML_SEQ && sc->type != YAML_MAP)
        return manifest_fail(p, MANIFEST_ESCHEMA, sc, "expected a sequence or a mapping, found %s", yaml_type_name(sc));
    if (sc->n > MANIFEST_MAX_SCOPES)
        return manifest_fail(p, MANIFEST_ELIMIT, sc, "more than %u scopes", MANIFEST_MAX_SCOPES);
    if (!(m->scopes = manifest_calloc(p, sc->n * sizeof *m->scopes)) ||
        !(m->imp_scopes = manifest_calloc(p, (sc->n ? sc->n : 1) * sizeof *m->imp_scopes)))
        return -1;
    size_t ni = 0;
    YAML_EACH(c, sc)
    {
        const char *s;
        const yaml_t *at = c; /* where the scope's text is */
        if (sc->type == YAML_MAP) {
            const yaml_t *imp;
            if (!c->key->s[0] || memchr(c->key->s, '\0', c->key->len))
                return manifest_fail(p, MANIFEST_ESCHEMA, c, "invalid scope name");
            if (c->type != YAML_MAP && c->type != YAML_NULL)
                return manifest_fail(p, MANIFEST_ESCHEMA, c, "expected a mapping, found %s", yaml_type_name(c));
            int b = 0;
            if ((imp = yaml_get(c, "allowImpersonation")) && manifest_want_bool(p, imp, &b))
                return -1;
            s = c->key->s;
            if (imp && b)
                m->imp_scopes[ni++] = s;
            at = c->key;
        } else if (c->type == YAML_MAP) {
            const yaml_t *kv;
            if (manifest_req_str(p, c, "key", &s, &kv))
                return -1;
            at = kv;
        } else if (manifest_want_str(p, c, &s)) {
            return -1;
        }
        if (add_scope(p, sc->type == YAML_MAP ? c : at, at, s, &k))
            return -1;
    }
    qsort(m->imp_scopes, ni, sizeof *m->imp_scopes, cmp_str);
    m->n_imp_scopes = ni; /* map keys are unique: no duplicates */
    qsort(m->scopes, k, sizeof *m->scopes, cmp_str);
    m->n_scopes = 0;
    for (size_t i = 0; i < k; i++)
        if (m->n_scopes == 0 || strcmp(m->scopes[m->n_scopes - 1], m->scopes[i]))
            m->scopes[m->n_scopes++] = m->scopes[i];
    return 0;
}

/* ================================================================ external */

/* A host or URL; '*' only as a leading "*." of the host. */
static int address_ok(const char *s)
{
    if (!*s || !no_ws(s) || strchr(s, '\\'))
        return 0;
    for (const char *c = s; *c; c++) {
        if (*c != '*')
            continue;
        if (c[1] != '.' || !(c == s || (c - s >= 3 && !memcmp(c - 3, "://", 3))))
            return 0;
    }
    return 1;
}

/* One external list: entries are "address", {address: ...}, or (fetch only) {remote: ...}.
 * Fills out/n_out when out != NULL; puts the canonical entry strings in into[name]. */
static int parse_egress(manifest_parser_t *p, const yaml_t *list, json_t *into, const char *name, int allow_remote,
                        manifest_egress_t **out, size_t *n_out)
{
    if (manifest_want_seq(p, list))
        return -1;
    json_t *canon = json_array();
    json_object_set_new(into, name, canon);
    if (out && !(*out = manifest_calloc(p, list->n * sizeof **out)))
        return -1;
    YAML_EACH(e, list)
    {
        manifest_egress_t g = {.line = e->line, .col = e->col};
        const yaml_t *v;
        if (e->type == YAML_MAP && (v = yaml_get(e, "remote")) && allow_remote) {
            if (manifest_want_str(p, v, &g.remote))
                return -1;
        } else if (e->type == YAML_MAP && (v = yaml_get(e, "address"))) {
            if (manifest_want_str(p, v, &g.address))
                return -1;
        } else if (is_str(e)) {
            if (manifest_want_str(p, e, &g.address))
                return -1;
            v = e;
        } else {
            return manifest_fail(p, MANIFEST_ESCHEMA, e, "expected an address string or {address: ...}%s, found %s",
                                 allow_remote ? " or {remote: ...}" : "", yaml_type_name(e));
        }
        if (g.address && !address_ok(g.address))
            return manifest_fail(p, MANIFEST_ESCHEMA, v,
                                 "\"%.*s\" is not a valid address (a host or URL; '*' only as a leading \"*.\")",
                                 qlen(g.address), g.address);
        char *c = g.remote ? arena_printf(p->a, "remote:%s", g.remote) : arena_strdup(p->a, g.address);
        if (!c)
            return manifest_oom(p);
        json_array_append_new(canon, json_string(c));
        if (out)
            (*out)[(*n_out)++] = g;
    }
    return 0;
}

int manifest_parse_permissions(manifest_parser_t *p)
{
    manifest_t *m = p->m;
    const yaml_t *perms = yaml_get(p->root, "permissions"), *v, *ext;
    if (!perms)
        return 0;
    if (manifest_want_map(p, perms))
        return -1;
    if ((v = yaml_get(perms, "scopes")) && parse_scopes(p, v))
        return -1;
    if ((v = yaml_get(perms, "content")) &&
        (manifest_want_map(p, v) || manifest_node_json(p, v, &m->content_json, NULL)))
        return -1;
    if (!(ext = yaml_get(perms, "external")))
        return 0;
    if (manifest_want_map(p, ext))
        return -1;
    YAML_EACH(k, ext)
    {
        const char *kind = k->key->s;
        if (!strcmp(kind, "fetch")) {
            const yaml_t *b, *c;
            json_t *fo = json_object();
            json_object_set_new(p->ext_major, "fetch", fo);
            if (manifest_want_map(p, k))
                return -1;
            if ((b = yaml_get(k, "backend")) &&
                parse_egress(p, b, fo, "backend", 1, &m->fetch_backend, &m->n_fetch_backend))
                return -1;
            if ((c = yaml_get(k, "client")) &&
                parse_egress(p, c, fo, "client", 1, &m->fetch_client, &m->n_fetch_client))
                return -1;
        } else if (!strcmp(kind, "configurable")) {
            const yaml_t *en;
            int on = 0;
            if (manifest_want_map(p, k) || manifest_req(p, k, "enabled", &en) || manifest_want_bool(p, en, &on))
                return -1;
            json_object_set_new(p->ext_major, "configurable", json_boolean(on));
        } else if (parse_egress(p, k, p->ext_major, kind, 0, NULL, NULL)) {
            return -1;
        }
    }
    return manifest_node_json(p, ext, &m->external_json, NULL);
}
