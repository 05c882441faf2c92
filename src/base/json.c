#include "base/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "base/buf.h"

/* A single pass that tracks string state and bracket depth; jansson's own limit is a
 * compile-time 2048, far above what any request needs. */
static int depth_ok(const char *s, size_t n, size_t max_depth, size_t *pos)
{
    size_t depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) {
                *pos = i;
                return 0;
            }
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return 1;
}

/* ---- the parser: yajl's lexer, jansson's tree ----
 * jansson's own reader costs ~10 us per KB (a callback and a UTF-8 step per byte): 14 us
 * for a 1.5 KB worker frame, the largest single cost kiln paid per webtrigger round trip
 * (perf, bench/webtrigger.sh). yajl's event parser, with the checks below, takes 4.0 us;
 * its events build the same jansson tree, so every caller keeps the jansson API. What
 * jansson would refuse is refused here too (tests/fuzz/fuzz_json.c checks the two readers
 * against each other):
 * duplicate keys, NUL in keys, invalid UTF-8 (jansson's checked constructors validate
 * every string), and surrogate escapes, which yajl decodes loosely: a document with one
 * goes to jansson's reader, which pairs them strictly. */

typedef struct builder {
    json_t **stack; /* open containers, innermost last: `small`, or the heap past it */
    size_t depth, cap, max_depth;
    int too_deep;
    json_t *small[32];
    json_t *root;
    char *key; /* the pending object key: a copy (yajl reuses its buffer for the value) */
    size_t klen, kcap;
    char kbuf[128]; /* key storage, or a heap buffer for longer keys */
    yajl_handle h;
    int finishing; /* inside yajl_complete_parse: all n bytes are consumed */
    size_t n, end; /* the input's length; where the top-level value ended */
} builder_t;

/* The top-level value is complete: note where. yajl lets an unfinished token after it
 * pass (`"a""` parses as "a"), so the caller checks that only whitespace follows. */
static void root_done(builder_t *b)
{
    b->end = b->finishing ? b->n : yajl_get_bytes_consumed(b->h);
}

static int add(builder_t *b, json_t *v)
{
    if (!v)
        return 0; /* a checked constructor refused it (invalid UTF-8) or out of memory */
    if (b->depth == 0) {
        if (b->root) { /* unreachable: yajl allows one top-level value */
            json_decref(v);
            return 0;
        }
        b->root = v;
        if (!json_is_object(v) && !json_is_array(v))
            root_done(b);
        return 1;
    }
    json_t *top = b->stack[b->depth - 1];
    if (json_is_array(top))
        return json_array_append_new(top, v) == 0;
    if (memchr(b->key, '\0', b->klen) || json_object_getn(top, b->key, b->klen)) { /* as jansson: refused */
        json_decref(v);
        return 0;
    }
    return json_object_setn_new(top, b->key, b->klen, v) == 0;
}

static int open_container(builder_t *b, json_t *c)
{
    if (!c || b->depth == b->max_depth) {
        b->too_deep = c != NULL;
        json_decref(c);
        return 0;
    }
    if (b->depth == b->cap) { /* deeper than `small`: to the heap (at most max_depth) */
        size_t cap = b->cap * 4 < b->max_depth ? b->cap * 4 : b->max_depth;
        json_t **st = xmalloc(cap * sizeof *st);
        memcpy(st, b->stack, b->depth * sizeof *st);
        if (b->stack != b->small)
            free(b->stack);
        b->stack = st;
        b->cap = cap;
    }
    json_incref(c); /* one reference for the parent (or root), one for the stack */
    if (!add(b, c)) {
        json_decref(c);
        return 0;
    }
    b->stack[b->depth++] = c;
    return 1;
}

static int on_close(void *ctx)
{
    builder_t *b = ctx;
    json_decref(b->stack[--b->depth]);
    if (b->depth == 0)
        root_done(b);
    return 1;
}
static int on_null(void *ctx)
{
    return add(ctx, json_null());
}
static int on_bool(void *ctx, int v)
{
    return add(ctx, json_boolean(v));
}
/* Numbers arrive as yajl validated them (JSON syntax) and are converted as jansson does:
 * strtoll for integers (yajl's own conversion refuses INT64_MIN), strtod for the rest;
 * out of range is refused. */
static int on_number(void *ctx, const char *s, size_t n)
{
    char small[64], *t = n < sizeof small ? small : xmalloc(n + 1);
    memcpy(t, s, n);
    t[n] = '\0';
    json_t *v = NULL;
    errno = 0;
    if (strpbrk(t, ".eE")) {
        double d = strtod(t, NULL);
        if (!(errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)))
            v = json_real(d);
    } else {
        long long i = strtoll(t, NULL, 10);
        if (errno != ERANGE)
            v = json_integer((json_int_t)i);
    }
    if (t != small)
        free(t);
    return add(ctx, v);
}
static int on_string(void *ctx, const unsigned char *s, size_t n)
{
    return add(ctx, json_stringn((const char *)s, n));
}
static int on_map(void *ctx)
{
    return open_container(ctx, json_object());
}
static int on_array(void *ctx)
{
    return open_container(ctx, json_array());
}
static int on_key(void *ctx, const unsigned char *s, size_t n)
{
    builder_t *b = ctx;
    if (n > b->kcap) {
        if (b->key != b->kbuf)
            free(b->key);
        b->kcap = n;
        b->key = xmalloc(n);
    }
    memcpy(b->key, s, n);
    b->klen = n;
    return 1;
}

static const yajl_callbacks callbacks = {on_null, on_bool, NULL,     NULL,     on_number, on_string,
                                         on_map,  on_key,  on_close, on_array, on_close};

