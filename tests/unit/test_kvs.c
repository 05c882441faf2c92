/* Unit tests for app storage (src/platform/kvs.h) and the key store (src/auth/keys.h) on
 * the SQLite store: every operation through kvs_call, Forge's limits and error codes,
 * isolation of installations with identical keys, TTL, secrets sealed at rest (and bound
 * to their installation and key), rotation, transactions all or nothing, and the purge. */
#include "unit.h"

#include <jansson.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "auth/keys.h"
#include "base/json.h"
#include "base/log.h"
#include "platform/app.h"
#include "platform/install.h"
#include "platform/kvs.h"
#include "platform/site.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_kvs.h"
#include "store/store_sites.h"

#define ENTITIES                                                                                                       \
    "[{\"name\":\"employee\",\"attributes\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\"},"           \
    "\"dept\":{\"type\":\"string\"}},\"indexes\":[\"age\",{\"name\":\"by-dept-age\",\"partition\":[\"dept\"],"         \
    "\"range\":[\"age\"]}]}]"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
    kvs_ctx_t A, B; /* two installations */
} fx_t;

static int setup(void **state)
{
    log_min_level = LOG_WARN;
    fx_t *f = xcalloc(1, sizeof *f);
    char err[256];
    f->dir = unit_tempdir();
    f->a = arena_new(1u << 26);
    f->st = store_open(f->dir, err, sizeof err);
    assert_non_null(f->st);
    assert_int_equal(store_migrate(f->st, err, sizeof err), STORE_OK);
    assert_int_equal(keys_init(f->dir, err, sizeof err), 0);
    f->A = (kvs_ctx_t){.site_id = 1,
                       .installation_id = "11111111-1111-4111-8111-111111111111",
                       .scopes = "read:jira-work storage:app",
                       .entities_json = ENTITIES,
                       .now_ms = 1700000000000};
    f->B = f->A;
    f->B.site_id = 2;
    f->B.installation_id = "22222222-2222-4222-8222-222222222222";
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    store_close(f->st);
    arena_free(f->a);
    keys_reset();
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

/* Runs an op; returns the reply body parsed (NULL for 204) and the status in *status. */
static json_t *call(fx_t *f, const kvs_ctx_t *ctx, const char *op, const char *body, int *status)
{
    kvs_reply_t r;
    assert_int_equal(kvs_call(f->st, f->a, ctx, op, body, strlen(body), &r), 0);
    *status = r.status;
    if (!r.body || r.len == 0)
        return NULL;
    json_error_t e;
    json_t *j = json_loadb(r.body, r.len, 0, &e);
    if (!j)
        fail_msg("reply of %s is not JSON: %.*s", op, (int)r.len, r.body);
    return json_own(f->a, j);
}

static void expect_code(fx_t *f, const kvs_ctx_t *ctx, const char *op, const char *body, int status, const char *code)
{
    int st;
    json_t *j = call(f, ctx, op, body, &st);
    if (st != status || !j || strcmp(json_string_value(json_object_get(j, "code")) ?: "", code) != 0) {
        char *s = j ? json_dumps(j, 0) : NULL;
        fail_msg("%s %s: want %d %s, got %d %s", op, body, status, code, st, s ? s : "(no body)");
    }
}

static const char *get_value(fx_t *f, const kvs_ctx_t *ctx, const char *op, const char *key)
{
    int st;
    json_t *j = call(f, ctx, op, arena_printf(f->a, "{\"key\":\"%s\"}", key), &st);
    if (st == 404)
        return NULL;
    assert_int_equal(st, 200);
    size_t n;
    return json_dump_arena(f->a, json_object_get(j, "value"), 1u << 20, &n);
}

static void test_set_get_delete(void **state)
{
    fx_t *f = *state;
    int st;
    assert_null(call(f, &f->A, "set", "{\"key\":\"a:b c\",\"value\":{\"n\":[1,2]}}", &st));
    assert_int_equal(st, 204);
    assert_string_equal(get_value(f, &f->A, "get", "a:b c"), "{\"n\":[1,2]}");
    json_t *j = call(f, &f->A, "get", "{\"key\":\"a:b c\",\"options\":{\"metadataFields\":[\"CREATED_AT\"]}}", &st);
    assert_int_equal(json_integer_value(json_object_get(j, "createdAt")), 1700000000);
    assert_null(json_object_get(j, "expireTime"));
    expect_code(f, &f->A, "get", "{\"key\":\"nope\"}", 404, "KEY_NOT_FOUND");
    assert_null(call(f, &f->A, "delete", "{\"key\":\"a:b c\"}", &st));
    assert_int_equal(st, 204);
    expect_code(f, &f->A, "delete", "{\"key\":\"a:b c\"}", 404, "KEY_NOT_FOUND");
    assert_null(get_value(f, &f->A, "get", "a:b c"));
    expect_code(f, &f->A, "nope", "{}", 404, "NOT_FOUND");
    expect_code(f, &f->A, "get", "[1]", 400, "BAD_REQUEST");
    expect_code(f, &f->A, "get", "{\"key\":", 400, "BAD_REQUEST");
}

static void test_key_policy_and_return(void **state)
{
    fx_t *f = *state;
    int st;
    call(f, &f->A, "set", "{\"key\":\"k\",\"value\":1,\"options\":{\"keyPolicy\":\"FAIL_IF_EXISTS\"}}", &st);
    assert_int_equal(st, 204);
    expect_code(f, &f->A, "set", "{\"key\":\"k\",\"value\":2,\"options\":{\"keyPolicy\":\"FAIL_IF_EXISTS\"}}", 409,
                "KEY_ALREADY_EXISTS");
    assert_string_equal(get_value(f, &f->A, "get", "k"), "1");
    json_t *j =
        call(f, &f->A, "set",
             "{\"key\":\"k\",\"value\":2,\"options\":{\"keyPolicy\":\"OVERRIDE\",\"returnValue\":\"PREVIOUS\"}}", &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 1);
    j = call(f, &f->A, "set",
             "{\"key\":\"k\",\"value\":3,\"options\":{\"keyPolicy\":\"OVERRIDE\",\"returnValue\":\"LATEST\"}}", &st);
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 3);
    assert_null(call(
        f, &f->A, "set",
        "{\"key\":\"new\",\"value\":3,\"options\":{\"keyPolicy\":\"OVERRIDE\",\"returnValue\":\"PREVIOUS\"}}", &st));
    assert_int_equal(st, 204);
}

