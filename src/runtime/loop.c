/* The runtime thread (runtime/supervisor.h): one poll loop over the workers it drives, its
 * wake-up eventfd and the deadlines; starting and stopping the runtime. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "runtime/rt_int.h"
#include "runtime/sandbox.h"

rt_state_t RT = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake_fd = -1};

static void *rt_main(void *arg)
{
    (void)arg;
    struct pollfd pfd[1 + RT_WORKERS_MAX * 4];
    worker_t *owner[1 + RT_WORKERS_MAX * 4];
    for (;;) {
        pthread_mutex_lock(&RT.mu);
        int stopping = RT.stopping;
        pthread_mutex_unlock(&RT.mu);
        if (stopping)
            break;
        rt_take_over();
        if (RT.nzombies)
            rt_reap_zombies();
        rt_schedule();
        int64_t now = clock_now_ms(), next = rt_release_and_watch(now, now + 1000);
        unsigned n = 0;
        pfd[n] = (struct pollfd){.fd = RT.wake_fd, .events = POLLIN};
        owner[n++] = NULL;
        for (unsigned i = 0; i < RT.nworkers; i++) {
            worker_t *w = RT.workers[i];
            pthread_mutex_lock(&RT.mu);
            int mine = w->state == W_OWNED;
            pthread_mutex_unlock(&RT.mu);
            if (!mine)
                continue; /* released or lent: HTTP threads' */
            pfd[n] = (struct pollfd){.fd = w->from_fd, .events = POLLIN};
            owner[n++] = w;
            pfd[n] = (struct pollfd){.fd = w->out_fd, .events = POLLIN};
            owner[n++] = w;
            pfd[n] = (struct pollfd){.fd = w->err_fd, .events = POLLIN};
            owner[n++] = w;
            if (w->woff < w->wbuf.len) {
                pfd[n] = (struct pollfd){.fd = w->to_fd, .events = POLLOUT};
                owner[n++] = w;
            }
            if (w->job && w->job->deadline_ms < next)
                next = w->job->deadline_ms;
        }
        for (qnode_t *q = RT.waiting; q; q = q->next)
            if (q->job->deadline_ms < next)
                next = q->job->deadline_ms;
        int timeout = next > now ? (int)(next - now) : 0;
        if (poll(pfd, n, timeout) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents & POLLIN) {
            uint64_t v;
            if (read(RT.wake_fd, &v, sizeof v) < 0) {
                /* nothing pending */
            }
        }
        for (unsigned i = 1; i < n; i++) {
            worker_t *w = owner[i];
            int alive = 0;
            for (unsigned j = 0; j < RT.nworkers; j++)
                alive |= RT.workers[j] == w;
            if (!alive || !pfd[i].revents)
                continue;
            pthread_mutex_lock(&RT.mu);
            int mine = w->state == W_OWNED; /* it polled while owned; nobody else took it since */
            pthread_mutex_unlock(&RT.mu);
            if (!mine)
                continue;
            int rc = 0;
            if (pfd[i].fd == w->from_fd)
                rc = rt_drain(w, w->from_fd, &w->in, rt_worker_frame);
            else if (pfd[i].fd == w->out_fd)
                rc = rt_drain(w, w->out_fd, &w->out, rt_out_line);
            else if (pfd[i].fd == w->err_fd)
                rc = rt_drain(w, w->err_fd, &w->err, rt_err_line);
            else if (pfd[i].fd == w->to_fd) {
                ssize_t k = write(w->to_fd, w->wbuf.ptr + w->woff, w->wbuf.len - w->woff);
                if (k > 0)
                    w->woff += (size_t)k;
                else if (k < 0 && errno != EAGAIN && errno != EINTR)
                    rc = -1;
            }
            if (rc == -3)
                continue;
            if (rc < 0)
                rt_worker_kill(w, RT_CRASH,
                               rt_exit_reason(w, rc == -2 ? "the function's output is too large"
                                                          : "the function's process exited"));
        }
        /* deadlines and idle workers */
        now = clock_now_ms();
        for (unsigned i = 0; i < RT.nworkers;) {
            worker_t *w = RT.workers[i];
            pthread_mutex_lock(&RT.mu);
            int mine = w->state == W_OWNED;
            pthread_mutex_unlock(&RT.mu);
            if (!mine) {
                i++;
                continue;
            }
            if (w->job && now > w->job->deadline_ms) {
                rt_worker_kill(w, RT_TIMEOUT, "the function did not answer within its time limit");
                continue;
            }
            if (!w->job && w->ready && (now - w->idle_since_ms > RT_IDLE_MS || now - w->born_ms > RT_MAX_AGE_MS)) {
                rt_worker_kill(w, RT_CRASH, "idle");
                continue;
            }
            i++;
        }
    }
    /* stop: unpacks finish (they write into this thread's list), every job still here
     * ends, workers go */
    rt_unpacks_join();
    /* stop: every job still here ends; workers go */
    while (RT.nworkers)
        rt_worker_kill(RT.workers[0], RT_CRASH, "kiln is shutting down");
    pthread_mutex_lock(&RT.mu);
    qnode_t *q = RT.head;
    RT.head = RT.tail = NULL;
    pthread_mutex_unlock(&RT.mu);
    for (qnode_t *l = RT.waiting; l;) {
        qnode_t *nx = l->next;
        rt_finish(l->job, RT_CRASH, rt_error_json("Error", "kiln is shutting down"));
        free(l);
        l = nx;
    }
    RT.waiting = NULL;
    for (unsigned i = 0; i < RT.npools; i++) {
        pthread_mutex_lock(&RT.mu);
        qnode_t *b = RT.pools[i].backlog;
        RT.pools[i].backlog = NULL;
        pthread_mutex_unlock(&RT.mu);
        while (b) {
            qnode_t *nx = b->next;
            rt_finish(b->job, RT_CRASH, rt_error_json("Error", "kiln is shutting down"));
            free(b);
            b = nx;
        }
    }
    while (q) {
        qnode_t *nx = q->next;
        rt_finish(q->job, RT_CRASH, rt_error_json("Error", "kiln is shutting down"));
        free(q);
        q = nx;
    }
    return NULL;
}

