/* A plane's request run on a store thread (http/offload.h): the server hands a request
 * (but HEAD) of a plane marked `offload` (http/server.h) here when store threads run. The request's
 * method, path, headers and body are copied into a job; the store thread serves the copy
 * as a virtual request (http/vreq.h) through the same `prepare` hook and plane handler, on
 * its own store handle, and the answer comes back to the request's thread, which sends it
 * (http/reply.h reply_captured) and counts it in its metrics. Nothing of the request's
 * pool is read on the store thread, so a client that goes away meanwhile only has its
 * answer dropped.
 *
 * Only for planes whose handlers answer at once (no work of their own handed to other
 * threads to answer later: the product plane, whose handlers a function's calls already
 * run on the runtime's thread the same way, platform/proxycall.h): a vreq has no thread
 * to come back to. A write's commit is durable when it returns on PostgreSQL, the only
 * store that starts store threads (http/reply.h's held answers are SQLite's). */
#ifndef KILN_OFFPLANE_H
#define KILN_OFFPLANE_H

#include "http/request.h"

/* Queues kr for `plane` (after `prepare`, which may be NULL). 0: the answer comes later;
 * -1: nothing was queued (no store thread runs, the queue is full, or the request is too
 * large to copy): the caller serves it on its own thread. */
int offplane_submit(kreq_t *kr, int (*prepare)(kreq_t *kr), void (*plane)(kreq_t *kr));

#endif
