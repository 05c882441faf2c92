/* Packing an app directory for deploy (CLI side, as the forge CLI does): bundle each
 * function's handler file with esbuild, then write one tar holding only what runs:
 *
 *   manifest.yml, package.json        as they are
 *   .kiln/functions/<file>.cjs        one bundle per handler file (its code and every
 *                                     package it imports, inlined)
 *   each resources[].path             the manifest's static resources (Custom UI builds)
 *   .kiln/resources/<key>/            a UI Kit resource given as its entry file (as Forge
 *                                     apps are written: `path: src/frontend/index.jsx`),
 *                                     bundled for the browser with esbuild: index.js,
 *                                     index.css, assets/, and an index.html loading them
 *   package.json "kiln.include"       files or folders the code reads at run time
 *   node_modules/<name>               only the packages a bundle keeps outside: those that
 *                                     load a native addon (a `.node` file, `bindings`,
 *                                     `node-gyp-build`: found in esbuild's metafile),
 *                                     those named in package.json "kiln.external", and
 *                                     what they depend on (flattened), each whole
 *
 * Sources, the rest of node_modules, .git and .kiln stay out (docs/apps.md, "What a
 * snapshot holds"). A package kept outside is required by name from the bundle, so Node
 * finds it in the snapshot's node_modules. */
#ifndef KILN_PACK_H
#define KILN_PACK_H

#include <stdint.h>

#include "platform/manifest.h"

#define PACK_MAX_NAME 214                   /* npm's longest package name; also the longest include path */
#define PACK_MAX_EXTERNAL 64                /* names in package.json kiln.external */
#define PACK_MAX_INCLUDE 64                 /* paths in package.json kiln.include */
#define PACK_MAX_KEPT 256                   /* packages kept outside the bundles, dependencies included */
#define PACK_MAX_PACKAGE_JSON 1048576       /* bytes of the app's package.json */
#define PACK_MAX_RESOURCE_BUNDLE (16 << 20) /* bytes of a UI Kit resource's index.js */

/* Builds the archive at out_path (work_dir holds the bundles, metafiles and esbuild's
 * messages). Returns 0, or -1 after printing one line to stderr naming the cause (for a
 * bundle that fails: esbuild's first error with its FILE:LINE:COL). *bytes gets the
 * archive's size. */
int pack_app(const char *app_dir, const manifest_t *m, const char *work_dir, const char *out_path, uint64_t max_bytes,
             uint64_t *bytes);

#endif
