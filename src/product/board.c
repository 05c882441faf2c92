/* Boards (/rest/agile/1.0/board...): list, create, get, delete, configuration, and the
 * lists of a board: issues, backlog, sprints, epics, epic issues, projects. A board
 * shows one project (kiln has no saved filters: a board records the JQL
 * `project = KEY ORDER BY Rank ASC` of its location). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/agile.h"
#include "product/events.h"
#include "product/idkey.h"
#include "product/model.h"
#include "product/perm.h"
#include "product/render.h"

enum { BOARD_NAME_MAX = 255 };

/* Case-insensitive substring. */
static int contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return n == 0;
}

/* {maxResults, startAt, total, isLast, values: [...]} around the writer's values */
static void page_open(jsonw_t *w, int64_t start, int64_t max, int64_t total, int last)
{
    jw_obj(w);
    jw_kint(w, "maxResults", max);
    jw_kint(w, "startAt", start);
    if (total >= 0)
        jw_kint(w, "total", total);
    jw_kbool(w, "isLast", last);
    jw_key(w, "values");
    jw_arr(w);
}

static void page_close(jsonw_t *w)
{
    jw_arr_end(w);
    jw_obj_end(w);
}

void board_list(kreq_t *kr)
{
    int bad = 0;
    const char *type = kreq_query(kr, "type", &bad), *name = kreq_query(kr, "name", &bad),
               *proj = kreq_query(kr, "projectKeyOrId", &bad);
    int64_t start, max;
    if (bad) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    if (agile_page(kr, &start, &max) != 0)
        return;
    if (type && strcmp(type, "scrum") != 0 && strcmp(type, "kanban") != 0 && strcmp(type, "simple") != 0) {
        reply_error(kr, 400, 1, "The type parameter must be scrum, kanban or simple.");
        return;
    }
    project_rec_t only = {0};
    if (proj && idkey_project_get(kr->store, kr->arena, kr->site.id, proj, &only) != STORE_OK)
        only.id = -1; /* a project that does not exist has no boards */
    board_rec_t *bs;
    size_t n;
    if (store_board_list(kr->store, kr->arena, kr->site.id, &bs, &n) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    /* the boards the caller may see, then the page of them */
    board_rec_t **seen = arena_alloc(kr->arena, (n ? n : 1) * sizeof *seen);
    project_rec_t *ps = arena_alloc(kr->arena, (n ? n : 1) * sizeof *ps);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if ((type && strcmp(bs[i].type, type) != 0) || (name && !contains(bs[i].name, name)) ||
            (proj && bs[i].project_id != only.id))
            continue;
        if (store_project_by_id(kr->store, kr->arena, kr->site.id, bs[i].project_id, &ps[k]) != STORE_OK)
            continue;
        int may = perm_allows(kr, bs[i].project_id, "BROWSE_PROJECTS");
        if (may < 0) {
            reply_error(kr, 500, 1, "Internal server error");
            return;
        }
        if (may == 1)
            seen[k++] = &bs[i];
    }
    jsonw_t *w = reply_writer_new(kr);
    page_open(w, start, max, (int64_t)k, (uint64_t)start + (uint64_t)max >= k);
    for (size_t i = (size_t)start; i < k && i < (size_t)(start + max); i++)
        render_board(w, kr, seen[i], &ps[i]);
    page_close(w);
    reply_writer(kr, 200, w);
}

static const char *const create_keys[] = {"name", "type", "filterId", "location"};

