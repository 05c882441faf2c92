/* Unit tests for per-key rate limits (src/gateway/ratelimit.h): the limit per window,
 * remaining counts, keys counted apart, the next window starting afresh; the counts nodes
 * exchange (reported once, as ids; another node's report counted; hostile lines skipped). */
#include "unit.h"

#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "gateway/ratelimit.h"
#include "store/store.h"

static void test_window(void **state)
{
    (void)state;
    int64_t t = 28333334LL * 60000; /* a window boundary */
    for (unsigned i = 0; i < 5; i++) {
        ratelimit_result_t r = ratelimit_take("inst-a", 5, t + i);
        assert_true(r.allowed);
        assert_int_equal(r.limit, 5);
        assert_int_equal(r.remaining, 4 - i);
        assert_int_equal(r.reset_s, (t + 60000) / 1000);
    }
    ratelimit_result_t r = ratelimit_take("inst-a", 5, t + 10);
    assert_false(r.allowed);
    assert_int_equal(r.remaining, 0);
    /* another key has its own budget */
    assert_true(ratelimit_take("inst-b", 5, t + 11).allowed);
    /* the next window starts afresh */
    r = ratelimit_take("inst-a", 5, t + 60000);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 4);
}

static void test_many_keys(void **state)
{
    (void)state;
    int64_t t = 1700000120000;
    for (int k = 0; k < 2000; k++) {
        char key[40];
        snprintf(key, sizeof key, "key-%d", k);
        assert_true(ratelimit_take(key, 2, t).allowed);
        assert_true(ratelimit_take(key, 2, t).allowed);
        assert_false(ratelimit_take(key, 2, t).allowed);
    }
}

/* Keys of any length count (a 40-byte-or-longer key used to be cut and never match again,
 * so its count restarted on every call), and long keys differing only past 95 bytes are
 * still counted apart. */
static void test_long_keys(void **state)
{
    (void)state;
    int64_t t = 1700000180000;
    const char *lens[] = {"kvs:0123456789abcdef0123456789abcdef0123", /* 40 bytes */
                          "kvs:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                          "0123456789abcdef-a",
                          "kvs:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                          "0123456789abcdef-b"};
    for (size_t k = 0; k < 3; k++) {
        for (int i = 0; i < 3; i++)
            assert_true(ratelimit_take(lens[k], 3, t).allowed);
        ratelimit_result_t r = ratelimit_take(lens[k], 3, t);
        assert_false(r.allowed);
        assert_int_equal(r.remaining, 0);
    }
}

/* A key's place in the table (gateway/ratelimit.c: the first 8 bytes of its SHA-256). */
static unsigned home_of(const char *key)
{
    unsigned char d[32];
    uint64_t h;
    enc_sha256(d, key, strlen(key));
    memcpy(&h, d, sizeof h);
    return (unsigned)(h % 8192);
}

/* Keys a client may choose, crowding one place: the first 16 keep their own counts, the
 * 17th is refused (it used to take over a slot, resetting another key's count). */
static void test_crowded(void **state)
{
    (void)state;
    int64_t t = 4102444800000; /* 2100: past every window the tests before used (all stale here) */
    char keys[17][40];
    unsigned home = home_of("crowd-0"), n = 0;
    for (unsigned i = 0; n < 17; i++) {
        char k[40];
        snprintf(k, sizeof k, "crowd-%u", i);
        if (home_of(k) == home)
            memcpy(keys[n++], k, sizeof k);
    }
    for (unsigned i = 0; i < 16; i++)
        assert_true(ratelimit_take(keys[i], 3, t).allowed);
    ratelimit_result_t r = ratelimit_take(keys[16], 3, t);
    assert_false(r.allowed);
    assert_int_equal(r.remaining, 0);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(ratelimit_take(keys[i], 3, t).remaining, 1); /* each still has its own count */
    /* the next window: room again */
    assert_true(ratelimit_take(keys[16], 3, t + 60000).allowed);
}

/* One try of test_shared within one window: 0, or 1 when a minute's edge fell inside it. */
static int shared_once(int round)
{
    int64_t now = clock_now_ms(), window = now - now % 60000;
    char key[64], other[64], buf[STORE_COUNTS_BATCH_MAX + 1], bad[2048];
    snprintf(key, sizeof key, "web-login:site:someone-%d@example.com", round);
    snprintf(other, sizeof other, "px:installation-%d", round);
    for (int i = 0; i < 3; i++)
        assert_true(ratelimit_take(key, 10, now).allowed);
    /* reported once, as "<window s> <count> <id>", never the key itself */
    size_t n = store_counts_collect(buf, STORE_COUNTS_BATCH_MAX);
    buf[n] = '\0';
    long long w = 0;
    unsigned d = 0;
    char id[40] = "";
    assert_int_equal(sscanf(buf, "%lld %u %39s", &w, &d, id), 3);
    assert_true(w * 1000 == window);
    assert_int_equal(d, 3);
    assert_int_equal(strlen(id), 32);
    assert_null(strstr(buf, "someone"));
    assert_int_equal(store_counts_collect(buf, STORE_COUNTS_BATCH_MAX), 0);
    /* the same report from another node: both counts hold here (3 + 3 of 10) */
    char line[128];
    snprintf(line, sizeof line, "%lld 3 %s\n", w, id);
    store_counts_heard(line);
    assert_int_equal(ratelimit_peek(key, 10, now).remaining, 4);
    /* hostile or stale lines change nothing: a past window, no count, a count too large, a
     * bad id, a line too long, garbage, numbers past int64 or negative or signed, two spaces */
    snprintf(bad, sizeof bad,
             "%lld 5 %s\n%lld 0 %s\n%lld 99999999 %s\n%lld 5 %.31sg\n%lld 5 %sff\n%lld 5 %s %0200d\ngarbage\n1 2\n\n"
             "99999999999999999999 5 %s\n9223372036854775807 5 %s\n-%lld 5 %s\n%lld -5 %s\n%lld +5 %s\n%lld 5  %s\n",
             w - 60, id, w, id, w, id, w, id, w, id, w, id, 0, id, id, w, id, w, id, w, id, w, id);
    store_counts_heard(bad);
    assert_int_equal(ratelimit_peek(key, 10, now).remaining, 4);
    /* a key this node never counted: the other node's count alone */
    unsigned char d32[32];
    char hex[65];
    enc_sha256(d32, other, strlen(other));
    enc_hex(hex, d32, 16);
    snprintf(line, sizeof line, "%lld 4 %s", w, hex); /* the last line needs no newline */
    store_counts_heard(line);
    assert_int_equal(ratelimit_peek(other, 5, now).remaining, 1);
    assert_true(ratelimit_take(other, 5, now).allowed);
    assert_false(ratelimit_take(other, 5, now).allowed);
    now = clock_now_ms();
    return now - now % 60000 != window;
}

static void test_shared(void **state)
{
    (void)state;
    ratelimit_share();
    for (int round = 0; round < 3 && shared_once(round); round++)
        ; /* a minute's edge fell inside: again */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window), cmocka_unit_test(test_many_keys), cmocka_unit_test(test_long_keys),
        cmocka_unit_test(test_shared), cmocka_unit_test(test_crowded),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
