/* Moving an installation from SQLite to PostgreSQL (kiln store migrate; docs/scale.md
 * "Moving"): every table of the schema catalog copied row by row, in one transaction, and
 * verified by row counts and checksums before it commits.
 *
 * The canonical row encoding both sides are checked with, computed in C from the values
 * each database returns (so it cannot depend on a dialect's text forms): per column, in
 * the target's column order, NULL is "N"; an integer (bigint, integer, smallint, boolean
 * as 0/1) "I" and its decimal digits; a double "R" and printf's %.17g; a text "T", a blob
 * "B", each followed by its length as 8 bytes little-endian and its bytes. A row's hash is
 * the SHA-256 of its encoding; a table's checksum is the four 64-bit little-endian words of
 * every row's hash summed word by word (mod 2^64): independent of row order, so neither
 * side's collation or plan matters, and any changed, missing or extra row changes it. */
#ifndef KILN_STORE_MOVE_H
#define KILN_STORE_MOVE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

/* What was copied and verified, one table a row. */
typedef struct store_move_table {
    const char *name;
    int64_t rows_from, rows_to;             /* counted in SQLite; read back from PostgreSQL */
    unsigned char sum_from[32], sum_to[32]; /* checksums (above) of the same */
} store_move_table_t;

/* The deploy snapshots: each version's file (DATA/<versions.snapshot>, DATA being db_path's
 * directory) copied into snapshot_chunks in STORE_SNAPSHOT_CHUNK pieces, in the same
 * transaction, after the tables; each file's SHA-256 must equal its version's (a version
 * deployed before kiln kept it gets the file's in the copy), and each snapshot is read
 * back from PostgreSQL, counted and hashed again. */
typedef struct store_move_snapshots {
    int64_t snapshots;              /* versions whose file was copied */
    int64_t chunks_from, chunks_to; /* written; read back */
    int64_t bytes;                  /* of the files */
    int64_t hashed;                 /* versions without a SHA-256 that got their file's */
    int64_t differ;                 /* read back with another count or hash (then nothing commits) */
} store_move_snapshots_t;

typedef struct store_move_report {
    store_move_table_t *tables; /* in the order they were copied (parents before children) */
    size_t n;
    unsigned schema_version;
    store_move_snapshots_t snapshots;
} store_move_report_t;

/* Copies the SQLite store db_path (a kiln.db of this binary's schema version, no server
 * writing it: the caller holds the data dir's lock, base/datalock.h) into the PostgreSQL
 * database of url, which must hold no kiln rows. As url's own login: the roles, schema and
 * migrations where missing (store_prepare's one-step setup, or an operator's), then one
 * transaction as kiln_owner (BYPASSRLS: every site's rows) that checks the target empty,
 * copies every table of the catalog (parents first, by the foreign keys), sets every
 * identity sequence past the copied ids, reads every table back and compares counts and
 * checksums with the source's, then copies and verifies the deploy snapshots (above); it
 * commits only when all are equal. Secrets and sealed values are copied as the bytes they
 * are (never opened). A version whose snapshot file is missing or changed stops it.
 *
 * STORE_OK with *out filled (in a); STORE_CONFLICT: the target already holds data;
 * STORE_UNAVAILABLE: the database cannot be reached or refused the login; STORE_ERROR: the
 * source is not a kiln store, is damaged, has another schema version, a copy failed, or
 * the verification found a difference (then *out is filled too, so the caller can print
 * it). Every failure leaves the target as it was (the setup excepted: the roles, schema
 * and migrations of an empty database stay), with a one-line reason in err that names
 * tables and columns, never a value. */
int store_move_sqlite_to_postgres(arena_t *a, const char *db_path, const char *url, store_move_report_t *out, char *err,
                                  size_t errlen);

#endif