void board_create(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *errors = json_own(kr->arena, json_object());
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        int known = 0;
        for (size_t i = 0; i < sizeof create_keys / sizeof *create_keys; i++)
            known |= strcmp(k, create_keys[i]) == 0;
        if (!known)
            json_object_set_new(errors, k, json_string("Unrecognized field."));
    }
    const char *name = json_str(body, "name"), *type = json_str(body, "type");
    if (!name || !*name)
        json_object_set_new(errors, "name", json_string("Board name is required."));
    else if (strlen(name) > BOARD_NAME_MAX)
        json_object_set_new(errors, "name", json_string("Board name must be 255 characters or less."));
    if (!type || (strcmp(type, "scrum") != 0 && strcmp(type, "kanban") != 0))
        json_object_set_new(errors, "type", json_string("Board type must be scrum or kanban."));
    if (json_object_get(body, "filterId"))
        json_object_set_new(errors, "filterId",
                            json_string("kiln has no saved filters: give a location {type: project, projectKeyOrId} "
                                        "and the board shows that project."));
    json_t *loc = json_object_get(body, "location");
    const char *pref = json_is_object(loc) ? json_str(loc, "projectKeyOrId") : NULL;
    project_rec_t p;
    int may = 0;
    if (!json_is_object(loc) || !json_str_is(json_object_get(loc, "type"), "project") || !pref)
        json_object_set_new(errors, "location",
                            json_string("A location of type project with a projectKeyOrId is required."));
    else if (strlen(pref) <= 64 && idkey_project_get(kr->store, kr->arena, kr->site.id, pref, &p) == STORE_OK)
        may = perm_allows(kr, p.id, "BROWSE_PROJECTS");
    if (may < 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    if (pref && may != 1)
        json_object_set_new(errors, "location", json_string("The project of the location does not exist."));
    if (json_object_size(errors) > 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    if (!agile_may(kr, p.id, "ADMINISTER_PROJECTS"))
        return;
    board_rec_t b = {
        .name = name,
        .type = type,
        .project_id = p.id,
        .filter_jql = arena_printf(kr->arena, "project = %s ORDER BY Rank ASC", p.key),
        .created_ms = clock_now_ms(),
    };
    /* kiln's limit (a site lists its boards in one read), counted in the write's transaction */
    board_rec_t *all;
    size_t nall = 0;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_board_list(kr->store, kr->arena, kr->site.id, &all, &nall);
    if (rc == STORE_OK && nall >= AGILE_MAX_BOARDS) {
        store_rollback(kr->store);
        reply_error(kr, 400, 1, "A site has at most 1000 boards: delete one first.");
        return;
    }
    if (rc == STORE_OK)
        rc = store_board_insert(kr->store, kr->site.id, &b);
    if (rc == STORE_OK)
        rc = product_event(
            kr, EV_BOARD_CREATED, b.id,
            json_pack("{s:{s:I,s:s,s:s}}", "board", "id", (json_int_t)b.id, "name", b.name, "type", b.type));
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_board(w, kr, &b, &p);
    reply_writer(kr, 201, w);
}

void board_get(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) != 0)
        return;
    jsonw_t *w = reply_writer_new(kr);
    render_board(w, kr, &b, &p);
    reply_writer(kr, 200, w);
}

void board_delete(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) != 0 || !agile_may(kr, p.id, "ADMINISTER_PROJECTS"))
        return;
    /* its open sprints go too (their issues back to the backlog): no other board would show
     * them; its closed sprints stay in their issues' history */
    sprint_rec_t *ss;
    size_t n = 0;
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_sprint_list(kr->store, kr->arena, kr->site.id, b.id, &ss, &n);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        if (strcmp(ss[i].state, "closed") == 0)
            continue;
        rc = store_sprint_delete(kr->store, kr->site.id, ss[i].id);
        if (rc == STORE_OK)
            rc = product_event(kr, EV_SPRINT_DELETED, ss[i].id,
                               json_pack("{s:{s:I,s:s,s:s,s:I}}", "sprint", "id", (json_int_t)ss[i].id, "name",
                                         ss[i].name, "state", ss[i].state, "originBoardId", (json_int_t)b.id));
    }
    if (rc == STORE_OK)
        rc = store_board_delete(kr->store, kr->site.id, b.id);
    if (rc == STORE_OK)
        rc = product_event(
            kr, EV_BOARD_DELETED, b.id,
            json_pack("{s:{s:I,s:s,s:s}}", "board", "id", (json_int_t)b.id, "name", b.name, "type", b.type));
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0);
}

/* The board's columns: one per status category of the project's workflow. */
static const struct {
    const char *name;
    int category;
} columns[] = {{"To Do", CAT_NEW}, {"In Progress", CAT_INDETERMINATE}, {"Done", CAT_DONE}};

void board_configuration(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) != 0)
        return;
    char id[24], pid[24];
    enc_i64(id, b.id);
    enc_i64(pid, p.id);
    const char *base = render_base(kr);
    const workflow_def_t *wf = workflow_for(p.type_key);
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kint(w, "id", b.id);
    jw_kstr(w, "name", b.name);
    jw_kstr(w, "type", b.type);
    jw_key(w, "self");
    JW_STRCAT(w, base, "/rest/agile/1.0/board/", id, "/configuration");
    jw_key(w, "location");
    jw_obj(w);
    jw_kstr(w, "type", "project");
    jw_kstr(w, "projectKeyOrId", pid);
    jw_obj_end(w);
    jw_key(w, "subQuery");
    jw_obj(w);
    jw_kstr(w, "query", "");
    jw_obj_end(w);
    jw_key(w, "columnConfig");
    jw_obj(w);
    jw_key(w, "columns");
    jw_arr(w);
    for (size_t c = 0; c < sizeof columns / sizeof *columns; c++) {
        jw_obj(w);
        jw_kstr(w, "name", columns[c].name);
        jw_key(w, "statuses");
        jw_arr(w);
        for (const int64_t *s = wf ? wf->statuses : NULL; s && *s; s++) {
            const status_def_t *sd = status_find(*s);
            if (!sd || sd->category != columns[c].category)
                continue;
            char sid[24];
            enc_i64(sid, *s);
            jw_obj(w);
            jw_kstr(w, "id", sid);
            jw_key(w, "self");
            JW_STRCAT(w, base, "/rest/api/3/status/", sid);
            jw_obj_end(w);
        }
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kstr(w, "constraintType", "none");
    jw_obj_end(w);
    jw_key(w, "estimation");
    jw_obj(w);
    jw_kstr(w, "type", "field");
    jw_key(w, "field");
    jw_obj(w);
    jw_kstr(w, "fieldId", "timeoriginalestimate");
    jw_kstr(w, "displayName", "Original estimate");
    jw_obj_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void board_issues(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) != 0)
        return;
    agile_query_t q = {.mode = AQ_PROJECT, .project_id = p.id};
    agile_issue_page(kr, &q);
}

