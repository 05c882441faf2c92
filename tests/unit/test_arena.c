/* Unit tests for src/base/arena.h: alignment, cap enforcement, string helpers, deferred
 * cleanups in reverse order (and the heap they free, counted by the allocator), large
 * allocations. */
#include "unit.h"

#include <pthread.h>
#if defined(__SANITIZE_ADDRESS__)
/* libasan's (sanitizer/allocator_interface.h, which gcc does not install) */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

#include "base/arena.h"

static void test_alignment(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 20);
    static const size_t sizes[] = {1, 3, 7, 15, 16, 17, 31, 33, 100, 255, 4095, 4096, 4097, 1};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        unsigned char *p = arena_alloc(a, sizes[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, sizes[i]); /* ASan: the whole size is usable */
    }
    arena_free(a);
}

static void test_allocations_do_not_overlap(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 20);
    enum { N = 200 };
    unsigned char *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = arena_alloc(a, 37);
        assert_non_null(p[i]);
        memset(p[i], i, 37);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 37; j++)
            assert_int_equal(p[i][j], (unsigned char)i);
    arena_free(a);
}

static void test_used_counts_rounded_sizes(void **state)
{
    (void)state;
    arena_t *a = arena_new(1024);
    assert_int_equal(arena_used(a), 0);
    assert_non_null(arena_alloc(a, 1));
    assert_int_equal(arena_used(a), 16);
    assert_non_null(arena_alloc(a, 16));
    assert_int_equal(arena_used(a), 32);
    assert_non_null(arena_alloc(a, 17));
    assert_int_equal(arena_used(a), 64);
    arena_free(a);
}

static void test_cap_enforced(void **state)
{
    (void)state;
    arena_t *a = arena_new(100);
    assert_non_null(arena_alloc(a, 64));
    /* 64 + 48 = 112 > 100 */
    assert_null(arena_alloc(a, 48));
    /* a refused request leaves the arena usable and its count unchanged */
    assert_int_equal(arena_used(a), 64);
    assert_non_null(arena_alloc(a, 32)); /* 96 <= 100 */
    assert_null(arena_alloc(a, 1));      /* rounds to 16: 112 > 100 */
    assert_null(arena_calloc(a, 5));
    assert_null(arena_strndup(a, "x", 1));
    assert_null(arena_strdup(a, "xyz"));
    assert_null(arena_printf(a, "%d", 42));
    assert_int_equal(arena_used(a), 96);
    arena_free(a);
}

static void test_cap_exact_fit(void **state)
{
    (void)state;
    arena_t *a = arena_new(64);
    assert_non_null(arena_alloc(a, 64));
    assert_null(arena_alloc(a, 1));
    arena_free(a);

    a = arena_new(0);
    assert_null(arena_alloc(a, 1));
    arena_free(a);
}

static void test_cap_huge_requests(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 20);
    assert_null(arena_alloc(a, (1u << 20) + 1));
    assert_null(arena_alloc(a, SIZE_MAX / 2));
    assert_null(arena_calloc(a, SIZE_MAX / 4));
    assert_int_equal(arena_used(a), 0);
    arena_free(a);
}

static void test_calloc_zeroes(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 16);
    unsigned char *p = arena_calloc(a, 1000);
    assert_non_null(p);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(p[i], 0);
    arena_free(a);
}

static void test_strndup(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 16);
    char *s = arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_int_equal(strlen(s), 5);
    char *e = arena_strndup(a, "abc", 0);
    assert_string_equal(e, "");
    char *d = arena_strdup(a, "kiln");
    assert_string_equal(d, "kiln");
    /* bytes after an embedded NUL are copied too, and the result is terminated at n */
    char *z = arena_strndup(a, "a\0bc", 4);
    assert_int_equal(z[0], 'a');
    assert_int_equal(z[1], '\0');
    assert_int_equal(z[2], 'b');
    assert_int_equal(z[3], 'c');
    assert_int_equal(z[4], '\0');
    arena_free(a);
}

static void test_printf(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 16);
    assert_string_equal(arena_printf(a, "%s-%d-%05.1f", "x", -7, 3.14159), "x--7-003.1");
    assert_string_equal(arena_printf(a, "%s", ""), "");
    /* longer than the internal 256-byte scratch: second formatting path */
    char big[1001];
    memset(big, 'q', 1000);
    big[1000] = '\0';
    char *s = arena_printf(a, "<%s>", big);
    assert_non_null(s);
    assert_int_equal(strlen(s), 1002);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[1001], '>');
    assert_int_equal(s[500], 'q');
    arena_free(a);
}