static void test_created_updated(void **state)
{
    fx_t *f = *state;
    int st;
    kvs_ctx_t c = f->A;
    call(f, &c, "set", "{\"key\":\"k\",\"value\":1,\"options\":{\"ttl\":{\"value\":10,\"unit\":\"SECONDS\"}}}", &st);
    c.now_ms += 5000;
    call(f, &c, "set", "{\"key\":\"k\",\"value\":2,\"options\":{\"ttl\":{\"value\":1,\"unit\":\"SECONDS\"}}}", &st);
#define META "\"options\":{\"metadataFields\":[\"CREATED_AT\",\"UPDATED_AT\",\"EXPIRE_TIME\"]}"
    json_t *j = call(f, &c, "get", "{\"key\":\"k\"," META "}", &st);
    assert_int_equal(json_integer_value(json_object_get(j, "createdAt")), 1700000000);
    assert_int_equal(json_integer_value(json_object_get(j, "updatedAt")), 1700000005);
    /* over an expired value, a set starts afresh */
    c.now_ms += 2000;
    call(f, &c, "set", "{\"key\":\"k\",\"value\":3}", &st);
    j = call(f, &c, "get", "{\"key\":\"k\"," META "}", &st);
    assert_int_equal(json_integer_value(json_object_get(j, "createdAt")), 1700000007);
    assert_null(json_object_get(j, "expireTime"));
}

static void test_limits(void **state)
{
    fx_t *f = *state;
    int st;
    char key[502];
    memset(key, 'k', 500);
    key[500] = '\0';
    call(f, &f->A, "set", arena_printf(f->a, "{\"key\":\"%s\",\"value\":1}", key), &st);
    assert_int_equal(st, 204);
    key[500] = 'k';
    key[501] = '\0';
    expect_code(f, &f->A, "set", arena_printf(f->a, "{\"key\":\"%s\",\"value\":1}", key), 400, "KEY_TOO_LONG");
    expect_code(f, &f->A, "set", "{\"key\":\"\",\"value\":1}", 400, "KEY_TOO_SHORT");
    expect_code(f, &f->A, "set", "{\"key\":\"a/b\",\"value\":1}", 400, "INVALID_KEY");
    expect_code(f, &f->A, "set", "{\"key\":\"   \",\"value\":1}", 400, "INVALID_KEY");
    expect_code(f, &f->A, "get", "{\"key\":\"\\u00e9\"}", 400, "INVALID_KEY");
    call(f, &f->A, "set", "{\"key\":\"tab\\there#1-x_y.z\",\"value\":1}", &st);
    assert_int_equal(st, 204);
    /* depth 31 is fine, 32 is not */
    char deep[200];
    size_t n = 0;
    for (int i = 0; i < 31; i++)
        deep[n++] = '[';
    for (int i = 0; i < 31; i++)
        deep[n++] = ']';
    deep[n] = '\0';
    call(f, &f->A, "set", arena_printf(f->a, "{\"key\":\"d\",\"value\":%s}", deep), &st);
    assert_int_equal(st, 204);
    expect_code(f, &f->A, "set", arena_printf(f->a, "{\"key\":\"d\",\"value\":[%s]}", deep), 400, "MAX_DEPTH");
    /* 240 KiB of JSON: a string of 245758 characters plus its quotes fits, one more does not */
    size_t big = 240 * 1024 - 2;
    char *s = arena_alloc(f->a, big + 64);
    int len = sprintf(s, "{\"key\":\"big\",\"value\":\"");
    memset(s + len, 'x', big);
    strcpy(s + len + big, "\"}");
    call(f, &f->A, "set", s, &st);
    assert_int_equal(st, 204);
    memset(s + len, 'x', big + 1);
    strcpy(s + len + big + 1, "\"}");
    expect_code(f, &f->A, "set", s, 400, "MAX_SIZE");
    expect_code(f, &f->A, "set", "{\"key\":\"t\",\"value\":1,\"options\":{\"ttl\":{\"value\":0,\"unit\":\"SECONDS\"}}}",
                400, "INVALID_TTL");
}

