/* The UI origin: where Custom UI apps' resources are served, on a listener of its own
 * (`kiln serve --ui-listen HOST:PORT`, its public URL `--ui-origin URL`), never on kiln's
 * origin; its listener serves nothing else (http/server.h: a plane table of its own).
 *
 * A frame's URL names one resource of one installation's version, signed:
 *   {ui origin}/r/{installationId}/{version seq}/{resource key}/{mac}/{file path}
 * mac = the first 16 bytes (hex) of HMAC-SHA-256 over "inst\nseq\nkey" under a key derived
 * from the master key (auth/keys.h keys_derive "ui resource urls"): a URL cannot be made
 * for an installation, version or resource kiln did not hand out, and a version's files are
 * immutable, so everything but HTML is cached for a year. An app's page (HTML) also holds
 * the shim and a policy naming kiln's origin: its URL as kiln hands it out
 * (uiorigin_module_url) ends in ?v=<tag of the shim's build, kiln's and the UI origin>, and
 * only at that tag is the page cached for a year (privately); elsewhere `no-cache`. The
 * version must be the one the installation runs now (else 404: the host asks for a new
 * frame); a browser shows a cached page only where the host put its URL, which it takes
 * from kiln's answers for the running version.
 *
 * The files are those of the manifest's `resources[key].path` folder in the version's
 * snapshot (for a UI Kit resource given as its entry file, the bundle `kiln deploy` made
 * of it: platform/snapshot.h SNAPSHOT_RESOURCES_DIR<key>), as the runtime extracted it (runtime/supervisor.h
 * rt_unpacked_dir; a version not extracted yet is extracted first, the HTTP thread answering when it is). Every file
 * path passes base/relpath; only regular files of at most UIORIGIN_FILE_MAX bytes; a
 * Content-Type from the extension (application/octet-stream otherwise) and nosniff.
 * HTML gets kiln's frame shim (the bridge: ui/src/frame/shim.js, built as assets.json's
 * "frame.js": web/assets.h) as its first script, inline, its SHA-256 a source of the
 * policy's script-src (unless the app's policy allows inline scripts anyway, which a hash
 * source would switch off); `<script src="/_kiln/frame-shim.js">` when it cannot be
 * inline. Every answer has Forge's Custom UI content security policy (uiorigin_csp).
 * `/_kiln/frame-shim.js` is the only other path.
 *
 * Frames are sandboxed without allow-same-origin (ui/src/host/frame/CustomUiFrame.jsx):
 * each runs in an opaque origin, so two apps' frames (or two frames of one app) cannot
 * script each other, read the UI origin's storage or send its cookies; so resources answer
 * `Access-Control-Allow-Origin: *` (module scripts and fonts are CORS requests from an
 * opaque origin), which is safe because the URL itself is the capability. */
#ifndef KILN_UIORIGIN_H
#define KILN_UIORIGIN_H

#include <jansson.h>
#include <stdint.h>

#include "base/arena.h"
#include "http/request.h"

#define UIORIGIN_FILE_MAX (32u << 20) /* bytes of one resource file */
#define UIORIGIN_CSP_MAX 8192         /* bytes of a resource's content security policy */

/* Sets the UI origin's public URL (no trailing slash; NULL: Custom UI is off), kiln's own
 * public URL (the one frame-ancestors allows) and the data dir. The shim comes from the
 * built front end (web/assets.h: assets.json's "frame.js").
 * Before the HTTP threads start; strings must outlive the process. */
void uiorigin_configure(const char *origin, const char *kiln_origin, const char *data_dir);
/* The UI origin's URL, or NULL when none is configured. */
const char *uiorigin_url(void);

/* The URL of `path` (e.g. "index.html") in resource `key` of an installation's version,
 * in `a`; NULL before keys_init or when no UI origin is configured. */
const char *uiorigin_resource_url(arena_t *a, const char *installation_id, int64_t seq, const char *key,
                                  const char *path);

/* The URL of a module's page: `resource` is the manifest's "<key>" (the resource's
 * index.html) or "<key>/<entry>" (its file <entry>.html, beside index.html), with the
 * page's ?v= tag (above; none when the shim is not built); in `a`. NULL as
 * uiorigin_resource_url, or for a resource longer than 255 bytes. */
const char *uiorigin_module_url(arena_t *a, const char *installation_id, int64_t seq, const char *resource);

/* The content security policy of a version's resources (`manifest`: its canonical JSON):
 * Forge's for Custom UI, with permissions.content.scripts ('unsafe-inline',
 * 'unsafe-hashes'), permissions.content.styles ('unsafe-inline') and
 * permissions.external.{fetch.client, images, media, fonts, frames, styles, scripts}
 * honoured; entries with characters a CSP source cannot hold are left out. script_hash
 * ("'sha256-<base64>'", the inline shim's; NULL: none) joins script-src unless the app
 * allows 'unsafe-inline'. In `a`. */
const char *uiorigin_csp(arena_t *a, json_t *manifest, const char *kiln_origin, const char *script_hash);

/* Inserts `tag` (the shim's script element) into an HTML document: after <head ...>, else
 * after <html ...>, else after <!doctype ...>, else first. In `a`; *out_len its length. */
char *uiorigin_inject(arena_t *a, const char *html, size_t len, const char *tag, size_t *out_len);

/* The UI listener's one plane (GET and HEAD). */
void uiorigin_handle(kreq_t *kr);

#endif
