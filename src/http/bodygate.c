#include "http/bodygate.h"

#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/session.h"
#include "base/arena.h"
#include "http/phr.h"

const char *const bodygate_reason_names[BODYGATE__REASONS] = {
    "framing", "unknown_plane", "no_credential", "too_large", "over_budget", "head_too_large",
};

/* A connection's gate, between requests and within one. */
enum {
    ST_IDLE = 0, /* no request yet, or the last one was answered: the next read_start starts one */
    ST_HEAD,     /* waiting for a complete head */
    ST_BODY,     /* an admitted body is being read (its size is reserved) */
    ST_PASS,     /* the head is decided; h2o dispatches it (or refuses it itself) */
    ST_WAIT,     /* a complete head that does not fit yet: reading stopped, retried on a timer */
    ST_REFUSING, /* a fixed answer is being written; the connection closes next */
    ST_LINGER,   /* answered and h2o is done with it: reading and dropping what the client still sends */
};

/* ================================================================ budgets */

#define CLIENT_BUCKETS 4096u
#define CLIENT_MAX 65536u /* distinct clients tracked; beyond, they share one budget */

struct bodygate_client {
    struct bodygate_client *next; /* in its bucket */
    unsigned char key[16];        /* IPv6 address (IPv4 mapped; IPv6 cut to its /64) */
    size_t bytes;                 /* counted for its connections */
    size_t cap;
    unsigned conns;
    int shared; /* workers / overflow: not in the table */
};

static struct {
    pthread_mutex_t mu;
    size_t global_cap, client_cap, total;
    struct bodygate_client workers, overflow;
    struct bodygate_client *buckets[CLIENT_BUCKETS];
    unsigned clients;
    bodygate_plane_fn plane;
    uint64_t refused[BODYGATE__REASONS]; /* __atomic */
} B = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .global_cap = BODYGATE_GLOBAL_DEFAULT,
    .client_cap = BODYGATE_GLOBAL_DEFAULT / 4,
    .workers = {.cap = BODYGATE_GLOBAL_DEFAULT / 2, .shared = 1},
    .overflow = {.shared = 1},
};

static size_t clamp(size_t v, size_t global)
{
    size_t lo = BODYGATE_CONN_MAX < global ? BODYGATE_CONN_MAX : global;
    return v < lo ? lo : v > global ? global : v;
}

void bodygate_configure(size_t global, size_t per_client, size_t workers, bodygate_plane_fn plane)
{
    pthread_mutex_lock(&B.mu);
    B.global_cap = global ? global : BODYGATE_GLOBAL_DEFAULT;
    B.client_cap = clamp(per_client ? per_client : B.global_cap / 4, B.global_cap);
    B.workers.cap = clamp(workers ? workers : B.global_cap / 2, B.global_cap);
    B.plane = plane;
    pthread_mutex_unlock(&B.mu);
}

static unsigned bucket_of(const unsigned char key[16])
{
    unsigned h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % CLIENT_BUCKETS;
}

/* The client of a peer address (with a connection counted), under B.mu. */
static struct bodygate_client *client_join(const unsigned char key[16])
{
    struct bodygate_client **b = &B.buckets[bucket_of(key)], *c;
    for (c = *b; c; c = c->next)
        if (memcmp(c->key, key, 16) == 0)
            break;
    if (!c && B.clients >= CLIENT_MAX)
        c = &B.overflow;
    if (!c) {
        c = xcalloc(1, sizeof *c);
        memcpy(c->key, key, 16);
        c->next = *b;
        *b = c;
        B.clients++;
    }
    c->conns++;
    return c;
}

static void client_leave(struct bodygate_client *c)
{
    if (--c->conns > 0 || c->shared) /* the workers and the overflow are never freed */
        return;
    struct bodygate_client **p = &B.buckets[bucket_of(c->key)];
    while (*p != c)
        p = &(*p)->next;
    *p = c->next;
    B.clients--;
    free(c);
}

/* The workers have their own budget; every other client (the overflow too) the per-client one. */
static size_t cap_of(const struct bodygate_client *c)
{
    return c == &B.workers ? c->cap : B.client_cap;
}

enum { CHARGE_OK = 0, CHARGE_BUSY = 1, CHARGE_TOO_LARGE = 2 };

