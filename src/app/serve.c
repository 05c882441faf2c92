#include "app/serve.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "app/planes.h"
#include "app/ticks.h"
#include "auth/admin_token.h"
#include "auth/keys.h"
#include "auth/signkeys.h"
#include "base/clock.h"
#include "base/datadir.h"
#include "base/datalock.h"
#include "base/enc.h"
#include "base/log.h"
#include "gateway/gateway.h"
#include "gateway/ratelimit.h"
#include "http/offload.h"
#include "http/server.h"
#include "journal/audit.h"
#include "journal/fnlog.h"
#include "journal/leak.h"
#include "journal/ledger.h"
#include "platform/admin.h"
#include "platform/appmetrics.h"
#include "platform/config.h"
#include "platform/deliver.h"
#include "platform/deliver_lease.h"
#include "platform/install.h"
#include "platform/kvs.h"
#include "platform/kvs_writer.h"
#include "platform/outbound.h"
#include "platform/proxy.h"
#include "platform/proxy_queue.h"
#include "platform/proxycall.h"
#include "platform/snapshot.h"
#include "platform/snapshot_db.h"
#include "platform/webtrigger.h"
#include "product/routes.h"
#include "runtime/sandbox.h"
#include "runtime/supervisor.h"
#include "web/assets.h"
#include "web/uiorigin.h"
#include "web/web.h"

/* What the running program holds; services fill it in order. */
typedef struct app {
    const serve_opts_t *o;
    store_t *store; /* the main handle: migrations, signing keys, canaries */
    http_server_t http;
    platform_config_t pc;
    int unix_fd;              /* the workers' socket, until http_open takes it */
    char unix_path[PATH_MAX]; /* "" when there is none */
    const char *unix_why;     /* why there is none */
    char proxy_url[600];      /* what workers call back over HTTP (…/_proxy) */
    char ui_origin[600];      /* the UI origin's public URL (web/uiorigin.h), or "" */
    int exit_code;            /* a failed start's: 1, or 2 for a setting kiln must not start with */
    int lock_fd;              /* DATA/serve.lock, held shared until the store is closed (base/datalock.h) */
    int64_t started_ms;       /* when this process began to start (wall clock) */
} app_t;

static app_t *running; /* for the signal handler */

static void on_signal(int sig)
{
    (void)sig;
    if (running)
        http_stop(&running->http);
}

/* ---------------------------------------------------------------- the services */

static int start_datadir(app_t *a, char *err, size_t errlen)
{
    if (datadir_secure(a->o->data_dir, err, errlen) != 0) {
        a->exit_code = 2;
        return -1;
    }
    /* shared: a second server on the data dir still starts; a migration copying it does not */
    a->lock_fd = datalock_take(a->o->data_dir, DATALOCK_SHARED, err, errlen);
    return a->lock_fd >= 0 ? 0 : -1;
}
static void stop_datadir(app_t *a)
{
    close(a->lock_fd);
}

static int start_store(app_t *a, char *err, size_t errlen)
{
    unsigned applied = 0;
    if (store_select(a->o->store_url, err, errlen) != 0 ||
        store_select_admin(a->o->store_admin_url, err, errlen) != 0) {
        a->exit_code = 2;
        return -1;
    }
    if (store_prepare(&applied, err, errlen) != STORE_OK) /* PostgreSQL: roles, schema, migrations */
        return -1;
    if (store_selected()) {
        char n[16];
        snprintf(n, sizeof n, "%u", applied);
        log_msg(LOG_INFO, "store: PostgreSQL ready", "migrations_applied", n, NULL);
    }
    a->store = store_open_admin(a->o->data_dir, err, errlen); /* startup work spans sites (store.h) */
    return a->store && store_migrate(a->store, err, errlen) == STORE_OK ? 0 : -1;
}
static void stop_store(app_t *a)
{
    store_close(a->store);
}

