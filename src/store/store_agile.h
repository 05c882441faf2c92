/* The store's agile family: Jira Software's boards and sprints, issues' sprint
 * memberships and the agile order of issues (their rank). Tables: boards, sprints,
 * issue_sprints, and issues.rank.
 *
 * Board and sprint ids come from the site's "board" and "sprint" sequences
 * (store_next_id); the insert functions assign them. A sprint's state is "future",
 * "active" or "closed"; its times are epoch milliseconds, 0 for not set. An issue is in
 * at most one open (future or active) sprint and in any number of closed ones. */
#ifndef KILN_STORE_AGILE_H
#define KILN_STORE_AGILE_H

#include "store/store.h"
#include "store/store_product.h"

typedef struct board_rec {
    int64_t id; /* assigned by store_board_insert */
    const char *name;
    const char *type; /* scrum, kanban */
    int64_t project_id;
    const char *filter_jql;
    int64_t created_ms;
} board_rec_t;

typedef struct sprint_rec {
    int64_t id, board_id; /* id assigned by store_sprint_insert; board_id: originBoardId */
    const char *name;
    const char *state;                                 /* future, active, closed */
    const char *goal;                                  /* "" for none */
    int64_t start_ms, end_ms, complete_ms, created_ms; /* 0: not set */
} sprint_rec_t;

enum { AGILE_MAX_BOARDS = 1000, AGILE_MAX_SPRINTS = 1000 };

int store_board_insert(store_t *st, int64_t site_id, board_rec_t *b);
int store_board_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, board_rec_t *out);
/* The site's boards by id, at most AGILE_MAX_BOARDS. */
int store_board_list(store_t *st, arena_t *a, int64_t site_id, board_rec_t **out, size_t *n);
/* Deletes the board row only; its sprints are the caller's (product/board.c deletes the
 * open ones, closed ones stay in their issues' history). */
int store_board_delete(store_t *st, int64_t site_id, int64_t id);

int store_sprint_insert(store_t *st, int64_t site_id, sprint_rec_t *s);
int store_sprint_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, sprint_rec_t *out);
/* Writes every column of s but its id, board and created time. */
int store_sprint_update(store_t *st, int64_t site_id, const sprint_rec_t *s);
/* Deletes the sprint and its memberships (its issues go back to the backlog). */
int store_sprint_delete(store_t *st, int64_t site_id, int64_t id);
/* The board's sprints by id (closed, active and future alike), at most AGILE_MAX_SPRINTS. */
int store_sprint_list(store_t *st, arena_t *a, int64_t site_id, int64_t board_id, sprint_rec_t **out, size_t *n);
/* Every sprint the issue is or was in, by id. */
int store_issue_sprints(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, sprint_rec_t **out, size_t *n);
/* Puts the issue in sprint_id (0: in none, the backlog), taking it out of any other open
 * (future or active) sprint first; closed sprints keep it. */
int store_issue_sprint_set(store_t *st, int64_t site_id, int64_t issue_id, int64_t sprint_id);

/* Which issues an agile list answers. */
enum agile_mode {
    AQ_PROJECT, /* the issues of project_id (a board's) */
    AQ_BACKLOG, /* of project_id, in no open sprint */
    AQ_SPRINT,  /* of project_id, in sprint_id */
    AQ_EPIC,    /* of project_id, whose parent is epic_id */
    AQ_NO_EPIC, /* of project_id (0: any project in `projects_json`) with no parent, not epics or subtasks */
    AQ_EPICS,   /* the epics of project_id */
};

typedef struct agile_query {
    enum agile_mode mode;
    int64_t project_id, sprint_id, epic_id;
    const char *projects_json;       /* AQ_NO_EPIC without a project: JSON array of visible project ids */
    const char *exclude_status;      /* JSON array of status ids left out (done ones), or NULL */
    const char *only_status;         /* JSON array of the only status ids wanted, or NULL */
    const char *only_ids;            /* JSON array of the only issue ids wanted (a JQL filter), or NULL */
    int64_t epic_type, subtask_type; /* issue type ids of epics and subtasks */
    int64_t start_at, max_results;
} agile_query_t;

/* A page of the issues q names, in rank order, and their total. */
int store_agile_issues(store_t *st, arena_t *a, int64_t site_id, const agile_query_t *q, issue_rec_t **out, size_t *n,
                       int64_t *total);

/* Sets the issue's rank (an agile order string, product/rank.h). */
int store_issue_rank_set(store_t *st, int64_t site_id, int64_t issue_id, const char *rank);
/* The rank of the site's issue just below (`above` 0) or just above (`above` 1) `rank`
 * in byte order; *out NULL if there is none. */
int store_issue_rank_neighbour(store_t *st, arena_t *a, int64_t site_id, const char *rank, int above, const char **out);

#endif
