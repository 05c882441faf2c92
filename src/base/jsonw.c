#include "base/jsonw.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void jw_init(jsonw_t *w, buf_t *b)
{
    *w = (jsonw_t){.b = b};
}

static inline void put(jsonw_t *w, const char *s, size_t n)
{
    buf_t *b = w->b;
    if (b->len + n < b->cap) { /* fast path: room already reserved */
        memcpy(b->ptr + b->len, s, n);
        b->len += n;
        b->ptr[b->len] = '\0';
    } else if (!w->err && buf_add(b, s, n) != 0) {
        w->err = 1;
    }
}

static inline void put1(jsonw_t *w, char c)
{
    put(w, &c, 1);
}

/* Before any value: a comma unless it is the first in its container or follows a key. */
static void sep(jsonw_t *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->has_items[w->depth - 1])
            put(w, ",", 1);
        w->has_items[w->depth - 1] = 1;
    }
}

static void open_(jsonw_t *w, char c)
{
    sep(w);
    if (w->depth == JSONW_MAX_DEPTH) {
        w->err = 1;
        return;
    }
    put(w, &c, 1);
    w->has_items[w->depth++] = 0;
}

static void close_(jsonw_t *w, char c)
{
    if (w->depth == 0) {
        w->err = 1;
        return;
    }
    w->depth--;
    put(w, &c, 1);
}

void jw_obj(jsonw_t *w)
{
    open_(w, '{');
}
void jw_obj_end(jsonw_t *w)
{
    close_(w, '}');
}
void jw_arr(jsonw_t *w)
{
    open_(w, '[');
}
void jw_arr_end(jsonw_t *w)
{
    close_(w, ']');
}

/* Bytes that need escaping inside a JSON string. */
static inline int needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* Index of the first byte of s[i..n) that needs escaping, or n. Eight bytes at a time:
 * most strings (URLs, ids, names) need none. */
static size_t scan_plain(const char *s, size_t i, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        uint64_t hit = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x);
        if (hit & highs)
            break;
    }
    while (i < n && !needs_escape((unsigned char)s[i]))
        i++;
    return i;
}

static void escaped_body(jsonw_t *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    for (size_t i = scan_plain(s, 0, n); i < n; i = scan_plain(s, i + 1, n)) {
        unsigned char c = (unsigned char)s[i];
        put(w, s + run, i - run);
        run = i + 1;
        char e[6] = {'\\', 0};
        switch (c) {
        case '"':
            e[1] = '"';
            put(w, e, 2);
            break;
        case '\\':
            e[1] = '\\';
            put(w, e, 2);
            break;
        case '\n':
            e[1] = 'n';
            put(w, e, 2);
            break;
        case '\r':
            e[1] = 'r';
            put(w, e, 2);
            break;
        case '\t':
            e[1] = 't';
            put(w, e, 2);
            break;
        default:
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            put(w, e, 6);
        }
    }
    put(w, s + run, n - run);
}

static void escaped(jsonw_t *w, const char *s, size_t n)
{
    put1(w, '"');
    escaped_body(w, s, n);
    put1(w, '"');
}

void jw_key(jsonw_t *w, const char *k)
{
    sep(w);
    escaped(w, k, strlen(k));
    put(w, ":", 1);
    w->after_key = 1;
}

void jw_strn(jsonw_t *w, const char *s, size_t n)
{
    sep(w);
    escaped(w, s, n);
}

void jw_str(jsonw_t *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

void jw_int(jsonw_t *w, int64_t v)
{
    char n[24];
    int len = snprintf(n, sizeof n, "%lld", (long long)v);
    sep(w);
    put(w, n, (size_t)len);
}

void jw_bool(jsonw_t *w, int v)
{
    sep(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jsonw_t *w)
{
    sep(w);
    put(w, "null", 4);
}

void jw_strcat(jsonw_t *w, const char *const *parts, size_t n)
{
    sep(w);
    put1(w, '"');
    for (size_t i = 0; i < n; i++)
        escaped_body(w, parts[i], strlen(parts[i]));
    put1(w, '"');
}

void jw_real(jsonw_t *w, double v)
{
    if (!isfinite(v)) {
        w->err = 1;
        return;
    }
    char n[40];
    int len = snprintf(n, sizeof n, "%.17g", v);
    char *e = strchr(n, 'e');
    if (e) { /* 1e+21 -> 1e21, 1e-05 -> 1e-5 */
        char *d = e + 1, *src = e + 1;
        if (*src == '+')
            src++;
        else if (*src == '-')
            *d++ = *src++;
        while (*src == '0' && src[1])
            src++;
        memmove(d, src, strlen(src) + 1);
        len = (int)strlen(n);
    } else if (!strchr(n, '.')) {
        memcpy(n + len, ".0", 3);
        len += 2;
    }
    sep(w);
    put(w, n, (size_t)len);
}

void jw_json(jsonw_t *w, const json_t *j)
{
    const char *k;
    size_t klen, i;
    json_t *v;
    switch (j ? json_typeof(j) : JSON_NULL) {
    case JSON_OBJECT:
        jw_obj(w);
        json_object_keylen_foreach((json_t *)j, k, klen, v)
        {
            sep(w);
            escaped(w, k, klen);
            put1(w, ':');
            w->after_key = 1;
            jw_json(w, v);
        }
        jw_obj_end(w);
        break;
    case JSON_ARRAY:
        jw_arr(w);
        json_array_foreach(j, i, v) jw_json(w, v);
        jw_arr_end(w);
        break;
    case JSON_STRING: jw_strn(w, json_string_value(j), json_string_length(j)); break;
    case JSON_INTEGER: jw_int(w, json_integer_value(j)); break;
    case JSON_REAL: jw_real(w, json_real_value(j)); break;
    case JSON_TRUE: jw_bool(w, 1); break;
    case JSON_FALSE: jw_bool(w, 0); break;
    default: jw_null(w); break;
    }
}

void jw_raw(jsonw_t *w, const char *json, size_t n)
{
    sep(w);
    put(w, json, n);
}
