/* completion: the one way work done on another thread is answered on the thread that
 * asked for it. Invocations (runtime/supervisor.h), outbound HTTP calls and remote calls
 * (platform/outbound.h, platform/remote.h) and app storage writes (platform/kvs_writer.h)
 * embed a completion_t as their first member:
 *
 *   asking thread: c->receiver = its receiver; c->done = fn; c->owner = who waits; submit
 *   working thread: ...; completion_send(c)
 *   asking thread's loop: completion_on_messages -> c->done(c)
 *
 * Every thread with an h2o event loop registers one receiver with completion_on_messages
 * (the HTTP threads do: http/server.h, http_thread_t.completions). A work item whose
 * receiver is NULL is answered at once on the working thread (for askers without a loop:
 * a CLI command, a test, a synchronous call), and its done must only hand the result on.
 *
 * owner belongs to the asking thread throughout: a request that goes away sets it to NULL
 * (http/request.h, kreq.waiting) and done then drops the answer, still freeing the item. */
#ifndef KILN_COMPLETION_H
#define KILN_COMPLETION_H

#include <h2o.h>

typedef struct completion completion_t;
typedef void (*completion_fn)(completion_t *c);

struct completion {
    h2o_multithread_message_t msg;        /* first: what the receiving thread gets */
    h2o_multithread_receiver_t *receiver; /* where done runs; NULL: on the working thread */
    completion_fn done;                   /* called once, with the item (c is its first member) */
    void *owner;                          /* who waits: NULL once it went away */
};

/* Hands c back to its asker (working thread): through its receiver, or done at once when
 * it has none. c belongs to the asker from here on. */
void completion_send(completion_t *c);
/* The receiver callback of a thread with an h2o loop: runs done for each message. */
void completion_on_messages(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);

#endif
