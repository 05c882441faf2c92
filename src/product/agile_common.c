/* What the agile handlers share (product/agile.h): finding a visible board, sprint or
 * issue, paging, the issue pages, and the Board, Sprint and Epic beans. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "http/router.h"
#include "product/agile.h"
#include "product/events.h"
#include "product/idkey.h"
#include "product/issue_view.h"
#include "product/jql.h"
#include "product/jql_eval.h"
#include "product/model.h"
#include "product/perm.h"
#include "product/render.h"
#include "product/search.h"
#include "store/store_changelog.h"
#include "store/store_fields.h"
#include "store/store_search.h"

static const char *const not_found[] = {
    "The requested board cannot be viewed because it either does not exist or you do not have permission to view it.",
    "The requested sprint cannot be viewed because it either does not exist or you do not have permission to view it.",
};

/* The site's Sprint field id, looked up once per request (a page of issues renders it
 * for each): kept in the request's slot of this module. */
static int sprint_slot = -1;
static pthread_once_t sprint_once = PTHREAD_ONCE_INIT;
static void take_sprint_slot(void)
{
    sprint_slot = kreq_ctx_index();
}

static int path_id(kreq_t *kr, int param, int64_t *id)
{
    return enc_parse_i64(kr->params[param], 1, INT64_MAX, id);
}

/* The project of a board, if the principal may browse it: 1, 0 (not visible), -1. */
static int visible_project(kreq_t *kr, int64_t project_id, project_rec_t *p)
{
    int rc = store_project_by_id(kr->store, kr->arena, kr->site.id, project_id, p);
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc != STORE_OK)
        return -1;
    return perm_allows(kr, project_id, "BROWSE_PROJECTS");
}

int agile_board(kreq_t *kr, int param, board_rec_t *b, project_rec_t *p)
{
    int64_t id;
    int rc = path_id(kr, param, &id) == 0 ? store_board_get(kr->store, kr->arena, kr->site.id, id, b) : STORE_NOTFOUND;
    int may = rc == STORE_OK ? visible_project(kr, b->project_id, p) : rc == STORE_NOTFOUND ? 0 : -1;
    if (may == 1)
        return 0;
    reply_error(kr, may < 0 ? 500 : 404, 1, may < 0 ? "Internal server error" : not_found[0]);
    return -1;
}

int agile_sprint(kreq_t *kr, int param, sprint_rec_t *s, board_rec_t *b, project_rec_t *p)
{
    int64_t id;
    int rc = path_id(kr, param, &id) == 0 ? store_sprint_get(kr->store, kr->arena, kr->site.id, id, s) : STORE_NOTFOUND;
    if (rc == STORE_OK)
        rc = store_board_get(kr->store, kr->arena, kr->site.id, s->board_id, b);
    int may = rc == STORE_OK ? visible_project(kr, b->project_id, p) : rc == STORE_NOTFOUND ? 0 : -1;
    if (may == 1)
        return 0;
    reply_error(kr, may < 0 ? 500 : 404, 1, may < 0 ? "Internal server error" : not_found[1]);
    return -1;
}

int agile_issue_find(kreq_t *kr, const char *id_or_key, issue_rec_t *i, const char **pkey)
{
    if (!id_or_key || strlen(id_or_key) > 255)
        return 1;
    int rc = idkey_issue_get(kr->store, kr->arena, kr->site.id, id_or_key, i, pkey);
    if (rc == STORE_NOTFOUND)
        return 1;
    if (rc != STORE_OK)
        return -1;
    int may = perm_allows(kr, i->project_id, "BROWSE_PROJECTS");
    return may < 0 ? -1 : may == 1 ? 0 : 1;
}

int agile_may(kreq_t *kr, int64_t project_id, const char *perm)
{
    int may = perm_allows(kr, project_id, perm);
    if (may == 1)
        return 1;
    reply_error(kr, may < 0 ? 500 : 403, 1,
                may < 0 ? "Internal server error" : "You do not have permission to perform this operation.");
    return 0;
}

int agile_page(kreq_t *kr, int64_t *start, int64_t *max)
{
    *start = 0;
    *max = AGILE_PAGE_MAX;
    if (kreq_query_int(kr, "startAt", 0, INT32_MAX, start) != 0) {
        reply_error(kr, 400, 1, "The startAt parameter must be a non-negative integer.");
        return -1;
    }
    if (kreq_query_int(kr, "maxResults", 0, INT32_MAX, max) != 0) {
        reply_error(kr, 400, 1, "The maxResults parameter must be a non-negative integer.");
        return -1;
    }
    if (*max == 0 || *max > AGILE_PAGE_MAX) /* as Jira: 0 and too many mean the most */
        *max = AGILE_PAGE_MAX;
    return 0;
}