/* Counts `target` bytes for the connection (instead of what it counted so far). With
 * check, growth must fit the connection's, its client's and the global budget: TOO_LARGE
 * if `target` alone never could, BUSY if it cannot now (nothing changes then). */
static int charge(bodygate_conn_t *g, size_t target, int check)
{
    if (target == g->charged || !g->client)
        return CHARGE_OK;
    int rc = CHARGE_OK;
    pthread_mutex_lock(&B.mu);
    struct bodygate_client *c = g->client;
    if (check && target > g->charged) {
        size_t more = target - g->charged, cap = cap_of(c);
        if (target > BODYGATE_CONN_MAX || target > cap || target > B.global_cap)
            rc = CHARGE_TOO_LARGE;
        else if (c->bytes + more > cap || B.total + more > B.global_cap)
            rc = CHARGE_BUSY;
    }
    if (rc == CHARGE_OK) {
        c->bytes = c->bytes - g->charged + target;
        B.total = B.total - g->charged + target;
        g->charged = target;
    }
    pthread_mutex_unlock(&B.mu);
    return rc;
}

static void refused(enum bodygate_reason r)
{
    __atomic_add_fetch(&B.refused[r], 1, __ATOMIC_RELAXED);
}

void bodygate_get_stats(bodygate_stats_t *out)
{
    pthread_mutex_lock(&B.mu);
    *out = (bodygate_stats_t){.buffered = B.total,
                              .limit = B.global_cap,
                              .per_client = B.client_cap,
                              .workers = B.workers.cap,
                              .workers_charged = B.workers.bytes};
    pthread_mutex_unlock(&B.mu);
    for (int i = 0; i < BODYGATE__REASONS; i++)
        out->refused[i] = __atomic_load_n(&B.refused[i], __ATOMIC_RELAXED);
}

/* ================================================================ request heads */

static int name_is(const struct phr_header *h, const char *name)
{
    size_t n = strlen(name);
    return h->name && h->name_len == n && strncasecmp(h->name, name, n) == 0;
}

/* Plain digits that fit (h2o_strtosize accepts nothing else either). */
static int parse_length(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 18)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int bodygate_parse_head(char *buf, size_t len, bodygate_head_t *out)
{
    const char *method, *path;
    size_t mlen, plen, nh = H2O_MAX_HEADERS;
    int minor;
    struct phr_header hs[H2O_MAX_HEADERS];
    memset(out, 0, sizeof *out);
    int r = phr_parse_request(buf, len, &method, &mlen, &path, &plen, &minor, hs, &nh, 0);
    if (r == -2)
        return 0;
    if (r < 0)
        return -1;
    out->head_len = (size_t)r;
    const char *q = memchr(path, '?', plen);
    out->path = path;
    out->path_len = q ? (size_t)(q - path) : plen;
    unsigned cls = 0, tes = 0;
    for (size_t i = 0; i < nh; i++) {
        const struct phr_header *h = &hs[i];
        if (!h->name) { /* a folded line: a header kiln cannot be sure it reads as h2o does */
            out->framing_error = 1;
            continue;
        }
        int cl = name_is(h, "content-length"), te = !cl && name_is(h, "transfer-encoding");
        if (cl || te) { /* nh <= H2O_MAX_HEADERS: room for every one */
            out->rename[out->n_rename] = (char *)h->name;
            out->rename_len[out->n_rename++] = h->name_len;
        }
        if (cl && (cls++ || parse_length(h->value, h->value_len, &out->length) != 0))
            out->framing_error = 1;
        if (te && (tes++ || h->value_len != 7 || strncasecmp(h->value, "chunked", 7) != 0))
            out->framing_error = 1;
        if (name_is(h, "authorization") || name_is(h, "forge-proxy-authorization"))
            out->credential |= h->value_len > 0;
        /* the web UI's session cookie is a credential of the Jira plane (gateway_session) */
        if (name_is(h, "cookie") && memmem(h->value, h->value_len, SESSION_COOKIE "=", sizeof SESSION_COOKIE) != NULL)
            out->credential = 1;
    }
    out->has_body = cls || tes;
    if ((cls && tes) || (tes && minor == 0))
        out->framing_error = 1;
    out->chunked = tes == 1 && !out->framing_error;
    return 1;
}

