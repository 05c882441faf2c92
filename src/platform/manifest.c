#include "platform/manifest.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "auth/scopes.h"
#include "base/buf.h"

#define MAX_JSON (16u * 1024 * 1024) /* one JSON rendering of (part of) the manifest */
#define MAX_QUOTE 100                /* bytes of a user value quoted in a message */
#define MAX_EVENTS 100u              /* events of one trigger */
#define MAX_OUTPUTS 20u              /* webtrigger response.outputs (Forge's limit) */

/* ================================================================ the node tree
 * libyaml's events are turned into a small tree in the arena, so that validation can look
 * keys up in any order and every node keeps its position and its path. */

enum { N_SCALAR, N_SEQ, N_MAP };
enum { S_STR, S_INT, S_REAL, S_BOOL, S_NULL };

typedef struct node node_t;
struct node {
    unsigned char kind, stype, is_key;
    const char *s; /* scalar text, NUL-terminated copy */
    size_t len;
    long long i;
    double r;
    unsigned line, col;
    unsigned hash; /* a key's FNV-1a, so duplicate checks rarely compare bytes */
    node_t *parent;
    node_t *key;  /* a mapping's value: its key node */
    size_t index; /* a sequence's item: its index */
    node_t *first, *last, *next;
    size_t n;
};

typedef struct mp {
    arena_t *a;
    const char *label;
    const char *text;
    size_t len;
    manifest_err_t *err;
    manifest_t *m;
    size_t nodes;
    node_t *root;
    const node_t **mod_keys; /* every module's key node, for uniqueness */
    size_t n_mod_keys;
    const node_t **handlers; /* handler node of m->functions[i] */
    json_t *ext_major;       /* external kind -> array of canonical entries */
} mp_t;

#define EACH(c, n) for (node_t *c = (n)->first; c; c = c->next)

static int qlen(const char *s)
{
    size_t n = strlen(s);
    return n > MAX_QUOTE ? MAX_QUOTE : (int)n;
}

/* ================================================================ errors */

/* Makes the message printable UTF-8 on one line: control bytes and broken sequences
 * (a cut at the end of the buffer included) become '?'. */
static void sanitize(char *s)
{
    unsigned char *u = (unsigned char *)s;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        unsigned c = u[i];
        size_t w = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = w > 0 && i + w <= n && !(w == 1 && (c < 0x20 || c == 0x7f));
        for (size_t k = 1; ok && k < w; k++)
            ok = (u[i + k] & 0xC0) == 0x80;
        if (!ok) {
            u[i++] = '?';
            continue;
        }
        i += w;
    }
}