const char *agile_done_statuses(kreq_t *kr)
{
    char buf[512];
    size_t n = 0;
    buf[n++] = '[';
    for (size_t i = 0; i < model_statuses_len && n + 24 < sizeof buf; i++)
        if (model_statuses[i].category == CAT_DONE)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld", n > 1 ? "," : "", (long long)model_statuses[i].id);
    buf[n++] = ']';
    buf[n] = '\0';
    return arena_strdup(kr->arena, buf);
}

/* The ids of the issues `jql` matches (within project_id when it is not 0), as a JSON
 * array in *out, through the JQL evaluator as the caller sees the site; the list keeps
 * its own (rank) order, so the query's ORDER BY is not used. 0, or -1 after answering
 * Jira's 400 (a syntax error, a field or value the query may not use, too slow, too many
 * matches) or a 500. */
static int jql_ids(kreq_t *kr, const char *jql, int64_t project_id, const char **out)
{
    jql_query_t *jq, *pq;
    jql_error_t jerr;
    if (jql_parse(kr->arena, jql, strlen(jql), &jq, &jerr) != JQL_OK) {
        reply_error(kr, 400, 1, jerr.msg);
        return -1;
    }
    if (project_id) { /* project = ID AND (the query) */
        const char *pj = arena_printf(kr->arena, "project = %lld", (long long)project_id);
        if (jql_parse(kr->arena, pj, strlen(pj), &pq, &jerr) != JQL_OK) {
            reply_error(kr, 500, 1, "Internal server error");
            return -1;
        }
        if (jq->where) {
            jql_node_t *and = arena_alloc(kr->arena, sizeof *and);
            jql_node_t **kids = arena_alloc(kr->arena, 2 * sizeof *kids);
            memset(and, 0, sizeof *and);
            kids[0] = pq->where;
            kids[1] = jq->where;
            and->kind = JQL_N_AND;
            and->pos = jq->where->pos;
            and->kids = kids;
            and->n = 2;
            pq->where = and;
            pq->nclauses += jq->nclauses;
        }
        jq = pq;
    }
    jq->order = NULL;
    jq->norder = 0;
    jql_env_t env;
    search_env(kr, &env);
    ss_query_t sq;
    jql_msgs_t msgs = {0};
    int rc = jql_eval(kr->arena, &env, jq, &sq, &msgs);
    if (rc == JQL_EVAL_INVALID) {
        json_t *list = json_array();
        for (size_t i = 0; i < msgs.n; i++)
            json_array_append_new(list, json_string(msgs.msg[i]));
        reply_json_new(kr, 400, json_pack("{s:o,s:{}}", "errorMessages", list, "errors"));
        return -1;
    }
    if (rc != JQL_EVAL_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return -1;
    }
    sq.start_at = 0;
    sq.max = AGILE_JQL_MAX + 1;
    sq.budget_ms = 2000;
    issue_rec_t *is;
    const char **keys;
    size_t n;
    rc = store_search(kr->store, kr->arena, kr->site.id, &sq, &is, &keys, &n, NULL);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_BUSY ? 400 : 500, 1,
                    rc == STORE_BUSY ? "The JQL query took too long to run (more than 2000 ms) and was stopped. Narrow "
                                       "it down with more restrictive clauses."
                                     : "Internal server error");
        return -1;
    }
    if (n > AGILE_JQL_MAX) {
        reply_error(kr, 400, 1, "The JQL query matches more than 10000 issues here: narrow it down.");
        return -1;
    }
    json_t *ids = json_own(kr->arena, json_array());
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_integer(is[i].id));
    size_t len;
    *out = json_dump_arena(kr->arena, ids, 1u << 20, &len);
    if (!*out) {
        reply_error(kr, 500, 1, "Internal server error");
        return -1;
    }
    return 0;
}

