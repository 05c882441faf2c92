/* Jira's duration strings (product/duration.h). */
#include "product/duration.h"

#include <stdio.h>
#include <string.h>

static const struct {
    char unit;
    int64_t seconds;
} units[] = {
    {'w', 5 * 8 * 3600},
    {'d', 8 * 3600},
    {'h', 3600},
    {'m', 60},
};
enum { NUNITS = sizeof units / sizeof *units };

static int unit_index(char c)
{
    if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    for (int i = 0; i < NUNITS; i++)
        if (units[i].unit == c)
            return i;
    return -1;
}

int duration_parse(const char *s, int64_t *seconds)
{
    if (!s || strnlen(s, DURATION_MAX_LEN + 1) > DURATION_MAX_LEN)
        return -1;
    int seen[NUNITS] = {0};
    int64_t total = 0;
    int terms = 0;
    const char *p = s;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        /* the number: whole part, optional fraction (at most 3 digits kept) */
        int64_t whole = 0, frac = 0, scale = 1;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (++digits > 9)
                return -1;
            whole = whole * 10 + (*p++ - '0');
        }
        if (digits == 0)
            return -1;
        if (*p == '.') {
            p++;
            int fd = 0;
            while (*p >= '0' && *p <= '9') {
                if (++fd > 3)
                    return -1;
                frac = frac * 10 + (*p++ - '0');
                scale *= 10;
            }
            if (fd == 0)
                return -1;
        }
        int u = 3; /* minutes, Jira's default unit */
        if (*p && *p != ' ') {
            u = unit_index(*p++);
            if (u < 0 || (*p && *p != ' '))
                return -1;
        }
        if (seen[u]++)
            return -1;
        int64_t s_term = whole * units[u].seconds + frac * units[u].seconds / scale;
        if (whole > DURATION_MAX_S || s_term > DURATION_MAX_S || total + s_term > DURATION_MAX_S)
            return -1;
        total += s_term;
        terms++;
    }
    if (terms == 0)
        return -1;
    *seconds = total;
    return 0;
}

const char *duration_format(int64_t seconds, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    if (seconds < 0)
        seconds = 0;
    for (int i = 0; i < NUNITS; i++) {
        int64_t n = seconds / units[i].seconds;
        seconds -= n * units[i].seconds;
        if (n && off < len) {
            int w = snprintf(buf + off, len - off, "%s%lld%c", off ? " " : "", (long long)n, units[i].unit);
            off += w > 0 ? (size_t)w : 0;
        }
    }
    if (off == 0)
        snprintf(buf, len, "0m");
    return buf;
}
