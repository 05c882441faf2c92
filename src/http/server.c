#include "http/server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth/admin_token.h"
#include "auth/keys.h"
#include "auth/signkeys.h"
#include "base/clock.h"
#include "base/datadir.h"
#include "base/enc.h"
#include "base/log.h"
#include "journal/audit.h"
#include "gateway/gateway.h"
#include "journal/leak.h"
#include "journal/ledger.h"
#include "platform/proxy_kvs.h"
#include "http/bodygate.h"
#include "http/conn.h"
#include "http/ops.h"
#include "http/reply.h"
#include "platform/admin.h"
#include "platform/admin_apps.h"
#include "platform/install.h"
#include "platform/kvs_writer.h"
#include "platform/outbound.h"
#include "platform/snapshot.h"
#include "platform/webtrigger.h"
#include "product/routes.h"
#include "platform/lifecycle.h"
#include "runtime/sandbox.h"
#include "runtime/supervisor.h"

#define DRAIN_MS 10000         /* longest we wait for in-flight requests at shutdown */
#define PURGE_EVERY_MS 60000   /* how often thread 0 purges data past its retention */
#define LIFECYCLE_EVERY_MS 500 /* how often thread 0 looks for lifecycle events to deliver */

static http_server_t *the_server; /* for the signal handler only */

/* ---------------------------------------------------------------- planes */

typedef void (*plane_fn)(kreq_t *);

/* Planes by path prefix. `exact` planes match the whole path. `credential`: the plane
 * answers nothing but 401 without an Authorization (or, for the function plane's egress,
 * Forge-Proxy-Authorization) header, so a body sent without one is refused as soon as
 * its head has arrived, before any of it is read (http/bodygate.h). */
static const struct plane {
    const char *prefix;
    int exact;
    int credential;
    plane_fn fn;
    const char *metric;
} planes[] = {
    {"/ex/jira/", 0, 1, gateway_jira, NULL},
    {"/admin/v1/", 0, 1, admin_handle, NULL},
    {"/install/", 0, 1, install_consent, "install POST /install/{appId}"},
    {"/_proxy/", 0, 1, proxy_handle, PROXY_METRIC_ROUTE},
    {"/forge/storage/", 0, 1, storage_kvs_handle, "storage POST /forge/storage/kvs/v1/{op}"},
    {"/x1/", 0, 0, webtrigger_handle, "webtrigger /x1/{id}"},
    {"/public/", 0, 0, webtrigger_handle, "webtrigger /public/{id}"},
    {"/healthz", 1, 0, ops_healthz, "ops GET /healthz"},
    {"/metrics", 1, 0, ops_metrics, "ops GET /metrics"},
    {"/.well-known/jwks.json", 1, 0, ops_jwks, "ops GET /.well-known/jwks.json"},
};
static unsigned plane_metric[sizeof planes / sizeof planes[0]];