static void test_isolation(void **state)
{
    fx_t *f = *state;
    int st;
    call(f, &f->A, "set", "{\"key\":\"same\",\"value\":\"A\"}", &st);
    call(f, &f->B, "set", "{\"key\":\"same\",\"value\":\"B\"}", &st);
    /* the body's installationId is ignored: the installation comes from the context */
    call(f, &f->A, "set",
         "{\"key\":\"other\",\"value\":\"A\",\"installationId\":\"22222222-2222-4222-8222-222222222222\"}", &st);
    assert_string_equal(get_value(f, &f->A, "get", "same"), "\"A\"");
    assert_string_equal(get_value(f, &f->B, "get", "same"), "\"B\"");
    assert_null(get_value(f, &f->B, "get", "other"));
    json_t *j = call(f, &f->B, "query", "{}", &st);
    assert_int_equal(json_array_size(json_object_get(j, "data")), 1);
    call(f, &f->A, "delete", "{\"key\":\"same\"}", &st);
    assert_string_equal(get_value(f, &f->B, "get", "same"), "\"B\"");
    /* a second installation on the same site, same key */
    kvs_ctx_t A2 = f->A;
    A2.installation_id = "33333333-3333-4333-8333-333333333333";
    assert_null(get_value(f, &A2, "get", "other"));
    /* secrets and entities are apart from plain values of the same key */
    call(f, &f->A, "secret/set", "{\"key\":\"other\",\"value\":\"s\"}", &st);
    assert_string_equal(get_value(f, &f->A, "get", "other"), "\"A\"");
    assert_string_equal(get_value(f, &f->A, "secret/get", "other"), "\"s\"");
    assert_null(get_value(f, &f->B, "secret/get", "other"));
    /* a secret named with an entityName is still a secret (sealed, not an entity) */
    call(f, &f->A, "secret/set", "{\"key\":\"sx\",\"entityName\":\"employee\",\"value\":{\"age\":1}}", &st);
    assert_int_equal(st, 204);
    expect_code(f, &f->A, "entity/get", "{\"entityName\":\"employee\",\"key\":\"sx\"}", 404, "KEY_NOT_FOUND");
    assert_string_equal(get_value(f, &f->A, "secret/get", "sx"), "{\"age\":1}");
}

static void test_scope_and_rate(void **state)
{
    fx_t *f = *state;
    kvs_ctx_t c = f->A;
    c.scopes = "read:jira-work";
    expect_code(f, &c, "get", "{\"key\":\"x\"}", 403, "FORBIDDEN");
    /* no scope string stands for others: "*" (or a look-alike) is not storage:app */
    static const char *const not_storage[] = {"*", "read:jira-work *", "storage:*", "storage:app:x", "storage:ap"};
    for (size_t i = 0; i < sizeof not_storage / sizeof *not_storage; i++) {
        c.scopes = not_storage[i];
        expect_code(f, &c, "get", "{\"key\":\"x\"}", 403, "FORBIDDEN");
    }
    c = f->A;
    c.installation_id = "44444444-4444-4444-8444-444444444444";
    c.rate_per_min = 3;
    for (int i = 0; i < 3; i++)
        expect_code(f, &c, "get", "{\"key\":\"x\"}", 404, "KEY_NOT_FOUND");
    kvs_reply_t r;
    kvs_call(f->st, f->a, &c, "get", "{\"key\":\"x\"}", 11, &r);
    assert_int_equal(r.status, 429);
    assert_true(r.rated);
    assert_false(r.rate.allowed);
    assert_int_equal(r.rate.remaining, 0);
    assert_non_null(strstr(r.body, "RATE_LIMIT_EXCEEDED"));
    /* other installations have their own budget */
    c.installation_id = "55555555-5555-4555-8555-555555555555";
    expect_code(f, &c, "get", "{\"key\":\"x\"}", 404, "KEY_NOT_FOUND");
}

static void test_ttl(void **state)
{
    fx_t *f = *state;
    int st;
    call(f, &f->A, "set", "{\"key\":\"t\",\"value\":1,\"options\":{\"ttl\":{\"value\":2,\"unit\":\"SECONDS\"}}}", &st);
    assert_int_equal(st, 204);
    json_t *j = call(f, &f->A, "get", "{\"key\":\"t\"}", &st);
    assert_null(json_object_get(j, "expireTime")); /* only when asked for */
    j = call(f, &f->A, "get", "{\"key\":\"t\",\"options\":{\"metadataFields\":[\"EXPIRE_TIME\"]}}", &st);
    assert_string_equal(json_string_value(json_object_get(j, "expireTime")), "2023-11-14T22:13:22Z");
    assert_null(json_object_get(j, "createdAt"));
    kvs_ctx_t later = f->A;
    later.now_ms += 2000;
    assert_null(get_value(f, &later, "get", "t"));
    j = call(f, &later, "query", "{}", &st);
    assert_int_equal(json_array_size(json_object_get(j, "data")), 0);
    /* expired values may be overwritten with FAIL_IF_EXISTS */
    call(f, &later, "set", "{\"key\":\"t\",\"value\":2,\"options\":{\"keyPolicy\":\"FAIL_IF_EXISTS\"}}", &st);
    assert_int_equal(st, 204);
    call(f, &f->A, "set", "{\"key\":\"u\",\"value\":1,\"options\":{\"ttl\":{\"value\":1,\"unit\":\"MINUTES\"}}}", &st);
    assert_int_equal(kvs_expire(f->st, f->A.now_ms + 59999, 100), 0);
    assert_int_equal(kvs_expire(f->st, f->A.now_ms + 60000, 100), 1);
    assert_null(get_value(f, &f->A, "get", "u"));
    assert_string_equal(get_value(f, &f->A, "get", "t"), "2");
}

