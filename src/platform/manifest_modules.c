/* The manifest's modules (platform/manifest_int.h): one parser per module type kiln runs,
 * in the table `modtypes`; UI modules are manifest_ui.c's; every other type is kept as
 * unsupported, with a warning (as is
 * each connectModules entry). Module keys are
 * unique across all types. Also: a function's handler and its source file. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "platform/manifest_int.h"

#define MAX_EVENTS 100u  /* events of one trigger */
#define MAX_OUTPUTS 20u  /* webtrigger response.outputs (Forge's limit) */
#define MAX_QUEUE 36u    /* a consumer's queue name (@forge/manifest's ConsumerQueue) */
#define MAX_METHOD 255u  /* a consumer resolver's method */
#define MAX_SCHEDULED 5u /* scheduledTrigger modules of an app (Forge: "up to five") */

/* ================================================================ function */

/* Forge's rule, ASCII plus any UTF-8 letter: <file>.<export>, file = seg(/seg)*, where a
 * segment and the export are [letters digits _ -]+. The escape checks come first so that
 * the message says why. */
static int split_handler(manifest_parser_t *p, const yaml_t *hn, manifest_function_t *f)
{
    const char *h = f->handler;
    if (strchr(h, '\\'))
        return manifest_fail(p, MANIFEST_EFILE, hn, "handler \"%.*s\" must not contain a backslash", qlen(h), h);
    if (h[0] == '/')
        return manifest_fail(p, MANIFEST_EFILE, hn, "handler \"%.*s\" must be relative to src/, not absolute", qlen(h),
                             h);
    if (strstr(h, ".."))
        return manifest_fail(p, MANIFEST_EFILE, hn, "handler \"%.*s\" escapes the app directory", qlen(h), h);
    const char *dot = strrchr(h, '.');
    int ok = dot && dot > h && dot[1] && dot[-1] != '/';
    for (const char *c = h; ok && *c; c++) {
        unsigned char u = (unsigned char)*c;
        int word = u >= 0x80 || is_dec(u) || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == '-';
        if (c == dot)
            continue;
        if (u == '/')
            ok = c < dot && c > h && c[-1] != '/';
        else
            ok = word;
    }
    if (!ok)
        return manifest_fail(p, MANIFEST_ESCHEMA, hn,
                             "handler \"%.*s\" must be <file>.<function> (for example index.run)", qlen(h), h);
    f->file = arena_strndup(p->a, h, (size_t)(dot - h));
    f->export = dot + 1;
    return f->file ? 0 : manifest_oom(p);
}

static int mod_function(manifest_parser_t *p, const yaml_t *it, const char *key)
{
    manifest_t *m = p->m;
    manifest_function_t *f = &m->functions[m->n_functions];
    const yaml_t *hn, *rt;
    *f = (manifest_function_t){.key = key, .line = it->line, .col = it->col};
    if (manifest_req_str(p, it, "handler", &f->handler, &hn) || split_handler(p, hn, f))
        return -1;
    if ((rt = yaml_get(it, "runtime")) &&
        (manifest_want_map(p, rt) || manifest_opt_uint(p, rt, "memoryMB", 128, 4096, &f->memory_mb)))
        return -1;
    if (manifest_opt_uint(p, it, "timeoutSeconds", 1, 900, &f->timeout_s))
        return -1;
    p->handlers[m->n_functions++] = hn;
    return 0;
}

/* ================================================================ modules that run a function or an endpoint */

/* Exactly one of `function` and `endpoint`. */
static int target(manifest_parser_t *p, const yaml_t *it, const char **function, const char **endpoint)
{
    if (manifest_opt_str(p, it, "function", function) || manifest_opt_str(p, it, "endpoint", endpoint))
        return -1;
    if (*function && *endpoint)
        return manifest_fail(p, MANIFEST_ESCHEMA, it, "has both \"function\" and \"endpoint\"; use one");
    if (!*function && !*endpoint)
        return manifest_fail(p, MANIFEST_ESCHEMA, it, "missing required field \"function\"");
    return 0;
}