/* PostgreSQL: the session that hears the other nodes' changes (store.h, "several nodes") */
static int start_listener(app_t *a, char *err, size_t errlen)
{
    ratelimit_share(); /* and the rate limits' counts, reported to the others (gateway/ratelimit.h) */
    return store_listen_start(err, errlen);
}

static void stop_listener(app_t *a)
{
    store_listen_stop();
}

static int start_admin_token(app_t *a, char *err, size_t errlen)
{
    if (admin_token_load_or_create(a->o->data_dir, a->pc.admin_token, err, errlen) != 0)
        return -1;
    static const char link_label[] = "kiln distribution links v1";
    enc_hmac_sha256(a->pc.link_key, a->pc.admin_token, strlen(a->pc.admin_token), link_label, sizeof link_label - 1);
    return 0;
}

static int start_keys(app_t *a, char *err, size_t errlen)
{
    /* a key file all nodes share (--key-file): DATA/master.key is neither read nor made */
    return a->o->key_file ? keys_init_file(a->o->key_file, err, errlen) : keys_init(a->o->data_dir, err, errlen);
}

static int start_signkeys(app_t *a, char *err, size_t errlen)
{
    return signkeys_ensure(a->store, clock_now_ms(), err, errlen);
}

/* Route tables and their /metrics route ids: before any HTTP thread runs. */
static int start_routes(app_t *a, char *err, size_t errlen)
{
    (void)a;
    proxycall_init(); /* the route its pipe calls are counted under */
    if (product_routes_init() == 0 && admin_routes_init() == 0)
        return 0;
    snprintf(err, errlen, "a route table is malformed");
    return -1;
}

static int start_outbound(app_t *a, char *err, size_t errlen)
{
    (void)a;
    return outbound_start(err, errlen);
}
/* thread 0 stops it first while draining (app/ticks.h); this is for the other ways out */
static void stop_outbound(app_t *a)
{
    (void)a;
    if (outbound_running())
        outbound_stop();
}

static int start_kvs_writer(app_t *a, char *err, size_t errlen)
{
    return kvs_writer_start(a->o->data_dir, err, errlen);
}
/* after the HTTP threads drained: in-flight writes were answered */
static void stop_kvs_writer(app_t *a)
{
    (void)a;
    kvs_writer_stop();
}

/* A store a network away (PostgreSQL): requests' store work on store threads, so that
 * no event loop waits for a round trip (http/offload.h). SQLite's reads stay in the loop.
 * Off unless asked for (--store-threads N) until the whole suite has run with them on
 * (docs/scale.md "Store threads": tests/e2e/nodes.test.mjs needed a convergence check for
 * several per-thread caches, now in). */
#define STORE_THREADS_DEFAULT 0
static int start_store_threads(app_t *a, char *err, size_t errlen)
{
    int n = a->o->store_threads < 0 ? STORE_THREADS_DEFAULT : a->o->store_threads;
    if (!store_selected() || n == 0)
        return 0;
    return offload_start((unsigned)n, a->o->data_dir, err, errlen);
}
/* after the HTTP threads drained: every job's answer had its thread to go back to */
static void stop_store_threads(app_t *a)
{
    (void)a;
    offload_stop();
}

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

/* The workers' socket, DATA/proxy.sock: optional (without it workers reach kiln over TCP,
 * and egress is in-process). */
static int start_workers_socket(app_t *a, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    a->unix_fd = open_unix_listener(a->o->data_dir, a->unix_path, sizeof a->unix_path, &a->unix_why);
    if (a->unix_fd < 0)
        a->unix_path[0] = '\0';
    return 0;
}
static void stop_workers_socket(app_t *a)
{
    if (a->unix_path[0])
        unlink(a->unix_path); /* the workers are gone */
}

/* The host of a URL (scheme://host[:port][/...], [v6] kept with its brackets), in out. */
static void url_host(const char *url, char *out, size_t outlen)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
    snprintf(out, outlen, "%.*s", (int)(n < outlen ? n : outlen - 1), h);
}

/* The UI origin's URL: --ui-origin, else from the UI listener's address (127.0.0.1 as
 * localhost, a host of its own for the browser). Its host must not be kiln's: cookies are
 * not isolated by port (docs/security.md, "The UI origin"). 0, or -1 with err. */
