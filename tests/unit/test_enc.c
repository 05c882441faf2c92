/* Unit tests for src/base/enc.h: base64url, base64 encoding and decoding, hex, UUID v4, SHA-256,
 * constant-time equality, percent-decoding. */
#include "unit.h"

#include <sys/wait.h>
#include <unistd.h>

#include "base/enc.h"

static void b64url_is(const char *in, size_t n, const char *want)
{
    char out[128];
    assert_int_equal(enc_b64url_len(n), strlen(want));
    memset(out, 0x7e, sizeof out);
    enc_b64url(out, in, n);
    assert_string_equal(out, want);
}

static void test_b64url_vectors(void **state)
{
    (void)state;
    /* RFC 4648 section 10, without padding */
    b64url_is("", 0, "");
    b64url_is("f", 1, "Zg");
    b64url_is("fo", 2, "Zm8");
    b64url_is("foo", 3, "Zm9v");
    b64url_is("foob", 4, "Zm9vYg");
    b64url_is("fooba", 5, "Zm9vYmE");
    b64url_is("foobar", 6, "Zm9vYmFy");
    /* the url alphabet: 62 and 63 are '-' and '_' (standard: '+' and '/') */
    b64url_is("\xfb\xff", 2, "-_8");
    b64url_is("\xff\xff\xff", 3, "____");
    b64url_is("\xfb\xef\xbe", 3, "----");
    b64url_is("\0\0\0", 3, "AAAA");
    /* 32 random bytes (a token body) give 43 characters */
    assert_int_equal(enc_b64url_len(32), 43);
}

static void b64_is(const char *in, size_t n, const char *want)
{
    char out[128];
    assert_int_equal(enc_b64_len(n), strlen(want));
    memset(out, 0x7e, sizeof out);
    enc_b64(out, in, n);
    assert_string_equal(out, want);
    /* and it decodes back (what atob does in a Custom UI frame) */
    unsigned char back[128];
    assert_int_equal(enc_b64_decode(back, sizeof back, out, strlen(out)), (long)n);
    assert_memory_equal(back, in, n);
}

static void test_b64_vectors(void **state)
{
    (void)state;
    /* RFC 4648 section 10, padded */
    b64_is("", 0, "");
    b64_is("f", 1, "Zg==");
    b64_is("fo", 2, "Zm8=");
    b64_is("foo", 3, "Zm9v");
    b64_is("foob", 4, "Zm9vYg==");
    b64_is("fooba", 5, "Zm9vYmE=");
    b64_is("foobar", 6, "Zm9vYmFy");
    /* the standard alphabet: 62 and 63 are '+' and '/' */
    b64_is("\xfb\xff", 2, "+/8=");
    b64_is("\xff\xff\xff", 3, "////");
    b64_is("\xfb\xef\xbe", 3, "++++");
    b64_is("\x89PNG\r\n\x1a\n", 8, "iVBORw0KGgo=");
}

static void decode_is(const char *in, const char *want, size_t wantlen)
{
    unsigned char out[64];
    long n = enc_b64_decode(out, sizeof out, in, strlen(in));
    assert_int_equal(n, (long)wantlen);
    assert_memory_equal(out, want, wantlen);
}

static void decode_fails(const char *in, size_t cap)
{
    unsigned char out[64];
    assert_true(cap <= sizeof out);
    assert_int_equal(enc_b64_decode(out, cap, in, strlen(in)), -1);
}

static void test_b64_decode_valid(void **state)
{
    (void)state;
    decode_is("", "", 0);
    decode_is("Zg==", "f", 1);
    decode_is("Zg", "f", 1); /* padding optional */
    decode_is("Zm8=", "fo", 2);
    decode_is("Zm8", "fo", 2);
    decode_is("Zm9v", "foo", 3);
    decode_is("Zm9vYg==", "foob", 4);
    decode_is("Zm9vYmE=", "fooba", 5);
    decode_is("Zm9vYmFy", "foobar", 6);
    decode_is("dXNlckBleGFtcGxlLmNvbTpzZWNyZXQ=", "user@example.com:secret", 23);
    decode_is("+/8=", "\xfb\xff", 2); /* the standard alphabet */
    decode_is("AAAA", "\0\0\0", 3);
}

