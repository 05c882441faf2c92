/* Jira Software's REST API (/rest/agile/1.0): boards, sprints, epics, the agile order of
 * issues; and the handlers' shared pieces (agile_common.c). What kiln does differently from
 * Jira is on the route lines (routes.c) and in docs/api.md.
 *
 * Who sees what: a board, its sprints and its issues are visible to a user who may browse
 * the board's project (BROWSE_PROJECTS); to any other user they answer the same 404 as
 * a board or sprint that does not exist. Sprint and rank changes need EDIT_ISSUES on the
 * project (Jira's "Manage sprints" / "Schedule issues"); board create and delete
 * ADMINISTER_PROJECTS. Apps act within their scopes. */
#ifndef KILN_AGILE_H
#define KILN_AGILE_H

#include "base/jsonw.h"
#include "http/request.h"
#include "store/store_agile.h"

/* ---- handlers: boards (board.c) ---- */
void board_list(kreq_t *kr);
void board_create(kreq_t *kr);
void board_get(kreq_t *kr);
void board_delete(kreq_t *kr);
void board_configuration(kreq_t *kr);
void board_issues(kreq_t *kr);
void board_backlog(kreq_t *kr);
void board_sprints(kreq_t *kr);
void board_epics(kreq_t *kr);
void board_epic_issues(kreq_t *kr);
void board_no_epic_issues(kreq_t *kr);
void board_projects(kreq_t *kr);
void board_sprint_issues(kreq_t *kr);

/* ---- handlers: sprints (sprint.c) ---- */
void sprint_create(kreq_t *kr);
void sprint_get(kreq_t *kr);
void sprint_update(kreq_t *kr);  /* PUT: the whole sprint */
void sprint_partial(kreq_t *kr); /* POST: the fields given */
void sprint_delete(kreq_t *kr);
void sprint_issues(kreq_t *kr);
void sprint_move_issues(kreq_t *kr);
void backlog_move_issues(kreq_t *kr);
void backlog_board_move_issues(kreq_t *kr);

/* ---- handlers: epics, ranks, an issue (epic.c) ---- */
void epic_get(kreq_t *kr);
void epic_issues(kreq_t *kr);
void epic_move_issues(kreq_t *kr);
void epic_none_issues(kreq_t *kr);
void epic_none_move_issues(kreq_t *kr);
void issue_rank(kreq_t *kr);
void agile_issue_get(kreq_t *kr);

/* ---- shared (agile_common.c) ---- */

enum { AGILE_PAGE_MAX = 50, AGILE_MOVE_MAX = 50, AGILE_JQL_MAX = 10000 /* matches of a list's jql */ };

/* The board named by path parameter `param` that the principal may browse, with its
 * project's key: 0, or -1 after answering 404 (none, or not visible) or 500. */
int agile_board(kreq_t *kr, int param, board_rec_t *b, project_rec_t *p);
/* The same for a sprint (visible through its board's project). */
int agile_sprint(kreq_t *kr, int param, sprint_rec_t *s, board_rec_t *b, project_rec_t *p);
/* The issue named by an id or key that the principal may browse: 0, 1 if there is none
 * (or it is not visible), -1 on a store error. */
int agile_issue_find(kreq_t *kr, const char *id_or_key, issue_rec_t *i, const char **pkey);
/* 1 if the principal may `perm` in project_id; otherwise answers 403 (Jira's message)
 * or 500 and returns 0. */
int agile_may(kreq_t *kr, int64_t project_id, const char *perm);
/* startAt and maxResults (1..AGILE_PAGE_MAX, default AGILE_PAGE_MAX): 0, or -1 after a 400. */
int agile_page(kreq_t *kr, int64_t *start, int64_t *max);
/* Answers a page of issues (Jira's SearchResults) for q, with `fields`, `expand` and `jql`
 * (a filter within the list, run by the JQL evaluator) read from the query. Fills q's
 * paging and type ids. */
void agile_issue_page(kreq_t *kr, agile_query_t *q);
/* JSON array of the ids of statuses in the done category (arena). */
const char *agile_done_statuses(kreq_t *kr);

void render_board(jsonw_t *w, kreq_t *kr, const board_rec_t *b, const project_rec_t *p);
void render_sprint(jsonw_t *w, kreq_t *kr, const sprint_rec_t *s);
/* The Epic bean of an epic issue. */
void render_epic(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *pkey);

/* The issue's Sprint field (customfield_NNNNN: the sprints it is or was in), if the
 * site has one and the view wants it; under /rest/agile also the agile API's own fields
 * `sprint` (the open one), `closedSprints`, `epic` and `flagged` (kiln has no flag:
 * false). Members of an open fields object. */
struct issue_view;
void render_sprint_field(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const struct issue_view *v);

/* Gives is[0..n) ranks right before (before 1) or after the anchor issue, in that
 * order, renumbering nothing (product/rank.h), each with a Rank changelog item and
 * EV_ISSUE_UPDATED; in the caller's transaction. STORE_CONFLICT when the ranks there are
 * at their longest. */
int agile_rank_issues(kreq_t *kr, issue_rec_t *is, const char **pkeys, size_t n, const issue_rec_t *anchor, int before);

/* The sprint field of issues (customfield_NNNNN of type gh-sprint): the site's field id,
 * made on first use (arena). NULL on a store error. */
const char *agile_sprint_field(kreq_t *kr);
/* Records in the current transaction that the issue's open sprint changed from `from` to
 * `to` (0: none): a changelog group with one Sprint item and EV_ISSUE_UPDATED. */
int agile_sprint_changed(kreq_t *kr, const issue_rec_t *i, const char *pkey, const sprint_rec_t *from,
                         const sprint_rec_t *to);

#endif
