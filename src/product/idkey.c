#include "product/idkey.h"
#include "store/store_product.h"

#include <stdlib.h>
#include <string.h>

/* Longest id read as a number: 18 digits always fit an int64_t. */
#define IDKEY_MAX_DIGITS 18

/* 1 if s[0..n) is one or more digits. */
static int digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int idkey_project(const char *s, idkey_t *out)
{
    *out = (idkey_t){0};
    size_t n = strlen(s);
    if (digits(s, n)) {
        if (n > IDKEY_MAX_DIGITS)
            return IDKEY_NONE;
        out->id = strtoll(s, NULL, 10);
        return IDKEY_ID;
    }
    out->key = s;
    return IDKEY_KEY;
}

int idkey_issue(arena_t *a, const char *s, idkey_t *out)
{
    *out = (idkey_t){0};
    size_t n = strlen(s);
    if (digits(s, n)) {
        if (n > IDKEY_MAX_DIGITS)
            return IDKEY_NONE;
        out->id = strtoll(s, NULL, 10);
        return IDKEY_ID;
    }
    const char *dash = strrchr(s, '-');
    if (!dash || dash == s)
        return IDKEY_NONE;
    size_t num_len = strlen(dash + 1);
    if (!digits(dash + 1, num_len) || num_len > IDKEY_MAX_DIGITS)
        return IDKEY_NONE;
    out->key = arena_strndup(a, s, (size_t)(dash - s));
    if (!out->key)
        return IDKEY_ERROR;
    out->num = strtoll(dash + 1, NULL, 10);
    return IDKEY_KEY;
}

int idkey_project_get(store_t *st, arena_t *a, int64_t site_id, const char *id_or_key, project_rec_t *out)
{
    idkey_t k;
    switch (idkey_project(id_or_key, &k)) {
    case IDKEY_ID: return store_project_by_id(st, a, site_id, k.id, out);
    case IDKEY_KEY: return store_project_by_key(st, a, site_id, k.key, out);
    default: return STORE_NOTFOUND;
    }
}

int idkey_issue_get(store_t *st, arena_t *a, int64_t site_id, const char *id_or_key, issue_rec_t *out,
                    const char **project_key)
{
    idkey_t k;
    switch (idkey_issue(a, id_or_key, &k)) {
    case IDKEY_ID: return store_issue_by_id(st, a, site_id, k.id, out, project_key);
    case IDKEY_KEY: return store_issue_by_key(st, a, site_id, k.key, k.num, out, project_key);
    case IDKEY_ERROR: return STORE_ERROR;
    default: return STORE_NOTFOUND;
    }
}
