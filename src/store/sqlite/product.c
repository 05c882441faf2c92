/* The store's product family (store/store_product.h) on SQLite: projects and issues,
 * their id sequences (kept on sites) and the project search, answered from the
 * handle's cache of recent answers when it can be (store/qcache.h). Tables: projects,
 * issues. */
#include <sqlite3.h>
#include <stdint.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store_product.h"

enum q {
    Q_SITE_SEED_IDS,
    Q_NEXT_PROJECT_ID,
    Q_PROJECT_INSERT,
    Q_PROJECT_BY_ID,
    Q_PROJECT_BY_KEY,
    Q_PROJECT_SEARCH_KEY,
    Q_PROJECT_SEARCH_KEY_DESC,
    Q_PROJECT_SEARCH_NAME,
    Q_PROJECT_SEARCH_NAME_DESC,
    Q_PROJECT_COUNT,
    Q_NEXT_ISSUE_ID,
    Q_NEXT_ISSUE_NUM,
    Q_ISSUE_INSERT,
    Q_ISSUE_BY_ID,
    Q_ISSUE_BY_KEY,
    Q_NEXT_ID,
    Q_ISSUE_UPDATE,
    Q_ISSUE_DEL_LABELS,
    Q_ISSUE_DEL_COMPONENTS,
    Q_ISSUE_DEL_VERSIONS,
    Q_ISSUE_DEL_VALUES,
    Q_ISSUE_DEL_COMMENT_PROPS,
    Q_ISSUE_DEL_WORKLOG_PROPS,
    Q_ISSUE_DEL_COMMENTS,
    Q_ISSUE_DEL_WORKLOGS,
    Q_ISSUE_DEL_CHANGEITEMS,
    Q_ISSUE_DEL_CHANGEGROUPS,
    Q_ISSUE_DEL_PROPS,
    Q_ISSUE_DEL_LINKS,
    Q_ISSUE_DEL_SPRINTS,
    Q_ISSUE_DEL,
    Q_ISSUE_CHILDREN,
    /* store_project_update, store_project_delete (its cascade, in this order) */
    Q_PROJECT_UPDATE,
    Q_PROJECT_DEL_LABELS,
    Q_PROJECT_DEL_ISSUE_COMPONENTS,
    Q_PROJECT_DEL_ISSUE_VERSIONS,
    Q_PROJECT_DEL_VALUES,
    Q_PROJECT_DEL_COMMENT_PROPS,
    Q_PROJECT_DEL_WORKLOG_PROPS,
    Q_PROJECT_DEL_COMMENTS,
    Q_PROJECT_DEL_WORKLOGS,
    Q_PROJECT_DEL_CHANGEITEMS,
    Q_PROJECT_DEL_CHANGEGROUPS,
    Q_PROJECT_DEL_ISSUE_PROPS,
    Q_PROJECT_DEL_LINKS,
    Q_PROJECT_DEL_ISSUE_SPRINTS,
    Q_PROJECT_DEL_ISSUES,
    Q_PROJECT_DEL_COMPONENTS,
    Q_PROJECT_DEL_VERSIONS,
    Q_PROJECT_DEL_ROLE_ACTORS,
    Q_PROJECT_DEL_GRANTS,
    Q_PROJECT_DEL_PROPS,
    Q_PROJECT_DEL_SPRINT_ISSUES,
    Q_PROJECT_DEL_SPRINTS,
    Q_PROJECT_DEL_BOARDS,
    Q_PROJECT_DEL,
    Q__COUNT
};

/* the ids of the project's issues (?1 the site, ?2 the project) */
#define PROJECT_ISSUES "(SELECT id FROM issues WHERE site_id = ?1 AND project_id = ?2)"

#define PROJECT_COLS                                                                                                   \
    "p.id, p.key, p.name, p.description, p.type_key, p.lead_account_id, p.assignee_type, "                             \
    "p.url, p.created_ms, "                                                                                            \
    "CASE WHEN ?7 THEN (SELECT count(*) FROM issues i"                                                                 \
    " WHERE i.site_id = p.site_id AND i.project_id = p.id) END, "                                                      \
    "CASE WHEN ?7 THEN (SELECT max(updated_ms) FROM issues i"                                                          \
    " WHERE i.site_id = p.site_id AND i.project_id = p.id) END"
