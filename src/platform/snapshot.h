/* Version snapshots: the immutable copy of an app directory (node_modules included, plus
 * kiln's bundles under .kiln/functions/) that a deploy records, stored as one tar file
 * under DATA/snapshots/<appId>/<environment>/.
 *
 * A snapshot reaches the server as an upload in chunks of at most SNAPSHOT_CHUNK bytes
 * (each an ordinary admin request within the 5 MB body limit), into
 * DATA/uploads/<uploadId>.part. Deploying verifies the archive (snapshot_verify) and moves
 * it into place (snapshot_commit) before the version is recorded, so a crash mid-deploy
 * leaves at most an unreferenced file and the previous version intact. */
#ifndef KILN_SNAPSHOT_H
#define KILN_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

#define SNAPSHOT_UPLOAD_MAX_AGE_MS (24LL * 3600 * 1000)

#define SNAPSHOT_CHUNK (4u * 1024 * 1024)
#define SNAPSHOT_MAX_DEFAULT (100ull * 1024 * 1024)
#define SNAPSHOT_FUNCTIONS_DIR ".kiln/functions/" /* bundles: <file>.cjs per handler file */
#define SNAPSHOT_RESOURCES_DIR ".kiln/resources/" /* <key>/: a UI Kit resource entry, bundled */

/* 1 if id is an upload id (32 lowercase hex). */
int snapshot_upload_id_valid(const char *id);
/* Creates an empty upload; writes its id (33 bytes with NUL). 0 or -1 with err. */
int snapshot_upload_create(const char *data_dir, char id[33], char *err, size_t errlen);
/* Appends len bytes at `offset`, which must be the upload's current size; refuses to grow
 * it past max_bytes. 0, or an HTTP status (404 unknown upload, 409 wrong offset, 413 too
 * large, 500) with err. Writes *size_out, the new size. */
int snapshot_upload_append(const char *data_dir, const char *id, uint64_t offset, const void *buf, size_t len,
                           uint64_t max_bytes, uint64_t *size_out, char *err, size_t errlen);

/* Checks an uploaded snapshot with the reader that extracts it (runtime/unpack.h: tar,
 * plain or gzip; files, directories and symlinks that resolve inside); total size of the
 * contents at most max_bytes; it holds manifest.yml whose bytes equal `manifest` and every
 * path in `required`. 0, or -1 with a one-line reason in err. */
int snapshot_verify(const char *data_dir, const char *upload_id, uint64_t max_bytes, const char *manifest,
                    size_t manifest_len, const char *const *required, size_t n_required, uint64_t *bytes_out, char *err,
                    size_t errlen);

/* Makes the upload durable and moves it to snapshots/<app>/<env>/<name>.tar; writes the
 * path relative to the data dir into the arena. 0 or -1 with err. */
int snapshot_commit(arena_t *a, const char *data_dir, const char *upload_id, const char *app_id, const char *env_key,
                    const char **relpath, char *err, size_t errlen);

/* Removes uploads not touched for max_age_ms (abandoned deploys); returns how many. */
size_t snapshot_gc_uploads(const char *data_dir, int64_t now_ms, int64_t max_age_ms);

#endif
