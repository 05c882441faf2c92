/* Workers: a Node.js process running runtime/node/worker.js in its sandbox, its pipes
 * (fd 3 frames in, fd 4 frames out, stdout and stderr), starting an invocation on it,
 * reading what it writes, and killing it. Whoever drives the worker calls these: the
 * runtime thread (runtime/loop.c) or the HTTP thread it is lent to (runtime/lend.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "runtime/rt_int.h"

#define RT_PIPE_BYTES (1024 * 1024) /* pipe capacity asked for (F_SETPIPE_SZ) */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void worker_free(worker_t *w)
{
    close_fd(&w->to_fd);
    close_fd(&w->from_fd);
    close_fd(&w->out_fd);
    close_fd(&w->err_fd);
    buf_free(&w->in);
    buf_free(&w->out);
    buf_free(&w->err);
    buf_free(&w->wbuf);
    free(w);
}

/* Removes the cgroups of dead workers that the kernel has finished tearing down. */
void rt_reap_zombies(void)
{
    for (unsigned i = 0; i < RT.nzombies;)
        if (sandbox_release(&RT.zombies[i]) == 0)
            RT.zombies[i] = RT.zombies[--RT.nzombies];
        else
            i++;
}

/* Why a worker's process ended, for its invocation's error: out of memory (the box's
 * cgroup saw an OOM kill, or V8 said so), else `other`. */
const char *rt_exit_reason(worker_t *w, const char *other)
{
    int oom = sandbox_oom_killed(&w->box);
    size_t li;
    json_t *l;
    if (!oom && w->job)
        json_array_foreach(w->job->logs, li, l) oom |=
            json_str(l, "message") && strstr(json_str(l, "message"), "heap out of memory") != NULL;
    return oom ? "the function ran out of memory" : other;
}

/* Kills a worker and forgets it; its job (if any) ends with `st`. */
void rt_worker_kill(worker_t *w, enum rt_status st, const char *why)
{
    if (w->pid > 0) {
        kill(w->pid, SIGKILL); /* bwrap: its death ends every process of the box */
        waitpid(w->pid, NULL, 0);
    }
    if (sandbox_release(&w->box) != 0) {
        if (RT.nzombies < RT_ZOMBIES_MAX)
            RT.zombies[RT.nzombies++] = w->box;
        else
            log_msg(LOG_WARN, "runtime: a dead worker's cgroup stays behind", NULL);
    }
    if (w->job) {
        rt_finish(w->job, st, rt_error_json(st == RT_TIMEOUT ? "TimeoutError" : "WorkerError", why));
        w->job = NULL;
    }
    pool_t *p = w->pool;
    pthread_mutex_lock(&RT.mu); /* HTTP threads look for released workers in these */
    for (unsigned i = 0; i < p->n; i++)
        if (p->workers[i] == w) {
            p->workers[i] = p->workers[--p->n];
            break;
        }
    for (unsigned i = 0; i < RT.nworkers; i++)
        if (RT.workers[i] == w) {
            RT.workers[i] = RT.workers[--RT.nworkers];
            break;
        }
    pthread_mutex_unlock(&RT.mu);
    worker_free(w);
}