static int mod_webtrigger(manifest_parser_t *p, const yaml_t *it, const char *key)
{
    static const char *const formats[] = {"v1", "v2", NULL};
    static const char *const types[] = {"static", "dynamic", NULL};
    manifest_t *m = p->m;
    manifest_webtrigger_t *w = &m->webtriggers[m->n_webtriggers++];
    const yaml_t *v, *resp;
    *w = (manifest_webtrigger_t){.key = key, .response_type = "static", .line = it->line, .col = it->col};
    if (target(p, it, &w->function, &w->endpoint))
        return -1;
    if ((v = yaml_get(it, "urlFormat")) && manifest_want_enum(p, v, formats, &w->url_format))
        return -1;
    if (!(resp = yaml_get(it, "response")))
        return 0;
    if (manifest_want_map(p, resp) || manifest_req(p, resp, "type", &v) ||
        manifest_want_enum(p, v, types, &w->response_type))
        return -1;
    const yaml_t *outs = yaml_get(resp, "outputs");
    if (!strcmp(w->response_type, "dynamic")) {
        if (outs)
            return manifest_fail(p, MANIFEST_ESCHEMA, outs, "outputs are only allowed with response type static");
        return 0;
    }
    if (!outs)
        return manifest_fail(p, MANIFEST_ESCHEMA, resp, "missing required field \"outputs\"");
    if (manifest_want_seq(p, outs))
        return -1;
    if (outs->n > MAX_OUTPUTS)
        return manifest_fail(p, MANIFEST_ELIMIT, outs, "more than %u outputs", MAX_OUTPUTS);
    YAML_EACH(o, outs)
    {
        const char *s;
        const yaml_t *sc;
        if (manifest_want_map(p, o) || manifest_req_str(p, o, "key", &s, NULL) || manifest_req(p, o, "statusCode", &sc))
            return -1;
        if (sc->type != YAML_INT || sc->i < 100 || sc->i > 599)
            return manifest_fail(p, MANIFEST_ESCHEMA, sc, "expected an HTTP status code (100 to 599)");
        if ((v = yaml_get(o, "body")) && !is_str(v))
            return manifest_fail(p, MANIFEST_ESCHEMA, v, "expected a string, found %s", yaml_type_name(v));
        if (manifest_opt_str(p, o, "contentType", &s))
            return -1;
    }
    return manifest_node_json(p, outs, &w->outputs_json, NULL);
}

static int mod_trigger(manifest_parser_t *p, const yaml_t *it, const char *key)
{
    manifest_t *m = p->m;
    manifest_trigger_t *t = &m->triggers[m->n_triggers++];
    const yaml_t *ev, *flt, *pl;
    *t = (manifest_trigger_t){.key = key, .line = it->line, .col = it->col};
    if (target(p, it, &t->function, &t->endpoint) || manifest_req(p, it, "events", &ev) || manifest_want_seq(p, ev))
        return -1;
    if (ev->n == 0)
        return manifest_fail(p, MANIFEST_ESCHEMA, ev, "must not be empty");
    if (ev->n > MAX_EVENTS)
        return manifest_fail(p, MANIFEST_ELIMIT, ev, "more than %u events", MAX_EVENTS);
    if (!(t->events = manifest_calloc(p, ev->n * sizeof *t->events)))
        return -1;
    YAML_EACH(e, ev)
    {
        const char **out = &t->events[t->n_events++];
        if (e->type == YAML_MAP) { /* {eventType, filter, payload} */
            if (manifest_parse_event_item(p, e, out))
                return -1;
        } else if (manifest_want_str(p, e, out)) {
            return -1;
        }
    }
    if ((flt = yaml_get(it, "filter")) &&
        (manifest_parse_filter(p, flt) || manifest_node_json(p, flt, &t->filter_json, NULL)))
        return -1;
    if ((pl = yaml_get(it, "payload")) && manifest_parse_payload(p, pl))
        return -1;
    return 0;
}

