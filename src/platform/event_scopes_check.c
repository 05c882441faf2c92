/* Event scopes: looking up the generated table (event_scopes.c) and telling whether an
 * installation's scopes cover an event (platform/event_scopes.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/event_scopes.h"

#define SCOPES_JSON_MAX 512 /* scopes of one installation read from its JSON */

static int by_event(const void *k, const void *row)
{
    return strcmp(k, ((const event_scopes_row_t *)row)->event);
}

const event_scopes_row_t *event_scopes_find(const char *event_type)
{
    if (!event_type)
        return NULL;
    return bsearch(event_type, event_scopes_rows, event_scopes_n, sizeof *event_scopes_rows, by_event);
}

static int has(const char *s, const char *const *scopes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (scopes[i] && !strcmp(scopes[i], s))
            return 1;
    return 0;
}

/* 1 when every scope of the alternative `need` (non-NULL) is among scopes. */
static int all_of(const char *const *need, const char *const *scopes, size_t n)
{
    for (; *need; need++)
        if (!has(*need, scopes, n))
            return 0;
    return 1;
}

int event_scopes_covered(const char *event_type, const char *const *scopes, size_t n)
{
    const event_scopes_row_t *r = event_scopes_find(event_type);
    if (!r)
        return 1;
    return (r->current && all_of(r->current, scopes, n)) || (r->beta && all_of(r->beta, scopes, n));
}

int event_scopes_allowed(const char *event_type, const char *scopes_json)
{
    if (!event_scopes_find(event_type))
        return 1;
    json_t *j = scopes_json ? json_loads(scopes_json, JSON_REJECT_DUPLICATES, NULL) : NULL;
    const char *list[SCOPES_JSON_MAX];
    size_t n = 0;
    if (json_is_array(j))
        for (size_t i = 0; i < json_array_size(j) && n < SCOPES_JSON_MAX; i++)
            if (json_is_string(json_array_get(j, i)))
                list[n++] = json_string_value(json_array_get(j, i));
    int ok = n > 0 && event_scopes_covered(event_type, list, n);
    json_decref(j);
    return ok;
}

/* Appends the scopes of `need` missing from scopes, comma-separated, to buf at *len. */
static void add_missing(const char *const *need, const char *const *scopes, size_t n, char *buf, size_t cap,
                        size_t *len)
{
    int first = 1;
    for (; *need; need++) {
        if (has(*need, scopes, n))
            continue;
        int k = snprintf(buf + *len, cap - *len, "%s%s", first ? "" : ", ", *need);
        if (k < 0 || (size_t)k >= cap - *len) {
            *len = cap - 1;
            return;
        }
        *len += (size_t)k;
        first = 0;
    }
}

const char *event_scopes_missing(const char *event_type, const char *const *scopes, size_t n, char *buf, size_t cap)
{
    if (!buf || cap < 2 || event_scopes_covered(event_type, scopes, n))
        return NULL;
    const event_scopes_row_t *r = event_scopes_find(event_type);
    const char *const *first = r->current ? r->current : r->beta, *const *other = r->current ? r->beta : NULL;
    size_t len = 0;
    buf[0] = 0;
    add_missing(first, scopes, n, buf, cap, &len);
    if (other && len + 6 < cap) {
        len += (size_t)snprintf(buf + len, cap - len, " (or ");
        add_missing(other, scopes, n, buf, cap, &len);
        if (len + 1 < cap) {
            buf[len++] = ')';
            buf[len] = 0;
        }
    }
    return buf;
}