/* "modules.function[0].handler"; a key node gives its mapping's path. */
static void path_of(const node_t *n, char *buf, size_t cap)
{
    const node_t *chain[MANIFEST_MAX_DEPTH + 4];
    size_t k = 0, o = 0;
    buf[0] = '\0';
    if (n && n->is_key)
        n = n->parent;
    for (; n && n->parent && k < sizeof chain / sizeof chain[0]; n = n->parent)
        chain[k++] = n;
    while (k-- > 0 && o < cap) {
        const node_t *c = chain[k];
        int w;
        if (c->parent->kind == N_MAP)
            w = snprintf(buf + o, cap - o, "%s%.*s", o ? "." : "", qlen(c->key->s), c->key->s);
        else
            w = snprintf(buf + o, cap - o, "[%zu]", c->index);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

static int vfail_at(mp_t *p, int code, unsigned line, unsigned col, const node_t *where, const char *fmt, va_list ap)
{
    manifest_err_t *e = p->err;
    if (e->code != MANIFEST_OK)
        return -1;
    char path[256], what[400];
    int w;
    path_of(where, path, sizeof path);
    vsnprintf(what, sizeof what, fmt, ap);
    if (path[0])
        w = snprintf(e->msg, sizeof e->msg, "%s:%u:%u: %s: %s", p->label, line, col, path, what);
    else
        w = snprintf(e->msg, sizeof e->msg, "%s:%u:%u: %s", p->label, line, col, what);
    if (w < 0)
        snprintf(e->msg, sizeof e->msg, "%s:%u:%u: invalid manifest", p->label, line, col);
    sanitize(e->msg); /* also repairs a UTF-8 sequence cut by truncation */
    e->code = code;
    e->line = line;
    e->col = col;
    return -1;
}

/* Fails at a position; `where` (or NULL) gives the path. Always returns -1. */
static int fail_at(mp_t *p, int code, unsigned line, unsigned col, const node_t *where, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static int fail_at(mp_t *p, int code, unsigned line, unsigned col, const node_t *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(p, code, line, col, where, fmt, ap);
    va_end(ap);
    return -1;
}

/* Fails at node n's position and path. */
static int fail(mp_t *p, int code, const node_t *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(mp_t *p, int code, const node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(p, code, n->line, n->col, n, fmt, ap);
    va_end(ap);
    return -1;
}

static int oom(mp_t *p)
{
    return fail_at(p, MANIFEST_ENOMEM, 1, 1, NULL, "out of memory (the arena's cap was reached)");
}

static void *pcalloc(mp_t *p, size_t n)
{
    void *r = arena_calloc(p->a, n ? n : 1);
    if (!r)
        oom(p);
    return r;
}

/* ================================================================ scalars: YAML 1.2 core schema */

static int is_digits(const char *s, const char *e, int (*ok)(int))
{
    if (s == e)
        return 0;
    for (; s < e; s++)
        if (!ok((unsigned char)*s))
            return 0;
    return 1;
}

static int dec(int c)
{
    return c >= '0' && c <= '9';
}
static int oct(int c)
{
    return c >= '0' && c <= '7';
}
static int hex(int c)
{
    return dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_float(const char *s, const char *e)
{
    if (s < e && (*s == '-' || *s == '+'))
        s++;
    const char *d = s;
    while (s < e && dec((unsigned char)*s))
        s++;
    size_t ip = (size_t)(s - d), fp = 0;
    if (s < e && *s == '.') {
        s++;
        const char *f = s;
        while (s < e && dec((unsigned char)*s))
            s++;
        fp = (size_t)(s - f);
    }
    if (ip == 0 && fp == 0)
        return 0;
    if (s < e && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < e && (*s == '-' || *s == '+'))
            s++;
        if (!is_digits(s, e, dec))
            return 0;
        s = e;
    }
    return s == e;
}

static int one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (!strcmp(s, *words))
            return 1;
    return 0;
}

/* Types a plain scalar. .inf/.nan stay strings: JSON has no such numbers. */
static void resolve_plain(node_t *n)
{
    static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    const char *s = n->s, *e = n->s + n->len;
    n->stype = S_STR;
    if (n->len == 0 || one_of(s, nulls)) {
        n->stype = S_NULL;
    } else if (one_of(s, trues) || one_of(s, falses)) {
        n->stype = S_BOOL;
        n->i = one_of(s, trues);
    } else if (n->len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        int base = s[1] == 'x' ? 16 : 8;
        if (is_digits(s + 2, e, base == 16 ? hex : oct)) {
            unsigned long long v = strtoull(s + 2, NULL, base);
            if (v <= (unsigned long long)LLONG_MAX && n->len < 24) {
                n->stype = S_INT;
                n->i = (long long)v;
            }
        }
    } else if (is_digits(s + (*s == '-' || *s == '+'), e, dec)) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno == 0) {
            n->stype = S_INT;
            n->i = v;
        } else {
            n->stype = S_REAL;
            n->r = strtod(s, NULL);
        }
    } else if (is_float(s, e)) {
        n->r = strtod(s, NULL);
        n->stype = S_REAL;
    }
}

/* ================================================================ YAML events -> tree */

typedef struct frame {
    node_t *n;
    node_t *key; /* a mapping's key waiting for its value */
} frame_t;

static void pos_from_offset(const mp_t *p, size_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    for (size_t i = 0; i < off && i < p->len; i++) {
        unsigned char ch = (unsigned char)p->text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int yaml_fail(mp_t *p, const yaml_parser_t *y)
{
    if (y->error == YAML_MEMORY_ERROR)
        return oom(p);
    const char *problem = y->problem ? y->problem : "malformed input";
    if (y->error == YAML_READER_ERROR) {
        unsigned line, col;
        pos_from_offset(p, y->problem_offset, &line, &col);
        return fail_at(p, MANIFEST_ESYNTAX, line, col, NULL, "invalid YAML: %s", problem);
    }
    unsigned line = (unsigned)y->problem_mark.line + 1, col = (unsigned)y->problem_mark.column + 1;
    if (y->context)
        return fail_at(p, MANIFEST_ESYNTAX, line, col, NULL, "invalid YAML: %s (%s)", problem, y->context);
    return fail_at(p, MANIFEST_ESYNTAX, line, col, NULL, "invalid YAML: %s", problem);
}

/* Links n under the innermost open collection (or makes it the root). */
static int attach(mp_t *p, frame_t *stack, size_t depth, node_t *n)
{
    if (depth == 0) {
        p->root = n;
        return 0;
    }
    frame_t *f = &stack[depth - 1];
    node_t *parent = f->n;
    n->parent = parent;
    if (parent->kind == N_MAP && !f->key) {
        n->is_key = 1;
        if (n->kind != N_SCALAR)
            return fail(p, MANIFEST_ESYNTAX, n, "mapping keys must be scalars");
        n->hash = 2166136261u;
        for (size_t i = 0; i < n->len; i++)
            n->hash = (n->hash ^ (unsigned char)n->s[i]) * 16777619u;
        EACH(c, parent)
        {
            if (c->key->hash == n->hash && c->key->len == n->len && !memcmp(c->key->s, n->s, n->len))
                return fail(p, MANIFEST_ESYNTAX, n, "duplicate key \"%.*s\"", qlen(n->s), n->s);
        }
        f->key = n;
        return 0;
    }
    if (parent->kind == N_MAP) {
        n->key = f->key;
        f->key = NULL;
    } else {
        n->index = parent->n;
    }
    if (parent->last)
        parent->last->next = n;
    else
        parent->first = n;
    parent->last = n;
    parent->n++;
    return 0;
}

static int tag_ok(const char *tag, int kind)
{
    if (!tag)
        return 1;
    if (kind == N_SCALAR)
        return !strcmp(tag, "!") || !strcmp(tag, YAML_STR_TAG);
    return !strcmp(tag, kind == N_MAP ? YAML_MAP_TAG : YAML_SEQ_TAG);
}

/* One node event: make the node, link it, then apply the limits. */
static int on_node(mp_t *p, frame_t *stack, size_t *depth, const yaml_event_t *ev)
{
    if (++p->nodes > MANIFEST_MAX_NODES)
        return fail_at(p, MANIFEST_ELIMIT, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
                       *depth ? stack[*depth - 1].n : NULL, "more than %u YAML nodes", MANIFEST_MAX_NODES);
    node_t *n = pcalloc(p, sizeof *n);
    if (!n)
        return -1;
    n->line = (unsigned)ev->start_mark.line + 1;
    n->col = (unsigned)ev->start_mark.column + 1;
    const char *anchor = NULL, *tag = NULL;
    size_t slen = 0;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n->kind = N_SCALAR;
        slen = ev->data.scalar.length;
        n->len = slen > MANIFEST_MAX_STRING ? 0 : slen; /* an over-long one only lives to be reported */
        n->s = arena_strndup(p->a, (const char *)ev->data.scalar.value, n->len);
        if (!n->s)
            return oom(p);
        anchor = (const char *)ev->data.scalar.anchor;
        tag = (const char *)ev->data.scalar.tag;
        if (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && slen <= MANIFEST_MAX_STRING)
            resolve_plain(n);
        break;
    case YAML_SEQUENCE_START_EVENT:
        n->kind = N_SEQ;
        anchor = (const char *)ev->data.sequence_start.anchor;
        tag = (const char *)ev->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        n->kind = N_MAP;
        anchor = (const char *)ev->data.mapping_start.anchor;
        tag = (const char *)ev->data.mapping_start.tag;
        break;
    default: /* YAML_ALIAS_EVENT */
        n->kind = N_SCALAR;
        n->stype = S_NULL;
        n->s = "";
        break;
    }
    if (attach(p, stack, *depth, n))
        return -1;
    if (ev->type == YAML_ALIAS_EVENT)
        return fail(p, MANIFEST_ESYNTAX, n, "aliases are not supported");
    if (anchor)
        return fail(p, MANIFEST_ESYNTAX, n, "anchors are not supported");
    if (!tag_ok(tag, n->kind))
        return fail(p, MANIFEST_ESYNTAX, n, "tags are not supported");
    if (slen > MANIFEST_MAX_STRING)
        return fail(p, MANIFEST_ELIMIT, n, "string is %zu bytes; the limit is %u", slen, MANIFEST_MAX_STRING);
    /* A "\0" escape: every value of a manifest ends up read as a C string somewhere (here,
     * or from its canonical JSON by the runtime), which would cut it. Keys included. */
    if (n->kind == N_SCALAR && memchr(n->s, '\0', n->len))
        return fail(p, MANIFEST_ESCHEMA, n, "contains a NUL byte");
    if (n->kind != N_SCALAR) {
        if (*depth >= MANIFEST_MAX_DEPTH)
            return fail(p, MANIFEST_ELIMIT, n, "nesting deeper than %u levels", MANIFEST_MAX_DEPTH);
        stack[(*depth)++] = (frame_t){n, NULL};
    }
    return 0;
}

static int build_tree(mp_t *p)
{
    yaml_parser_t y;
    yaml_event_t ev;
    frame_t stack[MANIFEST_MAX_DEPTH];
    size_t depth = 0;
    int docs = 0, rc = -1, done = 0;
    if (!yaml_parser_initialize(&y))
        return oom(p);
    yaml_parser_set_input_string(&y, (const unsigned char *)p->text, p->len);
    while (!done) {
        if (!yaml_parser_parse(&y, &ev)) {
            yaml_fail(p, &y);
            goto out;
        }
        int bad = 0;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (docs++)
                bad = fail_at(p, MANIFEST_ESYNTAX, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
                              NULL, "multiple documents are not supported");
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: bad = on_node(p, stack, &depth, &ev); break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0)
                depth--;
            break;
        case YAML_STREAM_END_EVENT: done = 1; break;
        default: break;
        }
        yaml_event_delete(&ev);
        if (bad)
            goto out;
    }
    rc = 0;
out:
    yaml_parser_delete(&y);
    return rc;
}

