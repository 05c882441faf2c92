/* Unit tests for src/base/buf.h: appends within max, refusal past max leaves the content
 * unchanged, printf (short and long), reserve, reset. */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"

static void test_add_within_max(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 10);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_add(&b, "hello", 5), 0);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.ptr, "hello");
    assert_int_equal(buf_adds(&b, "world"), 0); /* exactly max */
    assert_int_equal(b.len, 10);
    assert_string_equal(b.ptr, "helloworld");
    assert_true(b.cap <= b.max + 1);
    buf_free(&b);
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
}

static void test_refuse_past_max_unchanged(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 10);
    assert_int_equal(buf_adds(&b, "abcdefgh"), 0);
    assert_int_equal(buf_add(&b, "xyz", 3), -1);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.ptr, "abcdefgh");
    assert_int_equal(buf_printf(&b, "%d", 123), -1);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.ptr, "abcdefgh");
    /* what still fits is accepted after a refusal */
    assert_int_equal(buf_adds(&b, "ij"), 0);
    assert_string_equal(b.ptr, "abcdefghij");
    assert_int_equal(buf_add(&b, "k", 1), -1);
    assert_int_equal(buf_add(&b, "", 0), 0); /* nothing more is still within max */
    assert_string_equal(b.ptr, "abcdefghij");
    buf_free(&b);
}

static void test_huge_add_refused(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 100);
    assert_int_equal(buf_adds(&b, "x"), 0);
    /* a length that would overflow len + n must be refused, not wrap */
    assert_int_equal(buf_add(&b, "y", SIZE_MAX), -1);
    assert_int_equal(buf_add(&b, "y", SIZE_MAX - 1), -1);
    assert_int_equal(b.len, 1);
    assert_string_equal(b.ptr, "x");
    buf_free(&b);
}

static void test_max_zero(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(buf_add(&b, "", 0), 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_adds(&b, "a"), -1);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

static void test_printf_within_max(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 64);
    assert_int_equal(buf_printf(&b, "%s=%d;", "a", 1), 0);
    assert_int_equal(buf_printf(&b, "%s=%lld", "b", -9223372036854775807LL - 1), 0);
    assert_string_equal(b.ptr, "a=1;b=-9223372036854775808");
    assert_int_equal(b.len, strlen("a=1;b=-9223372036854775808"));
    buf_free(&b);
}

static void test_printf_long(void **state)
{
    (void)state;
    char big[2001];
    memset(big, 'm', 2000);
    big[2000] = '\0';
    buf_t b;
    buf_init(&b, 5000);
    assert_int_equal(buf_printf(&b, "[%s]", big), 0); /* beyond the 512-byte scratch */
    assert_int_equal(b.len, 2002);
    assert_int_equal(b.ptr[0], '[');
    assert_int_equal(b.ptr[2001], ']');
    assert_int_equal(b.ptr[2002], '\0');
    buf_free(&b);

    buf_init(&b, 1500);
    assert_int_equal(buf_adds(&b, "keep"), 0);
    assert_int_equal(buf_printf(&b, "%s", big), -1);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.ptr, "keep");
    buf_free(&b);
}

static void test_reserve(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 1000);
    buf_reserve(&b, 100);
    assert_true(b.cap >= 100);
    assert_int_equal(b.len, 0);
    assert_non_null(b.ptr);
    assert_string_equal(b.ptr, "");
    size_t cap = b.cap;
    char *p = b.ptr;
    for (int i = 0; i < 9; i++)
        assert_int_equal(buf_adds(&b, "0123456789"), 0);
    /* 90 bytes + NUL fit in what was reserved: no reallocation */
    assert_ptr_equal(b.ptr, p);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, 90);

    /* reserving more keeps the content */
    buf_reserve(&b, 500);
    assert_true(b.cap >= 500);
    assert_int_equal(b.len, 90);
    assert_memory_equal(b.ptr, "0123456789", 10);
    assert_int_equal(b.ptr[90], '\0');

    /* reserving less never shrinks */
    cap = b.cap;
    buf_reserve(&b, 10);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, 90);

    /* reserving beyond max is bounded by max (+ the NUL) */
    buf_reserve(&b, 1u << 30);
    assert_true(b.cap <= b.max + 1);
    assert_true(b.cap >= 90);
    assert_int_equal(b.len, 90);
    buf_free(&b);
}

static void test_reserve_then_max(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 8);
    buf_reserve(&b, 1000);
    assert_int_equal(b.cap, 9);
    assert_int_equal(buf_adds(&b, "12345678"), 0);
    assert_int_equal(buf_adds(&b, "9"), -1);
    assert_string_equal(b.ptr, "12345678");
    buf_free(&b);
}

