/* Agile ranks: the strings whose byte order is the order of a site's issues on boards
 * and backlogs (issues.rank). A new rank is made between two neighbours without touching
 * any other issue, as Jira's LexoRank does: the midpoint of the two strings read as base-94
 * fractions over the printable characters '!' (33) .. '~' (126). Repeated inserts at one
 * spot halve the gap each time, so a rank grows by about one character per six inserts
 * there (10,000 inserts at one spot: about 1,550 bytes); kiln does not rebalance. */
#ifndef KILN_RANK_H
#define KILN_RANK_H

#include <stddef.h>

enum { RANK_MIN_CHAR = '!', RANK_MAX_CHAR = '~', RANK_MAX_LEN = 8192 };

/* Writes into out (cap bytes with its NUL) a rank strictly between lo and hi in byte
 * order. lo NULL or "": before everything; hi NULL: after everything. lo and hi must be
 * ranks (characters in RANK_MIN_CHAR..RANK_MAX_CHAR, not ending in RANK_MIN_CHAR) with
 * lo < hi. Returns the length, or -1 if they are not, or out is too small. The result
 * never ends in RANK_MIN_CHAR, so there is always room below it. */
int rank_between(const char *lo, const char *hi, char *out, size_t cap);

/* 1 if s is a rank rank_between accepts. */
int rank_valid(const char *s);

#endif