static const struct {
    int status;
    const char *reason;
} reasons[] = {
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {409, "Conflict"},
    {413, "Payload Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {431, "Request Header Fields Too Large"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

const char *http_reason(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "Unknown";
}

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

/* The plane serving path[0..len) (without the query), or -1. The workers' Unix socket
 * reaches the function plane only (docs/egress.md). */
static int plane_of(const char *path, size_t len, int unix_peer)
{
    if (unix_peer && !(len >= 8 && memcmp(path, "/_proxy/", 8) == 0))
        return -1;
    for (size_t i = 0; i < sizeof planes / sizeof *planes; i++) {
        size_t n = strlen(planes[i].prefix);
        if (planes[i].exact ? (len == n && memcmp(path, planes[i].prefix, n) == 0)
                            : (len >= n && memcmp(path, planes[i].prefix, n) == 0))
            return (int)i;
    }
    return -1;
}

/* For the body gate: how the plane of a raw request target treats a body. */
static enum bodygate_plane head_plane(const char *path, size_t len, int unix_peer)
{
    int i = plane_of(path, len, unix_peer);
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
    arena_t *a = arena_new(KILN_ARENA_CAP);
    kreq_t *kr = arena_calloc(a, sizeof *kr);
    kr->req = req;
    kr->arena = a;
    kr->thr = t;
    kr->store = t->store;
    kr->start_ns = clock_mono_ns();
    kr->public_url = t->server->public_url;
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
    if (gateway_normalise(kr) != 0)
        return 0; /* replied */
    h2o_iovec_t path = req->path;
    size_t plen = req->query_at == SIZE_MAX ? path.len : req->query_at;
    int i = plane_of(path.base, plen, from_unix_socket(req));
    if (i < 0) {
        reply_error(kr, 404, 1, "Not Found");
        return 0;
    }
    if (planes[i].metric)
        kr->metric_route = plane_metric[i];
    planes[i].fn(kr);
    return 0;
}

/* ---------------------------------------------------------------- listeners */

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err)
        return;
    http_thread_t *t = listener->data;
    for (int i = 0; i < 64; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (!sock)
            break;
        conn_accept(t, sock, listener == t->unix_listener);
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

/* ---------------------------------------------------------------- threads */

static void *thread_main(void *arg)
{
    http_thread_t *t = arg;
    http_server_t *srv = t->server;
    h2o_evloop_t *loop = t->loop; /* made by http_serve (thread 0's ran the body gate's self-test) */
    h2o_context_init(&t->ctx, loop, &srv->config);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = srv->config.hosts;
    h2o_linklist_init_anchor(&t->conns);
    h2o_multithread_register_receiver(t->ctx.queue, &t->completions, completion_on_messages);
    rt_bind_thread(loop, &t->completions, t->store, t->metrics); /* warm workers are driven from this loop */
    t->listener = h2o_evloop_socket_create(loop, t->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
    h2o_socket_read_start(t->listener, on_accept);
    if (t->unix_fd >= 0) {
        t->unix_listener = h2o_evloop_socket_create(loop, t->unix_fd, H2O_SOCKET_FLAG_DONT_READ);
        t->unix_listener->data = t;
        h2o_socket_read_start(t->unix_listener, on_accept);
    }

    int64_t next_purge = clock_now_ms() + PURGE_EVERY_MS, next_events = 0;
    while (!srv->stopping) {
        h2o_evloop_run(loop, 100);
        store_idle(t->store);
        if (t == &srv->threads[0] && clock_now_ms() >= next_events) {
            lifecycle_tick(t); /* installed/upgraded events to the app's trigger modules */
            next_events = clock_now_ms() + LIFECYCLE_EVERY_MS;
        }
        if (t == &srv->threads[0] && clock_now_ms() >= next_purge) {
            /* Retention: data of apps uninstalled long enough ago goes (docs/apps.md). */
            arena_t *a = arena_new(16u * 1024 * 1024);
            size_t purged = 0;
            install_purge_due(t->store, a, clock_now_ms(), &purged);
            snapshot_gc_uploads(srv->data_dir, clock_now_ms(), SNAPSHOT_UPLOAD_MAX_AGE_MS);
            arena_free(a);
            next_purge = clock_now_ms() + PURGE_EVERY_MS;
        }
    }

    /* Outbound calls still running end now (OUTBOUND_ESHUTDOWN), so that the requests
     * waiting for them are answered within the drain period. */
    if (t == &srv->threads[0])
        outbound_stop();
    /* Stop accepting, then let in-flight requests finish. */
    h2o_socket_read_stop(t->listener);
    h2o_socket_close(t->listener);
    if (t->unix_listener) {
        h2o_socket_read_stop(t->unix_listener);
        h2o_socket_close(t->unix_listener);
    }
    h2o_context_request_shutdown(&t->ctx);
    uint64_t deadline = clock_mono_ns() + (uint64_t)DRAIN_MS * 1000000u;
    while ((t->inflight > 0 || conn_any_partial(t)) && clock_mono_ns() < deadline)
        h2o_evloop_run(loop, 50);
    h2o_evloop_run(loop, 0);
    if (t->inflight > 0 || conn_any_partial(t))
        log_msg(LOG_WARN, "shutdown: requests still unfinished after the drain period", NULL);
    /* The context and loop are not disposed: h2o 2.2 cannot close idle keep-alive
     * connections for us, and disposing a context with live connections aborts. The
     * process exits next; t->loop keeps them reachable until then. */
    arena_thread_exit();
    return NULL;
}

static void on_signal(int sig)
{
    (void)sig;
    if (the_server)
        the_server->stopping = 1;
}

/* ---------------------------------------------------------------- sandbox and egress */

static char unix_path[PATH_MAX]; /* the workers' socket, removed at a clean stop */

/* The workers' Unix socket, DATA/proxy.sock (absolute: workers run elsewhere). Its mode is
 * 0666 so that a sandboxed worker's uid may connect; the data dir (0700) keeps everyone
 * else of the host away from it, and a box shows the socket alone. Returns the fd, or -1
 * with `why` (the path does not fit sun_path, ...). */
static int open_unix_listener(const char *data_dir, char *path, size_t pathlen, const char **why)
{
    char dir[PATH_MAX];
    if (!realpath(data_dir, dir)) {
        *why = "the data dir has no absolute path";
        return -1;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if ((size_t)snprintf(path, pathlen, "%s/proxy.sock", dir) >= pathlen || strlen(path) >= sizeof sa.sun_path) {
        *why = "the data dir's path is too long for a Unix socket";
        return -1;
    }
    strcpy(sa.sun_path, path);
    unlink(path); /* a stale socket of an earlier run */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    mode_t old = umask(077);
    int ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    umask(old);
    if (!ok || chmod(path, 0666) != 0 || listen(fd, SOMAXCONN) != 0) {
        *why = "cannot listen on the Unix socket";
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Opens the workers' socket, builds the sandbox (runtime/sandbox.h) and chooses the egress
 * mode (--egress-mode). Prints what the box is made of, or exactly what is missing, and
 * `egress: namespace` or `egress: in-process`. 0; 2 when kiln must not start (a forced
 * namespace mode without the sandbox, a bad uid range). */
static int setup_sandbox(const serve_opts_t *o, int *unix_fd)
{
    const char *mode = o->egress_mode ? o->egress_mode : "auto";
    int want_ns = strcmp(mode, "namespace") == 0;
    char path[PATH_MAX], err[512];
    const char *why = NULL;
    *unix_fd = open_unix_listener(o->data_dir, path, sizeof path, &why);
    if (*unix_fd >= 0)
        snprintf(unix_path, sizeof unix_path, "%s", path);
    rt_sandbox_opts_t so = {.data_dir = o->data_dir,
                            .proxy_socket = *unix_fd >= 0 ? path : NULL,
                            .share_net = strcmp(mode, "in-process") == 0 || *unix_fd < 0,
                            .unsafe_no_sandbox = o->unsafe_no_sandbox,
                            .uid_first = o->sandbox_uid_first,
                            .uid_count = o->sandbox_uid_count};
    int rc = rt_sandbox_init(&so, err, sizeof err);
    if (rc == -1) {
        log_msg(LOG_ERROR, "sandbox", "error", err, NULL);
        return 2;
    }
    if (rc == -2)
        return 0; /* no worker script: rt_start says so, functions answer 500 */
    const sandbox_status_t *st = sandbox_status();
    char line[1024];
    sandbox_describe(line, sizeof line);
    if (st->on) {
        char ms[24];
        snprintf(ms, sizeof ms, "%lld", (long long)st->probe_ms);
        log_msg(LOG_INFO, "sandbox: on", "box", line, "probe_ms", ms, NULL);
    } else if (st->unsafe) {
        log_msg(LOG_WARN, "sandbox: OFF (--unsafe-no-sandbox): functions of every environment run unboxed, as "
                          "kiln's uid, able to read kiln's data dir",
                NULL);
    } else {
        log_msg(LOG_WARN, "sandbox: UNAVAILABLE: development apps run unboxed; staging and production apps are "
                          "refused (start with --unsafe-no-sandbox to run them anyway)",
                "missing", st->missing, NULL);
    }
    int ns = st->on && st->netns;
    if (want_ns && !ns) {
        log_msg(LOG_ERROR, "--egress-mode namespace is not available here", "reason",
                *unix_fd < 0 ? (why ? why : "no Unix socket") : st->on ? "unavailable" : "the sandbox is not on", NULL);
        return 2;
    }
    if (ns)
        log_msg(LOG_INFO, "egress: namespace", "namespace", "network (the sandbox's)", "socket", path, NULL);
    else
        log_msg(LOG_INFO, "egress: in-process", "reason",
                strcmp(mode, "in-process") == 0 ? "--egress-mode in-process"
                : *unix_fd < 0                  ? (why ? why : "no Unix socket")
                                                : "the sandbox is not on",
                NULL);
    return 0;
}

static int setup_routes(void)
{
    for (size_t i = 0; i < sizeof planes / sizeof *planes; i++)
        if (planes[i].metric)
            plane_metric[i] = metrics_route_id(planes[i].metric);
    return product_routes_init() == 0 && admin_routes_init() == 0 ? 0 : -1;
}

int http_serve(const serve_opts_t *o)
{
    static http_server_t srv;
    char err[512], host[256], port[16];
    int rc = 1;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *ai = NULL;
    store_t *main_store = NULL;

    srv.data_dir = o->data_dir;
    srv.nthreads = o->threads > 0 ? (unsigned)o->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (srv.nthreads < 1)
        srv.nthreads = 1;
    if (srv.nthreads > 256)
        srv.nthreads = 256;

    if (split_listen(o->listen, host, sizeof host, port, sizeof port) != 0) {
        log_msg(LOG_ERROR, "invalid --listen (want HOST:PORT)", "listen", o->listen, NULL);
        return 2;
    }
    if (setup_routes() != 0)
        return 1;
    if (datadir_secure(o->data_dir, err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "data dir", "error", err, NULL);
        return 2;
    }
    main_store = store_open(o->data_dir, err, sizeof err);
    if (!main_store || store_migrate(main_store, err, sizeof err) != STORE_OK) {
        log_msg(LOG_ERROR, "cannot open store", "error", err, NULL);
        goto out;
    }
    if (admin_token_load_or_create(o->data_dir, srv.admin_token, err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "admin token", "error", err, NULL);
        goto out;
    }
    if (keys_init(o->data_dir, err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "key store", "error", err, NULL);
        goto out;
    }
    if (signkeys_ensure(main_store, clock_now_ms(), err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "invocation token signing key", "error", err, NULL);
        goto out;
    }
    if (outbound_start(err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "outbound HTTP client", "error", err, NULL);
        goto out;
    }
    if (kvs_writer_start(o->data_dir, err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "app storage writer", "error", err, NULL);
        goto out;
    }
    static const char link_label[] = "kiln distribution links v1";
    enc_hmac_sha256(srv.link_key, srv.admin_token, strlen(srv.admin_token), link_label, sizeof link_label - 1);
    srv.max_snapshot = o->max_snapshot ? o->max_snapshot : SNAPSHOT_MAX_DEFAULT;
    srv.retention_ms = o->retention_ms ? o->retention_ms : INSTALL_RETENTION_MS_DEFAULT;
    srv.webtrigger_rate = o->webtrigger_rate < 0 ? 0
                          : o->webtrigger_rate   ? (unsigned)o->webtrigger_rate
                                                 : WEBTRIGGER_RATE_PER_MIN;
    srv.proxy_rate = o->proxy_rate < 0 ? 0 : o->proxy_rate ? (unsigned)o->proxy_rate : PROXY_RATE_PER_MIN;
    srv.kvs_rate = o->kvs_rate < 0 ? 0 : o->kvs_rate ? (unsigned)o->kvs_rate : KVS_RATE_PER_MIN;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        log_msg(LOG_ERROR, "cannot resolve listen address", "listen", o->listen, "error", gai_strerror(gai), NULL);
        goto out;
    }

    h2o_config_init(&srv.config);
    srv.config.max_request_entity_size = KILN_MAX_BODY;
    srv.config.server_name = h2o_iovec_init(H2O_STRLIT("kiln"));
    /* HTTP/1.1 only. h2o 2.2.5 would otherwise speak cleartext HTTP/2 (h2c) both ways it
     * knows, `Upgrade: h2c` and the prior-knowledge preface `PRI * HTTP/2.0`, and its
     * HTTP/2 has no defence against rapid reset (CVE-2023-44487); kiln's connection
     * tracking (http/conn.h) is HTTP/1 only as well. With this off,
     * the upgrade header is ignored and the preface is answered 400 (docs/security.md). */
    srv.config.http1.upgrade_to_http2 = 0;
    h2o_hostconf_t *hc = h2o_config_register_host(&srv.config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(hc, "/", 0);
    h2o_create_handler(pc, sizeof(h2o_handler_t))->on_req = on_req;

    srv.threads = xcalloc(srv.nthreads, sizeof *srv.threads);
    for (unsigned i = 0; i < srv.nthreads; i++) {
        http_thread_t *t = &srv.threads[i];
        t->server = &srv;
        t->listen_fd = -1;
        t->unix_fd = -1;
        t->metrics = metrics_new();
        if (open_listener(ai, &t->listen_fd) != 0) {
            log_msg(LOG_ERROR, "cannot listen", "listen", o->listen, "error", strerror(errno), NULL);
            goto out;
        }
        if (i == 0) {
            /* Port 0: every further thread binds the port the kernel chose. */
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            getsockname(t->listen_fd, (struct sockaddr *)&ss, &sl);
            int p = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port);
            snprintf(port, sizeof port, "%d", p);
            freeaddrinfo(ai);
            ai = NULL;
            if (getaddrinfo(host, port, &hints, &ai) != 0)
                goto out;
        }
        t->store = store_open(o->data_dir, err, sizeof err);
        if (!t->store) {
            log_msg(LOG_ERROR, "cannot open store", "error", err, NULL);
            goto out;
        }
    }
    const char *fmt = strchr(host, ':') ? "http://[%s]:%s" : "http://%s:%s";
    if (o->public_url) {
        snprintf(srv.public_url, sizeof srv.public_url, "%s", o->public_url);
        size_t n = strlen(srv.public_url);
        while (n > 0 && srv.public_url[n - 1] == '/')
            srv.public_url[--n] = '\0';
    } else {
        snprintf(srv.public_url, sizeof srv.public_url, fmt, host, port);
    }

    char proxy[600];
    snprintf(proxy, sizeof proxy, strchr(host, ':') ? "http://[%s]:%s/_proxy" : "http://%s:%s/_proxy",
             strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1"
             : strcmp(host, "::") == 0    ? "::1"
                                          : host,
             port);
    unsigned audit_days =
        o->audit_retention_days < 0 ? AUDIT_RETENTION_DAYS_DEFAULT : (unsigned)o->audit_retention_days;
    if (audit_start(o->data_dir, audit_days, err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "cannot start the audit log", "error", err, NULL);
        goto out;
    }
    int unix_fd = -1;
    if (setup_sandbox(o, &unix_fd) != 0) {
        rc = 2;
        goto out;
    }
    for (unsigned i = 0; i < srv.nthreads; i++)
        srv.threads[i].unix_fd = unix_fd < 0 ? -1 : i == 0 ? unix_fd : fcntl(unix_fd, F_DUPFD_CLOEXEC, 3);
    unsigned ledger_days =
        o->ledger_retention_days < 0 ? LEDGER_RETENTION_DAYS_DEFAULT : (unsigned)o->ledger_retention_days;
    if (ledger_start(o->data_dir, srv.public_url, !o->ledger_off, ledger_days, err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "cannot start the data-flow ledger", "error", err, NULL);
        goto out;
    }
    leak_set_mode(o->leak_mode ? (enum leak_mode)(o->leak_mode - 1) : LEAK_DEVELOPMENT);
    if (leak_reload(main_store, err, sizeof err) != 0) {
        log_msg(LOG_WARN, "leak detection unavailable", "error", err, NULL);
        leak_set_mode(LEAK_OFF);
    }
    {
        static const char *const modes[] = {"off", "development environments", "every environment"};
        log_msg(LOG_INFO, "data-flow ledger and leak detection", "ledger", o->ledger_off ? "off" : "on", "leak_scan",
                modes[leak_mode()], NULL);
    }
    if (rt_start(o->data_dir, proxy, srv.public_url, srv.proxy_rate, err, sizeof err) != 0)
        log_msg(LOG_WARN, "function runtime unavailable: webtriggers will answer 500", "error", err, NULL);
    the_server = &srv;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* The request-body gate (http/bodygate.h): its budgets, and proof that libh2o's reads
     * go through it; without that, kiln does not serve. */
    bodygate_configure(o->max_buffered, o->max_buffered_per_client, 0, head_plane);
    for (unsigned i = 0; i < srv.nthreads; i++)
        srv.threads[i].loop = h2o_evloop_create();
    const char *why = NULL;
    if (bodygate_selftest(srv.threads[0].loop, &why) != 0) {
        log_msg(LOG_ERROR, "the request-body gate is not in effect; not serving", "reason", why, NULL);
        goto out;
    }
    bodygate_stats_t bs;
    bodygate_get_stats(&bs);
    char lim[3][24];
    snprintf(lim[0], sizeof lim[0], "%llu", (unsigned long long)bs.limit);
    snprintf(lim[1], sizeof lim[1], "%llu", (unsigned long long)bs.per_client);
    snprintf(lim[2], sizeof lim[2], "%llu", (unsigned long long)bs.workers);
    log_msg(LOG_INFO, "request buffer limits", "global", lim[0], "per_client", lim[1], "workers", lim[2], NULL);

    char addr[300], nthreads[16];
    snprintf(addr, sizeof addr, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
    snprintf(nthreads, sizeof nthreads, "%u", srv.nthreads);
    for (unsigned i = 0; i < srv.nthreads; i++)
        pthread_create(&srv.threads[i].tid, NULL, thread_main, &srv.threads[i]);
    log_msg(LOG_INFO, "listening", "addr", addr, "threads", nthreads, "data", o->data_dir, "store", "sqlite",
            "public_url", srv.public_url, NULL);
    for (unsigned i = 0; i < srv.nthreads; i++)
        pthread_join(srv.threads[i].tid, NULL);
    rt_stop();
    if (unix_path[0])
        unlink(unix_path); /* the workers are gone */
    outbound_stop();       /* normally stopped already by thread 0 */
    kvs_writer_stop();     /* after the HTTP threads drained: in-flight writes were answered */
    ledger_stop();
    audit_stop(); /* after the runtime: its last answers are recorded too */
    log_msg(LOG_INFO, "stopped", NULL);
    rc = 0;
out:
    outbound_stop();
    kvs_writer_stop();
    ledger_stop();
    audit_stop();
    leak_unload();
    if (ai)
        freeaddrinfo(ai);
    for (unsigned i = 0; srv.threads && i < srv.nthreads; i++) {
        store_close(srv.threads[i].store);
        metrics_free(srv.threads[i].metrics);
        if (srv.threads[i].listen_fd >= 0 && rc != 0)
            close(srv.threads[i].listen_fd);
    }
    if (rc != 0)
        free(srv.threads); /* on success the threads' h2o contexts still point into it */
    store_close(main_store);
    return rc;
}
