/* Jira expressions, the subset Forge trigger filters use (`filter.expression` in a
 * manifest, evaluated over {event: <the event payload>}; docs/events.md):
 *
 *   literals (numbers, 'strings' and "strings", true, false, null, [lists]),
 *   variables and property paths (event.issue.fields.summary), optional chaining (?.),
 *   indexing (a[0], a['key']), comparisons (== != < <= > >=), && || !, `in`, ??,
 *   arithmetic (+ - * / %), the conditional (c ? a : b), arrow functions in list methods,
 *   and the string and list methods filters call (includes, startsWith, endsWith,
 *   toLowerCase, toUpperCase, trim, length, split, match, indexOf, slice, join, some,
 *   every, filter, map, find, flatten).
 *
 * Semantics (Jira's): == compares by value (1 == 1.0, lists and maps member by member,
 * different types are unequal); < <= > >= compare two Numbers or two Strings, anything
 * else is an error; a property of null is an error ("Type null does not have any
 * properties") unless reached with ?., which makes the rest of the chain null; a property
 * a map does not have is null; an index past a list's end is null; `x in list` is
 * list.includes(x); + adds Numbers, joins Strings (a String and another value: its text)
 * and concatenates Lists. match() takes a POSIX extended regular expression (no
 * back-references) and gives the list of matches or null. An unknown method, a wrong
 * number of arguments or a function where a value belongs is a compile error.
 *
 * A compile error has its position within the expression text (1-based line and column)
 * so a manifest can point at manifest.yml:LINE:COL. Evaluation never crashes and is
 * bounded (JEXPR_STEPS_MAX steps, JEXPR_DEPTH_MAX nesting); a runtime error (a method on
 * the wrong type, a property of null without ?.) is an error, reported, not a crash. */
#ifndef KILN_JEXPR_H
#define KILN_JEXPR_H

#include <jansson.h>
#include <stddef.h>

#include "base/arena.h"

#define JEXPR_SRC_MAX 4096 /* bytes of expression text */
#define JEXPR_DEPTH_MAX 64
#define JEXPR_STEPS_MAX 100000

typedef struct jexpr jexpr_t; /* compiled; lives in the arena it was compiled in */

typedef struct jexpr_err {
    unsigned line, col; /* 1-based, within the expression text */
    char msg[200];
} jexpr_err_t;

/* NULL with *err filled when the text is not an expression of the subset. */
jexpr_t *jexpr_compile(arena_t *a, const char *src, size_t len, jexpr_err_t *err);

/* 0 when every free variable of x (not an arrow function's parameter) is one of names
 * (NULL-terminated); else -1 with err at the first other one. A manifest's filter may use
 * only `event`. */
int jexpr_check_vars(const jexpr_t *x, const char *const *names, jexpr_err_t *err);

enum { JEXPR_FALSE = 0, JEXPR_TRUE = 1, JEXPR_ERROR = -1 };
/* Evaluates x with the members of `vars` (an object) as its variables and tells whether
 * the value is truthy (Jira's: false, null, 0, "" and [] are not). JEXPR_ERROR with a
 * message in err. */
int jexpr_test(const jexpr_t *x, json_t *vars, char *err, size_t errlen);
/* The value itself (a new reference), or NULL with a message in err. */
json_t *jexpr_eval(const jexpr_t *x, json_t *vars, char *err, size_t errlen);

#endif
