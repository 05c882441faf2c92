/* The positioned YAML tree (base/yaml.h): libyaml's events, one node each, linked under
 * the innermost open collection, with the limits checked as each node arrives. */
#include "base/yaml.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/enc.h"

#define MAX_QUOTE 100 /* bytes of a user's key quoted in a message or a path */

typedef struct build {
    arena_t *a;
    const yaml_limits_t *lim;
    const char *text;
    size_t len;
    yaml_err_t *err;
    size_t nodes;
    unsigned depth;   /* open collections */
    yaml_t *root;     /* the first node */
    yaml_t *open;     /* the innermost open collection, or NULL */
    yaml_t *key_wait; /* a key of `open` (a mapping) waiting for its value */
} build_t;

static int qlen(const char *s)
{
    size_t n = strlen(s);
    return n > MAX_QUOTE ? MAX_QUOTE : (int)n;
}

/* ================================================================ errors */

/* Fails at a position; `where` (or NULL) is the node it concerns. Always returns -1. */
static int fail_at(build_t *b, int code, unsigned line, unsigned col, const yaml_t *where, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static int fail_at(build_t *b, int code, unsigned line, unsigned col, const yaml_t *where, const char *fmt, ...)
{
    yaml_err_t *e = b->err;
    if (e->code != YAML_OK)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    enc_utf8_printable(e->msg); /* also repairs a UTF-8 sequence cut by truncation */
    e->code = code;
    e->line = line;
    e->col = col;
    e->node = where;
    return -1;
}

#define FAIL(b, code, n, ...) fail_at(b, code, (n)->line, (n)->col, n, __VA_ARGS__)

static int oom(build_t *b)
{
    return fail_at(b, YAML_ENOMEM, 1, 1, NULL, "out of memory (the arena's cap was reached)");
}

static void pos_from_offset(const build_t *b, size_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    for (size_t i = 0; i < off && i < b->len; i++) {
        unsigned char ch = (unsigned char)b->text[i];
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

/* libyaml's own error: a reader error has a byte offset, the others a mark. */
static int libyaml_fail(build_t *b, const yaml_parser_t *y)
{
    if (y->error == YAML_MEMORY_ERROR)
        return oom(b);
    const char *problem = y->problem ? y->problem : "malformed input";
    if (y->error == YAML_READER_ERROR) {
        unsigned line, col;
        pos_from_offset(b, y->problem_offset, &line, &col);
        return fail_at(b, YAML_ESYNTAX, line, col, NULL, "invalid YAML: %s", problem);
    }
    unsigned line = (unsigned)y->problem_mark.line + 1, col = (unsigned)y->problem_mark.column + 1;
    if (y->context)
        return fail_at(b, YAML_ESYNTAX, line, col, NULL, "invalid YAML: %s (%s)", problem, y->context);
    return fail_at(b, YAML_ESYNTAX, line, col, NULL, "invalid YAML: %s", problem);
}

/* ================================================================ scalars: YAML 1.2 core schema */

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

static int is_digits(const char *s, const char *e, int (*ok)(int))
{
    if (s == e)
        return 0;
    for (; s < e; s++)
        if (!ok((unsigned char)*s))
            return 0;
    return 1;
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

/* Types a plain scalar (n->type is YAML_STR on entry). */
static void resolve_plain(yaml_t *n)
{
    static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    const char *s = n->s, *e = n->s + n->len;
    if (n->len == 0 || one_of(s, nulls)) {
        n->type = YAML_NULL;
    } else if (one_of(s, trues) || one_of(s, falses)) {
        n->type = YAML_BOOL;
        n->i = one_of(s, trues);
    } else if (n->len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        int base = s[1] == 'x' ? 16 : 8;
        if (is_digits(s + 2, e, base == 16 ? hex : oct)) {
            unsigned long long v = strtoull(s + 2, NULL, base);
            if (v <= (unsigned long long)LLONG_MAX && n->len < 24) {
                n->type = YAML_INT;
                n->i = (long long)v;
            }
        }
    } else if (is_digits(s + (*s == '-' || *s == '+'), e, dec)) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno == 0) {
            n->type = YAML_INT;
            n->i = v;
        } else {
            n->type = YAML_REAL;
            n->r = strtod(s, NULL);
        }
    } else if (is_float(s, e)) {
        n->r = strtod(s, NULL);
        n->type = YAML_REAL;
    }
}

/* ================================================================ events -> tree */

/* Links n under the innermost open collection (or makes it the root). */
static int attach(build_t *b, yaml_t *n)
{
    yaml_t *parent = b->open;
    if (!parent) {
        b->root = n;
        return 0;
    }
    n->parent = parent;
    if (parent->type == YAML_MAP && !b->key_wait) {
        n->is_key = 1;
        if (!yaml_is_scalar(n))
            return FAIL(b, YAML_ESYNTAX, n, "mapping keys must be scalars");
        n->hash = 2166136261u;
        for (size_t i = 0; i < n->len; i++)
            n->hash = (n->hash ^ (unsigned char)n->s[i]) * 16777619u;
        YAML_EACH(c, parent)
        {
            if (c->key->hash == n->hash && c->key->len == n->len && !memcmp(c->key->s, n->s, n->len))
                return FAIL(b, YAML_ESYNTAX, n, "duplicate key \"%.*s\"", qlen(n->s), n->s);
        }
        b->key_wait = n;
        return 0;
    }
    if (parent->type == YAML_MAP) {
        n->key = b->key_wait;
        b->key_wait = NULL;
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

static int tag_ok(const char *tag, int type)
{
    if (!tag)
        return 1;
    if (type <= YAML_STR)
        return !strcmp(tag, "!") || !strcmp(tag, YAML_STR_TAG);
    return !strcmp(tag, type == YAML_MAP ? YAML_MAP_TAG : YAML_SEQ_TAG);
}

/* One node event: make the node, link it, then apply the limits. A collection stays open
 * (its items link under it) until its end event. */
static int on_node(build_t *b, const yaml_event_t *ev)
{
    const yaml_limits_t *lim = b->lim;
    if (++b->nodes > lim->max_nodes)
        return fail_at(b, YAML_ELIMIT, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1, b->open,
                       "more than %u YAML nodes", lim->max_nodes);
    yaml_t *n = arena_calloc(b->a, sizeof *n);
    if (!n)
        return oom(b);
    n->line = (unsigned)ev->start_mark.line + 1;
    n->col = (unsigned)ev->start_mark.column + 1;
    const char *anchor = NULL, *tag = NULL;
    size_t slen = 0;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n->type = YAML_STR;
        slen = ev->data.scalar.length;
        n->len = slen > lim->max_string ? 0 : slen; /* an over-long one only lives to be reported */
        n->s = arena_strndup(b->a, (const char *)ev->data.scalar.value, n->len);
        if (!n->s)
            return oom(b);
        anchor = (const char *)ev->data.scalar.anchor;
        tag = (const char *)ev->data.scalar.tag;
        if (!tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && slen <= lim->max_string)
            resolve_plain(n);
        break;
    case YAML_SEQUENCE_START_EVENT:
        n->type = YAML_SEQ;
        anchor = (const char *)ev->data.sequence_start.anchor;
        tag = (const char *)ev->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        n->type = YAML_MAP;
        anchor = (const char *)ev->data.mapping_start.anchor;
        tag = (const char *)ev->data.mapping_start.tag;
        break;
    default: /* YAML_ALIAS_EVENT: a null, to be refused once linked (its path named) */
        n->type = YAML_NULL;
        n->s = "";
        break;
    }
    if (attach(b, n))
        return -1;
    if (ev->type == YAML_ALIAS_EVENT)
        return FAIL(b, YAML_ESYNTAX, n, "aliases are not supported");
    if (anchor)
        return FAIL(b, YAML_ESYNTAX, n, "anchors are not supported");
    if (!tag_ok(tag, n->type))
        return FAIL(b, YAML_ESYNTAX, n, "tags are not supported");
    if (slen > lim->max_string)
        return FAIL(b, YAML_ELIMIT, n, "string is %zu bytes; the limit is %zu", slen, lim->max_string);
    if (yaml_is_scalar(n) && memchr(n->s, '\0', n->len))
        return FAIL(b, YAML_ENUL, n, "contains a NUL byte");
    if (!yaml_is_scalar(n)) {
        if (b->depth >= lim->max_depth)
            return FAIL(b, YAML_ELIMIT, n, "nesting deeper than %u levels", lim->max_depth);
        b->depth++;
        b->open = n;
    }
    return 0;
}

/* A collection's end event. Its own entry in its parent was linked when it started, so
 * no key of the parent waits. */
static void on_end(build_t *b)
{
    if (!b->open)
        return;
    b->depth--;
    b->open = b->open->parent;
    b->key_wait = NULL;
}

static int build(build_t *b)
{
    yaml_parser_t y;
    yaml_event_t ev;
    int docs = 0, rc = -1, done = 0;
    if (!yaml_parser_initialize(&y))
        return oom(b);
    yaml_parser_set_input_string(&y, (const unsigned char *)b->text, b->len);
    while (!done) {
        if (!yaml_parser_parse(&y, &ev)) {
            libyaml_fail(b, &y);
            goto out;
        }
        int bad = 0;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (docs++)
                bad = fail_at(b, YAML_ESYNTAX, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
                              NULL, "multiple documents are not supported");
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: bad = on_node(b, &ev); break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: on_end(b); break;
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

int yaml_parse(arena_t *a, const char *text, size_t len, const yaml_limits_t *lim, const yaml_t **root, yaml_err_t *err)
{
    build_t b = {.a = a, .lim = lim, .text = text ? text : "", .len = text ? len : 0, .err = err};
    const unsigned char *u = (const unsigned char *)b.text;
    *err = (yaml_err_t){0};
    *root = NULL;
    if (b.len > lim->max_bytes)
        return fail_at(&b, YAML_ELIMIT, 1, 1, NULL, "%s is %zu bytes; the limit is %zu", lim->noun, b.len,
                       lim->max_bytes);
    if (b.len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return fail_at(&b, YAML_ESYNTAX, 1, 1, NULL, "%s must be UTF-8, not UTF-16", lim->noun);
    if (build(&b))
        return -1;
    *root = b.root;
    return 0;
}

/* ================================================================ walking */

const yaml_t *yaml_get(const yaml_t *map, const char *key)
{
    size_t n = strlen(key);
    if (!map || map->type != YAML_MAP)
        return NULL;
    YAML_EACH(c, map)
    {
        if (c->key->len == n && !memcmp(c->key->s, key, n))
            return c;
    }
    return NULL;
}

const char *yaml_type_name(const yaml_t *n)
{
    static const char *const names[] = {
        [YAML_NULL] = "null",    [YAML_BOOL] = "a boolean", [YAML_INT] = "an integer", [YAML_REAL] = "a number",
        [YAML_STR] = "a string", [YAML_SEQ] = "a sequence", [YAML_MAP] = "a mapping",
    };
    return n->type < sizeof names / sizeof names[0] ? names[n->type] : "null";
}

void yaml_path(const yaml_t *n, char *buf, size_t cap)
{
    size_t depth = 0, o = 0;
    buf[0] = '\0';
    if (n && n->is_key)
        n = n->parent;
    for (const yaml_t *c = n; c && c->parent; c = c->parent)
        depth++;
    /* from the root down: the ancestor `depth - 1 - k` levels above n, for each k */
    for (size_t k = 0; k < depth && o < cap; k++) {
        const yaml_t *c = n;
        for (size_t up = depth - 1 - k; up > 0; up--)
            c = c->parent;
        int w;
        if (c->parent->type == YAML_MAP)
            w = snprintf(buf + o, cap - o, "%s%.*s", o ? "." : "", qlen(c->key->s), c->key->s);
        else
            w = snprintf(buf + o, cap - o, "[%zu]", c->index);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

json_t *yaml_to_json(const yaml_t *n)
{
    if (n->type == YAML_MAP) {
        json_t *o = json_object();
        YAML_EACH(c, n)
        {
            json_t *v = yaml_to_json(c);
            if (!v || json_object_setn_new(o, c->key->s, c->key->len, v)) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    if (n->type == YAML_SEQ) {
        json_t *arr = json_array();
        YAML_EACH(c, n)
        {
            json_t *v = yaml_to_json(c);
            if (!v || json_array_append_new(arr, v)) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    switch (n->type) {
    case YAML_STR: return json_stringn(n->s, n->len);
    case YAML_INT: return json_integer(n->i);
    case YAML_REAL: return json_real(n->r);
    case YAML_BOOL: return json_boolean(n->i);
    default: return json_null();
    }
}
