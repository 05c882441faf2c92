/* Packing an app directory for deploy (CLI side, as the forge CLI does): bundle each
 * function's handler file with esbuild, then write one tar holding the directory
 * (node_modules included; .git and .kiln left out) and the bundles under
 * .kiln/functions/<file>.cjs. */
#ifndef KILN_PACK_H
#define KILN_PACK_H

#include <stdint.h>

#include "platform/manifest.h"

/* Builds the archive at out_path. Returns 0, or -1 after printing a one-line reason (or
 * esbuild's own messages) to stderr. *bytes gets the archive's size. */
int pack_app(const char *app_dir, const manifest_t *m, const char *work_dir, const char *out_path, uint64_t max_bytes,
             uint64_t *bytes);

#endif
