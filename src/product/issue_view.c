/* The IssueBean renderer and the view a caller asks for (product/issue_view.h). */
#include "product/issue_view.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "product/agile.h"
#include "product/model.h"
#include "product/render.h"
#include "product/routes.h"
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

/* An ADF document (v3) stored as JSON text; v2 answers the same field as wiki markup,
 * which product/adf.h makes (until then: the document's JSON as v3 does). */
static void ktext(jsonw_t *w, const char *k, const char *adf_json)
{
    jw_key(w, k);
    if (adf_json)
        jw_raw(w, adf_json, strlen(adf_json));
    else
        jw_null(w);
}

void render_issue(jsonw_t *w, kreq_t *kr, const issue_rec_t *i, const char *project_key, const issue_view_t *v)
{
    char buf[1024], id[24];
    enc_i64(id, i->id);
    const char *base = render_base(kr);
    const char *api = render_v2(kr) ? "/rest/api/2/issue/" : "/rest/api/3/issue/";
    jw_obj(w);
    jw_kstr(w, "expand", "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations");
    jw_kstr(w, "id", id);
    jw_key(w, "self");
    JW_STRCAT(w, base, api, id);
    snprintf(buf, sizeof buf, "%s-%lld", project_key, (long long)i->num);
    jw_kstr(w, "key", buf);
    jw_key(w, "fields");
    jw_obj(w);
    if (issue_view_wants(v, "summary", 1))
        jw_kstr(w, "summary", i->summary);
    if (issue_view_wants(v, "description", 1))
        ktext(w, "description", i->description_json);
    if (issue_view_wants(v, "environment", 1))
        ktext(w, "environment", i->environment_json);
    if (issue_view_wants(v, "project", 1)) {
        project_rec_t p;
        jw_key(w, "project");
        if (store_project_by_id(kr->store, kr->arena, kr->site.id, i->project_id, &p) == STORE_OK) {
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
    if (issue_view_wants(v, "labels", 1)) {
        jw_key(w, "labels");
        jw_arr(w);
        jw_arr_end(w);
    }
    render_sprint_field(w, kr, i, v); /* the Sprint custom field (product/agile.h) */
    jw_obj_end(w);
    jw_obj_end(w);
}
