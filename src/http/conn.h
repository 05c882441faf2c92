/* Connection tracking: one record per accepted HTTP/1 socket, for graceful shutdown and
 * for the request-body gate (http/bodygate.h), which keeps its per-connection state here.
 *
 * For shutdown, kiln remembers how many bytes a socket had read when its last response
 * completed; a socket that has read more since is in the middle of sending a request
 * (e.g. a body still uploading), and shutdown waits for it, while idle keep-alive
 * connections do not hold shutdown up.
 *
 * h2o 2.2 gives handlers no public way from a request to its socket. We rely on its
 * HTTP/1 connection starting with {h2o_conn_t super; h2o_socket_t *sock;} and verify
 * that on every accept (sock->data must point back at a connection whose sock is this
 * socket). kiln speaks HTTP/1 only (http/server.c), so every accepted socket must pass;
 * one that does not means an h2o whose layout kiln does not know, and kiln stops rather
 * than serve without its body limits. */
#ifndef KILN_CONN_H
#define KILN_CONN_H

#include <h2o.h>

#include "http/bodygate.h"

struct http_thread;
typedef struct conn_rec conn_rec_t;

/* Accepts `sock` into the thread's h2o context and starts tracking it; `listener`: the
 * one it came on (enum http_listener, http/bodygate.h). */
void conn_accept(struct http_thread *t, h2o_socket_t *sock, int listener);
/* The listener a tracked connection came on (enum http_listener). */
int conn_listener(conn_rec_t *c);
/* The tracked record of the request's connection (with a reference), or NULL. */
conn_rec_t *conn_of_request(h2o_req_t *req);
/* The gate of a tracked record (never NULL for a record). */
bodygate_conn_t *conn_gate_of(conn_rec_t *c);
/* The request's response is complete: the connection is idle unless more bytes came. */
void conn_request_done(conn_rec_t *c);
/* 1 if some tracked connection of the thread has an unfinished request. */
int conn_any_partial(struct http_thread *t);

#endif