/* A \uD800-\uDFFF escape anywhere (or what looks like one: an escaped backslash followed
 * by "ud8.." sends a document to the strict reader needlessly, never wrongly). */
static int has_surrogate_escape(const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        if (end - p >= 4 && p[1] == 'u' && (p[2] == 'd' || p[2] == 'D') && p[3] && strchr("89abAB", p[3]))
            return 1;
        if (end - p <= 2)
            break;
        p += 2; /* past the escaped character: an escaped backslash cannot start another escape */
    }
    return 0;
}

static json_t *parse_strict(const char *s, size_t n, json_err_t *err)
{
    json_error_t je;
    json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!j)
        *err = (json_err_t){JERR_SYNTAX, "Malformed JSON", (size_t)(je.position > 0 ? je.position : 0)};
    return j;
}

json_t *json_parse_limited(const char *s, size_t n, size_t max_depth, json_err_t *err)
{
    *err = (json_err_t){0};
    if (has_surrogate_escape(s, n)) { /* jansson's reader, behind the depth pre-scan */
        size_t pos = 0;
        if (!depth_ok(s, n, max_depth, &pos)) {
            *err = (json_err_t){JERR_DEPTH, "JSON nested too deeply", pos};
            return NULL;
        }
        return parse_strict(s, n, err);
    }
    /* yajl takes \v and \f for whitespace; JSON does not, and inside a string they must be
     * escaped: either way the document is malformed */
    const char *vt = memchr(s, '\v', n), *ff = memchr(s, '\f', n);
    if (vt || ff) {
        *err = (json_err_t){JERR_SYNTAX, "Malformed JSON", (size_t)((vt && (!ff || vt < ff) ? vt : ff) - s)};
        return NULL;
    }
    builder_t b = {.max_depth = max_depth, .n = n};
    b.stack = b.small;
    b.cap = sizeof b.small / sizeof *b.small;
    b.key = b.kbuf;
    b.kcap = sizeof b.kbuf;
    yajl_handle h = b.h = yajl_alloc(&callbacks, NULL, &b);
    if (!h)
        kiln_oom(sizeof b);
    int ok = yajl_parse(h, (const unsigned char *)s, n) == yajl_status_ok;
    b.finishing = 1;
    ok = ok && yajl_complete_parse(h) == yajl_status_ok && b.root != NULL;
    for (size_t i = b.end; ok && i < n; i++)
        ok = s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
    if (!ok) {
        size_t at = yajl_get_bytes_consumed(h);
        if (b.too_deep) /* the bracket that went one level too deep */
            *err = (json_err_t){JERR_DEPTH, "JSON nested too deeply", at ? at - 1 : 0};
        else
            *err = (json_err_t){JERR_SYNTAX, "Malformed JSON", at};
        while (b.depth)
            json_decref(b.stack[--b.depth]);
        json_decref(b.root);
        b.root = NULL;
    }
    yajl_free(h);
    if (b.stack != b.small)
        free(b.stack);
    if (b.key != b.kbuf)
        free(b.key);
    return b.root;
}

static void decref(void *p)
{
    json_decref(p);
}

json_t *json_own(arena_t *a, json_t *j)
{
    if (j)
        arena_defer(a, decref, j);
    return j;
}

json_t *json_parse_arena(arena_t *a, const char *s, size_t n, size_t max_depth, json_err_t *err)
{
    return json_own(a, json_parse_limited(s, n, max_depth, err));
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    return buf_add(data, buffer, size);
}

char *json_dump_arena(arena_t *a, const json_t *j, size_t max, size_t *len)
{
    buf_t b;
    buf_init(&b, max);
    char *out = NULL;
    if (json_dump_callback(j, dump_cb, &b, JSON_COMPACT | JSON_ENCODE_ANY) == 0) {
        out = arena_strndup(a, b.ptr ? b.ptr : "", b.len);
        if (out)
            *len = b.len;
    }
    buf_free(&b);
    return out;
}

const char *json_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int json_str_is(const json_t *v, const char *want)
{
    size_t n = strlen(want);
    return json_is_string(v) && json_string_length(v) == n && memcmp(json_string_value(v), want, n) == 0;
}

static int kept(const char *key, const char *const *keep)
{
    for (; keep && *keep; keep++)
        if (strcmp(key, *keep) == 0)
            return 1;
    return 0;
}

/* Depth-first; path[0..len) is the path of v. */
static int nul_walk(const json_t *v, const char *const *keep, char *path, size_t cap, size_t len)
{
    if (json_is_string(v))
        return memchr(json_string_value(v), '\0', json_string_length(v)) != NULL;
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            if (kept(k, keep))
                continue;
            int w = snprintf(path + len, cap - len, "%s%s", len ? "." : "", k);
            if (nul_walk(m, keep, path, cap, w < 0 ? len : len + (size_t)w >= cap ? cap - 1 : len + (size_t)w))
                return 1;
            path[len] = '\0';
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            int w = snprintf(path + len, cap - len, "[%zu]", i);
            if (nul_walk(m, keep, path, cap, w < 0 ? len : len + (size_t)w >= cap ? cap - 1 : len + (size_t)w))
                return 1;
            path[len] = '\0';
        }
    }
    return 0;
}

int json_nul_field(const json_t *j, const char *text, size_t n, const char *const *keep, char *path, size_t cap)
{
    if (cap == 0)
        return 0;
    path[0] = '\0';
    if (text && !memmem(text, n, "\\u0000", 6))
        return 0;
    return nul_walk(j, keep, path, cap, 0);
}
