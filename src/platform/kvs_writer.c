#include "platform/kvs_writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "store/store.h"

#define JOB_ARENA_CAP (64u * 1024 * 1024)

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t tid;
    int running, stopping;
    kvs_job_t *head, *tail;
    unsigned queued;
    store_t *st;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static const char *const write_ops[] = {"set",        "delete",        "batch/set",  "batch/delete", "transaction",
                                        "secret/set", "secret/delete", "entity/set", "entity/delete"};

int kvs_op_writes(const char *op)
{
    for (size_t i = 0; i < sizeof write_ops / sizeof *write_ops; i++)
        if (strcmp(op, write_ops[i]) == 0)
            return 1;
    return 0;
}

kvs_job_t *kvs_job_new(const kvs_ctx_t *ctx, const char *op, const char *body, size_t len)
{
    if (strlen(op) >= sizeof((kvs_job_t *)0)->op ||
        strlen(ctx->installation_id) >= sizeof((kvs_job_t *)0)->installation_id)
        return NULL;
    kvs_job_t *j = xcalloc(1, sizeof *j);
    j->ctx = *ctx;
    snprintf(j->installation_id, sizeof j->installation_id, "%s", ctx->installation_id);
    snprintf(j->op, sizeof j->op, "%s", op);
    j->ctx.installation_id = j->installation_id;
    j->scopes = xstrdup(ctx->scopes ? ctx->scopes : "");
    j->ctx.scopes = j->scopes;
    j->ctx.entities_json = NULL; /* looked up by the writer from the installation */
    j->body = xmalloc(len + 1);
    if (len)
        memcpy(j->body, body, len);
    j->body[len] = '\0';
    j->len = len;
    return j;
}

void kvs_job_free(kvs_job_t *j)
{
    if (!j)
        return;
    arena_free(j->arena);
    free(j->scopes);
    free(j->body);
    free(j);
}

int kvs_writer_submit(kvs_job_t *j)
{
    pthread_mutex_lock(&W.mu);
    if (!W.running || W.stopping || W.queued >= KVS_WRITER_QUEUE_MAX) {
        pthread_mutex_unlock(&W.mu);
        return -1;
    }
    j->next = NULL;
    if (W.tail)
        W.tail->next = j;
    else
        W.head = j;
    W.tail = j;
    W.queued++;
    pthread_cond_signal(&W.cv);
    pthread_mutex_unlock(&W.mu);
    return 0;
}

/* Every job of a group that did not commit: 500; 503 when the store was away (the
 * writer's own thread noted it: the HTTP thread's count never moves for it), saying so
 * when the COMMIT was lost on its way (indoubt: the writes may have landed, store.h). */
static void fail_all(kvs_job_t *list, int rc, int indoubt)
{
    static const char body[] =
        "{\"code\":\"INTERNAL_SERVER_ERROR\",\"message\":\"An internal server error has occurred\"}";
    kvs_reply_t r = {.status = 500, .body = body, .len = sizeof body - 1};
    if (indoubt || rc == STORE_UNAVAILABLE)
        kvs_reply_away(&r, indoubt ? 2 : 1);
    for (kvs_job_t *j = list; j; j = j->next)
        j->reply = r;
}

/* One group: every job in one transaction, one commit, then the answers. */
static void run_group(kvs_job_t *list)
{
    uint64_t doubt0 = store_indoubt_count();
    int rc = store_begin(W.st);
    for (kvs_job_t *j = list; j && rc == STORE_OK; j = j->next) {
        j->arena = arena_new(JOB_ARENA_CAP);
        j->ctx.grouped = 1;
        j->ctx.now_ms = clock_now_ms();
        /* each job as the site its request was bound to (gateway_bind_site filled ctx):
         * a group mixes sites, row-level security holds each job to its own */
        store_bind_site(W.st, j->ctx.site_id);
        kvs_call(W.st, j->arena, &j->ctx, j->op, j->body, j->len, &j->reply);
    }
    if (rc == STORE_OK)
        rc = store_commit(W.st); /* durable here: only now may anyone be answered */
    if (rc != STORE_OK) {
        store_rollback(W.st);
        log_msg(LOG_ERROR, "kvs writer: a group of writes failed to commit", NULL);
        fail_all(list, rc, store_indoubt_count() != doubt0);
    }
    while (list) {
        kvs_job_t *next = list->next;
        completion_send(&list->c);
        list = next;
    }
}

/* TTL: expired values are never returned; this removes them (docs/kvs.md). It runs here,
 * not on an HTTP thread, so that no HTTP thread ever waits for the write lock the writer
 * holds. */
static void sweep(int64_t *next)
{
    int64_t now = clock_now_ms();
    if (now < *next)
        return;
    kvs_expire(store_admin(W.st), now, KVS_EXPIRE_BATCH); /* every site's: the admin path (store.h) */
    *next = clock_now_ms() + KVS_EXPIRE_EVERY_MS;
}

static void *writer_main(void *arg)
{
    (void)arg;
    int64_t next_sweep = 0;
    for (;;) {
        pthread_mutex_lock(&W.mu);
        while (!W.head && !W.stopping) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += KVS_EXPIRE_EVERY_MS / 1000;
            if (pthread_cond_timedwait(&W.cv, &W.mu, &until) != 0)
                break; /* timed out: time to sweep */
        }
        if (!W.head) {
            int stop = W.stopping;
            pthread_mutex_unlock(&W.mu);
            if (stop)
                break;
            sweep(&next_sweep);
            continue;
        }
        kvs_job_t *list = W.head, *last = list;
        unsigned n = 1;
        while (last->next && n < KVS_WRITER_GROUP_MAX) {
            last = last->next;
            n++;
        }
        W.head = last->next;
        if (!W.head)
            W.tail = NULL;
        last->next = NULL;
        W.queued -= n;
        pthread_mutex_unlock(&W.mu);
        run_group(list);
        sweep(&next_sweep);
        store_idle(W.st);
    }
    arena_thread_exit();
    return NULL;
}

int kvs_writer_start(const char *data_dir, char *err, size_t errlen)
{
    W.st = store_open(data_dir, err, errlen);
    if (!W.st)
        return -1;
    W.stopping = 0;
    if (pthread_create(&W.tid, NULL, writer_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the app storage writer thread");
        store_close(W.st);
        W.st = NULL;
        return -1;
    }
    pthread_mutex_lock(&W.mu);
    W.running = 1;
    pthread_mutex_unlock(&W.mu);
    return 0;
}

int kvs_writer_running(void)
{
    pthread_mutex_lock(&W.mu);
    int r = W.running && !W.stopping;
    pthread_mutex_unlock(&W.mu);
    return r;
}

void kvs_writer_stop(void)
{
    pthread_mutex_lock(&W.mu);
    int was = W.running;
    W.stopping = 1;
    pthread_cond_broadcast(&W.cv);
    pthread_mutex_unlock(&W.mu);
    if (!was)
        return;
    pthread_join(W.tid, NULL);
    store_close(W.st);
    W.st = NULL;
    W.running = 0;
}
