/* The store's entity-properties family (store/store_properties.h) on SQLite. Table:
 * entity_properties. */
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
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

static const sq_sql_t statements = {SQ_PROPERTIES, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id, int64_t site, const char *entity, const char *entity_id)
{
    sqlite3_stmt *q = sq_stmt(st, &statements, id);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, entity);
    sq_bind_text(q, 3, entity_id);
    return q;
}

static void read_prop(arena_t *a, sqlite3_stmt *q, void *rec)
{
    prop_rec_t *p = rec;
    p->key = sq_col_str(a, q, 0);
    p->value_json = sq_col_str(a, q, 1);
    p->created_ms = sqlite3_column_int64(q, 2);
    p->updated_ms = sqlite3_column_int64(q, 3);
}

static int sq_prop_get(store_t *st, arena_t *a, int64_t site, const char *entity, const char *entity_id,
                       const char *key, prop_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_GET, site, entity, entity_id);
    sq_bind_text(q, 4, key);
    return sq_one(st, a, q, read_prop, out);
}

static int sq_prop_set(store_t *st, int64_t site, const char *entity, const char *entity_id, const char *key,
                       const char *value_json, int64_t now, int *created)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    int64_t had = 0;
    sqlite3_stmt *q = stmt(st, Q_EXISTS, site, entity, entity_id);
    sq_bind_text(q, 4, key);
    rc = sq_count(st, q, &had);
    int64_t count = 0;
    if (rc == STORE_OK && had == 0)
        rc = sq_count(st, stmt(st, Q_COUNT, site, entity, entity_id), &count);
    if (rc == STORE_OK && count >= PROP_MAX_KEYS)
        rc = STORE_CONFLICT;
    if (rc == STORE_OK) {
        q = stmt(st, Q_SET, site, entity, entity_id);
        sq_bind_text(q, 4, key);
        sq_bind_text(q, 5, value_json);
        sqlite3_bind_int64(q, 6, now);
        rc = sq_exec(st, q);
    }
    *created = had == 0;
    return sq_tx_close(st, opened, rc);
}

static int sq_prop_delete(store_t *st, int64_t site, const char *entity, const char *entity_id, const char *key)
{
    sqlite3_stmt *q = stmt(st, Q_DELETE, site, entity, entity_id);
    sq_bind_text(q, 4, key);
    return sq_write_one_row(st, q);
}

static int sq_prop_list(store_t *st, arena_t *a, int64_t site, const char *entity, const char *entity_id, int values,
                        prop_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, values ? Q_VALUES : Q_KEYS, site, entity, entity_id);
    sqlite3_bind_int64(q, 4, PROP_MAX_KEYS);
    return sq_collect(st, a, q, sizeof **out, read_prop, (void **)out, n);
}

static int sq_prop_delete_all(store_t *st, int64_t site, const char *entity, const char *entity_id)
{
    return sq_write1(st, stmt(st, Q_DELETE_ALL, site, entity, entity_id));
}

const store_properties_ops_t sq_properties_ops = {
    .get = sq_prop_get,
    .set = sq_prop_set,
    .delete = sq_prop_delete,
    .list = sq_prop_list,
    .delete_all = sq_prop_delete_all,
};
