/* The cyclic invocation limit's counts (platform/queue_chain.h), kept by the store. */
#include "platform/queue_chain.h"

#include "base/clock.h"
#include "store/store_deliveries.h"

int queue_chain_take(store_t *st, const char *installation_id, const char *root)
{
    int rc = store_queue_chain_take(st, installation_id, root, QUEUE_CHAIN_MAX, clock_now_ms());
    return rc == STORE_OK ? 0 : rc == STORE_CONFLICT ? 1 : -1;
}
