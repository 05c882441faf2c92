/* Forge's cyclic invocation limit of async events: the push requests made by every
 * handler of a chain — a first invocation (a webtrigger, a trigger, ...) that pushes,
 * the consumers its events run, what they push, and so on — are counted together, and
 * past QUEUE_CHAIN_MAX a push is refused (405, @forge/events' InvocationLimitReachedError).
 *
 * A chain is named by its root: the first invocation's id. Each event pushed carries its
 * chain's root in its delivery (platform/deliver_queue.c keeps it from the handler), so
 * that the consumer's own pushes count in the same chain. The counts are rows of the store
 * (store_queue_chain_take: table queue_chains, per installation and root), written in the
 * push's own transaction: a restart does not reset them, and a push that was not stored
 * is not counted. A chain untouched for as long as a final delivery is kept
 * (DELIVER_KEEP_DAYS) is forgotten by the deliveries' retention, and a purged
 * installation's chains go with it. */
#ifndef KILN_QUEUE_CHAIN_H
#define KILN_QUEUE_CHAIN_H

#include "store/store.h"

#define QUEUE_CHAIN_MAX 1000 /* push requests per chain (Forge's cyclic invocation limit) */
#define QUEUE_CHAIN_ROOT 40  /* bytes of a root (a UUID and its NUL) */

/* Counts one push request of the installation's chain `root`, in the caller's open
 * transaction: 0 allowed, 1 over the limit (not counted), -1 a store error. */
int queue_chain_take(store_t *st, const char *installation_id, const char *root);

#endif
