/* libFuzzer harness for app storage requests (platform/kvs.h): the first byte picks the
 * operation, the rest is the body. kvs_call must answer any input without crashing, with
 * a known status, and a body that is JSON ({code, message} on errors); it must never
 * touch another installation's rows (a canary row of a second installation is checked). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/keys.h"
#include "base/log.h"
#include "platform/kvs.h"
#include "store/store.h"

#include "fuzz_util.h"

static const char *const ops[] = {"get",           "set",          "delete",      "query",         "batch/get",
                                  "batch/set",     "batch/delete", "transaction", "secret/get",    "secret/set",
                                  "secret/delete", "entity/get",   "entity/set",  "entity/delete", "entity/query"};

#define ENTITIES                                                                                                       \
    "[{\"name\":\"employee\",\"attributes\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\"}},"          \
    "\"indexes\":[\"age\",{\"name\":\"by-name-age\",\"partition\":[\"name\"],\"range\":[\"age\"]}]}]"

static store_t *st;
static kvs_ctx_t mine, other;

static void setup(void)
{
    char err[256];
    st = fuzz_store("kvs");
    if (keys_init(fuzz_tmpdir("kvs"), err, sizeof err) != 0)
        abort();
    mine = (kvs_ctx_t){.site_id = 1,
                       .installation_id = "11111111-1111-4111-8111-111111111111",
                       .scopes = "storage:app",
                       .entities_json = ENTITIES,
                       .now_ms = 1700000000000};
    other = mine;
    other.site_id = 2;
    other.installation_id = "22222222-2222-4222-8222-222222222222";
    arena_t *a = arena_new(1u << 20);
    kvs_reply_t r;
    const char *canary = "{\"key\":\"canary\",\"value\":\"theirs\"}";
    kvs_call(st, a, &other, "set", canary, strlen(canary), &r);
    arena_free(a);
    if (r.status != 204)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st)
        setup();
    if (size < 1)
        return 0;
    const char *op = ops[data[0] % (sizeof ops / sizeof *ops)];
    arena_t *a = arena_new(1u << 26);
    kvs_reply_t r;
    kvs_call(st, a, &mine, op, (const char *)data + 1, size - 1, &r);
    static const int ok[] = {200, 204, 400, 403, 404, 409, 413, 429, 500};
    int known = 0;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        known |= r.status == ok[i];
    if (!known)
        abort();
    if (r.status == 204 ? r.body != NULL : r.body == NULL)
        abort();
    if (r.body) {
        /* values round-trip byte for byte, a \u0000 included (docs/security.md) */
        json_t *j = json_loadb(r.body, r.len, JSON_ALLOW_NUL, NULL);
        if (!j || (r.status >= 400 && !json_is_string(json_object_get(j, "code"))))
            abort();
        json_decref(j);
    }
    /* the other installation's row is untouched */
    kvs_call(st, a, &other, "get", "{\"key\":\"canary\"}", 16, &r);
    if (r.status != 200 || !memmem(r.body, r.len, "\"theirs\"", 8))
        abort();
    arena_free(a);
    return 0;
}
