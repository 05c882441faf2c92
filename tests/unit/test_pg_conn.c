/* Connections to PostgreSQL with deadlines (store/postgres/conn.c, docs/scale.md
 * "Connections"), on a private cluster this test starts with tools/pg-cluster:
 *
 * - pg_connect runs the session as kiln_runtime (SET ROLE from the cluster's superuser, or
 *   the login itself when the URL names kiln_runtime) with search_path kiln, its timeouts
 *   and application_name kiln; a bad URL or a refused login is a one-line error;
 * - a server that accepts TCP but never answers: pg_connect gives up within PG_CONNECT_MS,
 *   even when the URL asks libpq for a longer connect_timeout;
 * - a lock held elsewhere: the statement fails with lock_not_available after PG_LOCK_MS;
 * - the cluster stopped: a statement on the open session fails at once, pg_conn_alive says
 *   STORE_UNAVAILABLE within PG_CONNECT_MS and, inside its backoff, at once; started again:
 *   pg_conn_alive reconnects and the session runs as kiln_runtime again. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "store/postgres/postgres_int.h"
#include "store/store.h"
#include "unit.h"
#include "unit_pg.h"

static char pg_dir[512], pg_user[512], url[1200];

static int64_t ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000u);
}

/* the one value sql returns on c (static), failing the test on an error */
static const char *one(PGconn *c, const char *sql)
{
    static char v[256];
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s -> %s", sql, PQresultErrorMessage(r));
    snprintf(v, sizeof v, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static int stop_cluster(void **state)
{
    (void)state;
    return unit_pg_stop(pg_dir);
}

/* the cluster, a database kiln with kiln's roles and schema (pg_setup, pg_migrate) */
static int start_cluster(void **state)
{
    if (unit_pg_start(pg_dir, sizeof pg_dir, pg_user, sizeof pg_user))
        return stop_cluster(state), -1;
    snprintf(url, sizeof url, "postgresql:///kiln?host=%s&port=5432&user=%s", pg_dir, pg_user);
    char admin[1200], err[512] = "";
    snprintf(admin, sizeof admin, "postgresql:///postgres?host=%s&port=5432&user=%s", pg_dir, pg_user);
    PGconn *c = pg_connect_as(admin, NULL, err, sizeof err);
    PGresult *r = c ? PQexec(c, "CREATE DATABASE kiln") : NULL;
    int created = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    PQfinish(c);
    c = created ? pg_connect_as(url, NULL, err, sizeof err) : NULL;
    unsigned applied = 0;
    int rc = !c || pg_setup(c, err, sizeof err) || pg_migrate(c, &applied, err, sizeof err) ? -1 : 0;
    PQfinish(c);
    if (rc) {
        fprintf(stderr, "test_pg_conn: %s\n", *err ? err : "CREATE DATABASE failed");
        stop_cluster(state);
    }
    return rc;
}

static void test_session(void **state)
{
    (void)state;
    char err[512];
    PGconn *c = pg_connect(url, err, sizeof err);
    if (!c)
        fail_msg("pg_connect: %s", err);
    assert_string_equal(one(c, "SELECT current_user"), "kiln_runtime");
    assert_string_equal(one(c, "SELECT session_user"), pg_user);
    assert_string_equal(one(c, "SHOW search_path"), "kiln");
    assert_string_equal(one(c, "SHOW application_name"), "kiln");
    assert_string_equal(one(c, "SHOW statement_timeout"), "5s");
    assert_string_equal(one(c, "SHOW lock_timeout"), "2s");
    assert_string_equal(one(c, "SHOW idle_in_transaction_session_timeout"), "1min");
    assert_string_equal(one(c, "SELECT rolbypassrls::text FROM pg_roles WHERE rolname = current_user"), "false");
    /* a tenant table, no site bound: row-level security shows nothing */
    assert_string_equal(one(c, "SELECT count(*) FROM issues"), "0");
    PQfinish(c);

    /* least privilege: the URL's login is kiln_runtime itself (no SET ROLE needed) */
    char rt[1200];
    snprintf(rt, sizeof rt, "postgresql:///kiln?host=%s&port=5432&user=kiln_runtime&application_name=node-a", pg_dir);
    c = pg_connect(rt, err, sizeof err);
    if (!c)
        fail_msg("pg_connect as kiln_runtime: %s", err);
    assert_string_equal(one(c, "SELECT session_user"), "kiln_runtime");
    assert_string_equal(one(c, "SELECT current_user"), "kiln_runtime");
    assert_string_equal(one(c, "SHOW application_name"), "node-a"); /* the URL's wins */
    PQfinish(c);

    /* kiln_runtime may not become kiln_admin: the session is refused, with PostgreSQL's reason */
    assert_null(pg_connect_as(rt, PG_ADMIN_ROLE, err, sizeof err));
    assert_true(unit_contains(err, "permission denied to set role"));
    assert_null(strchr(err, '\n'));

    /* bad URLs and names: one line each */
    assert_null(pg_connect("postgresql://[nope", err, sizeof err));
    assert_true(unit_contains(err, "connect: "));
    assert_null(strchr(err, '\n'));
    assert_null(pg_connect("", err, sizeof err));
    assert_string_equal(err, "no PostgreSQL URL");
    assert_null(pg_connect_as(url, "kiln_runtime; DROP SCHEMA kiln", err, sizeof err));
    assert_string_equal(err, "bad role name");
    snprintf(rt, sizeof rt, "postgresql:///nosuchdb?host=%s&port=5432&user=%s", pg_dir, pg_user);
    assert_null(pg_connect(rt, err, sizeof err));
    assert_true(unit_contains(err, "nosuchdb"));
}

/* A server that completes TCP handshakes (the kernel does) and never says a word. */
static void test_connect_deadline(void **state)
{
    (void)state;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 8), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    char mute[256], err[512];
    /* the URL asks libpq for 30 s: the deadline still holds */
    snprintf(mute, sizeof mute, "postgresql://kiln@127.0.0.1:%d/kiln?connect_timeout=30&sslmode=disable",
             ntohs(a.sin_port));
    int64_t t0 = ms();
    assert_null(pg_connect(mute, err, sizeof err));
    int64_t took = ms() - t0;
    assert_true(took >= PG_CONNECT_MS - 50);
    assert_true(took < PG_CONNECT_MS + 1000);
    assert_true(unit_contains(err, "no answer from the database within"));

    /* pg_conn_alive: one attempt of at most the deadline, then the backoff answers at once */
    pg_conn_backoff_reset();
    PGconn *c = NULL;
    t0 = ms();
    assert_int_equal(pg_conn_alive(&c, mute), STORE_UNAVAILABLE);
    assert_true(ms() - t0 < PG_CONNECT_MS + 1000);
    assert_null(c);
    assert_true(unit_contains(pg_conn_why(), "the database is unavailable: connect: no answer"));
    t0 = ms();
    assert_int_equal(pg_conn_alive(&c, mute), STORE_UNAVAILABLE);
    assert_true(ms() - t0 < 50);
    assert_true(unit_contains(pg_conn_why(), "next attempt in"));
    close(s);
}

/* A lock another session holds: the statement gives up after lock_timeout. */
static void test_lock_timeout(void **state)
{
    (void)state;
    char err[512];
    PGconn *holder = pg_connect_as(url, NULL, err, sizeof err), *c = pg_connect(url, err, sizeof err);
    assert_non_null(holder);
    assert_non_null(c);
    PQclear(PQexec(holder, "BEGIN; LOCK TABLE kiln.sites IN ACCESS EXCLUSIVE MODE"));
    int64_t t0 = ms();
    PGresult *r = PQexec(c, "SELECT count(*) FROM sites");
    int64_t took = ms() - t0;
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "55P03"); /* lock_not_available */
    assert_true(took >= PG_LOCK_MS - 50 && took < PG_LOCK_MS + 1500);
    PQclear(r);
    PQclear(PQexec(holder, "ROLLBACK"));
    assert_string_equal(one(c, "SELECT count(*) FROM sites"), "0");
    PQfinish(holder);
    PQfinish(c);
}

