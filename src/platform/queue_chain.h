/* Forge's cyclic invocation limit of async events: the push requests made by every
 * handler of a chain — a first invocation (a webtrigger, a trigger, ...) that pushes,
 * the consumers its events run, what they push, and so on — are counted together, and
 * past QUEUE_CHAIN_MAX a push is refused (405, @forge/events' InvocationLimitReachedError).
 *
 * A chain is named by its root: the first invocation's id. Each event pushed carries its
 * chain's root in its delivery (platform/deliver_queue.c keeps it from the handler), so
 * that the consumer's own pushes count in the same chain. The counts live in memory, one
 * table for every thread (a mutex), QUEUE_CHAINS chains at most (the least recently used
 * is forgotten first): after a restart, or for a chain idle that long, counting starts
 * again at 0 — the limit stops runaway loops, it is not a quota. */
#ifndef KILN_QUEUE_CHAIN_H
#define KILN_QUEUE_CHAIN_H

#define QUEUE_CHAIN_MAX 1000 /* push requests per chain (Forge's cyclic invocation limit) */
#define QUEUE_CHAINS 4096    /* chains remembered */
#define QUEUE_CHAIN_ROOT 40  /* bytes of a root (a UUID and its NUL) */

/* Counts one push request of chain `root`: 0 allowed, -1 over the limit (not counted). */
int queue_chain_take(const char *root);

#endif