static int rm_old(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* runtime/node (the directory of worker.js): $KILN_RUNTIME_DIR, else found above the
 * binary's directory. 0 or -1. */
static int find_runtime_dir(char *out, size_t outlen)
{
    const char *env = getenv("KILN_RUNTIME_DIR");
    char path[PATH_MAX + 32];
    if (env) {
        snprintf(path, sizeof path, "%s/worker.js", env);
        return access(path, R_OK) == 0 && realpath(env, out) && strlen(out) < outlen ? 0 : -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    for (char *slash = strrchr(exe, '/'); slash; slash = strrchr(exe, '/')) {
        *slash = '\0';
        snprintf(path, sizeof path, "%s/runtime/node/worker.js", exe);
        if (access(path, R_OK) == 0) {
            snprintf(path, sizeof path, "%s/runtime/node", exe);
            return realpath(path, out) && strlen(out) < outlen ? 0 : -1;
        }
    }
    return -1;
}

int rt_sandbox_init(const rt_sandbox_opts_t *o, char *err, size_t errlen)
{
    char rtdir[PATH_MAX], data[PATH_MAX];
    if (find_runtime_dir(rtdir, sizeof rtdir) != 0) {
        snprintf(err, errlen, "runtime/node/worker.js not found (set KILN_RUNTIME_DIR)");
        return -2;
    }
    if (!realpath(o->data_dir, data)) {
        snprintf(err, errlen, "the data dir has no absolute path");
        return -1;
    }
    sandbox_config_t cfg = {.data_dir = data,
                            .runtime_dir = rtdir,
                            .node = getenv("KILN_NODE") ? getenv("KILN_NODE") : "node",
                            .proxy_socket = o->proxy_socket,
                            .share_net = o->share_net,
                            .unsafe_off = o->unsafe_no_sandbox,
                            .uid_first = o->uid_first,
                            .uid_count = o->uid_count};
    return sandbox_init(&cfg, err, errlen);
}

int rt_start(const char *data_dir, const char *proxy_url, rt_fetch_fn fetch, void *runtime_ctx, char *err,
             size_t errlen)
{
    if (!sandbox_node()) {
        snprintf(err, errlen, "runtime/node/worker.js not found (set KILN_RUNTIME_DIR)");
        return -1;
    }
    RT.node = xstrdup(sandbox_node());
    RT.data_dir = xstrdup(data_dir);
    /* DATA/run: where kiln before the sandbox unpacked versions, private to kiln's uid so a
     * sandboxed worker could not read them; DATA/unpacked replaces it */
    char old[PATH_MAX + 8];
    snprintf(old, sizeof old, "%s/run", data_dir);
    if (access(old, F_OK) == 0)
        nftw(old, rm_old, 16, FTW_DEPTH | FTW_PHYS);
    RT.proxy_url = xstrdup(proxy_url);
    RT.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    RT.fetch = fetch;
    RT.fetch_ctx = runtime_ctx;
    RT.running = 1;
    signal(SIGCHLD, SIG_DFL);
    if (pthread_create(&RT.tid, NULL, rt_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the runtime thread");
        RT.running = 0;
        return -1;
    }
    return 0;
}

void rt_stop(void)
{
    if (!RT.running)
        return;
    pthread_mutex_lock(&RT.mu);
    RT.stopping = 1;
    pthread_mutex_unlock(&RT.mu);
    uint64_t one = 1;
    if (write(RT.wake_fd, &one, sizeof one) < 0) {
        /* awake anyway */
    }
    pthread_join(RT.tid, NULL);
    RT.running = 0;
    /* the kernel tears the last boxes down in a moment: their cgroups go, then kiln's */
    for (int i = 0; RT.nzombies && i < 50; i++) {
        rt_reap_zombies();
        if (RT.nzombies)
            usleep(20000);
    }
    sandbox_shutdown();
}
