/* An HTML form's body (application/x-www-form-urlencoded) with limits: the body at most
 * WEB_FORM_MAX bytes, at most WEB_FORM_FIELDS fields, each value at most WEB_FORM_VALUE
 * bytes after decoding and without NUL or a bad escape; a field named twice is an error.
 * Fields the caller did not ask for are ignored. */
#ifndef KILN_WEB_FORM_H
#define KILN_WEB_FORM_H

#include <stddef.h>

#include "base/arena.h"

#define WEB_FORM_MAX 4096
#define WEB_FORM_FIELDS 16
#define WEB_FORM_VALUE 1024

/* For each name in names[0..n), the decoded value into vals[i] (NULL when absent).
 * 0, or -1 with *why (a static message) when the body breaks a rule above. */
int web_form_parse(arena_t *a, const char *body, size_t len, const char *const *names, const char **vals, size_t n,
                   const char **why);

#endif
