/* jsonw: a streaming JSON writer into a capped buffer. Product responses are written
 * with it instead of building a jansson tree and dumping it: on the hot path that tree
 * cost a third of kiln's CPU (malloc per node, a callback per token), measured with
 * perf on `make bench`. Parsing stays with jansson.
 *
 * Commas and nesting are tracked for the caller; keys and strings are escaped. Errors
 * (buffer cap reached, nesting beyond JSONW_MAX_DEPTH) are sticky: check jw.err once at
 * the end. */
#ifndef KILN_JSONW_H
#define KILN_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define JSONW_MAX_DEPTH 32

typedef struct jsonw {
    buf_t *b;
    int err;
    unsigned depth;
    unsigned char has_items[JSONW_MAX_DEPTH]; /* per level: 1 after the first member */
    unsigned char after_key;
} jsonw_t;

void jw_init(jsonw_t *w, buf_t *b);
void jw_obj(jsonw_t *w);
void jw_obj_end(jsonw_t *w);
void jw_arr(jsonw_t *w);
void jw_arr_end(jsonw_t *w);
void jw_key(jsonw_t *w, const char *k);
void jw_str(jsonw_t *w, const char *s); /* NULL writes null */
void jw_strn(jsonw_t *w, const char *s, size_t n);
void jw_int(jsonw_t *w, int64_t v);
void jw_bool(jsonw_t *w, int v);
void jw_null(jsonw_t *w);
/* One string value made of the concatenation of parts (no printf on the hot path). */
void jw_strcat(jsonw_t *w, const char *const *parts, size_t n);
#define JW_STRCAT(w, ...)                                                                                              \
    jw_strcat((w), (const char *const[]){__VA_ARGS__},                                                                 \
              sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
/* A real as jansson writes it ("%.17g", ".0" appended to integral values, exponents
 * without '+' or leading zeros); NaN and infinities (not JSON) set err. */
void jw_real(jsonw_t *w, double v);
/* A jansson value, written whole (objects in their insertion order, as json_dumps). */
struct json_t;
void jw_json(jsonw_t *w, const struct json_t *j);
/* A value that is already valid JSON (e.g. a stored document). */
void jw_raw(jsonw_t *w, const char *json, size_t n);

/* key + value shorthands */
static inline void jw_kstr(jsonw_t *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_str(w, v);
}
static inline void jw_kint(jsonw_t *w, const char *k, int64_t v)
{
    jw_key(w, k);
    jw_int(w, v);
}
static inline void jw_kbool(jsonw_t *w, const char *k, int v)
{
    jw_key(w, k);
    jw_bool(w, v);
}

#endif
