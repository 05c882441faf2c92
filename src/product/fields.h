/* The field model: one table of every field an issue of a site has, the system fields
 * (product/model.h's model_sysfields) and the site's custom fields (store/store_fields.h),
 * and for each field how Jira reads it from a create/edit body, validates it (Jira's
 * errors.<field> messages), renders it and records a change of it in the changelog.
 *
 * An edit works on an issue_draft_t: the issue's row and everything that hangs on it as
 * fields (labels, components, versions, custom values). fields_apply() changes a draft
 * by one verb of one field; fields_save() writes what changed; fields_changelog() lists
 * the changes between two drafts as Jira's changelog items. */
#ifndef KILN_FIELDS_H
#define KILN_FIELDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/jsonw.h"
#include "http/request.h"
#include "product/model.h"
#include "store/store_changelog.h"
#include "store/store_fields.h"
#include "store/store_product.h"

/* What a field is, for reading, validating and rendering it. */
enum field_kind {
    FK_READONLY, /* answered, never set by create/edit (status, created, creator, ...) */
    FK_SUMMARY,
    FK_TEXT, /* description, environment: ADF (v3) or a string (v2) */
    FK_PROJECT,
    FK_ISSUETYPE,
    FK_PRIORITY,
    FK_RESOLUTION,
    FK_USER, /* assignee, reporter */
    FK_DUEDATE,
    FK_LABELS,
    FK_COMPONENTS,
    FK_VERSIONS, /* fixVersions, versions */
    FK_PARENT,
    FK_TIMETRACKING,
    /* custom field types (store type names in brackets) */
    FK_CF_STRING,      /* string */
    FK_CF_TEXTAREA,    /* textarea: ADF like description */
    FK_CF_NUMBER,      /* number */
    FK_CF_DATE,        /* date: YYYY-MM-DD in str */
    FK_CF_DATETIME,    /* datetime: epoch ms in num */
    FK_CF_SELECT,      /* select: the option's id in str */
    FK_CF_MULTISELECT, /* multiselect: one row per option id */
    FK_CF_USER,        /* user: an account id in str */
};

enum { FIELDS_MAX_CUSTOM = 1000, FIELDS_MAX_ITEMS = 100, FIELDS_MAX_OPTIONS = 200 };

typedef struct field_def {
    const char *id, *name;
    int kind;                   /* FK_* */
    const sysfield_def_t *sys;  /* a system field, or NULL */
    const field_rec_t *custom;  /* a custom field, or NULL */
    const char *changelog_name; /* Jira's name for it in changelog items */
    json_t *options;            /* select types: [{"id","value"}] (arena-owned), else NULL */
} field_def_t;

typedef struct field_table {
    field_def_t *v;
    size_t n;
} field_table_t;

/* The site's fields: every system field, then its custom fields by id. */
int fields_load(store_t *st, arena_t *a, int64_t site_id, field_table_t *out);
/* The request's site's fields, loaded once per request (a search renders many issues):
 * NULL on a store error. Valid for the request; a field made during it is not in it. */
const field_table_t *fields_for_request(kreq_t *kr);
const field_def_t *fields_by_id(const field_table_t *t, const char *id);
/* By display name, without case (a system field's name before a custom field's). */
const field_def_t *fields_by_name(const field_table_t *t, const char *name);
/* By JQL clause name: a system field's clause names, a custom field's name or cf[NNNNN]. */
const field_def_t *fields_by_clause(const field_table_t *t, const char *clause);

/* Custom field types: kiln's store name, Jira's type key
 * (com.atlassian.jira.plugin.system.customfieldtypes:float ...), its kind. */
typedef struct cf_type {
    const char *store, *type_key, *searcher_key, *schema_type, *schema_items;
    int kind;
} cf_type_t;
extern const cf_type_t fields_cf_types[];
extern const size_t fields_cf_types_len;
const cf_type_t *fields_cf_type_by_key(const char *type_key);
const cf_type_t *fields_cf_type_by_store(const char *store_type);

/* The field's schema (JsonTypeBean) and its FieldDetails (GET /field). */
void fields_render_schema(jsonw_t *w, const field_def_t *f);
void fields_render_details(jsonw_t *w, const field_def_t *f);

/* An issue and the values that hang on it, as an edit sees them. */
typedef struct issue_draft {
    issue_rec_t rec;
    project_rec_t project;
    const char *project_key;
    const char **labels;
    size_t nlabels;
    int64_t *components;
    size_t ncomponents;
    int64_t *versions[2]; /* ISSUE_FIX_VERSIONS, ISSUE_AFFECTS_VERSIONS */
    size_t nversions[2];
    field_value_t *values; /* custom field values, every field */
    size_t nvalues;
} issue_draft_t;

/* Loads everything of i into d (a copy of i; its project). */
int fields_draft_load(kreq_t *kr, const issue_rec_t *i, issue_draft_t *d);

enum { FV_SET, FV_ADD, FV_REMOVE };
/* Applies one verb (FV_*) with `value` (the JSON given for the field, v2 or v3 form) to
 * field f of d. On bad input adds Jira's message to errors[f->id] and returns -1; a store
 * error returns -2; 0 when applied. d->rec.project_id must be set (create: first the
 * project). */
int fields_apply(kreq_t *kr, const field_def_t *f, issue_draft_t *d, int verb, json_t *value, json_t *errors);

/* Checks what only the whole draft tells (a subtask has a parent in its project, an
 * epic's children are no epics ...); adds errors and returns -1, else 0. */
int fields_check(kreq_t *kr, const issue_draft_t *d, json_t *errors);

/* Writes d's labels, components, versions and custom values (those that differ from
 * old's; old NULL: all of them) for the issue d->rec.id. The row itself is the caller's. */
int fields_save(kreq_t *kr, const issue_draft_t *old, const issue_draft_t *d);

/* The changes from old to d as Jira's changelog items (arena); *n is 0 when nothing
 * changed. */
int fields_changelog(kreq_t *kr, const field_table_t *t, const issue_draft_t *old, const issue_draft_t *d,
                     change_item_t **items, size_t *n);

/* Writes field f's value in d as Jira's IssueBean answers it (v2 or v3 as the request). */
void fields_render_value(jsonw_t *w, kreq_t *kr, const field_def_t *f, const issue_draft_t *d);

/* A text field's stored ADF document as the request's version answers it: v3 the
 * document, v2 its wiki markup (product/adf.h); null when none. */
void fields_write_text(jsonw_t *w, kreq_t *kr, const char *adf_json);
/* The document as wiki markup (changelog strings) or HTML (renderedFields), in the
 * arena; NULL when none or when it does not convert. */
const char *fields_text_wiki(arena_t *a, const char *adf_json);
const char *fields_text_html(arena_t *a, const char *adf_json);

/* Jira's duration ("1w 2d 3h 30m", "90m", a bare number of minutes) in seconds, with
 * Jira's defaults of 8 hours a day and 5 days a week; -1 if malformed. */
int64_t fields_parse_duration(const char *s);
/* Seconds as Jira writes them ("1w 2d 3h 30m"); "0m" for 0. */
void fields_format_duration(char *out, size_t n, int64_t s);
/* 1 if s is a real calendar date YYYY-MM-DD. */
int fields_valid_date(const char *s);

#endif
