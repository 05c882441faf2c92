/* Unit tests for the canary matcher (src/journal/leak.h): many sites in one database,
 * canaries at the very start and end of a buffer, each site reported once, the caller's
 * own site and its declared inbound sites skipped, no false positive on a prefix (a
 * canary cut short by one character, or one digit different), a rebuild with more sites
 * seen by a thread that scanned before it, and a scan from several threads at once. */
#include "unit.h"

#include <pthread.h>

#include "journal/leak.h"

#define NSITES 2000

static int64_t ids[NSITES];
static char canaries[NSITES][48];
static const char *cptr[NSITES];

static void make_sites(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ids[i] = (int64_t)i + 1;
        /* kiln's shape: kiln-canary- and 32 hex digits */
        snprintf(canaries[i], sizeof canaries[i], "kiln-canary-%08zx%08zx%08zx%08zx", i * 2654435761u % 0xffffffffu, i,
                 i ^ 0x5a5a5a5au, (i * 40503u) & 0xffffffffu);
        cptr[i] = canaries[i];
    }
}

static int setup(void **state)
{
    (void)state;
    make_sites(NSITES);
    char err[256];
    assert_int_equal(leak_load(ids, cptr, NSITES, err, sizeof err), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    leak_unload();
    return 0;
}

static int has(const leak_hits_t *h, int64_t site)
{
    for (unsigned i = 0; i < h->n; i++)
        if (h->site_id[i] == site)
            return 1;
    return 0;
}

static void test_many_sites_edges(void **state)
{
    (void)state;
    assert_int_equal(leak_patterns(), NSITES);
    leak_hits_t h;
    /* exactly a canary: the whole buffer */
    assert_int_equal(leak_find(canaries[1234], strlen(canaries[1234]), 0, NULL, 0, &h), 1);
    assert_int_equal(h.site_id[0], ids[1234]);
    /* at the start and at the end of a larger buffer, and the middle */
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s some text {\"d\":\"%s\"} more %s", canaries[0], canaries[999],
                     canaries[NSITES - 1]);
    assert_int_equal(leak_find(buf, (size_t)n, 0, NULL, 0, &h), 3);
    assert_true(has(&h, ids[0]));
    assert_true(has(&h, ids[999]));
    assert_true(has(&h, ids[NSITES - 1]));
    /* the same canary many times: one report */
    n = snprintf(buf, sizeof buf, "%s%s%s", canaries[7], canaries[7], canaries[7]);
    assert_int_equal(leak_find(buf, (size_t)n, 0, NULL, 0, &h), 1);
    /* nothing: no report */
    assert_int_equal(leak_find("kiln-canary-", 12, 0, NULL, 0, &h), 0);
    assert_int_equal(leak_find("", 0, 0, NULL, 0, &h), 0);
    assert_int_equal(leak_find(NULL, 5, 0, NULL, 0, &h), 0);
}

static void test_no_false_positive_on_prefix(void **state)
{
    (void)state;
    leak_hits_t h;
    char buf[128];
    /* cut short by one character, at the end of the buffer and inside it */
    size_t len = strlen(canaries[42]);
    assert_int_equal(leak_find(canaries[42], len - 1, 0, NULL, 0, &h), 0);
    int n = snprintf(buf, sizeof buf, "x%.*s x", (int)(len - 1), canaries[42]);
    assert_int_equal(leak_find(buf, (size_t)n, 0, NULL, 0, &h), 0);
    /* one digit different */
    snprintf(buf, sizeof buf, "%s", canaries[42]);
    buf[len - 1] = buf[len - 1] == '0' ? '1' : '0';
    assert_int_equal(leak_find(buf, len, 0, NULL, 0, &h), 0);
    /* the first byte missing (the buffer starts one byte into the canary) */
    assert_int_equal(leak_find(canaries[42] + 1, len - 1, 0, NULL, 0, &h), 0);
    /* a canary split by a character in the middle */
    n = snprintf(buf, sizeof buf, "%.20s\n%s", canaries[42], canaries[42] + 20);
    assert_int_equal(leak_find(buf, (size_t)n, 0, NULL, 0, &h), 0);
}

static void test_own_and_declared_skipped(void **state)
{
    (void)state;
    leak_hits_t h;
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s|%s|%s", canaries[10], canaries[11], canaries[12]);
    /* own site 11: the others are reported */
    assert_int_equal(leak_find(buf, (size_t)n, ids[11], NULL, 0, &h), 2);
    assert_true(has(&h, ids[10]) && has(&h, ids[12]) && !has(&h, ids[11]));
    /* 10 came in with the payload (declared): only 12 */
    int64_t skip[] = {ids[10]};
    assert_int_equal(leak_find(buf, (size_t)n, ids[11], skip, 1, &h), 1);
    assert_int_equal(h.site_id[0], ids[12]);
}

static void test_more_than_max_counted(void **state)
{
    (void)state;
    static char buf[40 * 64];
    size_t off = 0;
    for (size_t i = 0; i < 40; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s,", canaries[i * 3]);
    leak_hits_t h;
    assert_int_equal(leak_find(buf, off, 0, NULL, 0, &h), 40);
    assert_int_equal(h.n, LEAK_HITS_MAX);
    assert_int_equal(h.more, 40 - LEAK_HITS_MAX);
}

static void test_reload_grows(void **state)
{
    (void)state;
    leak_hits_t h;
    char err[256];
    /* a small database first, scanned on this thread (scratch sized for it) */
    assert_int_equal(leak_load(ids, cptr, 3, err, sizeof err), 0);
    assert_int_equal(leak_find(canaries[500], strlen(canaries[500]), 0, NULL, 0, &h), 0);
    assert_int_equal(leak_find(canaries[2], strlen(canaries[2]), 0, NULL, 0, &h), 1);
    /* a new site: the rebuilt database finds it, with the same thread's scratch */
    assert_int_equal(leak_load(ids, cptr, NSITES, err, sizeof err), 0);
    assert_int_equal(leak_find(canaries[500], strlen(canaries[500]), 0, NULL, 0, &h), 1);
    /* an empty database finds nothing */
    assert_int_equal(leak_load(ids, cptr, 0, err, sizeof err), 0);
    assert_int_equal(leak_find(canaries[500], strlen(canaries[500]), 0, NULL, 0, &h), 0);
    assert_int_equal(leak_load(ids, cptr, NSITES, err, sizeof err), 0);
}

static void *scan_thread(void *arg)
{
    size_t k = (size_t)arg;
    char buf[256];
    for (int i = 0; i < 2000; i++) {
        size_t s = (k * 131 + (size_t)i) % NSITES;
        int n = snprintf(buf, sizeof buf, "prefix %s suffix", canaries[s]);
        leak_hits_t h;
        if (leak_find(buf, (size_t)n, 0, NULL, 0, &h) != 1 || h.site_id[0] != ids[s])
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, scan_thread, (void *)i), 0);
    char err[256];
    for (int i = 0; i < 5; i++) /* rebuilds while they scan */
        assert_int_equal(leak_load(ids, cptr, NSITES, err, sizeof err), 0);
    for (size_t i = 0; i < 4; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        assert_null(rv);
    }
}

static void test_mode(void **state)
{
    (void)state;
    leak_set_mode(LEAK_DEVELOPMENT);
    assert_true(leak_applies("development"));
    assert_true(leak_applies("my-custom-env"));
    assert_false(leak_applies("staging"));
    assert_false(leak_applies("production"));
    leak_set_mode(LEAK_ALL);
    assert_true(leak_applies("production"));
    leak_set_mode(LEAK_OFF);
    assert_false(leak_applies("development"));
    leak_set_mode(LEAK_DEVELOPMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_sites_edges),
        cmocka_unit_test(test_no_false_positive_on_prefix),
        cmocka_unit_test(test_own_and_declared_skipped),
        cmocka_unit_test(test_more_than_max_counted),
        cmocka_unit_test(test_reload_grows),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_mode),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
