/* jql_date: date values, date functions and the tz database reader (jql_date.h). Civil
 * dates are converted with Howard Hinnant's days-from-civil algorithms; a zone is the
 * TZif file's 64-bit transition table (RFC 8536). Past the last transition (2037 in
 * Debian's "fat" files) the zone keeps its last offset: DST rules of later years are not
 * applied (docs/jql.md). */
#include "product/jql_date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TZ_DIR "/usr/share/zoneinfo/"
#define TZ_MAX_FILE (256u * 1024)
#define TZ_MAX_TRANS 4096u
#define MS_PER_DAY 86400000LL

struct jql_tz {
    size_t n;     /* transitions */
    int64_t *at;  /* their instants, ascending */
    int32_t *off; /* the offset from each transition on */
    int32_t off0; /* before the first */
};

/* ---- civil dates ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* ---- zones ---- */

static int tz_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 64 || n[0] == '/' || strstr(n, ".."))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
              c == '-' || c == '/'))
            return 0;
    }
    return 1;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}
static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

int jql_tz_load(arena_t *a, const char *name, jql_tz_t **out)
{
    *out = NULL;
    if (!name || !tz_name_ok(name))
        return -1;
    char path[128];
    snprintf(path, sizeof path, TZ_DIR "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char *d = xmalloc(TZ_MAX_FILE);
    size_t n = fread(d, 1, TZ_MAX_FILE, f);
    int rc = -1;
    fclose(f);
    if (n < 44 || memcmp(d, "TZif", 4) != 0)
        goto done;
    /* the version 1 block (32-bit times), then for version 2+ a second header and block */
    size_t p = 0;
    int v2 = d[4] >= '2';
    for (int pass = 0; pass < 2; pass++) {
        if (p + 44 > n || memcmp(d + p, "TZif", 4) != 0)
            goto done;
        uint32_t isut = be32(d + p + 20), isstd = be32(d + p + 24), leap = be32(d + p + 28), timecnt = be32(d + p + 32),
                 typecnt = be32(d + p + 36), charcnt = be32(d + p + 40);
        size_t tsz = pass == 0 ? 4 : 8;
        if (timecnt > TZ_MAX_TRANS || typecnt == 0 || typecnt > 256 || charcnt > 4096 || leap > 1024 ||
            isut > typecnt || isstd > typecnt)
            goto done;
        size_t body =
            (size_t)timecnt * tsz + timecnt + (size_t)typecnt * 6 + charcnt + (size_t)leap * (tsz + 4) + isstd + isut;
        size_t start = p + 44;
        if (start + body > n)
            goto done;
        if (pass == 0 && v2) {
            p = start + body;
            continue;
        }
        jql_tz_t *tz = arena_calloc(a, sizeof *tz);
        if (!tz)
            goto done;
        tz->n = timecnt;
        tz->at = arena_alloc(a, (timecnt ? timecnt : 1) * sizeof *tz->at);
        tz->off = arena_alloc(a, (timecnt ? timecnt : 1) * sizeof *tz->off);
        if (!tz->at || !tz->off)
            goto done;
        const unsigned char *times = d + start, *idx = times + (size_t)timecnt * tsz, *types = idx + timecnt;
        for (uint32_t i = 0; i < timecnt; i++) {
            tz->at[i] = tsz == 8 ? be64(times + 8 * (size_t)i) : (int64_t)(int32_t)be32(times + 4 * (size_t)i);
            if (idx[i] >= typecnt || (i && tz->at[i] <= tz->at[i - 1]))
                goto done;
            tz->off[i] = (int32_t)be32(types + 6 * (size_t)idx[i]);
        }
        /* before the first transition: the first standard-time type (RFC 8536 3.2) */
        tz->off0 = (int32_t)be32(types);
        for (uint32_t t = 0; t < typecnt; t++) {
            if (!types[6 * (size_t)t + 4]) {
                tz->off0 = (int32_t)be32(types + 6 * (size_t)t);
                break;
            }
        }
        *out = tz;
        rc = 0;
        break;
    }
done:
    free(d);
    return rc;
}

int32_t jql_tz_offset(const jql_tz_t *tz, int64_t utc)
{
    if (!tz || tz->n == 0 || utc < tz->at[0])
        return tz ? tz->off0 : 0;
    size_t lo = 0, hi = tz->n; /* the last transition at or before utc */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (tz->at[mid] <= utc)
            lo = mid;
        else
            hi = mid;
    }
    return tz->off[lo];
}

/* A civil time in the zone to an instant, as java.util.Calendar (and Python's fold=0)
 * read it: in an overlap (autumn) the earlier instant; in a gap (spring forward) the
 * wall time read with the offset before the gap (02:30 on New York's spring day is 03:30
 * EDT). Transitions of real zones are days apart, so a day on either side gives both
 * offsets. */