void agile_issue_page(kreq_t *kr, agile_query_t *q)
{
    int bad = 0;
    const char *jql = kreq_query(kr, "jql", &bad);
    const char *fields = kreq_query(kr, "fields", &bad), *expand = kreq_query(kr, "expand", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    if (jql && *jql && jql_ids(kr, jql, q->project_id, &q->only_ids) != 0)
        return;
    if (agile_page(kr, &q->start_at, &q->max_results) != 0)
        return;
    issue_view_t v;
    char err[160];
    if (issue_view_parse(kr->arena, fields, "*navigable", expand, NULL, &v, err, sizeof err) != 0) {
        reply_error(kr, 400, 1, err);
        return;
    }
    q->epic_type = ITYPE_EPIC;
    q->subtask_type = ITYPE_SUBTASK;
    issue_rec_t *is;
    size_t n;
    int64_t total;
    if (store_agile_issues(kr->store, kr->arena, kr->site.id, q, &is, &n, &total) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kstr(w, "expand", "schema,names");
    jw_kint(w, "startAt", q->start_at);
    jw_kint(w, "maxResults", q->max_results);
    jw_kint(w, "total", total);
    jw_key(w, "issues");
    jw_arr(w);
    project_rec_t p = {0}; /* the issues of a page are mostly of one project: read it once */
    for (size_t i = 0; i < n; i++) {
        if (p.id != is[i].project_id &&
            store_project_by_id(kr->store, kr->arena, kr->site.id, is[i].project_id, &p) != STORE_OK) {
            p.id = 0;
            continue;
        }
        render_issue(w, kr, &is[i], p.key, &v);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void render_board(jsonw_t *w, kreq_t *kr, const board_rec_t *b, const project_rec_t *p)
{
    char id[24], pid[24];
    enc_i64(id, b->id);
    enc_i64(pid, p->id);
    jw_obj(w);
    jw_kint(w, "id", b->id);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/agile/1.0/board/", id);
    jw_kstr(w, "name", b->name);
    jw_kstr(w, "type", b->type);
    jw_key(w, "location");
    jw_obj(w);
    jw_kint(w, "projectId", p->id);
    jw_kstr(w, "displayName", arena_printf(kr->arena, "%s (%s)", p->name, p->key));
    jw_kstr(w, "projectName", p->name);
    jw_kstr(w, "projectKey", p->key);
    jw_kstr(w, "projectTypeKey", p->type_key);
    jw_key(w, "avatarURI");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/universal_avatar/view/type/project/avatar/10400?size=small");
    jw_kstr(w, "name", arena_printf(kr->arena, "%s (%s)", p->name, p->key));
    jw_obj_end(w);
    jw_kbool(w, "isPrivate", 0);
    jw_obj_end(w);
}

static void time_field(jsonw_t *w, const char *k, int64_t ms)
{
    if (!ms)
        return;
    char t[40];
    clock_iso8601(t, sizeof t, ms);
    jw_kstr(w, k, t);
}

void render_sprint(jsonw_t *w, kreq_t *kr, const sprint_rec_t *s)
{
    char id[24];
    enc_i64(id, s->id);
    jw_obj(w);
    jw_kint(w, "id", s->id);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/agile/1.0/sprint/", id);
    jw_kstr(w, "state", s->state);
    jw_kstr(w, "name", s->name);
    time_field(w, "startDate", s->start_ms);
    time_field(w, "endDate", s->end_ms);
    time_field(w, "completeDate", s->complete_ms);
    time_field(w, "createdDate", s->created_ms);
    jw_kint(w, "originBoardId", s->board_id);
    if (s->goal && *s->goal)
        jw_kstr(w, "goal", s->goal);
    jw_obj_end(w);
}

void render_epic(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *pkey)
{
    char id[24];
    enc_i64(id, i->id);
    const status_def_t *st = status_find(i->status_id);
    /* a colour per epic, derived from its id: Jira's color_1 .. color_14 */
    static const char *const colors[] = {"color_1",  "color_2",  "color_3",  "color_4", "color_5",
                                         "color_6",  "color_7",  "color_8",  "color_9", "color_10",
                                         "color_11", "color_12", "color_13", "color_14"};
    jw_obj(w);
    jw_kint(w, "id", i->id);
    jw_kstr(w, "key", arena_printf(kr->arena, "%s-%lld", pkey, (long long)i->num));
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/agile/1.0/epic/", id);
    jw_kstr(w, "name", i->summary);
    jw_kstr(w, "summary", i->summary);
    jw_key(w, "color");
    jw_obj(w);
    jw_kstr(w, "key", colors[i->id % 14]);
    jw_obj_end(w);
    jw_kbool(w, "done", st && st->category == CAT_DONE);
    jw_obj_end(w);
}

const char *agile_sprint_field(kreq_t *kr)
{
    pthread_once(&sprint_once, take_sprint_slot);
    kr->ctx[sprint_slot] = NULL; /* made below, perhaps: look again when rendering */
    field_rec_t f;
    int rc = store_field_by_name(kr->store, kr->arena, kr->site.id, "Sprint", &f);
    if (rc == STORE_OK)
        return f.id;
    if (rc != STORE_NOTFOUND)
        return NULL;
    f = (field_rec_t){.name = "Sprint",
                      .description = "Jira Software sprint field",
                      .type = "gh-sprint",
                      .created_ms = clock_now_ms()};
    rc = store_field_insert(kr->store, kr->arena, kr->site.id, &f);
    if (rc == STORE_CONFLICT && store_field_by_name(kr->store, kr->arena, kr->site.id, "Sprint", &f) == STORE_OK)
        return f.id;
    return rc == STORE_OK ? f.id : NULL;
}

int agile_sprint_changed(kreq_t *kr, const issue_rec_t *i, const char *pkey, const sprint_rec_t *from,
                         const sprint_rec_t *to)
{
    const char *fid = agile_sprint_field(kr);
    if (!fid)
        return STORE_ERROR;
    char from_id[24], to_id[24];
    if (from)
        enc_i64(from_id, from->id);
    if (to)
        enc_i64(to_id, to->id);
    change_item_t item = {
        .field = "Sprint",
        .fieldtype = "custom",
        .field_id = fid,
        .from_id = from ? from_id : NULL,
        .from_string = from ? from->name : NULL,
        .to_id = to ? to_id : NULL,
        .to_string = to ? to->name : NULL,
    };
    change_group_t g = {
        .issue_id = i->id,
        .author_account_id = kr->principal.account_id,
        .created_ms = clock_now_ms(),
        .items = &item,
        .nitems = 1,
    };
    int rc = store_changelog_append(kr->store, kr->site.id, &g);
    if (rc != STORE_OK)
        return rc;
    json_t *payload =
        json_pack("{s:{s:I,s:s},s:{s:I,s:[{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s?}]}}", "issue", "id", (json_int_t)i->id,
                  "key", arena_printf(kr->arena, "%s-%lld", pkey, (long long)i->num), "changelog", "id",
                  (json_int_t)g.id, "items", "field", "Sprint", "fieldtype", "custom", "fieldId", fid, "from",
                  item.from_id, "fromString", item.from_string, "to", item.to_id, "toString", item.to_string);
    return product_event(kr, EV_ISSUE_UPDATED, i->id, payload);
}

static const char *sprint_field_id(kreq_t *kr)
{
    static const char none[] = "";
    pthread_once(&sprint_once, take_sprint_slot);
    const char *id = kr->ctx[sprint_slot];
    if (!id) {
        field_rec_t f;
        id = store_field_by_name(kr->store, kr->arena, kr->site.id, "Sprint", &f) == STORE_OK &&
                     strcmp(f.type, "gh-sprint") == 0
                 ? f.id
                 : none;
        kr->ctx[sprint_slot] = (void *)id;
    }
    return *id ? id : NULL;
}

/* 1 when the request came in under /rest/agile. */
static int agile_route(const kreq_t *kr)
{
    const route_t *r = kr->route;
    return r && r->nsegs > 1 && strcmp(r->segs[1], "agile") == 0;
}

void render_sprint_field(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const issue_view_t *v)
{
    sprint_rec_t *ss = NULL;
    size_t n = 0;
    const char *fid = sprint_field_id(kr);
    int agile = agile_route(kr);
    int custom = fid && issue_view_wants(v, fid, 1), open = agile && issue_view_wants(v, "sprint", 1),
        closed = agile && issue_view_wants(v, "closedSprints", 1);
    if ((custom || open || closed) &&
        store_issue_sprints(kr->store, kr->arena, kr->site.id, i->id, &ss, &n) != STORE_OK)
        return;
    if (custom) {
        jw_key(w, fid);
        if (!n)
            jw_null(w);
        else {
            jw_arr(w);
            for (size_t k = 0; k < n; k++) {
                jw_obj(w);
                jw_kint(w, "id", ss[k].id);
                jw_kstr(w, "name", ss[k].name);
                jw_kstr(w, "state", ss[k].state);
                jw_kint(w, "boardId", ss[k].board_id);
                jw_kstr(w, "goal", ss[k].goal ? ss[k].goal : "");
                time_field(w, "startDate", ss[k].start_ms);
                time_field(w, "endDate", ss[k].end_ms);
                time_field(w, "completeDate", ss[k].complete_ms);
                jw_obj_end(w);
            }
            jw_arr_end(w);
        }
    }
    /* the agile API's own fields: the open sprint, the closed ones, the epic, the flag */
    if (open) {
        const sprint_rec_t *o = NULL;
        for (size_t k = 0; k < n; k++)
            if (strcmp(ss[k].state, "closed") != 0)
                o = &ss[k];
        jw_key(w, "sprint");
        if (o)
            render_sprint(w, kr, o);
        else
            jw_null(w);
    }
    if (closed) {
        jw_key(w, "closedSprints");
        jw_arr(w);
        for (size_t k = 0; k < n; k++)
            if (strcmp(ss[k].state, "closed") == 0)
                render_sprint(w, kr, &ss[k]);
        jw_arr_end(w);
    }
    if (agile && issue_view_wants(v, "epic", 1)) {
        issue_rec_t e;
        const char *pkey;
        jw_key(w, "epic");
        if (i->parent_id && store_issue_by_id(kr->store, kr->arena, kr->site.id, i->parent_id, &e, &pkey) == STORE_OK &&
            e.issuetype_id == ITYPE_EPIC)
            render_epic(w, kr, &e, pkey);
        else
            jw_null(w);
    }
    if (agile && issue_view_wants(v, "flagged", 1))
        jw_kbool(w, "flagged", 0);
}
