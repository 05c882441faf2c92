/* Reading the manifest's YAML tree as the schema wants it (platform/manifest_int.h):
 * typed values, required and optional entries, enums and keys, each failing with the
 * one-line "file:line:col: path: problem"; and JSON copies of parts of the tree. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/enc.h"
#include "platform/manifest_int.h"

#define MAX_JSON (16u * 1024 * 1024) /* one JSON rendering of (part of) the manifest */

/* ================================================================ errors */

static int vfail_at(manifest_parser_t *p, int code, unsigned line, unsigned col, const yaml_t *where, const char *fmt,
                    va_list ap)
{
    manifest_err_t *e = p->err;
    if (e->code != MANIFEST_OK)
        return -1;
    char path[256], what[400];
    int w;
    yaml_path(where, path, sizeof path);
    vsnprintf(what, sizeof what, fmt, ap);
    if (path[0])
        w = snprintf(e->msg, sizeof e->msg, "%s:%u:%u: %s: %s", p->label, line, col, path, what);
    else
        w = snprintf(e->msg, sizeof e->msg, "%s:%u:%u: %s", p->label, line, col, what);
    if (w < 0)
        snprintf(e->msg, sizeof e->msg, "%s:%u:%u: invalid manifest", p->label, line, col);
    enc_utf8_printable(e->msg); /* also repairs a UTF-8 sequence cut by truncation */
    e->code = code;
    e->line = line;
    e->col = col;
    return -1;
}

int manifest_fail_at(manifest_parser_t *p, int code, unsigned line, unsigned col, const yaml_t *where, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(p, code, line, col, where, fmt, ap);
    va_end(ap);
    return -1;
}

int manifest_fail(manifest_parser_t *p, int code, const yaml_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(p, code, n->line, n->col, n, fmt, ap);
    va_end(ap);
    return -1;
}

int manifest_oom(manifest_parser_t *p)
{
    return manifest_fail_at(p, MANIFEST_ENOMEM, 1, 1, NULL, "out of memory (the arena's cap was reached)");
}

void *manifest_calloc(manifest_parser_t *p, size_t n)
{
    void *r = arena_calloc(p->a, n ? n : 1);
    if (!r)
        manifest_oom(p);
    return r;
}

/* ================================================================ warnings */

int manifest_warn(manifest_parser_t *p, const yaml_t *n, const char *key, const char *fmt, ...)
{
    manifest_t *m = p->m;
    if (m->n_warnings == p->warn_cap) {
        size_t cap = p->warn_cap ? 2 * p->warn_cap : 8;
        manifest_warning_t *w = manifest_calloc(p, cap * sizeof *w);
        if (!w)
            return -1;
        if (m->n_warnings)
            memcpy(w, m->warnings, m->n_warnings * sizeof *w);
        m->warnings = w;
        p->warn_cap = cap;
    }
    char path[256], what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    yaml_path(n, path, sizeof path);
    enc_utf8_printable(path);
    enc_utf8_printable(what);
    manifest_warning_t *w = &m->warnings[m->n_warnings];
    *w = (manifest_warning_t){.path = arena_strdup(p->a, path),
                              .key = key,
                              .message = arena_strdup(p->a, what),
                              .line = n->line,
                              .col = n->col};
    if (!w->path || !w->message)
        return manifest_oom(p);
    m->n_warnings++;
    return 0;
}

void manifest_warning_format(const manifest_warning_t *w, const char *file_label, char *out, size_t cap)
{
    int n;
    if (w->key)
        n = snprintf(out, cap, "%s:%u:%u: %s (key %s): %s", file_label, w->line, w->col, w->path, w->key, w->message);
    else
        n = snprintf(out, cap, "%s:%u:%u: %s: %s", file_label, w->line, w->col, w->path, w->message);
    if (n < 0)
        snprintf(out, cap, "%s:%u:%u: warning", file_label, w->line, w->col);
    enc_utf8_printable(out);
}

/* ================================================================ JSON renderings */

static int dump_cb(const char *b, size_t n, void *data)
{
    return buf_add(data, b, n);
}

