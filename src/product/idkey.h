/* Jira's "id or key" strings. A project is named by its numeric id ("10000") or its key
 * ("WEB"); an issue by its numeric id ("10001") or its key ("WEB-12": the project's key,
 * a dash, the issue's number in the project). This module reads those strings and asks
 * the store for what they name; the store itself takes ids and keys, never this syntax
 * (store/store.h). */
#ifndef KILN_PRODUCT_IDKEY_H
#define KILN_PRODUCT_IDKEY_H

#include <stdint.h>

#include "base/arena.h"
#include "store/store.h"
#include "store/store_product.h"

/* What a string names: IDKEY_NONE (nothing a Jira site could have), IDKEY_ID (a numeric
 * id: every character a digit, at most 18 of them) or IDKEY_KEY. IDKEY_ERROR: the arena
 * had no room for the key's copy. */
enum { IDKEY_ERROR = -1, IDKEY_NONE = 0, IDKEY_ID = 1, IDKEY_KEY = 2 };

typedef struct idkey {
    int64_t id;      /* IDKEY_ID: the id */
    const char *key; /* IDKEY_KEY: the project key (for an issue: a copy in the arena) */
    int64_t num;     /* IDKEY_KEY of an issue: its number in the project */
} idkey_t;

/* Reads a project id or key: all digits is an id, anything else a key (case-sensitive;
 * out->key is `s` itself). Returns IDKEY_*. */
int idkey_project(const char *s, idkey_t *out);
/* Reads an issue id or key: all digits is an id; KEY-NUM (split at the last dash, a
 * non-empty key, NUM all digits) a key. Returns IDKEY_*. */
int idkey_issue(arena_t *a, const char *s, idkey_t *out);

/* The project or issue a string names on the site: STORE_NOTFOUND when it cannot name
 * one, STORE_ERROR on IDKEY_ERROR, else what the store answers. */
int idkey_project_get(store_t *st, arena_t *a, int64_t site_id, const char *id_or_key, project_rec_t *out);
int idkey_issue_get(store_t *st, arena_t *a, int64_t site_id, const char *id_or_key, issue_rec_t *out,
                    const char **project_key);

#endif
