/* What issues are made of, as Jira lists it: fields (and creating a custom field), issue
 * types, statuses and their categories, priorities, resolutions, labels
 * (product/issues.h). Everything but fields and labels is product/model.h's, the same on
 * every site. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/events.h"
#include "product/fields.h"
#include "product/idkey.h"
#include "product/issue_view.h"
#include "product/issues.h"
#include "product/model.h"
#include "product/perm.h"
#include "product/render.h"
#include "store/store_fields.h"
#include "store/store_product.h"

#define LEN(a) (sizeof(a) / sizeof *(a))

static void internal(kreq_t *kr)
{
    reply_error(kr, 500, 1, "Internal server error");
}

/* startAt and maxResults (default `dflt`, capped at `cap`); -1 (replied) if malformed. */
static int paging(kreq_t *kr, int64_t dflt, int64_t cap, int64_t *start, int64_t *max)
{
    *start = 0;
    *max = dflt;
    if (kreq_query_int(kr, "startAt", 0, INT32_MAX, start) != 0 ||
        kreq_query_int(kr, "maxResults", 0, INT32_MAX, max) != 0) {
        reply_error(kr, 400, 1, "startAt and maxResults must be non-negative integers.");
        return -1;
    }
    if (*max > cap)
        *max = cap;
    return 0;
}

/* The members of a page (PageBean*) around `values` that the caller writes after: self
 * (and nextPage when there is more) are the request's path with the page's startAt. */
static void page_head(jsonw_t *w, kreq_t *kr, int64_t start, int64_t max, int64_t total, int64_t n)
{
    buf_t b;
    buf_init_arena(&b, kr->arena, 4096);
    buf_adds(&b, render_base(kr));
    size_t i = 0;
    while (i < kr->nseg && strcmp(kr->seg[i], "rest") != 0)
        i++;
    for (; i < kr->nseg; i++) {
        buf_add(&b, "/", 1);
        buf_adds(&b, kr->seg[i]);
    }
    jw_key(w, "self");
    jw_str(w, arena_printf(kr->arena, "%s?maxResults=%lld&startAt=%lld", b.ptr, (long long)max, (long long)start));
    if (start + n < total) {
        jw_key(w, "nextPage");
        jw_str(w, arena_printf(kr->arena, "%s?maxResults=%lld&startAt=%lld", b.ptr, (long long)max,
                               (long long)(start + n)));
    }
    jw_kint(w, "maxResults", max);
    jw_kint(w, "startAt", start);
    jw_kint(w, "total", total);
    jw_kbool(w, "isLast", start + n >= total);
}

/* ---------------------------------------------------------------- fields */

void field_list(kreq_t *kr)
{
    field_table_t ft;
    if (fields_load(kr->store, kr->arena, kr->site.id, &ft) != STORE_OK) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < ft.n; i++)
        fields_render_details(w, &ft.v[i]);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

/* One of a comma-separated list (or repeated parameter) values, without case. */
static int in_list(const char *const *vals, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        for (const char *p = vals[i]; *p;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len == strlen(s) && strncasecmp(p, s, len) == 0)
                return 1;
            p += len + (e != NULL);
        }
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    const field_def_t *x = *(const field_def_t *const *)a, *y = *(const field_def_t *const *)b;
    int c = strcasecmp(x->name, y->name);
    return c ? c : strcmp(x->id, y->id);
}

