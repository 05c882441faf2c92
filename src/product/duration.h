/* Jira's time-tracking durations: "1w 2d 3h 30m" as worklogs and estimates take them
 * (timeSpent, newEstimate, reduceBy) and answer them (timeSpent, originalEstimate ...),
 * with Jira's default working time: 1w = 5d, 1d = 8h. */
#ifndef KILN_DURATION_H
#define KILN_DURATION_H

#include <stddef.h>
#include <stdint.h>

enum {
    DURATION_MAX_LEN = 64,                   /* longest string read */
    DURATION_MAX_S = 100 * 52 * 5 * 8 * 3600 /* a century of working weeks */
};

/* Reads a duration: one or more terms separated by spaces, each a number (digits,
 * optionally a fraction: "1.5h") with a unit w, d, h or m (either case); a bare number
 * is minutes (Jira's default unit). Each unit at most once. 0 and *seconds set, or -1:
 * empty, too long, an unknown unit, a unit twice, a value past DURATION_MAX_S. */
int duration_parse(const char *s, int64_t *seconds);

/* Writes `seconds` as Jira answers it ("1w 2d 3h 30m"; units that are 0 left out; "0m"
 * for less than a minute). Returns buf. */
const char *duration_format(int64_t seconds, char *buf, size_t len);

#endif
