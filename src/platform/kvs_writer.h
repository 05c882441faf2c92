/* Group commit for app storage writes. One writer thread with its own store handle takes
 * every queued write operation (set, delete, batches, transactions, secret and entity
 * writes), runs them in one write transaction, each in a savepoint of its own
 * (kvs_ctx_t.grouped), commits once (one fsync for the whole group) and only then hands
 * each answer back to the HTTP thread that submitted it, through h2o's message queue (the
 * runtime's receiver: the job embeds an rt_job_t). HTTP threads never wait: they submit
 * and return. Measured in bench/kvs.sh. The writer also removes expired values (every
 * KVS_EXPIRE_EVERY_MS), so that no HTTP thread takes the write lock for app storage.
 *
 * Ownership: a job is made by the submitting thread (kvs_job_new), lives on the heap,
 * goes to the writer and back, and is freed by the submitting thread in its done
 * callback (kvs_job_free). */
#ifndef KILN_KVS_WRITER_H
#define KILN_KVS_WRITER_H

#include <stddef.h>

#include "base/completion.h"
#include "platform/kvs.h"

#define KVS_WRITER_QUEUE_MAX 8192 /* jobs waiting; more answer 503 */
#define KVS_WRITER_GROUP_MAX 512  /* jobs in one transaction */
#define KVS_EXPIRE_EVERY_MS 1000  /* how often the writer removes expired values */
#define KVS_EXPIRE_BATCH 1000     /* at most this many per sweep (one short transaction) */

typedef struct kvs_job {
    completion_t c; /* first (base/completion.h): answered on c.receiver's thread; c.owner is
                       the request (cleared by the server if the client goes away) */
    kvs_ctx_t ctx;
    char installation_id[40];
    char op[32];
    char *scopes; /* heap copy of ctx.scopes */
    char *body;   /* heap copy of the request body */
    size_t len;
    arena_t *arena; /* the answer lives here */
    kvs_reply_t reply;
    struct kvs_job *next;
} kvs_job_t;

/* Starts the writer thread on its own handle of the data dir's store. */
int kvs_writer_start(const char *data_dir, char *err, size_t errlen);
/* Finishes the queued jobs and stops the thread (no-op if not started). */
void kvs_writer_stop(void);
int kvs_writer_running(void);

/* 1 if op writes (and so goes through the writer). */
int kvs_op_writes(const char *op);

/* A job for op with a copy of ctx (its strings copied) and of the body. */
kvs_job_t *kvs_job_new(const kvs_ctx_t *ctx, const char *op, const char *body, size_t len);
void kvs_job_free(kvs_job_t *job);
/* Queues it; the answer comes back through job->c. -1: the queue is full (the
 * job stays the caller's). */
int kvs_writer_submit(kvs_job_t *job);

#endif
