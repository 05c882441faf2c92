/* The store's product family (store/store_product.h) over the neutral statement layer (sql/db.h): projects and issues,
 * their id sequences (kept on sites) and the project search, answered from the
 * handle's cache of recent answers when it can be (store/qcache.h). Tables: projects,
 * issues. */
#include <stdint.h>
#include <stdio.h>

#include "store/qcache.h"
#include "store/sql/families.h"
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
    " AND ra.role_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?9))))"
/* The page walks an index in order; the total is an uncorrelated subquery over the same
 * filter, which SQLite evaluates once per statement (a window count(*) OVER () would
 * force a temporary b-tree on every search). */
#define PROJECT_COUNT_SQL "SELECT count(*)" PROJECT_WHERE
#define PROJECT_SEARCH(order)                                                                                          \
    "SELECT " PROJECT_COLS ", (" PROJECT_COUNT_SQL ")" PROJECT_WHERE " ORDER BY " order " LIMIT ?5 OFFSET ?6"
#define ISSUE_COLS DB_ISSUE_COLS ", p.key"

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
                       "?15, ?16, ?17, ?18, ?19, ?20, "
                       "?21, ?22, ?23, ?24)",
    [Q_ISSUE_BY_ID] = "SELECT " ISSUE_COLS " FROM issues i JOIN projects p "
                      "ON p.site_id = i.site_id AND p.id = i.project_id "
                      "WHERE i.site_id = ?1 AND i.id = ?2",
    [Q_ISSUE_BY_KEY] = "SELECT " ISSUE_COLS " FROM issues i JOIN projects p "
                       "ON p.site_id = i.site_id AND p.id = i.project_id "
                       "WHERE i.site_id = ?1 AND p.key = ?2 AND i.num = ?3",
    /* the first value of a kind is the site's id_base, as Jira's first ids are 10000 */
    [Q_NEXT_ID] = "INSERT INTO id_seq (site_id, kind, next) SELECT id, ?2, id_base + 1 FROM sites WHERE id = ?1 "
                  "ON CONFLICT (site_id, kind) DO UPDATE SET next = id_seq.next + 1 RETURNING next - 1",
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

static const db_sql_t statements = {DB_PRODUCT, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

static int db_site_seed_ids(store_t *st, int64_t site, int64_t first)
{
    db_stmt_t *q = stmt(st, Q_SITE_SEED_IDS);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, first);
    int rc = db_write1(st, q);
    if (rc == STORE_OK && db_changes(st) != 1)
        rc = STORE_NOTFOUND;
    return rc;
}

/* ---- projects ---- */

static void read_project(arena_t *a, db_stmt_t *q, project_rec_t *p)
{
    p->id = db_col_i64(q, 0);
    p->key = db_col_str(a, q, 1);
    p->name = db_col_str(a, q, 2);
    p->description = db_col_str(a, q, 3);
    p->type_key = db_col_str(a, q, 4);
    p->lead_account_id = db_col_str(a, q, 5);
    p->assignee_type = db_col_str(a, q, 6);
    p->url = db_col_str(a, q, 7);
    p->created_ms = db_col_i64(q, 8);
    p->issue_count = db_col_i64(q, 9);
    p->last_issue_update_ms = db_col_i64(q, 10);
}

static int db_project_insert(store_t *st, int64_t site, project_rec_t *p)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_NEXT_PROJECT_ID);
    db_bind_i64(q, 1, site);
    rc = db_next_id(st, q, &p->id);
    if (rc == STORE_OK) {
        q = stmt(st, Q_PROJECT_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, p->id);
        db_bind_text(q, 3, p->key);
        db_bind_text(q, 4, p->name);
        db_bind_text(q, 5, p->description ? p->description : "");
        db_bind_text(q, 6, p->type_key);
        db_bind_text(q, 7, p->lead_account_id);
        db_bind_text(q, 8, p->assignee_type ? p->assignee_type : "UNASSIGNED");
        db_bind_text(q, 9, p->url ? p->url : "");
        db_bind_i64(q, 10, p->created_ms);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int one_project(store_t *st, arena_t *a, db_stmt_t *q, int64_t site, project_rec_t *out)
{
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 7, 0); /* no insight: a read by id or key is on every issue's path */
    int rc = db_step(q);
    int r = rc == DB_ROW ? (read_project(a, q, out), STORE_OK) : rc == DB_DONE ? STORE_NOTFOUND : db_rc(st, rc);
    db_done(q);
    return r;
}

