/* The IssueBean renderer and the view a caller asks for (product/issue_view.h). */
#include "product/issue_view.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "product/agile.h"
#include "product/fields.h"
#include "product/links.h"
#include "product/model.h"
#include "product/render.h"
#include "product/routes.h"
#include "product/work.h"
#include "store/store_changelog.h"
#include "store/store_product.h"

/* Splits a comma-separated list into the arena; -1 past max items. */
static int split(arena_t *a, const char *s, const char ***out, size_t *n, size_t max)
{
    *out = NULL;
    *n = 0;
    if (!s || !*s)
        return 0;
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    if (cap > max)
        return -1;
    const char **v = arena_alloc(a, cap * sizeof *v);
    if (!v)
        kiln_oom(cap * sizeof *v);
    for (const char *p = s; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && *p == ' ')
            p++, len--;
        while (len && p[len - 1] == ' ')
            len--;
        if (len) {
            char *t = arena_strndup(a, p, len);
            if (!t)
                kiln_oom(len);
            v[(*n)++] = t;
        }
        if (!e)
            break;
        p = e + 1;
    }
    *out = v;
    return 0;
}

int issue_view_parse(arena_t *a, const char *fields, const char *dflt, const char *expand, const char *properties,
                     issue_view_t *v, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        unsigned bit;
    } expands[] = {
        {"renderedFields", IV_RENDERED_FIELDS},
        {"names", IV_NAMES},
        {"schema", IV_SCHEMA},
        {"changelog", IV_CHANGELOG},
        {"transitions", IV_TRANSITIONS},
        {"editmeta", IV_EDITMETA},
        {"operations", IV_OPERATIONS},
        {"versionedRepresentations", IV_VERSIONED},
    };
    memset(v, 0, sizeof *v);
    const char **names, **ex;
    size_t n, nex;
    if (split(a, expand, &ex, &nex, 32) != 0) {
        snprintf(err, errlen, "The expand parameter names too many expansions (at most 32).");
        return -1;
    }
    for (size_t i = 0; i < nex; i++)
        for (size_t j = 0; j < sizeof expands / sizeof *expands; j++)
            if (strcmp(ex[i], expands[j].name) == 0)
                v->expand |= expands[j].bit;
    if (split(a, fields && *fields ? fields : dflt, &names, &n, IV_MAX_FIELDS) != 0) {
        snprintf(err, errlen, "The fields parameter names too many fields (at most %d).", IV_MAX_FIELDS);
        return -1;
    }
    v->include = arena_alloc(a, (n + 1) * sizeof *v->include);
    v->exclude = arena_alloc(a, (n + 1) * sizeof *v->exclude);
    if (!v->include || !v->exclude)
        kiln_oom(n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], "*all") == 0)
            v->all = 1;
        else if (strcmp(names[i], "*navigable") == 0)
            v->navigable = 1;
        else if (names[i][0] == '-')
            v->exclude[v->nexclude++] = names[i] + 1;
        else
            v->include[v->ninclude++] = names[i];
    }
    if (split(a, properties, &v->properties, &v->nproperties, IV_MAX_PROPERTIES) != 0) {
        snprintf(err, errlen, "The properties parameter names too many properties (at most %d).", IV_MAX_PROPERTIES);
        return -1;
    }
    return 0;
}

const char *issue_view_list(kreq_t *kr, json_t *v, int *bad)
{
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (!json_is_array(v) || json_array_size(v) > IV_MAX_FIELDS) {
        *bad = 1;
        return NULL;
    }
    buf_t b;
    buf_init_arena(&b, kr->arena, 64 * 1024);
    size_t i;
    json_t *it;
    json_array_foreach(v, i, it)
    {
        if (!json_is_string(it)) {
            *bad = 1;
            return NULL;
        }
        if (i)
            buf_adds(&b, ",");
        buf_adds(&b, json_string_value(it));
    }
    return b.len ? b.ptr : "";
}

int issue_view_wants(const issue_view_t *v, const char *id, int navigable)
{
    for (size_t i = 0; i < v->nexclude; i++)
        if (strcmp(v->exclude[i], id) == 0)
            return 0;
    if (v->all || (v->navigable && navigable))
        return 1;
    for (size_t i = 0; i < v->ninclude; i++)
        if (strcmp(v->include[i], id) == 0)
            return 1;
    return 0;
}

