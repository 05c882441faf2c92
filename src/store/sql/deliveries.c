/* The store's deliveries family (store/store_deliveries.h) over the neutral statement layer (sql/db.h). Tables:
 * deliveries, event_cursors, queue_chains. */
#include <stdint.h>

#include "store/sql/families.h"
#include "store/store_deliveries.h"

enum q {
    Q_INSERT,
    Q_GET,
    Q_DUE_INSTALLATIONS,
    Q_DUE,
    Q_START,
    Q_RENEW,
    Q_FINISH,
    Q_REPLAY,
    Q_RECOVER,
    Q_RECOVER_ALL,
    Q_RECOVER_OWNER,
    Q_LIST, /* Q_LIST + mask of LIST_SITE | LIST_APP | LIST_INST | LIST_STATE: 16 statements */
    Q_LIST_END = Q_LIST + 15,
    Q_PRUNE,
    Q_JOB_STATS,
    Q_JOB_CANCEL,
    Q_RUNNING_KEY,
    Q_ORDER_BLOCKED,
    Q_DROP,
    Q_COUNTS,
    Q_COUNTS_APP,
    Q_CURSOR_GET,
    Q_CURSOR_SET,
    Q_SITES_BEHIND,
    Q_PURGE_INSTALLATION,
    Q_CHAIN_TAKE,
    Q_CHAIN_PRUNE,
    Q_CHAIN_PURGE,
    Q__COUNT
};

#define COLS                                                                                                           \
    "id, site_id, installation_id, app_id, env_key, source, module_key, event_type, event_id, job_id, order_key, "     \
    "conc_key, conc_limit, payload_json, state, attempts, due_ms, created_ms, updated_ms, source_seq, last_error, "    \
    "retry_reason, retry_data_json"

static const char *const sql[Q__COUNT] = {
    [Q_INSERT] = "INSERT INTO deliveries (site_id, installation_id, app_id, env_key, source, module_key, event_type, "
                 "event_id, job_id, order_key, conc_key, conc_limit, payload_json, state, attempts, due_ms, "
                 "created_ms, updated_ms, source_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                 "?13, ?14, ?15, ?16, ?17, ?17, ?18) RETURNING id",
    [Q_GET] = "SELECT " COLS " FROM deliveries WHERE id = ?1",
    /* a loose index scan: one seek per installation that has deliveries, then one seek for
     * its oldest due one, never a walk over every pending row (a GROUP BY over the due
     * rows cost ~6 ms per pass with 10,000 queued: bench/queue.mjs) */
    [Q_DUE_INSTALLATIONS] =
        "WITH RECURSIVE i(x) AS (SELECT (SELECT min(installation_id) FROM deliveries) UNION ALL "
        "SELECT (SELECT min(installation_id) FROM deliveries WHERE installation_id > i.x) FROM i WHERE i.x IS NOT "
        "NULL) "
        "SELECT x FROM (SELECT x, (SELECT min(id) FROM deliveries WHERE installation_id = i.x AND state = 0 AND "
        "due_ms <= ?1) AS m FROM i WHERE i.x IS NOT NULL) AS d WHERE m IS NOT NULL ORDER BY m LIMIT ?2",
    /* candidates only, from the covering index deliveries_candidates (migration 18) */
    [Q_DUE] = "SELECT id, site_id, installation_id, app_id, source, order_key, conc_key, conc_limit, attempts, due_ms, "
              "created_ms FROM deliveries INDEXED BY deliveries_candidates WHERE installation_id = ?1 AND state = 0 "
              "AND due_ms <= ?2 ORDER BY id LIMIT ?3",
    /* the claim: a compare-and-set on the state, which leases the row to its node */
    [Q_START] = "UPDATE deliveries SET state = 1, attempts = attempts + 1, updated_ms = ?2, lease_owner = ?3, "
                "lease_until_ms = ?4 WHERE id = ?1 AND state = 0",
    /* the attempts a node holds, renewed together; from the partial index deliveries_lease */
    [Q_RENEW] = "UPDATE deliveries SET lease_until_ms = ?4 WHERE state = 1 AND lease_owner = ?1 AND id IN "
                "(SELECT CAST(value AS BIGINT) FROM json_each(?2))",
    /* fenced: a node whose lease lapsed (its row taken back, maybe claimed again) writes nothing */
    [Q_FINISH] = "UPDATE deliveries SET state = ?2, due_ms = ?3, last_error = ?4, retry_reason = ?5, "
                 "retry_data_json = ?6, updated_ms = ?7 WHERE id = ?1 AND state = 1 AND lease_owner = ?8",
    [Q_REPLAY] = "UPDATE deliveries SET state = 0, attempts = 0, due_ms = ?2, updated_ms = ?2 WHERE id = ?1 AND "
                 "state = 3",
    [Q_RECOVER] = "UPDATE deliveries SET state = 0, due_ms = ?1, updated_ms = ?1, lease_owner = NULL WHERE state = 1 "
                  "AND lease_until_ms < ?1",
    [Q_RECOVER_ALL] = "UPDATE deliveries SET state = 0, due_ms = ?1, updated_ms = ?1, lease_owner = NULL WHERE "
                      "state = 1",
    [Q_RECOVER_OWNER] = "UPDATE deliveries SET state = 0, due_ms = ?2, updated_ms = ?2, lease_owner = NULL WHERE "
                        "state = 1 AND lease_owner = ?1",
