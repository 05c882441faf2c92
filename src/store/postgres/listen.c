/* The listening session: how a node hears of the other nodes' committed writes (store.h,
 * "several nodes"; docs/scale.md "Several nodes").
 *
 * One session per process, as kiln_runtime, `LISTEN kiln_changes`, read by a thread of
 * its own (never an HTTP thread): it sleeps in poll() on the session's socket and a wake-up
 * pipe, and hands each notification's payload to store_change_heard, which moves the
 * generation it names. Every other node's writing transaction sends its notification
 * (postgres/driver.c, pg_notify) and PostgreSQL delivers it only once that transaction
 * committed.
 *
 * Losing the session loses the notifications sent meanwhile, so then everything is stale:
 * every generation moves at once, again every STORE_LISTEN_DOWN_BUMP_MS while there is no
 * session (a cache filled meanwhile lives no longer than that), and once more when LISTEN
 * is back (what was sent between the loss and the new LISTEN). Reconnecting backs off from
 * PG_BACKOFF_MIN_MS doubling to PG_BACKOFF_MAX_MS; each attempt takes at most
 * PG_CONNECT_MS (pg_connect).
 *
 * The same session carries the counts nodes share (store.h, store_on_counts: the rate
 * limits): every STORE_COUNTS_EVERY_MS it sends what this node counted meanwhile with
 * `NOTIFY kiln_counts` (pg_notify outside a transaction: delivered at once), and hands what
 * the other sessions send on that channel to the counts' keeper (its own batches, which
 * PostgreSQL delivers to it too, are skipped by the sender's backend pid). Counts sent while
 * the session is down are lost: the other nodes undercount by that much. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "store/postgres/postgres_int.h"
#include "store/store.h"
#include "store/store_backend.h"

#define LISTEN_APP_NAME "kiln listener" /* application_name: operators (and tests) find it in pg_stat_activity */

static struct {
    pthread_t thread;
    int running;
    int wake[2]; /* written by stop */
    char *url;
    PGconn *c;
} L = {.wake = {-1, -1}};

static _Atomic uint64_t heard, connects, lost;
static _Atomic int listening; /* L.c is open (store_postgres_listening) */

int store_postgres_listening(void)
{
    return listening;
}

void store_listen_stats(uint64_t *h, uint64_t *c, uint64_t *l)
{
    *h = heard;
    *c = connects;
    *l = lost;
}

static int64_t mono_ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000u);
}

/* a session as kiln_runtime that listens; NULL and a one-line reason */
static PGconn *open_listening(char *err, size_t errlen)
{
    PGconn *c = pg_connect(L.url, err, errlen);
    if (!c)
        return NULL;
    PGresult *r = PQexec(c, "SET application_name = '" LISTEN_APP_NAME "'; LISTEN " STORE_LISTEN_CHANNEL
                            "; LISTEN " STORE_COUNTS_CHANNEL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *m = PQresultErrorMessage(r);
        snprintf(err, errlen, "LISTEN: %.*s", (int)strcspn(m, "\n"), m);
        PQclear(r);
        PQfinish(c);
        return NULL;
    }
    PQclear(r);
    connects++;
    return c;
}

/* reads what arrived; -1 when the session is gone */
static int drain(PGconn *c)
{
    if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK)
        return -1;
    PGnotify *n;
    int self = PQbackendPID(c);
    while ((n = PQnotifies(c))) {
        if (!strcmp(n->relname, STORE_LISTEN_CHANNEL) && store_change_heard(n->extra) == 0)
            heard++;
        else if (!strcmp(n->relname, STORE_COUNTS_CHANNEL) && n->be_pid != self)
            store_counts_heard(n->extra);
        PQfreemem(n);
    }
    return 0;
}

/* What this node counted since the last time, sent (a few batches at most per turn: the
 * rest goes next turn); -1 when the session is gone. */
