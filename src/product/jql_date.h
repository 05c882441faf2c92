/* jql_date: what JQL's date values and date functions mean, relative to a given `now` and
 * the searching user's time zone (docs/jql.md). Nothing here reads the store: the
 * evaluator calls these with the user's zone and the request's clock.
 *
 * Values, as Jira reads them for date fields:
 *   absolute  "2024-01-31", "2024/01/31" (the start of that day in the user's zone) and
 *             "2024-01-31 10:00", "2024/01/31 10:00" (that minute in the user's zone);
 *   relative  a period from now: "-1d", "2w 3d", "-4h", "+30m", "1w2d" (w weeks, d days of
 *             24 hours, h hours, m minutes; a leading - is the past, + or none the future).
 * Functions: now(), startOfDay/Week/Month/Year() and endOfDay/Week/Month/Year(), each with
 * an optional increment "(+|-)nn(y|M|w|d|h|m)" added to the start or end of the period
 * (without a unit, the function's own: endOfWeek("+1") is endOfWeek("+1w")). A period
 * starts at 00:00:00.000 of its first day and ends at 23:59:59.999 of its last, in the
 * user's zone; weeks start on the day the context says. */
#ifndef KILN_PRODUCT_JQL_DATE_H
#define KILN_PRODUCT_JQL_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

/* A time zone read from the system's tz database (TZif files under /usr/share/zoneinfo,
 * Debian's tzdata). Immutable once loaded; it lives in the arena it was loaded into and
 * may be shared between threads. */
typedef struct jql_tz jql_tz_t;

/* Loads zone `name` ("Europe/Paris", "UTC", "America/New_York"). Returns 0, or -1 for a
 * name that is no zone of the database (a path-like or malformed name included: names
 * with "..", a leading '/', or characters outside [A-Za-z0-9_+-/] are refused unread). */
int jql_tz_load(arena_t *a, const char *name, jql_tz_t **out);

/* The zone's offset from UTC, in seconds east, at the instant `utc` (Unix seconds). NULL
 * is UTC. */
int32_t jql_tz_offset(const jql_tz_t *tz, int64_t utc);

/* The context a query is evaluated in. */
typedef struct jql_datectx {
    int64_t now_ms;     /* the request's clock: Unix milliseconds */
    const jql_tz_t *tz; /* the user's zone (NULL: UTC) */
    int week_start;     /* 0 Sunday (Jira's en_US weeks), 1 Monday (ISO) */
} jql_datectx_t;

typedef enum {
    JQL_DATE_DAY,      /* an absolute day: ms is its start; "on" means the whole day */
    JQL_DATE_MINUTE,   /* an absolute minute */
    JQL_DATE_RELATIVE, /* a period from now */
    JQL_DATE_INSTANT   /* a function's instant */
} jql_date_kind_t;

enum { JQL_DATE_OK = 0, JQL_DATE_EINVALID = -1, JQL_DATE_ERANGE = -2 };

/* Reads a date value (s[0..n)): JQL_DATE_OK with *ms (Unix milliseconds) and *kind, or
 * JQL_DATE_EINVALID for text that is no date Jira accepts, JQL_DATE_ERANGE for one
 * outside years 1..9999 or a period past 10000 years. */
int jql_date_value(const jql_datectx_t *c, const char *s, size_t n, int64_t *ms, jql_date_kind_t *kind);

/* 1 if `name` (any case) is one of the date functions above. */
int jql_date_is_func(const char *name);

/* Evaluates date function `name` with its increment argument `arg` (NULL or "" for
 * none): JQL_DATE_OK and *ms, or JQL_DATE_EINVALID (an unknown function, a malformed
 * increment, an argument to now()), JQL_DATE_ERANGE. */
int jql_date_func(const jql_datectx_t *c, const char *name, const char *arg, int64_t *ms);

/* The civil date and time of an instant in the context's zone (for messages and tests):
 * writes "yyyy-MM-dd HH:mm:ss.SSS" into out (at least 24 bytes). */
void jql_date_format(const jql_datectx_t *c, int64_t ms, char *out, size_t outlen);

#endif
