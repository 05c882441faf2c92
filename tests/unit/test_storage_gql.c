/* Unit tests for the legacy storage API's GraphQL front (src/platform/storage_gql.h):
 * each @forge/storage operation translated to its app storage operation, answers in the
 * shapes @forge/storage reads, and hostile documents refused with GraphQL errors. */
#include "unit.h"

#include <jansson.h>

#include "platform/storage_gql.h"

static int parse(arena_t *a, const char *json, storage_gql_call_t *c, const char **err)
{
    int status;
    return storage_gql_parse(a, json, strlen(json), c, err, &status);
}

static void test_operations(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 20);
    storage_gql_call_t c;
    const char *err;
    assert_int_equal(parse(a,
                           "{\"query\":\"query forge_app_getApplicationStorageEntity($key: ID!) { appStoredEntity(key: "
                           "$key) { key value } }\",\"variables\":{\"key\":\"k1\",\"encrypted\":true}}",
                           &c, &err),
                     0);
    assert_string_equal(c.kvs_op, "secret/get");
    assert_string_equal(c.body, "{\"key\":\"k1\"}");
    assert_int_equal(
        parse(a,
              "{\"query\":\"mutation forge_app_setApplicationStorageEntity { appStorage { setAppStoredEntity(input: "
              "$input) { success } } }\",\"variables\":{\"input\":{\"key\":\"k\",\"value\":[1],\"encrypted\":false}}}",
              &c, &err),
        0);
    assert_string_equal(c.kvs_op, "set");
    assert_string_equal(c.body, "{\"key\":\"k\",\"value\":[1]}");
    assert_int_equal(parse(a,
                           "{\"query\":\"query forge_app_getApplicationStorageEntities { appStoredEntities(where: "
                           "$where) { edges { cursor } } "
                           "}\",\"variables\":{\"where\":[{\"field\":\"key\",\"condition\":\"STARTS_WITH\",\"value\":"
                           "\"p:\"}],\"cursor\":\"ab\",\"limit\":5}}",
                           &c, &err),
                     0);
    assert_string_equal(c.kvs_op, "query");
    assert_string_equal(c.body, "{\"where\":[{\"property\":\"key\",\"condition\":\"BEGINS_WITH\",\"values\":[\"p:\"]}],"
                                "\"limit\":5,\"after\":\"ab\"}");
    assert_int_equal(parse(a,
                           "{\"query\":\"mutation forge_app_deleteApplicationStorageCustomEntity { "
                           "appStorageCustomEntity { deleteAppStoredCustomEntity(input: $input) { success } } "
                           "}\",\"variables\":{\"input\":{\"entityName\":\"note\",\"key\":\"n\"}}}",
                           &c, &err),
                     0);
    assert_string_equal(c.kvs_op, "entity/delete");
    assert_string_equal(c.entity, "note");
    assert_null(c.context_ari);
    /* @forge/storage 1.5 (@forge/api 3.x) sends the context ARI, in $input for mutations */
    assert_int_equal(
        parse(a,
              "{\"query\":\"query forge_app_getApplicationStorageEntity($contextAri: ID!, $key: ID!) { "
              "appStoredEntity(contextAri: $contextAri, key: $key) { key value } "
              "}\",\"variables\":{\"contextAri\":\"ari:cloud:jira::site/c1\",\"key\":\"k1\",\"encrypted\":false}}",
              &c, &err),
        0);
    assert_string_equal(c.context_ari, "ari:cloud:jira::site/c1");
    assert_string_equal(c.body, "{\"key\":\"k1\"}");
    assert_int_equal(parse(a,
                           "{\"query\":\"mutation forge_app_setApplicationStorageEntity { appStorage { "
                           "setAppStoredEntity(input: $input) { success } } "
                           "}\",\"variables\":{\"input\":{\"contextAri\":\"ari:cloud:jira::site/"
                           "c2\",\"key\":\"k\",\"value\":1,\"encrypted\":true}}}",
                           &c, &err),
                     0);
    assert_string_equal(c.context_ari, "ari:cloud:jira::site/c2");
    assert_string_equal(c.kvs_op, "secret/set");
    assert_string_equal(c.body, "{\"key\":\"k\",\"value\":1}");
    assert_int_equal(parse(a,
                           "{\"query\":\"query forge_app_getApplicationStorageEntity { appStoredEntity { value } "
                           "}\",\"variables\":{\"contextAri\":7,\"key\":\"k\"}}",
                           &c, &err),
                     -1);
    assert_non_null(strstr(err, "contextAri"));
    /* a NUL: refused in anything read as text (key, context, entity), kept in values */
    assert_int_equal(parse(a,
                           "{\"query\":\"mutation forge_app_setApplicationStorageEntity { appStorage { "
                           "setAppStoredEntity(input: $input) { success } } "
                           "}\",\"variables\":{\"input\":{\"key\":\"k\",\"value\":\"a\\u0000b\",\"encrypted\":false}}}",
                           &c, &err),
                     0);
    assert_string_equal(c.body, "{\"key\":\"k\",\"value\":\"a\\u0000b\"}");
    static const char *const nul[][2] = {
        {"{\"query\":\"query forge_app_getApplicationStorageEntity { appStoredEntity { value } "
         "}\",\"variables\":{\"key\":\"k\\u0000x\"}}",
         "variables.key"},
        {"{\"query\":\"query forge_app_getApplicationStorageEntity { appStoredEntity { value } "
         "}\",\"variables\":{\"contextAri\":\"ari:cloud:jira::site/c1\\u0000c2\",\"key\":\"k\"}}",
         "variables.contextAri"},
        {"{\"query\":\"mutation forge_app_deleteApplicationStorageCustomEntity { appStorageCustomEntity { "
         "deleteAppStoredCustomEntity(input: $input) { success } } "
         "}\",\"variables\":{\"input\":{\"entityName\":\"note\\u0000\",\"key\":\"n\"}}}",
         "variables.input.entityName"},
    };
    for (size_t i = 0; i < sizeof nul / sizeof *nul; i++) {
        err = NULL;
        assert_int_equal(parse(a, nul[i][0], &c, &err), -1);
        if (!strstr(err, nul[i][1]) || !strstr(err, "NUL"))
            print_error("%s\n", err);
        assert_non_null(strstr(err, nul[i][1]));
        assert_non_null(strstr(err, "NUL"));
    }
    arena_free(a);
}