#define PROJECT_WHERE                                                                                                  \
    " FROM projects p WHERE p.site_id = ?1"                                                                            \
    " AND (?2 IS NULL OR instr(lower(p.key), ?2) > 0 OR instr(lower(p.name), ?2) > 0)"                                 \
    " AND (?3 IS NULL OR p.key IN (SELECT value FROM json_each(?3)))"                                                  \
    " AND (?4 IS NULL OR p.type_key IN (SELECT value FROM json_each(?4)))"                                             \
    " AND (?8 IS NULL OR EXISTS (SELECT 1 FROM user_permissions up WHERE up.site_id = p.site_id"                       \
    " AND up.account_id = ?8 AND up.permission = 'BROWSE_PROJECTS' AND up.project_id IN (0, p.id))"                    \
    " OR EXISTS (SELECT 1 FROM project_role_actors ra WHERE ra.site_id = p.site_id AND ra.actor = ?8"                  \
    " AND ra.project_id = p.id AND ra.actor_type = 'atlassian-user-role-actor'"                                        \
    " AND ra.role_id IN (SELECT value FROM json_each(?9))))"
/* The page walks an index in order; the total is an uncorrelated subquery over the same
 * filter, which SQLite evaluates once per statement (a window count(*) OVER () would
 * force a temporary b-tree on every search). */
#define PROJECT_COUNT_SQL "SELECT count(*)" PROJECT_WHERE
#define PROJECT_SEARCH(order)                                                                                          \
    "SELECT " PROJECT_COLS ", (" PROJECT_COUNT_SQL ")" PROJECT_WHERE " ORDER BY " order " LIMIT ?5 OFFSET ?6"
#define ISSUE_COLS SQ_ISSUE_COLS ", p.key"

