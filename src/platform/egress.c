#include "platform/egress.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/invocation.h"
#include "base/buf.h"
#include "base/json.h"
#include "journal/leak.h"
#include "journal/ledger.h"

/* ------------------------------------------------------------------ URLs */

static unsigned default_port(const char *scheme)
{
    return strcmp(scheme, "http") == 0 ? 80 : 443;
}

/* Host characters kiln accepts: letters, digits, '-', '.', '_' (some internal names), and
 * ':' inside an IPv6 literal. Percent escapes, IDN in Unicode and anything else: no. */
static int host_ok(const char *h, size_t n, int v6)
{
    if (n == 0 || n > EGRESS_HOST_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '_' || (v6 && c == ':')))
            return 0;
    }
    return 1;
}

/* Splits `[scheme://]authority[/...]` into scheme, host and port. `need_scheme`: a URL
 * (scheme required, http/https only); otherwise an allowlist entry (https by default,
 * `*` allowed in the host). 0 or -1. */
static int split(const char *s, size_t len, int need_scheme, egress_url_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '\\')
            return -1;
    }
    const char *p = s, *end = s + len;
    const char *sep = NULL;
    for (const char *q = s; q + 2 < end; q++) {
        if (*q == '/' || *q == '?' || *q == '#')
            break;
        if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
            sep = q;
            break;
        }
    }
    if (sep) {
        size_t sl = (size_t)(sep - s);
        if (sl == 0 || sl >= sizeof out->scheme)
            return -1;
        for (size_t i = 0; i < sl; i++)
            out->scheme[i] = (char)tolower((unsigned char)s[i]);
        if (strcmp(out->scheme, "http") != 0 && strcmp(out->scheme, "https") != 0)
            return -1;
        p = sep + 3;
    } else {
        if (need_scheme)
            return -1;
        strcpy(out->scheme, "https");
    }
    const char *auth_end = p;
    while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
        auth_end++;
    if (memchr(p, '@', (size_t)(auth_end - p)))
        return -1; /* user info: refused (a classic way to dress one host up as another) */
    const char *h = p, *he;
    const char *port = NULL;
    int v6 = 0;
    if (h < auth_end && *h == '[') {
        const char *close = memchr(h, ']', (size_t)(auth_end - h));
        if (!close)
            return -1;
        v6 = 1;
        he = close;
        h++;
        if (close + 1 < auth_end) {
            if (close[1] != ':')
                return -1;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(h, ':', (size_t)(auth_end - h));
        he = colon ? colon : auth_end;
        if (colon)
            port = colon + 1;
    }
    size_t hl = (size_t)(he - h);
    if (!need_scheme && hl > 0 && h[0] == '*') {
        /* a glob entry: '*' allowed */
        for (size_t i = 0; i < hl; i++)
            if (h[i] != '*' && !host_ok(h + i, 1, v6))
                return -1;
        if (hl > EGRESS_HOST_MAX)
            return -1;
    } else if (!host_ok(h, hl, v6)) {
        return -1;
    }
    for (size_t i = 0; i < hl; i++)
        out->host[i] = (char)tolower((unsigned char)h[i]);
    out->host[hl] = '\0';
    if (need_scheme && hl > 1 && out->host[hl - 1] == '.' && !v6)
        out->host[hl - 1] = '\0';
    if (port) {
        size_t pl = (size_t)(auth_end - port);
        if (pl == 0 || pl > 5)
            return -1;
        unsigned v = 0;
        for (size_t i = 0; i < pl; i++) {
            if (port[i] < '0' || port[i] > '9')
                return -1;
            v = v * 10 + (unsigned)(port[i] - '0');
        }
        if (v == 0 || v > 65535)
            return -1;
        out->port = v;
    } else {
        out->port = default_port(out->scheme);
    }
    return 0;
}

int egress_url_parse(const char *url, size_t len, egress_url_t *out)
{
    if (!url || len == 0 || len > EGRESS_URL_MAX)
        return -1;
    return split(url, len, 1, out);
}

/* ------------------------------------------------------------------ matching */

/* Glob match, `*` = any run of characters (iterative, linear backtracking). */
static int glob(const char *pat, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pat == '*') {
            star = pat++;
            resume = s;
        } else if (*pat == *s) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static int entry_matches(const char *e, size_t n, const egress_url_t *u)
{
    if (n == 1 && e[0] == '*')
        return 1;
    egress_url_t pat;
    if (split(e, n, 0, &pat) != 0)
        return 0;
    if (strcmp(pat.scheme, u->scheme) != 0 || pat.port != u->port)
        return 0;
    if (pat.host[0] == '*')
        return glob(pat.host, u->host);
    return strcmp(pat.host, u->host) == 0;
}

