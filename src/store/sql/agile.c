/* The store's agile family (store/store_agile.h) over the neutral statement layer (sql/db.h). Tables: boards, sprints,
 * issue_sprints; issues.rank. */
#include <stdint.h>

#include "store/sql/families.h"
#include "store/store_agile.h"

/* The conditions of each agile list (enum agile_mode): ?1 site, ?2 project, ?3 sprint or
 * epic, ?4 excluded statuses (JSON array or NULL), ?5 the epic type, ?6 the subtask type,
 * ?7 visible projects (JSON array), ?8 limit, ?9 offset, ?10 the only statuses (JSON array
 * or NULL), ?11 the only issue ids (JSON array or NULL: a JQL filter's matches). */
#define AQ_WHERE(cond)                                                                                                 \
    " FROM issues i WHERE i.site_id = ?1 AND (?4 IS NULL OR i.status_id NOT IN (SELECT CAST(value AS BIGINT) FROM "    \
    "json_each(?4))) "                                                                                                 \
    "AND (?10 IS NULL OR i.status_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?10))) "                          \
    "AND (?11 IS NULL OR i.id IN (SELECT CAST(value AS BIGINT) FROM json_each(?11))) AND " cond
#define AQ_PAGE " ORDER BY i.rank, i.id LIMIT ?8 OFFSET ?9"
#define C_PROJECT "i.project_id = ?2"
#define C_BACKLOG                                                                                                      \
    "i.project_id = ?2 AND i.issuetype_id != ?5 AND NOT EXISTS (SELECT 1 FROM issue_sprints s JOIN sprints sp "        \
    "ON sp.site_id = s.site_id AND sp.id = s.sprint_id WHERE s.site_id = i.site_id AND s.issue_id = i.id "             \
    "AND sp.state != 'closed')"
#define C_SPRINT                                                                                                       \
    "i.project_id = ?2 AND i.id IN (SELECT issue_id FROM issue_sprints WHERE site_id = ?1 AND sprint_id = ?3)"
#define C_EPIC "i.project_id = ?2 AND i.parent_id = ?3"
#define C_NO_EPIC                                                                                                      \
    "(i.project_id = ?2 OR (?2 = 0 AND i.project_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?7)))) "           \
    "AND i.parent_id IS NULL AND i.issuetype_id NOT IN (?5, ?6)"
#define C_EPICS "i.project_id = ?2 AND i.issuetype_id = ?5"
#define AQ(cond) "SELECT " DB_ISSUE_COLS AQ_WHERE(cond) AQ_PAGE, "SELECT count(*)" AQ_WHERE(cond)

#define SPRINT_COLS "id, board_id, name, state, goal, start_ms, end_ms, complete_ms, created_ms"

enum q {
    Q_AQ, /* 2 per mode: the page, the count */
    Q_BOARD_INSERT = Q_AQ + 12,
    Q_BOARD_GET,
    Q_BOARD_LIST,
    Q_BOARD_DELETE,
    Q_SPRINT_INSERT,
    Q_SPRINT_GET,
    Q_SPRINT_UPDATE,
    Q_SPRINT_UNLINK,
    Q_SPRINT_DELETE,
    Q_SPRINT_LIST,
    Q_ISSUE_SPRINTS,
    Q_ISSUE_LEAVE_OPEN,
    Q_ISSUE_JOIN,
    Q_RANK_SET,
    Q_RANK_BELOW,
    Q_RANK_ABOVE,
    Q__COUNT
};

