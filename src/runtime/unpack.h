/* App version snapshots as archives: one format (tar, plain or gzip-compressed), checked
 * and extracted by the same reader, so what deploy accepts is exactly what a worker can
 * run (docs/apps.md, "Snapshots").
 *
 * A snapshot holds only regular files, directories and symlinks, under relative names
 * with no "..", "." or empty component, each name once. No entry lies below a symlink or
 * a file. Every symlink is resolved against the snapshot's root, through the other links
 * of the snapshot, fully: a chain that leaves the root at any step (`a -> .`,
 * `x -> a/..`), an absolute target, or more than UNPACK_MAX_HOPS links is refused. So a
 * path that the worker opens inside /app can only reach files of the snapshot, whatever
 * the links. Extraction checks again, writes into a fresh directory that nothing else can
 * see (libarchive with its secure flags: nothing is written through a symlink), and
 * renames it into place only when it is complete. */
#ifndef KILN_UNPACK_H
#define KILN_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#define UNPACK_MAX_ENTRIES 500000
#define UNPACK_MAX_HOPS 40
#define UNPACK_MAX_NAME 4096

typedef struct unpack_rules {
    uint64_t max_bytes;   /* total size of the files' contents */
    const char *manifest; /* when set: manifest.yml must hold exactly these bytes */
    size_t manifest_len;
    const char *const *required; /* regular files that must be there */
    size_t n_required;
} unpack_rules_t;

/* Checks the archive at `path` against the rules above. 0 with *bytes (the contents'
 * total), or -1 with a one-line reason in err (no tenant data: names are the archive's
 * own, cut to 200 bytes). */
int unpack_verify(const char *path, const unpack_rules_t *rules, uint64_t *bytes, char *err, size_t errlen);

/* Checks the archive (unpack_verify with max_bytes) and extracts it to `dest`, which must
 * not exist yet, via a temporary sibling renamed into place. Directories get mode 0755,
 * files 0644 (0755 with an owner execute bit), owned by kiln: readable by a sandboxed
 * worker's uid, writable by nobody but kiln. Returns 1 when extracted, 0 when `dest`
 * existed already (another extraction won), -1 with err (nothing left behind). */
int unpack_extract(const char *path, const char *dest, uint64_t max_bytes, char *err, size_t errlen);

#endif
