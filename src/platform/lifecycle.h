/* Delivery of lifecycle events (avi:forge:installed:app, avi:forge:upgraded:app) to the
 * app's `trigger` modules that subscribe to them. Events are recorded by the apps layer
 * (platform/install.c) in the same transaction as the change; delivery is at least once:
 * an event counts as delivered when every subscribed function returned without error,
 * and is retried with backoff (1 s, 2 s, 4 s, ... up to LIFECYCLE_ATTEMPTS) otherwise.
 *
 * A trigger whose module targets an `endpoint` (Forge Remote) gets the event POSTed to
 * that endpoint's remote (platform/remote.h: a FIT, the app system token if enabled, 5 s
 * per attempt, 4 retries with backoff and retryContext). Its retries are its own: a
 * remote that still fails is logged and given up, and does not make the event be
 * delivered again to the other subscribers.
 *
 * Every failed attempt, of a remote (platform/remote.c) or of the event's functions
 * (here), is a line of the installation's site in `kiln logs` (journal/fnlog.h): its
 * outcome and when the next attempt is due, or that it was given up. */
#ifndef KILN_LIFECYCLE_H
#define KILN_LIFECYCLE_H

#include "http/server.h"

#define LIFECYCLE_ATTEMPTS 6
#define LIFECYCLE_TIMEOUT_MS 55000

/* Called by one HTTP thread from its loop: starts deliveries that are due. */
void lifecycle_tick(http_thread_t *t);

#endif