void field_search(kreq_t *kr)
{
    int64_t start, max;
    if (paging(kr, 50, 100, &start, &max) != 0)
        return;
    int bad = 0;
    const char *types[8], *ids[64];
    size_t ntypes = kreq_query_all(kr, "type", types, LEN(types), &bad);
    size_t nids = kreq_query_all(kr, "id", ids, LEN(ids), &bad);
    const char *query = kreq_query(kr, "query", &bad), *order = kreq_query(kr, "orderBy", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    for (size_t i = 0; i < ntypes; i++)
        for (const char *p = types[i]; *p;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (!((len == 6 && strncasecmp(p, "custom", 6) == 0) || (len == 6 && strncasecmp(p, "system", 6) == 0))) {
                reply_error(kr, 400, 1, "The type parameter must be custom or system.");
                return;
            }
            p += len + (e != NULL);
        }
    int desc = 0;
    if (order) {
        const char *o = order[0] == '-' || order[0] == '+' ? order + 1 : order;
        static const char *const orders[] = {"name", "contextsCount", "lastUsed", "screensCount"};
        int ok = 0;
        for (size_t i = 0; i < LEN(orders); i++)
            ok |= strcmp(o, orders[i]) == 0;
        if (!ok) {
            reply_error(kr, 400, 1, "orderBy must be one of contextsCount, lastUsed, name, screensCount.");
            return;
        }
        desc = order[0] == '-';
    }
    field_table_t ft;
    if (fields_load(kr->store, kr->arena, kr->site.id, &ft) != STORE_OK) {
        internal(kr);
        return;
    }
    const field_def_t **sel = arena_alloc(kr->arena, (ft.n + 1) * sizeof *sel);
    size_t n = 0;
    for (size_t i = 0; i < ft.n; i++) {
        const field_def_t *f = &ft.v[i];
        if (ntypes && !in_list(types, ntypes, f->custom ? "custom" : "system"))
            continue;
        if (nids && !in_list(ids, nids, f->id))
            continue;
        if (query && *query && !strcasestr(f->name, query) && !strcasestr(f->id, query) &&
            !(f->custom && f->custom->description && strcasestr(f->custom->description, query)))
            continue;
        sel[n++] = f;
    }
    qsort(sel, n, sizeof *sel, by_name);
    if (desc)
        for (size_t i = 0; i < n / 2; i++) {
            const field_def_t *t = sel[i];
            sel[i] = sel[n - 1 - i];
            sel[n - 1 - i] = t;
        }
    int64_t from = start < (int64_t)n ? start : (int64_t)n;
    int64_t to = from + max < (int64_t)n ? from + max : (int64_t)n;
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    page_head(w, kr, start, max, (int64_t)n, to - from);
    jw_key(w, "values");
    jw_arr(w);
    for (int64_t i = from; i < to; i++) {
        const field_def_t *f = sel[i];
        jw_obj(w);
        jw_kstr(w, "id", f->id);
        jw_kstr(w, "name", f->name);
        jw_key(w, "schema");
        fields_render_schema(w, f);
        jw_kstr(w, "description", f->custom && f->custom->description ? f->custom->description : "");
        jw_kstr(w, "key", f->id);
        jw_kbool(w, "isLocked", f->sys != NULL);
        if (f->custom)
            jw_kstr(w, "searcherKey", fields_cf_type_by_store(f->custom->type)->searcher_key);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void field_create(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    int admin = perm_allows(kr, 0, "ADMINISTER");
    if (admin != 1) {
        reply_error(kr, admin < 0 ? 500 : 403, 1,
                    admin < 0 ? "Internal server error" : "Only Jira administrators can create custom fields.");
        return;
    }
    json_t *errors = json_own(kr->arena, json_object());
    const char *name = json_str(body, "name"), *type = json_str(body, "type"), *desc = json_str(body, "description");
    if (!name || !*name)
        json_object_set_new(errors, "name", json_string("The custom field name must not be empty."));
    else if (strlen(name) > 255)
        json_object_set_new(errors, "name", json_string("The custom field name must be at most 255 characters."));
    const cf_type_t *t = fields_cf_type_by_key(type);
    if (!t)
        json_object_set_new(errors, "type", json_string("The custom field type is not valid."));
    if (desc && strlen(desc) > 1000)
        json_object_set_new(errors, "description", json_string("The description must be at most 1000 characters."));
    json_t *opts = json_object_get(body, "options");
    if (opts && (!t || (t->kind != FK_CF_SELECT && t->kind != FK_CF_MULTISELECT) || !json_is_array(opts) ||
                 json_array_size(opts) > FIELDS_MAX_OPTIONS))
        json_object_set_new(errors, "options",
                            json_string("options is an array of at most 200 strings, for select fields only."));
    size_t i;
    json_t *o;
    json_array_foreach(opts, i, o) if (!json_is_string(o) || !json_string_length(o) || json_string_length(o) > 255)
    {
        json_object_set_new(errors, "options", json_string("Each option is a string of 1 to 255 characters."));
        break;
    }
    if (json_object_size(errors)) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    field_table_t ft;
    if (fields_load(kr->store, kr->arena, kr->site.id, &ft) != STORE_OK) {
        internal(kr);
        return;
    }
    if (ft.n - model_sysfields_len >= FIELDS_MAX_CUSTOM) {
        reply_error(kr, 400, 1, "The site has the most custom fields it may have.");
        return;
    }
    if (fields_by_name(&ft, name)) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "name", "A field with this name already exists."));
        return;
    }
    int rc = store_begin(kr->store);
    json_t *options = json_own(kr->arena, json_array());
    json_array_foreach(opts, i, o)
    {
        int64_t oid;
        if (rc == STORE_OK)
            rc = store_next_id(kr->store, kr->site.id, "option", &oid);
        if (rc == STORE_OK)
            json_array_append_new(
                options, json_pack("{s:s,s:O}", "id", arena_printf(kr->arena, "%lld", (long long)oid), "value", o));
    }
    size_t len;
    field_rec_t f = {
        .name = name,
        .description = desc ? desc : "",
        .type = t->store,
        .options_json = json_array_size(options) ? json_dump_arena(kr->arena, options, 1 << 20, &len) : NULL,
        .created_ms = clock_now_ms(),
    };
    if (rc == STORE_OK)
        rc = store_field_insert(kr->store, kr->arena, kr->site.id, &f);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_FIELD_CREATED, strtoll(f.id + strlen("customfield_"), NULL, 10),
                           /* Forge's custom field event: id, key, type, name, description (its
                            * typeName, a display name, kiln does not have) */
                           json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", f.id, "key", f.id, "name", f.name, "type", type,
                                     "description", f.description));
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc == STORE_CONFLICT) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "name", "A field with this name already exists."));
        return;
    }
    if (rc != STORE_OK) {
        internal(kr);
        return;
    }
    field_def_t d = {.id = f.id, .name = f.name, .kind = t->kind, .custom = &f};
    jsonw_t *w = reply_writer_new(kr);
    fields_render_details(w, &d);
    reply_writer(kr, 201, w);
}

