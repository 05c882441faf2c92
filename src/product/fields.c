/* The field model (product/fields.h). */
#include "product/fields.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "product/adf.h"
#include "product/idkey.h"
#include "product/perm.h"
#include "product/render.h"
#include "product/routes.h"
#include "store/store_catalog.h"
#include "store/store_sites.h"

#define LEN(a) (sizeof(a) / sizeof *(a))
#define CFT "com.atlassian.jira.plugin.system.customfieldtypes:"

const cf_type_t fields_cf_types[] = {
    {"string", CFT "textfield", CFT "textsearcher", "string", NULL, FK_CF_STRING},
    {"textarea", CFT "textarea", CFT "textsearcher", "string", NULL, FK_CF_TEXTAREA},
    {"number", CFT "float", CFT "exactnumber", "number", NULL, FK_CF_NUMBER},
    {"date", CFT "datepicker", CFT "daterange", "date", NULL, FK_CF_DATE},
    {"datetime", CFT "datetime", CFT "datetimerange", "datetime", NULL, FK_CF_DATETIME},
    {"select", CFT "select", CFT "multiselectsearcher", "option", NULL, FK_CF_SELECT},
    {"multiselect", CFT "multiselect", CFT "multiselectsearcher", "array", "option", FK_CF_MULTISELECT},
    {"user", CFT "userpicker", CFT "userpickergroupsearcher", "user", NULL, FK_CF_USER},
};
const size_t fields_cf_types_len = LEN(fields_cf_types);

const cf_type_t *fields_cf_type_by_key(const char *key)
{
    for (size_t i = 0; key && i < LEN(fields_cf_types); i++)
        if (strcmp(fields_cf_types[i].type_key, key) == 0)
            return &fields_cf_types[i];
    return NULL;
}

const cf_type_t *fields_cf_type_by_store(const char *store_type)
{
    for (size_t i = 0; store_type && i < LEN(fields_cf_types); i++)
        if (strcmp(fields_cf_types[i].store, store_type) == 0)
            return &fields_cf_types[i];
    return NULL;
}

/* How each system field is set, and its name in changelog items. */
static const struct {
    const char *id;
    int kind;
    const char *changelog;
} sys_kinds[] = {
    {"summary", FK_SUMMARY, "summary"},
    {"description", FK_TEXT, "description"},
    {"environment", FK_TEXT, "environment"},
    {"project", FK_PROJECT, "project"},
    {"issuetype", FK_ISSUETYPE, "issuetype"},
    {"priority", FK_PRIORITY, "priority"},
    {"resolution", FK_RESOLUTION, "resolution"},
    {"assignee", FK_USER, "assignee"},
    {"reporter", FK_USER, "reporter"},
    {"duedate", FK_DUEDATE, "duedate"},
    {"labels", FK_LABELS, "labels"},
    {"components", FK_COMPONENTS, "Component"},
    {"fixVersions", FK_VERSIONS, "Fix Version"},
    {"versions", FK_VERSIONS, "Version"},
    {"parent", FK_PARENT, "IssueParentAssociation"},
    {"timetracking", FK_TIMETRACKING, "timetracking"},
};

int fields_load(store_t *st, arena_t *a, int64_t site_id, field_table_t *out)
{
    field_rec_t *cf = NULL;
    size_t ncf = 0;
    int rc = store_field_list(st, a, site_id, &cf, &ncf);
    if (rc != STORE_OK)
        return rc;
    if (ncf > FIELDS_MAX_CUSTOM)
        ncf = FIELDS_MAX_CUSTOM;
    out->n = 0;
    out->v = arena_calloc(a, (model_sysfields_len + ncf) * sizeof *out->v);
    if (!out->v)
        return STORE_ERROR;
    for (size_t i = 0; i < model_sysfields_len; i++) {
        field_def_t *f = &out->v[out->n++];
        f->sys = &model_sysfields[i];
        f->id = f->sys->id;
        f->name = f->sys->name;
        f->kind = FK_READONLY;
        f->changelog_name = f->id;
        for (size_t k = 0; k < LEN(sys_kinds); k++)
            if (strcmp(sys_kinds[k].id, f->id) == 0) {
                f->kind = sys_kinds[k].kind;
                f->changelog_name = sys_kinds[k].changelog;
            }
    }
    for (size_t i = 0; i < ncf; i++) {
        const cf_type_t *t = fields_cf_type_by_store(cf[i].type);
        if (!t)
            continue; /* a type this kiln does not know: not offered */
        field_def_t *f = &out->v[out->n++];
        f->custom = &cf[i];
        f->id = cf[i].id;
        f->name = cf[i].name;
        f->kind = t->kind;
        f->changelog_name = cf[i].name;
        if (cf[i].options_json) {
            json_err_t err;
            f->options = json_parse_arena(a, cf[i].options_json, strlen(cf[i].options_json), 4, &err);
            if (!json_is_array(f->options))
                f->options = NULL;
        }
    }
    return STORE_OK;
}

static int slot = -1;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void take_slot(void)
{
    slot = kreq_ctx_index();
}

const field_table_t *fields_for_request(kreq_t *kr)
{
    pthread_once(&once, take_slot);
    if (!kr->ctx[slot]) {
        field_table_t *t = arena_calloc(kr->arena, sizeof *t);
        if (!t || fields_load(kr->store, kr->arena, kr->site.id, t) != STORE_OK)
            return NULL;
        kr->ctx[slot] = t;
    }
    return kr->ctx[slot];
}

const field_def_t *fields_by_id(const field_table_t *t, const char *id)
{
    for (size_t i = 0; id && i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0)
            return &t->v[i];
    return NULL;
}

const field_def_t *fields_by_name(const field_table_t *t, const char *name)
{
    for (size_t i = 0; name && i < t->n; i++)
        if (strcasecmp(t->v[i].name, name) == 0)
            return &t->v[i];
    return NULL;
}

const field_def_t *fields_by_clause(const field_table_t *t, const char *clause)
{
    if (!clause)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].sys)
            for (const char *const *c = t->v[i].sys->clause_names; c && *c; c++)
                if (strcasecmp(*c, clause) == 0)
                    return &t->v[i];
    size_t n = strlen(clause);
    if (n > 4 && strncasecmp(clause, "cf[", 3) == 0 && clause[n - 1] == ']') {
        char id[64];
        if (n - 4 > 20)
            return NULL;
        snprintf(id, sizeof id, "customfield_%.*s", (int)(n - 4), clause + 3);
        return fields_by_id(t, id);
    }
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].custom && strcasecmp(t->v[i].name, clause) == 0)
            return &t->v[i];
    return NULL;
}

static const char *custom_num(const field_def_t *f)
{
    return f->id + strlen("customfield_");
}

