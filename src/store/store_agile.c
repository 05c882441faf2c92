/* Forwards the agile family (store/store_agile.h) to the handle's backend. */
#include "store/store_agile.h"

#include "store/store_backend.h"

int store_board_insert(store_t *st, int64_t site_id, board_rec_t *b)
{
    return st->be->agile->board_insert(st, site_id, b);
}

int store_board_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, board_rec_t *out)
{
    return st->be->agile->board_get(st, a, site_id, id, out);
}

int store_board_list(store_t *st, arena_t *a, int64_t site_id, board_rec_t **out, size_t *n)
{
    return st->be->agile->board_list(st, a, site_id, out, n);
}

int store_board_delete(store_t *st, int64_t site_id, int64_t id)
{
    return st->be->agile->board_delete(st, site_id, id);
}

int store_sprint_insert(store_t *st, int64_t site_id, sprint_rec_t *s)
{
    return st->be->agile->sprint_insert(st, site_id, s);
}

int store_sprint_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, sprint_rec_t *out)
{
    return st->be->agile->sprint_get(st, a, site_id, id, out);
}

int store_sprint_update(store_t *st, int64_t site_id, const sprint_rec_t *s)
{
    return st->be->agile->sprint_update(st, site_id, s);
}

int store_sprint_delete(store_t *st, int64_t site_id, int64_t id)
{
    return st->be->agile->sprint_delete(st, site_id, id);
}

int store_sprint_list(store_t *st, arena_t *a, int64_t site_id, int64_t board_id, sprint_rec_t **out, size_t *n)
{
    return st->be->agile->sprint_list(st, a, site_id, board_id, out, n);
}

int store_issue_sprints(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, sprint_rec_t **out, size_t *n)
{
    return st->be->agile->issue_sprints(st, a, site_id, issue_id, out, n);
}

int store_issue_sprint_set(store_t *st, int64_t site_id, int64_t issue_id, int64_t sprint_id)
{
    return st->be->agile->issue_sprint_set(st, site_id, issue_id, sprint_id);
}

int store_agile_issues(store_t *st, arena_t *a, int64_t site_id, const agile_query_t *q, issue_rec_t **out, size_t *n,
                       int64_t *total)
{
    return st->be->agile->issues(st, a, site_id, q, out, n, total);
}

int store_issue_rank_set(store_t *st, int64_t site_id, int64_t issue_id, const char *rank)
{
    return st->be->agile->rank_set(st, site_id, issue_id, rank);
}

int store_issue_rank_neighbour(store_t *st, arena_t *a, int64_t site_id, const char *rank, int above, const char **out)
{
    return st->be->agile->rank_neighbour(st, a, site_id, rank, above, out);
}
