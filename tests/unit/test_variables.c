/* Unit tests for environment variables (src/platform/variables.h) and their store rows:
 * Forge's key format, round trip per (app, environment), the invoke frame's env object
 * with encrypted values opened, and sealed values bound to their app, environment and key. */
#include "unit.h"

#include <jansson.h>

#include "auth/keys.h"
#include "base/log.h"
#include "platform/variables.h"
#include "store/store.h"
#include "store/store_apps.h"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
} fx_t;

static void mk_env(fx_t *f, const char *app, const char *env)
{
    app_rec_t r = {.id = app, .name = app, .created_ms = 1};
    int rc = store_app_insert(f->st, &r);
    assert_true(rc == STORE_OK || rc == STORE_CONFLICT);
    env_rec_t e = {.app_id = app, .key = env, .id = arena_printf(f->a, "%s-%s", app, env), .created_ms = 1};
    assert_int_equal(store_env_insert(f->st, &e), STORE_OK);
}

static int setup(void **state)
{
    log_min_level = LOG_ERROR;
    fx_t *f = xcalloc(1, sizeof *f);
    f->dir = unit_tempdir();
    f->a = arena_new(1u << 22);
    char err[256];
    f->st = store_open(f->dir, err, sizeof err);
    assert_non_null(f->st);
    assert_int_equal(store_migrate(f->st, err, sizeof err), STORE_OK);
    assert_int_equal(keys_init(f->dir, err, sizeof err), 0);
    mk_env(f, "app-1", "development");
    mk_env(f, "app-1", "staging");
    mk_env(f, "app-2", "development");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    keys_reset();
    store_close(f->st);
    arena_free(f->a);
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

static void test_key_format(void **state)
{
    (void)state;
    const char *good[] = {"A", "a", "_", "_1", "API_KEY", "lower_Mixed9"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(variables_key_valid(good[i]));
    const char *bad[] = {"", "1A", "9", "A-B", "A.B", "A B", "A=B", "\xc3\x84", "A\n", "A/B", "A%"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(variables_key_valid(bad[i]));
    assert_false(variables_key_valid(NULL));
    char k[VARIABLES_KEY_MAX + 2];
    memset(k, 'K', sizeof k);
    k[VARIABLES_KEY_MAX] = '\0';
    assert_true(variables_key_valid(k));
    k[VARIABLES_KEY_MAX] = 'K';
    k[VARIABLES_KEY_MAX + 1] = '\0';
    assert_false(variables_key_valid(k));
}

static void put(fx_t *f, const char *app, const char *env, const char *key, const char *value, int64_t now)
{
    var_rec_t v = {.key = key, .value = value, .value_len = strlen(value), .created_ms = now, .updated_ms = now};
    assert_int_equal(store_var_put(f->st, app, env, &v), STORE_OK);
}

static void test_store_round_trip(void **state)
{
    fx_t *f = *state;
    put(f, "app-1", "development", "B", "two", 10);
    put(f, "app-1", "development", "A", "one", 11);
    put(f, "app-1", "staging", "A", "staging-one", 12);
    put(f, "app-2", "development", "A", "other-app", 13);
    put(f, "app-1", "development", "B", "two again", 20);
    var_rec_t *v;
    size_t n;
    assert_int_equal(store_var_list(f->st, f->a, "app-1", "development", &v, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].key, "A");
    assert_string_equal(v[0].value, "one");
    assert_string_equal(v[1].key, "B");
    assert_string_equal(v[1].value, "two again");
    assert_int_equal(v[1].created_ms, 10); /* kept across a replace */
    assert_int_equal(v[1].updated_ms, 20);
    assert_int_equal(store_var_delete(f->st, "app-1", "development", "B"), STORE_OK);
    assert_int_equal(store_var_delete(f->st, "app-1", "development", "B"), STORE_NOTFOUND);
    assert_int_equal(store_var_delete(f->st, "app-1", "production", "A"), STORE_NOTFOUND);
    assert_int_equal(store_var_list(f->st, f->a, "app-1", "staging", &v, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].value, "staging-one");
    /* no variables without an environment (foreign key) */
    var_rec_t orphan = {.key = "X", .value = "x", .value_len = 1, .created_ms = 1, .updated_ms = 1};
    assert_int_not_equal(store_var_put(f->st, "app-1", "nosuch", &orphan), STORE_OK);
}

/* Seals `plain` as variables.c does (AAD app\nenv\nkey) and stores it. */
static void put_sealed(fx_t *f, const char *app, const char *env, const char *key, const char *plain)
{
    const char *aad = arena_printf(f->a, "%s\n%s\n%s", app, env, key);
    unsigned char *sealed;
    size_t slen;
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(keys_seal(f->st, f->a, KEYS_PURPOSE_VARS, aad, strlen(aad), plain, strlen(plain), &sealed, &slen),
                     0);
    var_rec_t v = {
        .key = key, .encrypted = 1, .value = (const char *)sealed, .value_len = slen, .created_ms = 1, .updated_ms = 1};
    assert_int_equal(store_var_put(f->st, app, env, &v), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_null(memmem(sealed, slen, plain, strlen(plain)));
}

static void test_env_json(void **state)
{
    fx_t *f = *state;
    char *empty = variables_env_json(f->st, f->a, "app-1", "development");
    assert_string_equal(empty, "{}");
    free(empty);
    put(f, "app-1", "development", "PLAIN", "quote \" newline \n unicode \xc3\xa9", 1);
    put_sealed(f, "app-1", "development", "SECRET", "the secret");
    put_sealed(f, "app-1", "staging", "SECRET", "staging secret");
    char *s = variables_env_json(f->st, f->a, "app-1", "development");
    json_t *o = json_loads(s, 0, NULL);
    free(s);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 2);
    assert_string_equal(json_string_value(json_object_get(o, "PLAIN")), "quote \" newline \n unicode \xc3\xa9");
    assert_string_equal(json_string_value(json_object_get(o, "SECRET")), "the secret");
    json_decref(o);

    /* the staging row's sealed bytes copied to development do not open there */
    var_rec_t *v;
    size_t n;
    assert_int_equal(store_var_list(f->st, f->a, "app-1", "staging", &v, &n), STORE_OK);
    assert_int_equal(n, 1);
    var_rec_t moved = v[0];
    moved.key = "MOVED";
    assert_int_equal(store_var_put(f->st, "app-1", "staging", &moved), STORE_OK);
    moved.key = "SECRET";
    assert_int_equal(store_var_put(f->st, "app-2", "development", &moved), STORE_OK);
    s = variables_env_json(f->st, f->a, "app-1", "staging");
    o = json_loads(s, 0, NULL);
    free(s);
    assert_string_equal(json_string_value(json_object_get(o, "SECRET")), "staging secret");
    assert_null(json_object_get(o, "MOVED"));
    json_decref(o);
    s = variables_env_json(f->st, f->a, "app-2", "development");
    assert_string_equal(s, "{}");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_format),
        cmocka_unit_test_setup_teardown(test_store_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_json, setup, teardown),
    };
    return cmocka_run_group_tests_name("variables", tests, NULL, NULL);
}
