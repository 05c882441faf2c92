/* Connections to PostgreSQL with deadlines (postgres_int.h: pg_connect, pg_connect_as,
 * pg_conn_alive; docs/scale.md "Connections").
 *
 * Nothing here waits without a bound:
 * - connecting is non-blocking libpq (PQconnectStartParams + PQconnectPoll) polled against
 *   one monotonic deadline, PG_CONNECT_MS, whatever the URL says; the session's first
 *   statement (role, search path, timeouts) runs under the same deadline;
 * - an established session has TCP keepalives and tcp_user_timeout (a peer that vanished
 *   is noticed within PG_TCP_DEAD_S), statement_timeout and lock_timeout (a statement never
 *   runs or waits on a lock longer than that), idle_in_transaction_session_timeout (a
 *   transaction a node left open does not hold its locks for ever);
 * - a broken connection is reopened by pg_conn_alive, at most one attempt per call, and
 *   after a failure not again before a backoff (PG_BACKOFF_MIN_MS doubling to
 *   PG_BACKOFF_MAX_MS, per URL and process-wide: while the database is away every thread
 *   fails at once instead of each waiting for its own connect).
 * Host names are resolved by the system resolver, which libpq calls blocking: a node that
 * must never wait on DNS names its database by address (hostaddr=). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "store/postgres/postgres_int.h"
#include "store/store.h"

/* libpq's connection keywords, in this order; the URL (expanded from dbname, last) may
 * override any of them but connect_timeout, which the deadline bounds anyway */
static const char *const conn_keys[] = {
    "connect_timeout",     "keepalives",       "keepalives_idle",
    "keepalives_interval", "keepalives_count", "tcp_user_timeout",
    "application_name",    "dbname",           NULL,
};
#define STR2(x) #x
#define STR(x) STR2(x)
static const char *const conn_vals[] = {
    STR(PG_CONNECT_S), "1", "5", "2", "3", STR(PG_TCP_DEAD_MS), "kiln", NULL /* the URL */, NULL,
};

/* the session's settings, its first statement (after SET ROLE) */
static const char session_sql[] =
    "SET search_path = kiln;"
    "SET statement_timeout = " STR(PG_STATEMENT_MS) ";"
                                                    "SET lock_timeout = " STR(
                                                        PG_LOCK_MS) ";"
                                                                    "SET idle_in_transaction_session_timeout = " STR(
                                                                        PG_IDLE_TX_MS) ";";

static int64_t mono_ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000u);
}

/* waits until c's socket is ready for what it needs or the deadline passed: 1 ready, 0 not */
static int wait_socket(PGconn *c, int writing, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = PQsocket(c), .events = writing ? POLLOUT : POLLIN};
        if (p.fd < 0)
            return 1; /* libpq reports its own error next */
        int n = poll(&p, 1, (int)left);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return 1;
    }
}

/* the first line of libpq's message, after what */
static void conn_error(PGconn *c, const PGresult *r, const char *what, char *err, size_t errlen)
{
    const char *m = r ? PQresultErrorMessage(r) : NULL;
    if (!m || !*m)
        m = c ? PQerrorMessage(c) : "out of memory";
    size_t n = strcspn(m, "\n");
    snprintf(err, errlen, "%s: %.*s", what, (int)n, m);
}

/* runs sql (no parameters) on c within the deadline; 0 when every statement succeeded */
static int exec_within(PGconn *c, const char *sql, int64_t deadline, char *err, size_t errlen)
{
    if (!PQsendQuery(c, sql)) {
        conn_error(c, NULL, "session", err, errlen);
        return -1;
    }
    int rc = 0;
    for (;;) {
        while (PQisBusy(c)) {
            if (!wait_socket(c, 0, deadline)) {
                snprintf(err, errlen, "session: no answer within %d ms", PG_CONNECT_MS);
                return -1; /* the caller finishes the connection */
            }
            if (!PQconsumeInput(c)) {
                conn_error(c, NULL, "session", err, errlen);
                return -1;
            }
        }
        PGresult *r = PQgetResult(c);
        if (!r)
            return rc;
        ExecStatusType s = PQresultStatus(r);
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && !rc) {
            conn_error(c, r, "session", err, errlen);
            rc = -1;
        }
        PQclear(r);
    }
}