/* The names keep their length: "content-length" and "transfer-encoding" are 14 and 17. */
void bodygate_drop_body(bodygate_head_t *h)
{
    static const char mark[] = "x-kiln-refused-xxxxx";
    for (size_t i = 0; i < h->n_rename; i++)
        memcpy(h->rename[i], mark, h->rename_len[i] < sizeof mark - 1 ? h->rename_len[i] : sizeof mark - 1);
}

/* ================================================================ the gate */

static void (*real_read_start)(h2o_socket_t *, h2o_socket_cb);
static void (*real_close)(h2o_socket_t *);
static uint64_t hook_calls, close_calls; /* __atomic: every call of each hook */

/* The next definition of `name` after kiln's (libh2o's), or abort: kiln cannot work. */
static void *next_fn(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "kiln: %s not found in libh2o\n", name);
        abort();
    }
    return f;
}

static void gate_on_read(h2o_socket_t *sock, const char *err);

/* What a connection's buffered bytes count: nothing for an ordinary head. */
static size_t counted(size_t buffered)
{
    return buffered > BODYGATE_FREE_BYTES ? buffered : 0;
}

static void on_refused_written(h2o_socket_t *sock, const char *err)
{
    bodygate_conn_t *g = conn_gate(sock);
    if (g && g->orig_cb)
        g->orig_cb(sock, "kiln: request refused"); /* h2o closes the connection */
}

/* The two answers written without h2o (refuse_now), made once. */
static struct {
    pthread_once_t once;
    char head_too_large[256], busy[256];
    size_t head_too_large_len, busy_len;
} A = {.once = PTHREAD_ONCE_INIT};