static int db_project_by_id(store_t *st, arena_t *a, int64_t site, int64_t id, project_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_PROJECT_BY_ID);
    db_bind_i64(q, 2, id);
    return one_project(st, a, q, site, out);
}

static int db_project_by_key(store_t *st, arena_t *a, int64_t site, const char *key, project_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_PROJECT_BY_KEY);
    db_bind_text(q, 2, key);
    return one_project(st, a, q, site, out);
}

static void bind_filter(db_stmt_t *q, int64_t site, const project_filter_t *f)
{
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, f->query);
    db_bind_text(q, 3, f->keys_json);
    db_bind_text(q, 4, f->types_json);
    db_bind_text(q, 8, f->viewer);
    db_bind_text(q, 9, f->viewer_roles ? f->viewer_roles : "[]");
}

static int db_project_search(store_t *st, arena_t *a, int64_t site, const project_filter_t *f, project_rec_t **out,
                             size_t *n, int64_t *total)
{
    static const enum q order_q[] = {
        [PROJECT_ORDER_KEY] = Q_PROJECT_SEARCH_KEY,
        [PROJECT_ORDER_KEY_DESC] = Q_PROJECT_SEARCH_KEY_DESC,
        [PROJECT_ORDER_NAME] = Q_PROJECT_SEARCH_NAME,
        [PROJECT_ORDER_NAME_DESC] = Q_PROJECT_SEARCH_NAME_DESC,
    };
    /* The data we are about to read is at least as new as gen (the driver's cache_gen);
     * never remember what a write transaction may roll back. One user's view is keyed by
     * the user and its roles (qcache.c); the permissions it reads move the generation. */
    uint64_t now_gen = 0, gen = 0;
    int64_t ttl_ms = 0;
    int cacheable = st->db->cache_gen(st, site, &now_gen, &gen, &ttl_ms);
    if (cacheable && qcache_get(&st->qc, a, now_gen, ttl_ms, site, f, out, n, total))
        return STORE_OK;
    db_stmt_t *q = stmt(st, order_q[f->order]);
    bind_filter(q, site, f);
    db_bind_i64(q, 5, f->max_results);
    db_bind_i64(q, 6, f->start_at);
    db_bind_i64(q, 7, f->insight);
    size_t cap = (size_t)(f->max_results > 0 ? f->max_results : 1);
    project_rec_t *v = arena_calloc(a, cap * sizeof *v);
    size_t len = 0;
    int src = DB_DONE;
    while (v && len < cap && (src = db_step(q)) == DB_ROW) {
        read_project(a, q, &v[len++]);
        *total = db_col_i64(q, 11);
    }
    int r = v ? db_rc(st, src == DB_ROW ? DB_DONE : src) : STORE_ERROR;
    db_done(q);
    *out = v;
    *n = len;
    if (r == STORE_OK && len == 0) {
        /* An empty page (no match, maxResults=0, or startAt past the end) still has a total. */
        db_stmt_t *c = stmt(st, Q_PROJECT_COUNT);
        bind_filter(c, site, f);
        r = db_count(st, c, total);
    }
    if (r == STORE_OK && cacheable)
        qcache_put(&st->qc, gen, site, f, v, len, *total);
    return r;
}

/* ---- issues ---- */