static const char *const sql[Q__COUNT] = {
    [Q_SITE_SEED_IDS] = "UPDATE sites SET next_project_id = max(next_project_id, ?2), "
                        "next_issue_id = max(next_issue_id, ?2), id_base = max(id_base, ?2) WHERE id = ?1",
    [Q_NEXT_PROJECT_ID] = "UPDATE sites SET next_project_id = next_project_id + 1 WHERE id = ?1 "
                          "RETURNING next_project_id - 1",
    [Q_PROJECT_INSERT] = "INSERT INTO projects (site_id, id, key, name, description, type_key, "
                         "lead_account_id, assignee_type, url, created_ms) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [Q_PROJECT_BY_ID] = "SELECT " PROJECT_COLS " FROM projects p WHERE p.site_id = ?1 AND p.id = ?2",
    [Q_PROJECT_BY_KEY] = "SELECT " PROJECT_COLS " FROM projects p WHERE p.site_id = ?1 AND p.key = ?2",
    [Q_PROJECT_SEARCH_KEY] = PROJECT_SEARCH("p.key"),
    [Q_PROJECT_SEARCH_KEY_DESC] = PROJECT_SEARCH("p.key DESC"),
    [Q_PROJECT_SEARCH_NAME] = PROJECT_SEARCH("p.name, p.key"),
    [Q_PROJECT_SEARCH_NAME_DESC] = PROJECT_SEARCH("p.name DESC, p.key DESC"),
    [Q_PROJECT_COUNT] = PROJECT_COUNT_SQL,
    [Q_NEXT_ISSUE_ID] = "UPDATE sites SET next_issue_id = next_issue_id + 1 WHERE id = ?1 "
                        "RETURNING next_issue_id - 1",
    [Q_NEXT_ISSUE_NUM] = "UPDATE projects SET next_issue_num = next_issue_num + 1 "
                         "WHERE site_id = ?1 AND id = ?2 RETURNING next_issue_num - 1",
    [Q_ISSUE_INSERT] = "INSERT INTO issues (site_id, id, project_id, num, issuetype_id, status_id, priority_id, "
                       "resolution_id, summary, description_json, environment_json, reporter_account_id, "
                       "creator_account_id, assignee_account_id, parent_id, duedate, original_estimate_s, "
                       "remaining_estimate_s, time_spent_s, rank, created_ms, updated_ms, resolved_ms, "
                       "status_changed_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                       "?15, ?16, ?17, ?18, ?19, CASE WHEN ?20 = '' THEN printf('0|%010d:', ?2) ELSE ?20 END, "
                       "?21, ?22, ?23, ?24)",
    [Q_ISSUE_BY_ID] = "SELECT " ISSUE_COLS " FROM issues i JOIN projects p "
                      "ON p.site_id = i.site_id AND p.id = i.project_id "
                      "WHERE i.site_id = ?1 AND i.id = ?2",
    [Q_ISSUE_BY_KEY] = "SELECT " ISSUE_COLS " FROM issues i JOIN projects p "
                       "ON p.site_id = i.site_id AND p.id = i.project_id "
                       "WHERE i.site_id = ?1 AND p.key = ?2 AND i.num = ?3",
    /* the first value of a kind is the site's id_base, as Jira's first ids are 10000 */
    [Q_NEXT_ID] = "INSERT INTO id_seq (site_id, kind, next) SELECT id, ?2, id_base + 1 FROM sites WHERE id = ?1 "
                  "ON CONFLICT (site_id, kind) DO UPDATE SET next = next + 1 RETURNING next - 1",
    [Q_ISSUE_UPDATE] = "UPDATE issues SET issuetype_id = ?3, status_id = ?4, priority_id = ?5, resolution_id = ?6, "
                       "summary = ?7, description_json = ?8, environment_json = ?9, reporter_account_id = ?10, "
                       "creator_account_id = ?11, assignee_account_id = ?12, parent_id = ?13, duedate = ?14, "
                       "original_estimate_s = ?15, remaining_estimate_s = ?16, time_spent_s = ?17, rank = ?18, "
                       "updated_ms = ?19, resolved_ms = ?20, status_changed_ms = ?21 WHERE site_id = ?1 AND id = ?2",
    /* store_issue_delete: everything that hangs on the issue, then the issue */
    [Q_ISSUE_DEL_LABELS] = "DELETE FROM issue_labels WHERE site_id = ?1 AND issue_id = ?2",
    [Q_ISSUE_DEL_COMPONENTS] = "DELETE FROM issue_components WHERE site_id = ?1 AND issue_id = ?2",
    [Q_ISSUE_DEL_VERSIONS] = "DELETE FROM issue_versions WHERE site_id = ?1 AND issue_id = ?2",
    [Q_ISSUE_DEL_VALUES] = "DELETE FROM field_values WHERE site_id = ?1 AND issue_id = ?2",
    [Q_ISSUE_DEL_COMMENT_PROPS] = "DELETE FROM entity_properties WHERE site_id = ?1 AND entity = 'comment' AND "
                                  "entity_id IN (SELECT CAST(id AS TEXT) FROM comments WHERE site_id = ?1 "
                                  "AND issue_id = ?2)",
    [Q_ISSUE_DEL_WORKLOG_PROPS] = "DELETE FROM entity_properties WHERE site_id = ?1 AND entity = 'worklog' AND "
                                  "entity_id IN (SELECT CAST(id AS TEXT) FROM worklogs WHERE site_id = ?1 "
                                  "AND issue_id = ?2)",
    [Q_ISSUE_DEL_COMMENTS] = "DELETE FROM comments WHERE site_id = ?1 AND issue_id = ?2",
    [Q_ISSUE_DEL_WORKLOGS] = "DELETE FROM worklogs WHERE site_id = ?1 AND issue_id = ?2",
    [Q_ISSUE_DEL_CHANGEITEMS] = "DELETE FROM changeitems WHERE site_id = ?1 AND group_id IN (SELECT id FROM "
                                "changegroups WHERE site_id = ?1 AND issue_id = ?2)",
    [Q_ISSUE_DEL_CHANGEGROUPS] = "DELETE FROM changegroups WHERE site_id = ?1 AND issue_id = ?2",
    [Q_ISSUE_DEL_PROPS] = "DELETE FROM entity_properties WHERE site_id = ?1 AND entity = 'issue' AND "
                          "entity_id = CAST(?2 AS TEXT)",
    [Q_ISSUE_DEL_LINKS] = "DELETE FROM issue_links WHERE site_id = ?1 AND (outward_issue_id = ?2 OR "
                          "inward_issue_id = ?2)",
    [Q_ISSUE_DEL_SPRINTS] = "DELETE FROM issue_sprints WHERE site_id = ?1 AND issue_id = ?2",
    [Q_ISSUE_DEL] = "DELETE FROM issues WHERE site_id = ?1 AND id = ?2",
    [Q_ISSUE_CHILDREN] = "SELECT " ISSUE_COLS " FROM issues i JOIN projects p "
                         "ON p.site_id = i.site_id AND p.id = i.project_id "
                         "WHERE i.site_id = ?1 AND i.parent_id = ?2 ORDER BY i.id LIMIT ?3",
    [Q_PROJECT_UPDATE] = "UPDATE projects SET name = ?3, description = ?4, lead_account_id = ?5, assignee_type = ?6, "
                         "url = ?7 WHERE site_id = ?1 AND id = ?2",
    [Q_PROJECT_DEL_LABELS] = "DELETE FROM issue_labels WHERE site_id = ?1 AND issue_id IN " PROJECT_ISSUES,
    [Q_PROJECT_DEL_ISSUE_COMPONENTS] =
        "DELETE FROM issue_components WHERE site_id = ?1 AND issue_id IN " PROJECT_ISSUES,
    [Q_PROJECT_DEL_ISSUE_VERSIONS] = "DELETE FROM issue_versions WHERE site_id = ?1 AND issue_id IN " PROJECT_ISSUES,
    [Q_PROJECT_DEL_VALUES] = "DELETE FROM field_values WHERE site_id = ?1 AND issue_id IN " PROJECT_ISSUES,
    [Q_PROJECT_DEL_COMMENT_PROPS] = "DELETE FROM entity_properties WHERE site_id = ?1 AND entity = 'comment' AND "
                                    "entity_id IN (SELECT CAST(id AS TEXT) FROM comments WHERE site_id = ?1 "
                                    "AND issue_id IN " PROJECT_ISSUES ")",
    [Q_PROJECT_DEL_WORKLOG_PROPS] = "DELETE FROM entity_properties WHERE site_id = ?1 AND entity = 'worklog' AND "
                                    "entity_id IN (SELECT CAST(id AS TEXT) FROM worklogs WHERE site_id = ?1 "
                                    "AND issue_id IN " PROJECT_ISSUES ")",
    [Q_PROJECT_DEL_COMMENTS] = "DELETE FROM comments WHERE site_id = ?1 AND issue_id IN " PROJECT_ISSUES,
    [Q_PROJECT_DEL_WORKLOGS] = "DELETE FROM worklogs WHERE site_id = ?1 AND issue_id IN " PROJECT_ISSUES,
    [Q_PROJECT_DEL_CHANGEITEMS] = "DELETE FROM changeitems WHERE site_id = ?1 AND group_id IN (SELECT id FROM "
                                  "changegroups WHERE site_id = ?1 AND issue_id IN " PROJECT_ISSUES ")",
    [Q_PROJECT_DEL_CHANGEGROUPS] = "DELETE FROM changegroups WHERE site_id = ?1 AND issue_id IN " PROJECT_ISSUES,
    [Q_PROJECT_DEL_ISSUE_PROPS] = "DELETE FROM entity_properties WHERE site_id = ?1 AND entity = 'issue' AND "
                                  "entity_id IN (SELECT CAST(id AS TEXT) FROM issues WHERE site_id = ?1 "
                                  "AND project_id = ?2)",
    [Q_PROJECT_DEL_LINKS] = "DELETE FROM issue_links WHERE site_id = ?1 AND (outward_issue_id IN " PROJECT_ISSUES
                            " OR inward_issue_id IN " PROJECT_ISSUES ")",
    [Q_PROJECT_DEL_ISSUE_SPRINTS] = "DELETE FROM issue_sprints WHERE site_id = ?1 AND issue_id IN " PROJECT_ISSUES,
    [Q_PROJECT_DEL_ISSUES] = "DELETE FROM issues WHERE site_id = ?1 AND project_id = ?2",
    [Q_PROJECT_DEL_COMPONENTS] = "DELETE FROM components WHERE site_id = ?1 AND project_id = ?2",
    [Q_PROJECT_DEL_VERSIONS] = "DELETE FROM versions_jira WHERE site_id = ?1 AND project_id = ?2",
    [Q_PROJECT_DEL_ROLE_ACTORS] = "DELETE FROM project_role_actors WHERE site_id = ?1 AND project_id = ?2",
    [Q_PROJECT_DEL_GRANTS] = "DELETE FROM user_permissions WHERE site_id = ?1 AND project_id = ?2 AND ?2 <> 0",
    [Q_PROJECT_DEL_PROPS] = "DELETE FROM entity_properties WHERE site_id = ?1 AND entity = 'project' AND "
                            "entity_id = CAST(?2 AS TEXT)",
    /* other projects' issues in the project's boards' sprints leave those sprints */
    [Q_PROJECT_DEL_SPRINT_ISSUES] = "DELETE FROM issue_sprints WHERE site_id = ?1 AND sprint_id IN (SELECT s.id FROM "
                                    "sprints s JOIN boards b ON b.site_id = s.site_id AND b.id = s.board_id "
                                    "WHERE s.site_id = ?1 AND b.project_id = ?2)",
    [Q_PROJECT_DEL_SPRINTS] = "DELETE FROM sprints WHERE site_id = ?1 AND board_id IN (SELECT id FROM boards "
                              "WHERE site_id = ?1 AND project_id = ?2)",
    [Q_PROJECT_DEL_BOARDS] = "DELETE FROM boards WHERE site_id = ?1 AND project_id = ?2",
    [Q_PROJECT_DEL] = "DELETE FROM projects WHERE site_id = ?1 AND id = ?2",
};

