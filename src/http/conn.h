/* Connection tracking for graceful shutdown. kiln remembers, per accepted socket, how many
 * bytes it had read when its last response completed; a socket that has read more since
 * is in the middle of sending a request (e.g. a body still uploading), and shutdown waits
 * for it, while idle keep-alive connections do not hold shutdown up.
 *
 * h2o 2.2 gives handlers no public way from a request to its socket. We rely on its
 * HTTP/1 connection starting with {h2o_conn_t super; h2o_socket_t *sock;} and verify
 * that on every accept (sock->data must point back at a connection whose sock is this
 * socket); where it does not hold (HTTP/2, another h2o), the socket is simply not
 * tracked and shutdown waits for handlers only. */
#ifndef KILN_CONN_H
#define KILN_CONN_H

#include <h2o.h>

struct http_thread;
typedef struct conn_rec conn_rec_t;

/* Accepts `sock` into the thread's h2o context and starts tracking it. */
void conn_accept(struct http_thread *t, h2o_socket_t *sock);
/* The tracked record of the request's connection (with a reference), or NULL. */
conn_rec_t *conn_of_request(h2o_req_t *req);
/* The request's response is complete: the connection is idle unless more bytes came. */
void conn_request_done(conn_rec_t *c);
/* 1 if some tracked connection of the thread has an unfinished request. */
int conn_any_partial(struct http_thread *t);

#endif
