/* The delivery engine: runs the deliveries (store/store_deliveries.h) — every event kiln
 * owes an installation's module — durably, at least once, in order per installation and
 * key, fairly between installations, with Forge's retries and dead letters.
 *
 *   a cause (a product write's commit, a Queue.push, a scheduled slot, an install)
 *     -> rows in `deliveries` (in the cause's own transaction)
 *     -> deliver_kick(): the engine's thread (HTTP thread 0) runs a pass now
 *     -> a pass: product events of the sites behind their cursor are fanned out
 *        (platform/fanout.h), then due deliveries are started, round robin over the
 *        installations that have some, within the bounds below
 *     -> an attempt: store_delivery_start (RUNNING; a pass's starts and the verdicts of
 *        the attempts that ended before it in ONE transaction, committed without waiting
 *        for an fsync; an attempt runs once everything the pass saw is durable, a
 *        verdict is acknowledged once its own commit is: deliver.c, run_pass) -> the
 *        module's function (runtime/supervisor.h) or its remote endpoint
 *        (platform/remote.h)
 *     -> its verdict (the source's `judge`): DELIVERED; PENDING again after retryAfter or
 *        the backoff; DEAD when out of attempts (kept, listed, replayable)
 *
 * Nothing here blocks the thread: attempts are answered through its completions. A
 * RUNNING delivery found at start (kiln died mid-attempt) is made PENDING again
 * (deliver_recover): a delivery is acknowledged only by its DELIVERED write. With several
 * nodes, RUNNING rows are leased to their node and only expired ones are taken back
 * (platform/deliver_lease.h).
 *
 * Each source (enum delivery_source) is one row of the sources table (deliver_source_t,
 * one file per source: the product/lifecycle/app triggers in deliver_trigger.c, queue
 * consumers in deliver_queue.c, scheduled triggers in schedule.c) saying which module
 * type it runs, how many retries it gets, its time limit, what the handler receives and
 * how an answer is judged. */
#ifndef KILN_DELIVER_H
#define KILN_DELIVER_H

#include <jansson.h>
#include <stdint.h>

#include "http/server.h"
#include "runtime/supervisor.h"
#include "store/store_deliveries.h"
#include "store/store_installs.h"

#define DELIVER_INFLIGHT_MAX 64 /* attempts under way in all */
#define DELIVER_PER_INSTALLATION                                                                                       \
    8 /* ... of one installation (its other events wait): twice the runtime's RT_POOL_MAX, so each worker of its pool  \
         has its next event queued */
#define DELIVER_PER_APP 16      /* ... of one app, over all its installations */
#define DELIVER_BACKOFF_MS 1000 /* the first retry's delay when the handler names none; doubled each time */
#define DELIVER_BACKOFF_MAX_MS 600000
#define DELIVER_RETRY_AFTER_MAX_S 900  /* the most an InvocationError's retryAfter is honoured */
#define DELIVER_PASS_INSTALLATIONS 256 /* installations a pass looks at */

/* How an attempt ended, as its source judges it. Strings in the pass's arena. */
typedef struct deliver_verdict {
    int delivered;                              /* 1: accepted (DELIVERED) */
    int retry;                                  /* not delivered: 1 retry (if attempts remain), 0 dead now */
    int64_t retry_after_ms;                     /* > 0: the handler's own delay (InvocationError retryAfter) */
    const char *error;                          /* why it failed, for `kiln events` and `kiln logs` (no payload data) */
    const char *retry_reason, *retry_data_json; /* the handler's, passed on in retryContext */
} deliver_verdict_t;

/* One source: how its deliveries run. */
typedef struct deliver_source {
    const char *name;        /* "product", "lifecycle", "queue", "app", "schedule" */
    const char *module_type; /* manifest modules.<type>: "trigger", "consumer", "scheduledTrigger" */
    unsigned retries;        /* after the first attempt (Forge: 4 for events; 0 for schedules) */
    int64_t timeout_ms;      /* default time limit of an attempt */
    int64_t max_timeout_ms;  /* the most the function's timeoutSeconds may raise it to */
    /* The function module to run for `module` (the manifest's canonical JSON, borrowed),
     * and in *method the resolver method to call (a consumer's resolver.method), or NULL
     * with *endpoint set to the endpoint key when the module targets a remote. */
    json_t *(*target)(json_t *manifest, json_t *module, const char **method, const char **endpoint);
    /* The handler's first argument for this attempt (JSON text in `a`): the stored
     * payload with what differs per attempt (retryContext from attempt 2 on; a scheduled
     * trigger's contextToken). NULL: out of memory. */
    const char *(*event)(arena_t *a, const delivery_rec_t *d, json_t *module);
    /* Judges a finished attempt of a function (job->status, job->result). */
    void (*judge)(arena_t *a, const delivery_rec_t *d, const rt_job_t *job, deliver_verdict_t *v);
} deliver_source_t;