static const char *const sql[Q__COUNT] = {
    /* in enum agile_mode's order */
    AQ(C_PROJECT),
    AQ(C_BACKLOG),
    AQ(C_SPRINT),
    AQ(C_EPIC),
    AQ(C_NO_EPIC),
    AQ(C_EPICS),
    [Q_BOARD_INSERT] = "INSERT INTO boards (site_id, id, name, type, project_id, filter_jql, created_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_BOARD_GET] =
        "SELECT id, name, type, project_id, filter_jql, created_ms FROM boards WHERE site_id = ?1 AND id = ?2",
    [Q_BOARD_LIST] = "SELECT id, name, type, project_id, filter_jql, created_ms FROM boards WHERE site_id = ?1 "
                     "ORDER BY id LIMIT ?2",
    [Q_BOARD_DELETE] = "DELETE FROM boards WHERE site_id = ?1 AND id = ?2",
    [Q_SPRINT_INSERT] = "INSERT INTO sprints (site_id, id, board_id, name, state, goal, start_ms, end_ms, complete_ms, "
                        "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [Q_SPRINT_GET] = "SELECT " SPRINT_COLS " FROM sprints WHERE site_id = ?1 AND id = ?2",
    [Q_SPRINT_UPDATE] = "UPDATE sprints SET name = ?4, state = ?5, goal = ?6, start_ms = ?7, end_ms = ?8, "
                        "complete_ms = ?9 WHERE site_id = ?1 AND id = ?2",
    [Q_SPRINT_UNLINK] = "DELETE FROM issue_sprints WHERE site_id = ?1 AND sprint_id = ?2",
    [Q_SPRINT_DELETE] = "DELETE FROM sprints WHERE site_id = ?1 AND id = ?2",
    [Q_SPRINT_LIST] = "SELECT " SPRINT_COLS " FROM sprints WHERE site_id = ?1 AND board_id = ?2 ORDER BY id LIMIT ?3",
    [Q_ISSUE_SPRINTS] = "SELECT sp.id, sp.board_id, sp.name, sp.state, sp.goal, sp.start_ms, sp.end_ms, "
                        "sp.complete_ms, sp.created_ms FROM issue_sprints s JOIN sprints sp ON sp.site_id = s.site_id "
                        "AND sp.id = s.sprint_id WHERE s.site_id = ?1 AND s.issue_id = ?2 ORDER BY sp.id",
    [Q_ISSUE_LEAVE_OPEN] = "DELETE FROM issue_sprints WHERE site_id = ?1 AND issue_id = ?2 AND sprint_id IN "
                           "(SELECT id FROM sprints WHERE site_id = ?1 AND state != 'closed')",
    [Q_ISSUE_JOIN] = "INSERT OR IGNORE INTO issue_sprints (site_id, issue_id, sprint_id) VALUES (?1, ?2, ?3)",
    [Q_RANK_SET] = "UPDATE issues SET rank = ?3 WHERE site_id = ?1 AND id = ?2",
    [Q_RANK_BELOW] = "SELECT rank FROM issues WHERE site_id = ?1 AND rank < ?2 ORDER BY rank DESC LIMIT 1",
    [Q_RANK_ABOVE] = "SELECT rank FROM issues WHERE site_id = ?1 AND rank > ?2 ORDER BY rank LIMIT 1",
};

static const db_sql_t statements = {DB_AGILE, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

static db_stmt_t *by_id(store_t *st, enum q id, int64_t site, int64_t rid)
{
    db_stmt_t *q = stmt(st, id);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, rid);
    return q;
}

/* ---- boards ---- */

static int db_board_insert(store_t *st, int64_t site, board_rec_t *b)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "board", &b->id);
    if (rc == STORE_OK) {
        db_stmt_t *q = by_id(st, Q_BOARD_INSERT, site, b->id);
        db_bind_text(q, 3, b->name);
        db_bind_text(q, 4, b->type);
        db_bind_i64(q, 5, b->project_id);
        db_bind_text(q, 6, b->filter_jql);
        db_bind_i64(q, 7, b->created_ms);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static void read_board(arena_t *a, db_stmt_t *q, void *rec)
{
    board_rec_t *b = rec;
    b->id = db_col_i64(q, 0);
    b->name = db_col_str(a, q, 1);
    b->type = db_col_str(a, q, 2);
    b->project_id = db_col_i64(q, 3);
    b->filter_jql = db_col_str(a, q, 4);
    b->created_ms = db_col_i64(q, 5);
}

static int db_board_get(store_t *st, arena_t *a, int64_t site, int64_t id, board_rec_t *out)
{
    return db_one(st, a, by_id(st, Q_BOARD_GET, site, id), read_board, out);
}

static int db_board_list(store_t *st, arena_t *a, int64_t site, board_rec_t **out, size_t *n)
{
    db_stmt_t *q = by_id(st, Q_BOARD_LIST, site, AGILE_MAX_BOARDS);
    return db_collect(st, a, q, sizeof **out, read_board, (void **)out, n);
}

static int db_board_delete(store_t *st, int64_t site, int64_t id)
{
    return db_write_one_row(st, by_id(st, Q_BOARD_DELETE, site, id));
}

/* ---- sprints ---- */

static void bind_sprint(db_stmt_t *q, const sprint_rec_t *s)
{
    db_bind_text(q, 4, s->name);
    db_bind_text(q, 5, s->state);
    db_bind_text(q, 6, s->goal ? s->goal : "");
    db_bind_opt_i64(q, 7, s->start_ms, 0);
    db_bind_opt_i64(q, 8, s->end_ms, 0);
    db_bind_opt_i64(q, 9, s->complete_ms, 0);
}

static int db_sprint_insert(store_t *st, int64_t site, sprint_rec_t *s)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = store_next_id(st, site, "sprint", &s->id);
    if (rc == STORE_OK) {
        db_stmt_t *q = by_id(st, Q_SPRINT_INSERT, site, s->id);
        db_bind_i64(q, 3, s->board_id);
        bind_sprint(q, s);
        db_bind_i64(q, 10, s->created_ms);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

static void read_sprint(arena_t *a, db_stmt_t *q, void *rec)
{
    sprint_rec_t *s = rec;
    s->id = db_col_i64(q, 0);
    s->board_id = db_col_i64(q, 1);
    s->name = db_col_str(a, q, 2);
    s->state = db_col_str(a, q, 3);
    s->goal = db_col_str(a, q, 4);
    s->start_ms = db_col_opt_i64(q, 5, 0);
    s->end_ms = db_col_opt_i64(q, 6, 0);
    s->complete_ms = db_col_opt_i64(q, 7, 0);
    s->created_ms = db_col_i64(q, 8);
}

static int db_sprint_get(store_t *st, arena_t *a, int64_t site, int64_t id, sprint_rec_t *out)
{
    return db_one(st, a, by_id(st, Q_SPRINT_GET, site, id), read_sprint, out);
}

static int db_sprint_update(store_t *st, int64_t site, const sprint_rec_t *s)
{
    db_stmt_t *q = by_id(st, Q_SPRINT_UPDATE, site, s->id);
    bind_sprint(q, s);
    return db_write_one_row(st, q);
}

static int db_sprint_delete(store_t *st, int64_t site, int64_t id)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = db_exec(st, by_id(st, Q_SPRINT_UNLINK, site, id));
    if (rc == STORE_OK)
        rc = db_write_one_row(st, by_id(st, Q_SPRINT_DELETE, site, id));
    return db_tx_close(st, opened, rc);
}

static int db_sprint_list(store_t *st, arena_t *a, int64_t site, int64_t board, sprint_rec_t **out, size_t *n)
{
    db_stmt_t *q = by_id(st, Q_SPRINT_LIST, site, board);
    db_bind_i64(q, 3, AGILE_MAX_SPRINTS);
    return db_collect(st, a, q, sizeof **out, read_sprint, (void **)out, n);
}

static int db_issue_sprints(store_t *st, arena_t *a, int64_t site, int64_t issue, sprint_rec_t **out, size_t *n)
{
    return db_collect(st, a, by_id(st, Q_ISSUE_SPRINTS, site, issue), sizeof **out, read_sprint, (void **)out, n);
}

static int db_issue_sprint_set(store_t *st, int64_t site, int64_t issue, int64_t sprint)
{
    int opened;
    int rc = db_tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    rc = db_exec(st, by_id(st, Q_ISSUE_LEAVE_OPEN, site, issue));
    if (rc == STORE_OK && sprint) {
        db_stmt_t *q = by_id(st, Q_ISSUE_JOIN, site, issue);
        db_bind_i64(q, 3, sprint);
        rc = db_exec(st, q);
    }
    return db_tx_close(st, opened, rc);
}

/* ---- agile lists ---- */

static void bind_query(db_stmt_t *q, int64_t site, const agile_query_t *aq)
{
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, aq->project_id);
    db_bind_i64(q, 3, aq->mode == AQ_SPRINT ? aq->sprint_id : aq->epic_id);
    db_bind_text(q, 4, aq->exclude_status);
    db_bind_i64(q, 5, aq->epic_type);
    db_bind_i64(q, 6, aq->subtask_type);
    db_bind_text(q, 7, aq->projects_json ? aq->projects_json : "[]");
    db_bind_text(q, 10, aq->only_status);
    db_bind_text(q, 11, aq->only_ids);
}

