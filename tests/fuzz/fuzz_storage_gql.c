/* libFuzzer harness for the legacy storage API's GraphQL front (platform/storage_gql.h):
 * any request body is recognised as one operation (whose app storage body is JSON) or
 * refused with a GraphQL error body, never a crash; and every answer to any kvs reply is
 * JSON with "data" or "errors". */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "platform/storage_gql.h"

static void must_be_json_with(const char *s, const char *member)
{
    json_t *j = json_loads(s, 0, NULL);
    if (!json_is_object(j) || !json_object_get(j, member))
        abort();
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(KILN_ARENA_CAP);
    storage_gql_call_t c;
    const char *err = NULL;
    int status = 0;
    if (storage_gql_parse(a, (const char *)data, size, &c, &err, &status) == 0) {
        /* values (a set's value, a where condition's value) may hold NUL: app storage
         * checks them (platform/kvs.c), so the body is read as kiln reads it */
        json_t *b = json_loadb(c.body, c.len, JSON_ALLOW_NUL, NULL);
        if (!json_is_object(b) || !c.kvs_op)
            abort();
        json_decref(b);
        /* the input itself as a kvs reply body, with a few statuses */
        static const int statuses[] = {200, 204, 400, 404, 429, 500};
        for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
            kvs_reply_t r = {.status = statuses[i], .body = (const char *)data, .len = size};
            size_t n;
            const char *ans = storage_gql_answer(a, &c, &r, &n);
            json_t *j = json_loads(ans, JSON_ALLOW_NUL, NULL);
            if (!json_is_object(j) || (!json_object_get(j, "data") && !json_object_get(j, "errors")))
                abort();
            json_decref(j);
        }
    } else {
        if (!err || (status != 200 && status != 400))
            abort();
        must_be_json_with(err, "errors");
    }
    arena_free(a);
    return 0;
}