static int send_counts(PGconn *c)
{
    char batch[STORE_COUNTS_BATCH_MAX + 1];
    for (int i = 0; i < 16; i++) {
        size_t n = store_counts_collect(batch, STORE_COUNTS_BATCH_MAX);
        if (n == 0)
            break;
        batch[n] = '\0';
        const char *params[2] = {STORE_COUNTS_CHANNEL, batch};
        PGresult *r = PQexecParams(c, "SELECT pg_notify($1, $2)", 2, NULL, params, NULL, NULL, 0);
        int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        if (!ok)
            return -1;
    }
    return 0;
}

/* 1 when stop asked (the wake-up pipe is readable) */
static int stopping(const struct pollfd *w)
{
    return w->revents != 0;
}

static void *listen_main(void *arg)
{
    int64_t backoff = PG_BACKOFF_MIN_MS, next_try = 0, next_counts = 0;
    for (;;) {
        struct pollfd p[2] = {{.fd = L.wake[0], .events = POLLIN}, {.fd = -1, .events = POLLIN}};
        if (!L.c) {
            store_change_all(); /* no session: nothing cached may be trusted past this bump */
            int64_t now = mono_ms();
            if (now >= next_try) {
                char err[256];
                L.c = open_listening(err, sizeof err);
                if (L.c) {
                    store_change_all(); /* what was sent before this LISTEN is lost */
                    listening = 1;
                    backoff = PG_BACKOFF_MIN_MS;
                    log_msg(LOG_INFO, "store: listening for other nodes' changes again", NULL);
                    continue;
                }
                next_try = mono_ms() + backoff;
                backoff = backoff * 2 > PG_BACKOFF_MAX_MS ? PG_BACKOFF_MAX_MS : backoff * 2;
            }
            if (poll(p, 1, STORE_LISTEN_DOWN_BUMP_MS) > 0 && stopping(&p[0]))
                break;
            continue;
        }
        p[1].fd = PQsocket(L.c);
        int64_t wait = next_counts - mono_ms();
        int n = poll(p, 2, wait < 0 ? 0 : (int)wait);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && stopping(&p[0]))
            break;
        int gone = 0;
        if (mono_ms() >= next_counts) {
            next_counts = mono_ms() + STORE_COUNTS_EVERY_MS;
            gone = send_counts(L.c) != 0; /* what it read meanwhile waits in libpq: drained below */
        }
        if (gone || drain(L.c) != 0) {
            lost++;
            listening = 0;
            store_change_all(); /* at once: a cache may be filled no more until it is back */
            const char *m = PQerrorMessage(L.c);
            log_msg(LOG_WARN, "store: change listener lost its session; every cache is stale until it is back", "error",
                    m ? m : "", NULL);
            PQfinish(L.c);
            L.c = NULL;
            next_try = 0;
        }
    }
    return NULL;
}

/* What start made, given back (a start that failed part way, or stop after the thread). */
static void release(void)
{
    PQfinish(L.c);
    L.c = NULL;
    close(L.wake[0]);
    close(L.wake[1]);
    L.wake[0] = L.wake[1] = -1;
    free(L.url);
    L.url = NULL;
}

int store_postgres_listen_start(const char *url, char *err, size_t errlen)
{
    if (L.running)
        return 0;
    if (pipe2(L.wake, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "change listener: pipe: %s", strerror(errno));
        return -1;
    }
    L.url = xstrdup(url);
    char why[256];
    L.c = open_listening(why, sizeof why);
    if (!L.c) {
        snprintf(err, errlen, "change listener: %s", why);
        goto fail;
    }
    if (pthread_create(&L.thread, NULL, listen_main, NULL) != 0) {
        snprintf(err, errlen, "change listener: cannot start its thread");
        goto fail;
    }
    L.running = 1;
    listening = 1;
    return 0;
fail:
    release();
    return -1;
}

void store_postgres_listen_stop(void)
{
    if (!L.running)
        return;
    char b = 1;
    if (write(L.wake[1], &b, 1) != 1)
        log_msg(LOG_WARN, "store: cannot wake the change listener", NULL);
    pthread_join(L.thread, NULL);
    L.running = 0;
    listening = 0;
    release();
}