void fields_render_schema(jsonw_t *w, const field_def_t *f)
{
    jw_obj(w);
    if (f->sys) {
        jw_kstr(w, "type", f->sys->schema_type);
        if (f->sys->schema_items)
            jw_kstr(w, "items", f->sys->schema_items);
        jw_kstr(w, "system", f->sys->schema_system);
    } else {
        const cf_type_t *t = fields_cf_type_by_store(f->custom->type);
        jw_kstr(w, "type", t->schema_type);
        if (t->schema_items)
            jw_kstr(w, "items", t->schema_items);
        jw_kstr(w, "custom", t->type_key);
        int64_t n = 0;
        enc_parse_i64(custom_num(f), 0, INT64_MAX, &n);
        jw_kint(w, "customId", n);
    }
    jw_obj_end(w);
}

void fields_render_details(jsonw_t *w, const field_def_t *f)
{
    jw_obj(w);
    jw_kstr(w, "id", f->id);
    jw_kstr(w, "key", f->id);
    jw_kstr(w, "name", f->name);
    jw_kbool(w, "custom", f->custom != NULL);
    jw_kbool(w, "orderable", f->sys ? f->sys->orderable : 1);
    jw_kbool(w, "navigable", f->sys ? f->sys->navigable : 1);
    jw_kbool(w, "searchable", f->sys ? f->sys->searchable : 1);
    jw_key(w, "clauseNames");
    jw_arr(w);
    if (f->sys) {
        for (const char *const *c = f->sys->clause_names; c && *c; c++)
            jw_str(w, *c);
    } else {
        char cf[48];
        snprintf(cf, sizeof cf, "cf[%s]", custom_num(f));
        jw_str(w, cf);
        jw_str(w, f->name);
    }
    jw_arr_end(w);
    jw_key(w, "schema");
    fields_render_schema(w, f);
    jw_obj_end(w);
}

/* ---- drafts ---- */

int fields_draft_load(kreq_t *kr, const issue_rec_t *i, issue_draft_t *d)
{
    memset(d, 0, sizeof *d);
    d->rec = *i;
    int64_t sid = kr->site.id;
    int rc = store_project_by_id(kr->store, kr->arena, sid, i->project_id, &d->project);
    if (rc == STORE_OK)
        d->project_key = d->project.key;
    if (rc == STORE_OK)
        rc = store_labels_get(kr->store, kr->arena, sid, i->id, &d->labels, &d->nlabels);
    if (rc == STORE_OK)
        rc = store_issue_components_get(kr->store, kr->arena, sid, i->id, &d->components, &d->ncomponents);
    for (int k = 0; rc == STORE_OK && k < 2; k++)
        rc = store_issue_versions_get(kr->store, kr->arena, sid, i->id, k, &d->versions[k], &d->nversions[k]);
    if (rc == STORE_OK)
        rc = store_field_values_get(kr->store, kr->arena, sid, i->id, &d->values, &d->nvalues);
    return rc;
}

/* ---- reading values ---- */

static void err_set(json_t *errors, const field_def_t *f, const char *msg)
{
    if (!json_object_get(errors, f->id))
        json_object_set_new(errors, f->id, json_string(msg));
}

static int errf(json_t *errors, const field_def_t *f, const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    err_set(errors, f, msg);
    return -1;
}

/* {"id": "10"} (or a number), {"name": "x"}, {"key": "x"}, {"value": "x"}: the first of
 * `keys` present, as a string in buf (ids may be numbers). NULL if none. */
static const char *ref(json_t *v, const char *const *keys, size_t nkeys, const char **which, char *buf, size_t n)
{
    if (!json_is_object(v))
        return NULL;
    for (size_t k = 0; k < nkeys; k++) {
        json_t *x = json_object_get(v, keys[k]);
        if (json_is_string(x)) {
            *which = keys[k];
            return json_string_value(x);
        }
        if (json_is_integer(x)) {
            *which = keys[k];
            snprintf(buf, n, "%lld", (long long)json_integer_value(x));
            return buf;
        }
    }
    return NULL;
}

static const char *const id_name[] = {"id", "name"};

static int64_t parse_id(const char *s)
{
    int64_t v;
    return s && enc_parse_i64(s, 1, INT64_MAX, &v) == 0 ? v : 0;
}

/* A text value (description, environment, textarea): v3 an ADF document kiln's subset
 * of the schema accepts (product/adf.h), v2 wiki markup or plain text; null (and v2's
 * empty string) clears. *out is the stored ADF JSON or NULL. */
static int read_text(kreq_t *kr, const field_def_t *f, json_t *v, const char **out, json_t *errors)
{
    static const char not_adf[] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    adf_error_t err;
    json_t *doc = v;
    if (render_v2(kr)) {
        if (!json_is_string(v))
            return errf(errors, f, "Operation value must be a string", NULL);
        if (json_string_length(v) > 32767)
            return errf(errors, f, "The entered text is too long. It exceeds the allowed limit of 32,767 characters.",
                        NULL);
        if (!json_string_length(v))
            return 0;
        if (adf_from_wiki(kr->arena, json_string_value(v), json_string_length(v), &doc, &err) != ADF_OK)
            return errf(errors, f, "The text cannot be read: %.200s", err.msg);
    } else if (!json_is_object(v) || !json_str_is(json_object_get(v, "type"), "doc")) {
        return errf(errors, f, not_adf, NULL);
    } else if (adf_check(v, &err) != ADF_OK) {
        return errf(errors, f,
                    "Operation value must be an Atlassian Document (see the Atlassian Document Format): %.200s",
                    err.msg);
    }
    size_t len;
    if (!(*out = json_dump_arena(kr->arena, doc, 1024 * 1024, &len)))
        return errf(errors, f, "The entered text is too long. It exceeds the allowed limit of 32,767 characters.",
                    NULL);
    return 0;
}

/* A stored document converted by one of adf.h's converters (arena); NULL if none or on
 * error. */
static const char *text_as(arena_t *a, const char *adf_json,
                           int (*conv)(arena_t *, const json_t *, char **, size_t *, adf_error_t *))
{
    if (!adf_json)
        return NULL;
    json_err_t jerr;
    json_t *doc = json_parse_arena(a, adf_json, strlen(adf_json), 128, &jerr);
    char *out;
    return doc && conv(a, doc, &out, NULL, NULL) == ADF_OK ? out : NULL;
}

const char *fields_text_wiki(arena_t *a, const char *adf_json)
{
    return text_as(a, adf_json, adf_to_wiki);
}

const char *fields_text_html(arena_t *a, const char *adf_json)
{
    return text_as(a, adf_json, adf_to_html);
}

void fields_write_text(jsonw_t *w, kreq_t *kr, const char *adf_json)
{
    if (!adf_json)
        jw_null(w);
    else if (render_v2(kr))
        jw_str(w, fields_text_wiki(kr->arena, adf_json));
    else
        jw_raw(w, adf_json, strlen(adf_json));
}

static int read_user(kreq_t *kr, const field_def_t *f, json_t *v, const char **out, json_t *errors)
{
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    const char *which;
    char buf[24];
    static const char *const keys[] = {"accountId", "id"};
    const char *id = ref(v, keys, LEN(keys), &which, buf, sizeof buf);
    user_rec_t u;
    if (!id || strlen(id) > 128 || store_user_get(kr->store, kr->arena, kr->site.id, id, &u) != STORE_OK)
        return errf(errors, f, "Specify a valid value for %s", f->id);
    *out = u.account_id;
    return 0;
}

