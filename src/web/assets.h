/* The built front end (docs/ui.md "Sign-in and sessions": assets): the folder esbuild
 * wrote (tools/build-ui.mjs) with assets.json, the map of logical names ("host.js",
 * "host.css") to hashed file names. The folder is `kiln serve --ui-assets DIR`, else
 * ui/ in the binary's folder or the nearest one above it that has ui/assets.json
 * (build/ui beside build/kiln, as runtime/node is found).
 *
 * GET/HEAD /_ui/assets/<name> serves a file assets.json names (and nothing else: no
 * other file of the folder, no path, no traversal), with its Content-Type from a table,
 * `Cache-Control: public, max-age=31536000, immutable` (every name is hashed: a new build
 * is new names), an ETag and 304 for If-None-Match. assets.json is read again when it
 * changes (a rebuild while kiln runs).
 *
 * GET/HEAD /favicon.ico serves the file assets.json names "favicon.ico" (the bundle's
 * site icon, ui/static/favicon.ico) with `Cache-Control: public, max-age=86400` and the
 * same ETag; 404 when the bundle has none. */
#ifndef KILN_WEB_ASSETS_H
#define KILN_WEB_ASSETS_H

#include <stddef.h>

#include "base/arena.h"

#define ASSETS_JSON_MAX (256u * 1024)      /* assets.json */
#define ASSET_FILE_MAX (32u * 1024 * 1024) /* one asset */
#define ASSET_NAME_MAX 128

/* The folder (set once at start; NULL: found beside the binary). */
void assets_set_dir(const char *dir);
/* The folder in use, or NULL when there is none. */
const char *assets_dir(void);
/* The hashed file name of a logical name ("host.js"), in the arena; NULL when the bundle
 * or the name is missing. */
const char *assets_lookup(arena_t *a, const char *logical);

#endif
