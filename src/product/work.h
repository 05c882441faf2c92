/* Issue 17's "work" area: comments, worklogs, transitions and entity properties. The
 * handlers (product/comment.c, worklog.c, transition.c, property.c) and the pieces they
 * share (product/work.c): the issue a path names as the caller may see it, pages, text
 * fields in v2 and v3, visibility restrictions. render_issue (product/issue_view.c) calls
 * the work_render_* hooks for the comment and worklog fields, expand=transitions and the
 * properties parameter. */
#ifndef KILN_PRODUCT_WORK_H
#define KILN_PRODUCT_WORK_H

#include <jansson.h>
#include <stdint.h>

#include "base/jsonw.h"
#include "http/request.h"
#include "store/store_product.h"

enum {
    WORK_TEXT_MAX = 32767,     /* Jira's text field limit, in characters */
    WORK_ADF_MAX = 256 * 1024, /* a stored ADF document, in bytes */
    WORK_PAGE_MAX = 5000,      /* comments, worklogs per page (Jira's cap) */
    WORK_PER_ISSUE_MAX = 5000, /* comments, and worklogs, one issue may have (Jira Cloud\'s limits) */
    /* A page of comments or worklogs stops growing past this many bytes (its maxResults
       then says how many it holds, so a client paging by startAt + maxResults gets the
       rest): 5000 comments of text can pass the response cap (KILN_MAX_RESPONSE). */
    WORK_PAGE_BYTES = 4 * 1024 * 1024,
    WORK_FIELD_BYTES = 256 * 1024, /* the same for an issue's comment and worklog fields */
    WORK_LIST_IDS_MAX = 1000,      /* comment/list, worklog/list ids (Jira's cap) */
    WORK_PROP_KEY_MAX = 255,       /* an entity property key */
    WORK_APP_PROP_KEY_MAX = 127,   /* a Forge app property key */
    WORK_PROP_VALUE_MAX = 32768,   /* a property's JSON value, in bytes */
    WORK_BODY_PROPS_MAX = 100,     /* properties set with a new comment or worklog */
};

#define WORK_ISSUE_404 "Issue does not exist or you do not have permission to see it."
#define WORK_COMMENTS_FULL "The issue has the most comments it may have (5000)."
#define WORK_WORKLOGS_FULL "The issue has the most worklogs it may have (5000)."

/* ---- shared pieces (work.c) ---- */

/* The issue `id_or_key` names, if the caller may browse its project: 0, or -1 after
 * answering Jira's 404 (missing and not browsable alike) or 500. */
int work_issue(kreq_t *kr, const char *id_or_key, issue_rec_t *i, const char **project_key);
/* Re-reads issue i->id into i inside the caller's write transaction: the values a
 * concurrent write may have changed since the request first read it (a write then
 * changes what is current, never a stale copy). STORE_OK or a STORE_* error. */
int work_issue_reload(kreq_t *kr, issue_rec_t *i);
/* The issue with this id, browsable by the caller: 1, 0 (none or not browsable), -1 (store). */
int work_issue_visible(kreq_t *kr, int64_t issue_id, issue_rec_t *i, const char **project_key);
/* startAt and maxResults (default `dflt`, capped at `cap` as Jira caps it): 0, or -1
 * after answering 400. */
int work_page(kreq_t *kr, int64_t dflt, int64_t cap, int64_t *start, int64_t *max);
/* A text field as the request's version sends it (v3: an ADF document adf_check
 * accepts; v2: wiki markup or plain text, adf_from_wiki), as the ADF JSON kiln stores;
 * NULL with errors[field] set when it is not one, or its text passes WORK_TEXT_MAX
 * characters. A JSON null or absent value gives NULL without an error (*absent = 1). */
const char *work_text_in(kreq_t *kr, json_t *v, const char *field, json_t *errors, int *absent);
/* Writes stored ADF JSON as the request's version answers it (v3 the document, v2 its
 * wiki markup, adf_to_wiki); NULL writes null. */
void work_text_out(jsonw_t *w, kreq_t *kr, const char *adf_json);
/* The HTML Jira renders for stored ADF (renderedBody: adf_to_html). */
void work_text_html(jsonw_t *w, kreq_t *kr, const char *adf_json);
/* Jira's visibility {type: role|group, value|identifier}: the JSON kept for it (NULL: none,
 * no error); errors[field] set when it names no role, or is malformed. */
const char *work_visibility_in(kreq_t *kr, json_t *v, json_t *errors);
void work_visibility_out(jsonw_t *w, const char *visibility_json);
/* 1 if the caller may see something restricted by `visibility_json` in project_id,
 * written by `author`: no restriction; an app; the author; a role's holder (a user who
 * holds every permission the role grants there); a group's: Jira administrators (kiln
 * has no groups). 0 not, -1 store error. */