static int find_named(const char *want, const char *which, int64_t id, const char *name)
{
    if (strcmp(which, "name") == 0)
        return strcasecmp(want, name) == 0;
    return parse_id(want) == id;
}

/* Sets or changes an id list (components, versions) from [{"id"}|{"name"}] or one of them. */
static int id_list(int64_t **ids, size_t *n, arena_t *a, int verb, const int64_t *vals, size_t nvals)
{
    int64_t *out = arena_alloc(a, (*n + nvals + 1) * sizeof *out);
    size_t o = 0;
    if (!out)
        return -2;
    if (verb != FV_SET)
        for (size_t i = 0; i < *n; i++) {
            int drop = 0;
            for (size_t j = 0; verb == FV_REMOVE && j < nvals; j++)
                drop |= (*ids)[i] == vals[j];
            if (!drop)
                out[o++] = (*ids)[i];
        }
    if (verb != FV_REMOVE)
        for (size_t j = 0; j < nvals; j++) {
            int dup = 0;
            for (size_t i = 0; i < o; i++)
                dup |= out[i] == vals[j];
            if (!dup)
                out[o++] = vals[j];
        }
    *ids = out;
    *n = o;
    return 0;
}

/* The values of an array field (or one value for add/remove) as an array. */
static json_t *as_items(json_t *v, int verb)
{
    if (verb != FV_SET || !json_is_array(v)) {
        json_t *a = json_array();
        if (v && !json_is_null(v))
            json_array_append(a, v);
        return a;
    }
    return json_incref(v);
}

static int read_catalog(kreq_t *kr, const field_def_t *f, issue_draft_t *d, int verb, json_t *v, json_t *errors)
{
    if (verb == FV_SET && v && !json_is_null(v) && !json_is_array(v))
        return errf(errors, f, "Operation value must be an array", NULL);
    json_t *items = json_own(kr->arena, as_items(v, verb));
    if (json_array_size(items) > FIELDS_MAX_ITEMS)
        return errf(errors, f, "Too many values (at most 100).", NULL);
    int comp = f->kind == FK_COMPONENTS;
    component_rec_t *cs = NULL;
    pversion_rec_t *vs = NULL;
    size_t n = 0;
    int rc = comp ? store_component_list(kr->store, kr->arena, kr->site.id, d->rec.project_id, &cs, &n)
                  : store_pversion_list(kr->store, kr->arena, kr->site.id, d->rec.project_id, &vs, &n);
    if (rc != STORE_OK)
        return -2;
    int64_t *vals = arena_alloc(kr->arena, (json_array_size(items) + 1) * sizeof *vals);
    size_t nv = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *which;
        char buf[24];
        const char *want = ref(it, id_name, 2, &which, buf, sizeof buf);
        int64_t found = 0;
        for (size_t k = 0; want && !found && k < n; k++) {
            if (comp ? find_named(want, which, cs[k].id, cs[k].name) : find_named(want, which, vs[k].id, vs[k].name))
                found = comp ? cs[k].id : vs[k].id;
        }
        if (!found) {
            if (!want)
                return errf(errors, f, comp ? "Component id or name is required." : "Version id or name is required.",
                            NULL);
            if (strcmp(which, "name") == 0)
                return errf(errors, f,
                            comp ? "Component name '%.80s' is not valid" : "Version name '%.80s' is not valid", want);
            return errf(errors, f,
                        comp ? "Component with id '%.24s' does not exist." : "Version with id '%.24s' does not exist.",
                        want);
        }
        vals[nv++] = found;
    }
    if (comp)
        return id_list(&d->components, &d->ncomponents, kr->arena, verb, vals, nv);
    int k = strcmp(f->id, "fixVersions") == 0 ? ISSUE_FIX_VERSIONS : ISSUE_AFFECTS_VERSIONS;
    return id_list(&d->versions[k], &d->nversions[k], kr->arena, verb, vals, nv);
}

static int read_labels(kreq_t *kr, const field_def_t *f, issue_draft_t *d, int verb, json_t *v, json_t *errors)
{
    if (verb == FV_SET && v && !json_is_null(v) && !json_is_array(v))
        return errf(errors, f, "Operation value must be an array", NULL);
    json_t *items = json_own(kr->arena, as_items(v, verb));
    if (json_array_size(items) > FIELDS_MAX_ITEMS)
        return errf(errors, f, "Too many labels (at most 100).", NULL);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *s = json_string_value(it);
        if (!s)
            return errf(errors, f, "Operation value must be a string", NULL);
        if (!*s)
            return errf(errors, f, "The label must not be empty.", NULL);
        if (json_string_length(it) > 255)
            return errf(errors, f, "The label '%.40s...' exceeds the 255 character limit.", s);
        for (const char *p = s; *p; p++)
            if (isspace((unsigned char)*p))
                return errf(errors, f, "The label '%.80s' contains spaces which is invalid.", s);
    }
    const char **out = arena_alloc(kr->arena, (d->nlabels + json_array_size(items) + 1) * sizeof *out);
    size_t o = 0;
    if (verb != FV_SET)
        for (size_t k = 0; k < d->nlabels; k++) {
            int drop = 0;
            json_array_foreach(items, i, it) drop |=
                verb == FV_REMOVE && strcmp(json_string_value(it), d->labels[k]) == 0;
            if (!drop)
                out[o++] = d->labels[k];
        }
    if (verb != FV_REMOVE)
        json_array_foreach(items, i, it)
        {
            int dup = 0;
            for (size_t k = 0; k < o; k++)
                dup |= strcmp(out[k], json_string_value(it)) == 0;
            if (!dup)
                out[o++] = arena_strdup(kr->arena, json_string_value(it));
        }
    d->labels = out;
    d->nlabels = o;
    return 0;
}

static int read_parent(kreq_t *kr, const field_def_t *f, issue_draft_t *d, json_t *v, json_t *errors)
{
    if (!v || json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0)) {
        d->rec.parent_id = 0;
        return 0;
    }
    static const char *const keys[] = {"id", "key"};
    const char *which;
    char buf[24];
    const char *want = ref(v, keys, LEN(keys), &which, buf, sizeof buf);
    issue_rec_t p;
    const char *pk;
    int may = 0;
    if (want && strlen(want) <= 128 && idkey_issue_get(kr->store, kr->arena, kr->site.id, want, &p, &pk) == STORE_OK)
        may = perm_allows(kr, p.project_id, "BROWSE_PROJECTS");
    if (may < 0)
        return -2;
    if (may != 1) /* missing or not visible: the same answer */
        return errf(errors, f, "Could not find issue by id or key.", NULL);
    if (p.id == d->rec.id)
        return errf(errors, f, "An issue cannot be its own parent.", NULL);
    d->rec.parent_id = p.id;
    return 0;
}

