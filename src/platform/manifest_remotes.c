/* The manifest's remotes (platform/manifest_int.h): keys, base URLs (one, or one per
 * region), operations, and the auth block that remotes and endpoints share. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform/manifest_int.h"

int manifest_parse_auth(manifest_parser_t *p, const yaml_t *owner, int *sys, int *user)
{
    const yaml_t *auth = yaml_get(owner, "auth");
    *sys = *user = 0;
    if (!auth)
        return 0;
    if (manifest_want_map(p, auth))
        return -1;
    const char *names[] = {"appSystemToken", "appUserToken"};
    int *outs[] = {sys, user};
    for (int i = 0; i < 2; i++) {
        const yaml_t *t = yaml_get(auth, names[i]), *en;
        if (t && (manifest_want_map(p, t) || manifest_req(p, t, "enabled", &en) || manifest_want_bool(p, en, outs[i])))
            return -1;
    }
    return 0;
}

static int all_dec(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_dec((unsigned char)s[i]))
            return 0;
    return 1;
}

/* https://host[:port][/...], or http:// for loopback only; no credentials, no spaces. */
static int check_url(manifest_parser_t *p, const yaml_t *n, const char *u)
{
    const char *rest;
    int https = !strncasecmp(u, "https://", 8), http = !https && !strncasecmp(u, "http://", 7);
    if (!https && !http)
        return manifest_fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" must be an https:// URL", qlen(u), u);
    if (!no_ws(u))
        return manifest_fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" must not contain spaces or control characters", qlen(u),
                             u);
    rest = u + (https ? 8 : 7);
    size_t alen = strcspn(rest, "/?#");
    if (memchr(rest, '@', alen))
        return manifest_fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" must not contain credentials", qlen(u), u);
    size_t hlen;
    const char *port = NULL;
    if (rest[0] == '[') {
        const char *close = memchr(rest, ']', alen);
        hlen = close ? (size_t)(close - rest) + 1 : 0;
        for (size_t i = 1; close && i + 1 < hlen; i++)
            if (!is_hex((unsigned char)rest[i]) && rest[i] != ':' && rest[i] != '.')
                hlen = 0;
    } else {
        hlen = strcspn(rest, ":/?#");
        for (size_t i = 0; i < hlen; i++) {
            unsigned char c = (unsigned char)rest[i];
            if (!(is_dec(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_'))
                hlen = 0;
        }
    }
    if (hlen == 0 || hlen > alen)
        return manifest_fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" has no valid host", qlen(u), u);
    if (hlen < alen) {
        port = rest + hlen;
        size_t plen = alen - hlen - 1;
        if (*port != ':' || plen == 0 || plen > 5 || !all_dec(port + 1, plen) || atoi(port + 1) < 1 ||
            atoi(port + 1) > 65535)
            return manifest_fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" has an invalid port", qlen(u), u);
    }
    if (http) {
        static const char *const loop[] = {"localhost", "127.0.0.1", "[::1]"};
        int ok = 0;
        for (int i = 0; i < 3; i++)
            ok |= strlen(loop[i]) == hlen && !strncasecmp(rest, loop[i], hlen);
        if (!ok)
            return manifest_fail(
                p, MANIFEST_ESCHEMA, n,
                "\"%.*s\" must be an https:// URL (http:// is allowed only for localhost, 127.0.0.1 and [::1])",
                qlen(u), u);
    }
    return 0;
}

int manifest_parse_remotes(manifest_parser_t *p)
{
    static const char *const ops[] = {"storage", "compute", "fetch", "other", NULL};
    static const char *const regions[] = {"default", "EU", "US", "AU", "DE", "SG", "CA",
                                          "IN",      "KR", "JP", "GB", "CH", NULL};
    manifest_t *m = p->m;
    const yaml_t *rs = yaml_get(p->root, "remotes");
    if (!rs)
        return 0;
    if (manifest_want_seq(p, rs))
        return -1;
    if (rs->n > MANIFEST_MAX_REMOTES)
        return manifest_fail(p, MANIFEST_ELIMIT, rs, "more than %u remotes", MANIFEST_MAX_REMOTES);
    if (!(m->remotes = manifest_calloc(p, rs->n * sizeof *m->remotes)))
        return -1;
    YAML_EACH(it, rs)
    {
        manifest_remote_t *r = &m->remotes[m->n_remotes];
        const yaml_t *kn, *bu, *v;
        *r = (manifest_remote_t){.line = it->line, .col = it->col};
        if (manifest_want_map(p, it) || manifest_req_str(p, it, "key", &r->key, &kn) ||
            manifest_want_key(p, kn, "remote", MANIFEST_MAX_REMOTE_KEY))
            return -1;
        for (size_t i = 0; i < m->n_remotes; i++)
            if (!strcmp(m->remotes[i].key, r->key))
                return manifest_fail(p, MANIFEST_ESCHEMA, kn, "remote key \"%s\" is already used by remotes[%zu]",
                                     r->key, i);
        if (manifest_req(p, it, "baseUrl", &bu))
            return -1;
        if (bu->type == YAML_MAP) {
            YAML_EACH(rg, bu)
            {
                const char *u;
                if (!one_of(rg->key->s, regions))
                    return manifest_fail_at(p, MANIFEST_ESCHEMA, rg->key->line, rg->key->col, rg,
                                            "unknown region \"%.*s\"", qlen(rg->key->s), rg->key->s);
                if (manifest_want_str(p, rg, &u) || check_url(p, rg, u))
                    return -1;
            }
            if (manifest_req_str(p, bu, "default", &r->base_url, NULL) ||
                manifest_node_json(p, bu, &r->base_url_json, NULL))
                return -1;
        } else if (!is_str(bu)) {
            return manifest_fail(p, MANIFEST_ESCHEMA, bu, "expected a string or a mapping, found %s",
                                 yaml_type_name(bu));
        } else if (manifest_want_str(p, bu, &r->base_url) || check_url(p, bu, r->base_url)) {
            return -1;
        }
        if ((v = yaml_get(it, "operations"))) {
            if (manifest_want_seq(p, v) || !(r->operations = manifest_calloc(p, v->n * sizeof *r->operations)))
                return -1;
            YAML_EACH(o, v)
            {
                if (manifest_want_enum(p, o, ops, &r->operations[r->n_operations++]))
                    return -1;
            }
        }
        if (manifest_parse_auth(p, it, &r->auth_app_system_token, &r->auth_app_user_token))
            return -1;
        m->n_remotes++;
    }
    return 0;
}