static void test_query(void **state)
{
    fx_t *f = *state;
    int st;
    for (int i = 0; i < 25; i++)
        call(f, &f->A, "set", arena_printf(f->a, "{\"key\":\"item:%02d\",\"value\":%d}", i, i), &st);
    call(f, &f->A, "set", "{\"key\":\"other\",\"value\":0}", &st);
    call(f, &f->B, "set", "{\"key\":\"item:99\",\"value\":0}", &st);
    const char *where = "\"where\":[{\"property\":\"key\",\"condition\":\"BEGINS_WITH\",\"values\":[\"item:\"]}]";
    json_t *j = call(f, &f->A, "query", arena_printf(f->a, "{%s}", where), &st);
    assert_int_equal(json_array_size(json_object_get(j, "data")), 10); /* default limit */
    size_t seen = 0;
    const char *cursor = NULL;
    for (int page = 0; page < 5; page++) {
        j = call(f, &f->A, "query",
                 cursor ? arena_printf(f->a, "{%s,\"limit\":10,\"after\":\"%s\"}", where, cursor)
                        : arena_printf(f->a, "{%s,\"limit\":10}", where),
                 &st);
        assert_int_equal(st, 200);
        json_t *data = json_object_get(j, "data");
        for (size_t i = 0; i < json_array_size(data); i++)
            assert_string_equal(json_string_value(json_object_get(json_array_get(data, i), "key")),
                                arena_printf(f->a, "item:%02zu", seen + i));
        seen += json_array_size(data);
        cursor = json_string_value(json_object_get(j, "cursor"));
        if (!cursor)
            break;
        cursor = arena_strdup(f->a, cursor);
    }
    assert_int_equal(seen, 25);
    expect_code(f, &f->A, "query", "{\"limit\":101}", 400, "LIST_QUERY_LIMIT_EXCEEDED");
    expect_code(f, &f->A, "query",
                "{\"where\":[{\"property\":\"value\",\"condition\":\"BEGINS_WITH\",\"values\":[\"a\"]}]}", 400,
                "QUERY_WHERE_FIELD_INVALID");
    expect_code(f, &f->A, "query", "{\"where\":[{\"property\":\"key\",\"condition\":\"CONTAINS\",\"values\":[\"a\"]}]}",
                400, "INVALID_FILTER_CONDITION");
    expect_code(f, &f->A, "query", "{\"after\":\"zz\"}", 400, "BAD_REQUEST");
    j = call(f, &f->A, "query",
             "{\"where\":[{\"property\":\"key\",\"condition\":\"BETWEEN\",\"values\":[\"item:03\",\"item:05\"]}]}",
             &st);
    assert_int_equal(json_array_size(json_object_get(j, "data")), 3);
    /* a cursor together with a lower bound: the later of the two wins */
    const char *gt = "\"where\":[{\"property\":\"key\",\"condition\":\"GREATER_THAN\",\"values\":[\"item:20\"]}]";
    j = call(f, &f->A, "query", arena_printf(f->a, "{%s,\"limit\":2}", gt), &st);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "data"), 0), "key")),
                        "item:21");
    cursor = arena_strdup(f->a, json_string_value(json_object_get(j, "cursor")));
    j = call(f, &f->A, "query", arena_printf(f->a, "{%s,\"limit\":2,\"after\":\"%s\"}", gt, cursor), &st);
    json_t *d2 = json_object_get(j, "data");
    assert_int_equal(json_array_size(d2), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d2, 0), "key")), "item:23");
    assert_string_equal(json_string_value(json_object_get(json_array_get(d2, 1), "key")), "item:24");
    assert_non_null(json_object_get(j, "cursor")); /* "other" sorts after every item: key */
    /* secrets are never listed */
    call(f, &f->A, "secret/set", "{\"key\":\"item:secret\",\"value\":1}", &st);
    j = call(f, &f->A, "query", "{\"limit\":100}", &st);
    assert_int_equal(json_array_size(json_object_get(j, "data")), 26);
}

