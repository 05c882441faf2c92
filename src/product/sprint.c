/* Sprints (/rest/agile/1.0/sprint...): create, get, update (whole or partial) with Jira's
 * state machine, delete, their issues, and moving issues into a sprint or back to the
 * backlog.
 *
 * States: future -> active (needs a start and an end date; one active sprint per board,
 * as Jira without parallel sprints) -> closed (final: only name and goal change after).
 * Closing keeps the sprint's issues in its history; the unfinished ones are then in no
 * open sprint, which is the backlog. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/agile.h"
#include "product/events.h"
#include "product/model.h"
#include "product/perm.h"
#include "product/render.h"

enum { SPRINT_NAME_MAX = 255, SPRINT_GOAL_MAX = 4096 };

/* ISO 8601 as Jira takes it: 2024-05-01T09:00:00.000+10:00, ...Z, ...+1000, or a date
 * alone (midnight UTC). 0, or -1. */
static int parse_time(const char *s, int64_t *ms)
{
    int Y, M, D, h = 0, m = 0, sec = 0, frac = 0, n = 0;
    if (!s || strlen(s) > 40 || sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &n) != 3 || n != 10)
        return -1;
    const char *p = s + 10;
    int off = 0;
    if (*p == 'T') {
        if (sscanf(p, "T%2d:%2d%n", &h, &m, &n) != 2 || n != 6)
            return -1;
        p += n;
        if (*p == ':') {
            if (sscanf(p, ":%2d%n", &sec, &n) != 1 || n != 3)
                return -1;
            p += n;
            if (*p == '.') {
                int digits = 0;
                for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                    if (digits < 3)
                        frac = frac * 10 + (*p - '0');
                if (!digits)
                    return -1;
                for (; digits < 3; digits++)
                    frac *= 10;
            }
        }
        if (*p == 'Z')
            p++;
        else if (*p == '+' || *p == '-') {
            int oh, om;
            int sign = *p == '-' ? -1 : 1;
            if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5)
                p += 6;
            else if (sscanf(p + 1, "%2d%2d%n", &oh, &om, &n) == 2 && n == 4)
                p += 5;
            else
                return -1;
            if (oh > 14 || om > 59)
                return -1;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p || Y < 1970 || Y > 9999 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != D || back.tm_mon != M - 1) /* no 31 February */
        return -1;
    *ms = ((int64_t)t - off) * 1000 + frac;
    return 0;
}

static const char *const sprint_keys[] = {"id",      "self",         "name",        "state", "startDate",
                                          "endDate", "completeDate", "createdDate", "goal",  "originBoardId"};

/* Reads the fields body gives into s (a partial update, or a creation): 0, or -1 with
 * the errors set. */
static int read_fields(kreq_t *kr, json_t *body, sprint_rec_t *s, const char **new_state, json_t *errors)
{
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        int known = 0;
        for (size_t i = 0; i < sizeof sprint_keys / sizeof *sprint_keys; i++)
            known |= strcmp(k, sprint_keys[i]) == 0;
        if (!known)
            json_object_set_new(errors, k, json_string("Unrecognized field."));
    }
    json_t *name = json_object_get(body, "name");
    if (name) {
        if (!json_is_string(name) || !json_string_length(name))
            json_object_set_new(errors, "name", json_string("The sprint name is required."));
        else if (json_string_length(name) > SPRINT_NAME_MAX)
            json_object_set_new(errors, "name", json_string("The sprint name must be 255 characters or less."));
        else
            s->name = json_string_value(name);
    }
    json_t *goal = json_object_get(body, "goal");
    if (goal && !json_is_null(goal)) {
        if (!json_is_string(goal) || json_string_length(goal) > SPRINT_GOAL_MAX)
            json_object_set_new(errors, "goal", json_string("The goal must be a string of 4096 characters or less."));
        else
            s->goal = json_string_value(goal);
    } else if (goal)
        s->goal = "";
    static const struct {
        const char *key;
        size_t off;
    } dates[] = {{"startDate", offsetof(sprint_rec_t, start_ms)}, {"endDate", offsetof(sprint_rec_t, end_ms)}};
    for (size_t i = 0; i < sizeof dates / sizeof *dates; i++) {
        json_t *d = json_object_get(body, dates[i].key);
        int64_t *slot = (int64_t *)((char *)s + dates[i].off);
        if (!d)
            continue;
        if (json_is_null(d))
            *slot = 0;
        else if (!json_is_string(d) || parse_time(json_string_value(d), slot) != 0)
            json_object_set_new(
                errors, dates[i].key,
                json_string("A date-time in ISO 8601 format is required, e.g. 2024-05-01T09:00:00.000Z."));
    }
    json_t *state = json_object_get(body, "state");
    *new_state = NULL;
    if (state) {
        const char *st = json_string_value(state);
        if (!st || (strcmp(st, "future") != 0 && strcmp(st, "active") != 0 && strcmp(st, "closed") != 0))
            json_object_set_new(errors, "state", json_string("The state must be future, active or closed."));
        else
            *new_state = st;
    }
    if (s->start_ms && s->end_ms && s->end_ms < s->start_ms)
        json_object_set_new(errors, "endDate", json_string("The end date must be after the start date."));
    return json_object_size(errors) ? -1 : 0;
}