int work_may_see(kreq_t *kr, int64_t project_id, const char *visibility_json, const char *author);
/* A date as Jira writes it, under key k. */
void work_kdate(jsonw_t *w, const char *k, int64_t ms);
/* Reads a body {"ids": [...]} (numbers or their digits, at most WORK_LIST_IDS_MAX) into
 * the arena: the count, or -1 after answering 400. */
int work_read_ids(kreq_t *kr, int64_t **ids);
/* Reads Jira's date-time ("2021-01-17T12:34:00.000+0000"; also Z or +01:00, without
 * the milliseconds) as epoch milliseconds: 0, or -1. */
int work_parse_datetime(const char *s, int64_t *ms);
/* Parses a non-negative decimal id; -1 if it is none. */
int work_parse_id(const char *s, int64_t *id);

/* Adds a comment to issue i by the caller, with its event, inside the caller's
 * transaction (POST comment, and a transition's update.comment). STORE_CONFLICT (nothing
 * written) when the issue has WORK_PER_ISSUE_MAX comments already. */
struct comment_rec;
int work_comment_insert(kreq_t *kr, issue_rec_t *i, const char *project_key, const char *body_json,
                        const char *visibility_json, int64_t now, struct comment_rec *c);

/* The `properties` of a comment, worklog or transition body ([{key, value}], at most
 * WORK_BODY_PROPS_MAX, each key and value within the entity property limits): the count
 * with *keys and *values (JSON text) in the arena, or -1 with errors["properties"] set. */
int work_props_in(kreq_t *kr, json_t *v, const char ***keys, const char ***values, json_t *errors);
/* Sets them on the entity (PROP_COMMENT, PROP_WORKLOG, PROP_ISSUE) inside the caller's
 * transaction. */
int work_props_store(kreq_t *kr, const char *entity, int64_t id, const char *const *keys, const char *const *values,
                     int n);

/* 1 if the comma-separated `expand` names `name`. */
int work_expand_has(const char *expand, const char *name);
/* "properties": [{key, value}] of the entity (expand=properties of a comment, worklog). */
void work_render_props(jsonw_t *w, kreq_t *kr, const char *entity, int64_t id);

/* ---- render_issue hooks ---- */
void work_render_comments(jsonw_t *w, kreq_t *kr, const issue_rec_t *i); /* "comment" field value */
void work_render_worklogs(jsonw_t *w, kreq_t *kr, const issue_rec_t *i); /* "worklog" field value */
void work_render_transitions(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *type_key); /* array */
/* "properties": {key: value} of the listed keys ("*all": every one). */
void work_render_properties(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *const *keys, size_t n);

/* ---- handlers ---- */
void comment_list(kreq_t *kr);
void comment_add(kreq_t *kr);
void comment_get(kreq_t *kr);
void comment_update(kreq_t *kr);
void comment_delete(kreq_t *kr);
void comment_list_ids(kreq_t *kr);
void worklog_list(kreq_t *kr);
void worklog_add(kreq_t *kr);
void worklog_get(kreq_t *kr);
void worklog_update(kreq_t *kr);
void worklog_delete(kreq_t *kr);
void worklog_updated(kreq_t *kr);
void worklog_deleted(kreq_t *kr);
void worklog_list_ids(kreq_t *kr);
void transition_list(kreq_t *kr);
void transition_do(kreq_t *kr);
void property_issue_keys(kreq_t *kr);
void property_issue_get(kreq_t *kr);
void property_issue_set(kreq_t *kr);
void property_issue_delete(kreq_t *kr);
void property_project_keys(kreq_t *kr);
void property_project_get(kreq_t *kr);
void property_project_set(kreq_t *kr);
void property_project_delete(kreq_t *kr);
void property_user_keys(kreq_t *kr);
void property_user_get(kreq_t *kr);
void property_user_set(kreq_t *kr);
void property_user_delete(kreq_t *kr);
void property_comment_keys(kreq_t *kr);
void property_comment_get(kreq_t *kr);
void property_comment_set(kreq_t *kr);
void property_comment_delete(kreq_t *kr);
void property_worklog_keys(kreq_t *kr);
void property_worklog_get(kreq_t *kr);
void property_worklog_set(kreq_t *kr);
void property_worklog_delete(kreq_t *kr);
void property_app_keys(kreq_t *kr);
void property_app_get(kreq_t *kr);
void property_app_set(kreq_t *kr);
void property_app_delete(kreq_t *kr);

#endif