static int mod_scheduled(manifest_parser_t *p, const yaml_t *it, const char *key)
{
    static const char *const intervals[] = {"fiveMinute", "hour", "day", "week", NULL};
    manifest_t *m = p->m;
    manifest_scheduled_t *s = &m->scheduled[m->n_scheduled++];
    const yaml_t *v;
    if (m->n_scheduled > MAX_SCHEDULED)
        return manifest_fail(p, MANIFEST_ELIMIT, it, "more than %u scheduledTrigger modules (Forge's limit per app)",
                             MAX_SCHEDULED);
    *s = (manifest_scheduled_t){.key = key, .line = it->line, .col = it->col};
    if (target(p, it, &s->function, &s->endpoint) || manifest_req(p, it, "interval", &v) ||
        manifest_want_enum(p, v, intervals, &s->interval))
        return -1;
    return 0;
}

static int mod_preuninstall(manifest_parser_t *p, const yaml_t *it, const char *key)
{
    manifest_t *m = p->m;
    manifest_preuninstall_t *u = &m->preuninstalls[m->n_preuninstalls++];
    *u = (manifest_preuninstall_t){.key = key, .line = it->line, .col = it->col};
    return target(p, it, &u->function, &u->endpoint);
}

/* @forge/manifest's consumer: queue, and one of function, resolver {function, method}
 * (a workflow resolver is not run by kiln) or endpoint. */
static int mod_consumer(manifest_parser_t *p, const yaml_t *it, const char *key)
{
    manifest_t *m = p->m;
    manifest_consumer_t *c = &m->consumers[m->n_consumers++];
    const yaml_t *qn, *res, *mn;
    *c = (manifest_consumer_t){.key = key, .line = it->line, .col = it->col};
    if (manifest_req_str(p, it, "queue", &c->queue, &qn) || manifest_want_key(p, qn, "queue", MAX_QUEUE))
        return -1;
    if ((res = yaml_get(it, "resolver"))) {
        if (yaml_get(it, "function") || yaml_get(it, "endpoint"))
            return manifest_fail(p, MANIFEST_ESCHEMA, res,
                                 "has \"resolver\" and \"function\" or \"endpoint\"; use one");
        if (manifest_want_map(p, res))
            return -1;
        if (yaml_get(res, "workflow"))
            return manifest_fail(p, MANIFEST_ESCHEMA, res, "a workflow resolver is not run by kiln; use a function");
        if (manifest_req_str(p, res, "function", &c->function, NULL) ||
            manifest_req_str(p, res, "method", &c->method, &mn) || manifest_want_key(p, mn, "method", MAX_METHOD))
            return -1;
        return 0;
    }
    return target(p, it, &c->function, &c->endpoint);
}

/* @forge/manifest's event: key, name, allowedRecipients (a list of app ARIs or "*"). */
static int mod_event(manifest_parser_t *p, const yaml_t *it, const char *key)
{
    manifest_t *m = p->m;
    manifest_event_t *e = &m->events[m->n_events++];
    const yaml_t *rec;
    *e = (manifest_event_t){.key = key, .line = it->line, .col = it->col};
    if (manifest_req_str(p, it, "name", &e->name, NULL) || manifest_req(p, it, "allowedRecipients", &rec) ||
        manifest_want_seq(p, rec))
        return -1;
    YAML_EACH(r, rec)
    {
        const char *s;
        if (manifest_want_str(p, r, &s))
            return -1;
    }
    return 0;
}

