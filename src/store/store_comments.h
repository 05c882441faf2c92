/* The store's comments family: the comments on a site's issues. Table: comments. Ids
 * come from the site's "comment" sequence (store_next_id). Bodies are ADF documents kept
 * as JSON text (product/adf.h); a visibility restriction is kept as Jira's JSON
 * ({"type":"role"|"group","value":...}) or NULL. */
#ifndef KILN_STORE_COMMENTS_H
#define KILN_STORE_COMMENTS_H

#include "store/store.h"

typedef struct comment_rec {
    int64_t id, issue_id;
    const char *author_account_id, *update_author_account_id;
    const char *body_json;       /* ADF */
    const char *visibility_json; /* NULL: everyone who may browse the issue */
    int64_t created_ms, updated_ms;
} comment_rec_t;

/* Inserts c, assigning c->id. */
int store_comment_insert(store_t *st, int64_t site_id, comment_rec_t *c);
/* The comment with this id (of any issue of the site); STORE_NOTFOUND if none. */
int store_comment_get(store_t *st, arena_t *a, int64_t site_id, int64_t id, comment_rec_t *out);
/* Writes c's body, visibility, update author and updated time; STORE_NOTFOUND if the
 * site has no comment c->id. */
int store_comment_update(store_t *st, int64_t site_id, const comment_rec_t *c);
/* Deletes the comment and its entity properties; STORE_NOTFOUND if none. */
int store_comment_delete(store_t *st, int64_t site_id, int64_t id);
/* How many of the issue's comments carry a visibility restriction. */
int store_comment_restricted(store_t *st, int64_t site_id, int64_t issue_id, int64_t *n);
/* A page of the issue's comments by created time (desc: newest first) and id, and the
 * issue's total. */
int store_comment_list(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int desc, int64_t start, int64_t max,
                       comment_rec_t **out, size_t *n, int64_t *total);

#endif
