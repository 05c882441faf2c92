/* The audit log: an append-only record of every gateway decision (allowed and refused,
 * with the failure category), every install, upgrade and uninstall, every token issued
 * and every key rotation (DESIGN.md, gateway step 8).
 *
 * Recording is off the hot path: the audit log is a journal (journal/journal.h).
 * audit_record copies the event into a bounded in-memory
 * queue (one mutex, no allocation, no I/O) and returns; one writer thread flushes the
 * queue into the store in batches (one transaction per batch, at most every
 * AUDIT_FLUSH_MS or when AUDIT_BATCH events wait). When the queue is full an event is
 * dropped and counted (audit_dropped, /metrics kiln_audit_dropped_total), never waited
 * for: an HTTP thread never blocks on the audit log. Events are durable once flushed
 * (at most AUDIT_FLUSH_MS after they happened, or lost with the process before that).
 * The writer also deletes events older than the retention period, once an hour.
 *
 * Identical allowed decisions of one batch (same site, actor, app, installation,
 * invocation, method, path and status) are written as one row with their count and first
 * and last time: a busy client's thousands of identical successful calls a second cost
 * one row per batch, not one each (measured: a row per call cost 13% of kiln's product
 * API throughput, bench/run.sh). Refusals, and every other kind of event, are one row
 * each, always.
 *
 * What an event may hold: ids, the request's method and path (without its query), the
 * status and failure category, a short detail written by kiln. Never a credential, a
 * request or response body, or a secret. */
#ifndef KILN_AUDIT_H
#define KILN_AUDIT_H

#include <stdint.h>

#include "journal/journal.h"
#include "store/store.h"

#define AUDIT_QUEUE_MAX 16384 /* events waiting for the writer */
#define AUDIT_BATCH 1024      /* events per transaction */
#define AUDIT_FLUSH_MS 200    /* the longest an event waits */
#define AUDIT_RETENTION_DAYS_DEFAULT 90

/* Event kinds. */
#define AUDIT_ALLOW "gateway.allow"
#define AUDIT_DENY "gateway.deny"
#define AUDIT_INSTALL "app.install"
#define AUDIT_UPGRADE "app.upgrade"
#define AUDIT_UNINSTALL "app.uninstall"
#define AUDIT_TOKEN_ISSUE "token.issue"
#define AUDIT_KEY_ROTATE "key.rotate"
#define AUDIT_SESSION_CREATE "session.create" /* a user signed in to the web UI (web/signin.c) */
#define AUDIT_SESSION_END "session.end"       /* ... signed out */
#define AUDIT_SESSION_DENY "session.deny"     /* a sign-in refused: wrong credentials, a bad or used link, throttled */
#define AUDIT_SESSION_LINK "session.link"     /* an operator made a one-time sign-in link */
#define AUDIT_CONSENT "user.consent"          /* a user consented to an app (platform/consent.h) */
#define AUDIT_CONSENT_REVOKE "user.consent.revoke" /* ... and took it back */
#define AUDIT_REMOTE_CALL "remote.call"            /* kiln called an app's remote backend (platform/remote.h) */
#define AUDIT_STORAGE_WRITE "storage.write"        /* an operator set or deleted a key (platform/storage_admin.h) */
#define AUDIT_STORAGE_SECRET_READ "storage.secret_read" /* an operator was shown secrets' values */
#define AUDIT_EVENT_DELIVERY                                                                                           \
    "event.delivery" /* an attempt to deliver an event to an app's module (platform/deliver.h) */

/* Planes (where a gateway decision was made). */
#define AUDIT_PLANE_JIRA "jira"   /* /ex/jira/{cloudId} with a user token */
#define AUDIT_PLANE_PROXY "proxy" /* /_proxy and the worker pipe, an invocation token */
#define AUDIT_PLANE_WEBTRIGGER "webtrigger"
#define AUDIT_PLANE_ADMIN "admin"
#define AUDIT_PLANE_WEB "web"         /* the web UI: /s/{site}/ pages, /_ui/v1/ (a session cookie) */
#define AUDIT_PLANE_STORAGE "storage" /* /forge/storage/kvs with an app system token */
#define AUDIT_PLANE_REMOTE "remote"   /* calls kiln made to an app's remote backend */
#define AUDIT_PLANE_EVENTS "events"   /* events kiln delivered to apps' modules */

/* One event as callers give it. Strings are copied (and cut to their field's size);
 * NULL means empty. site_id 0: no site (a credential that bound none). */
typedef struct audit_event {
    int64_t time_ms; /* 0: now */
    int64_t site_id;
    const char *kind, *plane;
    const char *actor; /* account id, "admin", or empty */
    const char *app_id, *installation_id, *invocation_id;
    const char *method, *path; /* path without its query */
    int status;
    const char *category; /* x-failure-category, or empty */
    const char *detail;
} audit_event_t;

/* Starts the writer thread with its own store handle. retention_days 0: keep forever.
 * Without a started writer, audit_record drops nothing and records nothing (tools, tests
 * of other modules). 0, or -1 with err. */
int audit_start(const char *data_dir, unsigned retention_days, char *err, size_t errlen);
/* Flushes what is queued and stops the writer. */
void audit_stop(void);

/* Queues one event; never blocks on I/O. */
void audit_record(const audit_event_t *ev);

/* Events dropped because the queue was full, since start. */
uint64_t audit_dropped(void);
/* Records lost because their batch could not be written (journal_unwritten: the store
 * away), and those batches. */
uint64_t audit_unwritten(void);
uint64_t audit_unwritten_batches(void);

/* w->c is sent once every event recorded before this call is in the store (journal_barrier). */
void audit_barrier(journal_wait_t *w);

#endif
