#include "auth/scopes.h"

#include <string.h>

/* Forge's own scopes that kiln accepts in permissions.scopes. Forge documents more (the
 * list in @forge/manifest's out/scopes/shipyard-scopes.json); the others belong to
 * products and services kiln does not host (Confluence, Bitbucket, Compass, Teams, Rovo,
 * the account and personal-data APIs, ...) and are refused at deploy. */
const struct scope_platform scope_platform[] = {
    {"read:account",
     "served as Forge's consent rule: each user must allow the app before it acts as them (docs/ui.md); kiln has "
     "no account profile API",
     1},
    {"read:app-global-channel:realtime",
     "accepted and ignored: kiln has no Forge Realtime, so the channel it would open does not exist", 0},
    {"read:app-system-token", "served: remotes get an app system token (docs/remote.md)", 0},
    {"read:app-user-token",
     "accepted and ignored: kiln runs no invocation on behalf of a user, so no user token is ever issued", 0},
    {"read:me",
     "served as Forge's consent rule: each user must allow the app before it acts as them (docs/ui.md); kiln has "
     "no /me API",
     1},
    {"storage:app", "served: app storage (KVS, secrets, custom entities, the legacy storage API; docs/kvs.md)", 0},
};
const size_t scope_platform_len = sizeof scope_platform / sizeof scope_platform[0];

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
    if (!granted)
        return 0;
    return covers(granted, op->classic) || covers(granted, op->granular);
}

/* strcmp order of the NUL-terminated `name` against the counted s[0..n). */
static int cmp_counted(const char *name, const char *s, size_t n)
{
    size_t nl = strlen(name);
    int c = memcmp(name, s, nl < n ? nl : n);
    return c ? c : nl < n ? -1 : nl > n ? 1 : 0;
}

/* Binary search of s[0..n) in `count` names `stride` bytes apart (the name pointer first). */
static int in_sorted(const void *base, size_t count, size_t stride, const char *s, size_t n)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_counted(*(const char *const *)((const char *)base + mid * stride), s, n);
        if (c == 0)
            return 1;
        if (c > 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

int scope_needs_user_consent(const char *granted)
{
    for (size_t i = 0; granted && i < scope_platform_len; i++)
        if (scope_platform[i].user_consent && has(granted, scope_platform[i].name, strlen(scope_platform[i].name)))
            return 1;
    return 0;
}

int scope_known(const char *s, size_t n)
{
    if (n == 0 || memchr(s, '\0', n))
        return 0;
    return in_sorted(scope_jira_names, scope_jira_names_len, sizeof *scope_jira_names, s, n) ||
           in_sorted(scope_platform, scope_platform_len, sizeof *scope_platform, s, n);
}
