/* App storage: Forge's Key-Value Store, secrets and Custom Entity Store, answering what
 * the real @forge/kvs sends (docs/kvs.md). Transport-agnostic: a caller (the /_proxy
 * gateway today) authenticates, binds the installation from its credential, and hands
 * over the operation name and the JSON body; kvs_call answers with a status and a JSON
 * body in Forge's shapes ({code, message} on errors).
 *
 * Tenancy: the installation (and its site) come only from ctx, never from the body; every
 * store call is keyed by them. Limits (key 500 characters and Forge's key pattern, value
 * 240 KiB of JSON, depth 31, transaction 25 operations and 4 MB, query limit 100) answer
 * Forge's error codes. The storage:app scope is required (403), and a rate limit per
 * installation applies (429 RATE_LIMIT_EXCEEDED).
 *
 * Durability: a write is answered only after its transaction committed (store.h).
 * Ownership: everything in *out lives in `a`. */
#ifndef KILN_KVS_H
#define KILN_KVS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "gateway/ratelimit.h"
#include "store/store.h"
#include "store/store_kvs.h"

#define KVS_SCOPE "storage:app"
#define KVS_KEY_MAX_CHARS 500
#define KVS_VALUE_MAX_BYTES (240u * 1024)
#define KVS_VALUE_MAX_DEPTH 31
#define KVS_TX_MAX_OPS 25
#define KVS_BATCH_MAX_ITEMS 25
#define KVS_TX_MAX_BYTES (4u * 1024 * 1024)
#define KVS_QUERY_DEFAULT_LIMIT 10
#define KVS_QUERY_MAX_LIMIT 100
#define KVS_RATE_PER_MIN 60000 /* Forge: 1,000 requests per second per installation */

typedef struct kvs_ctx {
    int64_t site_id;
    const char *installation_id;
    const char *scopes;        /* the installation's consented scopes, space-separated */
    const char *entities_json; /* app.storage.entities of the version it runs; NULL: looked
                                  up from the installation when an entity is named */
    unsigned rate_per_min;     /* per installation; 0: no limit */
    int64_t now_ms;
    int grouped; /* 1: the caller has a write transaction open and commits it (group
                    commit, platform/kvs_writer.h); the operation runs in a savepoint
                    that is undone if it fails, and is durable only after that commit */
} kvs_ctx_t;

typedef struct kvs_reply {
    int status;       /* 200, 204, 4xx, 5xx */
    const char *body; /* JSON, or NULL (204) */
    size_t len;
    int away;                /* 503: the store away (1), or its COMMIT's outcome unknown (2: store.h) */
    int rated;               /* 1: `rate` is set (send its headers: gateway/ratelimit.h) */
    ratelimit_result_t rate; /* allowed 0: the call was refused, 429 */
} kvs_reply_t;

/* Runs one operation: op is the path below /api/v1/ ("get", "set", "delete", "query",
 * "batch/get", "batch/set", "batch/delete", "transaction", "secret/get", "secret/set",
 * "secret/delete", "entity/get", "entity/set", "entity/delete", "entity/query"). An
 * unknown op answers 404. Always fills *out; returns 0, or -1 when the store failed
 * (out then holds a 500). */
int kvs_call(store_t *st, arena_t *a, const kvs_ctx_t *ctx, const char *op, const char *body, size_t len,
             kvs_reply_t *out);

/* Several calls that only read (kvs_op_writes is 0 for each: a store thread's batch,
 * platform/proxy_kvs.c), each answered in its `out` exactly as kvs_call would answer it
 * alone, each as its own ctx's site (store_bind_site before its store work: calls of
 * several sites may share a batch). The rows of the plain `get`s of one installation are
 * read in one statement (store_kvs_get_many) before the calls run. At most KVS_READS_MAX
 * calls (more are not answered). */
#define KVS_READS_MAX 64
typedef struct kvs_read {
    arena_t *a;
    const kvs_ctx_t *ctx;
    const char *op, *body;
    size_t len;
    kvs_reply_t out;
} kvs_read_t;
void kvs_call_reads(store_t *st, kvs_read_t *calls, size_t n);

/* What a call answers when the store was away during it (away 1: STORE_UNAVAILABLE_MSG)
 * or its COMMIT's outcome is unknown (away 2: STORE_INDOUBT_MSG): 503 in Forge's
 * {code, message}, naming nothing of the call; the caller adds Retry-After. For the
 * threads that run calls for an HTTP thread (the writer, the store threads), whose store
 * failures that thread's reply cannot see. */
void kvs_reply_away(kvs_reply_t *r, int away);

/* The cursor a key-value `query` continues from to list the keys after `key` (what the
 * query itself returns after its last row), in `a`; NULL if key is too long. */
const char *kvs_cursor_after(arena_t *a, const char *key);

/* Rows of one installation for an operator (`kiln storage`, platform/storage_admin.h):
 * the live rows of `kind` (KVS_KIND_*; for entities, of `entity`) whose keys start with
 * `prefix` ("" for any), in key order after the key `after` (NULL: from the first), at
 * most `limit`, through the store's own listing (store_kvs_list). A secret's value is
 * opened only with open_secrets, else it is NULL. 0; -2 with *why ("CODE: message", as
 * app storage refuses it: an entity the installed version does not declare); -1 (the
 * store failed, or a secret did not open). Rows and *why live in `a`. */
int kvs_rows(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *prefix,
             const char *after, int64_t limit, int open_secrets, int64_t now_ms, kvs_rec_t **out, size_t *n,
             const char **why);

/* Removes up to `max` expired values of every installation (the background sweep);
 * returns how many went, or -1. */
int64_t kvs_expire(store_t *st, int64_t now_ms, int64_t max);

/* Forge's key rules: 0 if valid, else the error code (KEY_TOO_SHORT / EMPTY_KEY,
 * KEY_TOO_LONG, INVALID_KEY) with *msg set. Exposed for tests and fuzzing. */
const char *kvs_key_error(const char *key, size_t len, int entity, const char **msg);

#endif