static void test_b64_decode_invalid(void **state)
{
    (void)state;
    decode_fails("Z", 64);          /* a lone sextet cannot encode a byte */
    decode_fails("Zm9vY", 64);      /* 5 chars: 4k+1 */
    decode_fails("Zm9v!A==", 64);   /* bad char */
    decode_fails("Zm 9v", 64);      /* space */
    decode_fails("Zm9v\nYmFy", 64); /* newline */
    decode_fails("-_8", 64);        /* url alphabet is not standard base64 */
    decode_fails("Zm=9v", 64);      /* padding in the middle */
    decode_fails("=Zm9", 64);
    decode_fails("Zm9v\xc3\xa9", 64); /* non-ASCII */
    /* an embedded NUL within n */
    unsigned char out[8];
    assert_int_equal(enc_b64_decode(out, sizeof out, "Zm\0v", 4), -1);
}

static void test_b64_decode_cap(void **state)
{
    (void)state;
    unsigned char out[8];
    memset(out, 0xee, sizeof out);
    assert_int_equal(enc_b64_decode(out, 6, "Zm9vYmFy", 8), 6); /* exactly fits */
    assert_memory_equal(out, "foobar", 6);
    memset(out, 0xee, sizeof out);
    assert_int_equal(enc_b64_decode(out, 5, "Zm9vYmFy", 8), -1); /* one byte too many */
    /* nothing written past cap */
    assert_int_equal(out[5], 0xee);
    assert_int_equal(enc_b64_decode(out, 0, "Zg==", 4), -1);
    assert_int_equal(enc_b64_decode(out, 0, "", 0), 0);
}

static void test_hex(void **state)
{
    (void)state;
    char out[16];
    enc_hex(out, "\x00\xff\x1a\x80", 4);
    assert_string_equal(out, "00ff1a80");
    enc_hex(out, "", 0);
    assert_string_equal(out, "");
}

static int is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_uuid4_format(void **state)
{
    (void)state;
    for (int k = 0; k < 200; k++) {
        char u[37];
        memset(u, 'x', sizeof u);
        enc_uuid4(u);
        assert_int_equal(strlen(u), 36);
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                assert_int_equal(u[i], '-');
            else
                assert_true(is_lower_hex(u[i]));
        }
        assert_int_equal(u[14], '4');           /* version 4 */
        assert_non_null(strchr("89ab", u[19])); /* RFC 4122 variant */
        assert_true(enc_is_uuid(u, 36));
    }
    char a[37], b[37];
    enc_uuid4(a);
    enc_uuid4(b);
    assert_string_not_equal(a, b);
}

static void test_is_uuid(void **state)
{
    (void)state;
    const char *good = "123e4567-e89b-42d3-a456-426614174000";
    assert_true(enc_is_uuid(good, 36));
    assert_true(enc_is_uuid("123E4567-E89B-42D3-A456-426614174000", 36));
    assert_true(enc_is_uuid("00000000-0000-0000-0000-000000000000", 36));
    assert_false(enc_is_uuid(good, 35));
    assert_false(enc_is_uuid("", 0));
    assert_false(enc_is_uuid("123e4567-e89b-42d3-a456-4266141740000", 37));
    assert_false(enc_is_uuid("123e4567e89b-42d3-a456-4266141740000", 36));  /* dash missing */
    assert_false(enc_is_uuid("123e4567-e89b-42d3-a456_426614174000", 36));  /* wrong separator */
    assert_false(enc_is_uuid("123e456-7e89b-42d3-a456-426614174000", 36));  /* dash moved */
    assert_false(enc_is_uuid("g23e4567-e89b-42d3-a456-426614174000", 36));  /* not hex */
    assert_false(enc_is_uuid("123e4567-e89b-42d3-a456-42661417400 ", 36));  /* space */
    assert_false(enc_is_uuid("123e4567-e89b-42d3-a456-42661417400\0", 36)); /* NUL */
    assert_false(enc_is_uuid("{23e4567-e89b-42d3-a456-426614174000", 36));
    assert_false(enc_is_uuid("../../../../../../../../../../../../", 36));
}

static void sha_is(const char *in, size_t n, const char *want_hex)
{
    unsigned char d[32];
    char h[65];
    enc_sha256(d, in, n);
    enc_hex(h, d, 32);
    assert_string_equal(h, want_hex);
}