/* The cluster stopped under an open session, then started again. */
static void test_stop_start(void **state)
{
    (void)state;
    pg_conn_backoff_reset();
    PGconn *c = NULL, *stale = NULL;
    assert_int_equal(pg_conn_alive(&c, url), STORE_OK); /* opens it */
    assert_non_null(c);
    assert_string_equal(pg_conn_why(), "");
    PGconn *same = c;
    assert_int_equal(pg_conn_alive(&c, url), STORE_OK); /* keeps it */
    assert_ptr_equal(c, same);
    char err[512];
    stale = pg_connect(url, err, sizeof err);
    assert_non_null(stale);

    assert_int_equal(unit_pg_tool("pause", pg_dir), 0);
    int64_t t0 = ms();
    PGresult *r = PQexec(stale, "SELECT 1"); /* a statement on the session fails, at once */
    assert_int_not_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    assert_true(ms() - t0 < 1000);
    assert_int_equal(PQstatus(stale), CONNECTION_BAD);

    t0 = ms();
    assert_int_equal(pg_conn_alive(&c, url), STORE_UNAVAILABLE);
    assert_true(ms() - t0 < PG_CONNECT_MS + 500);
    assert_null(c);
    assert_true(unit_contains(pg_conn_why(), "the database is unavailable: connect: "));
    assert_null(strchr(pg_conn_why(), '\n'));
    t0 = ms();
    assert_int_equal(pg_conn_alive(&stale, url), STORE_UNAVAILABLE); /* inside the backoff */
    assert_true(ms() - t0 < 50);
    assert_null(stale);

    assert_int_equal(unit_pg_tool("resume", pg_dir), 0);
    /* the backoff is at most PG_BACKOFF_MAX_MS: polled until the session is back */
    int64_t until = ms() + PG_BACKOFF_MAX_MS + 2 * PG_CONNECT_MS;
    int rc;
    while ((rc = pg_conn_alive(&c, url)) != STORE_OK && ms() < until)
        usleep(20 * 1000);
    if (rc != STORE_OK)
        fail_msg("not reconnected: %s", pg_conn_why());
    assert_string_equal(one(c, "SELECT current_user"), "kiln_runtime");
    assert_string_equal(one(c, "SHOW statement_timeout"), "5s");
    PQfinish(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_connect_deadline),
        cmocka_unit_test(test_lock_timeout),
        cmocka_unit_test(test_stop_start),
    };
    return cmocka_run_group_tests(tests, start_cluster, stop_cluster);
}