static int read_timetracking(kreq_t *kr, const field_def_t *f, issue_draft_t *d, json_t *v, json_t *errors)
{
    (void)kr;
    if (!v || json_is_null(v)) {
        d->rec.original_estimate_s = d->rec.remaining_estimate_s = -1;
        return 0;
    }
    if (!json_is_object(v))
        return errf(errors, f, "Operation value must be an object", NULL);
    static const struct {
        const char *key;
        size_t off;
    } parts[] = {
        {"originalEstimate", offsetof(issue_rec_t, original_estimate_s)},
        {"remainingEstimate", offsetof(issue_rec_t, remaining_estimate_s)},
    };
    for (size_t i = 0; i < LEN(parts); i++) {
        json_t *x = json_object_get(v, parts[i].key);
        if (!x)
            continue;
        int64_t s = json_is_string(x) ? fields_parse_duration(json_string_value(x)) : -1;
        if (s < 0)
            return errf(errors, f, "Invalid time duration entered for %s.", parts[i].key);
        *(int64_t *)((char *)&d->rec + parts[i].off) = s;
        if (i == 0 && !json_object_get(v, "remainingEstimate") && d->rec.remaining_estimate_s < 0)
            d->rec.remaining_estimate_s = s; /* Jira starts the remaining estimate at the original */
    }
    return 0;
}

/* The draft's values of one custom field, and a replacement of them. */
static size_t values_of(const issue_draft_t *d, const char *id, const field_value_t **first)
{
    size_t n = 0;
    *first = NULL;
    for (size_t i = 0; i < d->nvalues; i++)
        if (strcmp(d->values[i].field_id, id) == 0) {
            if (!n)
                *first = &d->values[i];
            n++;
        }
    return n;
}

static int values_replace(arena_t *a, issue_draft_t *d, const char *id, const field_value_t *nv, size_t n)
{
    field_value_t *out = arena_alloc(a, (d->nvalues + n + 1) * sizeof *out);
    if (!out)
        return -2;
    size_t o = 0;
    for (size_t i = 0; i < d->nvalues; i++)
        if (strcmp(d->values[i].field_id, id) != 0)
            out[o++] = d->values[i];
    for (size_t i = 0; i < n; i++) {
        out[o] = nv[i];
        out[o].field_id = id;
        out[o].seq = (int64_t)i;
        o++;
    }
    d->values = out;
    d->nvalues = o;
    return 0;
}

/* The option of a select field given as {"value"} or {"id"} (v2 and v3 alike). */
static const char *option_id(const field_def_t *f, json_t *v, int *bad)
{
    static const char *const keys[] = {"id", "value"};
    const char *which;
    char buf[24];
    const char *want = ref(v, keys, LEN(keys), &which, buf, sizeof buf);
    *bad = 1;
    if (!want)
        return NULL;
    size_t i;
    json_t *o;
    json_array_foreach(f->options, i, o)
    {
        const char *oid = json_str(o, "id"), *val = json_str(o, "value");
        if (!oid || !val)
            continue;
        if (strcmp(which, "id") == 0 ? strcmp(oid, want) == 0 : strcmp(val, want) == 0) {
            *bad = 0;
            return oid;
        }
    }
    return want;
}

static int read_custom(kreq_t *kr, const field_def_t *f, issue_draft_t *d, int verb, json_t *v, json_t *errors)
{
    field_value_t one = {0};
    field_value_t *nv = &one;
    size_t n = 0;
    int clear = !v || json_is_null(v);
    switch (f->kind) {
    case FK_CF_STRING:
        if (clear || (json_is_string(v) && !*json_string_value(v)))
            break;
        if (!json_is_string(v))
            return errf(errors, f, "Operation value must be a string", NULL);
        if (json_string_length(v) > 255)
            return errf(errors, f, "Text fields cannot be more than 255 characters.", NULL);
        one.str = arena_strdup(kr->arena, json_string_value(v));
        n = 1;
        break;
    case FK_CF_TEXTAREA: {
        const char *t;
        if (read_text(kr, f, v, &t, errors) != 0)
            return -1;
        one.str = t;
        n = t != NULL;
        break;
    }
    case FK_CF_NUMBER:
        if (clear)
            break;
        if (!json_is_number(v) || !isfinite(json_number_value(v)))
            return errf(errors, f, "Operation value must be a number", NULL);
        one.num = json_number_value(v);
        one.has_num = 1;
        n = 1;
        break;
    case FK_CF_DATE:
        if (clear)
            break;
        if (!json_is_string(v))
            return errf(errors, f, "Operation value must be a string", NULL);
        if (!fields_valid_date(json_string_value(v)))
            return errf(errors, f, "Error parsing date string: %.40s", json_string_value(v));
        one.str = arena_strdup(kr->arena, json_string_value(v));
        n = 1;
        break;
    case FK_CF_DATETIME: {
        if (clear)
            break;
        const char *s = json_string_value(v);
        int y, mo, da, h, mi, se = 0, consumed = 0;
        if (!s)
            return errf(errors, f, "Operation value must be a string", NULL);
        if (strlen(s) < 16 || sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &da, &h, &mi, &consumed) != 5 || h > 23 ||
            mi > 59)
            return errf(errors, f, "Error parsing time: %.40s", s);
        char date[11];
        snprintf(date, sizeof date, "%.10s", s);
        if (!fields_valid_date(date))
            return errf(errors, f, "Error parsing time: %.40s", s);
        const char *p = s + consumed;
        if (*p == ':' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2])) {
            se = (p[1] - '0') * 10 + (p[2] - '0');
            p += 3;
        }
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++)
                ;
        int off = 0;
        if (*p == '+' || *p == '-') {
            int oh, om;
            if (sscanf(p + 1, "%2d%*[:]%2d", &oh, &om) != 2 && sscanf(p + 1, "%2d%2d", &oh, &om) != 2)
                return errf(errors, f, "Error parsing time: %.40s", s);
            off = (*p == '-' ? -1 : 1) * (oh * 60 + om);
        } else if (*p && strcmp(p, "Z") != 0)
            return errf(errors, f, "Error parsing time: %.40s", s);
        /* days from the civil date (Howard Hinnant's algorithm) */
        int yy = y - (mo <= 2);
        int era = (yy >= 0 ? yy : yy - 399) / 400;
        int yoe = yy - era * 400;
        int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + da - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        int64_t days = (int64_t)era * 146097 + doe - 719468;
        one.num = (double)((days * 86400 + h * 3600 + mi * 60 + se - off * 60) * 1000);
        one.has_num = 1;
        n = 1;
        break;
    }
    case FK_CF_SELECT: {
        if (clear)
            break;
        int bad;
        const char *oid = option_id(f, v, &bad);
        if (!oid)
            return errf(errors, f, "Specify a valid 'id' or 'name' for %.80s", f->name);
        if (bad)
            return errf(errors, f, "Option value '%.80s' is not valid", oid);
        one.str = oid;
        n = 1;
        break;
    }
    case FK_CF_MULTISELECT: {
        if (verb == FV_SET && !clear && !json_is_array(v))
            return errf(errors, f, "Operation value must be an array", NULL);
        json_t *items = json_own(kr->arena, as_items(v, verb));
        if (json_array_size(items) > FIELDS_MAX_ITEMS)
            return errf(errors, f, "Too many values (at most 100).", NULL);
        const field_value_t *cur;
        size_t ncur = values_of(d, f->id, &cur);
        nv = arena_alloc(kr->arena, (ncur + json_array_size(items) + 1) * sizeof *nv);
        if (verb != FV_SET) /* the current options (values_of: contiguous in load order) */
            for (size_t i = 0; i < d->nvalues; i++)
                if (strcmp(d->values[i].field_id, f->id) == 0)
                    nv[n++] = d->values[i];
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            int bad;
            const char *oid = option_id(f, it, &bad);
            if (!oid)
                return errf(errors, f, "Specify a valid 'id' or 'name' for %.80s", f->name);
            if (bad)
                return errf(errors, f, "Option value '%.80s' is not valid", oid);
            size_t k = 0;
            while (k < n && strcmp(nv[k].str, oid) != 0)
                k++;
            if (verb == FV_REMOVE && k < n)
                nv[k] = nv[--n];
            else if (verb != FV_REMOVE && k == n)
                nv[n++] = (field_value_t){.str = oid};
        }
        break;
    }
    case FK_CF_USER: {
        const char *acct;
        if (read_user(kr, f, v, &acct, errors) != 0)
            return -1;
        one.str = acct;
        n = acct != NULL;
        break;
    }
    default:
        return errf(errors, f, "Field '%.80s' cannot be set. It is not on the appropriate screen, or unknown.", f->id);
    }
    return values_replace(kr->arena, d, f->id, nv, n);
}

