/* The store's journal family: the append-only logs the journal layer writes in batches
 * (journal/): function logs, the audit log and the data-flow ledger. Writers relax
 * durability on their own handle (store_relax_durability). Tables: function_logs,
 * audit_log, ledger. */
#ifndef KILN_STORE_JOURNAL_H
#define KILN_STORE_JOURNAL_H

#include "store/store.h"

/* ---- function logs ---- */
typedef struct log_rec {
    int64_t id, site_id;
    const char *installation_id, *app_id, *invocation_id, *module_key, *level, *message;
    int64_t time_ms;
} log_rec_t;

/* Appends n log lines in one transaction. */
int store_logs_insert(store_t *st, const log_rec_t *recs, size_t n);
/* Log lines of site_id (0: every site) in id order: the newest `max`, or with after_id,
 * the `max` that follow it (paging forward, following new lines). The row each finished
 * invocation gets (level "invocation", journal/fnlog.h FNLOG_INVOCATION) only with
 * with_invocations. */
int store_logs_list(store_t *st, arena_t *a, int64_t site_id, int64_t after_id, int64_t max, int with_invocations,
                    log_rec_t **out, size_t *n);

/* ---- the audit log (journal/audit.h) ---- */
typedef struct audit_rec {
    int64_t id, time_ms, last_ms, site_id;
    int64_t count; /* identical allowed decisions folded into this row (journal/audit.h); 1 otherwise */
    const char *kind, *plane, *actor, *app_id, *installation_id, *invocation_id, *method, *path, *category, *detail;
    int status;
} audit_rec_t;

/* Appends n events in one transaction. */
int store_audit_insert(store_t *st, const audit_rec_t *recs, size_t n);
/* Events with time_ms >= since_ms of site_id (0: every site) in id order: the newest
 * `max`, or with after_id, the `max` that follow it. */
int store_audit_list(store_t *st, arena_t *a, int64_t site_id, int64_t since_ms, int64_t after_id, int64_t max,
                     audit_rec_t **out, size_t *n);
/* Deletes events older than before_ms (retention); *deleted counts them. */
int store_audit_purge(store_t *st, int64_t before_ms, int64_t *deleted);

/* ---- the data-flow ledger (journal/ledger.h) ---- */
typedef struct ledger_rec {
    int64_t id, time_ms;
    int64_t site_id;      /* whose data left (the source site S) */
    int64_t dest_site_id; /* the site it went to (T), 0 when not another kiln site */
    int64_t bytes;
    const char *kind, *app_id, *installation_id, *invocation_id, *destination;
} ledger_rec_t;

/* Appends n records in one transaction. */
int store_ledger_insert(store_t *st, const ledger_rec_t *recs, size_t n);
/* Records with time_ms >= since_ms whose source or destination site is site_id (0: every
 * record the handle sees) in id order: the newest `max`, or with after_id, the `max` that
 * follow it. A site's view reads through store_admin (other sites' rows into it). */
int store_ledger_list(store_t *st, arena_t *a, int64_t site_id, int64_t since_ms, int64_t after_id, int64_t max,
                      ledger_rec_t **out, size_t *n);
/* Deletes records older than before_ms (retention). */
int store_ledger_purge(store_t *st, int64_t before_ms, int64_t *deleted);

#endif
