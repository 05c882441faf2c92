/* Unit tests for src/auth/session.h: finding the session cookie in a Cookie header
 * (absent, one, twice alike, twice different, quoted, spaces, a longer name that ends in
 * it, an over-long header), the session and link secrets' formats, the idle and absolute
 * ends, the touch interval, Set-Cookie values, the sign-in form's token (other nonce,
 * other site, expired, from the future, tampered, malformed) and the CSRF compare. */
#include "unit.h"

#include "auth/session.h"
#include "base/arena.h"
#include "base/enc.h"

static int find(const char *hdr, const char **v, size_t *n)
{
    return session_cookie_find(hdr, strlen(hdr), SESSION_COOKIE, v, n);
}

static void test_cookie_find(void **state)
{
    (void)state;
    const char *v;
    size_t n;
    assert_int_equal(find("", &v, &n), SESSION_COOKIE_ABSENT);
    assert_int_equal(find("a=1; b=2", &v, &n), SESSION_COOKIE_ABSENT);
    assert_int_equal(find("xkiln_session=1; kiln_sessionx=2", &v, &n), SESSION_COOKIE_ABSENT);
    assert_int_equal(find("kiln_session", &v, &n), SESSION_COOKIE_ABSENT);
    assert_int_equal(find("a=1; kiln_session=abc; b=2", &v, &n), SESSION_COOKIE_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(v, "abc", 3);
    assert_int_equal(find("kiln_session = \"xyz\" ", &v, &n), SESSION_COOKIE_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(v, "xyz", 3);
    assert_int_equal(find("kiln_session=abc;kiln_session=abc", &v, &n), SESSION_COOKIE_OK);
    /* a second, different value (a cookie planted by a sibling host) spoils both */
    assert_int_equal(find("kiln_session=abc; kiln_session=abd", &v, &n), SESSION_COOKIE_BAD);
    assert_int_equal(session_cookie_find(NULL, 0, SESSION_COOKIE, &v, &n), SESSION_COOKIE_ABSENT);
    char big[SESSION_COOKIE_HEADER_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "kiln_session=x;", 15);
    assert_int_equal(find(big, &v, &n), SESSION_COOKIE_BAD);
    big[SESSION_COOKIE_HEADER_MAX] = '\0'; /* exactly the limit: read */
    assert_int_equal(find(big, &v, &n), SESSION_COOKIE_OK);
}

static void test_secrets(void **state)
{
    (void)state;
    char secret[TOKEN_MAX], csrf[TOKEN_MAX], csrf2[TOKEN_MAX];
    unsigned char h[32], h2[32];
    session_mint(secret, h, csrf);
    assert_int_equal(strncmp(secret, "kiln_w_", 7), 0);
    assert_int_equal(strlen(csrf), CSRF_LEN);
    assert_true(session_secret_hash(secret, strlen(secret), h2));
    assert_memory_equal(h, h2, 32);
    /* another kind of token, a cut one, a link: not a session */
    assert_false(session_link_hash(secret, strlen(secret), h2));
    assert_false(session_secret_hash(secret, strlen(secret) - 1, h2));
    char user[TOKEN_MAX], link[TOKEN_MAX];
    token_mint(TOKEN_USER, user);
    token_mint(TOKEN_LOGIN_LINK, link);
    assert_false(session_secret_hash(user, strlen(user), h2));
    assert_true(session_link_hash(link, strlen(link), h2));
    assert_false(session_secret_hash(NULL, 0, h2));
    session_mint(secret, h2, csrf2);
    assert_string_not_equal(csrf, csrf2);
}

static void test_live_and_touch(void **state)
{
    (void)state;
    int64_t idle = 1000;
    assert_true(session_live(10000, 5000, 5999, idle));
    assert_false(session_live(10000, 5000, 6000, idle));  /* idle too long */
    assert_false(session_live(10000, 9500, 10000, idle)); /* past its end */
    assert_false(session_touch_due(0, SESSION_TOUCH_MS - 1, SESSION_IDLE_MS_DEFAULT));
    assert_true(session_touch_due(0, SESSION_TOUCH_MS, SESSION_IDLE_MS_DEFAULT));
    /* a short idle limit is touched at half of it */
    assert_false(session_touch_due(0, 499, 1000));
    assert_true(session_touch_due(0, 500, 1000));
}

static void test_set_cookie(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 16);
    assert_string_equal(session_set_cookie(a, SESSION_COOKIE, "v", 60, 0),
                        "kiln_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
    assert_string_equal(session_set_cookie(a, SESSION_COOKIE, "v", 0, 1),
                        "kiln_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
    assert_string_equal(session_set_cookie(a, LOGIN_COOKIE, "n", 5, 0),
                        "kiln_login=n; Path=/; Max-Age=5; HttpOnly; SameSite=Strict");
    arena_free(a);
}

static void test_form_token(void **state)
{
    (void)state;
    unsigned char key[32] = {1, 2, 3}, other[32] = {9};
    char tok[LOGIN_FORM_TOKEN_MAX];
    int64_t t0 = 1700000000000;
    login_form_token(key, "nonce1", "acme", t0, tok);
    assert_true(login_form_check(key, "nonce1", "acme", tok, t0));
    assert_true(login_form_check(key, "nonce1", "acme", tok, t0 + LOGIN_FORM_TTL_MS - 1));
    assert_false(login_form_check(key, "nonce1", "acme", tok, t0 + LOGIN_FORM_TTL_MS)); /* expired */
    assert_false(login_form_check(key, "nonce1", "acme", tok, t0 - 1));                 /* from the future */
    assert_false(login_form_check(key, "nonce2", "acme", tok, t0));                     /* another browser */
    assert_false(login_form_check(key, "nonce1", "other", tok, t0));                    /* another site */
    assert_false(login_form_check(other, "nonce1", "acme", tok, t0));                   /* another key */
    assert_false(login_form_check(key, "", "acme", tok, t0));
    assert_false(login_form_check(key, "nonce1", "acme", NULL, t0));
    char bad[LOGIN_FORM_TOKEN_MAX];
    strcpy(bad, tok);
    bad[strlen(bad) - 1] ^= 1; /* tampered */
    assert_false(login_form_check(key, "nonce1", "acme", bad, t0));
    assert_false(login_form_check(key, "nonce1", "acme", "123", t0));
    assert_false(login_form_check(key, "nonce1", "acme", ".abc", t0));
    assert_false(login_form_check(key, "nonce1", "acme",
                                  "12x4.0000000000000000000000000000000000000000000000000000000000000000", t0));
    /* a time past int64 (found by tests/fuzz/fuzz_cookie.c): read with 19 digits it
     * overflowed (undefined; in practice it wrapped to the time the mac below is for, and
     * the token was taken as signed now) */
    char wrapped[LOGIN_FORM_TOKEN_MAX];
    login_form_token(key, "nonce1", "acme", INT64_MIN, tok);
    snprintf(wrapped, sizeof wrapped, "9223372036854775808%s", strchr(tok, '.'));
    assert_false(login_form_check(key, "nonce1", "acme", wrapped, t0));
    assert_false(
        login_form_check(key, "nonce1", "acme",
                         "9999999999999999999.0000000000000000000000000000000000000000000000000000000000000000", t0));
    /* a nonce or site too long for the mac's message: no token, and none checks (found by
     * tests/fuzz/fuzz_cookie.c: the mac was of the empty message, the same for all of them) */
    char longn[600];
    memset(longn, 'n', sizeof longn - 1);
    longn[sizeof longn - 1] = '\0';
    login_form_token(key, longn, "acme", t0, tok);
    assert_string_equal(tok, "");
    char forged[LOGIN_FORM_TOKEN_MAX], hex[65];
    unsigned char mac[32];
    enc_hmac_sha256(mac, key, 32, "", 0);
    enc_hex(hex, mac, sizeof mac);
    snprintf(forged, sizeof forged, "%lld.%s", (long long)t0, hex);
    assert_false(login_form_check(key, longn, "acme", forged, t0));
    assert_false(login_form_check(key, "nonce1", longn, forged, t0));
}

static void test_csrf_eq(void **state)
{
    (void)state;
    assert_true(session_csrf_eq("abc", "abc"));
    assert_false(session_csrf_eq("abd", "abc"));
    assert_false(session_csrf_eq("ab", "abc"));
    assert_false(session_csrf_eq("abcd", "abc"));
    assert_false(session_csrf_eq(NULL, "abc"));
    assert_false(session_csrf_eq("", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_find), cmocka_unit_test(test_secrets),    cmocka_unit_test(test_live_and_touch),
        cmocka_unit_test(test_set_cookie),  cmocka_unit_test(test_form_token), cmocka_unit_test(test_csrf_eq),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
