/* The change notifications between nodes (store.h "several nodes", postgres/listen.c,
 * pg_notify in postgres/driver.c; docs/scale.md "Several nodes"), on a private cluster
 * this test starts and removes. This process is both the writing node and the listening
 * one (a node hears its own notifications too):
 *
 * - transactional: a write noted inside a transaction that rolls back is never heard; one
 *   that commits is heard (its generation moves a second time, from the listener) and not
 *   before the commit; a write noted outside a transaction is heard at once;
 * - a notification from a raw session with a malformed payload is not counted;
 * - the listening session killed (pg_terminate_backend): the loss is counted, every
 *   generation moves, the listener opens a new session and hears again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/postgres/postgres_int.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "unit.h"
#include "unit_pg.h"

static char pg_dir[512];
static char pg_user[512];
static char url[1200];
static store_t *st;

static int64_t ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint64_t heard(void)
{
    uint64_t h, c, l;
    store_listen_stats(&h, &c, &l);
    return h;
}

/* waits up to 5 s for the listener's count of `which` (0 heard, 1 connects, 2 lost) to reach n */
static int reaches(int which, uint64_t n)
{
    for (int64_t end = ms() + 5000; ms() < end; usleep(2000)) {
        uint64_t v[3];
        store_listen_stats(&v[0], &v[1], &v[2]);
        if (v[which] >= n)
            return 1;
    }
    return 0;
}

static int stop_cluster(void **state)
{
    (void)state;
    store_listen_stop();
    store_close(st);
    return unit_pg_stop(pg_dir);
}

static int start_cluster(void **state)
{
    (void)state;
    if (unit_pg_start_db(pg_dir, sizeof pg_dir, pg_user, sizeof pg_user, "kiln"))
        return -1;
    snprintf(url, sizeof url, "postgresql:///kiln?host=%s&user=%s", pg_dir, pg_user);
    char err[512] = "";
    unsigned applied;
    if (store_select(url, err, sizeof err) != 0 || store_prepare(&applied, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "prepare: %s\n", err);
        return -1;
    }
    if (store_listen_start(err, sizeof err) != 0) {
        fprintf(stderr, "listen: %s\n", err);
        return -1;
    }
    st = store_open("/nonexistent", err, sizeof err);
    return st ? 0 : -1;
}

static void test_transactional(void **state)
{
    (void)state;
    assert_non_null(st->be->notify);
    uint64_t h0 = heard(), g0 = store_auth_gen();
    /* rolled back: never heard */
    assert_int_equal(store_begin(st), STORE_OK);
    store_note_auth(st, 7);
    assert_int_equal(store_auth_gen(), g0 + 1); /* this process: at once */
    store_rollback(st);
    usleep(300 * 1000);
    assert_int_equal(heard(), h0);
    assert_int_equal(store_auth_gen(), g0 + 1);

    /* committed: heard, and not before the commit */
    assert_int_equal(store_begin(st), STORE_OK);
    store_note_installs(st, 7);
    usleep(300 * 1000);
    assert_int_equal(heard(), h0);
    uint64_t i0 = store_installs_gen();
    assert_int_equal(store_commit(st), STORE_OK);
    assert_true(reaches(0, h0 + 1));
    assert_true(store_installs_gen() >= i0 + 2); /* the commit's settle, then the notification */

    /* outside a transaction: at once */
    uint64_t k0 = store_keys_gen();
    store_note_keys(st);
    assert_true(reaches(0, h0 + 2));
    assert_int_equal(store_keys_gen(), k0 + 2);
}

static void test_malformed_not_counted(void **state)
{
    (void)state;
    char err[512];
    PGconn *c = pg_connect_as(url, NULL, err, sizeof err);
    if (!c)
        fail_msg("connect: %s", err);
    uint64_t h0 = heard();
    PQclear(PQexec(c, "NOTIFY " STORE_LISTEN_CHANNEL ", 'auth x'; NOTIFY " STORE_LISTEN_CHANNEL
                      ", 'nothing 1'; NOTIFY other_channel, 'auth 1'; NOTIFY " STORE_LISTEN_CHANNEL ", 'auth 3'"));
    assert_true(reaches(0, h0 + 1));
    usleep(200 * 1000);
    assert_int_equal(heard(), h0 + 1);
    PQfinish(c);
}

static void test_session_killed(void **state)
{
    (void)state;
    uint64_t v0[3];
    store_listen_stats(&v0[0], &v0[1], &v0[2]);
    uint64_t a0 = store_auth_gen(), i0 = store_installs_gen(), k0 = store_keys_gen();
    char err[512];
    PGconn *c = pg_connect_as(url, NULL, err, sizeof err);
    if (!c)
        fail_msg("connect: %s", err);
    PGresult *r = PQexec(c, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE application_name = 'kiln listener'");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    PQclear(r);
    assert_true(reaches(2, v0[2] + 1));
    assert_true(reaches(1, v0[1] + 1));
    assert_true(store_auth_gen() > a0 && store_installs_gen() > i0 && store_keys_gen() > k0);
    /* and it hears again */
    uint64_t h0 = heard();
    PQclear(PQexec(c, "NOTIFY " STORE_LISTEN_CHANNEL ", 'auth 1'"));
    assert_true(reaches(0, h0 + 1));
    PQfinish(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transactional),
        cmocka_unit_test(test_malformed_not_counted),
        cmocka_unit_test(test_session_killed),
    };
    return cmocka_run_group_tests(tests, start_cluster, stop_cluster);
}
