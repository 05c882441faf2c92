/* The pieces comments, worklogs, transitions and properties share (product/work.h). */
#include "product/work.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/adf.h"
#include "product/idkey.h"
#include "product/model.h"
#include "product/perm.h"
#include "product/routes.h"
#include "store/store_product.h"

int work_parse_id(const char *s, int64_t *id)
{
    if (!s || !*s || strlen(s) > 18)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return enc_parse_i64(s, 0, INT64_MAX, id);
}

int work_issue_visible(kreq_t *kr, int64_t issue_id, issue_rec_t *i, const char **project_key)
{
    int rc = store_issue_by_id(kr->store, kr->arena, kr->site.id, issue_id, i, project_key);
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc != STORE_OK)
        return -1;
    return perm_allows(kr, i->project_id, "BROWSE_PROJECTS");
}

int work_issue_reload(kreq_t *kr, issue_rec_t *i)
{
    const char *pkey;
    return store_issue_by_id(kr->store, kr->arena, kr->site.id, i->id, i, &pkey);
}

int work_issue(kreq_t *kr, const char *id_or_key, issue_rec_t *i, const char **project_key)
{
    int rc = idkey_issue_get(kr->store, kr->arena, kr->site.id, id_or_key, i, project_key);
    int may = rc == STORE_OK ? perm_allows(kr, i->project_id, "BROWSE_PROJECTS") : 0;
    if ((rc != STORE_OK && rc != STORE_NOTFOUND) || may < 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return -1;
    }
    if (may != 1) { /* missing, or one the caller may not see: the same answer */
        reply_error(kr, 404, 1, WORK_ISSUE_404);
        return -1;
    }
    return 0;
}

int work_page(kreq_t *kr, int64_t dflt, int64_t cap, int64_t *start, int64_t *max)
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

void work_kdate(jsonw_t *w, const char *k, int64_t ms)
{
    char buf[40];
    clock_iso8601(buf, sizeof buf, ms);
    jw_kstr(w, k, buf);
}

/* ---- text: ADF in v3, wiki markup in v2 (product/adf.h) ---- */