static void test_reset(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 32);
    buf_reset(&b); /* on an empty buf: no crash */
    assert_int_equal(buf_adds(&b, "abc"), 0);
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");
    assert_int_equal(buf_adds(&b, "de"), 0);
    assert_string_equal(b.ptr, "de");
    buf_free(&b);
    /* a freed buf keeps its max and can be reused */
    assert_int_equal(b.max, 32);
    assert_int_equal(buf_adds(&b, "again"), 0);
    assert_string_equal(b.ptr, "again");
    buf_free(&b);
}

static void test_binary_content(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 16);
    assert_int_equal(buf_add(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.ptr, "a\0b", 4);
    buf_free(&b);
}

static void test_growth_many_small(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 100000);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(buf_add(&b, "0123456789", 10), 0);
    assert_int_equal(b.len, 100000);
    assert_int_equal(buf_add(&b, "x", 1), -1);
    for (size_t i = 0; i < b.len; i += 10)
        assert_int_equal(b.ptr[i], '0');
    assert_int_equal(b.ptr[b.len], '\0');
    buf_free(&b);
}

static void test_arena_buf(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 20);
    buf_t b;
    buf_init_arena(&b, a, 20);
    assert_int_equal(buf_adds(&b, "hello "), 0);
    assert_int_equal(buf_printf(&b, "%s %d", "world", 42), 0);
    assert_string_equal(b.ptr, "hello world 42");
    assert_int_equal(buf_adds(&b, "!!!!!!!"), -1); /* 21 > 20 */
    assert_string_equal(b.ptr, "hello world 42");
    assert_int_equal(buf_adds(&b, "!!!!!!"), 0); /* exactly 20 */
    assert_int_equal(b.len, 20);
    assert_true(b.cap <= b.max + 1);
    buf_free(&b); /* a no-op for arena memory: arena_free below must not double free */
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 20);
    /* still usable after buf_free, from the same arena */
    assert_int_equal(buf_adds(&b, "again"), 0);
    assert_string_equal(b.ptr, "again");
    arena_free(a);
}

static void test_arena_buf_growth_keeps_content(void **state)
{
    (void)state;
    arena_t *a = arena_new(1u << 22);
    buf_t b;
    buf_init_arena(&b, a, 1u << 20);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(buf_printf(&b, "%04d,", i), 0);
    assert_int_equal(b.len, 25000);
    for (int i = 0; i < 5000; i += 997) {
        char want[16];
        snprintf(want, sizeof want, "%04d,", i);
        assert_memory_equal(b.ptr + 5 * i, want, 5);
    }
    assert_int_equal(b.ptr[b.len], '\0');
    /* reserve keeps the content too */
    buf_reserve(&b, 100000);
    assert_true(b.cap >= 100000);
    assert_int_equal(b.len, 25000);
    assert_memory_equal(b.ptr, "0000,0001,", 10);
    buf_reset(&b);
    assert_string_equal(b.ptr, "");
    arena_free(a);
}

static void test_arena_buf_arena_cap(void **state)
{
    (void)state;
    /* the buffer's max allows more than the arena can give: refusals, content unchanged */
    arena_t *a = arena_new(2048);
    buf_t b;
    buf_init_arena(&b, a, 1u << 20);
    char chunk[300];
    memset(chunk, 'c', sizeof chunk);
    int refused = 0;
    size_t before = 0;
    for (int i = 0; i < 20 && !refused; i++) {
        before = b.len;
        refused = buf_add(&b, chunk, sizeof chunk) != 0;
    }
    assert_true(refused);
    assert_int_equal(b.len, before);
    for (size_t i = 0; i < b.len; i++)
        assert_int_equal(b.ptr[i], 'c');
    assert_int_equal(b.ptr[b.len], '\0');
    assert_true(arena_used(a) <= 2048);
    /* a reserve the arena cannot satisfy changes nothing */
    size_t cap = b.cap;
    buf_reserve(&b, 1u << 19);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, before);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_within_max),
        cmocka_unit_test(test_refuse_past_max_unchanged),
        cmocka_unit_test(test_huge_add_refused),
        cmocka_unit_test(test_max_zero),
        cmocka_unit_test(test_printf_within_max),
        cmocka_unit_test(test_printf_long),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_reserve_then_max),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_binary_content),
        cmocka_unit_test(test_growth_many_small),
        cmocka_unit_test(test_arena_buf),
        cmocka_unit_test(test_arena_buf_growth_keeps_content),
        cmocka_unit_test(test_arena_buf_arena_cap),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
