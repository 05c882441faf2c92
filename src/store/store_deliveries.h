/* The store's deliveries family: every event kiln owes an installation's module — a
 * product event to a `trigger`, an async event to a `consumer`, an app event, a
 * scheduled trigger's run, a lifecycle event — as one durable row with its state, its
 * attempts and when it is next due (platform/deliver.h runs them). Also the fan-out
 * cursor: how far each site's product events (store/store_events.h) have been turned
 * into deliveries. Tables: deliveries, event_cursors (tenant rows: every one names its
 * site).
 *
 * A delivery is inserted in the transaction of what caused it (a queue push, the fan-out
 * of a product event with its cursor's advance, a scheduled slot), so it exists exactly
 * once. It is RUNNING while an attempt is under way; an attempt that ends writes the next
 * state. A RUNNING row is leased: it names the node running it (lease_owner, a random id
 * per process start) and until when (lease_until_ms); that node renews the lease while
 * the attempt runs, and only that node may write its end. A RUNNING row whose lease
 * expired (its node died or lost the store) was never acknowledged:
 * store_delivery_recover makes it PENDING again (at least once; never twice after an
 * acknowledgement, which is the DELIVERED write). docs/scale.md, "Leases". */
#ifndef KILN_STORE_DELIVERIES_H
#define KILN_STORE_DELIVERIES_H

#include "store/store.h"

enum delivery_state {
    DLV_PENDING = 0,   /* due at due_ms (first attempt, or a retry) */
    DLV_RUNNING = 1,   /* an attempt is under way */
    DLV_DELIVERED = 2, /* the module accepted it: final */
    DLV_DEAD = 3,      /* out of attempts (dead letter): final until replayed */
    DLV_CANCELLED = 4, /* its queue job was cancelled before it ran: final */
    DLV_DROPPED = 5,   /* its installation went away first: final, with the reason */
    DLV__STATES
};

/* What caused a delivery; platform/deliver.h has one row per source saying how it runs. */
enum delivery_source {
    DLV_SRC_PRODUCT = 0,  /* a product event to a `trigger` module */
    DLV_SRC_LIFECYCLE,    /* avi:forge:* to a `trigger` module */
    DLV_SRC_QUEUE,        /* an @forge/events Queue.push event to a `consumer` module */
    DLV_SRC_APP,          /* an appEvents.publish event to a `trigger` module */
    DLV_SRC_SCHEDULE,     /* a `scheduledTrigger` module's run */
    DLV_SRC_PREUNINSTALL, /* a `preUninstall` module's one run at an uninstall */
    DLV__SOURCES
};

typedef struct delivery_rec {
    int64_t id; /* assigned by store_delivery_insert, increasing */
    int64_t site_id;
    const char *installation_id, *app_id, *env_key;
    int source;               /* enum delivery_source */
    const char *module_key;   /* the trigger, consumer or scheduledTrigger module */
    const char *event_type;   /* avi:jira:updated:issue, the queue's name, the interval ... */
    const char *event_id;     /* the id the handler sees (a UUID) */
    const char *job_id;       /* a queue push's job (NULL otherwise) */
    const char *order_key;    /* deliveries of one installation with the same key run one at a
                                 time, in id order (an issue's id; NULL: no order) */
    const char *conc_key;     /* a queue event's concurrency key (NULL: none) */
    int64_t conc_limit;       /* ... and how many of its key may run at once */
    const char *payload_json; /* the event as the handler receives it, without retryContext */
    int state;                /* enum delivery_state */
    int64_t attempts;         /* attempts started so far */
    int64_t due_ms;           /* PENDING: not before this */
    int64_t created_ms, updated_ms;
    int64_t source_seq;          /* DLV_SRC_PRODUCT: the product event's seq; else 0 */
    const char *last_error;      /* why the last attempt failed, or why it was dropped (NULL) */
    const char *retry_reason;    /* the handler's InvocationError retryReason (NULL) */
    const char *retry_data_json; /* ... and its retryData as JSON (NULL) */
} delivery_rec_t;

