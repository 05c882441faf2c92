#include "http/conn.h"

#include <stdlib.h>

#include "base/arena.h"
#include "base/log.h"
#include "http/server.h"

struct conn_rec {
    h2o_linklist_t link;  /* in the thread's list */
    h2o_socket_t *sock;   /* NULL once closed */
    size_t idle_at;       /* sock->bytes_read when the last response completed */
    unsigned refs;        /* the socket + requests in flight */
    bodygate_conn_t gate; /* what the connection may buffer (http/bodygate.h) */
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
    bodygate_conn_close(&c->gate); /* everything it held is given back */
    h2o_linklist_unlink(&c->link);
    c->sock = NULL;
    unref(c);
}

bodygate_conn_t *conn_gate(h2o_socket_t *sock)
{
    return sock->on_close.cb == on_close ? &((conn_rec_t *)sock->on_close.data)->gate : NULL;
}

bodygate_conn_t *conn_gate_of(conn_rec_t *c)
{
    return &c->gate;
}

int conn_listener(conn_rec_t *c)
{
    return c->gate.listener;
}

void conn_accept(struct http_thread *t, h2o_socket_t *sock, int listener)
{
    /* Tracked before h2o sees it: h2o_accept arms the first read, and the gate must be in
     * front of it. h2o_accept may close the socket already (on_close runs then); our own
     * reference keeps the record until we have looked. */
    conn_rec_t *c = xcalloc(1, sizeof *c);
    c->sock = sock;
    c->refs = 2;
    c->idle_at = sock->bytes_read;
    bodygate_conn_open(&c->gate, sock, listener);
    h2o_linklist_insert(&t->conns, &c->link);
    sock->on_close.cb = on_close;
    sock->on_close.data = c;
    h2o_accept(&t->accept_ctx, sock);
    if (c->sock) {
        struct http1_conn_prefix *conn = sock->data;
        if (!conn || conn->super.ctx != &t->ctx || conn->sock != sock) {
            log_msg(LOG_ERROR, "h2o's HTTP/1 connection is not laid out as kiln expects; stopping", NULL);
            abort();
        }
    }
    unref(c);
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
    if (c->sock) {
        c->idle_at = c->sock->bytes_read;
        bodygate_request_done(&c->gate);
    }
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