void render_status(jsonw_t *w, kreq_t *kr, int64_t status_id)
{
    const char *base = render_base(kr);
    const status_def_t *st = status_find(status_id);
    const status_category_def_t *cat = status_category_find(st ? st->category : CAT_UNDEFINED);
    char buf[1024], id[24];
    enc_i64(id, status_id);
    jw_obj(w);
    snprintf(buf, sizeof buf, "%s/rest/api/3/status/%s", base, id);
    jw_kstr(w, "self", buf);
    jw_kstr(w, "description", st ? st->description : "");
    snprintf(buf, sizeof buf, "%s/images/icons/statuses/generic.png", base);
    jw_kstr(w, "iconUrl", buf);
    jw_kstr(w, "name", st ? st->name : "Unknown");
    jw_kstr(w, "id", id);
    jw_key(w, "statusCategory");
    jw_obj(w);
    snprintf(buf, sizeof buf, "%s/rest/api/3/statuscategory/%d", base, cat->id);
    jw_kstr(w, "self", buf);
    jw_kint(w, "id", cat->id);
    jw_kstr(w, "key", cat->key);
    jw_kstr(w, "colorName", cat->color_name);
    jw_kstr(w, "name", cat->name);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void render_priority(jsonw_t *w, kreq_t *kr, int64_t id)
{
    const priority_def_t *p = priority_find(id);
    if (!p) {
        jw_null(w);
        return;
    }
    char sid[24];
    enc_i64(sid, id);
    const char *base = render_base(kr);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, base, "/rest/api/3/priority/", sid);
    jw_key(w, "iconUrl");
    JW_STRCAT(w, base, "/images/icons/priorities/", p->icon);
    jw_kstr(w, "name", p->name);
    jw_kstr(w, "id", sid);
    jw_obj_end(w);
}

static void render_resolution(jsonw_t *w, kreq_t *kr, int64_t id)
{
    const resolution_def_t *r = id ? resolution_find(id) : NULL;
    if (!r) {
        jw_null(w);
        return;
    }
    char sid[24];
    enc_i64(sid, id);
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/resolution/", sid);
    jw_kstr(w, "id", sid);
    jw_kstr(w, "description", r->description);
    jw_kstr(w, "name", r->name);
    jw_obj_end(w);
}

static void kdate(jsonw_t *w, const char *k, int64_t ms)
{
    jw_key(w, k);
    if (!ms) {
        jw_null(w);
        return;
    }
    char buf[40];
    clock_iso8601(buf, sizeof buf, ms);
    jw_str(w, buf);
}

static void kopt(jsonw_t *w, const char *k, int64_t v)
{
    jw_key(w, k);
    if (v < 0)
        jw_null(w);
    else
        jw_int(w, v);
}

/* A text field: v3 its ADF document, v2 its wiki markup (fields_write_text). */
static void ktext(jsonw_t *w, kreq_t *kr, const char *k, const char *adf_json)
{
    jw_key(w, k);
    fields_write_text(w, kr, adf_json);
}

/* An issue as a parent or subtask shows it: id, key, self and four fields. */
void render_issue_ref(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *pkey)
{
    char id[24], key[120];
    enc_i64(id, i->id);
    snprintf(key, sizeof key, "%s-%lld", pkey, (long long)i->num);
    jw_obj(w);
    jw_kstr(w, "id", id);
    jw_kstr(w, "key", key);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), render_v2(kr) ? "/rest/api/2/issue/" : "/rest/api/3/issue/", id);
    jw_key(w, "fields");
    jw_obj(w);
    jw_kstr(w, "summary", i->summary);
    jw_key(w, "status");
    render_status(w, kr, i->status_id);
    jw_key(w, "priority");
    render_priority(w, kr, i->priority_id);
    const issue_type_t *t = issue_type_find(i->issuetype_id);
    jw_key(w, "issuetype");
    if (t)
        render_issue_type(w, kr, t);
    else
        jw_null(w);
    jw_obj_end(w);
    jw_obj_end(w);
}