/* Appends d (state, attempts and due_ms as given), assigning d->id. Runs inside the
 * caller's transaction when one is open. */
int store_delivery_insert(store_t *st, delivery_rec_t *d);
int store_delivery_get(store_t *st, arena_t *a, int64_t id, delivery_rec_t *out);

/* Installations with a PENDING delivery due by now_ms, each once, in the order of their
 * oldest due delivery; at most `max`. */
int store_delivery_due_installations(store_t *st, arena_t *a, int64_t now_ms, size_t max, const char ***ids, size_t *n);
/* Up to `max` PENDING deliveries of one installation due by now_ms, in id order: the
 * candidates of a pass, with ONLY id, site_id, installation_id, app_id, source, order_key,
 * conc_key, conc_limit, attempts, due_ms and created_ms (the rest NULL / 0: read the row
 * with store_delivery_get for the ones started; a pass reads many more candidates than it
 * starts, and reads them from an index alone). */
int store_delivery_due(store_t *st, arena_t *a, const char *installation_id, int64_t now_ms, size_t max,
                       delivery_rec_t **out, size_t *n);
/* The claim: PENDING -> RUNNING, attempts + 1, leased to `owner` (a node id, not NULL)
 * until lease_until_ms, by one compare-and-set: STORE_NOTFOUND if it is no longer PENDING
 * (cancelled, dropped, or claimed by another node).
 *
 * The lease's clock: on SQLite (one node) the caller's, lease_until_ms as given. On
 * PostgreSQL the database's (docs/scale.md "Leases"): the lease written is the database's
 * time plus (lease_until_ms - now_ms), and store_delivery_recover compares it with the
 * database's time, so nodes whose clocks disagree neither take back a live lease nor
 * wait for one longer; now_ms only says how long the lease is (and is updated_ms). */
int store_delivery_start(store_t *st, int64_t id, int64_t now_ms, const char *owner, int64_t lease_until_ms);
/* Renews the leases of owner's RUNNING rows among `ids_json` (a JSON array of delivery
 * ids, the attempts the node holds) to lease_until_ms (PostgreSQL: the database's time
 * plus lease_until_ms - now_ms, as store_delivery_start), in one statement; *n how many
 * rows were renewed (fewer than the ids: some ended meanwhile, or their lease lapsed and
 * another node took them back). */
int store_delivery_renew(store_t *st, const char *owner, const char *ids_json, int64_t now_ms, int64_t lease_until_ms,
                         int64_t *n);
/* RUNNING -> state (DLV_DELIVERED, DLV_PENDING with its next due_ms, DLV_DEAD), with why
 * the attempt failed and the handler's retry reason and data (each may be NULL); only
 * while the row is still leased to `owner`: STORE_NOTFOUND when it is not RUNNING or
 * another node holds it now (its lease lapsed and it was taken back: that node's verdict
 * counts, never this one's). */
int store_delivery_finish(store_t *st, int64_t id, const char *owner, int state, int64_t due_ms, const char *error,
                          const char *retry_reason, const char *retry_data_json, int64_t now_ms);
/* DLV_DEAD -> DLV_PENDING due now with attempts 0 (`kiln events replay`); STORE_NOTFOUND
 * if it is not dead. */
int store_delivery_replay(store_t *st, int64_t id, int64_t now_ms);
/* RUNNING deliveries whose lease expired before now_ms (PostgreSQL: before the database's
 * time) back to PENDING due now_ms, their owner cleared; all = 1: every RUNNING delivery, leased or not (a SQLite store
 * at start: one process, so whatever is RUNNING was left by the last one); *n how many. */
int store_delivery_recover(store_t *st, int64_t now_ms, int all, int64_t *n);
/* RUNNING deliveries leased to `owner`, expired or not, back to PENDING due now: a node
 * known to be dead (its successor on the same data dir: platform/deliver_lease.h); *n how
 * many. */