/* 1 when role is a plain SQL identifier of lower-case letters, digits and _ (kiln's roles) */
static int plain_role(const char *role)
{
    if (!role || !*role || strlen(role) > 63 || (*role >= '0' && *role <= '9'))
        return 0;
    return strspn(role, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(role);
}

PGconn *pg_connect_as(const char *url, const char *role, char *err, size_t errlen)
{
    if (errlen)
        *err = 0;
    if (!url || !*url) {
        snprintf(err, errlen, "no PostgreSQL URL");
        return NULL;
    }
    if (role && !plain_role(role)) {
        snprintf(err, errlen, "bad role name");
        return NULL;
    }
    int64_t deadline = mono_ms() + PG_CONNECT_MS;
    const char *vals[sizeof conn_vals / sizeof *conn_vals];
    memcpy(vals, conn_vals, sizeof vals);
    vals[7] = url;
    PGconn *c = PQconnectStartParams(conn_keys, vals, 1);
    if (!c || PQstatus(c) == CONNECTION_BAD) {
        conn_error(c, NULL, "connect", err, errlen);
        PQfinish(c);
        return NULL;
    }
    PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
    while (ps != PGRES_POLLING_OK) {
        if (ps == PGRES_POLLING_FAILED) {
            conn_error(c, NULL, "connect", err, errlen);
            PQfinish(c);
            return NULL;
        }
        if (!wait_socket(c, ps == PGRES_POLLING_WRITING, deadline)) {
            snprintf(err, errlen, "connect: no answer from the database within %d ms", PG_CONNECT_MS);
            PQfinish(c);
            return NULL;
        }
        ps = PQconnectPoll(c);
    }
    /* the runtime role: SET ROLE unless the login is that role already (least privilege:
     * the operator gave the nodes kiln_runtime's own login) */
    char sql[512];
    const char *user = PQuser(c);
    if (role && !(user && !strcmp(user, role)))
        snprintf(sql, sizeof sql, "SET ROLE %s;%s", role, session_sql);
    else
        snprintf(sql, sizeof sql, "%s", session_sql);
    if (PQsetnonblocking(c, 0) || exec_within(c, sql, deadline, err, errlen)) {
        if (!*err)
            conn_error(c, NULL, "session", err, errlen);
        PQfinish(c);
        return NULL;
    }
    return c;
}

PGconn *pg_connect(const char *url, char *err, size_t errlen)
{
    return pg_connect_as(url, PG_RUNTIME_ROLE, err, errlen);
}

/* ---- reconnecting, with a backoff shared by the process per URL ---- */

#define BACKOFF_SLOTS 8
static struct {
    uint64_t url_hash; /* 0: free */
    int64_t next_ms;   /* no attempt before this (monotonic) */
    int64_t step_ms;   /* the current backoff; 0 after a success */
} backoff[BACKOFF_SLOTS];
static pthread_mutex_t backoff_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t hash_url(const char *url)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h ? h : 1;
}

/* the URL's slot (taken, or the least recently failing one reused); under backoff_mu */
static int slot_of(uint64_t h)
{
    int free_slot = -1;
    for (int i = 0; i < BACKOFF_SLOTS; i++) {
        if (backoff[i].url_hash == h)
            return i;
        if (free_slot < 0 && !backoff[i].url_hash)
            free_slot = i;
    }
    if (free_slot < 0) {
        free_slot = 0;
        for (int i = 1; i < BACKOFF_SLOTS; i++)
            if (backoff[i].next_ms < backoff[free_slot].next_ms)
                free_slot = i;
    }
    backoff[free_slot].url_hash = h;
    backoff[free_slot].next_ms = 0;
    backoff[free_slot].step_ms = 0;
    return free_slot;
}

static __thread char why_buf[320];

const char *pg_conn_why(void)
{
    return why_buf;
}

/* 1 when c is open and, as far as can be seen without a round trip, its server is still
 * there: an idle session has nothing to read unless the server ended it (a shutdown sends
 * a FATAL, then EOF, which PQconsumeInput reads one at a time) or sent a notice */
static int looks_alive(PGconn *c)
{
    for (int i = 0; i < 4; i++) {
        if (!c || PQstatus(c) != CONNECTION_OK)
            return 0;
        struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
        if (p.fd < 0)
            return 0;
        if (poll(&p, 1, 0) <= 0)
            return 1;
        if (!PQconsumeInput(c))
            return 0;
    }
    return PQstatus(c) == CONNECTION_OK;
}

int pg_conn_alive_as(PGconn **c, const char *url, const char *role)
{
    why_buf[0] = 0;
    if (looks_alive(*c))
        return STORE_OK;
    if (*c)
        PQfinish(*c);
    *c = NULL;
    uint64_t h = hash_url(url ? url : "");
    pthread_mutex_lock(&backoff_mu);
    int s = slot_of(h);
    int64_t wait = backoff[s].next_ms - mono_ms();
    pthread_mutex_unlock(&backoff_mu);
    if (wait > 0) {
        snprintf(why_buf, sizeof why_buf, "the database is unavailable (next attempt in %lld ms)", (long long)wait);
        store_unavailable_note();
        return STORE_UNAVAILABLE;
    }
    char why[256] = "";
    *c = pg_connect_as(url, role, why, sizeof why);
    pthread_mutex_lock(&backoff_mu);
    s = slot_of(h);
    if (*c) {
        backoff[s].step_ms = 0;
        backoff[s].next_ms = 0;
    } else {
        int64_t step = backoff[s].step_ms ? backoff[s].step_ms * 2 : PG_BACKOFF_MIN_MS;
        backoff[s].step_ms = step > PG_BACKOFF_MAX_MS ? PG_BACKOFF_MAX_MS : step;
        backoff[s].next_ms = mono_ms() + backoff[s].step_ms;
    }
    pthread_mutex_unlock(&backoff_mu);
    if (*c)
        return STORE_OK;
    snprintf(why_buf, sizeof why_buf, "the database is unavailable: %s", why);
    store_unavailable_note();
    return STORE_UNAVAILABLE;
}

int pg_conn_alive(PGconn **c, const char *url)
{
    return pg_conn_alive_as(c, url, PG_RUNTIME_ROLE);
}

void pg_conn_backoff_reset(void)
{
    pthread_mutex_lock(&backoff_mu);
    memset(backoff, 0, sizeof backoff);
    pthread_mutex_unlock(&backoff_mu);
}