static const sq_sql_t statements = {SQ_PRODUCT, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

static int sq_site_seed_ids(store_t *st, int64_t site, int64_t first)
{
    sqlite3_stmt *q = stmt(st, Q_SITE_SEED_IDS);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, first);
    int rc = sq_write1(st, q);
    if (rc == STORE_OK && sqlite3_changes(DB(st)) != 1)
        rc = STORE_NOTFOUND;
    return rc;
}

/* ---- projects ---- */

static void read_project(arena_t *a, sqlite3_stmt *q, project_rec_t *p)
{
    p->id = sqlite3_column_int64(q, 0);
    p->key = sq_col_str(a, q, 1);
    p->name = sq_col_str(a, q, 2);
    p->description = sq_col_str(a, q, 3);
    p->type_key = sq_col_str(a, q, 4);
    p->lead_account_id = sq_col_str(a, q, 5);
    p->assignee_type = sq_col_str(a, q, 6);
    p->url = sq_col_str(a, q, 7);
    p->created_ms = sqlite3_column_int64(q, 8);
    p->issue_count = sqlite3_column_int64(q, 9);
    p->last_issue_update_ms = sqlite3_column_int64(q, 10);
}

static int sq_project_insert(store_t *st, int64_t site, project_rec_t *p)
{
    int opened, rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_NEXT_PROJECT_ID);
    sqlite3_bind_int64(q, 1, site);
    rc = sq_next_id(st, q, &p->id);
    if (rc == STORE_OK) {
        q = stmt(st, Q_PROJECT_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, p->id);
        sq_bind_text(q, 3, p->key);
        sq_bind_text(q, 4, p->name);
        sq_bind_text(q, 5, p->description ? p->description : "");
        sq_bind_text(q, 6, p->type_key);
        sq_bind_text(q, 7, p->lead_account_id);
        sq_bind_text(q, 8, p->assignee_type ? p->assignee_type : "UNASSIGNED");
        sq_bind_text(q, 9, p->url ? p->url : "");
        sqlite3_bind_int64(q, 10, p->created_ms);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int one_project(store_t *st, arena_t *a, sqlite3_stmt *q, int64_t site, project_rec_t *out)
{
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int(q, 7, 0); /* no insight: a read by id or key is on every issue's path */
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? (read_project(a, q, out), STORE_OK) : rc == SQLITE_DONE ? STORE_NOTFOUND : sq_rc(st, rc);
    sq_done(q);
    return r;
}

static int sq_project_by_id(store_t *st, arena_t *a, int64_t site, int64_t id, project_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_PROJECT_BY_ID);
    sqlite3_bind_int64(q, 2, id);
    return one_project(st, a, q, site, out);
}