static int64_t local_to_utc_ms(const jql_tz_t *tz, int64_t local_ms)
{
    int64_t ls = floordiv(local_ms, 1000), frac = local_ms - ls * 1000;
    int32_t before = jql_tz_offset(tz, ls - 86400), after = jql_tz_offset(tz, ls + 86400);
    int64_t ub = ls - before, ua = ls - after;
    int okb = jql_tz_offset(tz, ub) == before, oka = jql_tz_offset(tz, ua) == after;
    int64_t u = ub;
    if (okb && oka)
        u = ub < ua ? ub : ua;
    else if (oka)
        u = ua;
    return u * 1000 + frac;
}

static int64_t utc_to_local_ms(const jql_tz_t *tz, int64_t ms)
{
    return ms + (int64_t)jql_tz_offset(tz, floordiv(ms, 1000)) * 1000;
}

void jql_date_format(const jql_datectx_t *c, int64_t ms, char *out, size_t outlen)
{
    int64_t l = utc_to_local_ms(c->tz, ms), days = floordiv(l, MS_PER_DAY), rem = l - days * MS_PER_DAY, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, outlen, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%03lld", (long long)y, m, d,
             (long long)(rem / 3600000), (long long)(rem / 60000 % 60), (long long)(rem / 1000 % 60),
             (long long)(rem % 1000));
}

/* ---- values ---- */

static int read_uint(const char *s, size_t n, size_t *i, size_t maxdigits, int64_t *out)
{
    size_t st = *i;
    int64_t v = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9' && *i - st < maxdigits)
        v = v * 10 + (s[(*i)++] - '0');
    if (*i == st || (*i < n && s[*i] >= '0' && s[*i] <= '9'))
        return -1;
    *out = v;
    return 0;
}

static const int64_t year_min = 1, year_max = 9999;

static int absolute(const jql_datectx_t *c, const char *s, size_t n, int64_t *ms, jql_date_kind_t *kind)
{
    size_t i = 0;
    int64_t y, mo, d, h = 0, mi = 0;
    if (read_uint(s, n, &i, 4, &y) || i != 4 || i >= n || (s[i] != '-' && s[i] != '/'))
        return JQL_DATE_EINVALID;
    char sep = s[i++];
    if (read_uint(s, n, &i, 2, &mo) || i >= n || s[i++] != sep || read_uint(s, n, &i, 2, &d))
        return JQL_DATE_EINVALID;
    *kind = JQL_DATE_DAY;
    if (i < n) {
        if (s[i++] != ' ' || read_uint(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || read_uint(s, n, &i, 2, &mi) ||
            i != n)
            return JQL_DATE_EINVALID;
        *kind = JQL_DATE_MINUTE;
    }
    if (y < year_min || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo) || h > 23 || mi > 59)
        return JQL_DATE_EINVALID;
    int64_t local = days_from_civil(y, (unsigned)mo, (unsigned)d) * MS_PER_DAY + (h * 60 + mi) * 60000;
    *ms = local_to_utc_ms(c->tz, local);
    return JQL_DATE_OK;
}

static const struct {
    char u;
    int64_t ms;
} period_units[] = {{'w', 7 * MS_PER_DAY}, {'d', MS_PER_DAY}, {'h', 3600000}, {'m', 60000}};

static int relative(const jql_datectx_t *c, const char *s, size_t n, int64_t *ms)
{
    size_t i = 0;
    int sign = 1;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        sign = s[i++] == '-' ? -1 : 1;
    int64_t total = 0;
    int parts = 0;
    while (i < n) {
        while (parts && i < n && s[i] == ' ')
            i++;
        int64_t v;
        if (read_uint(s, n, &i, 9, &v) || i >= n)
            return JQL_DATE_EINVALID;
        char u = s[i++];
        if (u >= 'A' && u <= 'Z')
            u = (char)(u + 32);
        size_t k = 0;
        while (k < sizeof period_units / sizeof *period_units && period_units[k].u != u)
            k++;
        if (k == sizeof period_units / sizeof *period_units)
            return JQL_DATE_EINVALID;
        total += v * period_units[k].ms;
        if (total > 10000LL * 366 * MS_PER_DAY)
            return JQL_DATE_ERANGE;
        parts++;
    }
    if (!parts)
        return JQL_DATE_EINVALID;
    *ms = c->now_ms + sign * total;
    return JQL_DATE_OK;
}

int jql_date_value(const jql_datectx_t *c, const char *s, size_t n, int64_t *ms, jql_date_kind_t *kind)
{
    if (n == 0 || n > 64)
        return JQL_DATE_EINVALID;
    if (n >= 8 && s[0] >= '0' && s[0] <= '9' && n > 4 && (s[4] == '-' || s[4] == '/'))
        return absolute(c, s, n, ms, kind);
    *kind = JQL_DATE_RELATIVE;
    return relative(c, s, n, ms);
}

/* ---- functions ---- */

typedef enum { U_MIN, U_HOUR, U_DAY, U_WEEK, U_MONTH, U_YEAR } unit_t;

