#include "http/server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/completion.h"
#include "base/log.h"
#include "http/bodygate.h"
#include "http/conn.h"
#include "http/offplane.h"
#include "http/reply.h"

static http_server_t *the_server; /* one per process: the body gate's plane lookup asks it */

/* ---------------------------------------------------------------- requests */

static void on_dispose(void *p)
{
    kreq_t *kr = *(kreq_t **)p;
    kr->thr->inflight--;
    if (kr->waiting)
        kr->waiting->owner = NULL; /* the client went away: the answer is dropped */
    conn_request_done(kr->conn);
    arena_free(kr->arena);
}

/* Whether the request came over the workers' Unix socket. */
static int from_unix_socket(h2o_req_t *req)
{
    struct sockaddr_storage ss;
    if (!req->conn->callbacks->get_sockname)
        return 0;
    socklen_t n = req->conn->callbacks->get_sockname(req->conn, (struct sockaddr *)&ss);
    return n > 0 && ss.ss_family == AF_UNIX;
}

/* The plane table a listener's peers reach (enum http_listener). */
static const http_plane_t *planes_of(const http_server_t *srv, int listener, size_t *n)
{
    *n = listener == HTTP_LISTENER_UI ? srv->cfg.ui_nplanes : srv->cfg.nplanes;
    return listener == HTTP_LISTENER_UI ? srv->cfg.ui_planes : srv->cfg.planes;
}

/* The plane serving path[0..len) (without the query) in the listener's table, or -1.
 * Peers of the Unix socket reach only the planes under cfg.unix_prefix; peers of the UI
 * listener only cfg.ui_planes. */
static int plane_of(const http_server_t *srv, const char *path, size_t len, int listener)
{
    const http_config_t *c = &srv->cfg;
    size_t ul = c->unix_prefix ? strlen(c->unix_prefix) : 0;
    if (listener == HTTP_LISTENER_UNIX && !(ul && len >= ul && memcmp(path, c->unix_prefix, ul) == 0))
        return -1;
    size_t np;
    const http_plane_t *planes = planes_of(srv, listener, &np);
    for (size_t i = 0; i < np; i++) {
        size_t n = strlen(planes[i].prefix);
        if (planes[i].exact ? (len == n && memcmp(path, planes[i].prefix, n) == 0)
                            : (len >= n && memcmp(path, planes[i].prefix, n) == 0))
            return (int)i;
    }
    return -1;
}

/* For the body gate: how the plane of a raw request target treats a body. */
static enum bodygate_plane head_plane(const char *path, size_t len, int listener)
{
    int i = the_server ? plane_of(the_server, path, len, listener) : -1;
    size_t np;
    const http_plane_t *planes = i < 0 ? NULL : planes_of(the_server, listener, &np);
    return i < 0 ? BODYGATE_PLANE_UNKNOWN : planes[i].credential ? BODYGATE_PLANE_CREDENTIAL : BODYGATE_PLANE_OPEN;
}

/* The body gate refused the request's head (http/bodygate.h): answers, or lets the plane
 * answer a request whose body was not read; either way the connection closes after it.
 * 1 if answered here. */