int egress_allowed(const char *allowlist, const egress_url_t *u)
{
    if (!allowlist)
        return 0;
    for (const char *p = allowlist; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n && entry_matches(p, n, u))
            return 1;
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ the allowlist */

static void add_entry(buf_t *b, unsigned *count, const char *s)
{
    if (!s || !*s || strlen(s) > EGRESS_ENTRY_MAX || strchr(s, '\n') || *count >= EGRESS_ENTRIES_MAX)
        return;
    if (b->len)
        buf_add(b, "\n", 1);
    buf_adds(b, s);
    (*count)++;
}

/* Every baseUrl of a remote: the string, or each region's of the regional form. */
static void add_remote(buf_t *b, unsigned *count, json_t *remote)
{
    json_t *base = json_object_get(remote, "baseUrl");
    if (json_is_string(base)) {
        add_entry(b, count, json_string_value(base));
    } else if (json_is_object(base)) {
        const char *k;
        json_t *v;
        json_object_foreach(base, k, v) if (json_is_string(v)) add_entry(b, count, json_string_value(v));
    }
}

static json_t *remote_by_key(json_t *manifest, const char *key)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(manifest, "remotes"), i, r)
    {
        const char *k = json_str(r, "key");
        if (k && strcmp(k, key) == 0)
            return r;
    }
    return NULL;
}

char *egress_allowlist_from_manifest(json_t *manifest)
{
    buf_t b;
    buf_init(&b, (size_t)EGRESS_ENTRIES_MAX * (EGRESS_ENTRY_MAX + 1));
    unsigned count = 0;
    json_t *backend = json_object_get(
        json_object_get(json_object_get(json_object_get(manifest, "permissions"), "external"), "fetch"), "backend");
    size_t i;
    json_t *e;
    json_array_foreach(backend, i, e)
    {
        if (json_is_string(e)) {
            add_entry(&b, &count, json_string_value(e));
        } else if (json_is_object(e)) {
            if (json_str(e, "address"))
                add_entry(&b, &count, json_str(e, "address"));
            else if (json_str(e, "remote") && remote_by_key(manifest, json_str(e, "remote")))
                add_remote(&b, &count, remote_by_key(manifest, json_str(e, "remote")));
        }
    }
    /* declared remotes are reachable too (Forge: remotes' baseUrls are egress of the app) */
    json_t *r;
    json_array_foreach(json_object_get(manifest, "remotes"), i, r) add_remote(&b, &count, r);
    char *out = xstrdup(b.ptr ? b.ptr : "");
    buf_free(&b);
    return out;
}

/* ------------------------------------------------------------------ the transfer point */

static _Atomic uint64_t n_allowed, n_refused, n_rate, n_failed, n_bytes_out, n_bytes_in;

void egress_note_transfer(const invocation_t *inv, const char *dest_url, const void *body, size_t len)
{
    /* the only place egress bytes leave kiln: counted, recorded in the data-flow ledger
     * (a URL of another site's webtrigger names that site), and scanned for other sites'
     * canaries */
    atomic_fetch_add_explicit(&n_allowed, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&n_bytes_out, len, memory_order_relaxed);
    ledger_record(inv, LEDGER_EGRESS, dest_url, len);
    leak_scan(inv, LEAK_SRC_EGRESS, dest_url, body, len);
}

void egress_count(const char *outcome)
{
    if (strcmp(outcome, "refused") == 0)
        atomic_fetch_add_explicit(&n_refused, 1, memory_order_relaxed);
    else if (strcmp(outcome, "rate_limited") == 0)
        atomic_fetch_add_explicit(&n_rate, 1, memory_order_relaxed);
    else if (strcmp(outcome, "failed") == 0)
        atomic_fetch_add_explicit(&n_failed, 1, memory_order_relaxed);
}

void egress_count_in(size_t bytes)
{
    atomic_fetch_add_explicit(&n_bytes_in, bytes, memory_order_relaxed);
}

void egress_get_stats(egress_stats_t *out)
{
    out->allowed = atomic_load_explicit(&n_allowed, memory_order_relaxed);
    out->refused = atomic_load_explicit(&n_refused, memory_order_relaxed);
    out->rate_limited = atomic_load_explicit(&n_rate, memory_order_relaxed);
    out->failed = atomic_load_explicit(&n_failed, memory_order_relaxed);
    out->bytes_out = atomic_load_explicit(&n_bytes_out, memory_order_relaxed);
    out->bytes_in = atomic_load_explicit(&n_bytes_in, memory_order_relaxed);
}