static int ui_origin_of(app_t *a, char *err, size_t errlen)
{
    const http_server_t *h = &a->http;
    if (a->o->ui_origin)
        snprintf(a->ui_origin, sizeof a->ui_origin, "%s", a->o->ui_origin);
    else
        snprintf(a->ui_origin, sizeof a->ui_origin, strchr(h->ui_host, ':') ? "http://[%s]:%s" : "http://%s:%s",
                 strcmp(h->ui_host, "127.0.0.1") == 0 || strcmp(h->ui_host, "0.0.0.0") == 0 ? "localhost" : h->ui_host,
                 h->ui_port);
    size_t n = strlen(a->ui_origin);
    while (n > 0 && a->ui_origin[n - 1] == '/')
        a->ui_origin[--n] = '\0';
    if (strncmp(a->ui_origin, "http://", 7) != 0 && strncmp(a->ui_origin, "https://", 8) != 0) {
        snprintf(err, errlen, "--ui-origin must be an http:// or https:// URL");
        return -1;
    }
    char ui_host[300], kiln_host[300];
    url_host(a->ui_origin, ui_host, sizeof ui_host);
    url_host(h->public_url, kiln_host, sizeof kiln_host);
    if (strcasecmp(ui_host, kiln_host) == 0) {
        snprintf(err, errlen,
                 "the UI origin %.200s shares its host with kiln's %.200s: cookies are not isolated by port; give "
                 "--ui-origin a host of its own (e.g. localhost for 127.0.0.1)",
                 a->ui_origin, h->public_url);
        return -1;
    }
    return 0;
}

/* The periodic work's settings (app/ticks.h): before any HTTP thread ticks. */
static int start_ticks(app_t *a, char *err, size_t errlen)
{
    (void)a;
    return ticks_init(err, errlen);
}