static void read_issue(arena_t *a, db_stmt_t *q, void *rec)
{
    db_read_issue(a, q, rec);
}

static int db_agile_issues(store_t *st, arena_t *a, int64_t site, const agile_query_t *aq, issue_rec_t **out, size_t *n,
                           int64_t *total)
{
    if ((unsigned)aq->mode > AQ_EPICS)
        return STORE_ERROR;
    db_stmt_t *q = stmt(st, Q_AQ + 2 * aq->mode + 1);
    bind_query(q, site, aq);
    int rc = db_count(st, q, total);
    if (rc != STORE_OK)
        return rc;
    q = stmt(st, Q_AQ + 2 * aq->mode);
    bind_query(q, site, aq);
    db_bind_i64(q, 8, aq->max_results);
    db_bind_i64(q, 9, aq->start_at);
    return db_collect(st, a, q, sizeof **out, read_issue, (void **)out, n);
}

/* ---- ranks ---- */

static int db_rank_set(store_t *st, int64_t site, int64_t issue, const char *rank)
{
    db_stmt_t *q = by_id(st, Q_RANK_SET, site, issue);
    db_bind_text(q, 3, rank);
    return db_write_one_row(st, q);
}

static void read_rank(arena_t *a, db_stmt_t *q, void *rec)
{
    *(const char **)rec = db_col_str(a, q, 0);
}

static int db_rank_neighbour(store_t *st, arena_t *a, int64_t site, const char *rank, int above, const char **out)
{
    db_stmt_t *q = stmt(st, above ? Q_RANK_ABOVE : Q_RANK_BELOW);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, rank);
    *out = NULL;
    int rc = db_one(st, a, q, read_rank, out);
    return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

const store_agile_ops_t db_agile_ops = {
    .board_insert = db_board_insert,
    .board_get = db_board_get,
    .board_list = db_board_list,
    .board_delete = db_board_delete,
    .sprint_insert = db_sprint_insert,
    .sprint_get = db_sprint_get,
    .sprint_update = db_sprint_update,
    .sprint_delete = db_sprint_delete,
    .sprint_list = db_sprint_list,
    .issue_sprints = db_issue_sprints,
    .issue_sprint_set = db_issue_sprint_set,
    .issues = db_agile_issues,
    .rank_set = db_rank_set,
    .rank_neighbour = db_rank_neighbour,
};