static int sq_project_by_key(store_t *st, arena_t *a, int64_t site, const char *key, project_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_PROJECT_BY_KEY);
    sq_bind_text(q, 2, key);
    return one_project(st, a, q, site, out);
}

static void bind_filter(sqlite3_stmt *q, int64_t site, const project_filter_t *f)
{
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, f->query);
    sq_bind_text(q, 3, f->keys_json);
    sq_bind_text(q, 4, f->types_json);
    sq_bind_text(q, 8, f->viewer);
    sq_bind_text(q, 9, f->viewer_roles ? f->viewer_roles : "[]");
}

static int sq_project_search(store_t *st, arena_t *a, int64_t site, const project_filter_t *f, project_rec_t **out,
                             size_t *n, int64_t *total)
{
    static const enum q order_q[] = {
        [PROJECT_ORDER_KEY] = Q_PROJECT_SEARCH_KEY,
        [PROJECT_ORDER_KEY_DESC] = Q_PROJECT_SEARCH_KEY_DESC,
        [PROJECT_ORDER_NAME] = Q_PROJECT_SEARCH_NAME,
        [PROJECT_ORDER_NAME_DESC] = Q_PROJECT_SEARCH_NAME_DESC,
    };
    struct sqlite_store *s = SQ(st);
    /* The data we are about to read is at least as new as this generation: the active
     * snapshot's (taken before its BEGIN), or now (the statement starts after this). */
    uint64_t gen = s->snap == SNAP_ACTIVE ? s->snap_gen : sq_write_gen;
    /* never remember what a write transaction may roll back, nor one user's view */
    int cacheable = !s->in_tx && !f->viewer;
    if (cacheable && qcache_get(&s->qc, a, sq_write_gen, site, f, out, n, total))
        return STORE_OK;
    sqlite3_stmt *q = stmt(st, order_q[f->order]);
    bind_filter(q, site, f);
    sqlite3_bind_int64(q, 5, f->max_results);
    sqlite3_bind_int64(q, 6, f->start_at);
    sqlite3_bind_int(q, 7, f->insight);
    size_t cap = (size_t)(f->max_results > 0 ? f->max_results : 1);
    project_rec_t *v = arena_calloc(a, cap * sizeof *v);
    size_t len = 0;
    int src = SQLITE_DONE;
    while (v && len < cap && (src = sqlite3_step(q)) == SQLITE_ROW) {
        read_project(a, q, &v[len++]);
        *total = sqlite3_column_int64(q, 11);
    }
    int r = v ? sq_rc(st, src == SQLITE_ROW ? SQLITE_DONE : src) : STORE_ERROR;
    sq_done(q);
    *out = v;
    *n = len;
    if (r == STORE_OK && len == 0) {
        /* An empty page (no match, maxResults=0, or startAt past the end) still has a total. */
        sqlite3_stmt *c = stmt(st, Q_PROJECT_COUNT);
        bind_filter(c, site, f);
        r = sq_count(st, c, total);
    }
    if (r == STORE_OK && cacheable)
        qcache_put(&s->qc, gen, site, f, v, len, *total);
    return r;
}