/* The row for a source (NULL: none registered: its deliveries stay PENDING). The table
 * is platform/deliver_sources.c; each source's row lives in its own file: */
const deliver_source_t *deliver_source(int source);
extern const deliver_source_t deliver_src_product, deliver_src_lifecycle, deliver_src_app; /* deliver_trigger.c */
extern const deliver_source_t deliver_src_queue;                                           /* deliver_queue.c */
extern const deliver_source_t deliver_src_schedule;                                        /* deliver_schedule.c */
extern const deliver_source_t deliver_src_preuninstall;                                    /* deliver_preuninstall.c */

/* What rows share (deliver_sources.c). A `target` for modules with `function` or
 * `endpoint`: the function module, or NULL with *endpoint set (*method always NULL). */
json_t *deliver_target_function(json_t *manifest, json_t *module, const char **method, const char **endpoint);
/* An `event` for runs with no event of their own (scheduled triggers, preUninstall): the
 * stored payload ({context: {cloudId, moduleKey}}) with this attempt's contextToken, an
 * opaque id of the run (Forge: "This value has no meaning to an app"). */
const char *deliver_context_event(arena_t *a, const delivery_rec_t *d, json_t *module);
/* How a function's attempt ended that returned no value, in words ("threw", "timed out",
 * ...), and the retryReason Forge gives it (FUNCTION_TIME_OUT, ...; NULL for RT_OK). */
const char *deliver_status_outcome(enum rt_status st);
const char *deliver_status_reason(enum rt_status st);
/* 1 if Forge retries an attempt that ended so (a platform level error: timed out,
 * crashed, not run); 0 for a handler that threw (only an InvocationError asks again). */
int deliver_status_retried(enum rt_status st);

/* A `trigger` module's attempts: Forge's 55 s default, up to 900 s with timeoutSeconds. */
#define DELIVER_TRIGGER_TIMEOUT_MS 55000
#define DELIVER_TRIGGER_MAX_TIMEOUT_MS 900000
#define DELIVER_EVENT_RETRIES 4     /* Forge's events: at most 4 retries after the first attempt */
#define DELIVER_LIFECYCLE_RETRIES 5 /* lifecycle events: 6 attempts, as kiln always gave them */

/* Registers the engine's thread (thread 0, from its init): kicks from any thread wake its
 * loop. */
void deliver_thread_init(http_thread_t *t);
/* From any thread, cheap and coalesced: there is new work (product events committed,
 * events pushed); the engine's thread runs a pass at once. */
void deliver_kick(void);
/* A pass (the engine's thread: each kick, and every turn as a safety net). */
void deliver_tick(http_thread_t *t);
/* Retention (thread 0's purge tick): final deliveries are kept DELIVER_KEEP_DAYS after
 * their last change, dead letters DELIVER_KEEP_DEAD_DAYS (time to look and replay), at
 * most DELIVER_PRUNE_MAX deleted a call so that no tick runs long. */
#define DELIVER_KEEP_DAYS 7
#define DELIVER_KEEP_DEAD_DAYS 30
#define DELIVER_PRUNE_MAX 5000
void deliver_prune(store_t *st, int64_t now_ms);

/* At start, before serving (platform/deliver_lease.c): RUNNING deliveries back to PENDING
 * — all of them with SQLite, those whose lease expired with a store shared by nodes. Needs
 * deliver_lease_init first. 0 or -1. */
int deliver_recover(store_t *st);
/* At start, before the HTTP threads run: the store's commit hook of product events
 * (store_on_events_committed) set to mark the site for fan-out and kick the engine,
 * deliver_lease_init (the node's id, logged; -1 on a bad KILN_DELIVERY_LEASE_MS), then
 * deliver_recover. 0 or -1. */
int deliver_start(store_t *st);
/* Thread 0 is stopping (kiln is shutting down; called on thread 0): no new attempts start;
 * the verdicts of attempts that ended are written now, those under way as they end (an
 * attempt cut short stays RUNNING and deliver_recover retries it). */
void deliver_thread_stopping(void);

/* The delay before retry number `attempts` (the attempts made so far, >= 1) when the
 * handler named none: DELIVER_BACKOFF_MS doubled per attempt, at most
 * DELIVER_BACKOFF_MAX_MS. */
int64_t deliver_backoff_ms(int64_t attempts);

