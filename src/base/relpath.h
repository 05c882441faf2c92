/* Relative paths of plain segments: what a snapshot entry and a path an app names inside
 * its own folder may be. One check for the packer (cli/pack.c) and the reader that
 * extracts snapshots (runtime/unpack.c). */
#ifndef KILN_RELPATH_H
#define KILN_RELPATH_H

#include <stddef.h>

/* 1 if p is a relative path of at most `max` bytes whose '/'-separated segments are all
 * non-empty and neither "." nor "..", with no backslash; else 0. So "a/b.js" and
 * "node_modules/x/y" pass; "", "/etc", "a//b", "./a", "a/..", "a/" and "a\\b" do not. */
int relpath_ok(const char *p, size_t max);

#endif