/* a listing: one statement per combination of filters, so that each uses its index
   (deliveries_site, deliveries_app, deliveries_installation, deliveries_state) instead of
   reading the table for "?2 = 0 OR site_id = ?2"; ?6 is the limit in every one */
#define LIST(W) "SELECT " COLS " FROM deliveries WHERE id > ?1" W " ORDER BY id LIMIT ?6"
#define S_ " AND site_id = ?2"
#define A_ " AND app_id = ?3"
#define I_ " AND installation_id = ?4"
#define T_ " AND state = ?5"
    [Q_LIST + 0] = LIST(""),
    [Q_LIST + 1] = LIST(S_),
    [Q_LIST + 2] = LIST(A_),
    [Q_LIST + 3] = LIST(S_ A_),
    [Q_LIST + 4] = LIST(I_),
    [Q_LIST + 5] = LIST(S_ I_),
    [Q_LIST + 6] = LIST(A_ I_),
    [Q_LIST + 7] = LIST(S_ A_ I_),
    [Q_LIST + 8] = LIST(T_),
    [Q_LIST + 9] = LIST(S_ T_),
    [Q_LIST + 10] = LIST(A_ T_),
    [Q_LIST + 11] = LIST(S_ A_ T_),
    [Q_LIST + 12] = LIST(I_ T_),
    [Q_LIST + 13] = LIST(S_ I_ T_),
    [Q_LIST + 14] = LIST(A_ I_ T_),
    [Q_LIST + 15] = LIST(S_ A_ I_ T_),