static int commit_or_500(kreq_t *kr, int rc)
{
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK)
        reply_error(kr, 500, 1, "Internal server error");
    return rc == STORE_OK;
}

/* A sprint event's {sprint: ...}: the sprint as the Agile API serves it (id, name, state,
 * originBoardId as numbers and strings; goal, startDate, endDate, completeDate when set).
 * Forge's Jira Software reference found gives the board events' shape ({board} and
 * atlassianId); the sprint events' is taken to be the same with the Agile API's sprint. */
static json_t *sprint_payload(const sprint_rec_t *s)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)s->id, "name", s->name, "state", s->state,
                          "originBoardId", (json_int_t)s->board_id);
    if (o && s->goal && *s->goal)
        json_object_set_new(o, "goal", json_string(s->goal));
    const struct {
        const char *name;
        int64_t ms;
    } dates[] = {{"startDate", s->start_ms}, {"endDate", s->end_ms}, {"completeDate", s->complete_ms}};
    for (size_t i = 0; o && i < sizeof dates / sizeof *dates; i++) {
        char t[40];
        if (!dates[i].ms)
            continue;
        clock_iso8601(t, sizeof t, dates[i].ms);
        json_object_set_new(o, dates[i].name, json_string(t));
    }
    return o ? json_pack("{s:o}", "sprint", o) : NULL;
}

static void answer(kreq_t *kr, int status, const sprint_rec_t *s)
{
    jsonw_t *w = reply_writer_new(kr);
    render_sprint(w, kr, s);
    reply_writer(kr, status, w);
}

void sprint_create(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *errors = json_own(kr->arena, json_object());
    sprint_rec_t s = {.state = "future", .goal = "", .created_ms = clock_now_ms()};
    const char *state;
    read_fields(kr, body, &s, &state, errors);
    json_object_del(errors, "originBoardId");
    if (!s.name && !json_object_get(errors, "name"))
        json_object_set_new(errors, "name", json_string("The sprint name is required."));
    if (state)
        json_object_set_new(errors, "state", json_string("A new sprint is a future sprint: start it with an update."));
    json_t *ob = json_object_get(body, "originBoardId");
    board_rec_t b;
    project_rec_t p;
    int visible = 0;
    if (json_is_integer(ob) && json_integer_value(ob) > 0 &&
        store_board_get(kr->store, kr->arena, kr->site.id, json_integer_value(ob), &b) == STORE_OK &&
        store_project_by_id(kr->store, kr->arena, kr->site.id, b.project_id, &p) == STORE_OK)
        visible = perm_allows(kr, p.id, "BROWSE_PROJECTS");
    if (visible < 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    if (visible != 1)
        json_object_set_new(errors, "originBoardId", json_string("The board does not exist or you cannot see it."));
    else if (strcmp(b.type, "scrum") != 0)
        json_object_set_new(errors, "originBoardId", json_string("The board does not support sprints"));
    if (json_object_size(errors)) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    if (!agile_may(kr, p.id, "EDIT_ISSUES"))
        return;
    s.board_id = b.id;
    /* kiln's limit (a board lists its sprints in one read), counted in the write's transaction */
    sprint_rec_t *all;
    size_t nall = 0;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_sprint_list(kr->store, kr->arena, kr->site.id, b.id, &all, &nall);
    if (rc == STORE_OK && nall >= AGILE_MAX_SPRINTS) {
        store_rollback(kr->store);
        reply_error(kr, 400, 1, "A board has at most 1000 sprints: delete a future one first.");
        return;
    }
    if (rc == STORE_OK)
        rc = store_sprint_insert(kr->store, kr->site.id, &s);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_SPRINT_CREATED, s.id, sprint_payload(&s));
    if (commit_or_500(kr, rc))
        answer(kr, 201, &s);
}

