/* The store's issue-fields family (store/store_fields.h) over the neutral statement layer (sql/db.h): custom fields,
 * their values on issues, and labels. Tables: fields, field_values, issue_labels. */
#include <stdint.h>
#include <string.h>

#include "store/sql/families.h"
#include "store/store_fields.h"

enum q {
    Q_FIELD_INSERT,
    Q_FIELD_GET,
    Q_FIELD_BY_NAME,
    Q_FIELD_LIST,
    Q_VALUES_GET,
    Q_VALUES_CLEAR,
    Q_VALUE_INSERT,
    Q_LABELS_GET,
    Q_LABELS_CLEAR,
    Q_LABEL_INSERT,
    Q_LABELS_LIST,
    Q_LABELS_COUNT,
    Q__COUNT
};

#define FIELD_COLS "id, name, description, type, options_json, created_ms"

#define LABELS_VISIBLE                                                                                                 \
    " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM issues i JOIN user_permissions up ON up.site_id = i.site_id"            \
    " AND up.account_id = ?4 AND up.permission = 'BROWSE_PROJECTS' AND up.project_id IN (0, i.project_id)"             \
    " WHERE i.site_id = l.site_id AND i.id = l.issue_id)"                                                              \
    " OR EXISTS (SELECT 1 FROM issues i JOIN project_role_actors ra ON ra.site_id = i.site_id"                         \
    " AND ra.actor = ?4 AND ra.project_id = i.project_id AND ra.actor_type = 'atlassian-user-role-actor'"              \
    " AND ra.role_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?5)) WHERE i.site_id = l.site_id AND i.id = "     \
    "l.issue_id))"

static const char *const sql[Q__COUNT] = {
    [Q_FIELD_INSERT] = "INSERT INTO fields (site_id, id, name, description, type, options_json, created_ms) "
                       "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM fields "
                       "WHERE site_id = ?1 AND lower(name) = lower(?3))",
    [Q_FIELD_GET] = "SELECT " FIELD_COLS " FROM fields WHERE site_id = ?1 AND id = ?2",
    [Q_FIELD_BY_NAME] = "SELECT " FIELD_COLS " FROM fields WHERE site_id = ?1 AND lower(name) = lower(?2)",
    [Q_FIELD_LIST] = "SELECT " FIELD_COLS " FROM fields WHERE site_id = ?1 ORDER BY id",
    [Q_VALUES_GET] = "SELECT field_id, seq, str, num FROM field_values WHERE site_id = ?1 AND issue_id = ?2 "
                     "ORDER BY field_id, seq",
    [Q_VALUES_CLEAR] = "DELETE FROM field_values WHERE site_id = ?1 AND issue_id = ?2 AND field_id = ?3",
    [Q_VALUE_INSERT] = "INSERT INTO field_values (site_id, issue_id, field_id, seq, str, num) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_LABELS_GET] = "SELECT label FROM issue_labels WHERE site_id = ?1 AND issue_id = ?2 ORDER BY label",
    [Q_LABELS_CLEAR] = "DELETE FROM issue_labels WHERE site_id = ?1 AND issue_id = ?2",
    [Q_LABEL_INSERT] = "INSERT OR IGNORE INTO issue_labels (site_id, issue_id, label) VALUES (?1, ?2, ?3)",
    /* ?4: a user's account id, whose labels are those of the issues it may browse; NULL: all */
    [Q_LABELS_LIST] = "SELECT DISTINCT label FROM issue_labels l WHERE site_id = ?1" LABELS_VISIBLE
                      " ORDER BY label LIMIT ?2 OFFSET ?3",
    [Q_LABELS_COUNT] = "SELECT count(DISTINCT label) FROM issue_labels l WHERE site_id = ?1" LABELS_VISIBLE,
};