/* ---- issues ---- */

static int sq_issue_insert(store_t *st, int64_t site, issue_rec_t *i)
{
    int opened, rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_NEXT_ISSUE_ID);
    sqlite3_bind_int64(q, 1, site);
    rc = sq_next_id(st, q, &i->id);
    if (rc == STORE_OK) {
        q = stmt(st, Q_NEXT_ISSUE_NUM);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, i->project_id);
        rc = sq_next_id(st, q, &i->num);
    }
    if (rc == STORE_OK) {
        q = stmt(st, Q_ISSUE_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, i->id);
        sqlite3_bind_int64(q, 3, i->project_id);
        sqlite3_bind_int64(q, 4, i->num);
        sqlite3_bind_int64(q, 5, i->issuetype_id);
        sqlite3_bind_int64(q, 6, i->status_id);
        sqlite3_bind_int64(q, 7, i->priority_id);
        sq_bind_opt_i64(q, 8, i->resolution_id, 0);
        sq_bind_text(q, 9, i->summary);
        sq_bind_text(q, 10, i->description_json);
        sq_bind_text(q, 11, i->environment_json);
        sq_bind_text(q, 12, i->reporter_account_id);
        sq_bind_text(q, 13, i->creator_account_id);
        sq_bind_text(q, 14, i->assignee_account_id);
        sq_bind_opt_i64(q, 15, i->parent_id, 0);
        sq_bind_text(q, 16, i->duedate);
        sq_bind_opt_i64(q, 17, i->original_estimate_s, -1);
        sq_bind_opt_i64(q, 18, i->remaining_estimate_s, -1);
        sq_bind_opt_i64(q, 19, i->time_spent_s, -1);
        sq_bind_text(q, 20, i->rank ? i->rank : "");
        sqlite3_bind_int64(q, 21, i->created_ms);
        sqlite3_bind_int64(q, 22, i->updated_ms);
        sq_bind_opt_i64(q, 23, i->resolved_ms, 0);
        sqlite3_bind_int64(q, 24, i->status_changed_ms ? i->status_changed_ms : i->created_ms);
        rc = sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

void sq_read_issue(arena_t *a, sqlite3_stmt *q, issue_rec_t *out)
{
    out->id = sqlite3_column_int64(q, 0);
    out->project_id = sqlite3_column_int64(q, 1);
    out->num = sqlite3_column_int64(q, 2);
    out->issuetype_id = sqlite3_column_int64(q, 3);
    out->status_id = sqlite3_column_int64(q, 4);
    out->priority_id = sqlite3_column_int64(q, 5);
    out->resolution_id = sq_col_opt_i64(q, 6, 0);
    out->summary = sq_col_str(a, q, 7);
    out->description_json = sq_col_str(a, q, 8);
    out->environment_json = sq_col_str(a, q, 9);
    out->reporter_account_id = sq_col_str(a, q, 10);
    out->creator_account_id = sq_col_str(a, q, 11);
    out->assignee_account_id = sq_col_str(a, q, 12);
    out->parent_id = sq_col_opt_i64(q, 13, 0);
    out->duedate = sq_col_str(a, q, 14);
    out->original_estimate_s = sq_col_opt_i64(q, 15, -1);
    out->remaining_estimate_s = sq_col_opt_i64(q, 16, -1);
    out->time_spent_s = sq_col_opt_i64(q, 17, -1);
    out->rank = sq_col_str(a, q, 18);
    out->created_ms = sqlite3_column_int64(q, 19);
    out->updated_ms = sqlite3_column_int64(q, 20);
    out->resolved_ms = sq_col_opt_i64(q, 21, 0);
    out->status_changed_ms = sqlite3_column_int64(q, 22);
}

static int one_issue(store_t *st, arena_t *a, sqlite3_stmt *q, int64_t site, issue_rec_t *out, const char **pkey)
{
    sqlite3_bind_int64(q, 1, site);
    int rc = sqlite3_step(q);
    int r = STORE_NOTFOUND;
    if (rc == SQLITE_ROW) {
        sq_read_issue(a, q, out);
        *pkey = sq_col_str(a, q, SQ_ISSUE_NCOLS);
        r = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        r = sq_rc(st, rc);
    }
    sq_done(q);
    return r;
}

static int sq_issue_by_id(store_t *st, arena_t *a, int64_t site, int64_t id, issue_rec_t *out, const char **pkey)
{
    sqlite3_stmt *q = stmt(st, Q_ISSUE_BY_ID);
    sqlite3_bind_int64(q, 2, id);
    return one_issue(st, a, q, site, out, pkey);
}

static int sq_issue_by_key(store_t *st, arena_t *a, int64_t site, const char *key, int64_t num, issue_rec_t *out,
                           const char **pkey)
{
    sqlite3_stmt *q = stmt(st, Q_ISSUE_BY_KEY);
    sq_bind_text(q, 2, key);
    sqlite3_bind_int64(q, 3, num);
    return one_issue(st, a, q, site, out, pkey);
}

static int sq_issue_update(store_t *st, int64_t site, const issue_rec_t *i)
{
    sqlite3_stmt *q = stmt(st, Q_ISSUE_UPDATE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, i->id);
    sqlite3_bind_int64(q, 3, i->issuetype_id);
    sqlite3_bind_int64(q, 4, i->status_id);
    sqlite3_bind_int64(q, 5, i->priority_id);
    sq_bind_opt_i64(q, 6, i->resolution_id, 0);
    sq_bind_text(q, 7, i->summary);
    sq_bind_text(q, 8, i->description_json);
    sq_bind_text(q, 9, i->environment_json);
    sq_bind_text(q, 10, i->reporter_account_id);
    sq_bind_text(q, 11, i->creator_account_id);
    sq_bind_text(q, 12, i->assignee_account_id);
    sq_bind_opt_i64(q, 13, i->parent_id, 0);
    sq_bind_text(q, 14, i->duedate);
    sq_bind_opt_i64(q, 15, i->original_estimate_s, -1);
    sq_bind_opt_i64(q, 16, i->remaining_estimate_s, -1);
    sq_bind_opt_i64(q, 17, i->time_spent_s, -1);
    sq_bind_text(q, 18, i->rank ? i->rank : "");
    sqlite3_bind_int64(q, 19, i->updated_ms);
    sq_bind_opt_i64(q, 20, i->resolved_ms, 0);
    sqlite3_bind_int64(q, 21, i->status_changed_ms);
    return sq_write_one_row(st, q);
}

static int sq_issue_delete(store_t *st, int64_t site, int64_t id)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    for (enum q d = Q_ISSUE_DEL_LABELS; rc == STORE_OK && d <= Q_ISSUE_DEL; d++) {
        sqlite3_stmt *q = stmt(st, d);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, id);
        rc = d == Q_ISSUE_DEL ? sq_write_one_row(st, q) : sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_project_update(store_t *st, int64_t site, const project_rec_t *p)
{
    sqlite3_stmt *q = stmt(st, Q_PROJECT_UPDATE);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, p->id);
    sq_bind_text(q, 3, p->name);
    sq_bind_text(q, 4, p->description ? p->description : "");
    sq_bind_text(q, 5, p->lead_account_id);
    sq_bind_text(q, 6, p->assignee_type ? p->assignee_type : "UNASSIGNED");
    sq_bind_text(q, 7, p->url ? p->url : "");
    return sq_write_one_row(st, q);
}

