/* The store's sessions family (store/store_sessions.h): sessions by hash (insert, lookup,
 * touch that never goes back, delete, purge by end and by idleness) and one-time links
 * (used once, only on their own site — a try on another site leaves them unused — only
 * before they expire; purge). */
#include "unit.h"

#include "store/store_sessions.h"
#include "store_fixture.h"

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static void hash_of(unsigned char h[32], int k)
{
    memset(h, 0, 32);
    h[0] = (unsigned char)k;
}

static void test_sessions(void **state)
{
    fx_t *f = *state;
    unsigned char h1[32], h2[32], h3[32];
    hash_of(h1, 1), hash_of(h2, 2), hash_of(h3, 3);
    session_rec_t s = {f->A.id, f->A.admin_account_id, "csrf-1", 1000, 1000 + 7000, 1000};
    assert_int_equal(store_session_insert(f->st, h1, &s), STORE_OK);
    assert_int_equal(store_session_insert(f->st, h1, &s), STORE_CONFLICT);
    session_rec_t t = {f->B.id, f->B.admin_account_id, "csrf-2", 1000, 1000 + 100000, 1000};
    assert_int_equal(store_session_insert(f->st, h2, &t), STORE_OK);
    session_rec_t got;
    assert_int_equal(store_session_lookup(f->st, f->a, h1, &got), STORE_OK);
    assert_int_equal(got.site_id, f->A.id);
    assert_string_equal(got.account_id, f->A.admin_account_id);
    assert_string_equal(got.csrf, "csrf-1");
    assert_int_equal(got.expires_ms, 8000);
    assert_int_equal(store_session_lookup(f->st, f->a, h3, &got), STORE_NOTFOUND);
    /* touch moves last_seen forward only */
    assert_int_equal(store_session_touch(f->st, h1, 5000), STORE_OK);
    assert_int_equal(store_session_touch(f->st, h1, 4000), STORE_OK);
    assert_int_equal(store_session_lookup(f->st, f->a, h1, &got), STORE_OK);
    assert_int_equal(got.last_seen_ms, 5000);
    assert_int_equal(store_session_touch(f->st, h3, 5000), STORE_NOTFOUND);
    /* purge at 9000 with idle before 1500: h1 ended (8000), h2 idle (last seen 1000) */
    int64_t n = -1;
    assert_int_equal(store_session_purge(f->st, 7999, 999, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_session_purge(f->st, 8000, 999, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_session_lookup(f->st, f->a, h1, &got), STORE_NOTFOUND);
    assert_int_equal(store_session_lookup(f->st, f->a, h2, &got), STORE_OK);
    assert_int_equal(store_session_purge(f->st, 8000, 1001, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_session_lookup(f->st, f->a, h2, &got), STORE_NOTFOUND);
    /* delete */
    assert_int_equal(store_session_insert(f->st, h3, &s), STORE_OK);
    assert_int_equal(store_session_delete(f->st, h3), STORE_OK);
    assert_int_equal(store_session_delete(f->st, h3), STORE_NOTFOUND);
}

static void test_links(void **state)
{
    fx_t *f = *state;
    unsigned char h1[32], h2[32];
    hash_of(h1, 1), hash_of(h2, 2);
    assert_int_equal(store_login_link_insert(f->st, h1, f->A.id, f->A.admin_account_id, 1000, 2000), STORE_OK);
    const char *acct = NULL;
    /* another site's try: refused, and the link stays unused */
    assert_int_equal(store_login_link_consume(f->st, f->a, h1, f->B.id, 1500, &acct), STORE_NOTFOUND);
    assert_null(acct);
    /* expired */
    assert_int_equal(store_login_link_consume(f->st, f->a, h1, f->A.id, 2000, &acct), STORE_NOTFOUND);
    /* once */
    assert_int_equal(store_login_link_consume(f->st, f->a, h1, f->A.id, 1999, &acct), STORE_OK);
    assert_string_equal(acct, f->A.admin_account_id);
    assert_int_equal(store_login_link_consume(f->st, f->a, h1, f->A.id, 1999, &acct), STORE_NOTFOUND);
    assert_int_equal(store_login_link_consume(f->st, f->a, h2, f->A.id, 1500, &acct), STORE_NOTFOUND);
    /* inside a caller's transaction too */
    assert_int_equal(store_login_link_insert(f->st, h2, f->A.id, f->A.admin_account_id, 1000, 3000), STORE_OK);
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_login_link_consume(f->st, f->a, h2, f->A.id, 1500, &acct), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    /* purge: h1 (expired 2000) goes at 2001, h2 (3000) stays */
    assert_int_equal(store_login_link_purge(f->st, 2001), STORE_OK);
    assert_int_equal(store_login_link_insert(f->st, h1, f->A.id, f->A.admin_account_id, 1000, 2000), STORE_OK);
    assert_int_equal(store_login_link_insert(f->st, h2, f->A.id, f->A.admin_account_id, 1000, 2000), STORE_CONFLICT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {T(test_sessions), T(test_links)};
    return cmocka_run_group_tests_name("store_sessions", tests, NULL, NULL);
}