/* How the engine decides a finished attempt of delivery `d` (d->attempts: this attempt's
 * number, 1 for the first) given the verdict: DLV_DELIVERED, DLV_PENDING (with *due_ms)
 * or DLV_DEAD (out of its source's retries, or not to be retried). */
int deliver_next_state(const deliver_source_t *src, const delivery_rec_t *d, const deliver_verdict_t *v, int64_t now_ms,
                       int64_t *due_ms);

/* Fills the fields every delivery of installation `in` shares (site, installation, app,
 * environment, a fresh event id in `a`, created_ms = due_ms = now, PENDING) into *d,
 * leaving source, module_key, event_type, payload and keys to the caller. */
void deliver_rec_init(arena_t *a, delivery_rec_t *d, const install_rec_t *in, int source, const char *module_key,
                      const char *event_type, int64_t now_ms);

/* An InvocationError returned by a handler (@forge/events' shape: {_retry: true,
 * retryOptions: {retryAfter (s), retryReason, retryData}}) read from `result`: 1 with *v
 * filled (retry, retry_after_ms capped at DELIVER_RETRY_AFTER_MAX_S), else 0. */
int deliver_invocation_error(arena_t *a, json_t *result, deliver_verdict_t *v);

/* ---- Platform faults (deliver_fault.c; docs/events.md "When the store is away") ----
 * The store unreachable (a PostgreSQL restarted: every session cut; SQLite's write lock
 * held past its timeout) is the platform's fault, not the app's. The engine:
 *   - starts no attempt while the store was away just now: for DELIVER_STORE_QUIET_MS
 *     after any thread's last STORE_UNAVAILABLE (store_unavailable_last_ms), while the
 *     sessions of the other threads reconnect; the verdicts of ended attempts are still
 *     written meanwhile;
 *   - takes an attempt that failed while the store was away during it (any thread noted
 *     STORE_UNAVAILABLE between its reservation and its end: its function's KVS or
 *     product calls answered 503, or the engine could not read its delivery) as a
 *     platform fault: PENDING again after DELIVER_FAULT_DELAY_MS, why in its last_error
 *     and `kiln logs`. Its attempt stays counted on the row (attempts is every run: a
 *     handler may have written before the 503), but not against the app's retries: the
 *     engine remembers each delivery's faults (deliver_fault_noted, at most
 *     DELIVER_FAULTS_TRACKED deliveries, in memory: a restart or another node forgets them,
 *     and then they count) and deliver_next_state sees attempts less faults. Bounded: a
 *     delivery older than DELIVER_FAULT_WINDOW_MS gets no more, so a store that stays
 *     broken still ends it (dead after its retries).
 * The signal is process-wide, not per invocation: an attempt that failed for its own
 * reason while the store was away meanwhile is given back too (one more run, at least
 * once as ever). */
#define DELIVER_STORE_QUIET_MS 3000                /* kiln's reconnect backoff is at most 2 s */
#define DELIVER_FAULT_DELAY_MS 2000                /* the retry of a platform fault, at the least ... */
#define DELIVER_FAULT_DELAY_MAX_MS 60000           /* ... a tenth of the delivery's age, at most this */
#define DELIVER_FAULT_WINDOW_MS (60LL * 60 * 1000) /* no platform retry for a delivery older than this */
#define DELIVER_FAULTS_TRACKED 1024                /* deliveries whose faults the engine remembers */

/* 1 while no attempt starts: the store's last STORE_UNAVAILABLE (clock_now_ms, 0: never)
 * was within DELIVER_STORE_QUIET_MS of now_ms. */
int deliver_store_away(int64_t last_away_ms, int64_t now_ms);
/* 1 if the attempt of `d` that ended with verdict `v` is a platform fault (retried after
 * *due_ms, not counted): it failed (not delivered), the store was away during it
 * (store_was_away) and `d` is younger than DELIVER_FAULT_WINDOW_MS. Else 0, and the
 * verdict goes to deliver_next_state as ever. */
int deliver_platform_fault(const delivery_rec_t *d, const deliver_verdict_t *v, int store_was_away, int64_t now_ms,
                           int64_t *due_ms);
/* The engine's memory of faults (its thread only): one more for delivery `d` (not kept
 * when every entry is taken by a delivery younger than DELIVER_FAULT_WINDOW_MS: then that
 * fault counts against the app, the safe side); how many `id` has; forget `id` (ended). */
void deliver_fault_noted(const delivery_rec_t *d, int64_t now_ms);
unsigned deliver_faults(int64_t id);
void deliver_faults_forget(int64_t id);

#endif