void board_backlog(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) != 0)
        return;
    agile_query_t q = {
        .mode = AQ_BACKLOG,
        .project_id = p.id,
        .exclude_status = strcmp(b.type, "scrum") == 0 ? agile_done_statuses(kr) : NULL,
    };
    agile_issue_page(kr, &q);
}

static const char *const sprint_states[] = {"future", "active", "closed"};

void board_sprints(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) != 0)
        return;
    if (strcmp(b.type, "scrum") != 0) {
        reply_error(kr, 400, 1, "The board does not support sprints");
        return;
    }
    int bad = 0;
    const char *state = kreq_query(kr, "state", &bad);
    int64_t start, max;
    if (bad) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    if (agile_page(kr, &start, &max) != 0)
        return;
    unsigned want = 0;
    if (!state || !*state)
        want = 7;
    else {
        char *list = arena_strdup(kr->arena, state), *save = NULL;
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            unsigned bit = 0;
            for (size_t i = 0; i < 3; i++)
                if (strcmp(t, sprint_states[i]) == 0)
                    bit = 1u << i;
            if (!bit) {
                reply_error(kr, 400, 1, "The state parameter takes future, active and closed, comma-separated.");
                return;
            }
            want |= bit;
        }
    }
    sprint_rec_t *ss;
    size_t n;
    if (store_sprint_list(kr->store, kr->arena, kr->site.id, b.id, &ss, &n) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned bit = 0;
        for (size_t j = 0; j < 3; j++)
            if (strcmp(ss[i].state, sprint_states[j]) == 0)
                bit = 1u << j;
        if (want & bit)
            ss[k++] = ss[i];
    }
    jsonw_t *w = reply_writer_new(kr);
    page_open(w, start, max, -1, (uint64_t)start + (uint64_t)max >= k);
    for (size_t i = (size_t)start; i < k && i < (size_t)(start + max); i++)
        render_sprint(w, kr, &ss[i]);
    page_close(w);
    reply_writer(kr, 200, w);
}

void board_epics(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) != 0)
        return;
    int bad = 0;
    const char *done = kreq_query(kr, "done", &bad);
    int64_t start, max;
    if (bad || (done && strcmp(done, "true") != 0 && strcmp(done, "false") != 0)) {
        reply_error(kr, 400, 1, "The done parameter must be true or false.");
        return;
    }
    if (agile_page(kr, &start, &max) != 0)
        return;
    /* done=false: the epics not done; done=true: the done ones; none: all of them */
    int want_done = done && strcmp(done, "true") == 0;
    agile_query_t q = {.mode = AQ_EPICS,
                       .only_status = want_done ? agile_done_statuses(kr) : NULL,
                       .project_id = p.id,
                       .epic_type = ITYPE_EPIC,
                       .subtask_type = ITYPE_SUBTASK,
                       .exclude_status = done && strcmp(done, "false") == 0 ? agile_done_statuses(kr) : NULL,
                       .start_at = start,
                       .max_results = max};
    issue_rec_t *is;
    size_t n;
    int64_t total;
    if (store_agile_issues(kr->store, kr->arena, kr->site.id, &q, &is, &n, &total) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    page_open(w, start, max, -1, start + (int64_t)n >= total);
    for (size_t i = 0; i < n; i++)
        render_epic(w, kr, &is[i], p.key);
    page_close(w);
    reply_writer(kr, 200, w);
}

void board_epic_issues(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) != 0)
        return;
    int64_t epic;
    if (enc_parse_i64(kr->params[1], 1, INT64_MAX, &epic) != 0) {
        reply_error(kr, 404, 1, "The requested epic does not exist.");
        return;
    }
    agile_query_t q = {.mode = AQ_EPIC, .project_id = p.id, .epic_id = epic};
    agile_issue_page(kr, &q);
}

void board_no_epic_issues(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    if (agile_board(kr, 0, &b, &p) != 0)
        return;
    agile_query_t q = {.mode = AQ_NO_EPIC, .project_id = p.id};
    agile_issue_page(kr, &q);
}

void board_projects(kreq_t *kr)
{
    board_rec_t b;
    project_rec_t p;
    int64_t start, max;
    if (agile_board(kr, 0, &b, &p) != 0 || agile_page(kr, &start, &max) != 0)
        return;
    jsonw_t *w = reply_writer_new(kr);
    page_open(w, start, max, 1, 1);
    if (start == 0)
        render_project(w, kr, &p, 0);
    page_close(w);
    reply_writer(kr, 200, w);
}
