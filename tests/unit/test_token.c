/* Unit tests for src/auth/token.h: minting (prefix, length, alphabet, uniqueness),
 * recognition (wrong length, prefix or characters are TOKEN_NONE; one kind is never
 * taken for another) and hashing. */
#include "unit.h"

#include "auth/token.h"
#include "base/arena.h"
#include "base/enc.h"

static int b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static void check_minted(enum token_kind kind, const char *prefix)
{
    char t[TOKEN_MAX];
    memset(t, 0x7f, sizeof t);
    token_mint(kind, t);
    assert_int_equal(strlen(t), strlen(prefix) + TOKEN_BODY_LEN);
    assert_true(strlen(t) < TOKEN_MAX);
    assert_memory_equal(t, prefix, strlen(prefix));
    for (size_t i = strlen(prefix); i < strlen(t); i++)
        assert_true(b64url_char(t[i]));
    assert_int_equal(token_kind_of(t, strlen(t)), kind);
}

static void test_mint_user(void **state)
{
    (void)state;
    check_minted(TOKEN_USER, "kiln_u_");
}

static void test_mint_admin(void **state)
{
    (void)state;
    check_minted(TOKEN_ADMIN, "kiln_a_");
}

static void test_mint_none(void **state)
{
    (void)state;
    char t[TOKEN_MAX];
    memset(t, 'x', sizeof t);
    token_mint(TOKEN_NONE, t);
    assert_string_equal(t, "");
    assert_int_equal(token_kind_of(t, 0), TOKEN_NONE);
}