static int set_nonblock(int fd)
{
    return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

worker_t *rt_worker_spawn(pool_t *p, char *err, size_t errlen)
{
    int to[2] = {-1, -1}, from[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(er, O_CLOEXEC)) {
        snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    char mem[64], worker_js[PATH_MAX + 16];
    sandbox_view_t view;
    sandbox_view(p->dir, &view);
    snprintf(mem, sizeof mem, "--max-old-space-size=%u", p->memory_mb);
    snprintf(worker_js, sizeof worker_js, "%s/worker.js", view.runtime_dir);
    char *argv[] = {RT.node, mem, worker_js, NULL};
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production", "NODE_NO_WARNINGS=1", "HOME=/tmp",
                    NULL};
    int fds[5] = {-1, out[1], er[1], to[0], from[1]};
    sandbox_spawn_t spec = {.app_dir = p->dir,
                            .slot = (unsigned)(p - RT.pools),
                            .id = ++RT.next_worker_id,
                            .memory_mb = p->memory_mb,
                            .argv = argv,
                            .envp = envp,
                            .fds = fds,
                            .nfds = 5};
    sandbox_proc_t box;
    char why[256];
    if (sandbox_spawn(&spec, &box, why, sizeof why) != 0) {
        snprintf(err, errlen, "cannot start the worker: %s", why);
        goto fail;
    }
    pid_t pid = box.pid;
    close(to[0]);
    close(from[1]);
    close(out[1]);
    close(er[1]);
    worker_t *w = xcalloc(1, sizeof *w);
    w->pid = pid;
    w->box = box;
    w->born_ms = clock_now_ms();
    w->to_fd = to[1];
    w->from_fd = from[0];
    w->out_fd = out[0];
    w->err_fd = er[0];
    w->pool = p;
    buf_init(&w->in, RT_MAX_FRAME + 65536); /* a whole read can land on top of a frame just under the cap */
    buf_init(&w->out, 65536);
    buf_init(&w->err, 65536);
    buf_init(&w->wbuf, RT_MAX_FRAME + RT_MAX_RESPONSE_FRAME);
    set_nonblock(w->to_fd);
    set_nonblock(w->from_fd);
    set_nonblock(w->out_fd);
    set_nonblock(w->err_fd);
    /* room for big frames and bursts of raw output: a lent worker's stdout and stderr
     * are read only when its invocation ends (best effort: the default stays otherwise) */
    (void)fcntl(w->to_fd, F_SETPIPE_SZ, RT_PIPE_BYTES);
    (void)fcntl(w->out_fd, F_SETPIPE_SZ, RT_PIPE_BYTES);
    (void)fcntl(w->err_fd, F_SETPIPE_SZ, RT_PIPE_BYTES);
    w->state = W_OWNED;
    pthread_mutex_lock(&RT.mu);
    p->workers[p->n++] = w;
    RT.workers[RT.nworkers++] = w;
    pthread_mutex_unlock(&RT.mu);
    return w;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&to[i]);
        close_fd(&from[i]);
        close_fd(&out[i]);
        close_fd(&er[i]);
    }
    return NULL;
}

/* Writes what the pipe takes now of the frames waiting for the worker; the poll loop
 * writes the rest when fd 3 is writable. */
void rt_worker_flush(worker_t *w)
{
    while (w->woff < w->wbuf.len) {
        ssize_t k = write(w->to_fd, w->wbuf.ptr + w->woff, w->wbuf.len - w->woff);
        if (k <= 0)
            return; /* EAGAIN: later; an error: the worker's exit is seen on fd 4 */
        w->woff += (size_t)k;
    }
}

