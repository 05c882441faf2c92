#include "platform/queue_chain.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* A small table scanned whole: QUEUE_CHAINS entries of a few dozen bytes, looked at once
 * per push request (a push is already a transaction in the store). */
static struct chain {
    char root[QUEUE_CHAIN_ROOT];
    unsigned pushes;
    uint64_t used; /* the tick of its last push: the least recent is replaced */
} chains[QUEUE_CHAINS];
static uint64_t tick;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

int queue_chain_take(const char *root)
{
    int rc = 0;
    pthread_mutex_lock(&mu);
    struct chain *c = NULL, *old = &chains[0];
    for (size_t i = 0; i < QUEUE_CHAINS && !c; i++) {
        if (chains[i].used && strncmp(chains[i].root, root, QUEUE_CHAIN_ROOT - 1) == 0)
            c = &chains[i];
        else if (chains[i].used < old->used)
            old = &chains[i];
    }
    if (!c) {
        c = old;
        memset(c, 0, sizeof *c);
        strncpy(c->root, root, QUEUE_CHAIN_ROOT - 1);
    }
    c->used = ++tick;
    if (c->pushes >= QUEUE_CHAIN_MAX)
        rc = -1;
    else
        c->pushes++;
    pthread_mutex_unlock(&mu);
    return rc;
}