static const db_sql_t statements = {DB_FIELDS, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

static void read_field(arena_t *a, db_stmt_t *q, void *rec)
{
    field_rec_t *f = rec;
    f->id = db_col_str(a, q, 0);
    f->name = db_col_str(a, q, 1);
    f->description = db_col_str(a, q, 2);
    f->type = db_col_str(a, q, 3);
    f->options_json = db_col_str(a, q, 4);
    f->created_ms = db_col_i64(q, 5);
}

static int db_field_insert(store_t *st, arena_t *a, int64_t site, field_rec_t *f)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    int64_t n;
    rc = store_next_id(st, site, "field", &n);
    if (rc == STORE_OK) {
        char *id = arena_printf(a, "customfield_%lld", (long long)n);
        db_stmt_t *q = stmt(st, Q_FIELD_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_text(q, 2, id);
        db_bind_text(q, 3, f->name);
        db_bind_text(q, 4, f->description ? f->description : "");
        db_bind_text(q, 5, f->type);
        db_bind_text(q, 6, f->options_json);
        db_bind_i64(q, 7, f->created_ms);
        rc = db_exec(st, q);
        if (rc == STORE_OK && db_changes(st) != 1)
            rc = STORE_CONFLICT;
        if (rc == STORE_OK)
            f->id = id;
    }
    return db_tx_close(st, opened, rc);
}

static int db_field_get(store_t *st, arena_t *a, int64_t site, const char *id, field_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_FIELD_GET);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, id);
    return db_one(st, a, q, read_field, out);
}

static int db_field_by_name(store_t *st, arena_t *a, int64_t site, const char *name, field_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_FIELD_BY_NAME);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, name);
    return db_one(st, a, q, read_field, out);
}

static int db_field_list(store_t *st, arena_t *a, int64_t site, field_rec_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_FIELD_LIST);
    db_bind_i64(q, 1, site);
    return db_collect(st, a, q, sizeof **out, read_field, (void **)out, n);
}

static void read_value(arena_t *a, db_stmt_t *q, void *rec)
{
    field_value_t *v = rec;
    v->field_id = db_col_str(a, q, 0);
    v->seq = db_col_i64(q, 1);
    v->str = db_col_str(a, q, 2);
    v->has_num = !db_col_null(q, 3);
    v->num = v->has_num ? db_col_double(q, 3) : 0;
}

static int db_values_get(store_t *st, arena_t *a, int64_t site, int64_t issue, field_value_t **out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_VALUES_GET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    return db_collect(st, a, q, sizeof **out, read_value, (void **)out, n);
}

static int db_values_set(store_t *st, int64_t site, int64_t issue, const char *field, const field_value_t *v, size_t n)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_VALUES_CLEAR);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    db_bind_text(q, 3, field);
    rc = db_exec(st, q);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        q = stmt(st, Q_VALUE_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, issue);
        db_bind_text(q, 3, field);
        db_bind_i64(q, 4, (int64_t)i);
        db_bind_text(q, 5, v[i].str);
        if (v[i].has_num)
            db_bind_double(q, 6, v[i].num);
        else
            db_bind_null(q, 6);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static void read_label(arena_t *a, db_stmt_t *q, void *rec)
{
    *(const char **)rec = db_col_str(a, q, 0);
}

static int db_labels_get(store_t *st, arena_t *a, int64_t site, int64_t issue, const char ***out, size_t *n)
{
    db_stmt_t *q = stmt(st, Q_LABELS_GET);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    return db_collect(st, a, q, sizeof **out, read_label, (void **)out, n);
}

static int db_labels_set(store_t *st, int64_t site, int64_t issue, const char *const *labels, size_t n)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_LABELS_CLEAR);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, issue);
    rc = db_exec(st, q);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        q = stmt(st, Q_LABEL_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, issue);
        db_bind_text(q, 3, labels[i]);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_labels_list(store_t *st, arena_t *a, int64_t site, const char *viewer, const char *viewer_roles,
                          int64_t start, int64_t max, const char ***out, size_t *n, int64_t *total)
{
    db_stmt_t *q = stmt(st, Q_LABELS_COUNT);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 4, viewer);
    db_bind_text(q, 5, viewer_roles ? viewer_roles : "[]");
    int rc = db_count(st, q, total);
    if (rc != STORE_OK)
        return rc;
    q = stmt(st, Q_LABELS_LIST);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 4, viewer);
    db_bind_text(q, 5, viewer_roles ? viewer_roles : "[]");
    db_bind_i64(q, 2, max);
    db_bind_i64(q, 3, start);
    return db_collect(st, a, q, sizeof **out, read_label, (void **)out, n);
}

const store_fields_ops_t db_fields_ops = {
    .field_insert = db_field_insert,
    .field_get = db_field_get,
    .field_by_name = db_field_by_name,
    .field_list = db_field_list,
    .values_get = db_values_get,
    .values_set = db_values_set,
    .labels_get = db_labels_get,
    .labels_set = db_labels_set,
    .labels_list = db_labels_list,
};
