/* Agile ranks (product/rank.h). */
#include "product/rank.h"

#include <string.h>

int rank_valid(const char *s)
{
    size_t n = strlen(s);
    if (n > RANK_MAX_LEN || (n && s[n - 1] == RANK_MIN_CHAR))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < RANK_MIN_CHAR || (unsigned char)s[i] > RANK_MAX_CHAR)
            return 0;
    return 1;
}

int rank_between(const char *lo, const char *hi, char *out, size_t cap)
{
    if (!lo)
        lo = "";
    if (!rank_valid(lo) || (hi && (!rank_valid(hi) || strcmp(lo, hi) >= 0)))
        return -1;
    size_t nlo = strlen(lo), nhi = hi ? strlen(hi) : 0, n = 0;
    for (size_t i = 0;; i++) {
        /* a digit past lo's end is the lowest; past hi's end (or no hi) one above the highest */
        int a = i < nlo ? (unsigned char)lo[i] : RANK_MIN_CHAR;
        int b = hi && i < nhi ? (unsigned char)hi[i] : RANK_MAX_CHAR + 1;
        if (n + 2 > cap)
            return -1;
        if (a == b) { /* a shared prefix */
            out[n++] = (char)a;
            continue;
        }
        if (b - a >= 2) { /* room between: the midpoint digit ends the rank */
            out[n++] = (char)((a + b) / 2);
            out[n] = '\0';
            return (int)n;
        }
        /* adjacent digits: keep lo's and look for room after it, now below nothing */
        out[n++] = (char)a;
        hi = NULL;
    }
}
