/* The store's product-events family (store/store_events.h) on SQLite. Table:
 * product_events. A site's next seq is one past its last (the primary key's last entry),
 * read and written in the caller's write transaction, which SQLite serialises. */
#include <sqlite3.h>
#include <stdint.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_events.h"

enum q { Q_APPEND, Q_LIST, Q__COUNT };

static const char *const sql[Q__COUNT] = {
    [Q_APPEND] = "INSERT INTO product_events (site_id, seq, kind, created_ms, actor_account_id, entity_id, "
                 "payload_json) SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6 FROM product_events "
                 "WHERE site_id = ?1 RETURNING seq",
    [Q_LIST] = "SELECT seq, kind, created_ms, actor_account_id, entity_id, payload_json FROM product_events "
               "WHERE site_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
};

static const sq_sql_t statements = {SQ_EVENTS, Q__COUNT, sql};

static int sq_event_append(store_t *st, int64_t site, event_rec_t *e)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = sq_stmt(st, &statements, Q_APPEND);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, e->kind);
    sqlite3_bind_int64(q, 3, e->created_ms);
    sq_bind_text(q, 4, e->actor_account_id);
    sq_bind_text(q, 5, e->entity_id);
    sq_bind_text(q, 6, e->payload_json);
    rc = sq_next_id(st, q, &e->seq);
    return sq_tx_close(st, opened, rc);
}

static void read_event(arena_t *a, sqlite3_stmt *q, void *rec)
{
    event_rec_t *e = rec;
    e->seq = sqlite3_column_int64(q, 0);
    e->kind = sq_col_str(a, q, 1);
    e->created_ms = sqlite3_column_int64(q, 2);
    e->actor_account_id = sq_col_str(a, q, 3);
    e->entity_id = sq_col_str(a, q, 4);
    e->payload_json = sq_col_str(a, q, 5);
}

static int sq_event_list(store_t *st, arena_t *a, int64_t site, int64_t after, int64_t max, event_rec_t **out,
                         size_t *n)
{
    sqlite3_stmt *q = sq_stmt(st, &statements, Q_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, after);
    sqlite3_bind_int64(q, 3, max);
    return sq_collect(st, a, q, sizeof **out, read_event, (void **)out, n);
}

const store_events_ops_t sq_events_ops = {
    .append = sq_event_append,
    .list = sq_event_list,
};
