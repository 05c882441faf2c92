#include "auth/scopes.h"

#include <string.h>

static int cmp(const char *method, const char *path, const struct scope_op *op)
{
    int c = strcmp(path, op->path);
    return c ? c : strcmp(method, op->method);
}

const struct scope_op *scope_find(const char *method, const char *path)
{
    size_t lo = 0, hi = scope_ops_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp(method, path, &scope_ops[mid]);
        if (c == 0)
            return &scope_ops[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* 1 if the space-separated `set` contains the scope s[0..n). */
static int has(const char *set, const char *s, size_t n)
{
    for (const char *p = set; *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, s, n) == 0)
            return 1;
        p += len + (e != NULL);
    }
    return 0;
}

static int covers(const char *granted, const char *need)
{
    if (!need)
        return 0;
    for (const char *p = need; *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && !has(granted, p, len))
            return 0;
        p += len + (e != NULL);
    }
    return 1;
}

int scope_allows(const struct scope_op *op, const char *granted)
{
    if (strcmp(granted, SCOPE_ALL) == 0)
        return 1;
    return covers(granted, op->classic) || covers(granted, op->granular);
}