static int db_issue_insert(store_t *st, int64_t site, issue_rec_t *i)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_NEXT_ISSUE_ID);
    db_bind_i64(q, 1, site);
    rc = db_next_id(st, q, &i->id);
    if (rc == STORE_OK) {
        q = stmt(st, Q_NEXT_ISSUE_NUM);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, i->project_id);
        rc = db_next_id(st, q, &i->num);
    }
    if (rc == STORE_OK) {
        q = stmt(st, Q_ISSUE_INSERT);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, i->id);
        db_bind_i64(q, 3, i->project_id);
        db_bind_i64(q, 4, i->num);
        db_bind_i64(q, 5, i->issuetype_id);
        db_bind_i64(q, 6, i->status_id);
        db_bind_i64(q, 7, i->priority_id);
        db_bind_opt_i64(q, 8, i->resolution_id, 0);
        db_bind_text(q, 9, i->summary);
        db_bind_text(q, 10, i->description_json);
        db_bind_text(q, 11, i->environment_json);
        db_bind_text(q, 12, i->reporter_account_id);
        db_bind_text(q, 13, i->creator_account_id);
        db_bind_text(q, 14, i->assignee_account_id);
        db_bind_opt_i64(q, 15, i->parent_id, 0);
        db_bind_text(q, 16, i->duedate);
        db_bind_opt_i64(q, 17, i->original_estimate_s, -1);
        db_bind_opt_i64(q, 18, i->remaining_estimate_s, -1);
        db_bind_opt_i64(q, 19, i->time_spent_s, -1);
        char rank[32]; /* "" or none: after every issue of the site (its id orders them) */
        snprintf(rank, sizeof rank, "0|%010lld:", (long long)i->id);
        db_bind_text(q, 20, i->rank && *i->rank ? i->rank : rank);
        db_bind_i64(q, 21, i->created_ms);
        db_bind_i64(q, 22, i->updated_ms);
        db_bind_opt_i64(q, 23, i->resolved_ms, 0);
        db_bind_i64(q, 24, i->status_changed_ms ? i->status_changed_ms : i->created_ms);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

void db_read_issue(arena_t *a, db_stmt_t *q, issue_rec_t *out)
{
    out->id = db_col_i64(q, 0);
    out->project_id = db_col_i64(q, 1);
    out->num = db_col_i64(q, 2);
    out->issuetype_id = db_col_i64(q, 3);
    out->status_id = db_col_i64(q, 4);
    out->priority_id = db_col_i64(q, 5);
    out->resolution_id = db_col_opt_i64(q, 6, 0);
    out->summary = db_col_str(a, q, 7);
    out->description_json = db_col_str(a, q, 8);
    out->environment_json = db_col_str(a, q, 9);
    out->reporter_account_id = db_col_str(a, q, 10);
    out->creator_account_id = db_col_str(a, q, 11);
    out->assignee_account_id = db_col_str(a, q, 12);
    out->parent_id = db_col_opt_i64(q, 13, 0);
    out->duedate = db_col_str(a, q, 14);
    out->original_estimate_s = db_col_opt_i64(q, 15, -1);
    out->remaining_estimate_s = db_col_opt_i64(q, 16, -1);
    out->time_spent_s = db_col_opt_i64(q, 17, -1);
    out->rank = db_col_str(a, q, 18);
    out->created_ms = db_col_i64(q, 19);
    out->updated_ms = db_col_i64(q, 20);
    out->resolved_ms = db_col_opt_i64(q, 21, 0);
    out->status_changed_ms = db_col_i64(q, 22);
}

static int one_issue(store_t *st, arena_t *a, db_stmt_t *q, int64_t site, issue_rec_t *out, const char **pkey)
{
    db_bind_i64(q, 1, site);
    int rc = db_step(q);
    int r = STORE_NOTFOUND;
    if (rc == DB_ROW) {
        db_read_issue(a, q, out);
        *pkey = db_col_str(a, q, DB_ISSUE_NCOLS);
        r = STORE_OK;
    } else if (rc != DB_DONE) {
        r = db_rc(st, rc);
    }
    db_done(q);
    return r;
}

static int db_issue_by_id(store_t *st, arena_t *a, int64_t site, int64_t id, issue_rec_t *out, const char **pkey)
{
    db_stmt_t *q = stmt(st, Q_ISSUE_BY_ID);
    db_bind_i64(q, 2, id);
    return one_issue(st, a, q, site, out, pkey);
}

static int db_issue_by_key(store_t *st, arena_t *a, int64_t site, const char *key, int64_t num, issue_rec_t *out,
                           const char **pkey)
{
    db_stmt_t *q = stmt(st, Q_ISSUE_BY_KEY);
    db_bind_text(q, 2, key);
    db_bind_i64(q, 3, num);
    return one_issue(st, a, q, site, out, pkey);
}