static void test_batches(void **state)
{
    fx_t *f = *state;
    int st;
    json_t *j = call(f, &f->A, "batch/set",
                     "[{\"key\":\"a\",\"value\":1},{\"key\":\"bad/key\",\"value\":2},"
                     "{\"key\":\"e1\",\"entityName\":\"employee\",\"value\":{\"name\":\"x\",\"age\":3}}]",
                     &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "successfulKeys")), 2);
    json_t *failed = json_array_get(json_object_get(j, "failedKeys"), 0);
    assert_string_equal(json_string_value(json_object_get(failed, "key")), "bad/key");
    assert_string_equal(json_string_value(json_object_get(json_object_get(failed, "error"), "code")), "INVALID_KEY");
    j = call(f, &f->A, "batch/get", "[{\"key\":\"a\"},{\"key\":\"zz\"},{\"key\":\"e1\",\"entityName\":\"employee\"}]",
             &st);
    assert_int_equal(json_array_size(json_object_get(j, "successfulKeys")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "successfulKeys"), 1), "entityName")),
        "employee");
    failed = json_array_get(json_object_get(j, "failedKeys"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(failed, "error"), "code")), "KEY_NOT_FOUND");
    expect_code(f, &f->A, "batch/set", "[]", 400, "BAD_REQUEST");
    expect_code(f, &f->A, "batch/set", "[{\"key\":\"a\",\"value\":1},{\"key\":\"a\",\"value\":2}]", 400,
                "DUPLICATE_KEYS");
    j = call(f, &f->A, "batch/delete", "[{\"key\":\"a\"},{\"key\":\"zz\"}]", &st);
    assert_int_equal(json_array_size(json_object_get(j, "successfulKeys")), 1);
    assert_null(get_value(f, &f->A, "get", "a"));
}

static void test_transactions(void **state)
{
    fx_t *f = *state;
    int st;
    call(f, &f->A, "set", "{\"key\":\"gone\",\"value\":1}", &st);
    assert_null(call(
        f, &f->A, "transaction",
        "{\"set\":[{\"key\":\"t1\",\"value\":1},{\"key\":\"t2\",\"value\":2}],\"delete\":[{\"key\":\"gone\"}]}", &st));
    assert_int_equal(st, 204);
    assert_string_equal(get_value(f, &f->A, "get", "t2"), "2");
    assert_null(get_value(f, &f->A, "get", "gone"));
    /* all or nothing: the bad second set keeps the first from landing */
    expect_code(f, &f->A, "transaction", "{\"set\":[{\"key\":\"t3\",\"value\":1},{\"key\":\"bad key!\",\"value\":2}]}",
                400, "INVALID_KEY");
    assert_null(get_value(f, &f->A, "get", "t3"));
    expect_code(f, &f->A, "transaction", "{\"set\":[{\"key\":\"t3\",\"value\":1}],\"delete\":[{\"key\":\"t3\"}]}", 400,
                "DUPLICATE_KEYS");
    char *many = arena_strdup(f->a, "{\"set\":[");
    for (int i = 0; i < 26; i++)
        many = arena_printf(f->a, "%s%s{\"key\":\"m%d\",\"value\":%d}", many, i ? "," : "", i, i);
    many = arena_printf(f->a, "%s]}", many);
    expect_code(f, &f->A, "transaction", many, 400, "TOO_MANY_OPERATIONS");
    assert_null(get_value(f, &f->A, "get", "m0"));
    /* conditions on entities: a failed check rolls everything back */
    call(f, &f->A, "entity/set", "{\"entityName\":\"employee\",\"key\":\"e1\",\"value\":{\"name\":\"x\",\"age\":30}}",
         &st);
    const char *tx =
        "{\"set\":[{\"key\":\"t4\",\"value\":1}],\"check\":[{\"key\":\"e1\",\"entityName\":\"employee\","
        "\"conditions\":{\"and\":[{\"property\":\"age\",\"condition\":\"GREATER_THAN\",\"values\":[%d]}]}}]}";
    expect_code(f, &f->A, "transaction", arena_printf(f->a, tx, 40), 409, "CONDITION_CHECK_FAILED");
    assert_null(get_value(f, &f->A, "get", "t4"));
    call(f, &f->A, "transaction", arena_printf(f->a, tx, 20), &st);
    assert_int_equal(st, 204);
    assert_string_equal(get_value(f, &f->A, "get", "t4"), "1");
}