#undef LIST
#undef S_
#undef A_
#undef I_
#undef T_
    /* retention: the oldest final rows past their time, a bounded number per call */
    [Q_PRUNE] = "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries INDEXED BY deliveries_final_age "
                "WHERE state IN (2, 3, 4, 5) AND updated_ms < ?1 AND (state <> 3 OR updated_ms < ?2) LIMIT ?3)",
    [Q_JOB_STATS] = "SELECT count(*), coalesce(sum(state = 2), 0), coalesce(sum(state IN (0, 1)), 0), "
                    "coalesce(sum(state IN (3, 4, 5)), 0) FROM deliveries WHERE installation_id = ?1 AND job_id = ?2 "
                    "AND event_type = ?3",
    [Q_JOB_CANCEL] = "UPDATE deliveries SET state = 4, updated_ms = ?3 WHERE installation_id = ?1 AND job_id = ?2 "
                     "AND event_type = ?4 AND state = 0",
    [Q_RUNNING_KEY] = "SELECT count(*) FROM deliveries WHERE installation_id = ?1 AND conc_key = ?2 AND state = 1",
    [Q_ORDER_BLOCKED] = "SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE installation_id = ?1 AND "
                        "order_key = ?2 AND id < ?3 AND state IN (0, 1) LIMIT 1) AS b",
    [Q_DROP] = "UPDATE deliveries SET state = 5, last_error = ?2, updated_ms = ?3 WHERE installation_id = ?1 AND "
               "state = 0",
    [Q_COUNTS] = "SELECT state, count(*) FROM deliveries GROUP BY state",
    [Q_COUNTS_APP] = "SELECT state, count(*) FROM deliveries WHERE app_id = ?1 GROUP BY state",
    [Q_CURSOR_GET] = "SELECT seq FROM event_cursors WHERE site_id = ?1",
    [Q_CURSOR_SET] = "INSERT INTO event_cursors (site_id, seq) VALUES (?1, ?2) "
                     "ON CONFLICT (site_id) DO UPDATE SET seq = excluded.seq",
    /* one index seek per site: the last event's seq against the cursor */
    [Q_SITES_BEHIND] = "SELECT s.id FROM sites s WHERE (SELECT max(seq) FROM product_events e WHERE e.site_id = s.id) "
                       "> coalesce((SELECT seq FROM event_cursors c WHERE c.site_id = s.id), 0) ORDER BY s.id",
    /* a purged installation's deliveries (payloads hold its site's data) */
    [Q_PURGE_INSTALLATION] = "DELETE FROM deliveries WHERE installation_id = ?1",
    /* one push request of a chain, counted unless it already has ?3 (no row changed); the
       old row's columns named by its table (PostgreSQL: unqualified is ambiguous) */
    [Q_CHAIN_TAKE] = "INSERT INTO queue_chains (installation_id, root, pushes, updated_ms) VALUES (?1, ?2, 1, ?4) "
                     "ON CONFLICT (installation_id, root) DO UPDATE SET pushes = queue_chains.pushes + 1, "
                     "updated_ms = ?4 WHERE queue_chains.pushes < ?3",
    [Q_CHAIN_PRUNE] = "DELETE FROM queue_chains WHERE (installation_id, root) IN (SELECT installation_id, root FROM "
                      "queue_chains WHERE updated_ms < ?1 LIMIT ?2)",
    [Q_CHAIN_PURGE] = "DELETE FROM queue_chains WHERE installation_id = ?1",
};

/* PostgreSQL (docs/scale.md, "Dialect"): no INDEXED BY (its planner picks the index), and
 * counts of a condition as count(*) FILTER, where SQLite sums a comparison's 0 or 1; and
 * leases on the database's clock (store_deliveries.h, docs/scale.md "Leases"): a claim or
 * renewal writes the database's time plus the lease the node asked for (until - now), and
 * recovery compares with the database's time, so the nodes' clocks need not agree */
#define DB_NOW_MS "CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)"
static const char *const pg[Q__COUNT] = {
    [Q_START] =
        "UPDATE deliveries SET state = 1, attempts = attempts + 1, updated_ms = ?2, lease_owner = ?3, "
        "lease_until_ms = " DB_NOW_MS " + (CAST(?4 AS BIGINT) - CAST(?2 AS BIGINT)) WHERE id = ?1 AND state = 0",
    [Q_RENEW] = "UPDATE deliveries SET lease_until_ms = " DB_NOW_MS " + (CAST(?4 AS BIGINT) - CAST(?3 AS BIGINT)) "
                "WHERE state = 1 AND lease_owner = ?1 AND id IN (SELECT CAST(value AS BIGINT) FROM json_each(?2))",
    [Q_RECOVER] = "UPDATE deliveries SET state = 0, due_ms = ?1, updated_ms = ?1, lease_owner = NULL WHERE state = 1 "
                  "AND lease_until_ms < " DB_NOW_MS,
    [Q_DUE] = "SELECT id, site_id, installation_id, app_id, source, order_key, conc_key, conc_limit, attempts, due_ms, "
              "created_ms FROM deliveries WHERE installation_id = ?1 AND state = 0 AND due_ms <= ?2 ORDER BY id "
              "LIMIT ?3",
    [Q_PRUNE] = "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE state IN (2, 3, 4, 5) AND "
                "updated_ms < ?1 AND (state <> 3 OR updated_ms < ?2) LIMIT ?3)",
    [Q_JOB_STATS] = "SELECT count(*), count(*) FILTER (WHERE state = 2), count(*) FILTER (WHERE state IN (0, 1)), "
                    "count(*) FILTER (WHERE state IN (3, 4, 5)) FROM deliveries WHERE installation_id = ?1 AND "
                    "job_id = ?2 AND event_type = ?3",
};