static int gate_verdict(kreq_t *kr)
{
    enum bodygate_verdict v = kr->conn ? bodygate_take(conn_gate_of(kr->conn)) : BODYGATE_PASS;
    if (v == BODYGATE_PASS)
        return 0;
    kr->req->http1_is_persistent = 0; /* what follows the head is never read */
    switch (v) {
    case BODYGATE_FRAMING:
        reply_error(kr, 400, 0,
                    "Bad Request: the body's length is ambiguous (Content-Length with Transfer-Encoding, several "
                    "Content-Length headers, or a Transfer-Encoding other than chunked).");
        return 1;
    case BODYGATE_TOO_LARGE:
        reply_error(kr, 413, 0, "Payload Too Large: the body cannot fit kiln's buffer limits.");
        return 1;
    case BODYGATE_BUSY:
        reply_header(kr, "retry-after", H2O_TO_STR(BODYGATE_RETRY_AFTER_S));
        reply_error(kr, 503, 0, "Service Unavailable: too many request bytes are buffered; retry later.");
        return 1;
    default: return 0; /* BODYGATE_EARLY: the plane answers (401, 404) without a body */
    }
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    http_thread_t *t = (http_thread_t *)req->conn->ctx;
    http_server_t *srv = t->server;
    arena_t *a = arena_new(KILN_ARENA_CAP);
    kreq_t *kr = arena_calloc(a, sizeof *kr);
    kr->req = req;
    kr->arena = a;
    kr->thr = t;
    kr->store = t->store;
    store_unbind_site(kr->store); /* no site until the gateway binds the request's (store.h) */
    kr->commit_seq0 = store_last_commit(t->store);
    kr->start_ns = clock_mono_ns();
    kr->store_away0 = store_unavailable_count();
    kr->store_indoubt0 = store_indoubt_count();
    kr->public_url = srv->public_url;
    kr->conn = conn_of_request(req);
    t->inflight++;
    kreq_t **slot = h2o_mem_alloc_shared(&req->pool, sizeof *slot, on_dispose);
    *slot = kr;
    if (gate_verdict(kr))
        return 0; /* replied, before any plane */

    size_t hbytes = 0;
    for (size_t i = 0; i < req->headers.size; i++)
        hbytes += req->headers.entries[i].name->len + req->headers.entries[i].value.len;
    if (hbytes > KILN_MAX_HEADERS_BYTES) {
        reply_error(kr, 431, 1, "Request Header Fields Too Large");
        return 0;
    }
    if (srv->cfg.prepare && srv->cfg.prepare(kr) != 0)
        return 0; /* replied */
    h2o_iovec_t path = req->path;
    size_t plen = req->query_at == SIZE_MAX ? path.len : req->query_at;
    /* Which listener: a request whose connection is not tracked cannot say, and with a UI
     * listener open it is refused rather than guessed to be kiln's. */
    int listener = kr->conn                ? conn_listener(kr->conn)
                   : from_unix_socket(req) ? HTTP_LISTENER_UNIX
                   : srv->cfg.ui_listen    ? -1
                                           : HTTP_LISTENER_TCP;
    int i = listener < 0 ? -1 : plane_of(srv, path.base, plen, listener);
    if (i < 0) {
        reply_error(kr, 404, 1, "Not Found");
        return 0;
    }
    size_t np;
    const http_plane_t *planes = planes_of(srv, listener, &np);
    if (planes[i].metric)
        kr->metric_route = listener == HTTP_LISTENER_UI ? srv->ui_plane_metric[i] : srv->plane_metric[i];
    store_defer_durability(t->store, 1); /* its answer waits for the fsync, not its thread (http/reply.h) */
    t->handling = kr;
    if (!planes[i].offload || kreq_method_is(kr, "HEAD") || offplane_submit(kr, srv->cfg.prepare, planes[i].fn) != 0)
        planes[i].fn(kr);    /* else a store thread serves it, and it is answered later */
    if (t->handling == kr) { /* not replied yet, so kr is alive: answered later */
        uint64_t seq = store_last_commit(t->store);
        kr->commit_seq = seq != kr->commit_seq0 ? seq : 0;
    }
    t->handling = NULL;
    store_defer_durability(t->store, 0);
    return 0;
}

/* ---------------------------------------------------------------- listeners */

static void on_accept(h2o_socket_t *listener, const char *err);

/* Out of descriptors (EMFILE, ENFILE) or memory for a socket: the pending connection stays
 * in the backlog and its listener stays readable, so the loop would wake for it at once,
 * again and again, and spin. Instead each thread stops reading its listeners for
 * ACCEPT_PAUSE_MS and then tries again; one warning a second at most. */
#define ACCEPT_PAUSE_MS 100
static __thread struct {
    h2o_timeout_t timeout;
    h2o_timeout_entry_t entry;
    h2o_socket_t *paused[3];
    int npaused, ready;
} accept_pause;
static _Atomic int64_t accept_warned_ms;

