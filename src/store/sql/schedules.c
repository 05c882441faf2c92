/* The store's schedules family (store/store_schedules.h) over the neutral statement layer (sql/db.h). Table: schedules.
 */
#include <stdint.h>

#include "store/sql/families.h"
#include "store/store_schedules.h"

enum q { Q_PUT, Q_CLAIM, Q_DELETE, Q_LIST, Q_DUE, Q__COUNT };

#define COLS "installation_id, module_key, site_id, app_id, env_key, interval, interval_ms, next_ms, created_ms"

static const char *const sql[Q__COUNT] = {
    /* (an upsert, not INSERT OR REPLACE: both dialects run it) */
    [Q_PUT] = "INSERT INTO schedules (" COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
              "ON CONFLICT (site_id, installation_id, module_key) DO UPDATE SET site_id = excluded.site_id, "
              "app_id = excluded.app_id, env_key = excluded.env_key, interval = excluded.interval, "
              "interval_ms = excluded.interval_ms, next_ms = excluded.next_ms, created_ms = excluded.created_ms",
    /* a compare-and-set: under READ COMMITTED a second node's claim of the same slot waits
       for the first's commit, then finds next_ms moved and changes no row */
    [Q_CLAIM] = "UPDATE schedules SET next_ms = ?4 WHERE installation_id = ?1 AND module_key = ?2 AND next_ms = ?3",
    [Q_DELETE] = "DELETE FROM schedules WHERE installation_id = ?1 AND module_key = ?2",
    [Q_LIST] = "SELECT " COLS " FROM schedules WHERE (?1 IS NULL OR installation_id = ?1) AND "
               "(?2 = 0 OR site_id = ?2) ORDER BY installation_id, module_key",
    [Q_DUE] = "SELECT " COLS " FROM schedules WHERE next_ms <= ?1 ORDER BY next_ms, installation_id, module_key "
              "LIMIT ?2",
};

static const db_sql_t statements = {DB_SCHEDULES, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, int id)
{
    return db_stmt(st, &statements, id);
}

static void read_schedule(arena_t *a, db_stmt_t *q, void *p)
{
    schedule_rec_t *s = p;
    s->installation_id = db_col_str(a, q, 0);
    s->module_key = db_col_str(a, q, 1);
    s->site_id = db_col_i64(q, 2);
    s->app_id = db_col_str(a, q, 3);
    s->env_key = db_col_str(a, q, 4);
    s->interval = db_col_str(a, q, 5);
    s->interval_ms = db_col_i64(q, 6);
    s->next_ms = db_col_i64(q, 7);
    s->created_ms = db_col_i64(q, 8);
}

static int db_put(store_t *st, const schedule_rec_t *s)
{
    db_stmt_t *q = stmt(st, Q_PUT);
    db_bind_text(q, 1, s->installation_id);
    db_bind_text(q, 2, s->module_key);
    db_bind_i64(q, 3, s->site_id);
    db_bind_text(q, 4, s->app_id);
    db_bind_text(q, 5, s->env_key);
    db_bind_text(q, 6, s->interval);
    db_bind_i64(q, 7, s->interval_ms);
    db_bind_i64(q, 8, s->next_ms);
    db_bind_i64(q, 9, s->created_ms);
    return db_write1(st, q);
}

static int db_claim(store_t *st, const char *inst, const char *module, int64_t slot_ms, int64_t next_ms)
{
    db_stmt_t *q = stmt(st, Q_CLAIM);
    db_bind_text(q, 1, inst);
    db_bind_text(q, 2, module);
    db_bind_i64(q, 3, slot_ms);
    db_bind_i64(q, 4, next_ms);
    return db_write_one_row(st, q);
}

static int db_delete(store_t *st, const char *inst, const char *module)
{
    db_stmt_t *q = stmt(st, Q_DELETE);
    db_bind_text(q, 1, inst);
    db_bind_text(q, 2, module);
    return db_write1(st, q);
}

static int db_list(store_t *st, arena_t *a, const char *inst, int64_t site_id, schedule_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_LIST);
    db_bind_text(q, 1, inst);
    db_bind_i64(q, 2, site_id);
    return db_collect(st, a, q, sizeof **out, read_schedule, (void **)out, n);
}

static int db_due(store_t *st, arena_t *a, int64_t now_ms, size_t max, schedule_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_DUE);
    db_bind_i64(q, 1, now_ms);
    db_bind_i64(q, 2, (int64_t)max);
    return db_collect(st, a, q, sizeof **out, read_schedule, (void **)out, n);
}

const store_schedules_ops_t db_schedules_ops = {
    .put = db_put,
    .claim = db_claim,
    .del = db_delete,
    .list = db_list,
    .due = db_due,
};