static int mod_endpoint(manifest_parser_t *p, const yaml_t *it, const char *key)
{
    manifest_t *m = p->m;
    manifest_endpoint_t *e = &m->endpoints[m->n_endpoints++];
    const yaml_t *route;
    *e = (manifest_endpoint_t){.key = key, .line = it->line, .col = it->col};
    if (manifest_req_str(p, it, "remote", &e->remote, NULL))
        return -1;
    if ((route = yaml_get(it, "route")) &&
        (manifest_want_map(p, route) || manifest_req_str(p, route, "path", &e->route_path, NULL)))
        return -1;
    return manifest_parse_auth(p, it, &e->auth_app_system_token, &e->auth_app_user_token);
}

/* ================================================================ the module table */

typedef struct modtype {
    const char *name;
    int (*parse)(manifest_parser_t *p, const yaml_t *item, const char *key);
    size_t off_items; /* where the array lives in manifest_t */
    size_t item_size;
} modtype_t;

#define MT(name, fn, arr)                                                                                              \
    {                                                                                                                  \
        name, fn, offsetof(manifest_t, arr), sizeof(*((manifest_t *)0)->arr)                                           \
    }
static const modtype_t modtypes[] = {
    MT("function", mod_function, functions),
    MT("webtrigger", mod_webtrigger, webtriggers),
    MT("trigger", mod_trigger, triggers),
    MT("scheduledTrigger", mod_scheduled, scheduled),
    MT("preUninstall", mod_preuninstall, preuninstalls),
    MT("endpoint", mod_endpoint, endpoints),
    MT("consumer", mod_consumer, consumers),
    MT("event", mod_event, events),
};
#undef MT

static const modtype_t *modtype(const char *name)
{
    for (size_t i = 0; i < sizeof modtypes / sizeof modtypes[0]; i++)
        if (!strcmp(modtypes[i].name, name))
            return &modtypes[i];
    return NULL;
}

/* connectModules (Connect descriptors carried into Forge): kiln runs none; each item is
 * a warning, whatever its shape, so that nothing is dropped without a word. */
static int warn_connect(manifest_parser_t *p)
{
    const yaml_t *cm = yaml_get(p->root, "connectModules");
    if (!cm)
        return 0;
    if (cm->type != YAML_MAP)
        return manifest_warn(p, cm, NULL, "Connect modules are not run by kiln");
    YAML_EACH(c, cm)
    {
        if (c->type != YAML_SEQ) {
            if (manifest_warn(p, c, NULL, "a Connect module; not run by kiln"))
                return -1;
            continue;
        }
        YAML_EACH(it, c)
        {
            const yaml_t *k = it->type == YAML_MAP ? yaml_get(it, "key") : NULL;
            if (manifest_warn(p, it, k && is_str(k) ? k->s : NULL, "a Connect module; not run by kiln"))
                return -1;
        }
    }
    return 0;
}

/* Two passes: the first checks each type's list and sizes the arrays, the second parses
 * the items in document order. */