const char *manifest_dump(manifest_parser_t *p, const json_t *j, size_t flags, size_t *len)
{
    buf_t b;
    buf_init_arena(&b, p->a, MAX_JSON);
    if (json_dump_callback(j, dump_cb, &b, flags | JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
        manifest_oom(p);
        return NULL;
    }
    if (len)
        *len = b.len;
    if (!b.ptr && !(b.ptr = arena_strdup(p->a, "")))
        manifest_oom(p);
    return b.ptr;
}

int manifest_node_json(manifest_parser_t *p, const yaml_t *n, const char **out, size_t *len)
{
    json_t *j = yaml_to_json(n);
    if (!j)
        return manifest_oom(p);
    *out = manifest_dump(p, j, 0, len);
    json_decref(j);
    return *out ? 0 : -1;
}

/* ================================================================ typed access */

int manifest_want_map(manifest_parser_t *p, const yaml_t *n)
{
    return n->type == YAML_MAP
               ? 0
               : manifest_fail(p, MANIFEST_ESCHEMA, n, "expected a mapping, found %s", yaml_type_name(n));
}

int manifest_want_seq(manifest_parser_t *p, const yaml_t *n)
{
    return n->type == YAML_SEQ
               ? 0
               : manifest_fail(p, MANIFEST_ESCHEMA, n, "expected a sequence, found %s", yaml_type_name(n));
}

int manifest_want_str(manifest_parser_t *p, const yaml_t *n, const char **out)
{
    if (!is_str(n))
        return manifest_fail(p, MANIFEST_ESCHEMA, n, "expected a string, found %s", yaml_type_name(n));
    if (memchr(n->s, '\0', n->len))
        return manifest_fail(p, MANIFEST_ESCHEMA, n, "contains a NUL byte");
    if (n->len == 0)
        return manifest_fail(p, MANIFEST_ESCHEMA, n, "must not be empty");
    *out = n->s;
    return 0;
}

int manifest_req(manifest_parser_t *p, const yaml_t *map, const char *key, const yaml_t **out)
{
    *out = yaml_get(map, key);
    return *out ? 0 : manifest_fail(p, MANIFEST_ESCHEMA, map, "missing required field \"%s\"", key);
}

int manifest_req_str(manifest_parser_t *p, const yaml_t *map, const char *key, const char **out, const yaml_t **vn)
{
    const yaml_t *v;
    if (manifest_req(p, map, key, &v) || manifest_want_str(p, v, out))
        return -1;
    if (vn)
        *vn = v;
    return 0;
}

int manifest_opt_str(manifest_parser_t *p, const yaml_t *map, const char *key, const char **out)
{
    const yaml_t *v = yaml_get(map, key);
    *out = NULL;
    return v ? manifest_want_str(p, v, out) : 0;
}

int manifest_want_bool(manifest_parser_t *p, const yaml_t *n, int *out)
{
    if (n->type != YAML_BOOL)
        return manifest_fail(p, MANIFEST_ESCHEMA, n, "expected a boolean, found %s", yaml_type_name(n));
    *out = (int)n->i;
    return 0;
}

int manifest_opt_uint(manifest_parser_t *p, const yaml_t *map, const char *key, unsigned lo, unsigned hi, unsigned *out)
{
    const yaml_t *v = yaml_get(map, key);
    *out = 0;
    if (!v)
        return 0;
    if (v->type != YAML_INT && v->type != YAML_REAL)
        return manifest_fail(p, MANIFEST_ESCHEMA, v, "expected an integer, found %s", yaml_type_name(v));
    double d = v->type == YAML_INT ? (double)v->i : v->r;
    if (d < lo || d > hi || d != (double)(unsigned)d)
        return manifest_fail(p, MANIFEST_ESCHEMA, v, "must be an integer from %u to %u, found %.*s", lo, hi, qlen(v->s),
                             v->s);
    *out = (unsigned)d;
    return 0;
}

int manifest_want_enum(manifest_parser_t *p, const yaml_t *n, const char *const *words, const char **out)
{
    if (manifest_want_str(p, n, out))
        return -1;
    if (one_of(*out, words))
        return 0;
    char list[256];
    size_t o = 0;
    list[0] = '\0';
    for (size_t i = 0; words[i] && o < sizeof list; i++) {
        int w = snprintf(list + o, sizeof list - o, "%s%s", i ? (words[i + 1] ? ", " : " or ") : "", words[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return manifest_fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" is not one of %s", qlen(*out), *out, list);
}

/* ^[a-zA-Z0-9_-]+$, at most max bytes. */
static int key_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int manifest_want_key(manifest_parser_t *p, const yaml_t *n, const char *what, size_t max)
{
    if (key_ok(n->s, max))
        return 0;
    return manifest_fail(p, MANIFEST_ESCHEMA, n,
                         "invalid %s key \"%.*s\": use letters, digits, '_' and '-' (at most %zu)", what, qlen(n->s),
                         n->s, max);
}
