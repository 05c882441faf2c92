/* The store's project-roles family (store/store_roles.h) over the neutral statement layer (sql/db.h). Table:
 * project_role_actors (primary key: site, project, role, actor type, actor; index
 * project_role_actors_actor: site, actor, project), read with user_permissions and users.
 * Only user actors (ROLE_ACTOR_USER) are written or grant anything. */
#include <stdint.h>

#include "store/sql/families.h"
#include "store/store_roles.h"

enum q { Q_ADD, Q_REMOVE, Q_CLEAR, Q_LIST, Q_PERM_HAS, Q_USER_SEARCH, Q_USER_COUNT, Q__COUNT };

/* The user u.account_id holds the permission of JSON item pe ({"p": key, "r": [role ids]})
 * in project pj.value (0: globally). */
#define HOLDS                                                                                                          \
    "(EXISTS (SELECT 1 FROM user_permissions up WHERE up.site_id = ?1 AND up.account_id = u.account_id"                \
    " AND up.permission = json_extract(pe.value, '$.p') AND up.project_id IN (0, pj.value))"                           \
    " OR (pj.value <> 0 AND EXISTS (SELECT 1 FROM project_role_actors ra WHERE ra.site_id = ?1"                        \
    " AND ra.actor = u.account_id AND ra.project_id = pj.value AND ra.actor_type = '" ROLE_ACTOR_USER "'"              \
    " AND ra.role_id IN (SELECT value FROM json_each(pe.value, '$.r')))))"
#define USER_WHERE                                                                                                     \
    " FROM users u WHERE u.site_id = ?1"                                                                               \
    " AND (?2 IS NULL OR substr(lower(u.display_name), 1, length(?2)) = ?2"                                            \
    " OR instr(' ' || lower(u.display_name), ' ' || ?2) > 0 OR substr(lower(u.email), 1, length(?2)) = ?2)"            \
    " AND (?3 IS NULL OR u.account_id IN (SELECT value FROM json_each(?3)))"                                           \
    " AND (?4 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?4) pe, json_each(?5) pj WHERE NOT " HOLDS "))"           \
    " AND (?6 = 0 OR u.active = 1)"

static const char *const sql[Q__COUNT] = {
    [Q_ADD] = "INSERT OR IGNORE INTO project_role_actors (site_id, project_id, role_id, actor_type, actor) "
              "VALUES (?1, ?2, ?3, '" ROLE_ACTOR_USER "', ?4)",
    [Q_REMOVE] = "DELETE FROM project_role_actors WHERE site_id = ?1 AND project_id = ?2 AND role_id = ?3 "
                 "AND actor_type = '" ROLE_ACTOR_USER "' AND actor = ?4",
    [Q_CLEAR] = "DELETE FROM project_role_actors WHERE site_id = ?1 AND project_id = ?2 AND role_id = ?3",
    [Q_LIST] = "SELECT actor FROM project_role_actors WHERE site_id = ?1 AND project_id = ?2 AND role_id = ?3 "
               "AND actor_type = '" ROLE_ACTOR_USER "' ORDER BY actor",
    /* a direct grant (its primary key) or a role actor (the actor index: one seek to the
       user's rows in the project, at most one per role, then +role_id filters them; as
       an index term the IN list costs a seek per bound id, measured 40% slower) */
    [Q_PERM_HAS] = "SELECT 1 FROM user_permissions WHERE site_id = ?1 AND account_id = ?2 AND permission = ?4 "
                   "AND project_id IN (0, ?3) "
                   "UNION ALL SELECT 1 FROM project_role_actors WHERE ?3 <> 0 AND site_id = ?1 AND actor = ?2 "
                   "AND project_id = ?3 AND actor_type = '" ROLE_ACTOR_USER "' "
                   "AND +role_id IN (?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) LIMIT 1", /* STORE_ROLES_MAX */
    [Q_USER_SEARCH] = "SELECT u.account_id, u.email, u.display_name, u.account_type, u.time_zone, u.locale, "
                      "u.active, count(*) OVER ()" USER_WHERE " ORDER BY u.display_name, u.account_id "
                      "LIMIT ?7 OFFSET ?8",
    [Q_USER_COUNT] = "SELECT count(*)" USER_WHERE,
};

/* PostgreSQL (docs/scale.md, "Dialect"): the JSON items through jsonb (->> 'p', the
 * array -> 'r'), the project ids as numbers, and SQLite's lower() (DB_PG_LOWER). */
#define PG_HOLDS                                                                                                       \
    "(EXISTS (SELECT 1 FROM user_permissions up WHERE up.site_id = ?1 AND up.account_id = u.account_id"                \
    " AND up.permission = (pe.value::jsonb ->> 'p') AND up.project_id IN (0, pj.value))"                               \
    " OR (pj.value <> 0 AND EXISTS (SELECT 1 FROM project_role_actors ra WHERE ra.site_id = ?1"                        \
    " AND ra.actor = u.account_id AND ra.project_id = pj.value AND ra.actor_type = '" ROLE_ACTOR_USER "'"              \
    " AND ra.role_id IN (SELECT CAST(r AS BIGINT) FROM jsonb_array_elements_text(pe.value::jsonb -> 'r') r))))"