static void test_entities(void **state)
{
    fx_t *f = *state;
    int st;
    static const struct {
        const char *key, *name, *dept;
        int age;
    } people[] = {{"p1", "Ann", "eng", 30},
                  {"p2", "Bob", "eng", 25},
                  {"p3", "Cid", "ops", 41},
                  {"p4", "Dee", "eng", 41},
                  {"p5", "Eve", "eng", 35}};
    for (size_t i = 0; i < 5; i++)
        call(f, &f->A, "entity/set",
             arena_printf(f->a,
                          "{\"entityName\":\"employee\",\"key\":\"%s\",\"value\":{\"name\":\"%s\",\"dept\":\"%s\","
                          "\"age\":%d}}",
                          people[i].key, people[i].name, people[i].dept, people[i].age),
             &st);
    assert_int_equal(st, 204);
    assert_string_equal(get_value(f, &f->A, "get", "p1") ?: "(none)", "(none)"); /* entities are apart */
    json_t *j = call(f, &f->A, "entity/get", "{\"entityName\":\"employee\",\"key\":\"p3\"}", &st);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "value"), "name")), "Cid");
    /* partition eng, age >= 30, DESC: Dee(41), Eve(35), Ann(30) */
    j = call(f, &f->A, "entity/query",
             "{\"entityName\":\"employee\",\"indexName\":\"by-dept-age\",\"partition\":[\"eng\"],"
             "\"range\":{\"condition\":\"GREATER_THAN_EQUAL_TO\",\"values\":[30]},\"sort\":\"DESC\",\"limit\":2}",
             &st);
    assert_int_equal(st, 200);
    json_t *d = json_object_get(j, "data");
    assert_int_equal(json_array_size(d), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "key")), "p4");
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 1), "key")), "p5");
    const char *cur = json_string_value(json_object_get(j, "cursor"));
    assert_non_null(cur);
    j = call(f, &f->A, "entity/query",
             arena_printf(f->a,
                          "{\"entityName\":\"employee\",\"indexName\":\"by-dept-age\",\"partition\":[\"eng\"],"
                          "\"range\":{\"condition\":\"GREATER_THAN_EQUAL_TO\",\"values\":[30]},\"sort\":\"DESC\","
                          "\"limit\":2,\"cursor\":\"%s\"}",
                          cur),
             &st);
    d = json_object_get(j, "data");
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "key")), "p1");
    assert_null(json_object_get(j, "cursor"));
    /* a bare index (range on age), with an or-filter */
    j = call(f, &f->A, "entity/query",
             "{\"entityName\":\"employee\",\"indexName\":\"age\",\"filters\":{\"or\":[{\"property\":\"name\","
             "\"condition\":\"BEGINS_WITH\",\"values\":[\"B\"]},{\"property\":\"dept\",\"condition\":\"EQUAL_TO\","
             "\"values\":[\"ops\"]}]}}",
             &st);
    d = json_object_get(j, "data");
    assert_int_equal(json_array_size(d), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "key")), "p2");
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 1), "key")), "p3");
    expect_code(f, &f->A, "entity/set", "{\"entityName\":\"nobody\",\"key\":\"k\",\"value\":{}}", 400,
                "INVALID_ENTITY_TYPE");
    expect_code(f, &f->A, "entity/set", "{\"entityName\":\"employee\",\"key\":\"k\",\"value\":{\"age\":\"old\"}}", 400,
                "INVALID_ENTITY_VALUE");
    expect_code(f, &f->A, "entity/set", "{\"entityName\":\"employee\",\"key\":\"\",\"value\":{}}", 400, "EMPTY_KEY");
    expect_code(f, &f->A, "entity/query", "{\"entityName\":\"employee\",\"indexName\":\"nope\"}", 400,
                "INVALID_ENTITY_INDEX");
    expect_code(f, &f->A, "entity/query", "{\"entityName\":\"employee\",\"indexName\":\"age\",\"limit\":0}", 400,
                "COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE");
    /* the other installation sees none of them */
    j = call(f, &f->B, "entity/query", "{\"entityName\":\"employee\",\"indexName\":\"age\"}", &st);
    assert_int_equal(json_array_size(json_object_get(j, "data")), 0);
}