static void accept_resume(h2o_timeout_entry_t *entry)
{
    (void)entry;
    for (int i = 0; i < accept_pause.npaused; i++)
        h2o_socket_read_start(accept_pause.paused[i], on_accept);
    accept_pause.npaused = 0;
}

static void accept_stall(http_thread_t *t, h2o_socket_t *listener, int err)
{
    int64_t now = clock_now_ms(), last = accept_warned_ms;
    if (now - last >= 1000) {
        accept_warned_ms = now;
        log_msg(LOG_WARN, "accept: out of descriptors or memory; not accepting for a moment", "error", strerror(err),
                NULL);
    }
    if (!accept_pause.ready) {
        h2o_timeout_init(t->loop, &accept_pause.timeout, ACCEPT_PAUSE_MS);
        accept_pause.entry.cb = accept_resume;
        accept_pause.ready = 1;
    }
    h2o_socket_read_stop(listener);
    if (accept_pause.npaused < 3)
        accept_pause.paused[accept_pause.npaused++] = listener;
    if (!h2o_timeout_is_linked(&accept_pause.entry))
        h2o_timeout_link(t->loop, &accept_pause.timeout, &accept_pause.entry);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err)
        return;
    http_thread_t *t = listener->data;
    for (int i = 0; i < 64; i++) {
        errno = 0;
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (!sock) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                accept_stall(t, listener, errno);
            break;
        }
        conn_accept(t, sock,
                    listener == t->unix_listener ? HTTP_LISTENER_UNIX
                    : listener == t->ui_listener ? HTTP_LISTENER_UI
                                                 : HTTP_LISTENER_TCP);
    }
}

/* Splits HOST:PORT ([v6]:PORT allowed). */
static int split_listen(const char *listen, char *host, size_t hl, char *port, size_t pl)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || !colon[1])
        return -1;
    const char *h = listen;
    size_t n = (size_t)(colon - listen);
    if (h[0] == '[' && n >= 2 && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n >= hl || strlen(colon + 1) >= pl)
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    strcpy(port, colon + 1);
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return atoi(port) <= 65535 ? 0 : -1;
}

static int open_listener(const struct addrinfo *ai, int *fd_out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -1;
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    *fd_out = fd;
    return 0;
}

/* Binds each thread's UI listener to srv->ui_host:ui_port (port 0: the one the first
 * bind chose, for every thread). 0, or -1 with err. */
static int open_ui_listeners(http_server_t *srv, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *ai = NULL;
    int gai = getaddrinfo(srv->ui_host, srv->ui_port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %.200s: %.200s", srv->cfg.ui_listen, gai_strerror(gai));
        return -1;
    }
    int rc = 0;
    for (unsigned i = 0; i < srv->nthreads && rc == 0; i++) {
        if (open_listener(ai, &srv->threads[i].ui_fd) != 0) {
            snprintf(err, errlen, "cannot listen on %.200s: %.100s", srv->cfg.ui_listen, strerror(errno));
            rc = -1;
        } else if (i == 0) {
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            getsockname(srv->threads[0].ui_fd, (struct sockaddr *)&ss, &sl);
            int p = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
            snprintf(srv->ui_port, sizeof srv->ui_port, "%d", p);
            freeaddrinfo(ai);
            ai = NULL;
            if (getaddrinfo(srv->ui_host, srv->ui_port, &hints, &ai) != 0) {
                snprintf(err, errlen, "cannot resolve %.200s", srv->cfg.ui_listen);
                rc = -1;
            }
        }
    }
    if (ai)
        freeaddrinfo(ai);
    return rc;
}

/* ---------------------------------------------------------------- threads */