static void test_printf_over_cap(void **state)
{
    (void)state;
    arena_t *a = arena_new(300);
    char big[601];
    memset(big, 'z', 600);
    big[600] = '\0';
    assert_null(arena_printf(a, "%s", big)); /* long path */
    assert_non_null(arena_printf(a, "%.200s", big));
    assert_null(arena_printf(a, "%.200s", big)); /* short path, cap now reached */
    arena_free(a);
}

static int order[8];
static int norder;
static void record(void *arg)
{
    order[norder++] = (int)(intptr_t)arg;
}

static void test_defers_reverse_order(void **state)
{
    (void)state;
    norder = 0;
    arena_t *a = arena_new(1u << 16);
    arena_defer(a, record, (void *)1);
    assert_non_null(arena_alloc(a, 100));
    arena_defer(a, record, (void *)2);
    arena_defer(a, record, (void *)3);
    assert_int_equal(norder, 0); /* nothing runs before arena_free */
    arena_free(a);
    assert_int_equal(norder, 3);
    assert_int_equal(order[0], 3);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 1);
}

static void test_defer_runs_even_at_cap(void **state)
{
    (void)state;
    norder = 0;
    arena_t *a = arena_new(32);
    assert_non_null(arena_alloc(a, 32));
    assert_null(arena_alloc(a, 1));
    arena_defer(a, record, (void *)7); /* must not be lost although the cap is reached */
    arena_defer(a, record, (void *)8);
    arena_free(a);
    assert_int_equal(norder, 2);
    assert_int_equal(order[0], 8);
    assert_int_equal(order[1], 7);
}

/* Heap bytes in use now: the allocator's own count (glibc's, or ASan's when it replaces
 * malloc), so a test can see memory come back without LeakSanitizer. */
static size_t heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

static int nfreed;
static void *freed;

static void free_it(void *p)
{
    nfreed++;
    freed = p;
    free(p);
}

static void test_defer_frees_heap(void **state)
{
    (void)state;
    /* 64 KiB: past glibc's per-thread cache of small chunks (which still counts them as in
     * use), below its mmap threshold */
    enum { N = 64 * 1024 };
    arena_thread_exit(); /* no spare arena: this one is allocated, and freed, in full */
    nfreed = 0;
    size_t h0 = heap_in_use();
    arena_t *a = arena_new(1u << 12);
    void *p = xmalloc(N);
    memset(p, 1, N);
    arena_defer(a, free_it, p);
    size_t h1 = heap_in_use();
    if (h1 < h0 + N)
        print_error("heap in use %zu -> %zu: the %d bytes are not counted\n", h0, h1, N);
    assert_true(h1 >= h0 + N);
    assert_int_equal(nfreed, 0); /* not before the arena goes */
    arena_free(a);
    assert_int_equal(nfreed, 1); /* once, with the pointer it was given */
    assert_ptr_equal(freed, p);
    size_t h2 = heap_in_use();
    if (h2 > h1 - N)
        print_error("heap in use %zu -> %zu after arena_free: the deferred free did not return %d bytes\n", h1, h2, N);
    assert_true(h2 <= h1 - N);
    arena_thread_exit(); /* the arena kept for reuse, and its 16 KiB first block */
    size_t h3 = heap_in_use();
    /* back where it started, but for the arena's small header, which glibc may keep in its
     * per-thread cache (counted as in use); the block itself is gone */
    if (h3 >= h0 + 1024)
        print_error("heap in use %zu before, %zu after: the arena left %zu bytes\n", h0, h3, h3 - h0);
    assert_true(h3 < h0 + 1024);
}

static void test_free_null(void **state)
{
    (void)state;
    arena_free(NULL);
}

static void test_large_allocations(void **state)
{
    (void)state;
    arena_t *a = arena_new(64u << 20);
    size_t big = 3u << 20; /* larger than any regular block */
    unsigned char *p = arena_alloc(a, big);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    memset(p, 0x5a, big);
    /* small ones after a large one still work and do not overlap it */
    unsigned char *q = arena_alloc(a, 10);
    assert_non_null(q);
    memset(q, 0x11, 10);
    unsigned char *r = arena_alloc(a, 5u << 20);
    assert_non_null(r);
    memset(r, 0x22, 5u << 20);
    assert_int_equal(p[0], 0x5a);
    assert_int_equal(p[big - 1], 0x5a);
    assert_int_equal(q[9], 0x11);
    /* many allocations spanning several blocks */
    for (int i = 0; i < 2000; i++) {
        unsigned char *s = arena_alloc(a, 1000);
        assert_non_null(s);
        s[0] = s[999] = (unsigned char)i;
    }
    assert_true(arena_used(a) >= big + (5u << 20) + 2000u * 1000u);
    assert_null(arena_alloc(a, 64u << 20)); /* the rest of the cap is smaller */
    arena_free(a);
}