int fields_apply(kreq_t *kr, const field_def_t *f, issue_draft_t *d, int verb, json_t *value, json_t *errors)
{
    int multi =
        f->kind == FK_LABELS || f->kind == FK_COMPONENTS || f->kind == FK_VERSIONS || f->kind == FK_CF_MULTISELECT;
    if (verb != FV_SET && !multi)
        return errf(errors, f, "Field '%.80s' does not support this operation.", f->id);
    const char *which;
    char buf[24];
    switch (f->kind) {
    case FK_SUMMARY: {
        const char *s = json_string_value(value);
        if (!s || !*s)
            return errf(errors, f, "You must specify a summary of the issue.", NULL);
        if (json_string_length(value) > 255 || strchr(s, '\n') || strchr(s, '\r'))
            return errf(errors, f, "Summary must be less than 255 characters.", NULL);
        d->rec.summary = arena_strdup(kr->arena, s);
        return 0;
    }
    case FK_TEXT: {
        const char *t;
        if (read_text(kr, f, value, &t, errors) != 0)
            return -1;
        if (strcmp(f->id, "description") == 0)
            d->rec.description_json = t;
        else
            d->rec.environment_json = t;
        return 0;
    }
    case FK_ISSUETYPE: {
        const char *want = ref(value, id_name, 2, &which, buf, sizeof buf);
        const issue_type_t *t = NULL;
        if (want)
            t = strcmp(which, "id") == 0 ? issue_type_find(parse_id(want)) : issue_type_named(want);
        if (!t || !issue_type_in_project(d->project.type_key, t->id))
            return errf(errors, f, "Specify an issue type", NULL);
        d->rec.issuetype_id = t->id;
        return 0;
    }
    case FK_PRIORITY: {
        const char *want = ref(value, id_name, 2, &which, buf, sizeof buf);
        const priority_def_t *p = NULL;
        if (want)
            p = strcmp(which, "id") == 0 ? priority_find(parse_id(want)) : priority_named(want);
        if (!p)
            return errf(errors, f, "The priority selected is invalid.", NULL);
        d->rec.priority_id = p->id;
        return 0;
    }
    case FK_RESOLUTION: {
        if (!value || json_is_null(value)) {
            d->rec.resolution_id = 0;
            d->rec.resolved_ms = 0;
            return 0;
        }
        const char *want = ref(value, id_name, 2, &which, buf, sizeof buf);
        const resolution_def_t *r = NULL;
        if (want)
            r = strcmp(which, "id") == 0 ? resolution_find(parse_id(want)) : resolution_named(want);
        if (!r)
            return errf(errors, f, "Resolution '%.80s' does not exist.", want ? want : "");
        if (!d->rec.resolution_id)
            d->rec.resolved_ms = clock_now_ms();
        d->rec.resolution_id = r->id;
        return 0;
    }
    case FK_USER: {
        const char *acct;
        if (read_user(kr, f, value, &acct, errors) != 0)
            return -1;
        if (strcmp(f->id, "assignee") == 0) {
            if (acct) {
                int may = perm_user_has(kr->store, kr->site.id, acct, d->rec.project_id, "ASSIGNABLE_USER");
                if (may < 0)
                    return -2;
                if (!may)
                    return errf(errors, f, "User '%.80s' cannot be assigned issues.", acct);
            }
            d->rec.assignee_account_id = acct;
        } else {
            d->rec.reporter_account_id = acct;
        }
        return 0;
    }
    case FK_DUEDATE:
        if (!value || json_is_null(value) || (json_is_string(value) && !*json_string_value(value))) {
            d->rec.duedate = NULL;
            return 0;
        }
        if (!json_is_string(value))
            return errf(errors, f, "Operation value must be a string", NULL);
        if (!fields_valid_date(json_string_value(value)))
            return errf(errors, f, "Error parsing date string: %.40s", json_string_value(value));
        d->rec.duedate = arena_strdup(kr->arena, json_string_value(value));
        return 0;
    case FK_LABELS: return read_labels(kr, f, d, verb, value, errors);
    case FK_COMPONENTS:
    case FK_VERSIONS: return read_catalog(kr, f, d, verb, value, errors);
    case FK_PARENT: return read_parent(kr, f, d, value, errors);
    case FK_TIMETRACKING: return read_timetracking(kr, f, d, value, errors);
    case FK_PROJECT:
    case FK_READONLY:
        return errf(errors, f, "Field '%.80s' cannot be set. It is not on the appropriate screen, or unknown.", f->id);
    default: return read_custom(kr, f, d, verb, value, errors);
    }
}

int fields_check(kreq_t *kr, const issue_draft_t *d, json_t *errors)
{
    const issue_type_t *t = issue_type_find(d->rec.issuetype_id);
    if (!t)
        return 0; /* issuetype's own error says it */
    if (t->hierarchy_level < 0 && !d->rec.parent_id) {
        json_object_set_new(errors, "parent", json_string("Subtasks must have a parent issue."));
        return -1;
    }
    if (!d->rec.parent_id)
        return 0;
    issue_rec_t p;
    const char *pk;
    if (store_issue_by_id(kr->store, kr->arena, kr->site.id, d->rec.parent_id, &p, &pk) != STORE_OK) {
        json_object_set_new(errors, "parent", json_string("Could not find issue by id or key."));
        return -1;
    }
    const issue_type_t *pt = issue_type_find(p.issuetype_id);
    int plevel = pt ? pt->hierarchy_level : 0;
    const char *msg = NULL;
    if (t->hierarchy_level < 0 && p.project_id != d->rec.project_id)
        msg = "The parent issue must be in the same project as the subtask.";
    else if (t->hierarchy_level < 0 && plevel < 0)
        msg = "A subtask cannot be the parent of another subtask.";
    else if (t->hierarchy_level >= 0 && plevel != t->hierarchy_level + 1)
        msg = t->hierarchy_level > 0 ? "An epic cannot have a parent issue."
                                     : "The parent must be an issue one level above this issue type (an epic).";
    if (msg) {
        json_object_set_new(errors, "parent", json_string(msg));
        return -1;
    }
    return 0;
}

