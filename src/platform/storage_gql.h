/* The legacy storage API: what `storage` of @forge/api 2.x-7.x (the @forge/storage
 * package) sends as GraphQL to /forge/entities/graphql, translated onto app storage
 * (platform/kvs.h), so one storage has two fronts: a key set through one is read
 * through the other, with the same limits and error codes (docs/kvs.md#legacy-storage).
 *
 * No GraphQL engine: the eight operations @forge/storage sends are recognised by their
 * operation name, kind (query or mutation) and root field, and their variables are
 * checked member by member. Anything else is a GraphQL error body
 * {"errors":[{"message":...}]}. Transport-agnostic and pure: the caller (the /_proxy
 * gateway) binds the installation and runs the kvs operation.
 *
 * Ownership: everything returned lives in the arena passed in. */
#ifndef KILN_STORAGE_GQL_H
#define KILN_STORAGE_GQL_H

#include <stddef.h>

#include "base/arena.h"
#include "platform/kvs.h"

#define STORAGE_GQL_MAX_DOCUMENT 16384 /* characters of the GraphQL document */

typedef enum {
    SGQL_GET,
    SGQL_SET,
    SGQL_DELETE,
    SGQL_LIST,
    SGQL_ENTITY_GET,
    SGQL_ENTITY_SET,
    SGQL_ENTITY_DELETE,
    SGQL_ENTITY_QUERY,
} storage_gql_kind_t;

/* One recognised operation, ready for kvs_call. */
typedef struct storage_gql_call {
    storage_gql_kind_t kind;
    const char *kvs_op; /* "get", "secret/set", "entity/query", ... */
    const char *body;   /* the kvs request body (JSON) */
    size_t len;
    const char *key, *entity; /* echoed in answers (entity NULL for key-value operations) */
    const char *context_ari;  /* the `contextAri` variable of @forge/storage 1.5, or NULL; the
                               * caller must refuse one that is not the invocation's context */
} storage_gql_call_t;

/* Recognises the request {query, variables, operationName?} (JSON text of len bytes).
 * 0 with *out filled; -1 with *err (the GraphQL error body to send, with status 200, or
 * 400 for a body that is not a JSON object) and *status. */
int storage_gql_parse(arena_t *a, const char *json, size_t len, storage_gql_call_t *out, const char **err, int *status);

/* The GraphQL answer (always sent with status 200) to the kvs reply of `call`. */
const char *storage_gql_answer(arena_t *a, const storage_gql_call_t *call, const kvs_reply_t *r, size_t *len);

#endif