static int sq_project_delete(store_t *st, int64_t site, int64_t id)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    for (enum q d = Q_PROJECT_DEL_LABELS; rc == STORE_OK && d <= Q_PROJECT_DEL; d++) {
        sqlite3_stmt *q = stmt(st, d);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, id);
        rc = d == Q_PROJECT_DEL ? sq_write_one_row(st, q) : sq_exec(st, q);
    }
    return sq_tx_close(st, opened, rc);
}

static int sq_next_kind_id(store_t *st, int64_t site, const char *kind, int64_t *id)
{
    int opened;
    int rc = sq_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_NEXT_ID);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, kind);
    rc = sq_next_id(st, q, id);
    return sq_tx_close(st, opened, rc);
}

static int sq_issue_children(store_t *st, arena_t *a, int64_t site, int64_t parent, size_t max, issue_rec_t **out,
                             const char ***pkeys, size_t *n)
{
    *out = NULL;
    *pkeys = NULL;
    *n = 0;
    if (max == 0)
        return STORE_OK;
    issue_rec_t *v = arena_alloc(a, max * sizeof *v);
    const char **k = arena_alloc(a, max * sizeof *k);
    if (!v || !k)
        return STORE_ERROR;
    sqlite3_stmt *q = stmt(st, Q_ISSUE_CHILDREN);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, parent);
    sqlite3_bind_int64(q, 3, (int64_t)max);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        sq_read_issue(a, q, &v[*n]);
        k[*n] = sq_col_str(a, q, SQ_ISSUE_NCOLS);
        (*n)++;
    }
    int r = rc == SQLITE_DONE ? STORE_OK : sq_rc(st, rc);
    sq_done(q);
    *out = v;
    *pkeys = k;
    return r;
}

const store_product_ops_t sq_product_ops = {
    .next_id = sq_next_kind_id,
    .site_seed_ids = sq_site_seed_ids,
    .project_insert = sq_project_insert,
    .project_by_id = sq_project_by_id,
    .project_by_key = sq_project_by_key,
    .project_search = sq_project_search,
    .issue_insert = sq_issue_insert,
    .issue_by_id = sq_issue_by_id,
    .issue_by_key = sq_issue_by_key,
    .issue_update = sq_issue_update,
    .issue_delete = sq_issue_delete,
    .issue_children = sq_issue_children,
    .project_update = sq_project_update,
    .project_delete = sq_project_delete,
};