enum { SUBTASKS_MAX = 500 };

/* The fields that hang off the issue (labels, components, versions, custom fields, parent,
 * subtasks, links, time tracking, votes, watches). */
static void render_more(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const issue_view_t *v, const field_table_t *ft,
                        const issue_draft_t *d)
{
    const char *base = render_base(kr);
    char key[120];
    snprintf(key, sizeof key, "%s-%lld", d->project_key ? d->project_key : "", (long long)i->num);
    static const char *const hanging[] = {"labels", "components", "fixVersions", "versions", "timetracking"};
    for (size_t k = 0; k < sizeof hanging / sizeof *hanging; k++) {
        const field_def_t *f = fields_by_id(ft, hanging[k]);
        if (f && issue_view_wants(v, f->id, f->sys->navigable || strcmp(f->id, "timetracking") == 0)) {
            jw_key(w, f->id);
            fields_render_value(w, kr, f, d);
        }
    }
    if (issue_view_wants(v, "parent", 1) && i->parent_id) {
        issue_rec_t p;
        const char *pk;
        if (store_issue_by_id(kr->store, kr->arena, kr->site.id, i->parent_id, &p, &pk) == STORE_OK) {
            jw_key(w, "parent");
            render_issue_ref(w, kr, &p, pk);
        }
    }
    if (issue_view_wants(v, "subtasks", 1)) {
        issue_rec_t *c;
        const char **ck;
        size_t n = 0;
        jw_key(w, "subtasks");
        jw_arr(w);
        if (store_issue_children(kr->store, kr->arena, kr->site.id, i->id, SUBTASKS_MAX, &c, &ck, &n) == STORE_OK)
            for (size_t k = 0; k < n; k++) {
                const issue_type_t *t = issue_type_find(c[k].issuetype_id);
                if (t && t->hierarchy_level < 0)
                    render_issue_ref(w, kr, &c[k], ck[k]);
            }
        jw_arr_end(w);
    }
    if (issue_view_wants(v, "issuelinks", 1)) {
        jw_key(w, "issuelinks");
        render_issue_links(w, kr, i);
    }
    if (issue_view_wants(v, "votes", 1)) {
        jw_key(w, "votes");
        jw_obj(w);
        jw_key(w, "self");
        JW_STRCAT(w, base, "/rest/api/3/issue/", key, "/votes");
        jw_kint(w, "votes", 0);
        jw_kbool(w, "hasVoted", 0);
        jw_obj_end(w);
    }
    if (issue_view_wants(v, "watches", 1)) {
        jw_key(w, "watches");
        jw_obj(w);
        jw_key(w, "self");
        JW_STRCAT(w, base, "/rest/api/3/issue/", key, "/watchers");
        jw_kint(w, "watchCount", 0);
        jw_kbool(w, "isWatching", 0);
        jw_obj_end(w);
    }
    for (size_t k = 0; k < ft->n; k++) {
        const field_def_t *f = &ft->v[k];
        if (f->custom && issue_view_wants(v, f->id, 1)) {
            jw_key(w, f->id);
            fields_render_value(w, kr, f, d);
        }
    }
}

/* expand=renderedFields: the text fields the view answers as HTML (product/adf.h), null
 * when empty; kiln renders no other field. */
static void render_html_fields(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const issue_view_t *v,
                               const field_table_t *ft, const issue_draft_t *d)
{
    jw_key(w, "renderedFields");
    jw_obj(w);
    static const struct {
        const char *id;
        size_t off;
    } sys[] = {
        {"description", offsetof(issue_rec_t, description_json)},
        {"environment", offsetof(issue_rec_t, environment_json)},
    };
    for (size_t k = 0; k < sizeof sys / sizeof *sys; k++)
        if (issue_view_wants(v, sys[k].id, 1)) {
            jw_key(w, sys[k].id);
            jw_str(w, fields_text_html(kr->arena, *(const char *const *)((const char *)i + sys[k].off)));
        }
    for (size_t k = 0; k < ft->n; k++) {
        const field_def_t *f = &ft->v[k];
        if (f->kind != FK_CF_TEXTAREA || !issue_view_wants(v, f->id, 1))
            continue;
        const char *doc = NULL;
        for (size_t j = 0; j < d->nvalues && !doc; j++)
            if (strcmp(d->values[j].field_id, f->id) == 0)
                doc = d->values[j].str;
        jw_key(w, f->id);
        jw_str(w, fields_text_html(kr->arena, doc));
    }
    jw_obj_end(w);
}