static void test_reuse_after_free(void **state)
{
    (void)state;
    norder = 0;
    arena_t *a = arena_new(1u << 20);
    unsigned char *p = arena_alloc(a, 100);
    memset(p, 0xcc, 100);
    arena_defer(a, record, (void *)1);
    arena_free(a);
    assert_int_equal(norder, 1);

    /* a new arena (possibly a recycled one) starts empty, with the new cap */
    arena_t *b = arena_new(48);
    assert_int_equal(arena_used(b), 0);
    assert_non_null(arena_alloc(b, 32));
    assert_null(arena_alloc(b, 32)); /* 64 > 48 although the recycled block is larger */
    unsigned char *q = arena_calloc(b, 16);
    assert_non_null(q);
    for (int i = 0; i < 16; i++)
        assert_int_equal(q[i], 0);
    arena_free(b);
    assert_int_equal(norder, 1); /* the old arena's cleanups do not run twice */
}

static void test_many_arenas_cycle(void **state)
{
    (void)state;
    /* more arenas alive at once than a thread keeps spare, several rounds */
    enum { N = 40 };
    for (int round = 0; round < 5; round++) {
        arena_t *as[N];
        for (int i = 0; i < N; i++) {
            as[i] = arena_new(1u << 20);
            assert_int_equal(arena_used(as[i]), 0);
            size_t n = (size_t)(i % 3 == 0 ? 100000 : 100); /* some grow past the first block */
            unsigned char *p = arena_alloc(as[i], n);
            assert_non_null(p);
            memset(p, i, n);
            arena_defer(as[i], free_it, xmalloc(8));
        }
        for (int i = N - 1; i >= 0; i--)
            arena_free(as[i]);
    }
    arena_thread_exit(); /* gives the spares back; a later arena_new still works */
    arena_t *a = arena_new(64);
    assert_non_null(arena_alloc(a, 64));
    arena_free(a);
    arena_thread_exit();
}

static void *make_on_thread(void *arg)
{
    (void)arg;
    arena_t *a = arena_new(1u << 16);
    char *s = arena_strdup(a, "made on another thread");
    arena_defer(a, free_it, xmalloc(32));
    (void)s;
    arena_thread_exit();
    return a;
}

static void test_free_on_another_thread(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, make_on_thread, NULL), 0);
    void *ret = NULL;
    assert_int_equal(pthread_join(t, &ret), 0);
    assert_non_null(ret);
    arena_free(ret); /* freed on this thread */
    arena_t *a = arena_new(1u << 16);
    assert_non_null(arena_strdup(a, "after"));
    arena_free(a);
    arena_thread_exit();
}

static void test_x_helpers(void **state)
{
    (void)state;
    char *s = xstrdup("abc");
    assert_string_equal(s, "abc");
    s = xrealloc(s, 100);
    assert_string_equal(s, "abc");
    free(s);
    unsigned char *z = xcalloc(10, 10);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    free(z);
    void *m = xmalloc(0); /* a zero-size request still gives a pointer */
    assert_non_null(m);
    free(m);
}

/* Sizes near SIZE_MAX must be refused, not wrapped to a small allocation. */
static void test_cap_size_overflow(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 20);
    assert_null(arena_alloc(a, SIZE_MAX));
    assert_null(arena_alloc(a, SIZE_MAX - 8));
    assert_null(arena_calloc(a, SIZE_MAX - 15));
    assert_null(arena_strndup(a, "x", SIZE_MAX));
    assert_int_equal(arena_used(a), 0);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_allocations_do_not_overlap),
        cmocka_unit_test(test_used_counts_rounded_sizes),
        cmocka_unit_test(test_cap_enforced),
        cmocka_unit_test(test_cap_exact_fit),
        cmocka_unit_test(test_cap_huge_requests),
        cmocka_unit_test(test_calloc_zeroes),
        cmocka_unit_test(test_strndup),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_printf_over_cap),
        cmocka_unit_test(test_defers_reverse_order),
        cmocka_unit_test(test_defer_runs_even_at_cap),
        cmocka_unit_test(test_defer_frees_heap),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_large_allocations),
        cmocka_unit_test(test_reuse_after_free),
        cmocka_unit_test(test_many_arenas_cycle),
        cmocka_unit_test(test_free_on_another_thread),
        cmocka_unit_test(test_x_helpers),
        cmocka_unit_test(test_cap_size_overflow),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
