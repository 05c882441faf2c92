/* Unit tests for the live-invocation registry (src/auth/invocation.h): a token works
 * exactly while its invocation runs, is bound to its own record, stops at its deadline,
 * and removals keep every other live token findable (open addressing). */
#include "unit.h"

#include "auth/invocation.h"
#include "base/clock.h"

static invocation_t inv(const char *id, int64_t site, int64_t deadline)
{
    invocation_t v = {.site_id = site, .scopes = "read:jira-work", .deadline_ms = deadline};
    snprintf(v.id, sizeof v.id, "%s", id);
    snprintf(v.cloud_id, sizeof v.cloud_id, "cloud-%lld", (long long)site);
    return v;
}

static void test_lifetime(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    char token[TOKEN_MAX];
    invocation_t v = inv("i-1", 7, clock_now_ms() + 60000), got;
    assert_int_equal(invocation_begin(&v, token), 0);
    assert_int_equal(token_kind_of(token, strlen(token)), TOKEN_INVOCATION);
    assert_int_equal(invocation_lookup(token, strlen(token), a, &got), 0);
    assert_int_equal(got.site_id, 7);
    assert_string_equal(got.cloud_id, "cloud-7");
    assert_string_equal(got.scopes, "read:jira-work");
    invocation_end(token);
    assert_int_equal(invocation_lookup(token, strlen(token), a, &got), -1); /* dead at once */
    assert_int_equal(invocation_count(), 0);
    arena_free(a);
}

static void test_refusals(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    char token[TOKEN_MAX];
    invocation_t v = inv("i-2", 1, clock_now_ms() - 1), got; /* already past its deadline */
    assert_int_equal(invocation_begin(&v, token), 0);
    assert_int_equal(invocation_lookup(token, strlen(token), a, &got), -1);
    invocation_end(token);
    v = inv("i-3", 1, clock_now_ms() + 60000);
    assert_int_equal(invocation_begin(&v, token), 0);
    char copy[TOKEN_MAX];
    strcpy(copy, token);
    copy[strlen(copy) - 1] ^= 1; /* one character off */
    assert_int_equal(invocation_lookup(copy, strlen(copy), a, &got), -1);
    assert_int_equal(invocation_lookup(token, strlen(token) - 1, a, &got), -1);
    char user[TOKEN_MAX];
    token_mint(TOKEN_USER, user); /* another kind of token is never an invocation's */
    assert_int_equal(invocation_lookup(user, strlen(user), a, &got), -1);
    invocation_end(copy); /* not a live token: harmless */
    invocation_end(token);
    assert_int_equal(invocation_count(), 0);
    arena_free(a);
}

/* Many live tokens, removed in an interleaved order: the rest stay findable and each
 * maps to its own record. */
static void test_many(void **state)
{
    (void)state;
    enum { N = 1500 };
    static char tokens[N][TOKEN_MAX];
    arena_t *a = arena_new(1 << 24);
    for (int i = 0; i < N; i++) {
        char id[37];
        snprintf(id, sizeof id, "inv-%d", i);
        invocation_t v = inv(id, i, clock_now_ms() + 60000);
        assert_int_equal(invocation_begin(&v, tokens[i]), 0);
    }
    assert_int_equal(invocation_count(), N);
    for (int i = 0; i < N; i += 3)
        invocation_end(tokens[i]);
    for (int i = 0; i < N; i++) {
        invocation_t got;
        int rc = invocation_lookup(tokens[i], strlen(tokens[i]), a, &got);
        if (i % 3 == 0) {
            assert_int_equal(rc, -1);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(got.site_id, i);
        }
    }
    for (int i = 1; i < N; i++)
        if (i % 3)
            invocation_end(tokens[i]);
    assert_int_equal(invocation_count(), 0);
    arena_free(a);
}

/* An ended invocation's token opens nothing, but names it: invocation_late counts its calls. */
static void test_late(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 20);
    char tok[TOKEN_MAX], live[TOKEN_MAX], forged[TOKEN_MAX];
    invocation_t v = inv("late-1", 7, clock_now_ms() + 60000), w = inv("live-1", 8, clock_now_ms() + 60000), got;
    v.imp_scopes = "read:jira-work"; /* the registry's heap copy is freed at the end */
    assert_int_equal(invocation_begin(&v, tok), 0);
    assert_int_equal(invocation_begin(&w, live), 0);
    assert_int_equal(invocation_late(tok, strlen(tok), &got), 0); /* still running: not late */
    invocation_end(tok);
    assert_int_equal(invocation_lookup(tok, strlen(tok), a, &got), -1);
    memset(&got, 0, sizeof got);
    assert_int_equal(invocation_late(tok, strlen(tok), &got), 1);
    assert_string_equal(got.id, "late-1");
    assert_int_equal(got.site_id, 7);
    assert_null(got.scopes);
    assert_null(got.egress);
    assert_null(got.imp_scopes); /* not a pointer to the freed copy */
    assert_int_equal(invocation_late(tok, strlen(tok), &got), 2);
    assert_int_equal(invocation_late(live, strlen(live), &got), 0);
    token_mint(TOKEN_INVOCATION, forged);
    assert_int_equal(invocation_late(forged, strlen(forged), &got), 0);
    assert_int_equal(invocation_late(tok, strlen(tok) - 1, &got), 0); /* a prefix is another token */
    assert_int_equal(invocation_late("kiln_u_x", 8, &got), 0);
    /* the ring forgets the oldest */
    for (int i = 0; i < INV_ENDED_MAX; i++) {
        char t[TOKEN_MAX];
        invocation_t x = inv("filler", 9, clock_now_ms() + 60000);
        assert_int_equal(invocation_begin(&x, t), 0);
        invocation_end(t);
    }
    assert_int_equal(invocation_late(tok, strlen(tok), &got), 0);
    invocation_end(live);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifetime),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_late),
    };
    return cmocka_run_group_tests_name("invocation", tests, NULL, NULL);
}