static int start_http(app_t *a, char *err, size_t errlen)
{
    const serve_opts_t *o = a->o;
    http_config_t cfg = {
        .listen = o->listen,
        .threads = o->threads > 0 ? (unsigned)o->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN),
        .public_url = o->public_url,
        .data_dir = o->data_dir,
        .planes = app_planes,
        .nplanes = app_nplanes,
        .unix_fd = a->unix_fd,
        .unix_prefix = APP_WORKER_PREFIX,
        .max_buffered = o->max_buffered,
        .max_buffered_per_client = o->max_buffered_per_client,
        .ui_listen = o->ui_listen,
        .ui_planes = app_ui_planes,
        .ui_nplanes = app_ui_nplanes,
        .prepare = web_normalise, /* gateway_normalise, and /s/{site}/ */
        .thread_init = ticks_thread_init,
        .tick = ticks_tick,
        .thread_stopping = ticks_thread_stopping,
        .thread_exit = ticks_thread_exit,
    };
    a->unix_fd = -1; /* http's now, even when it fails */
    if (http_open(&a->http, &cfg, err, errlen) != 0) {
        if (strstr(err, "invalid listen address") || strstr(err, "invalid UI listen address"))
            a->exit_code = 2;
        return -1;
    }
    const http_server_t *h = &a->http;
    if (o->ui_listen && ui_origin_of(a, err, errlen) != 0) {
        a->exit_code = 2;
        return -1;
    }
    snprintf(a->proxy_url, sizeof a->proxy_url, strchr(h->host, ':') ? "http://[%s]:%s/_proxy" : "http://%s:%s/_proxy",
             strcmp(h->host, "0.0.0.0") == 0 ? "127.0.0.1"
             : strcmp(h->host, "::") == 0    ? "::1"
                                             : h->host,
             h->port);
    /* the platform's settings, now that the public URL is known */
    a->pc.data_dir = o->data_dir;
    a->pc.public_url = h->public_url;
    a->pc.max_snapshot = o->max_snapshot ? o->max_snapshot : SNAPSHOT_MAX_DEFAULT;
    a->pc.retention_ms = o->retention_ms ? o->retention_ms : INSTALL_RETENTION_MS_DEFAULT;
    a->pc.webtrigger_rate = o->webtrigger_rate < 0 ? 0
                            : o->webtrigger_rate   ? (unsigned)o->webtrigger_rate
                                                   : WEBTRIGGER_RATE_PER_MIN;
    a->pc.proxy_rate = o->proxy_rate < 0 ? 0 : o->proxy_rate ? (unsigned)o->proxy_rate : PROXY_RATE_PER_MIN;
    a->pc.kvs_rate = o->kvs_rate < 0 ? 0 : o->kvs_rate ? (unsigned)o->kvs_rate : KVS_RATE_PER_MIN;
    a->pc.queue_rate = o->queue_rate < 0 ? 0 : o->queue_rate ? (unsigned)o->queue_rate : QUEUE_RATE_PER_MIN;
    a->pc.ui_assets = o->ui_assets;
    a->pc.ui_origin = a->ui_origin[0] ? a->ui_origin : NULL;
    a->pc.session_idle_ms = o->session_idle_ms;
    a->pc.session_max_ms = o->session_max_ms;
    platform_configure(&a->pc);
    uiorigin_configure(a->ui_origin[0] ? a->ui_origin : NULL, h->public_url, o->data_dir);
    gateway_configure(&product_routes, a->pc.proxy_rate);
    /* the web UI: its sign-in forms' key derived from the admin token like the links' */
    static unsigned char web_key[32];
    static const char web_label[] = "kiln web sign-in forms v1";
    enc_hmac_sha256(web_key, a->pc.admin_token, strlen(a->pc.admin_token), web_label, sizeof web_label - 1);
    assets_set_dir(a->pc.ui_assets);
    web_config_t wc = {.assets_dir = a->pc.ui_assets,
                       .ui_origin = a->pc.ui_origin,
                       .session_max_ms = a->pc.session_max_ms,
                       .session_idle_ms = a->pc.session_idle_ms,
                       .key = web_key,
                       .secure = strncmp(h->public_url, "https://", 8) == 0};
    if (web_configure(&wc, err, errlen) != 0)
        return -1;
    proxy_configure(a->pc.proxy_rate);
    return 0;
}
static void stop_http(app_t *a)
{
    http_close(&a->http);
}

static int start_audit(app_t *a, char *err, size_t errlen)
{
    long d = a->o->audit_retention_days;
    return audit_start(a->o->data_dir, d < 0 ? AUDIT_RETENTION_DAYS_DEFAULT : (unsigned)d, err, errlen);
}
/* after the runtime: its last answers are recorded too */
static void stop_audit(app_t *a)
{
    (void)a;
    audit_stop();
}

/* Builds the sandbox (runtime/sandbox.h) and chooses the egress mode (--egress-mode). Prints what the box is made of,
 * or exactly what is missing, and `egress: namespace` or `egress: in-process`. 0, or -1 with exit code 2: kiln must not
 * start (a forced namespace mode without the sandbox, a bad uid range). */
