/* Unit tests for src/auth/uitoken.h: a minted context token checks back to what it
 * binds; any change to a field, the mac, the prefix, or another master key makes it
 * INVALID; past its expiry it is EXPIRED; minting refuses fields a token cannot hold;
 * malformed and oversized input is refused. */
#include "unit.h"

#include "auth/keys.h"
#include "auth/uitoken.h"
#include "base/arena.h"
#include "base/log.h"

typedef struct {
    char *dir;
    arena_t *a;
} fx_t;

static int setup(void **state)
{
    log_min_level = LOG_ERROR;
    fx_t *f = xcalloc(1, sizeof *f);
    f->dir = unit_tempdir();
    char err[256] = "";
    assert_int_equal(keys_init(f->dir, err, sizeof err), 0);
    f->a = arena_new(1u << 20);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    keys_reset();
    arena_free(f->a);
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

static uitoken_t sample(void)
{
    uitoken_t t = {
        .site_id = 7,
        .installation_id = "0b6c1f0e-8a58-4a5e-9b1c-2f7f3c1d4e5a",
        .app_id = "1a8fc52a-9e7d-4dd7-97ec-afeee716a93b",
        .env_key = "development",
        .module_key = "issue-panel",
        .account_id = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
        .expires_ms = 1000000,
    };
    memset(t.ext_digest, 'a', 64);
    return t;
}

static void test_roundtrip(void **state)
{
    fx_t *f = *state;
    uitoken_t t = sample(), out;
    char tok[UITOKEN_MAX];
    assert_int_equal(uitoken_mint(&t, tok), 0);
    assert_memory_equal(tok, "kiln_c_", 7);
    assert_int_equal(uitoken_check(f->a, tok, strlen(tok), 999999, &out), UITOKEN_OK);
    assert_int_equal(out.site_id, 7);
    assert_string_equal(out.installation_id, t.installation_id);
    assert_string_equal(out.app_id, t.app_id);
    assert_string_equal(out.env_key, t.env_key);
    assert_string_equal(out.module_key, t.module_key);
    assert_string_equal(out.account_id, t.account_id);
    assert_memory_equal(out.ext_digest, t.ext_digest, 64);
    assert_int_equal(out.expires_ms, 1000000);
    /* expiry */
    assert_int_equal(uitoken_check(f->a, tok, strlen(tok), 1000000, &out), UITOKEN_EXPIRED);
}

/* Every single-byte change of a token is refused (no field can be swapped). */
static void test_tamper(void **state)
{
    fx_t *f = *state;
    uitoken_t t = sample(), out;
    char tok[UITOKEN_MAX], bad[UITOKEN_MAX];
    assert_int_equal(uitoken_mint(&t, tok), 0);
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        memcpy(bad, tok, n + 1);
        bad[i] = bad[i] == 'b' ? 'c' : 'b';
        assert_int_equal(uitoken_check(f->a, bad, n, 0, &out), UITOKEN_INVALID);
    }
    /* another module, site or account, re-signed by nobody: the mac no longer fits */
    uitoken_t u = sample();
    u.module_key = "other-panel";
    char tok2[UITOKEN_MAX];
    assert_int_equal(uitoken_mint(&u, tok2), 0);
    const char *mac2 = strrchr(tok2, '~'), *mac1 = strrchr(tok, '~');
    memcpy(bad, tok2, (size_t)(mac2 - tok2));
    strcpy(bad + (mac2 - tok2), mac1);
    assert_int_equal(uitoken_check(f->a, bad, strlen(bad), 0, &out), UITOKEN_INVALID);
    /* truncated, extended, empty, NULL */
    assert_int_equal(uitoken_check(f->a, tok, n - 1, 0, &out), UITOKEN_INVALID);
    memcpy(bad, tok, n);
    bad[n] = 'x';
    assert_int_equal(uitoken_check(f->a, bad, n + 1, 0, &out), UITOKEN_INVALID);
    assert_int_equal(uitoken_check(f->a, "", 0, 0, &out), UITOKEN_INVALID);
    assert_int_equal(uitoken_check(f->a, NULL, 0, 0, &out), UITOKEN_INVALID);
    assert_int_equal(uitoken_check(f->a, "kiln_u_xxx", 10, 0, &out), UITOKEN_INVALID);
}

static void test_other_master_key(void **state)
{
    fx_t *f = *state;
    uitoken_t t = sample(), out;
    char tok[UITOKEN_MAX];
    assert_int_equal(uitoken_mint(&t, tok), 0);
    keys_reset();
    char *other = unit_tempdir();
    char err[128];
    assert_int_equal(keys_init(other, err, sizeof err), 0);
    assert_int_equal(uitoken_check(f->a, tok, strlen(tok), 0, &out), UITOKEN_INVALID);
    unit_rmtree(other);
    /* without a master key nothing is minted or accepted */
    keys_reset();
    assert_int_equal(uitoken_mint(&t, tok), -1);
}

static void test_bad_fields(void **state)
{
    (void)state;
    char tok[UITOKEN_MAX];
    const char *bad[] = {"", "a~b", "a b", "a/b", "é", "a\nb"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uitoken_t t = sample();
        t.module_key = bad[i];
        assert_int_equal(uitoken_mint(&t, tok), -1);
        t = sample();
        t.account_id = bad[i];
        assert_int_equal(uitoken_mint(&t, tok), -1);
    }
    char longf[UITOKEN_FIELD_MAX + 2];
    memset(longf, 'x', sizeof longf - 1);
    longf[sizeof longf - 1] = '\0';
    uitoken_t t = sample();
    t.app_id = longf;
    assert_int_equal(uitoken_mint(&t, tok), -1);
    t = sample();
    t.site_id = 0;
    assert_int_equal(uitoken_mint(&t, tok), -1);
    t = sample();
    t.account_id = NULL;
    assert_int_equal(uitoken_mint(&t, tok), -1);
    /* the extension digest is 64 hex digits, as uitoken_check reads it: anything else
     * minted a token that never checked (found by tests/fuzz/fuzz_cookie.c) */
    static const char *const digests[] = {"abc", "ABCDEF",
                                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"};
    for (size_t i = 0; i < sizeof digests / sizeof *digests; i++) {
        t = sample();
        snprintf(t.ext_digest, sizeof t.ext_digest, "%s", digests[i]);
        assert_int_equal(uitoken_mint(&t, tok), -1);
    }
}

static void test_digest(void **state)
{
    (void)state;
    char d[65];
    uitoken_digest("{}", 2, d);
    assert_string_equal(d, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_master_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