void sprint_get(kreq_t *kr)
{
    sprint_rec_t s;
    board_rec_t b;
    project_rec_t p;
    if (agile_sprint(kr, 0, &s, &b, &p) == 0)
        answer(kr, 200, &s);
}

/* The state machine: NULL if `from` may become `to` (with the sprint as it would be),
 * else Jira's message. */
static const char *transition_error(kreq_t *kr, const sprint_rec_t *s, const char *from, const char *to)
{
    if (strcmp(from, to) == 0)
        return NULL;
    if (strcmp(from, "closed") == 0)
        return "A closed sprint cannot be reopened or started.";
    if (strcmp(from, "future") == 0 && strcmp(to, "closed") == 0)
        return "A future sprint cannot be closed: start it first.";
    if (strcmp(from, "active") == 0 && strcmp(to, "future") == 0)
        return "An active sprint cannot go back to future.";
    if (strcmp(to, "active") == 0) {
        if (!s->start_ms || !s->end_ms)
            return "A sprint needs a start date and an end date to start.";
        sprint_rec_t *all;
        size_t n;
        if (store_sprint_list(kr->store, kr->arena, kr->site.id, s->board_id, &all, &n) != STORE_OK)
            return "Internal server error";
        for (size_t i = 0; i < n; i++)
            if (all[i].id != s->id && strcmp(all[i].state, "active") == 0)
                return "The board already has an active sprint: close it first.";
    }
    return NULL;
}

static void update(kreq_t *kr, int whole)
{
    sprint_rec_t s;
    board_rec_t b;
    project_rec_t p;
    if (agile_sprint(kr, 0, &s, &b, &p) != 0)
        return;
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *errors = json_own(kr->arena, json_object());
    const char *old = s.state, *state;
    if (whole) { /* PUT: what is not given is cleared */
        s.goal = "";
        if (strcmp(old, "future") == 0)
            s.start_ms = s.end_ms = 0;
    }
    read_fields(kr, body, &s, &state, errors);
    if (whole && !json_object_get(body, "name") && !json_object_get(errors, "name"))
        json_object_set_new(errors, "name", json_string("The sprint name is required."));
    if (whole && !state && !json_object_get(errors, "state"))
        json_object_set_new(errors, "state", json_string("The state is required."));
    json_t *ob = json_object_get(body, "originBoardId");
    if (ob && !(json_is_integer(ob) && json_integer_value(ob) == s.board_id))
        json_object_set_new(errors, "originBoardId", json_string("The board of a sprint cannot change."));
    if (json_object_size(errors)) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    if (!agile_may(kr, p.id, "EDIT_ISSUES"))
        return;
    /* the state machine runs on the sprint as the write's transaction reads it: two
     * requests starting two sprints of one board at once cannot both succeed */
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_sprint_get(kr->store, kr->arena, kr->site.id, s.id, &s);
    if (rc != STORE_OK) {
        store_rollback(kr->store);
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    old = s.state;
    if (whole) {
        s.goal = "";
        if (strcmp(old, "future") == 0)
            s.start_ms = s.end_ms = 0;
    }
    json_t *again = json_own(kr->arena, json_object()); /* the dates may meet what changed since */
    if (read_fields(kr, body, &s, &state, again) != 0) {
        store_rollback(kr->store);
        reply_field_errors(kr, 400, json_incref(again));
        return;
    }
    if (!state)
        state = old;
    const char *why = NULL;
    if (strcmp(old, "closed") == 0 && (json_object_get(body, "startDate") || json_object_get(body, "endDate")))
        why = "A closed sprint's dates cannot change.";
    else
        why = transition_error(kr, &s, old, state);
    if (why) {
        store_rollback(kr->store);
        reply_error(kr, strcmp(why, "Internal server error") == 0 ? 500 : 400, 1, why);
        return;
    }
    s.state = state;
    if (strcmp(old, "active") == 0 && strcmp(state, "closed") == 0)
        s.complete_ms = clock_now_ms();
    rc = store_sprint_update(kr->store, kr->site.id, &s);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_SPRINT_UPDATED, s.id, sprint_payload(&s));
    if (rc == STORE_OK && strcmp(old, state) != 0)
        rc = product_event(kr, strcmp(state, "active") == 0 ? EV_SPRINT_STARTED : EV_SPRINT_CLOSED, s.id,
                           sprint_payload(&s));
    if (commit_or_500(kr, rc))
        answer(kr, 200, &s);
}

void sprint_update(kreq_t *kr)
{
    update(kr, 1);
}