static int start_sandbox(app_t *a, char *err, size_t errlen)
{
    const serve_opts_t *o = a->o;
    const char *mode = o->egress_mode ? o->egress_mode : "auto";
    int want_ns = strcmp(mode, "namespace") == 0;
    const char *path = a->unix_path, *why = a->unix_why;
    rt_sandbox_opts_t so = {.data_dir = o->data_dir,
                            .proxy_socket = path[0] ? path : NULL,
                            .share_net = strcmp(mode, "in-process") == 0 || !path[0],
                            .unsafe_no_sandbox = o->unsafe_no_sandbox,
                            .uid_first = o->sandbox_uid_first,
                            .uid_count = o->sandbox_uid_count};
    int rc = rt_sandbox_init(&so, err, errlen);
    if (rc == -1) {
        a->exit_code = 2;
        return -1;
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
        log_msg(LOG_WARN,
                "sandbox: OFF (--unsafe-no-sandbox): functions of every environment run unboxed, as "
                "kiln's uid, able to read kiln's data dir",
                NULL);
    } else {
        log_msg(LOG_WARN,
                "sandbox: UNAVAILABLE: development apps run unboxed; staging and production apps are "
                "refused (start with --unsafe-no-sandbox to run them anyway)",
                "missing", st->missing, NULL);
    }
    int ns = st->on && st->netns;
    if (want_ns && !ns) {
        log_msg(LOG_ERROR, "--egress-mode namespace is not available here", "reason",
                !path[0] ? (why ? why : "no Unix socket")
                : st->on ? "unavailable"
                         : "the sandbox is not on",
                NULL);
        snprintf(err, errlen, "--egress-mode namespace needs the sandbox");
        a->exit_code = 2;
        return -1;
    }
    if (ns)
        log_msg(LOG_INFO, "egress: namespace", "namespace", "network (the sandbox's)", "socket", path, NULL);
    else
        log_msg(LOG_INFO, "egress: in-process", "reason",
                strcmp(mode, "in-process") == 0 ? "--egress-mode in-process"
                : !path[0]                      ? (why ? why : "no Unix socket")
                                                : "the sandbox is not on",
                NULL);
    return 0;
}

static int start_ledger(app_t *a, char *err, size_t errlen)
{
    long d = a->o->ledger_retention_days;
    return ledger_start(a->o->data_dir, a->http.public_url, !a->o->ledger_off,
                        d < 0 ? LEDGER_RETENTION_DAYS_DEFAULT : (unsigned)d, err, errlen);
}
static void stop_ledger(app_t *a)
{
    (void)a;
    ledger_stop();
}

static int start_fnlog(app_t *a, char *err, size_t errlen)
{
    return fnlog_start(a->o->data_dir, err, errlen);
}
/* after the runtime and the leak scan: their last lines are written too */
static void stop_fnlog(app_t *a)
{
    (void)a;
    fnlog_stop();
}

static int start_leak_scan(app_t *a, char *err, size_t errlen)
{
    const serve_opts_t *o = a->o;
    leak_set_mode(o->leak_mode ? (enum leak_mode)(o->leak_mode - 1) : LEAK_DEVELOPMENT);
    if (leak_reload(a->store, err, errlen) != 0) {
        log_msg(LOG_WARN, "leak detection unavailable", "error", err, NULL);
        leak_set_mode(LEAK_OFF);
    }
    static const char *const modes[] = {"off", "development environments", "every environment"};
    log_msg(LOG_INFO, "data-flow ledger and leak detection", "ledger", o->ledger_off ? "off" : "on", "leak_scan",
            modes[leak_mode()], NULL);
    return 0;
}
static void stop_leak_scan(app_t *a)
{
    (void)a;
    leak_unload();
}

/* PostgreSQL, at start (after the delivery engine, which learns whether this process is the
 * data dir's only one): what a killed fetch left in DATA/snapshots goes (every one older
 * than this process when it is alone on the data dir, else those not written for a while;
 * a fetch of this process's may be under way already); versions
 * deployed before the database kept snapshots get their chunks from this node's files
 * (platform/snapshot_db.h). Neither is fatal: logged. */
static int start_snapshots(app_t *a, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (!snapshot_db_kept(a->store))
        return 0;
    char n1[24], n2[24];
    int64_t before = deliver_lease_data_dir_alone() ? a->started_ms : clock_now_ms() - SNAPSHOT_FETCH_STALE_MS;
    size_t gone = snapshot_db_clean(a->o->data_dir, before), written, absent;
    if (gone) {
        snprintf(n1, sizeof n1, "%zu", gone);
        log_msg(LOG_INFO, "snapshots: temporaries of interrupted fetches removed", "count", n1, NULL);
    }
    int rc = snapshot_db_backfill(store_admin(a->store), a->o->data_dir, &written, &absent);
    if (written || rc != 0) {
        snprintf(n1, sizeof n1, "%zu", written);
        snprintf(n2, sizeof n2, "%zu", absent);
        log_msg(rc ? LOG_WARN : LOG_INFO, "snapshots: older versions' snapshots copied into the database", "count", n1,
                "not_here", n2, NULL);
    }
    return 0;
}