static const struct {
    const char *name;
    int end;     /* 1: endOf, 0: startOf */
    unit_t unit; /* the period */
} date_funcs[] = {
    {"startOfDay", 0, U_DAY},     {"endOfDay", 1, U_DAY},     {"startOfWeek", 0, U_WEEK}, {"endOfWeek", 1, U_WEEK},
    {"startOfMonth", 0, U_MONTH}, {"endOfMonth", 1, U_MONTH}, {"startOfYear", 0, U_YEAR}, {"endOfYear", 1, U_YEAR},
};

int jql_date_is_func(const char *name)
{
    if (!strcasecmp(name, "now"))
        return 1;
    for (size_t i = 0; i < sizeof date_funcs / sizeof *date_funcs; i++)
        if (!strcasecmp(name, date_funcs[i].name))
            return 1;
    return 0;
}

/* "(+|-)nn(y|M|w|d|h|m)", the unit optional (then `dflt`); M is months and m minutes. */
static int increment(const char *arg, unit_t dflt, int64_t *v, unit_t *u)
{
    size_t n = strlen(arg), i = 0;
    int sign = 1;
    if (i < n && (arg[i] == '-' || arg[i] == '+'))
        sign = arg[i++] == '-' ? -1 : 1;
    if (read_uint(arg, n, &i, 9, v))
        return JQL_DATE_EINVALID;
    *v *= sign;
    *u = dflt;
    if (i == n)
        return 0;
    static const struct {
        char c;
        unit_t u;
    } units[] = {{'y', U_YEAR}, {'M', U_MONTH}, {'w', U_WEEK}, {'d', U_DAY}, {'h', U_HOUR}, {'m', U_MIN}};
    for (size_t k = 0; k < sizeof units / sizeof *units; k++) {
        if (arg[i] == units[k].c && i + 1 == n) {
            *u = units[k].u;
            return 0;
        }
    }
    return JQL_DATE_EINVALID;
}

/* Adds v units (day or longer) to a civil date, the day clamped to the month's length. */
static int civil_add(int64_t *y, unsigned *m, unsigned *d, int64_t v, unit_t u)
{
    if (u == U_YEAR || u == U_MONTH) {
        int64_t months = *y * 12 + (*m - 1) + (u == U_YEAR ? v * 12 : v);
        *y = floordiv(months, 12);
        *m = (unsigned)(months - *y * 12) + 1;
        if (*y < year_min || *y > year_max)
            return JQL_DATE_ERANGE;
        unsigned dim = days_in_month(*y, *m);
        if (*d > dim)
            *d = dim;
        return 0;
    }
    int64_t days = days_from_civil(*y, *m, *d) + (u == U_WEEK ? 7 * v : v);
    civil_from_days(days, y, m, d);
    return *y < year_min || *y > year_max ? JQL_DATE_ERANGE : 0;
}

int jql_date_func(const jql_datectx_t *c, const char *name, const char *arg, int64_t *ms)
{
    if (!strcasecmp(name, "now")) {
        if (arg && *arg)
            return JQL_DATE_EINVALID;
        *ms = c->now_ms;
        return JQL_DATE_OK;
    }
    size_t f = 0;
    while (f < sizeof date_funcs / sizeof *date_funcs && strcasecmp(name, date_funcs[f].name))
        f++;
    if (f == sizeof date_funcs / sizeof *date_funcs)
        return JQL_DATE_EINVALID;
    unit_t per = date_funcs[f].unit, u = per;
    int64_t v = 0;
    if (arg && *arg && increment(arg, per, &v, &u))
        return JQL_DATE_EINVALID;
    int64_t l = utc_to_local_ms(c->tz, c->now_ms), y;
    unsigned m, d;
    civil_from_days(floordiv(l, MS_PER_DAY), &y, &m, &d);
    /* an increment of the period's unit or a longer one moves the period; a shorter one is
     * added to its boundary ("startOfMonth(+14d)": the 15th of this month) */
    int shift = v && u >= per && u >= U_DAY;
    if (shift && civil_add(&y, &m, &d, v, u))
        return JQL_DATE_ERANGE;
    int end = date_funcs[f].end;
    switch (per) {
    case U_WEEK: {
        int64_t days = days_from_civil(y, m, d);
        int dow = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
        int back = (dow - c->week_start + 7) % 7;
        civil_from_days(days - back + (end ? 6 : 0), &y, &m, &d);
        break;
    }
    case U_MONTH: d = end ? days_in_month(y, m) : 1; break;
    case U_YEAR:
        m = end ? 12 : 1;
        d = end ? 31 : 1;
        break;
    default: break;
    }
    if (!shift && v && u >= U_DAY && civil_add(&y, &m, &d, v, u))
        return JQL_DATE_ERANGE;
    if (y < year_min || y > year_max)
        return JQL_DATE_ERANGE;
    int64_t local = days_from_civil(y, m, d) * MS_PER_DAY + (end ? MS_PER_DAY - 1 : 0);
    int64_t t = local_to_utc_ms(c->tz, local);
    if (!shift && v && u < U_DAY)
        t += v * (u == U_HOUR ? 3600000 : 60000);
    *ms = t;
    return JQL_DATE_OK;
}