static int same_ids(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static int same_labels(const issue_draft_t *a, const issue_draft_t *b)
{
    if (a->nlabels != b->nlabels)
        return 0;
    for (size_t i = 0; i < a->nlabels; i++)
        if (strcmp(a->labels[i], b->labels[i]) != 0)
            return 0;
    return 1;
}

static int same_values(const field_value_t *a, size_t na, const field_value_t *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        if (a[i].has_num != b[i].has_num || (a[i].has_num && a[i].num != b[i].num))
            return 0;
        if ((a[i].str == NULL) != (b[i].str == NULL) || (a[i].str && strcmp(a[i].str, b[i].str) != 0))
            return 0;
    }
    return 1;
}

/* The values of one field, contiguous, in an arena array. */
static size_t values_copy(arena_t *a, const issue_draft_t *d, const char *id, field_value_t **out)
{
    *out = arena_alloc(a, (d->nvalues + 1) * sizeof **out);
    size_t n = 0;
    for (size_t i = 0; i < d->nvalues; i++)
        if (strcmp(d->values[i].field_id, id) == 0)
            (*out)[n++] = d->values[i];
    return n;
}

int fields_save(kreq_t *kr, const issue_draft_t *old, const issue_draft_t *d)
{
    int64_t sid = kr->site.id, id = d->rec.id;
    int rc = STORE_OK;
    if (!old || !same_labels(old, d))
        rc = store_labels_set(kr->store, sid, id, d->labels, d->nlabels);
    if (rc == STORE_OK && (!old || !same_ids(old->components, old->ncomponents, d->components, d->ncomponents)))
        rc = store_issue_components_set(kr->store, sid, id, d->components, d->ncomponents);
    for (int k = 0; rc == STORE_OK && k < 2; k++)
        if (!old || !same_ids(old->versions[k], old->nversions[k], d->versions[k], d->nversions[k]))
            rc = store_issue_versions_set(kr->store, sid, id, k, d->versions[k], d->nversions[k]);
    /* every field either draft has a value of */
    for (int side = 0; rc == STORE_OK && side < 2; side++) {
        const issue_draft_t *s = side ? old : d;
        for (size_t i = 0; s && rc == STORE_OK && i < s->nvalues; i++) {
            const char *fid = s->values[i].field_id;
            if (i > 0 && strcmp(s->values[i - 1].field_id, fid) == 0)
                continue;
            field_value_t *nv, *ov = NULL;
            size_t nn = values_copy(kr->arena, d, fid, &nv), on = old ? values_copy(kr->arena, old, fid, &ov) : 0;
            if (old && same_values(ov, on, nv, nn))
                continue;
            if (side && nn)
                continue; /* written from d's side */
            rc = store_field_values_set(kr->store, sid, id, fid, nv, nn);
        }
    }
    return rc;
}

/* ---- changelog ---- */

static const char *user_name(kreq_t *kr, const char *acct)
{
    user_rec_t u;
    if (!acct)
        return NULL;
    return store_user_get(kr->store, kr->arena, kr->site.id, acct, &u) == STORE_OK ? u.display_name : acct;
}

static const char *i64s(arena_t *a, int64_t v)
{
    return arena_printf(a, "%lld", (long long)v);
}

static const char *option_value(const field_def_t *f, const char *oid)
{
    size_t i;
    json_t *o;
    json_array_foreach(f->options, i, o) if (json_str_is(json_object_get(o, "id"), oid)) return json_str(o, "value");
    return oid;
}

/* The id and string of one custom value as changelog items show them. */
static void cf_strings(kreq_t *kr, const field_def_t *f, const field_value_t *v, const char **id, const char **s)
{
    *id = NULL;
    *s = NULL;
    if (!v)
        return;
    switch (f->kind) {
    case FK_CF_NUMBER: *s = arena_printf(kr->arena, "%.15g", v->num); break;
    case FK_CF_DATETIME: {
        char buf[40];
        clock_iso8601(buf, sizeof buf, (int64_t)v->num);
        *s = arena_strdup(kr->arena, buf);
        break;
    }
    case FK_CF_SELECT:
    case FK_CF_MULTISELECT:
        *id = v->str;
        *s = option_value(f, v->str);
        break;
    case FK_CF_USER:
        *id = v->str;
        *s = user_name(kr, v->str);
        break;
    case FK_CF_TEXTAREA: *s = fields_text_wiki(kr->arena, v->str); break;
    default: *s = v->str;
    }
}

typedef struct items {
    change_item_t *v;
    size_t n, cap;
} items_t;

static void add_item(arena_t *a, items_t *it, const field_def_t *f, const char *field, const char *fid,
                     const char *from, const char *from_s, const char *to, const char *to_s)
{
    if (it->n == it->cap) {
        size_t cap = it->cap ? it->cap * 2 : 16;
        change_item_t *v = arena_alloc(a, cap * sizeof *v);
        if (!v)
            kiln_oom(cap);
        if (it->n)
            memcpy(v, it->v, it->n * sizeof *v);
        it->v = v;
        it->cap = cap;
    }
    it->v[it->n++] = (change_item_t){
        .field = field,
        .fieldtype = f && f->custom ? "custom" : "jira",
        .field_id = fid,
        .from_id = from,
        .from_string = from_s,
        .to_id = to,
        .to_string = to_s,
    };
}

static int streq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static const char *catalog_name(kreq_t *kr, int comp, int64_t id)
{
    if (comp) {
        component_rec_t c;
        return store_component_get(kr->store, kr->arena, kr->site.id, id, &c) == STORE_OK ? c.name : NULL;
    }
    pversion_rec_t v;
    return store_pversion_get(kr->store, kr->arena, kr->site.id, id, &v) == STORE_OK ? v.name : NULL;
}

/* One item per id taken off and per id put on, as Jira records components and versions. */
static void id_set_items(kreq_t *kr, items_t *it, const field_def_t *f, int comp, const int64_t *a, size_t na,
                         const int64_t *b, size_t nb)
{
    for (int side = 0; side < 2; side++) {
        const int64_t *x = side ? b : a, *y = side ? a : b;
        size_t nx = side ? nb : na, ny = side ? na : nb;
        for (size_t i = 0; i < nx; i++) {
            int in = 0;
            for (size_t j = 0; j < ny; j++)
                in |= x[i] == y[j];
            if (in)
                continue;
            const char *id = i64s(kr->arena, x[i]), *name = catalog_name(kr, comp, x[i]);
            if (side)
                add_item(kr->arena, it, f, f->changelog_name, f->id, NULL, NULL, id, name);
            else
                add_item(kr->arena, it, f, f->changelog_name, f->id, id, name, NULL, NULL);
        }
    }
}

