/* The store's DevOps family (store/store_devops.h) over the neutral statement layer (sql/db.h). Tables:
 * devops_entities, devops_issue_keys. */
#include <stdint.h>

#include "store/sql/families.h"
#include "store/store_devops.h"

enum q {
    Q_SEQ,
    Q_UPSERT,
    Q_KEYS_CLEAR,
    Q_KEYS_DELETE,
    Q_KEY_ADD,
    Q_GET,
    Q_DELETE,
    Q_KEYS_BY_PROPS,
    Q_DELETE_BY_PROPS,
    Q__COUNT
};

#define ENTITY "site_id = ?1 AND app_id = ?2 AND kind = ?3"
/* every pair of ?4 (a JSON object) is one of the entity's properties */
#define PROPS_MATCH                                                                                                    \
    "properties_json IS NOT NULL AND NOT EXISTS (SELECT 1 FROM json_each(?4) p WHERE "                                 \
    "json_extract(properties_json, '$.\"' || p.key || '\"') IS NOT p.value)"

static const char *const sql[Q__COUNT] = {
    [Q_SEQ] = "SELECT update_sequence FROM devops_entities WHERE " ENTITY " AND entity_key = ?4",
    [Q_UPSERT] = "INSERT INTO devops_entities (site_id, app_id, kind, entity_key, update_sequence, doc_json, "
                 "properties_json, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT "
                 "(site_id, app_id, kind, entity_key) DO UPDATE SET update_sequence = ?5, doc_json = ?6, "
                 "properties_json = ?7, updated_ms = ?8",
    [Q_KEYS_CLEAR] = "DELETE FROM devops_issue_keys WHERE " ENTITY " AND entity_key = ?4",
    [Q_KEYS_DELETE] = "DELETE FROM devops_issue_keys WHERE " ENTITY " AND entity_key = ?4 AND EXISTS (SELECT 1 FROM "
                      "devops_entities WHERE " ENTITY " AND entity_key = ?4 AND (?5 < 0 OR update_sequence <= ?5))",
    [Q_KEY_ADD] = "INSERT OR IGNORE INTO devops_issue_keys (site_id, app_id, kind, entity_key, issue_key) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_GET] = "SELECT app_id, kind, entity_key, update_sequence, doc_json, properties_json, updated_ms "
              "FROM devops_entities WHERE " ENTITY " AND entity_key = ?4",
    [Q_DELETE] =
        "DELETE FROM devops_entities WHERE " ENTITY " AND entity_key = ?4 AND (?5 < 0 OR update_sequence <= ?5)",
    [Q_KEYS_BY_PROPS] = "DELETE FROM devops_issue_keys WHERE " ENTITY " AND entity_key IN (SELECT entity_key FROM "
                        "devops_entities WHERE " ENTITY " AND " PROPS_MATCH " AND (?5 < 0 OR update_sequence <= ?5))",
    [Q_DELETE_BY_PROPS] =
        "DELETE FROM devops_entities WHERE " ENTITY " AND " PROPS_MATCH " AND (?5 < 0 OR update_sequence <= ?5)",
};

/* PostgreSQL (docs/scale.md, "Dialect"): the pairs through jsonb_each and ->, compared as
 * jsonb values (SQLite compares the SQL values json_extract gives: a string, a number) */
#define PG_PROPS_MATCH                                                                                                 \
    "properties_json IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jsonb_each(?4::jsonb) p WHERE "                         \
    "(properties_json::jsonb -> p.key) IS DISTINCT FROM p.value)"

static const char *const pg[Q__COUNT] = {
    [Q_KEYS_BY_PROPS] =
        "DELETE FROM devops_issue_keys WHERE " ENTITY " AND entity_key IN (SELECT entity_key FROM "
        "devops_entities WHERE " ENTITY " AND " PG_PROPS_MATCH " AND (?5 < 0 OR update_sequence <= ?5))",
    [Q_DELETE_BY_PROPS] =
        "DELETE FROM devops_entities WHERE " ENTITY " AND " PG_PROPS_MATCH " AND (?5 < 0 OR update_sequence <= ?5)",
};

