/* JSON helpers over jansson: parsing with kiln's limits (yajl's lexer building jansson
 * trees), and dumping into an arena. Objects returned by json_parse_limited are owned by
 * the caller (json_decref); the _arena variants tie their lifetime to an arena instead. */
#ifndef KILN_JSON_H
#define KILN_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "base/arena.h"

typedef struct json_err {
    int code;            /* 0, or one of JERR_* */
    const char *message; /* static text, safe to show to the client */
    size_t position;     /* byte offset of the problem */
} json_err_t;

enum { JERR_OK = 0, JERR_SYNTAX = -1, JERR_DEPTH = -2, JERR_TOO_BIG = -3 };

/* Parses `n` bytes of JSON (any value type) into a jansson tree, refusing nesting deeper
 * than max_depth (JERR_DEPTH, position: the bracket that went too deep) and everything
 * jansson's own reader refuses (JERR_SYNTAX): duplicate keys, NUL in keys, invalid
 * UTF-8, unpaired surrogate escapes, out-of-range numbers, anything after the value but
 * whitespace. NUL is allowed in string values. The lexer is yajl's (3.5x faster than
 * jansson's); tests/fuzz/fuzz_json.c holds the two readers to the same answers.
 * Returns NULL and fills err on failure. */
json_t *json_parse_limited(const char *s, size_t n, size_t max_depth, json_err_t *err);
/* Same, with the result released when `a` is freed. */
json_t *json_parse_arena(arena_t *a, const char *s, size_t n, size_t max_depth, json_err_t *err);
/* Registers json_decref(j) on the arena and returns j. */
json_t *json_own(arena_t *a, json_t *j);

/* Serialises j compactly into arena memory; *len gets the length. Returns NULL if the
 * result would exceed `max` bytes or the arena's cap. Does not consume j. */
char *json_dump_arena(arena_t *a, const json_t *j, size_t max, size_t *len);

/* Getters that return NULL/default when the member is missing or of another type. */
const char *json_str(const json_t *o, const char *key);

/* The first string in `j` that holds a NUL byte, which a C-string consumer would cut
 * there ("a\u0000b" read as "a"): members and array items at any depth, skipping the
 * values of members named in `keep` (NULL-terminated, matched at any depth; NULL: none),
 * since JSON that stays JSON may hold NUL. `text`, when not NULL, is the n bytes j was
 * parsed from by json_parse_*: a string can hold NUL only through a \u0000 escape (the
 * parser refuses raw control bytes), so without one the tree is not walked. Returns 1
 * and writes the string's path into `path` ("fields.summary", "items[2].key": member
 * names as the client sent them, cut to fit `cap`), else 0 and "". Keys never hold NUL
 * (the parser refuses them). */
int json_nul_field(const json_t *j, const char *text, size_t n, const char *const *keep, char *path, size_t cap);

/* 1 if v is a string equal to `want` byte for byte and in length: a NUL inside v (which a
 * C-string comparison would stop at) never matches. For credentials and identifiers. */
int json_str_is(const json_t *v, const char *want);

#endif