static const char *labels_joined(arena_t *a, const issue_draft_t *d)
{
    if (!d->nlabels)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < d->nlabels; i++)
        n += strlen(d->labels[i]) + 1;
    char *s = arena_alloc(a, n + 1), *p = s;
    for (size_t i = 0; i < d->nlabels; i++) {
        size_t l = strlen(d->labels[i]);
        if (i)
            *p++ = ' ';
        memcpy(p, d->labels[i], l);
        p += l;
    }
    *p = '\0';
    return s;
}

static const char *parent_key(kreq_t *kr, int64_t id)
{
    issue_rec_t p;
    const char *pk;
    if (!id || store_issue_by_id(kr->store, kr->arena, kr->site.id, id, &p, &pk) != STORE_OK)
        return NULL;
    return arena_printf(kr->arena, "%s-%lld", pk, (long long)p.num);
}

int fields_changelog(kreq_t *kr, const field_table_t *t, const issue_draft_t *o, const issue_draft_t *d,
                     change_item_t **items, size_t *n)
{
    items_t it = {0};
    arena_t *a = kr->arena;
    for (size_t fi = 0; fi < t->n; fi++) {
        const field_def_t *f = &t->v[fi];
        switch (f->kind) {
        case FK_SUMMARY:
            if (!streq(o->rec.summary, d->rec.summary))
                add_item(a, &it, f, "summary", "summary", NULL, o->rec.summary, NULL, d->rec.summary);
            break;
        case FK_TEXT: {
            int desc = strcmp(f->id, "description") == 0;
            const char *x = desc ? o->rec.description_json : o->rec.environment_json;
            const char *y = desc ? d->rec.description_json : d->rec.environment_json;
            if (!streq(x, y))
                add_item(a, &it, f, f->changelog_name, f->id, NULL, fields_text_wiki(a, x), NULL,
                         fields_text_wiki(a, y));
            break;
        }
        case FK_ISSUETYPE:
            if (o->rec.issuetype_id != d->rec.issuetype_id) {
                const issue_type_t *x = issue_type_find(o->rec.issuetype_id), *y = issue_type_find(d->rec.issuetype_id);
                add_item(a, &it, f, "issuetype", "issuetype", i64s(a, o->rec.issuetype_id), x ? x->name : NULL,
                         i64s(a, d->rec.issuetype_id), y ? y->name : NULL);
            }
            break;
        case FK_PRIORITY:
            if (o->rec.priority_id != d->rec.priority_id) {
                const priority_def_t *x = priority_find(o->rec.priority_id), *y = priority_find(d->rec.priority_id);
                add_item(a, &it, f, "priority", "priority", i64s(a, o->rec.priority_id), x ? x->name : NULL,
                         i64s(a, d->rec.priority_id), y ? y->name : NULL);
            }
            break;
        case FK_RESOLUTION:
            if (o->rec.resolution_id != d->rec.resolution_id) {
                const resolution_def_t *x = o->rec.resolution_id ? resolution_find(o->rec.resolution_id) : NULL;
                const resolution_def_t *y = d->rec.resolution_id ? resolution_find(d->rec.resolution_id) : NULL;
                add_item(a, &it, f, "resolution", "resolution", x ? i64s(a, x->id) : NULL, x ? x->name : NULL,
                         y ? i64s(a, y->id) : NULL, y ? y->name : NULL);
            }
            break;
        case FK_USER: {
            int asg = strcmp(f->id, "assignee") == 0;
            const char *x = asg ? o->rec.assignee_account_id : o->rec.reporter_account_id;
            const char *y = asg ? d->rec.assignee_account_id : d->rec.reporter_account_id;
            if (!streq(x, y))
                add_item(a, &it, f, f->id, f->id, x, user_name(kr, x), y, user_name(kr, y));
            break;
        }
        case FK_DUEDATE:
            if (!streq(o->rec.duedate, d->rec.duedate))
                add_item(a, &it, f, "duedate", "duedate", o->rec.duedate, o->rec.duedate, d->rec.duedate,
                         d->rec.duedate);
            break;
        case FK_LABELS:
            if (!same_labels(o, d))
                add_item(a, &it, f, "labels", "labels", NULL, labels_joined(a, o), NULL, labels_joined(a, d));
            break;
        case FK_COMPONENTS:
            id_set_items(kr, &it, f, 1, o->components, o->ncomponents, d->components, d->ncomponents);
            break;
        case FK_VERSIONS: {
            int k = strcmp(f->id, "fixVersions") == 0 ? ISSUE_FIX_VERSIONS : ISSUE_AFFECTS_VERSIONS;
            id_set_items(kr, &it, f, 0, o->versions[k], o->nversions[k], d->versions[k], d->nversions[k]);
            break;
        }
        case FK_PARENT:
            if (o->rec.parent_id != d->rec.parent_id)
                add_item(a, &it, f, f->changelog_name, "parent", o->rec.parent_id ? i64s(a, o->rec.parent_id) : NULL,
                         parent_key(kr, o->rec.parent_id), d->rec.parent_id ? i64s(a, d->rec.parent_id) : NULL,
                         parent_key(kr, d->rec.parent_id));
            break;
        case FK_TIMETRACKING: {
            static const struct {
                const char *name;
                size_t off;
            } est[] = {{"timeoriginalestimate", offsetof(issue_rec_t, original_estimate_s)},
                       {"timeestimate", offsetof(issue_rec_t, remaining_estimate_s)}};
            for (size_t e = 0; e < LEN(est); e++) {
                int64_t x = *(const int64_t *)((const char *)&o->rec + est[e].off);
                int64_t y = *(const int64_t *)((const char *)&d->rec + est[e].off);
                if (x != y)
                    add_item(a, &it, f, est[e].name, est[e].name, x < 0 ? NULL : i64s(a, x), x < 0 ? NULL : i64s(a, x),
                             y < 0 ? NULL : i64s(a, y), y < 0 ? NULL : i64s(a, y));
            }
            break;
        }
        case FK_READONLY:
        case FK_PROJECT: break;
        default: {
            field_value_t *x, *y;
            size_t nx = values_copy(a, o, f->id, &x), ny = values_copy(a, d, f->id, &y);
            if (same_values(x, nx, y, ny))
                break;
            if (f->kind == FK_CF_MULTISELECT) {
                /* the options as comma-separated strings, as Jira writes them */
                buf_t fs, ts;
                buf_init_arena(&fs, a, 64 * 1024);
                buf_init_arena(&ts, a, 64 * 1024);
                for (int side = 0; side < 2; side++)
                    for (size_t i = 0; i < (side ? ny : nx); i++) {
                        const char *id, *s;
                        cf_strings(kr, f, side ? &y[i] : &x[i], &id, &s);
                        buf_t *b = side ? &ts : &fs;
                        if (b->len)
                            buf_add(b, ",", 1);
                        buf_add(b, s ? s : "", s ? strlen(s) : 0);
                    }
                add_item(a, &it, f, f->changelog_name, f->id, NULL, fs.len ? fs.ptr : NULL, NULL,
                         ts.len ? ts.ptr : NULL);
                break;
            }
            const char *xi, *xs, *yi, *ys;
            cf_strings(kr, f, nx ? x : NULL, &xi, &xs);
            cf_strings(kr, f, ny ? y : NULL, &yi, &ys);
            add_item(a, &it, f, f->changelog_name, f->id, xi, xs, yi, ys);
        }
        }
    }
    if (it.n > CHANGELOG_MAX_ITEMS)
        it.n = CHANGELOG_MAX_ITEMS;
    *items = it.v;
    *n = it.n;
    return STORE_OK;
}

