/* What the libFuzzer harnesses share (header only: each harness is one program): a
 * scratch directory under /tmp that is removed, with all it holds, when the process
 * exits, and a store migrated in one. Both abort when they cannot be made. */
#ifndef KILN_FUZZ_UTIL_H
#define KILN_FUZZ_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "store/store.h"

static char fuzz_dir[64];

static int fuzz_rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static void fuzz_rm_dir(void)
{
    nftw(fuzz_dir, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* /tmp/kiln-fuzz-TAG.XXXXXX, made once per process; kiln's log quiet below errors. */
static const char *fuzz_tmpdir(const char *tag)
{
    if (!fuzz_dir[0]) {
        log_min_level = LOG_ERROR;
        snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/kiln-fuzz-%s.XXXXXX", tag);
        if (!mkdtemp(fuzz_dir))
            abort();
        atexit(fuzz_rm_dir);
    }
    return fuzz_dir;
}

/* A store in fuzz_tmpdir(tag), migrated. */
static store_t *fuzz_store(const char *tag)
{
    char err[256];
    store_t *st = store_open(fuzz_tmpdir(tag), err, sizeof err);
    if (!st || store_migrate(st, err, sizeof err) != STORE_OK)
        abort();
    return st;
}

#endif