static const db_sql_t statements = {DB_DELIVERIES, Q__COUNT, sql, pg};

static db_stmt_t *stmt(store_t *st, int id)
{
    return db_stmt(st, &statements, id);
}

static void read_delivery(arena_t *a, db_stmt_t *q, void *p)
{
    delivery_rec_t *d = p;
    d->id = db_col_i64(q, 0);
    d->site_id = db_col_i64(q, 1);
    d->installation_id = db_col_str(a, q, 2);
    d->app_id = db_col_str(a, q, 3);
    d->env_key = db_col_str(a, q, 4);
    d->source = db_col_int(q, 5);
    d->module_key = db_col_str(a, q, 6);
    d->event_type = db_col_str(a, q, 7);
    d->event_id = db_col_str(a, q, 8);
    d->job_id = db_col_str(a, q, 9);
    d->order_key = db_col_str(a, q, 10);
    d->conc_key = db_col_str(a, q, 11);
    d->conc_limit = db_col_i64(q, 12);
    d->payload_json = db_col_str(a, q, 13);
    d->state = db_col_int(q, 14);
    d->attempts = db_col_i64(q, 15);
    d->due_ms = db_col_i64(q, 16);
    d->created_ms = db_col_i64(q, 17);
    d->updated_ms = db_col_i64(q, 18);
    d->source_seq = db_col_i64(q, 19);
    d->last_error = db_col_str(a, q, 20);
    d->retry_reason = db_col_str(a, q, 21);
    d->retry_data_json = db_col_str(a, q, 22);
}

static int db_insert(store_t *st, delivery_rec_t *d)
{
    db_stmt_t *q = stmt(st, Q_INSERT);
    db_bind_i64(q, 1, d->site_id);
    db_bind_text(q, 2, d->installation_id);
    db_bind_text(q, 3, d->app_id);
    db_bind_text(q, 4, d->env_key);
    db_bind_i64(q, 5, d->source);
    db_bind_text(q, 6, d->module_key);
    db_bind_text(q, 7, d->event_type);
    db_bind_text(q, 8, d->event_id);
    db_bind_text(q, 9, d->job_id);
    db_bind_text(q, 10, d->order_key);
    db_bind_text(q, 11, d->conc_key);
    db_bind_i64(q, 12, d->conc_limit);
    db_bind_text(q, 13, d->payload_json);
    db_bind_i64(q, 14, d->state);
    db_bind_i64(q, 15, d->attempts);
    db_bind_i64(q, 16, d->due_ms);
    db_bind_i64(q, 17, d->created_ms);
    db_bind_i64(q, 18, d->source_seq);
    int rc = db_insert_id(st, q, &d->id);
    if (rc == STORE_OK)
        d->updated_ms = d->created_ms;
    return rc;
}

static int db_get(store_t *st, arena_t *a, int64_t id, delivery_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_GET);
    db_bind_i64(q, 1, id);
    return db_one(st, a, q, read_delivery, out);
}

static void read_str(arena_t *a, db_stmt_t *q, void *p)
{
    *(const char **)p = db_col_str(a, q, 0);
}