void sprint_partial(kreq_t *kr)
{
    update(kr, 0);
}

void sprint_delete(kreq_t *kr)
{
    sprint_rec_t s;
    board_rec_t b;
    project_rec_t p;
    if (agile_sprint(kr, 0, &s, &b, &p) != 0 || !agile_may(kr, p.id, "EDIT_ISSUES"))
        return;
    if (strcmp(s.state, "closed") == 0) {
        reply_error(kr, 400, 1, "A closed sprint cannot be deleted.");
        return;
    }
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_sprint_delete(kr->store, kr->site.id, s.id);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_SPRINT_DELETED, s.id, sprint_payload(&s));
    if (commit_or_500(kr, rc))
        reply_raw(kr, 204, "application/json", "", 0);
}

void sprint_issues(kreq_t *kr)
{
    sprint_rec_t s;
    board_rec_t b;
    project_rec_t p;
    if (agile_sprint(kr, 0, &s, &b, &p) != 0)
        return;
    agile_query_t q = {.mode = AQ_SPRINT, .project_id = p.id, .sprint_id = s.id};
    agile_issue_page(kr, &q);
}

/* The issues of a move body ({"issues": [id or key, ...]}, 1..AGILE_MOVE_MAX), each
 * visible and (project_id != 0) of that project: n, or -1 after answering 400/500. */
static int move_issues(kreq_t *kr, json_t *body, int64_t project_id, issue_rec_t **out, const char ***pkeys)
{
    json_t *list = json_object_get(body, "issues");
    size_t n = json_array_size(list);
    if (!json_is_array(list) || n == 0) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "issues", "A list of 1 to 50 issue ids or keys is required."));
        return -1;
    }
    if (n > AGILE_MOVE_MAX) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "issues", "At most 50 issues can be moved at once."));
        return -1;
    }
    *out = arena_alloc(kr->arena, n * sizeof **out);
    *pkeys = arena_alloc(kr->arena, n * sizeof **pkeys);
    for (size_t i = 0; i < n; i++) {
        const char *ref = json_string_value(json_array_get(list, i));
        int rc = agile_issue_find(kr, ref, &(*out)[i], &(*pkeys)[i]);
        if (rc < 0) {
            reply_error(kr, 500, 1, "Internal server error");
            return -1;
        }
        if (rc > 0 || (project_id && (*out)[i].project_id != project_id)) {
            char msg[400];
            snprintf(msg, sizeof msg, "Issue '%.200s' does not exist or you do not have permission to see it%s.",
                     ref ? ref : "", rc > 0 ? "" : " on this board");
            reply_error(kr, 400, 1, msg);
            return -1;
        }
        if ((*out)[i].issuetype_id == ITYPE_SUBTASK || (*out)[i].issuetype_id == ITYPE_EPIC) {
            reply_error(kr, 400, 1, "Subtasks and epics cannot be moved into a sprint or the backlog.");
            return -1;
        }
    }
    return (int)n;
}

/* Moves each issue into `to` (NULL: the backlog), recording a Sprint change where its
 * open sprint changes. In the caller's transaction. */
static int move_all(kreq_t *kr, issue_rec_t *is, const char **pkeys, int n, const sprint_rec_t *to)
{
    int rc = STORE_OK;
    for (int i = 0; rc == STORE_OK && i < n; i++) {
        sprint_rec_t *ss, *from = NULL;
        size_t ns;
        rc = store_issue_sprints(kr->store, kr->arena, kr->site.id, is[i].id, &ss, &ns);
        for (size_t j = 0; rc == STORE_OK && j < ns; j++)
            if (strcmp(ss[j].state, "closed") != 0)
                from = &ss[j];
        if (rc != STORE_OK || (from && to && from->id == to->id) || (!from && !to))
            continue;
        rc = store_issue_sprint_set(kr->store, kr->site.id, is[i].id, to ? to->id : 0);
        if (rc == STORE_OK)
            rc = agile_sprint_changed(kr, &is[i], pkeys[i], from, to);
    }
    return rc;
}

/* A move's rankBeforeIssue or rankAfterIssue (one at most): where the moved issues go in
 * the order. 1 with *anchor and *before set, 0 if neither is given, -1 after a 400/500. */