/* Reads the stored bytes of a row straight from the database file. */
static int raw_value(fx_t *f, const char *inst, int kind, const char *key, unsigned char *out, size_t cap)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open(arena_printf(f->a, "%s/kiln.db", f->dir), &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT value FROM kvs WHERE installation_id = ?1 AND kind = ?2 AND key = ?3",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, inst, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, kind);
    sqlite3_bind_text(q, 3, key, -1, SQLITE_STATIC);
    int n = -1;
    if (sqlite3_step(q) == SQLITE_ROW) {
        n = sqlite3_column_bytes(q, 0);
        if ((size_t)n <= cap)
            memcpy(out, sqlite3_column_blob(q, 0), (size_t)n);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static void test_secrets_at_rest(void **state)
{
    fx_t *f = *state;
    int st;
    call(f, &f->A, "secret/set", "{\"key\":\"tok\",\"value\":\"hunter2-plaintext\"}", &st);
    assert_int_equal(st, 204);
    unsigned char raw[512];
    int n = raw_value(f, f->A.installation_id, KVS_KIND_SECRET, "tok", raw, sizeof raw);
    assert_true(n > 0);
    assert_null(memmem(raw, (size_t)n, "hunter2", 7));
    assert_memory_equal(raw, "ks1", 3);
    /* the master key file: 32 bytes, mode 0600 */
    struct stat sb;
    assert_int_equal(stat(arena_printf(f->a, "%s/master.key", f->dir), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, 32);
    /* sealed to (installation, key): the same bytes under another key or installation fail */
    unsigned char *sealed = raw;
    char *plain;
    size_t plen;
    const char *aad = arena_printf(f->a, "%s\ntok", f->A.installation_id);
    assert_int_equal(keys_open(f->st, f->a, aad, strlen(aad), sealed, (size_t)n, &plain, &plen), 0);
    assert_string_equal(plain, "\"hunter2-plaintext\"");
    const char *other = arena_printf(f->a, "%s\ntok", f->B.installation_id);
    assert_int_not_equal(keys_open(f->st, f->a, other, strlen(other), sealed, (size_t)n, &plain, &plen), 0);
    const char *otherkey = arena_printf(f->a, "%s\ntok2", f->A.installation_id);
    assert_int_not_equal(keys_open(f->st, f->a, otherkey, strlen(otherkey), sealed, (size_t)n, &plain, &plen), 0);
    raw[n - 1] ^= 1;
    assert_int_not_equal(keys_open(f->st, f->a, aad, strlen(aad), sealed, (size_t)n, &plain, &plen), 0);
    /* rotation: new secrets use the new key, old ones still open */
    const char *id;
    assert_int_equal(keys_rotate(f->st, f->a, KEYS_PURPOSE_KVS, 5, &id), 0);
    call(f, &f->A, "secret/set", "{\"key\":\"tok2\",\"value\":2}", &st);
    unsigned char raw2[512];
    int n2 = raw_value(f, f->A.installation_id, KVS_KIND_SECRET, "tok2", raw2, sizeof raw2);
    assert_true(n2 > 35);
    assert_memory_equal(raw2 + 3, id, 32);
    assert_memory_not_equal(raw2 + 3, raw + 3, 32);
    assert_string_equal(get_value(f, &f->A, "secret/get", "tok"), "\"hunter2-plaintext\"");
    assert_string_equal(get_value(f, &f->A, "secret/get", "tok2"), "2");
    /* a fresh process with the same master key opens them (no cache) */
    keys_reset();
    char err[256];
    assert_int_equal(keys_init(f->dir, err, sizeof err), 0);
    assert_string_equal(get_value(f, &f->A, "secret/get", "tok"), "\"hunter2-plaintext\"");
    /* a loose master key file is refused */
    chmod(arena_printf(f->a, "%s/master.key", f->dir), 0644);
    keys_reset();
    assert_int_not_equal(keys_init(f->dir, err, sizeof err), 0);
    chmod(arena_printf(f->a, "%s/master.key", f->dir), 0600);
    assert_int_equal(keys_init(f->dir, err, sizeof err), 0);
}

static void test_purge(void **state)
{
    fx_t *f = *state;
    site_rec_t site;
    app_rec_t app;
    assert_int_equal(site_create(f->st, f->a, "alpha", 0, &site), STORE_OK);
    assert_int_equal(app_register(f->st, f->a, "Report", &app), STORE_OK);
    version_rec_t v = {.app_id = app.id,
                       .env_key = "development",
                       .manifest_json = "{}",
                       .major_key = "K",
                       .scopes_json = "[\"storage:app\"]",
                       .egress_json = "{}",
                       .snapshot = "versions/x",
                       .snapshot_bytes = 1};
    assert_int_equal(app_deploy_record(f->st, f->a, &v, 1000), STORE_OK);
    install_rec_t in, in2;
    version_rec_t ver;
    assert_int_equal(install_create(f->st, f->a, &site, app.id, "development", NULL, 100, &in, &ver), INSTALL_OK);
    kvs_ctx_t c = {.site_id = site.id, .installation_id = in.id, .scopes = "storage:app", .now_ms = 1000};
    int st;
    call(f, &c, "set", "{\"key\":\"keep\",\"value\":1}", &st);
    call(f, &c, "secret/set", "{\"key\":\"keep\",\"value\":1}", &st);
    assert_int_equal(install_remove(f->st, f->a, &site, app.id, "development", 200, 1000, &in), INSTALL_OK);
    /* kept for the retention period; the reinstall is another installation and sees nothing */
    assert_int_equal(install_create(f->st, f->a, &site, app.id, "development", NULL, 300, &in2, &ver), INSTALL_OK);
    kvs_ctx_t c2 = c;
    c2.installation_id = in2.id;
    assert_null(get_value(f, &c2, "get", "keep"));
    assert_string_equal(get_value(f, &c, "get", "keep"), "1");
    size_t purged;
    assert_int_equal(install_purge_due(f->st, f->a, 1199, &purged), STORE_OK);
    assert_int_equal(purged, 0);
    assert_string_equal(get_value(f, &c, "get", "keep"), "1");
    assert_int_equal(install_purge_due(f->st, f->a, 1200, &purged), STORE_OK);
    assert_int_equal(purged, 1);
    assert_null(get_value(f, &c, "get", "keep"));
    unsigned char raw[256];
    assert_int_equal(raw_value(f, in.id, KVS_KIND_SECRET, "keep", raw, sizeof raw), -1);
}

/* Group commit (platform/kvs_writer.h): several operations in one write transaction,
 * each in a savepoint; a failed one is undone alone, the others land with the commit. */
static void test_grouped(void **state)
{
    fx_t *f = *state;
    int st;
    kvs_ctx_t g = f->A;
    g.grouped = 1;
    kvs_reply_t r;
    const char *ok1 = "{\"key\":\"g1\",\"value\":1}";
    const char *bad = "{\"set\":[{\"key\":\"g2\",\"value\":2},{\"key\":\"g3\",\"value\":3}],"
                      "\"check\":[{\"key\":\"nobody\",\"entityName\":\"employee\",\"conditions\":{\"and\":"
                      "[{\"property\":\"age\",\"condition\":\"EXISTS\",\"values\":[true]}]}}]}";
    const char *ok2 = "{\"key\":\"g4\",\"value\":4}";
    /* outside a write transaction a grouped call cannot open its savepoint */
    assert_int_equal(kvs_call(f->st, f->a, &g, "set", ok1, strlen(ok1), &r), -1);
    assert_int_equal(r.status, 500);
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(kvs_call(f->st, f->a, &g, "set", ok1, strlen(ok1), &r), 0);
    assert_int_equal(r.status, 204);
    assert_int_equal(kvs_call(f->st, f->a, &g, "transaction", bad, strlen(bad), &r), 0);
    assert_int_equal(r.status, 409);
    assert_int_equal(kvs_call(f->st, f->a, &g, "set", ok2, strlen(ok2), &r), 0);
    assert_int_equal(r.status, 204);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_string_equal(get_value(f, &f->A, "get", "g1"), "1");
    assert_null(get_value(f, &f->A, "get", "g2"));
    assert_null(get_value(f, &f->A, "get", "g3"));
    assert_string_equal(get_value(f, &f->A, "get", "g4"), "4");
    /* a group that is rolled back leaves nothing */
    assert_int_equal(store_begin(f->st), STORE_OK);
    const char *ok3 = "{\"key\":\"g5\",\"value\":5}";
    assert_int_equal(kvs_call(f->st, f->a, &g, "set", ok3, strlen(ok3), &r), 0);
    store_rollback(f->st);
    assert_null(get_value(f, &f->A, "get", "g5"));
    (void)st;
}

/* Reads in one batch (kvs_call_reads: a store thread's, platform/proxy_kvs.c) answer each
 * call byte for byte as kvs_call alone does: gets of two installations of two sites with
 * the same keys (read ahead in one statement per installation), a key asked twice, absent
 * and expired keys, a secret, a query, an entity get, bad bodies, an unknown operation,
 * an installation without the scope. */
static void test_reads_batch(void **state)
{
    fx_t *f = *state;
    int st;
    json_decref(call(f, &f->A, "set", "{\"key\":\"k1\",\"value\":\"a1\"}", &st));
    json_decref(call(f, &f->A, "set", "{\"key\":\"k2\",\"value\":{\"n\":2}}", &st));
    json_decref(call(f, &f->B, "set", "{\"key\":\"k1\",\"value\":\"b1\"}", &st));
    json_decref(call(f, &f->A, "set",
                     "{\"key\":\"gone\",\"value\":1,\"options\":{\"ttl\":{\"unit\":\"SECONDS\",\"value\":1}}}", &st));
    json_decref(call(f, &f->A, "secret/set", "{\"key\":\"s\",\"value\":\"shh\"}", &st));
    assert_int_equal(st, 204);
    kvs_ctx_t A2 = f->A, noscope = f->A;
    A2.now_ms += 5000; /* "gone" expired */
    noscope.scopes = "read:jira-work";
    const struct {
        const kvs_ctx_t *ctx;
        const char *op, *body;
    } in[] = {
        {&f->A, "get", "{\"key\":\"k1\"}"},
        {&f->B, "get", "{\"key\":\"k1\"}"},
        {&f->A, "get", "{\"key\":\"k2\",\"options\":{\"metadataFields\":[\"CREATED_AT\"]}}"},
        {&f->A, "get", "{\"key\":\"k1\"}"},
        {&f->B, "get", "{\"key\":\"k2\"}"},
        {&A2, "get", "{\"key\":\"gone\"}"},
        {&f->A, "get", "{\"key\":\"gone\"}"},
        {&f->A, "secret/get", "{\"key\":\"s\"}"},
        {&f->A, "query", "{\"limit\":5}"},
        {&f->A, "entity/get", "{\"entityName\":\"employee\",\"key\":\"e1\"}"},
        {&f->A, "get", "{\"key\":"},
        {&f->A, "get", "{\"nokey\":1}"},
        {&f->A, "nosuch", "{}"},
        {&noscope, "get", "{\"key\":\"k1\"}"},
        {&f->B, "get", "{\"key\":\"k1\"}"},
    };
    enum { N = sizeof in / sizeof *in };
    kvs_read_t calls[N];
    for (size_t i = 0; i < N; i++)
        calls[i] =
            (kvs_read_t){.a = f->a, .ctx = in[i].ctx, .op = in[i].op, .body = in[i].body, .len = strlen(in[i].body)};
    kvs_call_reads(f->st, calls, N);
    int found = 0;
    for (size_t i = 0; i < N; i++) {
        kvs_reply_t alone;
        assert_int_equal(kvs_call(f->st, f->a, in[i].ctx, in[i].op, in[i].body, strlen(in[i].body), &alone), 0);
        assert_int_equal(calls[i].out.status, alone.status);
        assert_int_equal(calls[i].out.len, alone.len);
        if (alone.len)
            assert_memory_equal(calls[i].out.body, alone.body, alone.len);
        found += alone.status == 200;
    }
    assert_int_equal(found, 8); /* k1 (A, B, A, B), k2 of A, "gone" before it expired, the secret, the query */
}

static void test_key_rules(void **state)
{
    (void)state;
    const char *msg;
    assert_null(kvs_key_error("a", 1, 0, &msg));
    assert_null(kvs_key_error("a b", 3, 0, &msg));
    assert_null(kvs_key_error("a\xc2\xa0"
                              "b",
                              4, 0, &msg)); /* U+00A0 is \s in JavaScript */
    assert_string_equal(kvs_key_error(" \t", 2, 0, &msg), "INVALID_KEY");
    assert_string_equal(kvs_key_error("a\xff", 2, 0, &msg), "INVALID_KEY");
    assert_string_equal(kvs_key_error("a$", 2, 0, &msg), "INVALID_KEY");
    assert_string_equal(kvs_key_error("", 0, 1, &msg), "EMPTY_KEY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_policy_and_return, setup, teardown),
        cmocka_unit_test_setup_teardown(test_created_updated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_and_rate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_at_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grouped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_batch, setup, teardown),
        cmocka_unit_test(test_key_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