static int db_due_installations(store_t *st, arena_t *a, int64_t now, size_t max, const char ***ids, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_DUE_INSTALLATIONS);
    db_bind_i64(q, 1, now);
    db_bind_i64(q, 2, (int64_t)max);
    return db_collect(st, a, q, sizeof **ids, read_str, (void **)ids, n);
}

static void read_candidate(arena_t *a, db_stmt_t *q, void *p)
{
    delivery_rec_t *d = p;
    *d = (delivery_rec_t){.state = DLV_PENDING};
    d->id = db_col_i64(q, 0);
    d->site_id = db_col_i64(q, 1);
    d->installation_id = db_col_str(a, q, 2);
    d->app_id = db_col_str(a, q, 3);
    d->source = db_col_int(q, 4);
    d->order_key = db_col_str(a, q, 5);
    d->conc_key = db_col_str(a, q, 6);
    d->conc_limit = db_col_i64(q, 7);
    d->attempts = db_col_i64(q, 8);
    d->due_ms = db_col_i64(q, 9);
    d->created_ms = db_col_i64(q, 10);
}

static int db_due(store_t *st, arena_t *a, const char *inst, int64_t now, size_t max, delivery_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_DUE);
    db_bind_text(q, 1, inst);
    db_bind_i64(q, 2, now);
    db_bind_i64(q, 3, (int64_t)max);
    return db_collect(st, a, q, sizeof **out, read_candidate, (void **)out, n);
}

static int db_start(store_t *st, int64_t id, int64_t now, const char *owner, int64_t until)
{
    db_stmt_t *q = stmt(st, Q_START);
    db_bind_i64(q, 1, id);
    db_bind_i64(q, 2, now);
    db_bind_text(q, 3, owner);
    db_bind_i64(q, 4, until);
    return db_write_one_row(st, q);
}

static int db_renew(store_t *st, const char *owner, const char *ids_json, int64_t now, int64_t until, int64_t *n)
{
    db_stmt_t *q = stmt(st, Q_RENEW);
    db_bind_text(q, 1, owner);
    db_bind_text(q, 2, ids_json);
    db_bind_i64(q, 3, now);
    db_bind_i64(q, 4, until);
    int rc = db_write1(st, q);
    *n = rc == STORE_OK ? db_changes(st) : 0;
    return rc;
}

static int db_finish(store_t *st, int64_t id, const char *owner, int state, int64_t due, const char *err,
                     const char *reason, const char *data, int64_t now)
{
    db_stmt_t *q = stmt(st, Q_FINISH);
    db_bind_i64(q, 1, id);
    db_bind_i64(q, 2, state);
    db_bind_i64(q, 3, due);
    db_bind_text(q, 4, err);
    db_bind_text(q, 5, reason);
    db_bind_text(q, 6, data);
    db_bind_i64(q, 7, now);
    db_bind_text(q, 8, owner);
    return db_write_one_row(st, q);
}

static int db_replay(store_t *st, int64_t id, int64_t now)
{
    db_stmt_t *q = stmt(st, Q_REPLAY);
    db_bind_i64(q, 1, id);
    db_bind_i64(q, 2, now);
    return db_write_one_row(st, q);
}

static int db_recover(store_t *st, int64_t now, int all, int64_t *n)
{
    db_stmt_t *q = stmt(st, all ? Q_RECOVER_ALL : Q_RECOVER);
    db_bind_i64(q, 1, now);
    int rc = db_write1(st, q);
    *n = rc == STORE_OK ? db_changes(st) : 0;
    return rc;
}

static int db_recover_owner(store_t *st, const char *owner, int64_t now, int64_t *n)
{
    db_stmt_t *q = stmt(st, Q_RECOVER_OWNER);
    db_bind_text(q, 1, owner);
    db_bind_i64(q, 2, now);
    int rc = db_write1(st, q);
    *n = rc == STORE_OK ? db_changes(st) : 0;
    return rc;
}

