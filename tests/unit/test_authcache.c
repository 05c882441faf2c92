/* Unit tests for the per-thread credential cache (src/gateway/authcache.h): a hit copies
 * the cached site and user, entries expire after AUTHCACHE_TTL_MS, a colliding hash
 * evicts instead of answering for another credential, over-long fields are not cached;
 * a bump of the credential generation (store_auth_changed) or an entry read at an older
 * generation misses at once, for tokens and sessions alike. An invocation's installation
 * entry answers only for its installation id and site id, keeps its removed flag, and
 * misses once the installations generation moved (an install, uninstall or purge). */
#include "unit.h"

#include <time.h>

#include "gateway/authcache.h"
#include "store/store_backend.h"

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
    authcache_put(h1, store_auth_gen(), &in);
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
    authcache_put(h1, store_auth_gen(), &in);
    assert_int_equal(authcache_get(a, h2, &out), 0); /* same slot, other credential: a miss */
    authcache_hit_t in2 = hit("acct-2", 2);
    authcache_put(h2, store_auth_gen(), &in2);
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
    authcache_put(h1, store_auth_gen(), &in);
    struct timespec ts = {AUTHCACHE_TTL_MS / 1000, (AUTHCACHE_TTL_MS % 1000) * 1000000L + 50000000L};
    nanosleep(&ts, NULL);
    assert_int_equal(authcache_get(a, h1, &out), 0);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    authcache_hit_t huge = hit(big, 1);
    authcache_put(h1, store_auth_gen(), &huge);
    assert_int_equal(authcache_get(a, h1, &out), 0); /* not cacheable: the store answers */
    arena_free(a);
}

static void test_generation(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    unsigned char h1[32] = {9, 1}, h2[32] = {9, 2};
    authcache_hit_t in = hit("acct-1", 3), out;
    authcache_put(h1, store_auth_gen(), &in);
    assert_int_equal(authcache_get(a, h1, &out), 1);
    store_auth_changed(); /* a sign-out or a user write */
    assert_int_equal(authcache_get(a, h1, &out), 0);
    /* read before a revocation, put after it: never served */
    uint64_t before = store_auth_gen();
    store_auth_changed();
    authcache_put(h1, before, &in);
    assert_int_equal(authcache_get(a, h1, &out), 0);

    authcache_hit_t sh = hit("acct-2", 4);
    session_rec_t s = {
        .site_id = 4, .account_id = "acct-2", .csrf = "c5rf", .created_ms = 10, .expires_ms = 99, .last_seen_ms = 20};
    session_rec_t so;
    site_rec_t site;
    authcache_session_put(h2, store_auth_gen(), &s, &sh.site);
    assert_int_equal(authcache_session_get(a, h2, &so, &site), 1);
    assert_int_equal(so.site_id, 4);
    assert_int_equal(site.id, 4);
    assert_string_equal(so.account_id, "acct-2");
    assert_string_equal(so.csrf, "c5rf");
    assert_int_equal(so.expires_ms, 99);
    assert_int_equal(so.last_seen_ms, 20);
    authcache_session_seen(h2, 30);
    assert_int_equal(authcache_session_get(a, h2, &so, &site), 1);
    assert_int_equal(so.last_seen_ms, 30);
    assert_int_equal(authcache_session_get(a, h1, &so, &site), 0); /* tokens and sessions apart */
    store_auth_changed();
    assert_int_equal(authcache_session_get(a, h2, &so, &site), 0);
    /* a session whose site disagrees with its site record is never cached */
    sh.site.id = 5;
    authcache_session_put(h2, store_auth_gen(), &s, &sh.site);
    assert_int_equal(authcache_session_get(a, h2, &so, &site), 0);
    arena_free(a);
}

static void test_install(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    const char *id = "7996037c-9f12-4db6-ab56-1c5cf89299ce", *other = "7996037c-9f12-4db6-ab56-1c5cf89299cf";
    authcache_hit_t h = hit("acct", 42);
    int removed = -1;
    site_rec_t s;
    assert_int_equal(authcache_install_get(a, id, 42, &removed, &s), 0);
    authcache_install_put(id, store_installs_gen(), 0, &h.site);
    assert_int_equal(authcache_install_get(a, id, 42, &removed, &s), 1);
    assert_int_equal(removed, 0);
    assert_int_equal(s.id, 42);
    assert_string_equal(s.cloud_id, h.site.cloud_id);
    assert_string_equal(s.canary, h.site.canary);
    /* another site id, another installation: never this entry */
    assert_int_equal(authcache_install_get(a, id, 43, &removed, &s), 0);
    assert_int_equal(authcache_install_get(a, other, 42, &removed, &s), 0);
    assert_int_equal(authcache_install_get(a, NULL, 42, &removed, &s), 0);
    /* an installation changed (here or on another node): every entry misses */
    store_installs_settled();
    assert_int_equal(authcache_install_get(a, id, 42, &removed, &s), 0);
    /* read at an older generation: never served */
    uint64_t old = store_installs_gen();
    store_installs_settled();
    authcache_install_put(id, old, 0, &h.site);
    assert_int_equal(authcache_install_get(a, id, 42, &removed, &s), 0);
    /* the removed flag is kept (a preUninstall run may still call) */
    authcache_install_put(id, store_installs_gen(), 1, &h.site);
    assert_int_equal(authcache_install_get(a, id, 42, &removed, &s), 1);
    assert_int_equal(removed, 1);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_copy),
        cmocka_unit_test(test_collision_does_not_answer_for_another),
        cmocka_unit_test(test_expiry_and_oversize),
        cmocka_unit_test(test_generation),
        cmocka_unit_test(test_install),
    };
    return cmocka_run_group_tests_name("authcache", tests, NULL, NULL);
}