int store_delivery_recover_owner(store_t *st, const char *owner, int64_t now_ms, int64_t *n);

/* Which deliveries a listing shows: 0 / NULL / -1 fields do not filter. */
typedef struct delivery_filter {
    int64_t site_id;    /* 0: every site */
    const char *app_id; /* NULL: every app */
    const char *installation_id;
    int state;        /* -1: every state */
    int64_t after_id; /* only ids greater (paging and --follow) */
    size_t limit;     /* at most this many, in id order */
} delivery_filter_t;
int store_delivery_list(store_t *st, arena_t *a, const delivery_filter_t *f, delivery_rec_t **out, size_t *n);

/* ---- queue jobs (@forge/events) ---- */
/* The deliveries of a job of an installation's queue `queue` (a queue event's event_type)
 * by state: success (DELIVERED), in progress (PENDING or RUNNING), failed (DEAD, CANCELLED,
 * DROPPED). STORE_NOTFOUND: no such job in that queue of that installation (a job id asked
 * through another queue is unknown, as Forge's). */
int store_delivery_job_stats(store_t *st, const char *installation_id, const char *queue, const char *job_id,
                             int64_t *success, int64_t *in_progress, int64_t *failed);
/* Its PENDING deliveries -> CANCELLED; *n how many. STORE_NOTFOUND: no such job (likewise). */
int store_delivery_job_cancel(store_t *st, const char *installation_id, const char *queue, const char *job_id,
                              int64_t now_ms, int64_t *n);
/* 1 in *blocked when an earlier delivery (id < `id`) of the installation with the same
 * order_key is still PENDING (due or not) or RUNNING: the one with `id` waits for it. */
int store_delivery_order_blocked(store_t *st, const char *installation_id, const char *order_key, int64_t id,
                                 int *blocked);
/* RUNNING deliveries of (installation, queue conc_key), for a concurrency limit. */
int store_delivery_running_key(store_t *st, const char *installation_id, const char *conc_key, int64_t *n);

/* An installation removed: its PENDING deliveries -> DROPPED with `why`; *n how many. */
int store_delivery_drop_installation(store_t *st, const char *installation_id, const char *why, int64_t now_ms,
                                     int64_t *n);

/* Counts by state of every delivery (for /metrics and `kiln events`), optionally of one
 * app (NULL: all): counts[DLV__STATES]. */
int store_delivery_counts(store_t *st, const char *app_id, int64_t counts[DLV__STATES]);

/* Retention: deletes at most `max` rows that are final and untouched since
 * (DELIVERED, CANCELLED, DROPPED before final_before_ms; DEAD before dead_before_ms, which
 * is the earlier of the two: dead letters are kept longer); *n how many. Pending and
 * running rows are never deleted. */
int store_delivery_prune(store_t *st, int64_t final_before_ms, int64_t dead_before_ms, size_t max, int64_t *n);
/* (It also forgets, within the same `max`, the cyclic-invocation chains below untouched
 * since final_before_ms.) */

/* ---- cyclic-invocation chains of queue pushes (platform/queue_chain.h) ---- */
/* Counts one push request of the installation's chain `root` (table queue_chains):
 * STORE_OK counted, STORE_CONFLICT the chain already has `max` (not counted), or a
 * STORE_* error. Run it in the push's transaction: a push rolled back is not counted. A
 * purged installation's chains go with its deliveries. */
int store_queue_chain_take(store_t *st, const char *installation_id, const char *root, int64_t max, int64_t now_ms);

/* ---- the fan-out cursor of product events ---- */
/* The last product event seq of the site turned into deliveries (0 if none yet). */
int store_event_cursor_get(store_t *st, int64_t site_id, int64_t *seq);
/* Sets it; run it in the transaction that inserts the deliveries of those events. */
int store_event_cursor_set(store_t *st, int64_t site_id, int64_t seq);
/* Sites whose product events go past their cursor (at start, and as a periodic check). */
int store_event_sites_behind(store_t *st, arena_t *a, int64_t **sites, size_t *n);

#endif