static void test_sha256(void **state)
{
    (void)state;
    sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_ct_eq(void **state)
{
    (void)state;
    assert_int_equal(enc_ct_eq("abcdef", "abcdef", 6), 1);
    assert_int_equal(enc_ct_eq("abcdef", "abcdeg", 6), 0);
    assert_int_equal(enc_ct_eq("abcdef", "bbcdef", 6), 0);
    assert_int_equal(enc_ct_eq("a\0c", "a\0d", 3), 0); /* compares past a NUL */
    assert_int_equal(enc_ct_eq("a\0c", "a\0c", 3), 1);
    assert_int_equal(enc_ct_eq("x", "y", 0), 1);
}

static void test_i64(void **state)
{
    (void)state;
    static const int64_t vals[] = {0, 1, -1, 9, 10, -10, 10000, 1700000000123, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        char out[24], want[32];
        memset(out, 'x', sizeof out);
        snprintf(want, sizeof want, "%lld", (long long)vals[i]);
        assert_ptr_equal(enc_i64(out, vals[i]), out);
        assert_string_equal(out, want);
    }
}

/* enc_parse_i64: the inverse of enc_i64 for every value, the range at its boundaries,
 * and everything that is not plain decimal refused with *out untouched. */
static void test_parse_i64(void **state)
{
    (void)state;
    static const int64_t vals[] = {0, 1, -1, 9, 10, -10, 10000, 1700000000123, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        char text[24];
        int64_t v = 42;
        assert_int_equal(enc_parse_i64(enc_i64(text, vals[i]), INT64_MIN, INT64_MAX, &v), 0);
        assert_true(v == vals[i]);
    }
    int64_t v = 0;
    assert_int_equal(enc_parse_i64("1000", 1, 1000, &v), 0);
    assert_int_equal(v, 1000);
    assert_int_equal(enc_parse_i64("1", 1, 1000, &v), 0);
    assert_int_equal(v, 1);
    static const char *const refused_1_1000[] = {
        "0",
        "1001",
        "-1",
        "",
        "-",
        "+5",
        " 5",
        "5 ",
        "5x",
        "0x10",
        "1e3",
        "1.0",
        "--1",
        "\t7",
        "99999999999999999999999",
        "9223372036854775808",
        "-9223372036854775809",
    };
    for (size_t i = 0; i < sizeof refused_1_1000 / sizeof *refused_1_1000; i++) {
        v = 7;
        assert_int_equal(enc_parse_i64(refused_1_1000[i], 1, 1000, &v), -1);
        assert_int_equal(v, 7);
    }
    assert_int_equal(enc_parse_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v), -1); /* overflow, not a wrap */
    assert_int_equal(enc_parse_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(enc_parse_i64("007", 0, 10, &v), 0); /* leading zeros are decimal */
    assert_int_equal(v, 7);
}

static void pct_is(const char *in, int plus, const char *want, long wantlen)
{
    char out[128];
    long n = enc_pct_decode(out, in, strlen(in), plus);
    assert_int_equal(n, wantlen);
    assert_memory_equal(out, want, (size_t)wantlen);
    assert_int_equal(out[wantlen], '\0');
}

static void pct_fails(const char *in, size_t n)
{
    char out[128];
    assert_int_equal(enc_pct_decode(out, in, n, 0), -1);
    assert_int_equal(enc_pct_decode(out, in, n, 1), -1);
}

static void test_pct_decode_valid(void **state)
{
    (void)state;
    pct_is("", 0, "", 0);
    pct_is("plain", 0, "plain", 5);
    pct_is("a%20b", 0, "a b", 3);
    pct_is("%41%42%43", 0, "ABC", 3);
    pct_is("%2f%2F", 0, "//", 2); /* both cases of hex digits */
    pct_is("%c3%A9", 0, "\xc3\xa9", 2);
    pct_is("%25", 0, "%", 1);
    pct_is("%252e", 0, "%2e", 3); /* decoded once, never twice */
    pct_is("%00", 0, "\0", 1);    /* the length tells the caller about NUL */
    pct_is("x%41", 0, "xA", 2);   /* escape at the very end */
}

static void test_pct_decode_plus(void **state)
{
    (void)state;
    pct_is("a+b", 0, "a+b", 3); /* path semantics */
    pct_is("a+b", 1, "a b", 3); /* query semantics */
    pct_is("%2B", 1, "+", 1);   /* an encoded plus stays a plus */
    pct_is("++", 1, "  ", 2);
}

static void test_pct_decode_invalid(void **state)
{
    (void)state;
    pct_fails("%", 1);
    pct_fails("%4", 2);
    pct_fails("a%", 2);
    pct_fails("abc%4", 5);
    pct_fails("%zz", 3);
    pct_fails("%4g", 3);
    pct_fails("%g4", 3);
    pct_fails("% 41", 4);
    pct_fails("%-1", 3);
    pct_fails("ok%2", 4);
    /* n cuts a valid escape short: bytes after n are not read */
    pct_fails("%41", 2);
    pct_fails("%41", 1);
}

static void test_random_pool(void **state)
{
    (void)state;
    /* sizes on both sides of the pooled limit, across many pool refills: never a repeat */
    enum { N = 400 };
    static unsigned char seen[N][16];
    for (int i = 0; i < N; i++) {
        unsigned char big[100];
        enc_random(seen[i], 16);
        enc_random(big, 1 + (size_t)i % 100); /* odd sizes shift the pool's offset */
        for (int k = 0; k < i; k++)
            assert_memory_not_equal(seen[i], seen[k], 16);
    }
    /* a forked child draws other bytes than its parent from the same point */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    unsigned char mine[32], theirs[32];
    if (pid == 0) {
        enc_random(mine, sizeof mine);
        _exit(write(fds[1], mine, sizeof mine) == (ssize_t)sizeof mine ? 0 : 1);
    }
    enc_random(mine, sizeof mine);
    assert_int_equal(read(fds[0], theirs, sizeof theirs), (ssize_t)sizeof theirs);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_memory_not_equal(mine, theirs, sizeof mine);
    close(fds[0]);
    close(fds[1]);
}

static void test_utf8_valid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"", 1},
        {"plain ascii", 1},
        {"caf\xc3\xa9", 1},
        {"\xe2\x82\xac", 1},
        {"\xf0\x9f\x98\x80", 1},
        {"\xed\x9f\xbf", 1},     /* U+D7FF, just below the surrogates */
        {"\xee\x80\x80", 1},     /* U+E000, just above */
        {"\xf4\x8f\xbf\xbf", 1}, /* U+10FFFF */
        {"\xc0\x80", 0},         /* overlong NUL */
        {"\xc1\xbf", 0},         /* overlong */
        {"\xe0\x9f\xbf", 0},     /* overlong 3-byte */
        {"\xf0\x8f\xbf\xbf", 0}, /* overlong 4-byte */
        {"\xed\xa0\x80", 0},     /* U+D800 */
        {"\xed\xbf\xbf", 0},     /* U+DFFF */
        {"\xf4\x90\x80\x80", 0}, /* U+110000 */
        {"\xf5\x80\x80\x80", 0},
        {"\xff", 0},
        {"\x80", 0},
        {"a\xc3", 0},
        {"\xe2\x82", 0},
        {"\xc3\x28", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(enc_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok);
    assert_int_equal(enc_utf8_valid("a\0b", 3), 1);     /* NUL is a character */
    assert_int_equal(enc_utf8_valid("\xc3\xa9", 1), 0); /* the length is respected */
}