/* ---- rendering ---- */

static void render_option(jsonw_t *w, kreq_t *kr, const field_def_t *f, const char *oid)
{
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/customFieldOption/", oid);
    jw_kstr(w, "value", option_value(f, oid));
    jw_kstr(w, "id", oid);
    jw_obj_end(w);
}

static void render_catalog(jsonw_t *w, kreq_t *kr, int comp, const int64_t *ids, size_t n)
{
    jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        char sid[24];
        enc_i64(sid, ids[i]);
        component_rec_t c;
        pversion_rec_t v;
        int rc = comp ? store_component_get(kr->store, kr->arena, kr->site.id, ids[i], &c)
                      : store_pversion_get(kr->store, kr->arena, kr->site.id, ids[i], &v);
        if (rc != STORE_OK)
            continue;
        jw_obj(w);
        jw_key(w, "self");
        JW_STRCAT(w, render_base(kr), comp ? "/rest/api/3/component/" : "/rest/api/3/version/", sid);
        jw_kstr(w, "id", sid);
        jw_kstr(w, "name", comp ? c.name : v.name);
        if (!comp) {
            jw_kstr(w, "description", v.description ? v.description : "");
            jw_kbool(w, "archived", v.archived);
            jw_kbool(w, "released", v.released);
            if (v.release_date)
                jw_kstr(w, "releaseDate", v.release_date);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void fields_render_value(jsonw_t *w, kreq_t *kr, const field_def_t *f, const issue_draft_t *d)
{
    switch (f->kind) {
    case FK_LABELS:
        jw_arr(w);
        for (size_t i = 0; i < d->nlabels; i++)
            jw_str(w, d->labels[i]);
        jw_arr_end(w);
        return;
    case FK_COMPONENTS: render_catalog(w, kr, 1, d->components, d->ncomponents); return;
    case FK_VERSIONS: {
        int k = strcmp(f->id, "fixVersions") == 0 ? ISSUE_FIX_VERSIONS : ISSUE_AFFECTS_VERSIONS;
        render_catalog(w, kr, 0, d->versions[k], d->nversions[k]);
        return;
    }
    case FK_TIMETRACKING: {
        char buf[64];
        jw_obj(w);
        if (d->rec.original_estimate_s >= 0) {
            fields_format_duration(buf, sizeof buf, d->rec.original_estimate_s);
            jw_kstr(w, "originalEstimate", buf);
        }
        if (d->rec.remaining_estimate_s >= 0) {
            fields_format_duration(buf, sizeof buf, d->rec.remaining_estimate_s);
            jw_kstr(w, "remainingEstimate", buf);
        }
        if (d->rec.time_spent_s >= 0) {
            fields_format_duration(buf, sizeof buf, d->rec.time_spent_s);
            jw_kstr(w, "timeSpent", buf);
        }
        if (d->rec.original_estimate_s >= 0)
            jw_kint(w, "originalEstimateSeconds", d->rec.original_estimate_s);
        if (d->rec.remaining_estimate_s >= 0)
            jw_kint(w, "remainingEstimateSeconds", d->rec.remaining_estimate_s);
        if (d->rec.time_spent_s >= 0)
            jw_kint(w, "timeSpentSeconds", d->rec.time_spent_s);
        jw_obj_end(w);
        return;
    }
    default: break;
    }
    if (!f->custom) {
        jw_null(w);
        return;
    }
    const field_value_t *v;
    size_t n = values_of(d, f->id, &v);
    if (f->kind == FK_CF_MULTISELECT) {
        if (!n) {
            jw_null(w);
            return;
        }
        jw_arr(w);
        for (size_t i = 0; i < d->nvalues; i++)
            if (strcmp(d->values[i].field_id, f->id) == 0 && d->values[i].str)
                render_option(w, kr, f, d->values[i].str);
        jw_arr_end(w);
        return;
    }
    if (!n) {
        jw_null(w);
        return;
    }
    switch (f->kind) {
    case FK_CF_NUMBER: jw_real(w, v->num); break;
    case FK_CF_DATETIME: {
        char buf[40];
        clock_iso8601(buf, sizeof buf, (int64_t)v->num);
        jw_str(w, buf);
        break;
    }
    case FK_CF_SELECT: render_option(w, kr, f, v->str); break;
    case FK_CF_USER: render_user_ref(w, kr, v->str, 1); break;
    case FK_CF_TEXTAREA: fields_write_text(w, kr, v->str); break;
    default: jw_str(w, v->str);
    }
}

/* ---- durations and dates ---- */

int64_t fields_parse_duration(const char *s)
{
    static const struct {
        char unit;
        int64_t secs;
    } units[] = {{'w', 5 * 8 * 3600}, {'d', 8 * 3600}, {'h', 3600}, {'m', 60}};
    if (!s)
        return -1;
    int64_t total = 0;
    int parts = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (!isdigit((unsigned char)*p))
            return -1;
        int64_t n = 0;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (++digits > 9)
                return -1;
            n = n * 10 + (*p++ - '0');
        }
        int64_t mult = 60; /* a bare number is minutes */
        if (*p && *p != ' ') {
            mult = 0;
            for (size_t u = 0; u < LEN(units); u++)
                if (tolower((unsigned char)*p) == units[u].unit)
                    mult = units[u].secs;
            if (!mult)
                return -1;
            p++;
        }
        total += n * mult;
        parts++;
        if (total > (int64_t)1e12)
            return -1;
    }
    return parts ? total : -1;
}

void fields_format_duration(char *out, size_t n, int64_t s)
{
    static const struct {
        char unit;
        int64_t secs;
    } units[] = {{'w', 5 * 8 * 3600}, {'d', 8 * 3600}, {'h', 3600}, {'m', 60}};
    size_t o = 0;
    out[0] = '\0';
    for (size_t u = 0; u < LEN(units) && o < n; u++) {
        int64_t q = s / units[u].secs;
        if (!q)
            continue;
        s -= q * units[u].secs;
        o += (size_t)snprintf(out + o, n - o, "%s%lld%c", o ? " " : "", (long long)q, units[u].unit);
    }
    if (!out[0])
        snprintf(out, n, "0m");
}

int fields_valid_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1000 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}
