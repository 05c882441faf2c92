/* Deploy snapshots in the store (issue 20, docs/scale.md "Deploy snapshots"): with the
 * PostgreSQL store a version's snapshot file is also written to the database, in chunks
 * (store/store_apps.h snapshot_chunks), in the deploy's transaction, so no version row
 * exists without its bytes and every node can run every version. A node that lacks the
 * file fetches it from the database into its own DATA/snapshots, off the HTTP threads (on
 * the runtime's unpack thread: runtime/supervisor.h rt_set_snapshot_source), and checks
 * the SHA-256 the version keeps before anything of it runs. SQLite keeps the files as
 * they are and writes no chunk. */
#ifndef KILN_SNAPSHOT_DB_H
#define KILN_SNAPSHOT_DB_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The SHA-256 of DATA/<relpath> as 64 lowercase hex (hex has 65 bytes). 0, or -1 with err. */
int snapshot_file_sha256(const char *data_dir, const char *relpath, char hex[65], char *err, size_t errlen);

/* 1 when the handle's store keeps snapshots as chunks (PostgreSQL), 0 when it keeps only
 * the files (SQLite). */
int snapshot_db_kept(store_t *st);

/* Writes DATA/<relpath> as the snapshot's chunks, inside the caller's transaction; the
 * file must hash to sha256 (hex) as it is read. STORE_OK, or a STORE_* error with err
 * (STORE_ERROR when the file cannot be read or changed since it was hashed). */
int snapshot_db_put(store_t *st, const char *data_dir, const char *relpath, const char *sha256, char *err,
                    size_t errlen);

/* Makes DATA/<relpath> exist from the database: the version that names it, its chunks in
 * order into a temporary file of the same directory, their SHA-256 compared with the
 * version's, then fsync and rename into place (a file already there is kept). Any thread;
 * opens a store handle of its own and blocks on the database (the runtime calls it on an
 * unpack thread). 0, or -1 with a one-line reason (no tenant data) and nothing left behind:
 * no such version, no chunks (deployed on a SQLite store or before kiln kept them), a gap
 * or an oversized chunk, a hash that differs ("corrupt"), the database unreachable. */
int snapshot_db_fetch(const char *data_dir, const char *relpath, char *err, size_t errlen);

/* kiln serve, at start (and thread 0's purge turn): removes the `.fetch-<hex>` temporaries
 * snapshot_db_fetch leaves in DATA/snapshots/<app>/<env>/ when its process is killed
 * mid-fetch: those last written before before_ms (epoch ms). A fetch under way writes each
 * chunk as it comes, so the caller passes this process's start when no other process
 * runs on the data dir (anything older is a dead one's), else now minus
 * SNAPSHOT_FETCH_STALE_MS (another process sharing the data dir may be fetching now).
 * How many went. */
#define SNAPSHOT_FETCH_STALE_MS (60 * 1000)
size_t snapshot_db_clean(const char *data_dir, int64_t before_ms);

/* kiln serve on PostgreSQL, at start: versions deployed before kiln kept snapshots in the
 * database (migration 23: no SHA-256, no chunks) get them from this node's file, when it
 * has DATA/<snapshot>: hashed, then the SHA-256 and the chunks in one transaction, so
 * another node can run the version instead of refusing it. Of two nodes with the file,
 * the second changes nothing (the SHA-256 is written only over ''). *written: versions
 * copied; *absent: versions this node has no file of (or another node copied). 0, or -1
 * when a version could not be copied (logged, each; the rest still are) or the store
 * failed. SQLite: nothing (0). */
#define SNAPSHOT_BACKFILL_BATCH 64 /* versions read per statement */
int snapshot_db_backfill(store_t *st, const char *data_dir, size_t *written, size_t *absent);

#endif
