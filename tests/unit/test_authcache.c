/* Unit tests for the per-thread credential cache (src/gateway/authcache.h): a hit copies
 * the cached site and user, entries expire after AUTHCACHE_TTL_MS, a colliding hash
 * evicts instead of answering for another credential, over-long fields are not cached. */
#include "unit.h"

#include <time.h>

#include "gateway/authcache.h"

static authcache_hit_t hit(const char *acct, int64_t site)
{
    authcache_hit_t h = {
        .site = {.id = site,
                 .cloud_id = "11111111-1111-4111-8111-111111111111",
                 .name = "alpha",
                 .admin_account_id = "adm",
                 .canary = "kiln-canary-x",
                 .created_ms = 5},
        .account_id = acct,
        .email = "a@alpha.example.com",
    };
    return h;
}

static void test_hit_and_copy(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    unsigned char h1[32] = {1, 2, 3};
    authcache_hit_t in = hit("acct-1", 42), out;
    authcache_put(h1, &in);
    assert_int_equal(authcache_get(a, h1, &out), 1);
    assert_int_equal(out.site.id, 42);
    assert_string_equal(out.account_id, "acct-1");
    assert_string_equal(out.site.cloud_id, in.site.cloud_id);
    assert_ptr_not_equal(out.account_id, in.account_id); /* a copy in the caller's arena */
    arena_free(a);
}

static void test_collision_does_not_answer_for_another(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    unsigned char h1[32] = {9, 9, 1}, h2[32] = {9, 9, 2}; /* same slot: the first two bytes */
    authcache_hit_t in = hit("acct-1", 1), out;
    authcache_put(h1, &in);
    assert_int_equal(authcache_get(a, h2, &out), 0); /* same slot, other credential: a miss */
    authcache_hit_t in2 = hit("acct-2", 2);
    authcache_put(h2, &in2);
    assert_int_equal(authcache_get(a, h1, &out), 0); /* evicted, never mixed */
    assert_int_equal(authcache_get(a, h2, &out), 1);
    assert_string_equal(out.account_id, "acct-2");
    arena_free(a);
}

static void test_expiry_and_oversize(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    unsigned char h1[32] = {7, 7, 7};
    authcache_hit_t in = hit("acct-1", 1), out;
    authcache_put(h1, &in);
    struct timespec ts = {AUTHCACHE_TTL_MS / 1000, (AUTHCACHE_TTL_MS % 1000) * 1000000L + 50000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(authcache_get(a, h1, &out), 0);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    authcache_hit_t huge = hit(big, 1);
    authcache_put(h1, &huge);
    assert_int_equal(authcache_get(a, h1, &out), 0); /* not cacheable: the store answers */
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_copy),
        cmocka_unit_test(test_collision_does_not_answer_for_another),
        cmocka_unit_test(test_expiry_and_oversize),
    };
    return cmocka_run_group_tests_name("authcache", tests, NULL, NULL);
}