/* ================================================================ JSON renderings */

static json_t *to_json(const node_t *n)
{
    if (n->kind == N_MAP) {
        json_t *o = json_object();
        EACH(c, n)
        {
            json_t *v = to_json(c);
            if (!v || json_object_setn_new(o, c->key->s, c->key->len, v)) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    if (n->kind == N_SEQ) {
        json_t *arr = json_array();
        EACH(c, n)
        {
            json_t *v = to_json(c);
            if (!v || json_array_append_new(arr, v)) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    switch (n->stype) {
    case S_STR: return json_stringn(n->s, n->len);
    case S_INT: return json_integer(n->i);
    case S_REAL: return json_real(n->r);
    case S_BOOL: return json_boolean(n->i);
    default: return json_null();
    }
}

static int dump_cb(const char *b, size_t n, void *data)
{
    return buf_add(data, b, n);
}

/* Compact JSON of j in the arena; NULL (error set) when it does not fit. */
static const char *dump(mp_t *p, const json_t *j, size_t flags, size_t *len)
{
    buf_t b;
    buf_init_arena(&b, p->a, MAX_JSON);
    if (json_dump_callback(j, dump_cb, &b, flags | JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
        oom(p);
        return NULL;
    }
    if (len)
        *len = b.len;
    if (!b.ptr && !(b.ptr = arena_strdup(p->a, "")))
        oom(p);
    return b.ptr;
}

static int node_json(mp_t *p, const node_t *n, const char **out, size_t *len)
{
    json_t *j = to_json(n);
    if (!j)
        return oom(p);
    *out = dump(p, j, 0, len);
    json_decref(j);
    return *out ? 0 : -1;
}

/* ================================================================ typed access */

static node_t *get(const node_t *map, const char *key)
{
    size_t n = strlen(key);
    if (!map || map->kind != N_MAP)
        return NULL;
    EACH(c, map)
    {
        if (c->key->len == n && !memcmp(c->key->s, key, n))
            return c;
    }
    return NULL;
}

static const char *kind_name(const node_t *n)
{
    if (n->kind == N_MAP)
        return "a mapping";
    if (n->kind == N_SEQ)
        return "a sequence";
    switch (n->stype) {
    case S_STR: return "a string";
    case S_INT: return "an integer";
    case S_REAL: return "a number";
    case S_BOOL: return "a boolean";
    default: return "null";
    }
}

static int want_map(mp_t *p, const node_t *n)
{
    return n->kind == N_MAP ? 0 : fail(p, MANIFEST_ESCHEMA, n, "expected a mapping, found %s", kind_name(n));
}

static int want_seq(mp_t *p, const node_t *n)
{
    return n->kind == N_SEQ ? 0 : fail(p, MANIFEST_ESCHEMA, n, "expected a sequence, found %s", kind_name(n));
}

static int is_str(const node_t *n)
{
    return n->kind == N_SCALAR && n->stype == S_STR;
}

/* A non-empty string without NUL bytes. */
static int want_str(mp_t *p, const node_t *n, const char **out)
{
    if (!is_str(n))
        return fail(p, MANIFEST_ESCHEMA, n, "expected a string, found %s", kind_name(n));
    if (memchr(n->s, '\0', n->len))
        return fail(p, MANIFEST_ESCHEMA, n, "contains a NUL byte");
    if (n->len == 0)
        return fail(p, MANIFEST_ESCHEMA, n, "must not be empty");
    *out = n->s;
    return 0;
}

static int req(mp_t *p, const node_t *map, const char *key, node_t **out)
{
    *out = get(map, key);
    return *out ? 0 : fail(p, MANIFEST_ESCHEMA, map, "missing required field \"%s\"", key);
}

static int req_str(mp_t *p, const node_t *map, const char *key, const char **out, node_t **vn)
{
    node_t *v;
    if (req(p, map, key, &v) || want_str(p, v, out))
        return -1;
    if (vn)
        *vn = v;
    return 0;
}

static int opt_str(mp_t *p, const node_t *map, const char *key, const char **out)
{
    node_t *v = get(map, key);
    *out = NULL;
    return v ? want_str(p, v, out) : 0;
}

static int want_bool(mp_t *p, const node_t *n, int *out)
{
    if (n->kind != N_SCALAR || n->stype != S_BOOL)
        return fail(p, MANIFEST_ESCHEMA, n, "expected a boolean, found %s", kind_name(n));
    *out = (int)n->i;
    return 0;
}

static int opt_uint(mp_t *p, const node_t *map, const char *key, unsigned lo, unsigned hi, unsigned *out)
{
    node_t *v = get(map, key);
    *out = 0;
    if (!v)
        return 0;
    if (v->kind != N_SCALAR || (v->stype != S_INT && v->stype != S_REAL))
        return fail(p, MANIFEST_ESCHEMA, v, "expected an integer, found %s", kind_name(v));
    double d = v->stype == S_INT ? (double)v->i : v->r;
    if (d < lo || d > hi || d != (double)(unsigned)d)
        return fail(p, MANIFEST_ESCHEMA, v, "must be an integer from %u to %u, found %.*s", lo, hi, qlen(v->s), v->s);
    *out = (unsigned)d;
    return 0;
}

/* A string from `words` (a NULL-terminated list). */
static int want_enum(mp_t *p, const node_t *n, const char *const *words, const char **out)
{
    if (want_str(p, n, out))
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
    return fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" is not one of %s", qlen(*out), *out, list);
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

static int want_key(mp_t *p, const node_t *n, const char *what, size_t max)
{
    if (key_ok(n->s, max))
        return 0;
    return fail(p, MANIFEST_ESCHEMA, n, "invalid %s key \"%.*s\": use letters, digits, '_' and '-' (at most %zu)", what,
                qlen(n->s), n->s, max);
}

static int no_ws(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* auth: {appSystemToken: {enabled: bool}, appUserToken: {enabled: bool}} */
static int parse_auth(mp_t *p, const node_t *owner, int *sys, int *user)
{
    node_t *auth = get(owner, "auth");
    *sys = *user = 0;
    if (!auth)
        return 0;
    if (want_map(p, auth))
        return -1;
    const char *names[] = {"appSystemToken", "appUserToken"};
    int *outs[] = {sys, user};
    for (int i = 0; i < 2; i++) {
        node_t *t = get(auth, names[i]), *en;
        if (t && (want_map(p, t) || req(p, t, "enabled", &en) || want_bool(p, en, outs[i])))
            return -1;
    }
    return 0;
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
        } else if (!hex((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static int parse_app(mp_t *p)
{
    static const char *const runtimes[] = {"nodejs20.x", "nodejs22.x", "nodejs24.x", NULL};
    static const char prefix[] = "ari:cloud:ecosystem::app/";
    manifest_t *m = p->m;
    node_t *app, *rt, *v;
    if (req(p, p->root, "app", &app) || want_map(p, app))
        return -1;
    if ((v = get(app, "id"))) {
        if (want_str(p, v, &m->app_id))
            return -1;
        if (strncmp(m->app_id, prefix, sizeof prefix - 1) || !uuid_ok(m->app_id + sizeof prefix - 1))
            return fail(p, MANIFEST_ESCHEMA, v, "\"%.*s\" is not an app id (ari:cloud:ecosystem::app/<uuid>)",
                        qlen(m->app_id), m->app_id);
    } else if (m->allow_missing_id != 1) {
        return fail(p, MANIFEST_ESCHEMA, app, "missing required field \"id\"");
    }
    if (req(p, app, "runtime", &rt) || want_map(p, rt) || req(p, rt, "name", &v) ||
        want_enum(p, v, runtimes, &m->runtime_name) || opt_uint(p, rt, "memoryMB", 128, 4096, &m->app_memory_mb))
        return -1;
    if ((v = get(app, "storage"))) {
        node_t *ent;
        if (want_map(p, v))
            return -1;
        if ((ent = get(v, "entities")) && (want_seq(p, ent) || node_json(p, ent, &m->storage_entities_json, NULL)))
            return -1;
    }
    return node_json(p, app, &m->app_json, NULL);
}

/* ================================================================ modules */

/* Forge's rule, ASCII plus any UTF-8 letter: <file>.<export>, file = seg(/seg)*, where a
 * segment and the export are [letters digits _ -]+. The escape checks come first so that
 * the message says why. */
static int split_handler(mp_t *p, const node_t *hn, manifest_function_t *f)
{
    const char *h = f->handler;
    if (strchr(h, '\\'))
        return fail(p, MANIFEST_EFILE, hn, "handler \"%.*s\" must not contain a backslash", qlen(h), h);
    if (h[0] == '/')
        return fail(p, MANIFEST_EFILE, hn, "handler \"%.*s\" must be relative to src/, not absolute", qlen(h), h);
    if (strstr(h, ".."))
        return fail(p, MANIFEST_EFILE, hn, "handler \"%.*s\" escapes the app directory", qlen(h), h);
    const char *dot = strrchr(h, '.');
    int ok = dot && dot > h && dot[1] && dot[-1] != '/';
    for (const char *c = h; ok && *c; c++) {
        unsigned char u = (unsigned char)*c;
        int word = u >= 0x80 || dec(u) || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == '-';
        if (c == dot)
            continue;
        if (u == '/')
            ok = c < dot && c > h && c[-1] != '/';
        else
            ok = word;
    }
    if (!ok)
        return fail(p, MANIFEST_ESCHEMA, hn, "handler \"%.*s\" must be <file>.<function> (for example index.run)",
                    qlen(h), h);
    f->file = arena_strndup(p->a, h, (size_t)(dot - h));
    f->export = dot + 1;
    return f->file ? 0 : oom(p);
}

static int mod_function(mp_t *p, node_t *it, const char *key)
{
    manifest_t *m = p->m;
    manifest_function_t *f = &m->functions[m->n_functions];
    node_t *hn, *rt;
    *f = (manifest_function_t){.key = key, .line = it->line, .col = it->col};
    if (req_str(p, it, "handler", &f->handler, &hn) || split_handler(p, hn, f))
        return -1;
    if ((rt = get(it, "runtime")) && (want_map(p, rt) || opt_uint(p, rt, "memoryMB", 128, 4096, &f->memory_mb)))
        return -1;
    if (opt_uint(p, it, "timeoutSeconds", 1, 900, &f->timeout_s))
        return -1;
    p->handlers[m->n_functions++] = hn;
    return 0;
}

/* Exactly one of `function` and `endpoint`. */
static int target(mp_t *p, const node_t *it, const char **function, const char **endpoint)
{
    if (opt_str(p, it, "function", function) || opt_str(p, it, "endpoint", endpoint))
        return -1;
    if (*function && *endpoint)
        return fail(p, MANIFEST_ESCHEMA, it, "has both \"function\" and \"endpoint\"; use one");
    if (!*function && !*endpoint)
        return fail(p, MANIFEST_ESCHEMA, it, "missing required field \"function\"");
    return 0;
}

static int mod_webtrigger(mp_t *p, node_t *it, const char *key)
{
    static const char *const formats[] = {"v1", "v2", NULL};
    static const char *const types[] = {"static", "dynamic", NULL};
    manifest_t *m = p->m;
    manifest_webtrigger_t *w = &m->webtriggers[m->n_webtriggers++];
    node_t *v, *resp;
    *w = (manifest_webtrigger_t){.key = key, .response_type = "static", .line = it->line, .col = it->col};
    if (target(p, it, &w->function, &w->endpoint))
        return -1;
    if ((v = get(it, "urlFormat")) && want_enum(p, v, formats, &w->url_format))
        return -1;
    if (!(resp = get(it, "response")))
        return 0;
    if (want_map(p, resp) || req(p, resp, "type", &v) || want_enum(p, v, types, &w->response_type))
        return -1;
    node_t *outs = get(resp, "outputs");
    if (!strcmp(w->response_type, "dynamic")) {
        if (outs)
            return fail(p, MANIFEST_ESCHEMA, outs, "outputs are only allowed with response type static");
        return 0;
    }
    if (!outs)
        return fail(p, MANIFEST_ESCHEMA, resp, "missing required field \"outputs\"");
    if (want_seq(p, outs))
        return -1;
    if (outs->n > MAX_OUTPUTS)
        return fail(p, MANIFEST_ELIMIT, outs, "more than %u outputs", MAX_OUTPUTS);
    EACH(o, outs)
    {
        const char *s;
        node_t *sc;
        if (want_map(p, o) || req_str(p, o, "key", &s, NULL) || req(p, o, "statusCode", &sc))
            return -1;
        if (sc->kind != N_SCALAR || sc->stype != S_INT || sc->i < 100 || sc->i > 599)
            return fail(p, MANIFEST_ESCHEMA, sc, "expected an HTTP status code (100 to 599)");
        if ((v = get(o, "body")) && !is_str(v))
            return fail(p, MANIFEST_ESCHEMA, v, "expected a string, found %s", kind_name(v));
        if (opt_str(p, o, "contentType", &s))
            return -1;
    }
    return node_json(p, outs, &w->outputs_json, NULL);
}

static int mod_trigger(mp_t *p, node_t *it, const char *key)
{
    manifest_t *m = p->m;
    manifest_trigger_t *t = &m->triggers[m->n_triggers++];
    node_t *ev, *flt;
    *t = (manifest_trigger_t){.key = key, .line = it->line, .col = it->col};
    if (target(p, it, &t->function, &t->endpoint) || req(p, it, "events", &ev) || want_seq(p, ev))
        return -1;
    if (ev->n == 0)
        return fail(p, MANIFEST_ESCHEMA, ev, "must not be empty");
    if (ev->n > MAX_EVENTS)
        return fail(p, MANIFEST_ELIMIT, ev, "more than %u events", MAX_EVENTS);
    if (!(t->events = pcalloc(p, ev->n * sizeof *t->events)))
        return -1;
    EACH(e, ev)
    {
        const char **out = &t->events[t->n_events++];
        if (e->kind == N_MAP) { /* {eventType, filter, payload} */
            if (req_str(p, e, "eventType", out, NULL))
                return -1;
        } else if (want_str(p, e, out)) {
            return -1;
        }
    }
    if ((flt = get(it, "filter")) && (want_map(p, flt) || node_json(p, flt, &t->filter_json, NULL)))
        return -1;
    return 0;
}

static int mod_scheduled(mp_t *p, node_t *it, const char *key)
{
    static const char *const intervals[] = {"fiveMinute", "hour", "day", "week", NULL};
    manifest_t *m = p->m;
    manifest_scheduled_t *s = &m->scheduled[m->n_scheduled++];
    node_t *v;
    *s = (manifest_scheduled_t){.key = key, .line = it->line, .col = it->col};
    if (target(p, it, &s->function, &s->endpoint) || req(p, it, "interval", &v) ||
        want_enum(p, v, intervals, &s->interval))
        return -1;
    return 0;
}

static int mod_endpoint(mp_t *p, node_t *it, const char *key)
{
    manifest_t *m = p->m;
    manifest_endpoint_t *e = &m->endpoints[m->n_endpoints++];
    node_t *route;
    *e = (manifest_endpoint_t){.key = key, .line = it->line, .col = it->col};
    if (req_str(p, it, "remote", &e->remote, NULL))
        return -1;
    if ((route = get(it, "route")) && (want_map(p, route) || req_str(p, route, "path", &e->route_path, NULL)))
        return -1;
    return parse_auth(p, it, &e->auth_app_system_token, &e->auth_app_user_token);
}

typedef struct modtype {
    const char *name;
    int (*parse)(mp_t *p, node_t *item, const char *key);
    size_t off_items; /* where the array lives in manifest_t */
    size_t item_size;
} modtype_t;

#define MT(name, fn, arr)                                                                                              \
    {                                                                                                                  \
        name, fn, offsetof(manifest_t, arr), sizeof(*((manifest_t *)0)->arr)                                           \
    }
static const modtype_t modtypes[] = {
    MT("function", mod_function, functions), MT("webtrigger", mod_webtrigger, webtriggers),
    MT("trigger", mod_trigger, triggers),    MT("scheduledTrigger", mod_scheduled, scheduled),
    MT("endpoint", mod_endpoint, endpoints),
};
#undef MT

static const modtype_t *modtype(const char *name)
{
    for (size_t i = 0; i < sizeof modtypes / sizeof modtypes[0]; i++)
        if (!strcmp(modtypes[i].name, name))
            return &modtypes[i];
    return NULL;
}

static int parse_modules(mp_t *p)
{
    manifest_t *m = p->m;
    node_t *mods = get(p->root, "modules");
    size_t total = 0, unsup = 0;
    if (!mods)
        return get(p->root, "connectModules")
                   ? 0
                   : fail(p, MANIFEST_ESCHEMA, p->root, "missing required field \"modules\"");
    if (want_map(p, mods))
        return -1;
    EACH(c, mods)
    {
        const modtype_t *t = modtype(c->key->s);
        if (want_seq(p, c))
            return -1;
        if (c->n > MANIFEST_MAX_MODULES)
            return fail(p, MANIFEST_ELIMIT, c, "more than %u modules of type \"%.*s\"", MANIFEST_MAX_MODULES,
                        qlen(c->key->s), c->key->s);
        total += c->n;
        if (!t) {
            unsup += c->n;
            continue;
        }
        void *arr = pcalloc(p, c->n * t->item_size);
        if (!arr)
            return -1;
        memcpy((char *)m + t->off_items, &arr, sizeof arr);
        if (!strcmp(t->name, "function") && !(p->handlers = pcalloc(p, c->n * sizeof *p->handlers)))
            return -1;
    }
    if (!(p->mod_keys = pcalloc(p, total * sizeof *p->mod_keys)) ||
        !(m->unsupported = pcalloc(p, unsup * sizeof *m->unsupported)))
        return -1;
    EACH(c, mods)
    {
        const modtype_t *t = modtype(c->key->s);
        EACH(it, c)
        {
            const char *key;
            node_t *kn;
            if (want_map(p, it) || req_str(p, it, "key", &key, &kn) || want_key(p, kn, "module", MANIFEST_MAX_KEY))
                return -1;
            for (size_t i = 0; i < p->n_mod_keys; i++) {
                if (!strcmp(p->mod_keys[i]->s, key)) {
                    char first[256];
                    path_of(p->mod_keys[i]->parent, first, sizeof first);
                    return fail(p, MANIFEST_ESCHEMA, kn, "module key \"%s\" is already used by %s", key, first);
                }
            }
            p->mod_keys[p->n_mod_keys++] = kn;
            if (t) {
                if (t->parse(p, it, key))
                    return -1;
                continue;
            }
            manifest_unsupported_t *u = &m->unsupported[m->n_unsupported++];
            *u = (manifest_unsupported_t){.type = c->key->s, .key = key, .line = it->line, .col = it->col};
            if (node_json(p, it, &u->json, NULL))
                return -1;
        }
    }
    return 0;
}

/* ================================================================ remotes */

/* https://host[:port][/...], or http:// for loopback only; no credentials, no spaces. */
static int check_url(mp_t *p, const node_t *n, const char *u)
{
    const char *rest;
    int https = !strncasecmp(u, "https://", 8), http = !https && !strncasecmp(u, "http://", 7);
    if (!https && !http)
        return fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" must be an https:// URL", qlen(u), u);
    if (!no_ws(u))
        return fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" must not contain spaces or control characters", qlen(u), u);
    rest = u + (https ? 8 : 7);
    size_t alen = strcspn(rest, "/?#");
    if (memchr(rest, '@', alen))
        return fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" must not contain credentials", qlen(u), u);
    size_t hlen;
    const char *port = NULL;
    if (rest[0] == '[') {
        const char *close = memchr(rest, ']', alen);
        hlen = close ? (size_t)(close - rest) + 1 : 0;
        for (size_t i = 1; close && i + 1 < hlen; i++)
            if (!hex((unsigned char)rest[i]) && rest[i] != ':' && rest[i] != '.')
                hlen = 0;
    } else {
        hlen = strcspn(rest, ":/?#");
        for (size_t i = 0; i < hlen; i++) {
            unsigned char c = (unsigned char)rest[i];
            if (!(dec(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_'))
                hlen = 0;
        }
    }
    if (hlen == 0 || hlen > alen)
        return fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" has no valid host", qlen(u), u);
    if (hlen < alen) {
        port = rest + hlen;
        size_t plen = alen - hlen - 1;
        if (*port != ':' || plen == 0 || plen > 5 || !is_digits(port + 1, port + 1 + plen, dec) || atoi(port + 1) < 1 ||
            atoi(port + 1) > 65535)
            return fail(p, MANIFEST_ESCHEMA, n, "\"%.*s\" has an invalid port", qlen(u), u);
    }
    if (http) {
        static const char *const loop[] = {"localhost", "127.0.0.1", "[::1]"};
        int ok = 0;
        for (int i = 0; i < 3; i++)
            ok |= strlen(loop[i]) == hlen && !strncasecmp(rest, loop[i], hlen);
        if (!ok)
            return fail(p, MANIFEST_ESCHEMA, n,
                        "\"%.*s\" must be an https:// URL (http:// is allowed only for localhost, 127.0.0.1 and [::1])",
                        qlen(u), u);
    }
    return 0;
}

static int parse_remotes(mp_t *p)
{
    static const char *const ops[] = {"storage", "compute", "fetch", "other", NULL};
    static const char *const regions[] = {"default", "EU", "US", "AU", "DE", "SG", "CA",
                                          "IN",      "KR", "JP", "GB", "CH", NULL};
    manifest_t *m = p->m;
    node_t *rs = get(p->root, "remotes");
    if (!rs)
        return 0;
    if (want_seq(p, rs))
        return -1;
    if (rs->n > MANIFEST_MAX_REMOTES)
        return fail(p, MANIFEST_ELIMIT, rs, "more than %u remotes", MANIFEST_MAX_REMOTES);
    if (!(m->remotes = pcalloc(p, rs->n * sizeof *m->remotes)))
        return -1;
    EACH(it, rs)
    {
        manifest_remote_t *r = &m->remotes[m->n_remotes];
        node_t *kn, *bu, *v;
        *r = (manifest_remote_t){.line = it->line, .col = it->col};
        if (want_map(p, it) || req_str(p, it, "key", &r->key, &kn) ||
            want_key(p, kn, "remote", MANIFEST_MAX_REMOTE_KEY))
            return -1;
        for (size_t i = 0; i < m->n_remotes; i++)
            if (!strcmp(m->remotes[i].key, r->key))
                return fail(p, MANIFEST_ESCHEMA, kn, "remote key \"%s\" is already used by remotes[%zu]", r->key, i);
        if (req(p, it, "baseUrl", &bu))
            return -1;
        if (bu->kind == N_MAP) {
            EACH(rg, bu)
            {
                const char *u;
                if (!one_of(rg->key->s, regions))
                    return fail_at(p, MANIFEST_ESCHEMA, rg->key->line, rg->key->col, rg, "unknown region \"%.*s\"",
                                   qlen(rg->key->s), rg->key->s);
                if (want_str(p, rg, &u) || check_url(p, rg, u))
                    return -1;
            }
            if (req_str(p, bu, "default", &r->base_url, NULL) || node_json(p, bu, &r->base_url_json, NULL))
                return -1;
        } else if (!is_str(bu)) {
            return fail(p, MANIFEST_ESCHEMA, bu, "expected a string or a mapping, found %s", kind_name(bu));
        } else if (want_str(p, bu, &r->base_url) || check_url(p, bu, r->base_url)) {
            return -1;
        }
        if ((v = get(it, "operations"))) {
            if (want_seq(p, v) || !(r->operations = pcalloc(p, v->n * sizeof *r->operations)))
                return -1;
            EACH(o, v)
            {
                if (want_enum(p, o, ops, &r->operations[r->n_operations++]))
                    return -1;
            }
        }
        if (parse_auth(p, it, &r->auth_app_system_token, &r->auth_app_user_token))
            return -1;
        m->n_remotes++;
    }
    return 0;
}

/* ================================================================ permissions */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The scope's text s, held by node `at` (a list item, the value of `key:`, or the key of
 * the map form): errors point at it, with the path of `where` (at's own, or for a key the
 * entry it names). */
static int add_scope(mp_t *p, const node_t *where, const node_t *at, const char *s, size_t *k)
{
    if (!no_ws(s))
        return fail_at(p, MANIFEST_ESCHEMA, at->line, at->col, where,
                       "scope \"%.*s\" must not contain spaces or control characters", qlen(s), s);
    if (!scope_known(s, strlen(s)))
        return fail_at(p, MANIFEST_ESCHEMA, at->line, at->col, where,
                       "unknown scope \"%.*s\": kiln knows the Jira platform scopes (classic and granular) and "
                       "Forge's storage:app, read:app-system-token, read:app-user-token and "
                       "read:app-global-channel:realtime; a scope is a name, never a wildcard (docs/apps.md)",
                       qlen(s), s);
    p->m->scopes[(*k)++] = s;
    return 0;
}

/* A list of strings (or {key: scope} items), or a map {scope: {allowImpersonation}}. */
static int parse_scopes(mp_t *p, const node_t *sc)
{
    manifest_t *m = p->m;
    size_t k = 0;
    if (sc->kind != N_SEQ && sc->kind != N_MAP)
        return fail(p, MANIFEST_ESCHEMA, sc, "expected a sequence or a mapping, found %s", kind_name(sc));
    if (sc->n > MANIFEST_MAX_SCOPES)
        return fail(p, MANIFEST_ELIMIT, sc, "more than %u scopes", MANIFEST_MAX_SCOPES);
    if (!(m->scopes = pcalloc(p, sc->n * sizeof *m->scopes)))
        return -1;
    EACH(c, sc)
    {
        const char *s;
        const node_t *at = c; /* where the scope's text is */
        if (sc->kind == N_MAP) {
            node_t *imp;
            if (!c->key->s[0] || memchr(c->key->s, '\0', c->key->len))
                return fail(p, MANIFEST_ESCHEMA, c, "invalid scope name");
            if (c->kind != N_MAP && !(c->kind == N_SCALAR && c->stype == S_NULL))
                return fail(p, MANIFEST_ESCHEMA, c, "expected a mapping, found %s", kind_name(c));
            int b;
            if ((imp = get(c, "allowImpersonation")) && want_bool(p, imp, &b))
                return -1;
            s = c->key->s;
            at = c->key;
        } else if (c->kind == N_MAP) {
            node_t *kv;
            if (req_str(p, c, "key", &s, &kv))
                return -1;
            at = kv;
        } else if (want_str(p, c, &s)) {
            return -1;
        }
        if (add_scope(p, sc->kind == N_MAP ? c : at, at, s, &k))
            return -1;
    }
    qsort(m->scopes, k, sizeof *m->scopes, cmp_str);
    m->n_scopes = 0;
    for (size_t i = 0; i < k; i++)
        if (m->n_scopes == 0 || strcmp(m->scopes[m->n_scopes - 1], m->scopes[i]))
            m->scopes[m->n_scopes++] = m->scopes[i];
    return 0;
}

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
static int parse_egress(mp_t *p, const node_t *list, json_t *into, const char *name, int allow_remote,
                        manifest_egress_t **out, size_t *n_out)
{
    if (want_seq(p, list))
        return -1;
    json_t *canon = json_array();
    json_object_set_new(into, name, canon);
    if (out && !(*out = pcalloc(p, list->n * sizeof **out)))
        return -1;
    EACH(e, list)
    {
        manifest_egress_t g = {.line = e->line, .col = e->col};
        node_t *v;
        if (e->kind == N_MAP && (v = get(e, "remote")) && allow_remote) {
            if (want_str(p, v, &g.remote))
                return -1;
        } else if (e->kind == N_MAP && (v = get(e, "address"))) {
            if (want_str(p, v, &g.address))
                return -1;
        } else if (is_str(e)) {
            if (want_str(p, e, &g.address))
                return -1;
            v = e;
        } else {
            return fail(p, MANIFEST_ESCHEMA, e, "expected an address string or {address: ...}%s, found %s",
                        allow_remote ? " or {remote: ...}" : "", kind_name(e));
        }
        if (g.address && !address_ok(g.address))
            return fail(p, MANIFEST_ESCHEMA, v,
                        "\"%.*s\" is not a valid address (a host or URL; '*' only as a leading \"*.\")",
                        qlen(g.address), g.address);
        char *c = g.remote ? arena_printf(p->a, "remote:%s", g.remote) : arena_strdup(p->a, g.address);
        if (!c)
            return oom(p);
        json_array_append_new(canon, json_string(c));
        if (out)
            (*out)[(*n_out)++] = g;
    }
    return 0;
}

static int parse_permissions(mp_t *p)
{
    manifest_t *m = p->m;
    node_t *perms = get(p->root, "permissions"), *v, *ext;
    if (!perms)
        return 0;
    if (want_map(p, perms))
        return -1;
    if ((v = get(perms, "scopes")) && parse_scopes(p, v))
        return -1;
    if ((v = get(perms, "content")) && (want_map(p, v) || node_json(p, v, &m->content_json, NULL)))
        return -1;
    if (!(ext = get(perms, "external")))
        return 0;
    if (want_map(p, ext))
        return -1;
    EACH(k, ext)
    {
        const char *kind = k->key->s;
        if (!strcmp(kind, "fetch")) {
            node_t *b, *c;
            json_t *fo = json_object();
            json_object_set_new(p->ext_major, "fetch", fo);
            if (want_map(p, k))
                return -1;
            if ((b = get(k, "backend")) && parse_egress(p, b, fo, "backend", 1, &m->fetch_backend, &m->n_fetch_backend))
                return -1;
            if ((c = get(k, "client")) && parse_egress(p, c, fo, "client", 1, &m->fetch_client, &m->n_fetch_client))
                return -1;
        } else if (!strcmp(kind, "configurable")) {
            node_t *en;
            int on = 0;
            if (want_map(p, k) || req(p, k, "enabled", &en) || want_bool(p, en, &on))
                return -1;
            json_object_set_new(p->ext_major, "configurable", json_boolean(on));
        } else if (parse_egress(p, k, p->ext_major, kind, 0, NULL, NULL)) {
            return -1;
        }
    }
    return node_json(p, ext, &m->external_json, NULL);
}

/* ================================================================ resources */

static int parse_resources(mp_t *p)
{
    manifest_t *m = p->m;
    node_t *rs = get(p->root, "resources");
    if (!rs)
        return 0;
    if (want_seq(p, rs))
        return -1;
    if (rs->n > MANIFEST_MAX_MODULES)
        return fail(p, MANIFEST_ELIMIT, rs, "more than %u resources", MANIFEST_MAX_MODULES);
    if (!(m->resources = pcalloc(p, rs->n * sizeof *m->resources)))
        return -1;
    EACH(it, rs)
    {
        manifest_resource_t *r = &m->resources[m->n_resources];
        node_t *kn;
        *r = (manifest_resource_t){.line = it->line, .col = it->col};
        if (want_map(p, it) || req_str(p, it, "key", &r->key, &kn) ||
            want_key(p, kn, "resource", MANIFEST_MAX_REMOTE_KEY) || req_str(p, it, "path", &r->path, NULL))
            return -1;
        for (size_t i = 0; i < m->n_resources; i++)
            if (!strcmp(m->resources[i].key, r->key))
                return fail(p, MANIFEST_ESCHEMA, kn, "resource key \"%s\" is already used by resources[%zu]", r->key,
                            i);
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

static int check_refs(mp_t *p)
{
    const manifest_t *m = p->m;
    node_t *mods = get(p->root, "modules"), *perms, *ext, *fetch;
    if (mods) {
        EACH(c, mods)
        {
            const char *t = c->key->s;
            int is_trigger = !strcmp(t, "trigger");
            int targets = is_trigger || !strcmp(t, "webtrigger") || !strcmp(t, "scheduledTrigger");
            EACH(it, c)
            {
                node_t *f = get(it, "function"), *e = get(it, "endpoint"), *r = get(it, "remote");
                if (targets && f && !manifest_function(m, f->s))
                    return fail(p, MANIFEST_EREF, f, "no function with key \"%.*s\"", qlen(f->s), f->s);
                if (targets && e) {
                    const manifest_endpoint_t *ep = find_endpoint(m, e->s);
                    if (!ep)
                        return fail(p, MANIFEST_EREF, e, "no endpoint with key \"%.*s\"", qlen(e->s), e->s);
                    if (is_trigger && !ep->route_path)
                        return fail(p, MANIFEST_ESCHEMA, e, "endpoint \"%s\" has no route.path, which a trigger needs",
                                    ep->key);
                    if (is_trigger && ep->auth_app_user_token)
                        return fail(p, MANIFEST_ESCHEMA, e,
                                    "endpoint \"%s\" enables appUserToken; a trigger's endpoint may only use "
                                    "appSystemToken",
                                    ep->key);
                }
                if (!strcmp(t, "endpoint") && r && !find_remote(m, r->s))
                    return fail(p, MANIFEST_EREF, r, "no remote with key \"%.*s\"", qlen(r->s), r->s);
            }
        }
    }
    if (!(perms = get(p->root, "permissions")) || !(ext = get(perms, "external")) || !(fetch = get(ext, "fetch")))
        return 0;
    const char *lists[] = {"backend", "client"};
    for (int i = 0; i < 2; i++) {
        node_t *l = get(fetch, lists[i]);
        if (!l)
            continue;
        EACH(e, l)
        {
            node_t *r = get(e, "remote");
            if (r && !find_remote(m, r->s))
                return fail(p, MANIFEST_EREF, r, "no remote with key \"%.*s\"", qlen(r->s), r->s);
        }
    }
    return 0;
}

/* ================================================================ handler files */

static int check_files(mp_t *p, const char *app_dir)
{
    static const char *const exts[] = {"ts", "tsx", "js", "jsx", "mjs", "cjs"};
    manifest_t *m = p->m;
    int rc = 0;
    char *root = realpath(app_dir, NULL);
    if (!root)
        return fail_at(p, MANIFEST_EFILE, 1, 1, NULL, "app directory \"%.*s\" does not exist", qlen(app_dir), app_dir);
    size_t rlen = strlen(root);
    for (size_t i = 0; i < m->n_functions && rc == 0; i++) {
        manifest_function_t *f = &m->functions[i];
        const node_t *hn = p->handlers[i];
        for (size_t x = 0; x < sizeof exts / sizeof exts[0] && !f->resolved_path; x++) {
            struct stat st;
            char *rel = arena_printf(p->a, "src/%s.%s", f->file, exts[x]);
            char *full = rel ? arena_printf(p->a, "%s/%s", app_dir, rel) : NULL;
            if (!full) {
                rc = oom(p);
                break;
            }
            if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            char *real = realpath(full, NULL);
            int inside = real && !strncmp(real, root, rlen) && (real[rlen] == '/' || rlen == 1);
            free(real);
            if (!inside) {
                rc = fail(p, MANIFEST_EFILE, hn, "handler \"%.*s\": %s resolves outside the app directory",
                          qlen(f->handler), f->handler, rel);
                break;
            }
            f->resolved_path = rel;
        }
        if (rc == 0 && !f->resolved_path)
            rc = fail(p, MANIFEST_EFILE, hn,
                      "no source file for handler \"%.*s\" (looked for src/%s.{ts,tsx,js,jsx,mjs,cjs})",
                      qlen(f->handler), f->handler, f->file);
    }
    free(root);
    return rc;
}

/* ================================================================ major key */

/* Sorts a JSON array of strings and drops repeats. */
static json_t *sorted_set(json_t *arr)
{
    size_t n = json_array_size(arr);
    const char **v = xcalloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_string_value(json_array_get(arr, i));
    qsort(v, n, sizeof *v, cmp_str);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(v[i - 1], v[i]))
            json_array_append_new(out, json_string(v[i]));
    free(v);
    return out;
}

/* The external permissions with every list made a sorted set, and empty lists, empty
 * objects and `false` left out: `backend: []` grants what no `backend` grants. */
static json_t *canon_sets(json_t *j)
{
    if (json_is_array(j))
        return sorted_set(j);
    if (!json_is_object(j))
        return json_incref(j);
    json_t *o = json_object(), *v;
    const char *k;
    json_object_foreach(j, k, v)
    {
        json_t *c = canon_sets(v);
        if ((json_is_array(c) && json_array_size(c) == 0) || (json_is_object(c) && json_object_size(c) == 0) ||
            json_is_false(c))
            json_decref(c);
        else
            json_object_set_new(o, k, c);
    }
    return o;
}

static int cmp_remote(const void *a, const void *b)
{
    return strcmp((*(const manifest_remote_t *const *)a)->key, (*(const manifest_remote_t *const *)b)->key);
}

static int build_major_key(mp_t *p)
{
    const manifest_t *m = p->m;
    json_t *mk = json_object(), *scopes = json_array(), *remotes = json_array();
    int dynamic = 0, rc = 0;
    for (size_t i = 0; i < m->n_scopes; i++)
        json_array_append_new(scopes, json_string(m->scopes[i]));
    const manifest_remote_t **rs = xcalloc(m->n_remotes ? m->n_remotes : 1, sizeof *rs);
    for (size_t i = 0; i < m->n_remotes; i++)
        rs[i] = &m->remotes[i];
    qsort(rs, m->n_remotes, sizeof *rs, cmp_remote);
    for (size_t i = 0; i < m->n_remotes; i++) {
        json_t *ops = json_array(), *base;
        for (size_t k = 0; k < rs[i]->n_operations; k++)
            json_array_append_new(ops, json_string(rs[i]->operations[k]));
        base = rs[i]->base_url_json ? json_loads(rs[i]->base_url_json, 0, NULL) : json_string(rs[i]->base_url);
        json_array_append_new(remotes,
                              json_pack("{s:s,s:o,s:o,s:{s:b,s:b}}", "key", rs[i]->key, "baseUrl", base, "operations",
                                        sorted_set(ops), "auth", "appSystemToken", rs[i]->auth_app_system_token,
                                        "appUserToken", rs[i]->auth_app_user_token));
        json_decref(ops);
    }
    free(rs);
    for (size_t i = 0; i < m->n_webtriggers; i++)
        dynamic |= !strcmp(m->webtriggers[i].response_type, "dynamic");
    json_object_set_new(mk, "scopes", scopes);
    json_object_set_new(mk, "external", canon_sets(p->ext_major));
    json_object_set_new(mk, "remotes", remotes);
    json_object_set_new(mk, "dynamicWebtrigger", json_boolean(dynamic));
    if (!(p->m->major_key = dump(p, mk, JSON_SORT_KEYS, NULL)))
        rc = -1;
    json_decref(mk);
    return rc;
}

/* ================================================================ entry points */

int manifest_parse(arena_t *a, const char *file_label, const char *text, size_t len, const char *app_dir,
                   manifest_t *out, manifest_err_t *err)
{
    int allow = out->allow_missing_id == 1;
    *out = (manifest_t){.allow_missing_id = allow};
    *err = (manifest_err_t){0};
    mp_t p = {.a = a,
              .label = file_label ? file_label : "manifest.yml",
              .text = text ? text : "",
              .len = text ? len : 0,
              .err = err,
              .m = out,
              .ext_major = json_object()};
    const unsigned char *u = (const unsigned char *)p.text;
    int rc = -1;

    if (p.len > MANIFEST_MAX_BYTES) {
        fail_at(&p, MANIFEST_ELIMIT, 1, 1, NULL, "manifest is %zu bytes; the limit is %u", p.len, MANIFEST_MAX_BYTES);
        goto out;
    }
    if (p.len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        fail_at(&p, MANIFEST_ESYNTAX, 1, 1, NULL, "manifest must be UTF-8, not UTF-16");
        goto out;
    }
    if (build_tree(&p))
        goto out;
    if (!p.root || (p.root->kind == N_SCALAR && p.root->stype == S_NULL)) {
        fail_at(&p, MANIFEST_ESCHEMA, 1, 1, NULL, "empty document");
        goto out;
    }
    if (p.root->kind != N_MAP) {
        fail(&p, MANIFEST_ESCHEMA, p.root, "the top level must be a mapping, found %s", kind_name(p.root));
        goto out;
    }
    if (parse_app(&p) || parse_modules(&p) || parse_remotes(&p) || parse_permissions(&p) || parse_resources(&p) ||
        check_refs(&p) || (app_dir && check_files(&p, app_dir)))
        goto out;
    if (node_json(&p, p.root, &out->canonical_json, &out->canonical_len) || build_major_key(&p))
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
