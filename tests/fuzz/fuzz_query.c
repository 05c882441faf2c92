/* libFuzzer harness for the request's query readers (http/request.h: kreq_query,
 * kreq_query_int, kreq_query_all over the raw query string) and the issue view's list
 * parameters (product/issue_view.h: issue_view_parse of fields, expand and properties).
 * The input is a query string; its values of `fields`, `expand` and `properties` feed
 * issue_view_parse. Each accepts or refuses any bytes without a sanitizer report, and:
 *   - kreq_query_int agrees with a plain reference reading of kreq_query's value
 *     (optional '-', digits only, in [min, max]) and leaves *v alone when it refuses;
 *   - kreq_query_all's first value is kreq_query's, and it returns at most the count
 *     asked for;
 *   - issue_view_parse refuses only with a message, and what it accepts keeps its limits:
 *     at most IV_MAX_FIELDS names and IV_MAX_PROPERTIES properties, each non-empty,
 *     without a comma or surrounding spaces, and only known expand bits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "http/request.h"
#include "product/issue_view.h"

/* The reference: optional one '-', then 1 to 19 digits, no overflow, within [min, max]. */
static int ref_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    int neg = *s == '-';
    const char *p = s + neg;
    if (!*p)
        return -1;
    int64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, neg ? -(*p - '0') : *p - '0', &v))
            return -1;
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static void must_be_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || strchr(s, ',') || s[0] == ' ' || s[n - 1] == ' ')
        abort();
}

static void ints(kreq_t *kr)
{
    static const struct {
        const char *name;
        int64_t min, max;
    } params[] = {
        {"startAt", 0, INT32_MAX},
        {"maxResults", 0, 5000},
        {"id", INT64_MIN, INT64_MAX},
        {"n", -5, 5},
    };
    for (size_t i = 0; i < sizeof params / sizeof *params; i++) {
        int bad = 0;
        const char *s = kreq_query(kr, params[i].name, &bad);
        int64_t v = 424242, want = 424242;
        int rc = kreq_query_int(kr, params[i].name, params[i].min, params[i].max, &v);
        if (bad || !s) {
            /* a malformed escape anywhere in the parameter: -1; absent: 0; the default
             * kept either way */
            if (rc != (bad ? -1 : 0) || v != 424242)
                abort();
            continue;
        }
        int ref = ref_int(s, params[i].min, params[i].max, &want);
        if (rc != ref || v != want)
            abort();
    }
}

static void lists(kreq_t *kr)
{
    static const char *const names[] = {"jql", "fields", "expand", "properties", "a"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        int bad1 = 0, bad2 = 0;
        const char *first = kreq_query(kr, names[i], &bad1);
        const char *all[4];
        size_t n = kreq_query_all(kr, names[i], all, 4, &bad2);
        if (n > 4)
            abort();
        for (size_t k = 0; k < n; k++)
            if (!all[k])
                abort();
        /* the first well-formed value is the first one kreq_query_all returns */
        if (first && (!n || strcmp(first, all[0]) != 0))
            abort();
    }
}

static void view(kreq_t *kr, arena_t *a)
{
    static const char *const dflts[] = {"*all", "*navigable", "summary,status"};
    const char *fields = kreq_query(kr, "fields", NULL), *expand = kreq_query(kr, "expand", NULL),
               *props = kreq_query(kr, "properties", NULL);
    for (size_t d = 0; d < sizeof dflts / sizeof *dflts; d++) {
        issue_view_t v;
        char err[256] = "";
        if (issue_view_parse(a, fields, dflts[d], expand, props, &v, err, sizeof err) != 0) {
            if (!err[0])
                abort();
            continue;
        }
        if (v.ninclude + v.nexclude > IV_MAX_FIELDS || v.nproperties > IV_MAX_PROPERTIES)
            abort();
        if (v.expand & ~(unsigned)(2 * IV_VERSIONED - 1))
            abort();
        for (size_t i = 0; i < v.ninclude; i++)
            must_be_name(v.include[i]);
        for (size_t i = 0; i < v.nproperties; i++)
            must_be_name(v.properties[i]);
        for (size_t i = 0; i < v.nexclude; i++)
            if (strchr(v.exclude[i], ','))
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(KILN_ARENA_CAP);
    kreq_t kr;
    memset(&kr, 0, sizeof kr);
    kr.arena = a;
    kr.query = (const char *)data;
    kr.query_len = size;
    ints(&kr);
    lists(&kr);
    view(&kr, a);
    arena_free(a);
    return 0;
}