static void *thread_main(void *arg)
{
    http_thread_t *t = arg;
    http_server_t *srv = t->server;
    const http_config_t *c = &srv->cfg;
    h2o_evloop_t *loop = t->loop; /* made by http_run (thread 0's ran the body gate's self-test) */
    h2o_context_init(&t->ctx, loop, &srv->config);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = srv->config.hosts;
    h2o_linklist_init_anchor(&t->conns);
    h2o_multithread_register_receiver(t->ctx.queue, &t->completions, completion_on_messages);
    if (c->thread_init)
        c->thread_init(t, c->arg);
    t->listener = h2o_evloop_socket_create(loop, t->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
    h2o_socket_read_start(t->listener, on_accept);
    if (t->unix_fd >= 0) {
        t->unix_listener = h2o_evloop_socket_create(loop, t->unix_fd, H2O_SOCKET_FLAG_DONT_READ);
        t->unix_listener->data = t;
        h2o_socket_read_start(t->unix_listener, on_accept);
    }
    if (t->ui_fd >= 0) {
        t->ui_listener = h2o_evloop_socket_create(loop, t->ui_fd, H2O_SOCKET_FLAG_DONT_READ);
        t->ui_listener->data = t;
        h2o_socket_read_start(t->ui_listener, on_accept);
    }

    while (!srv->stopping) {
        h2o_evloop_run(loop, 100);
        store_idle(t->store);
        if (c->tick)
            c->tick(t, clock_now_ms(), c->arg);
    }

    if (t->held > 0) {
        char n[16];
        snprintf(n, sizeof n, "%u", t->held);
        log_msg(LOG_INFO, "shutdown: answers wait for the store's fsync (each is sent, or failed, once it ends)",
                "held", n, NULL);
    }
    if (c->thread_stopping)
        c->thread_stopping(t, c->arg);
    /* Stop accepting, then let in-flight requests finish. A pause of accepting ends here:
     * its timer must not restart a listener closed below. */
    if (accept_pause.ready && h2o_timeout_is_linked(&accept_pause.entry))
        h2o_timeout_unlink(&accept_pause.entry);
    accept_pause.npaused = 0;
    h2o_socket_read_stop(t->listener);
    h2o_socket_close(t->listener);
    t->listen_fd = -1; /* closed with its socket */
    if (t->unix_listener) {
        h2o_socket_read_stop(t->unix_listener);
        h2o_socket_close(t->unix_listener);
        t->unix_fd = -1;
    }
    if (t->ui_listener) {
        h2o_socket_read_stop(t->ui_listener);
        h2o_socket_close(t->ui_listener);
        t->ui_fd = -1;
    }
    h2o_context_request_shutdown(&t->ctx);
    /* A held answer is waited for past the deadline: the syncer's fsync ends (or fails)
     * and the answer then says which; dropping it would leave a committed write unanswered. */
    uint64_t deadline = clock_mono_ns() + (uint64_t)HTTP_DRAIN_MS * 1000000u;
    int said = 0;
    while (t->held > 0 || ((t->inflight > 0 || conn_any_partial(t)) && clock_mono_ns() < deadline)) {
        if (!said && t->held > 0 && clock_mono_ns() >= deadline) {
            said = 1;
            log_msg(LOG_WARN, "shutdown: the drain period is over; held answers still wait for the store's fsync",
                    NULL);
        }
        h2o_evloop_run(loop, 50);
    }
    h2o_evloop_run(loop, 0);
    if (t->inflight > 0 || conn_any_partial(t))
        log_msg(LOG_WARN, "shutdown: requests still unfinished after the drain period", NULL);
    if (c->thread_exit)
        c->thread_exit(t, c->arg);
    /* The context and loop are not disposed: h2o 2.2 cannot close idle keep-alive
     * connections for us, and disposing a context with live connections aborts. The
     * process exits next; t->loop keeps them reachable until then. */
    arena_thread_exit();
    return NULL;
}

/* ---------------------------------------------------------------- the server */

/* Each connection is a descriptor: the soft RLIMIT_NOFILE (often 1024) is raised to the
 * hard one, and the limit kiln runs with is logged. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = was;
    }
    char n[24];
    snprintf(n, sizeof n, "%llu", (unsigned long long)rl.rlim_cur);
    log_msg(LOG_INFO, "descriptors", "limit", n, NULL);
}

int http_open(http_server_t *srv, const http_config_t *cfg, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *ai = NULL;
    int rc = -1;
    srv->cfg = *cfg;
    srv->nthreads = cfg->threads < 1 ? 1 : cfg->threads > HTTP_THREADS_MAX ? HTTP_THREADS_MAX : cfg->threads;
    if (cfg->nplanes > HTTP_PLANES_MAX || cfg->ui_nplanes > HTTP_PLANES_MAX) {
        snprintf(err, errlen, "too many planes");
        return -1;
    }
    for (size_t i = 0; i < cfg->nplanes; i++)
        if (cfg->planes[i].metric)
            srv->plane_metric[i] = metrics_route_id(cfg->planes[i].metric);
    for (size_t i = 0; cfg->ui_listen && i < cfg->ui_nplanes; i++)
        if (cfg->ui_planes[i].metric)
            srv->ui_plane_metric[i] = metrics_route_id(cfg->ui_planes[i].metric);
    if (cfg->ui_listen &&
        split_listen(cfg->ui_listen, srv->ui_host, sizeof srv->ui_host, srv->ui_port, sizeof srv->ui_port) != 0) {
        snprintf(err, errlen, "invalid UI listen address %.200s (want HOST:PORT)", cfg->ui_listen);
        return -1;
    }
    if (split_listen(cfg->listen, srv->host, sizeof srv->host, srv->port, sizeof srv->port) != 0) {
        snprintf(err, errlen, "invalid listen address %.200s (want HOST:PORT)", cfg->listen);
        return -1;
    }
    int gai = getaddrinfo(srv->host, srv->port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %.200s: %.200s", cfg->listen, gai_strerror(gai));
        return -1;
    }
    raise_nofile();
    h2o_config_init(&srv->config);
    srv->config.max_request_entity_size = KILN_MAX_BODY;
    /* h2o's default, named: a request's head and body must arrive within this from its
     * first byte, and a connection idle that long is closed (docs/security.md) */
    srv->config.http1.req_timeout = KILN_REQ_TIMEOUT_MS;
    srv->config.server_name = h2o_iovec_init(H2O_STRLIT("kiln"));
    /* HTTP/1.1 only. h2o 2.2.5 would otherwise speak cleartext HTTP/2 (h2c) both ways it
     * knows, `Upgrade: h2c` and the prior-knowledge preface `PRI * HTTP/2.0`, and its
     * HTTP/2 has no defence against rapid reset (CVE-2023-44487); kiln's connection
     * tracking (http/conn.h) is HTTP/1 only as well. With this off,
     * the upgrade header is ignored and the preface is answered 400 (docs/security.md). */
    srv->config.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t *hc = h2o_config_register_host(&srv->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(hc, "/", 0);
    h2o_create_handler(pc, sizeof(h2o_handler_t))->on_req = on_req;

    srv->threads = xcalloc(srv->nthreads, sizeof *srv->threads);
    for (unsigned i = 0; i < srv->nthreads; i++) {
        http_thread_t *t = &srv->threads[i];
        t->server = srv;
        t->index = i;
        t->listen_fd = -1;
        t->unix_fd = -1;
        t->ui_fd = -1;
        t->metrics = metrics_new();
    }
    if (cfg->ui_listen && open_ui_listeners(srv, err, errlen) != 0)
        goto out;
    for (unsigned i = 0; i < srv->nthreads; i++) {
        http_thread_t *t = &srv->threads[i];
        if (open_listener(ai, &t->listen_fd) != 0) {
            snprintf(err, errlen, "cannot listen on %.200s: %.100s", cfg->listen, strerror(errno));
            goto out;
        }
        if (i == 0) {
            /* Port 0: every further thread binds the port the kernel chose. */
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            getsockname(t->listen_fd, (struct sockaddr *)&ss, &sl);
            int p = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
            snprintf(srv->port, sizeof srv->port, "%d", p);
            freeaddrinfo(ai);
            ai = NULL;
            if (getaddrinfo(srv->host, srv->port, &hints, &ai) != 0) {
                snprintf(err, errlen, "cannot resolve %.200s", cfg->listen);
                goto out;
            }
        }
        t->store = store_open(cfg->data_dir, err, errlen);
        if (!t->store)
            goto out;
        t->unix_fd = cfg->unix_fd < 0 ? -1 : i == 0 ? cfg->unix_fd : fcntl(cfg->unix_fd, F_DUPFD_CLOEXEC, 3);
    }
    if (cfg->public_url) {
        snprintf(srv->public_url, sizeof srv->public_url, "%s", cfg->public_url);
        size_t n = strlen(srv->public_url);
        while (n > 0 && srv->public_url[n - 1] == '/')
            srv->public_url[--n] = '\0';
    } else {
        snprintf(srv->public_url, sizeof srv->public_url, strchr(srv->host, ':') ? "http://[%s]:%s" : "http://%s:%s",
                 srv->host, srv->port);
    }
    rc = 0;
out:
    if (ai)
        freeaddrinfo(ai);
    if (rc != 0)
        http_close(srv);
    return rc;
}

int http_run(http_server_t *srv, char *err, size_t errlen)
{
    the_server = srv;
    /* The request-body gate (http/bodygate.h): its budgets, and proof that libh2o's reads
     * go through it; without that, kiln does not serve. */
    bodygate_configure(srv->cfg.max_buffered, srv->cfg.max_buffered_per_client, 0, head_plane);
    for (unsigned i = 0; i < srv->nthreads; i++)
        srv->threads[i].loop = h2o_evloop_create();
    const char *why = NULL;
    if (bodygate_selftest(srv->threads[0].loop, &why) != 0) {
        snprintf(err, errlen, "the request-body gate is not in effect: %.200s", why ? why : "unknown");
        return -1;
    }
    bodygate_stats_t bs;
    bodygate_get_stats(&bs);
    char lim[3][24];
    snprintf(lim[0], sizeof lim[0], "%llu", (unsigned long long)bs.limit);
    snprintf(lim[1], sizeof lim[1], "%llu", (unsigned long long)bs.per_client);
    snprintf(lim[2], sizeof lim[2], "%llu", (unsigned long long)bs.workers);
    log_msg(LOG_INFO, "request buffer limits", "global", lim[0], "per_client", lim[1], "workers", lim[2], NULL);

    char addr[300], nthreads[16];
    snprintf(addr, sizeof addr, strchr(srv->host, ':') ? "[%s]:%s" : "%s:%s", srv->host, srv->port);
    snprintf(nthreads, sizeof nthreads, "%u", srv->nthreads);
    if (store_syncer_start(srv->threads[0].store) != 0)
        log_msg(LOG_WARN, "store: no syncer thread; writes wait for their fsync on their HTTP thread", NULL);
    for (unsigned i = 0; i < srv->nthreads; i++)
        pthread_create(&srv->threads[i].tid, NULL, thread_main, &srv->threads[i]);
    log_msg(LOG_INFO, "listening", "addr", addr, "threads", nthreads, "data", srv->cfg.data_dir, "store",
            store_selected() ? "postgresql" : "sqlite", "public_url", srv->public_url, NULL);
    if (srv->cfg.ui_listen) {
        snprintf(addr, sizeof addr, strchr(srv->ui_host, ':') ? "[%s]:%s" : "%s:%s", srv->ui_host, srv->ui_port);
        log_msg(LOG_INFO, "listening for the UI origin", "addr", addr, NULL);
    }
    for (unsigned i = 0; i < srv->nthreads; i++)
        pthread_join(srv->threads[i].tid, NULL);
    return 0;
}

void http_stop(http_server_t *srv)
{
    srv->stopping = 1;
}

void http_close(http_server_t *srv)
{
    if (srv->threads && srv->threads[0].store)
        store_syncer_stop(srv->threads[0].store); /* what it holds answered first */
    for (unsigned i = 0; srv->threads && i < srv->nthreads; i++) {
        http_thread_t *t = &srv->threads[i];
        if (t->listen_fd >= 0)
            close(t->listen_fd);
        if (t->unix_fd >= 0)
            close(t->unix_fd);
        if (t->ui_fd >= 0)
            close(t->ui_fd);
        t->listen_fd = t->unix_fd = t->ui_fd = -1;
        store_close(t->store);
        t->store = NULL;
    }
    /* the threads' h2o contexts (and metrics, which /metrics may still read) stay: the
     * process ends next */
}