static int db_list(store_t *st, arena_t *a, const delivery_filter_t *f, delivery_rec_t **out, size_t *n)
{
    int mask = (f->site_id ? 1 : 0) | (f->app_id ? 2 : 0) | (f->installation_id ? 4 : 0) | (f->state >= 0 ? 8 : 0);
    db_stmt_t *q = stmt(st, Q_LIST + mask);
    db_bind_i64(q, 1, f->after_id);
    db_bind_i64(q, 2, f->site_id);
    db_bind_text(q, 3, f->app_id);
    db_bind_text(q, 4, f->installation_id);
    db_bind_i64(q, 5, f->state);
    db_bind_i64(q, 6, (int64_t)f->limit);
    return db_collect(st, a, q, sizeof **out, read_delivery, (void **)out, n);
}

static int db_job_stats(store_t *st, const char *inst, const char *queue, const char *job, int64_t *ok, int64_t *busy,
                        int64_t *failed)
{
    db_stmt_t *q = stmt(st, Q_JOB_STATS);
    db_bind_text(q, 1, inst);
    db_bind_text(q, 2, job);
    db_bind_text(q, 3, queue);
    int rc = db_step(q);
    if (rc != DB_ROW) {
        rc = db_rc(st, rc);
        db_done(q);
        return rc == STORE_OK ? STORE_ERROR : rc;
    }
    int64_t all = db_col_i64(q, 0);
    *ok = db_col_i64(q, 1);
    *busy = db_col_i64(q, 2);
    *failed = db_col_i64(q, 3);
    db_done(q);
    return all ? STORE_OK : STORE_NOTFOUND;
}

static int db_job_cancel(store_t *st, const char *inst, const char *queue, const char *job, int64_t now, int64_t *n)
{
    int64_t ok, busy, failed;
    int opened, rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = db_job_stats(st, inst, queue, job, &ok, &busy, &failed);
    *n = 0;
    if (rc == STORE_OK) {
        db_stmt_t *q = stmt(st, Q_JOB_CANCEL);
        db_bind_text(q, 1, inst);
        db_bind_text(q, 2, job);
        db_bind_i64(q, 3, now);
        db_bind_text(q, 4, queue);
        rc = db_exec(st, q);
        *n = rc == STORE_OK ? db_changes(st) : 0;
    }
    return db_tx_close(st, opened, rc);
}

static int db_running_key(store_t *st, const char *inst, const char *key, int64_t *n)
{
    db_stmt_t *q = stmt(st, Q_RUNNING_KEY);
    db_bind_text(q, 1, inst);
    db_bind_text(q, 2, key);
    return db_count(st, q, n);
}

static int db_order_blocked(store_t *st, const char *inst, const char *key, int64_t id, int *blocked)
{
    db_stmt_t *q = stmt(st, Q_ORDER_BLOCKED);
    db_bind_text(q, 1, inst);
    db_bind_text(q, 2, key);
    db_bind_i64(q, 3, id);
    int64_t n = 0;
    int rc = db_count(st, q, &n);
    *blocked = n > 0;
    return rc;
}

static int db_drop(store_t *st, const char *inst, const char *why, int64_t now, int64_t *n)
{
    db_stmt_t *q = stmt(st, Q_DROP);
    db_bind_text(q, 1, inst);
    db_bind_text(q, 2, why);
    db_bind_i64(q, 3, now);
    int rc = db_write1(st, q);
    *n = rc == STORE_OK ? db_changes(st) : 0;
    return rc;
}

static int db_counts(store_t *st, const char *app, int64_t counts[DLV__STATES])
{
    db_stmt_t *q = stmt(st, app ? Q_COUNTS_APP : Q_COUNTS);
    if (app)
        db_bind_text(q, 1, app);
    for (int i = 0; i < DLV__STATES; i++)
        counts[i] = 0;
    int rc;
    while ((rc = db_step(q)) == DB_ROW) {
        int s = db_col_int(q, 0);
        if (s >= 0 && s < DLV__STATES)
            counts[s] = db_col_i64(q, 1);
    }
    rc = rc == DB_DONE ? STORE_OK : db_rc(st, rc);
    db_done(q);
    return rc;
}

