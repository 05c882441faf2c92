/* The process's write lock (sqlite_int.h, "the write lock"): writers queue in the order
 * they asked, and the lock is handed straight to the next one the moment the one before
 * is done (no polling, no sleep).
 *
 * Why: SQLite's own lock is polled, not waited on. A writer that finds it taken sleeps in
 * the default busy handler's steps (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms ...)
 * and looks again only when its sleep ends, however early the lock was freed. Writers of
 * one process (HTTP threads, the delivery engine, the journal and KVS writers) queue here
 * instead, so SQLite's lock is free whenever one of them asks for it; SQLite's busy
 * handler is left to writers of other processes (the CLI, a second kiln). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "store/sqlite/sqlite_int.h"

/* A writer waiting for its turn, on its own stack. */
typedef struct waiter {
    struct waiter *next;
    pthread_cond_t cv;
    int granted; /* the lock was handed to it */
} waiter_t;

static struct {
    pthread_mutex_t mu;
    int held;
    waiter_t *head, *tail; /* in the order they asked */
} L = {.mu = PTHREAD_MUTEX_INITIALIZER};

static struct timespec deadline(int64_t timeout_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += (time_t)(timeout_ms / 1000);
    t.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

int sq_wlock_take(int64_t timeout_ms)
{
    pthread_mutex_lock(&L.mu);
    if (!L.held) {
        L.held = 1;
        pthread_mutex_unlock(&L.mu);
        return 0;
    }
    waiter_t w = {0};
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w.cv, &ca);
    pthread_condattr_destroy(&ca);
    if (L.tail)
        L.tail->next = &w;
    else
        L.head = &w;
    L.tail = &w;
    struct timespec until = deadline(timeout_ms);
    int rc = 0;
    while (!w.granted && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w.cv, &L.mu, &until);
    if (!w.granted) { /* gave up: out of the line */
        waiter_t **p = &L.head, *prev = NULL;
        while (*p != &w) {
            prev = *p;
            p = &(*p)->next;
        }
        *p = w.next;
        if (L.tail == &w)
            L.tail = prev;
    }
    pthread_mutex_unlock(&L.mu);
    pthread_cond_destroy(&w.cv);
    return w.granted ? 0 : -1;
}

void sq_wlock_give(void)
{
    pthread_mutex_lock(&L.mu);
    waiter_t *w = L.head;
    if (w) { /* handed straight to the next in line: `held` stays set */
        L.head = w->next;
        if (!L.head)
            L.tail = NULL;
        w->granted = 1;
        pthread_cond_signal(&w->cv);
    } else
        L.held = 0;
    pthread_mutex_unlock(&L.mu);
}