static size_t answer(char *out, size_t cap, int status, const char *reason, const char *extra, const char *msg)
{
    char body[160];
    int bl = snprintf(body, sizeof body, "{\"code\":%d,\"message\":\"%s\"}", status, msg);
    int n = snprintf(out, cap,
                     "HTTP/1.1 %d %s\r\nConnection: close\r\n%sContent-Type: application/json\r\nContent-Length: "
                     "%d\r\n\r\n%s",
                     status, reason, extra, bl, body);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void make_answers(void)
{
    char retry[64];
    snprintf(retry, sizeof retry, "Retry-After: %d\r\n", BODYGATE_RETRY_AFTER_S);
    A.head_too_large_len = answer(A.head_too_large, sizeof A.head_too_large, 431, "Request Header Fields Too Large", "",
                                  "Request Header Fields Too Large");
    A.busy_len = answer(A.busy, sizeof A.busy, 503, "Service Unavailable", retry,
                        "Too many request bytes are buffered; retry later.");
}

/* Answers a partial head at once (h2o has no request to answer yet) and closes. */
static void refuse_now(bodygate_conn_t *g, h2o_socket_t *sock, enum bodygate_reason why)
{
    pthread_once(&A.once, make_answers);
    g->state = ST_REFUSING;
    g->linger = 1;
    refused(why);
    h2o_socket_read_stop(sock);
    h2o_iovec_t a = why == BODYGATE_R_HEAD_TOO_LARGE ? h2o_iovec_init(A.head_too_large, A.head_too_large_len)
                                                     : h2o_iovec_init(A.busy, A.busy_len);
    h2o_socket_write(sock, &a, 1, on_refused_written);
}

static void park(bodygate_conn_t *g, h2o_socket_t *sock);

/* The head in the buffer, if complete, is decided: admitted (its size reserved), or
 * refused with a verdict for on_req. With `may_wait`, a head that does not fit now is
 * parked instead, up to BODYGATE_WAIT_TRIES times (a connection that has just been
 * answered gives its bytes back a moment after its client has the answer, and may be on
 * another thread). A partial one is counted, and with `may_wait` refused at once when it
 * is too large or does not fit. Neither waits nor answers without `may_wait`: h2o is
 * about to parse the buffer itself then (a pipelined head). Returns -1 if the
 * connection is parked or being refused now: h2o must not see the bytes yet. */
static int inspect(bodygate_conn_t *g, h2o_socket_t *sock, int may_wait)
{
    h2o_buffer_t *in = sock->input;
    bodygate_head_t h;
    int r = bodygate_parse_head(in->bytes, in->size < H2O_MAX_REQLEN ? in->size : H2O_MAX_REQLEN, &h);
    if (r < 0) {
        g->state = ST_PASS; /* not HTTP h2o accepts: it answers 400 and closes */
        return 0;
    }
    if (r == 0) {
        if (!may_wait)
            return 0;
        if (in->size > BODYGATE_HEAD_MAX) {
            refuse_now(g, sock, BODYGATE_R_HEAD_TOO_LARGE);
            return -1;
        }
        if (charge(g, counted(in->size), 1) != CHARGE_OK) {
            refuse_now(g, sock, BODYGATE_R_BUSY);
            return -1;
        }
        return 0;
    }
    enum bodygate_verdict v = BODYGATE_PASS;
    enum bodygate_reason why = BODYGATE_R_FRAMING;
    g->state = ST_PASS;
    if (h.framing_error) {
        v = BODYGATE_FRAMING;
    } else if (h.has_body) {
        enum bodygate_plane p = B.plane ? B.plane(h.path, h.path_len, g->listener) : BODYGATE_PLANE_OPEN;
        if (h.head_len > BODYGATE_HEAD_MAX) /* on_req answers 431 for the headers, without the body */
            v = BODYGATE_EARLY, why = BODYGATE_R_HEAD_TOO_LARGE;
        else if (p == BODYGATE_PLANE_UNKNOWN)
            v = BODYGATE_EARLY, why = BODYGATE_R_UNKNOWN_PLANE;
        else if (p == BODYGATE_PLANE_CREDENTIAL && !h.credential)
            v = BODYGATE_EARLY, why = BODYGATE_R_NO_CREDENTIAL;
        else if (!h.chunked && h.length > KILN_MAX_BODY)
            ; /* h2o answers 413 itself before reading any of it, and closes */
        else {
            size_t want = h.head_len + (h.chunked ? KILN_MAX_BODY : (size_t)h.length);
            int rc = charge(g, want > counted(in->size) ? want : counted(in->size), 1);
            if (rc == CHARGE_OK) {
                g->reserved = want;
                g->state = ST_BODY;
            } else if (rc == CHARGE_BUSY && may_wait && g->waits < BODYGATE_WAIT_TRIES) {
                g->waits++;
                park(g, sock);
                return -1;
            } else {
                v = rc == CHARGE_TOO_LARGE ? BODYGATE_TOO_LARGE : BODYGATE_BUSY;
                why = rc == CHARGE_TOO_LARGE ? BODYGATE_R_TOO_LARGE : BODYGATE_R_BUSY;
            }
        }
    }
    if (v != BODYGATE_PASS) {
        bodygate_drop_body(&h);
        g->verdict = (unsigned char)v;
        g->linger = 1; /* the client may be sending the body still: do not reset it */
        refused(why);
    }
    return 0;
}

/* Counts what the connection holds: its reservation, or what it actually buffered if
 * more (bookkeeping only: decisions are taken on heads). */
static void account(bodygate_conn_t *g, h2o_socket_t *sock)
{
    size_t have = counted(sock->input->size);
    charge(g, have > g->reserved ? have : g->reserved, 0);
}

/* One thread's timer for parked heads (every HTTP thread has one loop). */
static __thread h2o_timeout_t wait_timer;
static __thread h2o_loop_t *wait_loop;

static void on_wait_over(h2o_timeout_entry_t *entry)
{
    bodygate_conn_t *g = H2O_STRUCT_FROM_MEMBER(bodygate_conn_t, wait, entry);
    h2o_socket_t *sock = g->sock;
    g->state = ST_HEAD;
    real_read_start(sock, gate_on_read);
    if (inspect(g, sock, 1) != 0) {
        if (g->state == ST_WAIT)
            account(g, sock);
        return; /* parked again, or refused */
    }
    account(g, sock);
    g->orig_cb(sock, NULL); /* h2o parses what is buffered, as if it had just arrived */
}

/* Stops reading a complete head that does not fit yet and retries it in a moment. */
static void park(bodygate_conn_t *g, h2o_socket_t *sock)
{
    h2o_loop_t *loop = h2o_socket_get_loop(sock);
    if (wait_loop != loop) {
        h2o_timeout_init(loop, &wait_timer, BODYGATE_WAIT_MS);
        wait_loop = loop;
    }
    g->state = ST_WAIT;
    g->sock = sock;
    h2o_socket_read_stop(sock);
    g->wait.cb = on_wait_over;
    h2o_timeout_link(loop, &wait_timer, &g->wait);
}

static void gate_on_read(h2o_socket_t *sock, const char *err)
{
    bodygate_conn_t *g = conn_gate(sock);
    if (!g || !g->orig_cb) /* cannot happen: the gate is only armed on tracked sockets */
        abort();
    h2o_socket_cb cb = g->orig_cb;
    if (!err) {
        if (g->state == ST_REFUSING)
            return; /* unreachable: reading stopped */
        if (g->state == ST_HEAD && inspect(g, sock, 1) != 0) {
            if (g->state == ST_WAIT)
                account(g, sock); /* what it has buffered while it waits is counted */
            return;
        }
        account(g, sock);
    }
    cb(sock, err); /* may close the socket and free g: nothing after this */
}

/* libh2o calls this through its PLT for every read callback it arms (bodygate.h). */
void h2o_socket_read_start(h2o_socket_t *sock, h2o_socket_cb cb)
{
    __atomic_add_fetch(&hook_calls, 1, __ATOMIC_RELAXED);
    if (!real_read_start)
        real_read_start = (void (*)(h2o_socket_t *, h2o_socket_cb))next_fn("h2o_socket_read_start");
    bodygate_conn_t *g = cb == gate_on_read ? NULL : conn_gate(sock);
    if (!g) {
        real_read_start(sock, cb);
        return;
    }
    g->orig_cb = cb;
    real_read_start(sock, gate_on_read);
    if (g->state == ST_IDLE) { /* the next request (not a 100-continue resuming a body) */
        g->state = ST_HEAD;
        g->reserved = 0;
        g->waits = 0;
        g->verdict = BODYGATE_PASS;
        /* a pipelined head may be buffered already: h2o parses it right after this */
        if (sock->input->size)
            inspect(g, sock, 0);
        account(g, sock);
    }
}

/* ---- lingering close ----
 * A refused request is answered while its client may still be sending the body it
 * declared. Closing the socket with that data unread makes the kernel send a reset,
 * and many clients (Node's http and fetch among them) then report ECONNRESET instead
 * of the answer. So when h2o closes such a connection after the answer, kiln takes the
 * socket over: it shuts down the sending side (the client sees the end of the answer),
 * reads and drops whatever still comes for up to BODYGATE_LINGER_MS or
 * BODYGATE_LINGER_MAX_BYTES, and then closes. Nothing of it is kept or counted. */

static __thread h2o_timeout_t linger_timer;
static __thread h2o_loop_t *linger_loop;

static void linger_end(bodygate_conn_t *g, h2o_socket_t *sock)
{
    if (h2o_timeout_is_linked(&g->wait))
        h2o_timeout_unlink(&g->wait);
    real_close(sock); /* on_close (http/conn.c) frees g */
}

static void on_linger_read(h2o_socket_t *sock, const char *err)
{
    bodygate_conn_t *g = conn_gate(sock);
    g->lingered += sock->input->size;
    h2o_buffer_consume(&sock->input, sock->input->size);
    if (err || g->lingered > BODYGATE_LINGER_MAX_BYTES)
        linger_end(g, sock);
}

static void on_linger_over(h2o_timeout_entry_t *entry)
{
    bodygate_conn_t *g = H2O_STRUCT_FROM_MEMBER(bodygate_conn_t, wait, entry);
    linger_end(g, g->sock);
}

/* libh2o calls this through its PLT to close a socket. */
void h2o_socket_close(h2o_socket_t *sock)
{
    __atomic_add_fetch(&close_calls, 1, __ATOMIC_RELAXED);
    if (!real_close)
        real_close = (void (*)(h2o_socket_t *))next_fn("h2o_socket_close");
    bodygate_conn_t *g = conn_gate(sock);
    if (!g || !g->linger || g->state == ST_LINGER || sock->_cb.write || sock->ssl) {
        real_close(sock);
        return;
    }
    /* h2o has answered and frees its connection next: the socket is kiln's now */
    g->state = ST_LINGER;
    g->sock = sock;
    sock->data = NULL;
    shutdown(h2o_socket_get_fd(sock), SHUT_WR);
    h2o_buffer_dispose(&sock->input); /* what it held (a body, maybe) is freed now, not in 2 s */
    h2o_buffer_init(&sock->input, &h2o_socket_buffer_prototype);
    charge(g, 0, 0);
    g->reserved = 0;
    if (!real_read_start)
        real_read_start = (void (*)(h2o_socket_t *, h2o_socket_cb))next_fn("h2o_socket_read_start");
    real_read_start(sock, on_linger_read);
    h2o_loop_t *loop = h2o_socket_get_loop(sock);
    if (linger_loop != loop) {
        h2o_timeout_init(loop, &linger_timer, BODYGATE_LINGER_MS);
        linger_loop = loop;
    }
    g->wait.cb = on_linger_over;
    h2o_timeout_link(loop, &linger_timer, &g->wait);
}

int bodygate_selftest(h2o_loop_t *loop, const char **why)
{
    *why = NULL;
    if (!dlsym(RTLD_NEXT, "h2o_socket_read_start") || !dlsym(RTLD_NEXT, "h2o_socket_close")) {
        *why = "h2o_socket_read_start or h2o_socket_close is not in libh2o-evloop";
        return -1;
    }
    /* creating a queue arms a read callback from inside libh2o; destroying it closes one */
    uint64_t before = __atomic_load_n(&hook_calls, __ATOMIC_RELAXED),
             closes = __atomic_load_n(&close_calls, __ATOMIC_RELAXED);
    h2o_multithread_queue_t *q = h2o_multithread_create_queue(loop);
    uint64_t after = __atomic_load_n(&hook_calls, __ATOMIC_RELAXED);
    h2o_multithread_destroy_queue(q);
    free(q); /* h2o 2.2's destroy leaves the struct to the caller (evloop build) */
    if (after == before || __atomic_load_n(&close_calls, __ATOMIC_RELAXED) == closes) {
        *why = "libh2o's own calls to h2o_socket_read_start and h2o_socket_close do not reach kiln's hooks (the "
               "kiln binary must export them, and libh2o must call them through its PLT), so request bodies would be "
               "buffered without limit";
        return -1;
    }
    return 0;
}

/* ================================================================ connections */

void bodygate_conn_open(bodygate_conn_t *g, h2o_socket_t *sock, int listener)
{
    unsigned char key[16] = {0};
    struct sockaddr_storage ss;
    int unix_peer = listener == HTTP_LISTENER_UNIX;
    memset(g, 0, sizeof *g);
    g->unix_peer = (unsigned char)unix_peer;
    g->listener = (unsigned char)listener;
    socklen_t n = unix_peer ? 0 : h2o_socket_getpeername(sock, (struct sockaddr *)&ss);
    if (n > 0 && ss.ss_family == AF_INET) {
        key[10] = key[11] = 0xff; /* ::ffff:a.b.c.d, as an IPv4-mapped IPv6 peer */
        memcpy(key + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
    } else if (n > 0 && ss.ss_family == AF_INET6) {
        const unsigned char *a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
        int mapped = IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&ss)->sin6_addr);
        memcpy(key, a, mapped ? 16 : 8); /* an IPv6 client is its /64 */
    } else if (!unix_peer) {
        memset(key, 0xff, sizeof key); /* unknown address: one shared client */
    }
    pthread_mutex_lock(&B.mu);
    if (unix_peer)
        B.workers.conns++;
    g->client = unix_peer ? &B.workers : client_join(key);
    pthread_mutex_unlock(&B.mu);
}

void bodygate_conn_close(bodygate_conn_t *g)
{
    if (h2o_timeout_is_linked(&g->wait))
        h2o_timeout_unlink(&g->wait);
    if (!g->client)
        return;
    charge(g, 0, 0);
    pthread_mutex_lock(&B.mu);
    client_leave(g->client);
    pthread_mutex_unlock(&B.mu);
    g->client = NULL;
}

enum bodygate_verdict bodygate_take(bodygate_conn_t *g)
{
    enum bodygate_verdict v = (enum bodygate_verdict)g->verdict;
    g->verdict = BODYGATE_PASS;
    return v;
}

void bodygate_request_done(bodygate_conn_t *g)
{
    if (g->state != ST_REFUSING)
        g->state = ST_IDLE;
}
