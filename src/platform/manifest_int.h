/* The manifest parser's internals, shared by src/platform/manifest*.c only (the public
 * contract is platform/manifest.h):
 *
 *   manifest.c             the document: limits, the order of the checks, app,
 *                          resources, cross references, lookups
 *   manifest_read.c        typed reads of the YAML tree that fail with
 *                          "file:line:col: path: problem"
 *   manifest_modules.c     modules (function, webtrigger, trigger, scheduledTrigger,
 *                          endpoint, the rest kept as unsupported) and handler files
 *   manifest_remotes.c     remotes, their URLs, and the auth of remotes and endpoints
 *   manifest_permissions.c permissions: scopes, external (egress), content
 *   manifest_major.c       the major key
 *   manifest_ui.c          UI modules (jira:issuePanel, ...) and their display conditions
 *   manifest_filter.c      a trigger's filter, payload and per-event form; the scopes
 *                          of the events it subscribes to (warnings)
 *
 * The YAML itself (tree, positions, limits) is base/yaml.h's. Every function here returns
 * 0, or -1 with p->err filled by the first failure (later ones do not overwrite it). */
#ifndef KILN_MANIFEST_INT_H
#define KILN_MANIFEST_INT_H

#include <jansson.h>
#include <stddef.h>
#include <string.h>

#include "base/yaml.h"
#include "platform/manifest.h"

#define MANIFEST_MAX_QUOTE 100 /* bytes of a user value quoted in a message */

/* One manifest_parse call. */
typedef struct manifest_parser {
    arena_t *a;
    const char *label; /* the file, first in every message */
    manifest_err_t *err;
    manifest_t *m;           /* being filled */
    const yaml_t *root;      /* the document's top-level mapping */
    size_t warn_cap;         /* room in m->warnings */
    const yaml_t **handlers; /* the handler node of m->functions[i] (manifest_check_files) */
    json_t *ext_major;       /* external kind -> canonical entries (manifest_major.c) */
    const char *text;        /* the document (positions inside scalars: manifest_filter.c) */
    size_t text_len;
} manifest_parser_t;

/* ---- small predicates, local to each file that uses them */

/* How many bytes of s a message quotes: "%.*s", qlen(s), s. */
static inline int qlen(const char *s)
{
    size_t n = strlen(s);
    return n > MANIFEST_MAX_QUOTE ? MANIFEST_MAX_QUOTE : (int)n;
}

static inline int is_dec(int c)
{
    return c >= '0' && c <= '9';
}

static inline int is_hex(int c)
{
    return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 1 if s is one of `words` (NULL-terminated). */
static inline int one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (!strcmp(s, *words))
            return 1;
    return 0;
}

