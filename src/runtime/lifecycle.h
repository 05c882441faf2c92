/* Delivery of lifecycle events (avi:forge:installed:app, avi:forge:upgraded:app) to the
 * app's `trigger` modules that subscribe to them. Events are recorded by the apps layer
 * (platform/install.c) in the same transaction as the change; delivery is at least once:
 * an event counts as delivered when every subscribed function returned without error,
 * and is retried with backoff (1 s, 2 s, 4 s, ... up to LIFECYCLE_ATTEMPTS) otherwise. */
#ifndef KILN_LIFECYCLE_H
#define KILN_LIFECYCLE_H

#include "http/server.h"

#define LIFECYCLE_ATTEMPTS 6
#define LIFECYCLE_TIMEOUT_MS 55000

/* Called by one HTTP thread from its loop: starts deliveries that are due. */
void lifecycle_tick(http_thread_t *t);

#endif
