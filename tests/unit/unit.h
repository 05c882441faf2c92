/* Shared helpers for kiln's cmocka unit tests (tests/unit/test_*.c). Header-only: every
 * helper is static inline so a test that does not use one gets no warning. */
#ifndef KILN_UNIT_H
#define KILN_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h" /* xmalloc, xstrdup, ... */

/* Creates a fresh private directory under $TMPDIR (or /tmp); aborts the test if it cannot. */
static inline char *unit_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/kiln-unit-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    char *copy = strdup(d);
    assert_non_null(copy);
    return copy;
}

static inline int unit_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir and everything under it, then frees the string. */
static inline void unit_rmtree(char *dir)
{
    if (!dir)
        return;
    nftw(dir, unit_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* 1 if s contains needle. */
static inline int unit_contains(const char *s, const char *needle)
{
    return s && needle && strstr(s, needle) != NULL;
}

#endif
