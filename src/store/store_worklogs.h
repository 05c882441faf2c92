/* The store's worklogs family: time logged on a site's issues. Table: worklogs. Ids come
 * from the site's "worklog" sequence (store_next_id). A deleted worklog keeps its row
 * with deleted_ms set (GET worklog/deleted answers from it) and is hidden from every
 * other read. */
#ifndef KILN_STORE_WORKLOGS_H
#define KILN_STORE_WORKLOGS_H

#include "store/store.h"

typedef struct worklog_rec {
    int64_t id, issue_id;
    const char *author_account_id, *update_author_account_id;
    const char *comment_json;    /* ADF, or NULL */
    const char *visibility_json; /* NULL: no restriction */
    int64_t started_ms, time_spent_s;
    int64_t created_ms, updated_ms;
    int64_t deleted_ms; /* 0: live */
} worklog_rec_t;

/* Inserts w, assigning w->id. */
int store_worklog_insert(store_t *st, int64_t site_id, worklog_rec_t *w);
/* The live worklog with this id; STORE_NOTFOUND if none or deleted. */
int store_worklog_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, worklog_rec_t *out);
/* Writes w's comment, visibility, started, time spent, update author and updated time. */
int store_worklog_update(store_t *st, int64_t site_id, const worklog_rec_t *w);
/* Marks the worklog deleted at `now_ms` (its updated time too) and deletes its entity
 * properties; STORE_NOTFOUND if none or already deleted. */
int store_worklog_delete(store_t *st, int64_t site_id, int64_t id, int64_t now_ms);
/* A page of the issue's live worklogs started in [after_ms, before_ms) by started time
 * and id, and the total of that range. */
int store_worklog_list(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int64_t after_ms, int64_t before_ms,
                       int64_t start, int64_t max, worklog_rec_t **out, size_t *n, int64_t *total);
/* Up to `max` worklogs of the site updated (deleted: 1, deleted) at or after since_ms,
 * by updated time and id; live ones only unless `deleted`. */
int store_worklog_changed(store_t *st, arena_t *a, int64_t site_id, int deleted, int64_t since_ms, int64_t max,
                          worklog_rec_t **out, size_t *n);

#endif
