/* The store's entity-properties family (store/store_properties.h) over the neutral statement layer (sql/db.h). Table:
 * entity_properties. */
#include <stdint.h>
#include <string.h>

#include "store/sql/families.h"
#include "store/store_properties.h"

enum q { Q_GET, Q_EXISTS, Q_COUNT, Q_SET, Q_DELETE, Q_KEYS, Q_VALUES, Q_DELETE_ALL, Q__COUNT };

static const char *const sql[Q__COUNT] = {
    [Q_GET] = "SELECT key, value_json, created_ms, updated_ms FROM entity_properties "
              "WHERE site_id = ?1 AND entity = ?2 AND entity_id = ?3 AND key = ?4",
    [Q_EXISTS] = "SELECT count(*) FROM entity_properties "
                 "WHERE site_id = ?1 AND entity = ?2 AND entity_id = ?3 AND key = ?4",
    [Q_COUNT] = "SELECT count(*) FROM entity_properties WHERE site_id = ?1 AND entity = ?2 AND entity_id = ?3",
    [Q_SET] = "INSERT INTO entity_properties (site_id, entity, entity_id, key, value_json, created_ms, updated_ms) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (site_id, entity, entity_id, key) "
              "DO UPDATE SET value_json = excluded.value_json, updated_ms = excluded.updated_ms",
    [Q_DELETE] = "DELETE FROM entity_properties WHERE site_id = ?1 AND entity = ?2 AND entity_id = ?3 AND key = ?4",
    [Q_KEYS] = "SELECT key, NULL, created_ms, updated_ms FROM entity_properties "
               "WHERE site_id = ?1 AND entity = ?2 AND entity_id = ?3 ORDER BY key LIMIT ?4",
    [Q_VALUES] = "SELECT key, value_json, created_ms, updated_ms FROM entity_properties "
                 "WHERE site_id = ?1 AND entity = ?2 AND entity_id = ?3 ORDER BY key LIMIT ?4",
    [Q_DELETE_ALL] = "DELETE FROM entity_properties WHERE site_id = ?1 AND entity = ?2 AND entity_id = ?3",
};

static const db_sql_t statements = {DB_PROPERTIES, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id, int64_t site, const char *entity, const char *entity_id)
{
    db_stmt_t *q = db_stmt(st, &statements, id);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, entity);
    db_bind_text(q, 3, entity_id);
    return q;
}

static void read_prop(arena_t *a, db_stmt_t *q, void *rec)
{
    prop_rec_t *p = rec;
    p->key = db_col_str(a, q, 0);
    p->value_json = db_col_str(a, q, 1);
    p->created_ms = db_col_i64(q, 2);
    p->updated_ms = db_col_i64(q, 3);
}

static int db_prop_get(store_t *st, arena_t *a, int64_t site, const char *entity, const char *entity_id,
                       const char *key, prop_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_GET, site, entity, entity_id);
    db_bind_text(q, 4, key);
    return db_one(st, a, q, read_prop, out);
}

static int db_prop_set(store_t *st, int64_t site, const char *entity, const char *entity_id, const char *key,
                       const char *value_json, int64_t now, int *created)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    int64_t had = 0;
    db_stmt_t *q = stmt(st, Q_EXISTS, site, entity, entity_id);
    db_bind_text(q, 4, key);
    rc = db_count(st, q, &had);
    int64_t count = 0;
    if (rc == STORE_OK && had == 0)
        rc = db_count(st, stmt(st, Q_COUNT, site, entity, entity_id), &count);
    if (rc == STORE_OK && count >= PROP_MAX_KEYS)
        rc = STORE_CONFLICT;
    if (rc == STORE_OK) {
        q = stmt(st, Q_SET, site, entity, entity_id);
        db_bind_text(q, 4, key);
        db_bind_text(q, 5, value_json);
        db_bind_i64(q, 6, now);
        rc = db_exec(st, q);
    }
    *created = had == 0;
    return db_tx_close(st, opened, rc);
}

static int db_prop_delete(store_t *st, int64_t site, const char *entity, const char *entity_id, const char *key)
{
    db_stmt_t *q = stmt(st, Q_DELETE, site, entity, entity_id);
    db_bind_text(q, 4, key);
    return db_write_one_row(st, q);
}

static int db_prop_list(store_t *st, arena_t *a, int64_t site, const char *entity, const char *entity_id, int values,
                        prop_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, values ? Q_VALUES : Q_KEYS, site, entity, entity_id);
    db_bind_i64(q, 4, PROP_MAX_KEYS);
    return db_collect(st, a, q, sizeof **out, read_prop, (void **)out, n);
}

static int db_prop_delete_all(store_t *st, int64_t site, const char *entity, const char *entity_id)
{
    return db_write1(st, stmt(st, Q_DELETE_ALL, site, entity, entity_id));
}

const store_properties_ops_t db_properties_ops = {
    .get = db_prop_get,
    .set = db_prop_set,
    .delete = db_prop_delete,
    .list = db_prop_list,
    .delete_all = db_prop_delete_all,
};