static int db_cursor_get(store_t *st, int64_t site, int64_t *seq)
{
    db_stmt_t *q = stmt(st, Q_CURSOR_GET);
    db_bind_i64(q, 1, site);
    int rc = db_count(st, q, seq);
    if (rc == STORE_NOTFOUND) {
        *seq = 0;
        rc = STORE_OK;
    }
    return rc;
}

static int db_cursor_set(store_t *st, int64_t site, int64_t seq)
{
    db_stmt_t *q = stmt(st, Q_CURSOR_SET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, seq);
    return db_write1(st, q);
}

static void read_i64(arena_t *a, db_stmt_t *q, void *p)
{
    (void)a;
    *(int64_t *)p = db_col_i64(q, 0);
}

static int db_sites_behind(store_t *st, arena_t *a, int64_t **sites, size_t *n)
{
    return db_collect(st, a, stmt(st, Q_SITES_BEHIND), sizeof **sites, read_i64, (void **)sites, n);
}

int db_deliveries_purge_installation(store_t *st, const char *installation_id)
{
    db_stmt_t *q = stmt(st, Q_PURGE_INSTALLATION);
    db_bind_text(q, 1, installation_id);
    int rc = db_exec(st, q);
    if (rc == STORE_OK) {
        q = stmt(st, Q_CHAIN_PURGE);
        db_bind_text(q, 1, installation_id);
        rc = db_exec(st, q);
    }
    return rc;
}

static int db_chain_take(store_t *st, const char *installation_id, const char *root, int64_t max, int64_t now_ms)
{
    db_stmt_t *q = stmt(st, Q_CHAIN_TAKE);
    db_bind_text(q, 1, installation_id);
    db_bind_text(q, 2, root);
    db_bind_i64(q, 3, max);
    db_bind_i64(q, 4, now_ms);
    int rc = db_write1(st, q);
    return rc == STORE_OK && db_changes(st) == 0 ? STORE_CONFLICT : rc;
}

static int db_prune(store_t *st, int64_t final_before_ms, int64_t dead_before_ms, size_t max, int64_t *n)
{
    db_stmt_t *q = stmt(st, Q_PRUNE);
    db_bind_i64(q, 1, final_before_ms);
    db_bind_i64(q, 2, dead_before_ms);
    db_bind_i64(q, 3, (int64_t)max);
    int rc = db_write1(st, q);
    *n = rc == STORE_OK ? db_changes(st) : 0;
    if (rc == STORE_OK && (size_t)*n < max) { /* then chains idle as long as a final delivery is kept */
        q = stmt(st, Q_CHAIN_PRUNE);
        db_bind_i64(q, 1, final_before_ms);
        db_bind_i64(q, 2, (int64_t)max - *n);
        rc = db_write1(st, q);
        *n += rc == STORE_OK ? db_changes(st) : 0;
    }
    return rc;
}

const store_deliveries_ops_t db_deliveries_ops = {
    .prune = db_prune,
    .chain_take = db_chain_take,
    .insert = db_insert,
    .get = db_get,
    .due_installations = db_due_installations,
    .due = db_due,
    .start = db_start,
    .renew = db_renew,
    .finish = db_finish,
    .replay = db_replay,
    .recover = db_recover,
    .recover_owner = db_recover_owner,
    .list = db_list,
    .job_stats = db_job_stats,
    .job_cancel = db_job_cancel,
    .running_key = db_running_key,
    .order_blocked = db_order_blocked,
    .drop_installation = db_drop,
    .counts = db_counts,
    .cursor_get = db_cursor_get,
    .cursor_set = db_cursor_set,
    .sites_behind = db_sites_behind,
};