/* expand=names and expand=schema: every field the view answers. */
static void render_names(jsonw_t *w, const issue_view_t *v, const field_table_t *ft, int schema)
{
    jw_key(w, schema ? "schema" : "names");
    jw_obj(w);
    for (size_t k = 0; k < ft->n; k++) {
        const field_def_t *f = &ft->v[k];
        if (!issue_view_wants(v, f->id, f->sys ? f->sys->navigable : 1))
            continue;
        jw_key(w, f->id);
        if (schema)
            fields_render_schema(w, f);
        else
            jw_str(w, f->name);
    }
    jw_obj_end(w);
}

void render_changelog_group(jsonw_t *w, kreq_t *kr, const change_group_t *g)
{
    char id[24], when[40];
    enc_i64(id, g->id);
    jw_obj(w);
    jw_kstr(w, "id", id);
    if (g->author_account_id) {
        jw_key(w, "author");
        render_user_ref(w, kr, g->author_account_id, 1);
    }
    clock_iso8601(when, sizeof when, g->created_ms);
    jw_kstr(w, "created", when);
    jw_key(w, "items");
    jw_arr(w);
    for (size_t k = 0; k < g->nitems; k++) {
        const change_item_t *it = &g->items[k];
        jw_obj(w);
        jw_kstr(w, "field", it->field);
        jw_kstr(w, "fieldtype", it->fieldtype);
        if (it->field_id)
            jw_kstr(w, "fieldId", it->field_id);
        /* a side without a value is left out: Jira's schema has no null for them */
        static const struct {
            const char *key;
            size_t off;
        } sides[] = {
            {"from", offsetof(change_item_t, from_id)},
            {"fromString", offsetof(change_item_t, from_string)},
            {"to", offsetof(change_item_t, to_id)},
            {"toString", offsetof(change_item_t, to_string)},
        };
        for (size_t s = 0; s < sizeof sides / sizeof *sides; s++) {
            const char *v = *(const char *const *)((const char *)it + sides[s].off);
            if (v)
                jw_kstr(w, sides[s].key, v);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

enum { EXPAND_CHANGELOG_MAX = 100 };

void render_issue(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *project_key, const issue_view_t *v)
{
    char buf[1024], id[24];
    enc_i64(id, i->id);
    const char *base = render_base(kr);
    const char *api = render_v2(kr) ? "/rest/api/2/issue/" : "/rest/api/3/issue/";
    const field_table_t *ftp = fields_for_request(kr);
    field_table_t ft = ftp ? *ftp : (field_table_t){0};
    issue_draft_t d;
    int have = ftp && fields_draft_load(kr, i, &d) == STORE_OK;
    if (have)
        d.project_key = project_key;
    jw_obj(w);
    jw_kstr(w, "expand", "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations");
    jw_kstr(w, "id", id);
    jw_key(w, "self");
    JW_STRCAT(w, base, api, id);
    snprintf(buf, sizeof buf, "%s-%lld", project_key, (long long)i->num);
    jw_kstr(w, "key", buf);
    if (v->expand & IV_TRANSITIONS) { /* product/work.h */
        jw_key(w, "transitions");
        work_render_transitions(w, kr, i, NULL);
    }
    if (have && (v->expand & IV_NAMES))
        render_names(w, v, &ft, 0);
    if (have && (v->expand & IV_SCHEMA))
        render_names(w, v, &ft, 1);
    if (v->expand & IV_CHANGELOG) {
        change_group_t *g;
        size_t n = 0;
        int64_t total = 0;
        if (store_changelog_list(kr->store, kr->arena, kr->site.id, i->id, 0, EXPAND_CHANGELOG_MAX, &g, &n, &total) !=
            STORE_OK)
            n = 0, total = 0;
        jw_key(w, "changelog");
        jw_obj(w);
        jw_kint(w, "startAt", 0);
        jw_kint(w, "maxResults", (int64_t)n);
        jw_kint(w, "total", total);
        jw_key(w, "histories");
        jw_arr(w);
        for (size_t k = 0; k < n; k++)
            render_changelog_group(w, kr, &g[k]);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_key(w, "fields");
    jw_obj(w);
    if (issue_view_wants(v, "summary", 1))
        jw_kstr(w, "summary", i->summary);
    if (issue_view_wants(v, "description", 1))
        ktext(w, kr, "description", i->description_json);
    if (issue_view_wants(v, "environment", 1))
        ktext(w, kr, "environment", i->environment_json);
    if (issue_view_wants(v, "project", 1)) {
        project_rec_t p;
        jw_key(w, "project");
        if (have ? (p = d.project, 1)
                 : store_project_by_id(kr->store, kr->arena, kr->site.id, i->project_id, &p) == STORE_OK) {
            jw_obj(w);
            render_project_members(w, kr, &p);
            jw_obj_end(w);
        } else {
            jw_null(w);
        }
    }
    if (issue_view_wants(v, "issuetype", 1)) {
        const issue_type_t *t = issue_type_find(i->issuetype_id);
        jw_key(w, "issuetype");
        if (t)
            render_issue_type(w, kr, t);
        else
            jw_null(w);
    }
    if (issue_view_wants(v, "status", 1)) {
        jw_key(w, "status");
        render_status(w, kr, i->status_id);
    }
    if (issue_view_wants(v, "priority", 1)) {
        jw_key(w, "priority");
        render_priority(w, kr, i->priority_id);
    }
    if (issue_view_wants(v, "resolution", 1)) {
        jw_key(w, "resolution");
        render_resolution(w, kr, i->resolution_id);
    }
    if (issue_view_wants(v, "resolutiondate", 1))
        kdate(w, "resolutiondate", i->resolved_ms);
    static const struct {
        const char *field;
        size_t off;
    } users[] = {
        {"reporter", offsetof(issue_rec_t, reporter_account_id)},
        {"creator", offsetof(issue_rec_t, creator_account_id)},
        {"assignee", offsetof(issue_rec_t, assignee_account_id)},
    };
    for (size_t u = 0; u < sizeof users / sizeof *users; u++)
        if (issue_view_wants(v, users[u].field, 1)) {
            jw_key(w, users[u].field);
            render_user_ref(w, kr, *(const char *const *)((const char *)i + users[u].off), 1);
        }
    if (issue_view_wants(v, "created", 1))
        kdate(w, "created", i->created_ms);
    if (issue_view_wants(v, "updated", 1))
        kdate(w, "updated", i->updated_ms);
    if (issue_view_wants(v, "statuscategorychangedate", 1))
        kdate(w, "statuscategorychangedate", i->status_changed_ms);
    if (issue_view_wants(v, "duedate", 1)) {
        jw_key(w, "duedate");
        jw_str(w, i->duedate);
    }
    if (issue_view_wants(v, "timeoriginalestimate", 1))
        kopt(w, "timeoriginalestimate", i->original_estimate_s);
    if (issue_view_wants(v, "timeestimate", 1))
        kopt(w, "timeestimate", i->remaining_estimate_s);
    if (issue_view_wants(v, "timespent", 1))
        kopt(w, "timespent", i->time_spent_s);
    if (have)
        render_more(w, kr, i, v, &ft, &d);
    /* ---- comments and worklogs (product/work.h) ---- */
    if (issue_view_wants(v, "comment", 0)) {
        jw_key(w, "comment");
        work_render_comments(w, kr, i);
    }
    if (issue_view_wants(v, "worklog", 0)) {
        jw_key(w, "worklog");
        work_render_worklogs(w, kr, i);
    }
    render_sprint_field(w, kr, i, v); /* the Sprint custom field (product/agile.h) */
    jw_obj_end(w);
    if (have && (v->expand & IV_RENDERED_FIELDS))
        render_html_fields(w, kr, i, v, &ft, &d);
    /* ---- the properties parameter (product/work.h) ---- */
    if (v->nproperties) {
        jw_key(w, "properties");
        work_render_properties(w, kr, i, v->properties, v->nproperties);
    }
    jw_obj_end(w);
}