#define PG_NAME DB_PG_LOWER("u.display_name")
#define PG_EMAIL DB_PG_LOWER("u.email")
#define PG_USER_WHERE                                                                                                  \
    " FROM users u WHERE u.site_id = ?1"                                                                               \
    " AND (?2::text IS NULL OR substr(" PG_NAME ", 1, length(?2)) = ?2"                                                \
    " OR strpos(' ' || " PG_NAME ", ' ' || ?2) > 0 OR substr(" PG_EMAIL ", 1, length(?2)) = ?2)"                       \
    " AND (?3::text IS NULL OR u.account_id IN (SELECT value FROM json_each(?3)))"                                     \
    " AND (?4::text IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?4) pe,"                                            \
    " (SELECT CAST(value AS BIGINT) AS value FROM json_each(?5)) pj WHERE NOT " PG_HOLDS "))"                          \
    " AND (?6 = 0 OR u.active = 1)"

static const char *const pg[Q__COUNT] = {
    [Q_USER_SEARCH] = "SELECT u.account_id, u.email, u.display_name, u.account_type, u.time_zone, u.locale, "
                      "u.active, count(*) OVER ()" PG_USER_WHERE " ORDER BY u.display_name, u.account_id "
                      "LIMIT ?7 OFFSET ?8",
    [Q_USER_COUNT] = "SELECT count(*)" PG_USER_WHERE,
};

static const db_sql_t statements = {DB_ROLES, Q__COUNT, sql, pg};

static db_stmt_t *bound(store_t *st, enum q id, int64_t site, int64_t project, int64_t role)
{
    db_stmt_t *q = db_stmt(st, &statements, id);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, project);
    db_bind_i64(q, 3, role);
    return q;
}

static int db_actor_add(store_t *st, int64_t site, int64_t project, int64_t role, const char *account)
{
    db_stmt_t *q = bound(st, Q_ADD, site, project, role);
    db_bind_text(q, 4, account);
    return db_write1(st, q);
}

static int db_actor_remove(store_t *st, int64_t site, int64_t project, int64_t role, const char *account)
{
    db_stmt_t *q = bound(st, Q_REMOVE, site, project, role);
    db_bind_text(q, 4, account);
    return db_write_one_row(st, q);
}

static int db_actor_clear(store_t *st, int64_t site, int64_t project, int64_t role)
{
    return db_write1(st, bound(st, Q_CLEAR, site, project, role));
}

static void read_actor(arena_t *a, db_stmt_t *q, void *rec)
{
    *(const char **)rec = db_col_str(a, q, 0);
}

static int db_actor_list(store_t *st, arena_t *a, int64_t site, int64_t project, int64_t role, const char ***out,
                         size_t *n)
{
    return db_collect(st, a, bound(st, Q_LIST, site, project, role), sizeof **out, read_actor, (void **)out, n);
}

static int db_perm_role_has(store_t *st, int64_t site, const char *account, int64_t project, const char *perm,
                            const int64_t *roles, size_t nroles, int *has)
{
    *has = 0;
    if (nroles > STORE_ROLES_MAX)
        return STORE_ERROR;
    db_stmt_t *q = db_stmt(st, &statements, Q_PERM_HAS);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, account);
    db_bind_i64(q, 3, project);
    db_bind_text(q, 4, perm);
    for (size_t i = 0; i < STORE_ROLES_MAX; i++) /* unused slots: 0, no role's id */
        db_bind_i64(q, 5 + (int)i, i < nroles ? roles[i] : 0);
    int rc = db_step(q);
    *has = rc == DB_ROW;
    int r = rc == DB_ROW || rc == DB_DONE ? STORE_OK : db_rc(st, rc);
    db_done(q);
    return r;
}

static void bind_user_filter(db_stmt_t *q, int64_t site, const user_filter_t *f)
{
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, f->query && *f->query ? f->query : NULL);
    db_bind_text(q, 3, f->account_ids_json);
    db_bind_text(q, 4, f->perms_json);
    db_bind_text(q, 5, f->projects_json ? f->projects_json : "[0]");
    db_bind_i64(q, 6, f->active_only);
}

static void read_user(arena_t *a, db_stmt_t *q, user_rec_t *u)
{
    u->account_id = db_col_str(a, q, 0);
    u->email = db_col_str(a, q, 1);
    u->display_name = db_col_str(a, q, 2);
    u->account_type = db_col_str(a, q, 3);
    u->time_zone = db_col_str(a, q, 4);
    u->locale = db_col_str(a, q, 5);
    u->active = db_col_int(q, 6);
}

static int db_user_search(store_t *st, arena_t *a, int64_t site, const user_filter_t *f, user_rec_t **out, size_t *n,
                          int64_t *total)
{
    db_stmt_t *q = db_stmt(st, &statements, Q_USER_SEARCH);
    bind_user_filter(q, site, f);
    db_bind_i64(q, 7, f->max_results);
    db_bind_i64(q, 8, f->start_at);
    size_t cap = (size_t)(f->max_results > 0 ? f->max_results : 1);
    user_rec_t *v = arena_calloc(a, cap * sizeof *v);
    size_t len = 0;
    int src = DB_DONE;
    *total = 0;
    while (v && len < cap && (src = db_step(q)) == DB_ROW) {
        read_user(a, q, &v[len++]);
        *total = db_col_i64(q, 7);
    }
    int r = v ? db_rc(st, src == DB_ROW ? DB_DONE : src) : STORE_ERROR;
    db_done(q);
    *out = v;
    *n = len;
    if (r == STORE_OK && len == 0) { /* an empty page still has a total */
        db_stmt_t *c = db_stmt(st, &statements, Q_USER_COUNT);
        bind_user_filter(c, site, f);
        r = db_count(st, c, total);
    }
    return r;
}

const store_roles_ops_t db_roles_ops = {
    .actor_add = db_actor_add,
    .actor_remove = db_actor_remove,
    .actor_clear = db_actor_clear,
    .actor_list = db_actor_list,
    .perm_role_has = db_perm_role_has,
    .user_search = db_user_search,
};