void rt_worker_start_job(worker_t *w, rt_job_t *job)
{
    job->started_ms = clock_now_ms();
    if (invocation_begin(&job->inv, job->token) != 0) {
        job->token[0] = '\0';
        rt_finish(job, RT_OVERLOAD, rt_error_json("Error", "too many invocations at once"));
        return;
    }
    char bundle[PATH_MAX * 2];
    sandbox_view_t view;
    sandbox_view(w->pool->dir, &view);
    snprintf(bundle, sizeof bundle, "%s/.kiln/functions/%s.cjs", view.app_dir, job->file);
    if (w->woff == w->wbuf.len) {
        buf_reset(&w->wbuf);
        w->woff = 0;
    }
    size_t start = w->wbuf.len; /* an answer to a late call of the last invocation may be ahead */
    jsonw_t jw;
    jw_init(&jw, &w->wbuf);
    jw_obj(&jw);
    jw_kstr(&jw, "type", "invoke");
    jw_kstr(&jw, "id", job->inv.id);
    jw_kstr(&jw, "bundle", bundle);
    jw_kstr(&jw, "export", job->export_name);
    if (job->legacy_api)
        jw_kbool(&jw, "legacyApi", 1);
    jw_key(&jw, "payload");
    jw_raw(&jw, job->payload_json, strlen(job->payload_json));
    jw_key(&jw, "context");
    jw_raw(&jw, job->context_json, strlen(job->context_json));
    jw_key(&jw, "runtime");
    jw_obj(&jw);
    jw_key(&jw, "appContext");
    jw_raw(&jw, job->app_context_json, strlen(job->app_context_json));
    jw_key(&jw, "proxy");
    jw_obj(&jw);
    jw_kstr(&jw, "url", RT.proxy_url);
    jw_kstr(&jw, "token", job->token);
    jw_kbool(&jw, "pipe", 1); /* __forge_fetch__ may carry calls on fd 4 (rt_fetch_fn) */
    if (view.proxy_socket)
        jw_kstr(&jw, "socket", view.proxy_socket); /* HTTP to kiln goes over this Unix socket */
    jw_obj_end(&jw);
    jw_key(&jw, "contextAri");
    JW_STRCAT(&jw, "ari:cloud:jira::site/", job->inv.cloud_id);
    jw_kint(&jw, "deadline", job->deadline_ms);
    unsigned char trace[24]; /* b3 ids: 16 bytes of trace, 8 of span (cheaper here than in the worker) */
    char trace_hex[2 * sizeof trace + 1];
    enc_random(trace, sizeof trace);
    enc_hex(trace_hex, trace, sizeof trace);
    jw_key(&jw, "tracing");
    jw_obj(&jw);
    jw_key(&jw, "traceId");
    jw_strn(&jw, trace_hex, 32);
    jw_key(&jw, "spanId");
    jw_strn(&jw, trace_hex + 32, 16);
    jw_obj_end(&jw);
    jw_obj_end(&jw);
    jw_key(&jw, "env");
    jw_raw(&jw, job->env_json ? job->env_json : "{}", strlen(job->env_json ? job->env_json : "{}"));
    jw_obj_end(&jw);
    if (jw.err || buf_add(&w->wbuf, "\n", 1) != 0) {
        w->wbuf.len = start;
        rt_finish(job, RT_ERROR, rt_error_json("Error", "the invocation is too large (payload over 5 MB)"));
        return;
    }
    w->job = job;
    rt_frame_started(w, job);
    if (rt_home)
        COUNT(on_http_thread);
    else
        COUNT(on_runtime_thread);
    rt_worker_flush(w);
}

/* Handles the complete lines in b (they are consumed). -1 when the worker was killed. */
int rt_lines(worker_t *w, buf_t *b, int (*on_line)(worker_t *, const char *, size_t))
{
    char *start = b->ptr, *nl;
    while (b->len && (nl = memchr(start, '\n', b->len - (size_t)(start - b->ptr)))) {
        if (on_line(w, start, (size_t)(nl - start)) < 0)
            return -1;
        start = nl + 1;
    }
    size_t rest = b->len - (size_t)(start - b->ptr);
    if (rest && start != b->ptr)
        memmove(b->ptr, start, rest);
    b->len = rest;
    return 0;
}

/* Reads what is available on fd; splits lines into `on_line`. -1 on EOF/error, -2 on a
 * line over the frame limit, -3 when the worker was killed while handling a line. */
int rt_drain(worker_t *w, int fd, buf_t *b, int (*on_line)(worker_t *, const char *, size_t))
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n == 0)
            return -1;
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        if (buf_add(b, chunk, (size_t)n) != 0)
            return -2; /* a line over the frame limit */
        if (rt_lines(w, b, on_line) < 0)
            return -3; /* the worker was killed while handling a line */
    }
}

/* Reads what fd has now; each complete line goes to on_line (job logs), a partial one is
 * kept in b. For stdout/stderr of a worker this thread drives. */
void rt_drain_now(worker_t *w, int fd, buf_t *b, int (*on_line)(worker_t *, const char *, size_t))
{
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        if (buf_add(b, chunk, (size_t)n) != 0) {
            buf_reset(b); /* a line over the limit: dropped */
            continue;
        }
        rt_lines(w, b, on_line);
    }
}

int rt_out_line(worker_t *w, const char *line, size_t len)
{
    char *s = strndup(line, len);
    if (w->job)
        rt_add_log(w->job, "info", s, clock_now_ms());
    free(s);
    return 0;
}

int rt_err_line(worker_t *w, const char *line, size_t len)
{
    char *s = strndup(line, len);
    if (w->job)
        rt_add_log(w->job, strstr(s, "heap out of memory") ? "fatal" : "error", s, clock_now_ms());
    else
        log_msg(LOG_DEBUG, "worker stderr", "line", s, NULL);
    free(s);
    return 0;
}