static int rank_anchor(kreq_t *kr, json_t *body, const issue_rec_t *is, int n, issue_rec_t *anchor, int *before)
{
    const char *b = json_str(body, "rankBeforeIssue"), *a = json_str(body, "rankAfterIssue"), *akey;
    json_t *cf = json_object_get(body, "rankCustomFieldId");
    if ((b && a) || (cf && !json_is_integer(cf))) {
        reply_error(kr, 400, 1,
                    "Give at most one of rankBeforeIssue and rankAfterIssue, and a number as rankCustomFieldId.");
        return -1;
    }
    if (!b && !a)
        return 0;
    int rc = agile_issue_find(kr, b ? b : a, anchor, &akey);
    if (rc != 0) {
        reply_error(kr, rc < 0 ? 500 : 400, 1,
                    rc < 0 ? "Internal server error"
                           : "The issue to rank against does not exist or you do not have permission to see it.");
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (is[i].id == anchor->id) {
            reply_error(kr, 400, 1, "An issue cannot be ranked against itself.");
            return -1;
        }
    *before = b != NULL;
    return 1;
}

void board_sprint_issues(kreq_t *kr)
{
    board_rec_t b, sb;
    project_rec_t p, sp;
    sprint_rec_t s;
    if (agile_board(kr, 0, &b, &p) != 0 || agile_sprint(kr, 1, &s, &sb, &sp) != 0)
        return;
    if (s.board_id != b.id) { /* a sprint of another board: none of this one's */
        reply_error(kr, 404, 1,
                    "The requested sprint cannot be viewed because it either does not exist or you do not have "
                    "permission to view it.");
        return;
    }
    agile_query_t q = {.mode = AQ_SPRINT, .project_id = p.id, .sprint_id = s.id};
    agile_issue_page(kr, &q);
}

void sprint_move_issues(kreq_t *kr)
{
    sprint_rec_t s;
    board_rec_t b;
    project_rec_t p;
    if (agile_sprint(kr, 0, &s, &b, &p) != 0)
        return;
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    issue_rec_t *is, anchor;
    const char **pkeys;
    int n = move_issues(kr, body, p.id, &is, &pkeys), before = 0;
    int ranked = n < 0 ? -1 : rank_anchor(kr, body, is, n, &anchor, &before);
    if (ranked < 0)
        return;
    if (strcmp(s.state, "closed") == 0) {
        reply_error(kr, 400, 1, "Issues cannot be moved into a closed sprint.");
        return;
    }
    if (!agile_may(kr, p.id, "EDIT_ISSUES"))
        return;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK) /* closed since the first read? then none go in */
        rc = store_sprint_get(kr->store, kr->arena, kr->site.id, s.id, &s);
    if (rc == STORE_OK && strcmp(s.state, "closed") == 0) {
        store_rollback(kr->store);
        reply_error(kr, 400, 1, "Issues cannot be moved into a closed sprint.");
        return;
    }
    if (rc == STORE_OK)
        rc = move_all(kr, is, pkeys, n, &s);
    if (rc == STORE_OK && ranked)
        rc = agile_rank_issues(kr, is, pkeys, (size_t)n, &anchor, before);
    if (rc == STORE_CONFLICT) {
        store_rollback(kr->store);
        reply_error(kr, 400, 1, "These issues cannot be ranked there: the ranks around it are at their longest.");
        return;
    }
    if (commit_or_500(kr, rc))
        reply_raw(kr, 204, "application/json", "", 0);
}

/* Moves a body's issues to the backlog: of any project (board_project NULL), or of the
 * board's, then ranked as the body says. */
static void to_backlog(kreq_t *kr, const project_rec_t *board_project)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    issue_rec_t *is, anchor;
    const char **pkeys;
    int n = move_issues(kr, body, board_project ? board_project->id : 0, &is, &pkeys), before = 0;
    int ranked = n < 0 ? -1 : board_project ? rank_anchor(kr, body, is, n, &anchor, &before) : 0;
    if (ranked < 0)
        return;
    for (int i = 0; i < n; i++)
        if (!agile_may(kr, is[i].project_id, "EDIT_ISSUES"))
            return;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = move_all(kr, is, pkeys, n, NULL);
    if (rc == STORE_OK && ranked)
        rc = agile_rank_issues(kr, is, pkeys, (size_t)n, &anchor, before);
    if (rc == STORE_CONFLICT) {
        store_rollback(kr->store);
        reply_error(kr, 400, 1, "These issues cannot be ranked there: the ranks around it are at their longest.");
        return;
    }
    if (commit_or_500(kr, rc))
        reply_raw(kr, 204, "application/json", "", 0);
}

void backlog_move_issues(kreq_t *kr)
{
    to_backlog(kr, NULL);
}

void backlog_board_move_issues(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) == 0)
        to_backlog(kr, &p);
}