/* 1 if s has no space, control byte or DEL. */
static inline int no_ws(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static inline int is_str(const yaml_t *n)
{
    return n->type == YAML_STR;
}

/* qsort comparator of C strings. */
static inline int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- failing (manifest_read.c): always -1 */

/* Fails with `code` at line:col; `where` (or NULL) gives the path. */
int manifest_fail_at(manifest_parser_t *p, int code, unsigned line, unsigned col, const yaml_t *where, const char *fmt,
                     ...) __attribute__((format(printf, 6, 7)));
/* Fails at node n's position and path. */
int manifest_fail(manifest_parser_t *p, int code, const yaml_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* MANIFEST_ENOMEM: the arena's cap was reached. */
int manifest_oom(manifest_parser_t *p);
/* Zeroed arena memory (at least 1 byte); NULL after manifest_oom. */
void *manifest_calloc(manifest_parser_t *p, size_t n);

/* ---- warning (manifest_read.c): 0, or -1 after manifest_oom */

/* Appends a warning at node n (its position and path) about module `key` (or NULL). */
int manifest_warn(manifest_parser_t *p, const yaml_t *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- JSON copies in the arena (manifest_read.c) */

/* j as compact JSON (flags added to JSON_COMPACT); NULL after manifest_oom. */
const char *manifest_dump(manifest_parser_t *p, const json_t *j, size_t flags, size_t *len);
/* Node n as compact JSON, keys in document order, into *out (and *len unless NULL). */
int manifest_node_json(manifest_parser_t *p, const yaml_t *n, const char **out, size_t *len);

/* ---- typed reads (manifest_read.c): 0, or -1 with the error at the node */

int manifest_want_map(manifest_parser_t *p, const yaml_t *n);
int manifest_want_seq(manifest_parser_t *p, const yaml_t *n);
/* A non-empty string without NUL bytes. */
int manifest_want_str(manifest_parser_t *p, const yaml_t *n, const char **out);
int manifest_want_bool(manifest_parser_t *p, const yaml_t *n, int *out);
/* A string from `words` (NULL-terminated). */
int manifest_want_enum(manifest_parser_t *p, const yaml_t *n, const char *const *words, const char **out);
/* n's string is a key: ^[a-zA-Z0-9_-]+$, at most max bytes; `what` names it ("module"). */
int manifest_want_key(manifest_parser_t *p, const yaml_t *n, const char *what, size_t max);
/* The entry `key` of `map`, which must be there. */
int manifest_req(manifest_parser_t *p, const yaml_t *map, const char *key, const yaml_t **out);
/* A required string entry; *vn (unless vn is NULL) gets its node. */
int manifest_req_str(manifest_parser_t *p, const yaml_t *map, const char *key, const char **out, const yaml_t **vn);
/* An optional string entry: *out is NULL without it. */
int manifest_opt_str(manifest_parser_t *p, const yaml_t *map, const char *key, const char **out);
/* An optional whole number from lo to hi: *out is 0 without it. */
int manifest_opt_uint(manifest_parser_t *p, const yaml_t *map, const char *key, unsigned lo, unsigned hi,
                      unsigned *out);

/* ---- the parts of the document, in the order manifest_parse runs them */

int manifest_parse_modules(manifest_parser_t *p);     /* manifest_modules.c */
int manifest_parse_remotes(manifest_parser_t *p);     /* manifest_remotes.c */
int manifest_parse_permissions(manifest_parser_t *p); /* manifest_permissions.c */
/* Each function's handler resolves to a source file under app_dir/src (manifest_modules.c). */
int manifest_check_files(manifest_parser_t *p, const char *app_dir);
/* Sets p->m->major_key (manifest_major.c). */
int manifest_build_major_key(manifest_parser_t *p);

/* A trigger's `filter` map, `payload` map and {eventType, filter, payload} event item
 * (manifest_filter.c); a filter's expression is compiled, its errors point into it. */
int manifest_parse_filter(manifest_parser_t *p, const yaml_t *flt);
int manifest_parse_payload(manifest_parser_t *p, const yaml_t *pl);
int manifest_parse_event_item(manifest_parser_t *p, const yaml_t *e, const char **event_type);
/* x is a Jira expression (product/jexpr.h) whose free variables are among vars; a compile
 * error points into the scalar (manifest_filter.c). vars_note (or NULL: a filter's) says
 * which variables there are in the message about an unknown one. */
int manifest_check_expression(manifest_parser_t *p, const yaml_t *x, const char *const *vars, const char *vars_note);
/* A UI module (jira:issuePanel, ...) of `type` (manifest_ui.c; manifest_ui_type says which
 * types), and after resources: its resource, resolver and function references. */
int manifest_parse_ui_module(manifest_parser_t *p, const char *type, const yaml_t *it, const char *key);
int manifest_check_ui_refs(manifest_parser_t *p);
/* After permissions: a warning per subscribed event the scopes do not cover, and per
 * unknown avi:/kiln: event name (manifest_filter.c). */
int manifest_check_event_scopes(manifest_parser_t *p);

/* `auth: {appSystemToken: {enabled: bool}, appUserToken: {enabled: bool}}` of a remote or
 * an endpoint (manifest_remotes.c); both 0 without it. */
int manifest_parse_auth(manifest_parser_t *p, const yaml_t *owner, int *sys, int *user);

#endif