/* ---------------------------------------------------------------- issue types */

void issuetype_list(kreq_t *kr)
{
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < model_issue_types_len; i++)
        render_issue_type(w, kr, &model_issue_types[i]);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

void issuetype_get(kreq_t *kr)
{
    int64_t id;
    const issue_type_t *t = enc_parse_i64(kr->params[0], 1, INT64_MAX, &id) == 0 ? issue_type_find(id) : NULL;
    if (!t) {
        reply_error(kr, 404, 1, "The issue type does not exist or you do not have permission to see it.");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_issue_type(w, kr, t);
    reply_writer(kr, 200, w);
}

/* The project named by id or key if the caller may browse it; replies 404 and returns
 * -1 if not (a hidden project answers as a missing one). */
static int visible_project(kreq_t *kr, const char *ref, project_rec_t *p)
{
    int rc = ref && strlen(ref) <= 64 ? idkey_project_get(kr->store, kr->arena, kr->site.id, ref, p) : STORE_NOTFOUND;
    int may = rc == STORE_OK ? perm_allows(kr, p->id, "BROWSE_PROJECTS") : rc == STORE_NOTFOUND ? 0 : -1;
    if (may == 1)
        return 0;
    if (may < 0) {
        internal(kr);
    } else {
        char msg[200];
        snprintf(msg, sizeof msg, "No project could be found with key '%s'.", ref && strlen(ref) <= 64 ? ref : "?");
        reply_error(kr, 404, 1, msg);
    }
    return -1;
}

void issuetype_project(kreq_t *kr)
{
    int bad = 0;
    const char *pid = kreq_query(kr, "projectId", &bad);
    int64_t level = INT64_MIN;
    if (bad || !pid || kreq_query_int(kr, "level", -1, 1, &level) != 0) {
        reply_error(kr, 400, 1, "The projectId parameter is required (and level is -1, 0 or 1).");
        return;
    }
    project_rec_t p;
    int64_t id;
    if (enc_parse_i64(pid, 1, INT64_MAX, &id) != 0) {
        reply_error(kr, 400, 1, "The projectId parameter must be a project id.");
        return;
    }
    if (visible_project(kr, pid, &p) != 0)
        return;
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < model_issue_types_len; i++)
        if (issue_type_in_project(p.type_key, model_issue_types[i].id) &&
            (level == INT64_MIN || model_issue_types[i].hierarchy_level == level))
            render_issue_type(w, kr, &model_issue_types[i]);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

/* ---------------------------------------------------------------- statuses */

void status_list(kreq_t *kr)
{
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < model_statuses_len; i++)
        render_status(w, kr, model_statuses[i].id);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

void status_get(kreq_t *kr)
{
    int64_t id;
    const status_def_t *s = enc_parse_i64(kr->params[0], 1, INT64_MAX, &id) == 0 ? status_find(id) : NULL;
    if (!s)
        s = status_named(kr->params[0]);
    if (!s) {
        char msg[200];
        snprintf(msg, sizeof msg, "The status with id '%s' does not exist.",
                 strlen(kr->params[0]) <= 64 ? kr->params[0] : "?");
        reply_error(kr, 404, 1, msg);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_status(w, kr, s->id);
    reply_writer(kr, 200, w);
}

static const char *category_enum(int cat)
{
    return cat == CAT_DONE ? "DONE" : cat == CAT_INDETERMINATE ? "IN_PROGRESS" : "TODO";
}

void statuses_search(kreq_t *kr)
{
    int64_t start, max;
    if (paging(kr, 200, 200, &start, &max) != 0)
        return;
    int bad = 0;
    const char *search = kreq_query(kr, "searchString", &bad), *cat = kreq_query(kr, "statusCategory", &bad),
               *pid = kreq_query(kr, "projectId", &bad);
    if (bad || (search && strlen(search) > 255)) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    if (cat && strcmp(cat, "TODO") != 0 && strcmp(cat, "IN_PROGRESS") != 0 && strcmp(cat, "DONE") != 0) {
        reply_error(kr, 400, 1, "statusCategory must be one of TODO, IN_PROGRESS, DONE.");
        return;
    }
    const workflow_def_t *wf = NULL;
    if (pid) {
        project_rec_t p;
        if (visible_project(kr, pid, &p) != 0)
            return;
        wf = workflow_for(p.type_key);
    }
    const status_def_t *sel[64];
    size_t n = 0;
    for (size_t i = 0; i < model_statuses_len && n < LEN(sel); i++) {
        const status_def_t *s = &model_statuses[i];
        if (search && *search && !strcasestr(s->name, search))
            continue;
        if (cat && strcmp(category_enum(s->category), cat) != 0)
            continue;
        if (wf && !workflow_has_status(wf, s->id))
            continue;
        sel[n++] = s;
    }
    int64_t from = start < (int64_t)n ? start : (int64_t)n;
    int64_t to = from + max < (int64_t)n ? from + max : (int64_t)n;
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    page_head(w, kr, start, max, (int64_t)n, to - from);
    jw_key(w, "values");
    jw_arr(w);
    for (int64_t i = from; i < to; i++) {
        char id[24];
        enc_i64(id, sel[i]->id);
        jw_obj(w);
        jw_kstr(w, "id", id);
        jw_kstr(w, "name", sel[i]->name);
        jw_kstr(w, "statusCategory", category_enum(sel[i]->category));
        jw_key(w, "scope");
        jw_obj(w);
        jw_kstr(w, "type", "GLOBAL");
        jw_obj_end(w);
        jw_kstr(w, "description", sel[i]->description);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void project_statuses(kreq_t *kr)
{
    project_rec_t p;
    if (visible_project(kr, kr->params[0], &p) != 0)
        return;
    const workflow_def_t *wf = workflow_for(p.type_key);
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < model_issue_types_len; i++) {
        const issue_type_t *t = &model_issue_types[i];
        if (!issue_type_in_project(p.type_key, t->id))
            continue;
        char id[24];
        enc_i64(id, t->id);
        jw_obj(w);
        jw_key(w, "self");
        JW_STRCAT(w, render_base(kr), "/rest/api/3/issuetype/", id);
        jw_kstr(w, "id", id);
        jw_kstr(w, "name", t->name);
        jw_kbool(w, "subtask", t->hierarchy_level < 0);
        jw_key(w, "statuses");
        jw_arr(w);
        for (const int64_t *s = wf ? wf->statuses : NULL; s && *s; s++)
            render_status(w, kr, *s);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

static void render_category(jsonw_t *w, kreq_t *kr, const status_category_def_t *c)
{
    char id[24];
    enc_i64(id, c->id);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/statuscategory/", id);
    jw_kint(w, "id", c->id);
    jw_kstr(w, "key", c->key);
    jw_kstr(w, "colorName", c->color_name);
    jw_kstr(w, "name", c->name);
    jw_obj_end(w);
}

void statuscategory_list(kreq_t *kr)
{
    static const int ids[] = {CAT_UNDEFINED, CAT_NEW, CAT_DONE, CAT_INDETERMINATE};
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < LEN(ids); i++)
        render_category(w, kr, status_category_find(ids[i]));
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

void statuscategory_get(kreq_t *kr)
{
    int64_t id;
    const status_category_def_t *c =
        enc_parse_i64(kr->params[0], 1, 100, &id) == 0 ? status_category_find((int)id) : NULL;
    if (!c && strcasecmp(kr->params[0], "undefined") == 0)
        c = status_category_find(CAT_UNDEFINED);
    if (!c)
        c = status_category_named(kr->params[0]);
    if (!c) {
        reply_error(kr, 404, 1, "The status category does not exist.");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_category(w, kr, c);
    reply_writer(kr, 200, w);
}

/* ---------------------------------------------------------------- priorities, resolutions */

static void render_priority_full(jsonw_t *w, kreq_t *kr, const priority_def_t *p)
{
    char id[24];
    enc_i64(id, p->id);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/priority/", id);
    jw_kstr(w, "statusColor", p->color);
    jw_kstr(w, "description", p->description);
    jw_key(w, "iconUrl");
    JW_STRCAT(w, render_base(kr), "/images/icons/priorities/", p->icon);
    jw_kstr(w, "name", p->name);
    jw_kstr(w, "id", id);
    jw_kbool(w, "isDefault", p->id == PRIORITY_DEFAULT);
    jw_obj_end(w);
}

void priority_list(kreq_t *kr)
{
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < model_priorities_len; i++)
        render_priority_full(w, kr, &model_priorities[i]);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

void priority_get(kreq_t *kr)
{
    int64_t id;
    const priority_def_t *p = enc_parse_i64(kr->params[0], 1, INT64_MAX, &id) == 0 ? priority_find(id) : NULL;
    if (!p) {
        char msg[200];
        snprintf(msg, sizeof msg, "The priority with ID %s does not exist.",
                 strlen(kr->params[0]) <= 64 ? kr->params[0] : "?");
        reply_error(kr, 404, 1, msg);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_priority_full(w, kr, p);
    reply_writer(kr, 200, w);
}

void priority_search(kreq_t *kr)
{
    int64_t start, max;
    if (paging(kr, 50, 100, &start, &max) != 0)
        return;
    int bad = 0;
    const char *ids[64];
    size_t nids = kreq_query_all(kr, "id", ids, LEN(ids), &bad);
    const char *only = kreq_query(kr, "onlyDefault", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    const priority_def_t *sel[16];
    size_t n = 0;
    for (size_t i = 0; i < model_priorities_len && n < LEN(sel); i++) {
        char id[24];
        enc_i64(id, model_priorities[i].id);
        if (nids && !in_list(ids, nids, id))
            continue;
        if (only && strcmp(only, "true") == 0 && model_priorities[i].id != PRIORITY_DEFAULT)
            continue;
        sel[n++] = &model_priorities[i];
    }
    int64_t from = start < (int64_t)n ? start : (int64_t)n;
    int64_t to = from + max < (int64_t)n ? from + max : (int64_t)n;
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    page_head(w, kr, start, max, (int64_t)n, to - from);
    jw_key(w, "values");
    jw_arr(w);
    for (int64_t i = from; i < to; i++)
        render_priority_full(w, kr, sel[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

static void render_resolution_full(jsonw_t *w, kreq_t *kr, const resolution_def_t *r)
{
    char id[24];
    enc_i64(id, r->id);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/resolution/", id);
    jw_kstr(w, "id", id);
    jw_kstr(w, "description", r->description);
    jw_kstr(w, "name", r->name);
    jw_obj_end(w);
}

void resolution_list(kreq_t *kr)
{
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < model_resolutions_len; i++)
        render_resolution_full(w, kr, &model_resolutions[i]);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

void resolution_get(kreq_t *kr)
{
    int64_t id;
    const resolution_def_t *r = enc_parse_i64(kr->params[0], 1, INT64_MAX, &id) == 0 ? resolution_find(id) : NULL;
    if (!r) {
        char msg[200];
        snprintf(msg, sizeof msg, "The resolution with ID %s does not exist.",
                 strlen(kr->params[0]) <= 64 ? kr->params[0] : "?");
        reply_error(kr, 404, 1, msg);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_resolution_full(w, kr, r);
    reply_writer(kr, 200, w);
}

/* Jira Cloud's default resolution scheme makes Done the default. */
#define RESOLUTION_DEFAULT 10000

void resolution_search(kreq_t *kr)
{
    int64_t start, max;
    if (paging(kr, 50, 100, &start, &max) != 0)
        return;
    int bad = 0;
    const char *ids[64];
    size_t nids = kreq_query_all(kr, "id", ids, LEN(ids), &bad);
    const char *only = kreq_query(kr, "onlyDefault", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    const resolution_def_t *sel[16];
    size_t n = 0;
    for (size_t i = 0; i < model_resolutions_len && n < LEN(sel); i++) {
        char id[24];
        enc_i64(id, model_resolutions[i].id);
        if (nids && !in_list(ids, nids, id))
            continue;
        if (only && strcmp(only, "true") == 0 && model_resolutions[i].id != RESOLUTION_DEFAULT)
            continue;
        sel[n++] = &model_resolutions[i];
    }
    int64_t from = start < (int64_t)n ? start : (int64_t)n;
    int64_t to = from + max < (int64_t)n ? from + max : (int64_t)n;
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    page_head(w, kr, start, max, (int64_t)n, to - from);
    jw_key(w, "values");
    jw_arr(w);
    for (int64_t i = from; i < to; i++) {
        char id[24];
        enc_i64(id, sel[i]->id);
        jw_obj(w);
        jw_key(w, "self");
        JW_STRCAT(w, render_base(kr), "/rest/api/3/resolution/", id);
        jw_kstr(w, "id", id);
        jw_kstr(w, "description", sel[i]->description);
        jw_kstr(w, "name", sel[i]->name);
        jw_kbool(w, "default", sel[i]->id == RESOLUTION_DEFAULT);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* ---------------------------------------------------------------- labels */

void label_list(kreq_t *kr)
{
    int64_t start, max;
    if (paging(kr, 1000, 1000, &start, &max) != 0)
        return;
    const char **labels;
    size_t n = 0;
    int64_t total = 0;
    char roles[PERM_ROLES_JSON_MAX]; /* a user sees the labels of issues it may browse, by grant or role */
    const char *browse_roles = perm_roles_json("BROWSE_PROJECTS", roles);
    if (store_labels_list(kr->store, kr->arena, kr->site.id, perm_is_user(kr) ? kr->principal.account_id : NULL,
                          browse_roles, start, max, &labels, &n, &total) != STORE_OK) {
        internal(kr);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    page_head(w, kr, start, max, total, (int64_t)n);
    jw_key(w, "values");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        jw_str(w, labels[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}
