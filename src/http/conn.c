#include "http/conn.h"

#include <stdlib.h>

#include "base/arena.h"
#include "http/server.h"

struct conn_rec {
    h2o_linklist_t link; /* in the thread's list */
    h2o_socket_t *sock;  /* NULL once closed */
    size_t idle_at;      /* sock->bytes_read when the last response completed */
    unsigned refs;       /* the socket + requests in flight */
};

/* The prefix of h2o 2.2's HTTP/1 connection that we rely on (verified per accept). */
struct http1_conn_prefix {
    h2o_conn_t super;
    h2o_socket_t *sock;
};

static void unref(conn_rec_t *c)
{
    if (--c->refs == 0)
        free(c);
}

static void on_close(void *data)
{
    conn_rec_t *c = data;
    h2o_linklist_unlink(&c->link);
    c->sock = NULL;
    unref(c);
}

void conn_accept(struct http_thread *t, h2o_socket_t *sock)
{
    h2o_accept(&t->accept_ctx, sock);
    /* h2o_accept may have closed the socket already (it then returns with the socket
     * freed); only an HTTP/1 connection that points back at this socket is tracked. */
    struct http1_conn_prefix *conn = sock->data;
    if (!conn || conn->super.ctx != &t->ctx || conn->sock != sock || sock->on_close.cb)
        return;
    conn_rec_t *c = xcalloc(1, sizeof *c);
    c->sock = sock;
    c->refs = 1;
    c->idle_at = sock->bytes_read;
    h2o_linklist_insert(&t->conns, &c->link);
    sock->on_close.cb = on_close;
    sock->on_close.data = c;
}

conn_rec_t *conn_of_request(h2o_req_t *req)
{
    struct http1_conn_prefix *conn = (struct http1_conn_prefix *)req->conn;
    if (req->version >= 0x200 || !conn->sock || conn->sock->on_close.cb != on_close)
        return NULL;
    conn_rec_t *c = conn->sock->on_close.data;
    c->refs++;
    return c;
}

void conn_request_done(conn_rec_t *c)
{
    if (!c)
        return;
    if (c->sock)
        c->idle_at = c->sock->bytes_read;
    unref(c);
}

int conn_any_partial(struct http_thread *t)
{
    for (h2o_linklist_t *l = t->conns.next; l != &t->conns; l = l->next) {
        conn_rec_t *c = H2O_STRUCT_FROM_MEMBER(conn_rec_t, link, l);
        if (c->sock && c->sock->bytes_read > c->idle_at)
            return 1;
    }
    return 0;
}