/* The stored document parsed (NULL if it does not parse: kiln only stores checked ones). */
static json_t *stored_doc(kreq_t *kr, const char *adf_json)
{
    json_err_t err;
    return json_parse_arena(kr->arena, adf_json, strlen(adf_json), KILN_MAX_JSON_DEPTH, &err);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

const char *work_text_in(kreq_t *kr, json_t *v, const char *field, json_t *errors, int *absent)
{
    *absent = !v || json_is_null(v);
    if (*absent)
        return NULL;
    adf_error_t err;
    json_t *doc = NULL;
    char *text = NULL;
    if (render_v2(kr)) {
        if (!json_is_string(v)) {
            json_object_set_new(errors, field, json_string("Operation value must be a string"));
            return NULL;
        }
        if (utf8_chars(json_string_value(v)) > WORK_TEXT_MAX)
            goto too_long;
        if (adf_from_wiki(kr->arena, json_string_value(v), json_string_length(v), &doc, &err) != ADF_OK) {
            json_object_set_new(errors, field, json_string(err.msg));
            return NULL;
        }
    } else {
        if (!json_is_object(v) || !json_str(v, "type") || strcmp(json_str(v, "type"), "doc") != 0) {
            json_object_set_new(
                errors, field,
                json_string("Operation value must be an Atlassian Document (see the Atlassian Document Format)"));
            return NULL;
        }
        if (adf_check(v, &err) != ADF_OK) {
            json_object_set_new(errors, field, json_string(err.msg));
            return NULL;
        }
        doc = v;
        if (adf_to_text(kr->arena, doc, &text, NULL, &err) != ADF_OK || utf8_chars(text) > WORK_TEXT_MAX)
            goto too_long;
    }
    size_t len;
    const char *json = json_dump_arena(kr->arena, doc, WORK_ADF_MAX, &len);
    if (json)
        return json;
too_long:
    json_object_set_new(
        errors, field, json_string("The entered text is too long. It exceeds the allowed limit of 32,767 characters."));
    return NULL;
}

/* Writes the conversion `fn` of the stored document as a JSON string ("" if it fails:
 * kiln only stores documents adf_check accepted, which always convert). */
static void write_converted(jsonw_t *w, kreq_t *kr, const char *adf_json,
                            int (*fn)(arena_t *, const json_t *, char **, size_t *, adf_error_t *))
{
    json_t *doc = stored_doc(kr, adf_json);
    char *out = NULL;
    size_t len = 0;
    if (!doc || fn(kr->arena, doc, &out, &len, NULL) != ADF_OK)
        jw_str(w, "");
    else
        jw_strn(w, out, len);
}

void work_text_out(jsonw_t *w, kreq_t *kr, const char *adf_json)
{
    if (!adf_json)
        jw_null(w);
    else if (render_v2(kr))
        write_converted(w, kr, adf_json, adf_to_wiki);
    else
        jw_raw(w, adf_json, strlen(adf_json));
}

void work_text_html(jsonw_t *w, kreq_t *kr, const char *adf_json)
{
    if (!adf_json)
        jw_null(w);
    else
        write_converted(w, kr, adf_json, adf_to_html);
}

/* ---- visibility ---- */

const char *work_visibility_in(kreq_t *kr, json_t *v, json_t *errors)
{
    if (!v || json_is_null(v))
        return NULL;
    const char *type = json_is_object(v) ? json_str(v, "type") : NULL;
    const char *value = json_is_object(v) ? json_str(v, "value") : NULL;
    const char *ident = json_is_object(v) ? json_str(v, "identifier") : NULL;
    const char *name = value ? value : ident;
    json_t *out = NULL;
    if (type && strcmp(type, "role") == 0 && name) {
        int64_t rid;
        const role_def_t *r = work_parse_id(name, &rid) == 0 ? role_find(rid) : role_named(name);
        if (!r) {
            char msg[320];
            snprintf(msg, sizeof msg, "You are currently not a member of the project role: %.255s.", name);
            json_object_set_new(errors, "commentLevel", json_string(msg));
            return NULL;
        }
        char id[24];
        out = json_pack("{s:s,s:s,s:s}", "type", "role", "value", r->name, "identifier", enc_i64(id, r->id));
    } else if (type && strcmp(type, "group") == 0 && name && strlen(name) <= 255) {
        out = json_pack("{s:s,s:s,s:s}", "type", "group", "value", name, "identifier", name);
    } else {
        json_object_set_new(errors, "visibility",
                            json_string("The visibility must have a type (role or group) and a value."));
        return NULL;
    }
    size_t len;
    const char *s = json_dump_arena(kr->arena, out, 4096, &len);
    json_decref(out);
    return s;
}

void work_visibility_out(jsonw_t *w, const char *visibility_json)
{
    jw_raw(w, visibility_json, strlen(visibility_json));
}

int work_may_see(kreq_t *kr, int64_t project_id, const char *visibility_json, const char *author)
{
    if (!visibility_json || !perm_is_user(kr))
        return 1;
    if (author && kr->principal.account_id && strcmp(author, kr->principal.account_id) == 0)
        return 1;
    json_err_t err;
    json_t *v = json_parse_arena(kr->arena, visibility_json, strlen(visibility_json), 4, &err);
    const char *type = v ? json_str(v, "type") : NULL;
    if (type && strcmp(type, "role") == 0) {
        int64_t rid;
        const char *ident = json_str(v, "identifier");
        const role_def_t *r = ident && work_parse_id(ident, &rid) == 0 ? role_find(rid) : NULL;
        if (!r)
            return 0;
        for (const char *const *p = r->permissions; *p; p++) {
            int has = perm_allows(kr, project_id, *p);
            if (has != 1)
                return has;
        }
        return 1;
    }
    return perm_allows(kr, 0, "ADMINISTER");
}

/* Reads {"ids": [...]} (numbers, at most WORK_LIST_IDS_MAX): the count, or -1 after
 * answering 400. */
int work_read_ids(kreq_t *kr, int64_t **ids)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return -1;
    json_t *arr = json_object_get(body, "ids");
    if (!json_is_array(arr)) {
        reply_field_errors(kr, 400, json_pack("{s:s}", "ids", "The ids must be an array of ids."));
        return -1;
    }
    size_t n = json_array_size(arr);
    if (n > WORK_LIST_IDS_MAX) {
        reply_error(kr, 400, 1, "The number of ids must not exceed 1000.");
        return -1;
    }
    *ids = arena_alloc(kr->arena, (n + 1) * sizeof **ids);
    if (!*ids)
        kiln_oom(n);
    size_t k = 0, j;
    json_t *v;
    json_array_foreach(arr, j, v)
    {
        int64_t id;
        if (json_is_integer(v) && json_integer_value(v) >= 0)
            (*ids)[k++] = json_integer_value(v);
        else if (json_is_string(v) && work_parse_id(json_string_value(v), &id) == 0)
            (*ids)[k++] = id;
        else {
            reply_error(kr, 400, 1, "The ids must be numbers.");
            return -1;
        }
    }
    return (int)k;
}

int work_parse_datetime(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (!s || strlen(s) > 40 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return -1;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || h < 0 ||
        mi < 0 || sec < 0)
        return -1;
    const char *p = s + 19;
    int frac = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (digits++ < 3)
                frac = frac * 10 + (*p - '0');
        if (digits == 0)
            return -1;
        for (; digits < 3; digits++)
            frac *= 10;
    }
    int offset_min = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (sscanf(p, "%2d%n", &oh, &n) != 1 || n != 2)
            return -1;
        p += 2;
        if (*p == ':')
            p++;
        if (sscanf(p, "%2d%n", &om, &n) != 1 || n != 2 || oh > 14 || om > 59)
            return -1;
        p += 2;
        offset_min = sign * (oh * 60 + om);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    time_t t = timegm(&tm);
    *ms = ((int64_t)t - (int64_t)offset_min * 60) * 1000 + frac;
    return 0;
}

int work_expand_has(const char *expand, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = expand; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0)
            return 1;
        p += len + (e != NULL);
    }
    return 0;
}