static void test_answers(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 20);
    storage_gql_call_t c = {.kind = SGQL_GET, .key = "k"};
    size_t n;
    kvs_reply_t found = {.status = 200, .body = "{\"key\":\"k\",\"value\":{\"a\":1}}", .len = 27};
    assert_string_equal(storage_gql_answer(a, &c, &found, &n),
                        "{\"data\":{\"appStoredEntity\":{\"key\":\"k\",\"value\":{\"a\":1}}}}");
    kvs_reply_t missing = {.status = 404, .body = "{\"code\":\"KEY_NOT_FOUND\",\"message\":\"x\"}", .len = 38};
    assert_string_equal(storage_gql_answer(a, &c, &missing, &n),
                        "{\"data\":{\"appStoredEntity\":{\"key\":\"k\",\"value\":null}}}");
    c.kind = SGQL_DELETE;
    assert_string_equal(storage_gql_answer(a, &c, &missing, &n),
                        "{\"data\":{\"appStorage\":{\"deleteAppStoredEntity\":{\"success\":true,\"errors\":null}}}}");
    c.kind = SGQL_SET;
    kvs_reply_t bad = {.status = 400, .body = "{\"code\":\"INVALID_KEY\",\"message\":\"bad key\"}", .len = 42};
    const char *s = storage_gql_answer(a, &c, &bad, &n);
    assert_non_null(strstr(s, "\"success\":false"));
    assert_non_null(strstr(s, "\"errorType\":\"INVALID_KEY\""));
    assert_non_null(strstr(s, "\"statusCode\":400"));
    c.kind = SGQL_GET;
    s = storage_gql_answer(a, &c, &bad, &n);
    assert_non_null(strstr(s, "\"errors\":[{\"message\":\"bad key\""));
    kvs_reply_t garbage = {.status = 500, .body = "not json", .len = 8};
    assert_non_null(strstr(storage_gql_answer(a, &c, &garbage, &n), "\"errors\""));
    arena_free(a);
}

static void test_hostile(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 22);
    storage_gql_call_t c;
    const char *err;
    const char *bad[] = {
        "",
        "null",
        "[]",
        "{}",
        "{\"query\":1}",
        "{\"query\":\"\"}",
        "{\"query\":\"{ appStoredEntity { value } }\"}",
        "{\"query\":\"query\"}",
        "{\"query\":\"query \"}",
        "{\"query\":\"mutation forge_app_setApplicationStorageEntity\"}",
        "{\"query\":\"query forge_app_getApplicationStorageEntityX { appStoredEntity { value } "
        "}\",\"variables\":{\"key\":\"k\"}}",
        "{\"query\":\"query forge_app_getApplicationStorageEntity { appStoredEntityX { value } "
        "}\",\"variables\":{\"key\":\"k\"}}",
        "{\"query\":\"query forge_app_getApplicationStorageEntity { appStoredEntity { value } }\",\"variables\":[]}",
        "{\"query\":\"query forge_app_getApplicationStorageEntity { appStoredEntity { value } "
        "}\",\"variables\":{\"key\":null}}",
        "{\"query\":\"query forge_app_getApplicationStorageEntity { appStoredEntity { value } "
        "}\",\"variables\":{\"key\":\"k\"},\"extra\":1}",
        "{\"query\":\"mutation forge_app_setApplicationStorageEntity { setAppStoredEntity appStorage "
        "}\",\"variables\":{\"input\":{\"key\":\"k\",\"value\":1}}}",
        "{\"query\":\"query forge_app_getApplicationStorageEntities { appStoredEntities { edges } "
        "}\",\"variables\":{\"limit\":\"5\"}}",
        "{\"query\":\"query AppStorageCustomEntityQueries { appStoredCustomEntities { cursor } "
        "}\",\"variables\":{\"entityName\":\"e\",\"indexName\":\"i\",\"evil\":1}}",
        "{\"query\":\"query forge_app_getApplicationStorageEntity\\u0000 { appStoredEntity { value } "
        "}\",\"variables\":{\"key\":\"k\"}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err = NULL;
        if (parse(a, bad[i], &c, &err) == 0)
            print_error("accepted: %s\n", bad[i]);
        assert_non_null(err);
        json_t *j = json_loads(err, 0, NULL);
        assert_true(json_is_string(json_object_get(json_array_get(json_object_get(j, "errors"), 0), "message")));
        assert_true(json_is_string(json_object_get(
            json_object_get(json_array_get(json_object_get(j, "errors"), 0), "extensions"), "errorType")));
        json_decref(j);
    }
    /* a document over the limit */
    size_t big = STORAGE_GQL_MAX_DOCUMENT + 100;
    char *doc = malloc(big + 200);
    int n = snprintf(doc, 200, "{\"query\":\"query forge_app_getApplicationStorageEntity");
    memset(doc + n, ' ', big);
    strcpy(doc + n + big, "{ appStoredEntity { value } }\",\"variables\":{\"key\":\"k\"}}");
    assert_int_equal(parse(a, doc, &c, &err), -1);
    free(doc);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operations),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests_name("storage_gql", tests, NULL, NULL);
}
