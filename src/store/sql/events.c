/* The store's product-events family (store/store_events.h) over the neutral statement layer (sql/db.h). Table:
 * product_events. A site's next seq is one past its last (the primary key's last entry),
 * read and written in the caller's write transaction, which SQLite serialises. */
#include <stdint.h>

#include "store/sql/families.h"
#include "store/store_events.h"

enum q { Q_APPEND, Q_LIST, Q__COUNT };

static const char *const sql[Q__COUNT] = {
    [Q_APPEND] = "INSERT INTO product_events (site_id, seq, kind, created_ms, actor_account_id, entity_id, "
                 "payload_json) SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6 FROM product_events "
                 "WHERE site_id = ?1 RETURNING seq",
    [Q_LIST] = "SELECT seq, kind, created_ms, actor_account_id, entity_id, payload_json FROM product_events "
               "WHERE site_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
};

static const db_sql_t statements = {DB_EVENTS, Q__COUNT, sql};

static int db_event_append(store_t *st, int64_t site, event_rec_t *e)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = db_stmt(st, &statements, Q_APPEND);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, e->kind);
    db_bind_i64(q, 3, e->created_ms);
    db_bind_text(q, 4, e->actor_account_id);
    db_bind_text(q, 5, e->entity_id);
    db_bind_text(q, 6, e->payload_json);
    rc = db_next_id(st, q, &e->seq);
    return db_tx_close(st, opened, rc);
}

static void read_event(arena_t *a, db_stmt_t *q, void *rec)
{
    event_rec_t *e = rec;
    e->seq = db_col_i64(q, 0);
    e->kind = db_col_str(a, q, 1);
    e->created_ms = db_col_i64(q, 2);
    e->actor_account_id = db_col_str(a, q, 3);
    e->entity_id = db_col_str(a, q, 4);
    e->payload_json = db_col_str(a, q, 5);
}

static int db_event_list(store_t *st, arena_t *a, int64_t site, int64_t after, int64_t max, event_rec_t **out,
                         size_t *n)
{
    db_stmt_t *q = db_stmt(st, &statements, Q_LIST);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, after);
    db_bind_i64(q, 3, max);
    return db_collect(st, a, q, sizeof **out, read_event, (void **)out, n);
}

const store_events_ops_t db_events_ops = {
    .append = db_event_append,
    .list = db_event_list,
};