static void test_utf8_printable(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain ascii", "plain ascii"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"tab\tnew\nline\x7f", "tab?new?line?"},
        {"cut \xe2\x82", "cut ??"},        /* a sequence cut at the end */
        {"lone \x80 cont", "lone ? cont"}, /* a continuation byte first */
        {"bad \xe2(\xa9", "bad ?(?"},      /* a lead byte without its continuation */
        {"\xff\xfe", "??"},                /* never lead bytes */
        {"\xc0\x80", "\xc0\x80"},          /* lenient: an overlong form keeps its shape */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        enc_utf8_printable(buf);
        assert_string_equal(buf, cases[i].out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url_vectors),
        cmocka_unit_test(test_b64_vectors),
        cmocka_unit_test(test_b64_decode_valid),
        cmocka_unit_test(test_b64_decode_invalid),
        cmocka_unit_test(test_b64_decode_cap),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_uuid4_format),
        cmocka_unit_test(test_is_uuid),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_ct_eq),
        cmocka_unit_test(test_i64),
        cmocka_unit_test(test_pct_decode_valid),
        cmocka_unit_test(test_pct_decode_plus),
        cmocka_unit_test(test_pct_decode_invalid),
        cmocka_unit_test(test_random_pool),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_parse_i64),
        cmocka_unit_test(test_utf8_printable),
    };
    return cmocka_run_group_tests_name("enc", tests, NULL, NULL);
}