int manifest_parse_modules(manifest_parser_t *p)
{
    manifest_t *m = p->m;
    const yaml_t *mods = yaml_get(p->root, "modules");
    const yaml_t **keys; /* every module's key node, for uniqueness */
    size_t total = 0, unsup = 0, ui = 0, n_keys = 0;
    if (!mods)
        return yaml_get(p->root, "connectModules")
                   ? warn_connect(p)
                   : manifest_fail(p, MANIFEST_ESCHEMA, p->root, "missing required field \"modules\"");
    if (manifest_want_map(p, mods))
        return -1;
    YAML_EACH(c, mods)
    {
        const modtype_t *t = modtype(c->key->s);
        if (manifest_want_seq(p, c))
            return -1;
        if (c->n > MANIFEST_MAX_MODULES)
            return manifest_fail(p, MANIFEST_ELIMIT, c, "more than %u modules of type \"%.*s\"", MANIFEST_MAX_MODULES,
                                 qlen(c->key->s), c->key->s);
        total += c->n;
        if (!t) {
            *(manifest_ui_type(c->key->s) ? &ui : &unsup) += c->n;
            continue;
        }
        void *arr = manifest_calloc(p, c->n * t->item_size);
        if (!arr)
            return -1;
        memcpy((char *)m + t->off_items, &arr, sizeof arr);
        if (!strcmp(t->name, "function") && !(p->handlers = manifest_calloc(p, c->n * sizeof *p->handlers)))
            return -1;
    }
    if (!(keys = manifest_calloc(p, total * sizeof *keys)) ||
        !(m->unsupported = manifest_calloc(p, unsup * sizeof *m->unsupported)) ||
        !(m->ui_modules = manifest_calloc(p, ui * sizeof *m->ui_modules)))
        return -1;
    YAML_EACH(c, mods)
    {
        const modtype_t *t = modtype(c->key->s);
        YAML_EACH(it, c)
        {
            const char *key;
            const yaml_t *kn;
            if (manifest_want_map(p, it) || manifest_req_str(p, it, "key", &key, &kn) ||
                manifest_want_key(p, kn, "module", MANIFEST_MAX_KEY))
                return -1;
            for (size_t i = 0; i < n_keys; i++) {
                if (!strcmp(keys[i]->s, key)) {
                    char first[256];
                    yaml_path(keys[i]->parent, first, sizeof first);
                    return manifest_fail(p, MANIFEST_ESCHEMA, kn, "module key \"%s\" is already used by %s", key,
                                         first);
                }
            }
            keys[n_keys++] = kn;
            if (t) {
                if (t->parse(p, it, key))
                    return -1;
                continue;
            }
            if (manifest_ui_type(c->key->s)) {
                if (manifest_parse_ui_module(p, c->key->s, it, key))
                    return -1;
                continue;
            }
            manifest_unsupported_t *u = &m->unsupported[m->n_unsupported++];
            *u = (manifest_unsupported_t){.type = c->key->s, .key = key, .line = it->line, .col = it->col};
            if (manifest_node_json(p, it, &u->json, NULL) || manifest_warn(p, it, key, "not run by kiln yet"))
                return -1;
        }
    }
    return warn_connect(p);
}

/* ================================================================ handler files */

int manifest_check_files(manifest_parser_t *p, const char *app_dir)
{
    static const char *const exts[] = {"ts", "tsx", "js", "jsx", "mjs", "cjs"};
    manifest_t *m = p->m;
    int rc = 0;
    char *root = realpath(app_dir, NULL);
    if (!root)
        return manifest_fail_at(p, MANIFEST_EFILE, 1, 1, NULL, "app directory \"%.*s\" does not exist", qlen(app_dir),
                                app_dir);
    size_t rlen = strlen(root);
    for (size_t i = 0; i < m->n_functions && rc == 0; i++) {
        manifest_function_t *f = &m->functions[i];
        const yaml_t *hn = p->handlers[i];
        for (size_t x = 0; x < sizeof exts / sizeof exts[0] && !f->resolved_path; x++) {
            struct stat st;
            char *rel = arena_printf(p->a, "src/%s.%s", f->file, exts[x]);
            char *full = rel ? arena_printf(p->a, "%s/%s", app_dir, rel) : NULL;
            if (!full) {
                rc = manifest_oom(p);
                break;
            }
            if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            char *real = realpath(full, NULL);
            int inside = real && !strncmp(real, root, rlen) && (real[rlen] == '/' || rlen == 1);
            free(real);
            if (!inside) {
                rc = manifest_fail(p, MANIFEST_EFILE, hn, "handler \"%.*s\": %s resolves outside the app directory",
                                   qlen(f->handler), f->handler, rel);
                break;
            }
            f->resolved_path = rel;
        }
        if (rc == 0 && !f->resolved_path)
            rc = manifest_fail(p, MANIFEST_EFILE, hn,
                               "no source file for handler \"%.*s\" (looked for src/%s.{ts,tsx,js,jsx,mjs,cjs})",
                               qlen(f->handler), f->handler, f->file);
    }
    free(root);
    return rc;
}
