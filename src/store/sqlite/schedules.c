/* The store's schedules family (store/store_schedules.h) on SQLite. Table: schedules. */
#include <sqlite3.h>
#include <stdint.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_schedules.h"

enum q { Q_PUT, Q_SET_NEXT, Q_DELETE, Q_LIST, Q__COUNT };

#define COLS "installation_id, module_key, site_id, app_id, env_key, interval, interval_ms, next_ms, created_ms"

static const char *const sql[Q__COUNT] = {
    [Q_PUT] = "INSERT OR REPLACE INTO schedules (" COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_SET_NEXT] = "UPDATE schedules SET next_ms = ?3 WHERE installation_id = ?1 AND module_key = ?2",
    [Q_DELETE] = "DELETE FROM schedules WHERE installation_id = ?1 AND module_key = ?2",
    [Q_LIST] = "SELECT " COLS " FROM schedules WHERE (?1 IS NULL OR installation_id = ?1) AND "
               "(?2 = 0 OR site_id = ?2) ORDER BY installation_id, module_key",
};

static const sq_sql_t statements = {SQ_SCHEDULES, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, int id)
{
    return sq_stmt(st, &statements, id);
}

static void read_schedule(arena_t *a, sqlite3_stmt *q, void *p)
{
    schedule_rec_t *s = p;
    s->installation_id = sq_col_str(a, q, 0);
    s->module_key = sq_col_str(a, q, 1);
    s->site_id = sqlite3_column_int64(q, 2);
    s->app_id = sq_col_str(a, q, 3);
    s->env_key = sq_col_str(a, q, 4);
    s->interval = sq_col_str(a, q, 5);
    s->interval_ms = sqlite3_column_int64(q, 6);
    s->next_ms = sqlite3_column_int64(q, 7);
    s->created_ms = sqlite3_column_int64(q, 8);
}

static int sq_put(store_t *st, const schedule_rec_t *s)
{
    sqlite3_stmt *q = stmt(st, Q_PUT);
    sq_bind_text(q, 1, s->installation_id);
    sq_bind_text(q, 2, s->module_key);
    sqlite3_bind_int64(q, 3, s->site_id);
    sq_bind_text(q, 4, s->app_id);
    sq_bind_text(q, 5, s->env_key);
    sq_bind_text(q, 6, s->interval);
    sqlite3_bind_int64(q, 7, s->interval_ms);
    sqlite3_bind_int64(q, 8, s->next_ms);
    sqlite3_bind_int64(q, 9, s->created_ms);
    return sq_write1(st, q);
}

static int sq_set_next(store_t *st, const char *inst, const char *module, int64_t next_ms)
{
    sqlite3_stmt *q = stmt(st, Q_SET_NEXT);
    sq_bind_text(q, 1, inst);
    sq_bind_text(q, 2, module);
    sqlite3_bind_int64(q, 3, next_ms);
    return sq_write_one_row(st, q);
}

static int sq_delete(store_t *st, const char *inst, const char *module)
{
    sqlite3_stmt *q = stmt(st, Q_DELETE);
    sq_bind_text(q, 1, inst);
    sq_bind_text(q, 2, module);
    return sq_write1(st, q);
}

static int sq_list(store_t *st, arena_t *a, const char *inst, int64_t site_id, schedule_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_LIST);
    sq_bind_text(q, 1, inst);
    sqlite3_bind_int64(q, 2, site_id);
    return sq_collect(st, a, q, sizeof **out, read_schedule, (void **)out, n);
}

const store_schedules_ops_t sq_schedules_ops = {
    .put = sq_put,
    .set_next = sq_set_next,
    .del = sq_delete,
    .list = sq_list,
};