static const db_sql_t statements = {DB_DEVOPS, Q__COUNT, sql, pg};

static db_stmt_t *entity(store_t *st, enum q id, int64_t site, const char *app, const char *kind, const char *key)
{
    db_stmt_t *q = db_stmt(st, &statements, id);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, app);
    db_bind_text(q, 3, kind);
    db_bind_text(q, 4, key);
    return q;
}

static int db_devops_put(store_t *st, int64_t site, const devops_rec_t *e, const char *const *keys, size_t nkeys)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    int64_t seq;
    rc = db_next_id(st, entity(st, Q_SEQ, site, e->app_id, e->kind, e->entity_key), &seq);
    if (rc == STORE_OK && seq >= e->update_sequence)
        rc = STORE_CONFLICT;
    else if (rc == STORE_NOTFOUND)
        rc = STORE_OK;
    if (rc == STORE_OK) {
        db_stmt_t *q = entity(st, Q_UPSERT, site, e->app_id, e->kind, e->entity_key);
        db_bind_i64(q, 5, e->update_sequence);
        db_bind_text(q, 6, e->doc_json);
        db_bind_text(q, 7, e->properties_json);
        db_bind_i64(q, 8, e->updated_ms);
        rc = db_exec(st, q);
    }
    if (rc == STORE_OK)
        rc = db_exec(st, entity(st, Q_KEYS_CLEAR, site, e->app_id, e->kind, e->entity_key));
    for (size_t i = 0; rc == STORE_OK && i < nkeys; i++) {
        db_stmt_t *q = entity(st, Q_KEY_ADD, site, e->app_id, e->kind, e->entity_key);
        db_bind_text(q, 5, keys[i]);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static void read_entity(arena_t *a, db_stmt_t *q, void *rec)
{
    devops_rec_t *e = rec;
    e->app_id = db_col_str(a, q, 0);
    e->kind = db_col_str(a, q, 1);
    e->entity_key = db_col_str(a, q, 2);
    e->update_sequence = db_col_i64(q, 3);
    e->doc_json = db_col_str(a, q, 4);
    e->properties_json = db_col_str(a, q, 5);
    e->updated_ms = db_col_i64(q, 6);
}

static int db_devops_get(store_t *st, arena_t *a, int64_t site, const char *app, const char *kind, const char *key,
                         devops_rec_t *out)
{
    return db_one(st, a, entity(st, Q_GET, site, app, kind, key), read_entity, out);
}

static int db_devops_delete(store_t *st, int64_t site, const char *app, const char *kind, const char *key,
                            int64_t max_seq)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = entity(st, Q_KEYS_DELETE, site, app, kind, key);
    db_bind_i64(q, 5, max_seq);
    rc = db_exec(st, q);
    if (rc == STORE_OK) {
        q = entity(st, Q_DELETE, site, app, kind, key);
        db_bind_i64(q, 5, max_seq);
        rc = db_write_one_row(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_devops_delete_by_props(store_t *st, int64_t site, const char *app, const char *kind, const char *props,
                                     int64_t max_seq, int64_t *deleted)
{
    *deleted = 0;
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = entity(st, Q_KEYS_BY_PROPS, site, app, kind, props);
    db_bind_i64(q, 5, max_seq);
    rc = db_exec(st, q);
    if (rc == STORE_OK) {
        q = entity(st, Q_DELETE_BY_PROPS, site, app, kind, props);
        db_bind_i64(q, 5, max_seq);
        rc = db_exec(st, q);
        if (rc == STORE_OK)
            *deleted = db_changes(st);
    }
    return db_tx_close(st, opened, rc);
}

const store_devops_ops_t db_devops_ops = {
    .put = db_devops_put,
    .get = db_devops_get,
    .del = db_devops_delete,
    .delete_by_props = db_devops_delete_by_props,
};