static int db_issue_update(store_t *st, int64_t site, const issue_rec_t *i)
{
    db_stmt_t *q = stmt(st, Q_ISSUE_UPDATE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, i->id);
    db_bind_i64(q, 3, i->issuetype_id);
    db_bind_i64(q, 4, i->status_id);
    db_bind_i64(q, 5, i->priority_id);
    db_bind_opt_i64(q, 6, i->resolution_id, 0);
    db_bind_text(q, 7, i->summary);
    db_bind_text(q, 8, i->description_json);
    db_bind_text(q, 9, i->environment_json);
    db_bind_text(q, 10, i->reporter_account_id);
    db_bind_text(q, 11, i->creator_account_id);
    db_bind_text(q, 12, i->assignee_account_id);
    db_bind_opt_i64(q, 13, i->parent_id, 0);
    db_bind_text(q, 14, i->duedate);
    db_bind_opt_i64(q, 15, i->original_estimate_s, -1);
    db_bind_opt_i64(q, 16, i->remaining_estimate_s, -1);
    db_bind_opt_i64(q, 17, i->time_spent_s, -1);
    db_bind_text(q, 18, i->rank ? i->rank : "");
    db_bind_i64(q, 19, i->updated_ms);
    db_bind_opt_i64(q, 20, i->resolved_ms, 0);
    db_bind_i64(q, 21, i->status_changed_ms);
    return db_write_one_row(st, q);
}

static int db_issue_delete(store_t *st, int64_t site, int64_t id)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    for (enum q d = Q_ISSUE_DEL_LABELS; rc == STORE_OK && d <= Q_ISSUE_DEL; d++) {
        db_stmt_t *q = stmt(st, d);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, id);
        rc = d == Q_ISSUE_DEL ? db_write_one_row(st, q) : db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_project_update(store_t *st, int64_t site, const project_rec_t *p)
{
    db_stmt_t *q = stmt(st, Q_PROJECT_UPDATE);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, p->id);
    db_bind_text(q, 3, p->name);
    db_bind_text(q, 4, p->description ? p->description : "");
    db_bind_text(q, 5, p->lead_account_id);
    db_bind_text(q, 6, p->assignee_type ? p->assignee_type : "UNASSIGNED");
    db_bind_text(q, 7, p->url ? p->url : "");
    return db_write_one_row(st, q);
}

static int db_project_delete(store_t *st, int64_t site, int64_t id)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    for (enum q d = Q_PROJECT_DEL_LABELS; rc == STORE_OK && d <= Q_PROJECT_DEL; d++) {
        db_stmt_t *q = stmt(st, d);
        db_bind_i64(q, 1, site);
        db_bind_i64(q, 2, id);
        rc = d == Q_PROJECT_DEL ? db_write_one_row(st, q) : db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static int db_next_kind_id(store_t *st, int64_t site, const char *kind, int64_t *id)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    db_stmt_t *q = stmt(st, Q_NEXT_ID);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, kind);
    rc = db_next_id(st, q, id);
    return db_tx_close(st, opened, rc);
}

static int db_issue_children(store_t *st, arena_t *a, int64_t site, int64_t parent, size_t max, issue_rec_t **out,
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
    db_stmt_t *q = stmt(st, Q_ISSUE_CHILDREN);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, parent);
    db_bind_i64(q, 3, (int64_t)max);
    int rc;
    while ((rc = db_step(q)) == DB_ROW) {
        db_read_issue(a, q, &v[*n]);
        k[*n] = db_col_str(a, q, DB_ISSUE_NCOLS);
        (*n)++;
    }
    int r = rc == DB_DONE ? STORE_OK : db_rc(st, rc);
    db_done(q);
    *out = v;
    *pkeys = k;
    return r;
}

const store_product_ops_t db_product_ops = {
    .next_id = db_next_kind_id,
    .site_seed_ids = db_site_seed_ids,
    .project_insert = db_project_insert,
    .project_by_id = db_project_by_id,
    .project_by_key = db_project_by_key,
    .project_search = db_project_search,
    .issue_insert = db_issue_insert,
    .issue_by_id = db_issue_by_id,
    .issue_by_key = db_issue_by_key,
    .issue_update = db_issue_update,
    .issue_delete = db_issue_delete,
    .issue_children = db_issue_children,
    .project_update = db_project_update,
    .project_delete = db_project_delete,
};