/* Not fatal: without it kiln serves everything but functions (they answer 500). */
static int start_runtime(app_t *a, char *err, size_t errlen)
{
    proxycall_ctx_t *ctx = proxycall_runtime_ctx(a->o->data_dir, a->http.public_url, a->pc.proxy_rate, err, errlen);
    rt_set_metrics_sink(appmetrics_record); /* apps' @forge/metrics, shown in /metrics */
    if (snapshot_db_kept(a->store))         /* PostgreSQL: a version deployed on another node comes from the database */
        rt_set_snapshot_source(snapshot_db_fetch);
    if (!ctx || rt_start(a->o->data_dir, a->proxy_url, proxycall_fetch, ctx, err, errlen) != 0)
        log_msg(LOG_WARN, "function runtime unavailable: every invocation will answer 503 naming this", "error", err,
                NULL);
    return 0;
}
static void stop_runtime(app_t *a)
{
    (void)a;
    rt_stop();
}

/* The delivery engine: interrupted attempts due again, product events' commits kick it. */
static int start_deliver(app_t *a, char *err, size_t errlen)
{
    if (deliver_start(a->store) == 0)
        return 0;
    snprintf(err, errlen, "the deliveries cannot be recovered");
    return -1;
}

/* Started in this order; those started are stopped in the reverse order, each once. */
static const struct service {
    const char *name;
    int (*start)(app_t *a, char *err, size_t errlen);
    void (*stop)(app_t *a);
} services[] = {
    {"data dir", start_datadir, stop_datadir},
    {"store", start_store, stop_store},
    {"change listener", start_listener, stop_listener},
    {"admin token", start_admin_token, NULL},
    {"key store", start_keys, NULL},
    {"invocation token signing key", start_signkeys, NULL},
    {"routes", start_routes, NULL},
    {"outbound HTTP client", start_outbound, stop_outbound},
    {"app storage writer", start_kvs_writer, stop_kvs_writer},
    {"store threads", start_store_threads, stop_store_threads},
    {"workers' socket", start_workers_socket, stop_workers_socket},
    {"periodic work", start_ticks, NULL},
    {"HTTP listeners", start_http, stop_http},
    {"audit log", start_audit, stop_audit},
    {"sandbox", start_sandbox, NULL},
    {"data-flow ledger", start_ledger, stop_ledger},
    {"function logs", start_fnlog, stop_fnlog},
    {"leak detection", start_leak_scan, stop_leak_scan},
    {"function runtime", start_runtime, stop_runtime},
    {"delivery engine", start_deliver, NULL},
    {"deploy snapshots", start_snapshots, NULL},
};

int app_serve(const serve_opts_t *o)
{
    static app_t a;
    a = (app_t){.o = o, .unix_fd = -1, .exit_code = 1, .lock_fd = -1, .started_ms = clock_now_ms()};
    char err[512] = "";
    size_t started = 0;
    int rc = 0;
    for (; started < sizeof services / sizeof *services; started++) {
        err[0] = '\0';
        if (services[started].start(&a, err, sizeof err) != 0) {
            log_msg(LOG_ERROR, services[started].name, "error", err[0] ? err : "cannot start", NULL);
            rc = a.exit_code;
            break;
        }
    }
    if (rc == 0) {
        running = &a;
        struct sigaction sa = {.sa_handler = on_signal};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        if (http_run(&a.http, err, sizeof err) != 0) {
            log_msg(LOG_ERROR, "not serving", "reason", err, NULL);
            rc = 1;
        }
    }
    while (started-- > 0)
        if (services[started].stop)
            services[started].stop(&a);
    if (a.unix_fd >= 0) /* opened, never handed to http */
        close(a.unix_fd);
    if (rc == 0)
        log_msg(LOG_INFO, "stopped", NULL);
    return rc;
}