static int cmp_tok(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_mint_unique(void **state)
{
    (void)state;
    enum { N = 2000 };
    char(*t)[TOKEN_MAX] = xcalloc(N, TOKEN_MAX);
    for (int i = 0; i < N; i++)
        token_mint(i % 2 ? TOKEN_USER : TOKEN_ADMIN, t[i]);
    qsort(t, N, TOKEN_MAX, cmp_tok);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(t[i - 1], t[i]);
    /* bodies differ too, not only by prefix */
    for (int i = 0; i < N; i++)
        memcpy(t[i], "kiln_x_", 7);
    qsort(t, N, TOKEN_MAX, cmp_tok);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(t[i - 1], t[i]);
    free(t);
}

static void test_wrong_length(void **state)
{
    (void)state;
    char t[TOKEN_MAX + 8];
    token_mint(TOKEN_USER, t);
    size_t n = strlen(t);
    assert_int_equal(token_kind_of(t, n - 1), TOKEN_NONE);
    assert_int_equal(token_kind_of(t, 7), TOKEN_NONE); /* the prefix alone */
    assert_int_equal(token_kind_of(t, 6), TOKEN_NONE);
    assert_int_equal(token_kind_of(t, 0), TOKEN_NONE);
    assert_int_equal(token_kind_of("", 0), TOKEN_NONE);
    t[n] = 'A';
    t[n + 1] = '\0';
    assert_int_equal(token_kind_of(t, n + 1), TOKEN_NONE);
    /* an old-style 44-char body, a 42-char one */
    char u[64];
    snprintf(u, sizeof u, "kiln_u_%044d", 0);
    assert_int_equal(token_kind_of(u, strlen(u)), TOKEN_NONE);
    snprintf(u, sizeof u, "kiln_u_%042d", 0);
    assert_int_equal(token_kind_of(u, strlen(u)), TOKEN_NONE);
    snprintf(u, sizeof u, "kiln_u_%043d", 0);
    assert_int_equal(token_kind_of(u, strlen(u)), TOKEN_USER);
}

static void test_wrong_prefix(void **state)
{
    (void)state;
    char t[TOKEN_MAX];
    token_mint(TOKEN_USER, t);
    size_t n = strlen(t);
    static const char *const bad[] = {"kiln_x_", "KILN_U_", "kiln-u_", "kiln_u-", "kiln_U_",
                                      "kiln__u", "xiln_u_", "kiln_uu", " kiln_u", "\0iln_u_"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char c[TOKEN_MAX];
        memcpy(c, t, n + 1);
        memcpy(c, bad[i], 7);
        assert_int_equal(token_kind_of(c, n), TOKEN_NONE);
    }
    /* no prefix at all: 50 base64url characters */
    char raw[64];
    memset(raw, 'A', 50);
    raw[50] = '\0';
    assert_int_equal(token_kind_of(raw, 50), TOKEN_NONE);
    /* a bearer-style value or Basic credentials are not tokens */
    assert_int_equal(token_kind_of("Bearer x", 8), TOKEN_NONE);
}

static void test_bad_chars(void **state)
{
    (void)state;
    char t[TOKEN_MAX];
    token_mint(TOKEN_USER, t);
    size_t n = strlen(t);
    static const char bad[] = {'+', '/', '=', ' ', '.', '%', '"', '\\', '\n', '\0', '\x7f', '~', ':', '@'};
    static const size_t pos[] = {7, 8, 30, 49};
    for (size_t i = 0; i < sizeof bad; i++) {
        for (size_t k = 0; k < sizeof pos / sizeof *pos; k++) {
            char c[TOKEN_MAX];
            memcpy(c, t, n + 1);
            c[pos[k]] = bad[i];
            assert_int_equal(token_kind_of(c, n), TOKEN_NONE);
        }
    }
    /* non-ASCII bytes (signed char on most platforms) */
    char c[TOKEN_MAX];
    memcpy(c, t, n + 1);
    c[20] = (char)0xc3;
    assert_int_equal(token_kind_of(c, n), TOKEN_NONE);
    c[20] = (char)0x80;
    assert_int_equal(token_kind_of(c, n), TOKEN_NONE);
}

static void test_admin_user_confusion(void **state)
{
    (void)state;
    char a[TOKEN_MAX], u[TOKEN_MAX];
    token_mint(TOKEN_ADMIN, a);
    token_mint(TOKEN_USER, u);
    assert_int_equal(token_kind_of(a, strlen(a)), TOKEN_ADMIN);
    assert_int_not_equal(token_kind_of(a, strlen(a)), TOKEN_USER);
    assert_int_equal(token_kind_of(u, strlen(u)), TOKEN_USER);
    assert_int_not_equal(token_kind_of(u, strlen(u)), TOKEN_ADMIN);
    /* an admin token with a user token's prefix pasted in front is no token */
    char both[2 * TOKEN_MAX];
    snprintf(both, sizeof both, "kiln_u_%s", a);
    assert_int_equal(token_kind_of(both, strlen(both)), TOKEN_NONE);
    /* an admin token relabelled as a user token has a user token's shape... */
    char relabel[TOKEN_MAX];
    memcpy(relabel, a, strlen(a) + 1);
    relabel[5] = 'u';
    assert_int_equal(token_kind_of(relabel, strlen(relabel)), TOKEN_USER);
    /* ...but not its hash: the stored hash covers the prefix */
    unsigned char h1[32], h2[32];
    token_hash(a, strlen(a), h1);
    token_hash(relabel, strlen(relabel), h2);
    assert_false(enc_ct_eq(h1, h2, 32));
}

static void test_hash(void **state)
{
    (void)state;
    char t[TOKEN_MAX];
    token_mint(TOKEN_USER, t);
    unsigned char h[32], s[32], h2[32];
    token_hash(t, strlen(t), h);
    enc_sha256(s, t, strlen(t));
    assert_memory_equal(h, s, 32); /* SHA-256 of the whole string */
    token_hash(t, strlen(t), h2);
    assert_memory_equal(h, h2, 32); /* deterministic */
    token_hash(t, strlen(t) - 1, h2);
    assert_memory_not_equal(h, h2, 32);
    char hex[65];
    token_hash("abc", 3, h);
    enc_hex(hex, h, 32);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mint_user),    cmocka_unit_test(test_mint_admin),
        cmocka_unit_test(test_mint_none),    cmocka_unit_test(test_mint_unique),
        cmocka_unit_test(test_wrong_length), cmocka_unit_test(test_wrong_prefix),
        cmocka_unit_test(test_bad_chars),    cmocka_unit_test(test_admin_user_confusion),
        cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
