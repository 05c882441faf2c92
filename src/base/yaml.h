/* yaml: YAML text kiln reads from users (manifest.yml) as a positioned tree in an arena.
 * libyaml's event API reads the text; every node keeps its 1-based line and column and
 * its parent, so a reader above can say where a problem is and name its path in the
 * document ("manifest.yml:14:9: modules.webtrigger[0].function: ...").
 *
 * The names share libyaml's yaml_ prefix as base/json.h shares jansson's json_; none of
 * them is one of libyaml's, and only base/yaml.c includes <yaml.h>.
 *
 * What is accepted is a strict subset of YAML: at most one document; no anchors or
 * aliases (this also refuses "billion laughs"); no tags but `!` and `!!str` on scalars and
 * `!!seq` / `!!map` on collections; mapping keys are scalars and never repeat (compared
 * byte for byte); no NUL byte in any scalar, keys included (every string of the tree is a
 * C string); UTF-8 only (libyaml would read UTF-16). The caller's limits cap the text's
 * size, the nesting depth, the number of nodes and the bytes of one scalar.
 *
 * Plain scalars are typed as YAML 1.2's core schema (as the `yaml` package of npm does):
 * null (~, null, empty), booleans (true/false in three casings), integers (decimal, 0x,
 * 0o; a decimal too large for 64 bits is a real), reals; .inf and .nan stay strings (JSON
 * has no such numbers). Quoted, block and tagged scalars are strings.
 *
 * The first problem stops the parse. Checks run in document order, node by node: node
 * count, key (scalar, not repeated), alias, anchor, tag, scalar size, NUL, depth. */
#ifndef KILN_YAML_H
#define KILN_YAML_H

#include <jansson.h>
#include <stddef.h>

#include "base/arena.h"

/* Node types: the first five are scalars. */
enum yaml_type { YAML_NULL, YAML_BOOL, YAML_INT, YAML_REAL, YAML_STR, YAML_SEQ, YAML_MAP };

/* The closed set of error codes (yaml_err_t.code). */
enum yaml_code {
    YAML_OK = 0,
    YAML_ESYNTAX = -1, /* not YAML, or YAML this reader refuses: anchors, aliases, tags,
                          several documents, non-scalar or repeated keys, UTF-16 */
    YAML_ELIMIT = -2,  /* the text's size, depth, node count, a scalar's size */
    YAML_ENUL = -3,    /* a scalar holds a NUL byte (a "\0" escape) */
    YAML_ENOMEM = -4,  /* the arena's cap was reached, or libyaml ran out of memory */
};

/* The caller's limits; every field must be set. */
typedef struct yaml_limits {
    size_t max_bytes;   /* text; larger is refused before parsing */
    unsigned max_depth; /* open mappings and sequences at once, the top level's included */
    unsigned max_nodes; /* scalars (keys included), mappings and sequences */
    size_t max_string;  /* bytes of one scalar */
    const char *noun;   /* names the text in size and encoding errors: "manifest" */
} yaml_limits_t;

typedef struct yaml yaml_t;

/* A node. Everything is owned by the arena given to yaml_parse; read-only for callers. */
struct yaml {
    unsigned char type;   /* enum yaml_type */
    unsigned char is_key; /* 1: the key of a mapping's entry (reached through ->key only) */
    const char *s;        /* a scalar's text as written (escapes decoded), NUL-terminated;
                             NULL for mappings and sequences */
    size_t len;           /* bytes of s */
    long long i;          /* YAML_INT: the value; YAML_BOOL: 0 or 1 */
    double r;             /* YAML_REAL: the value */
    unsigned line, col;   /* 1-based position of the node's first character */
    yaml_t *parent;       /* the mapping or sequence holding it; NULL for the root */
    yaml_t *key;          /* a mapping's entry (the value): its key node */
    size_t index;         /* a sequence's item: its index */
    yaml_t *first, *next; /* a collection's entries or items, in document order */
    size_t n;             /* how many */
    yaml_t *last;         /* (the builder's) */
    unsigned hash;        /* (the builder's: a key's FNV-1a) */
};

/* Walks the entries of a mapping (each with ->key) or the items of a sequence. */
#define YAML_EACH(c, node) for (const yaml_t *c = (node)->first; c; c = c->next)

typedef struct yaml_err {
    int code;           /* YAML_OK or one of YAML_E* */
    char msg[400];      /* the problem, without position or path ("duplicate key \"a\"");
                           printable UTF-8 on one line, user text quoted at most 100 bytes */
    unsigned line, col; /* 1-based position of the problem */
    const yaml_t *node; /* the node it concerns, for yaml_path (in the arena, in a tree
                           that was not finished); NULL for the whole text */
} yaml_err_t;

/* Parses `len` bytes of `text` (need not be NUL-terminated; NULL is empty) under `lim`.
 * Returns 0 and sets *root to the document's root node, or to NULL when the text holds no
 * document (empty, only comments); an empty document ("---") is a YAML_NULL root.
 * Returns -1 with *err filled (err->code < 0); *root is then NULL. */
int yaml_parse(arena_t *a, const char *text, size_t len, const yaml_limits_t *lim, const yaml_t **root,
               yaml_err_t *err);

/* 1 if n is a scalar. */
static inline int yaml_is_scalar(const yaml_t *n)
{
    return n->type <= YAML_STR;
}

/* The entry of mapping `map` whose key is the string `key`; NULL when there is none or
 * map is NULL or not a mapping. */
const yaml_t *yaml_get(const yaml_t *map, const char *key);

/* "a mapping", "a sequence", "a string", "an integer", "a number", "a boolean", "null":
 * what n is, for messages ("expected a string, found %s"). */
const char *yaml_type_name(const yaml_t *n);

/* Writes n's path from the root into buf ("modules.function[0].handler"; each key cut to
 * 100 bytes); the root's path, and NULL's, are "". A key node gives its mapping's path.
 * Truncated to fit cap (which must be at least 1), maybe inside a UTF-8 sequence. */
void yaml_path(const yaml_t *n, char *buf, size_t cap);

/* n as a new jansson value (the caller owns it): mappings become objects with keys in
 * document order, sequences arrays, scalars their typed value. NULL when out of memory. */
json_t *yaml_to_json(const yaml_t *n);

#endif
