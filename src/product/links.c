/* Issue links and link types (product/links.h). */
#include "product/links.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/events.h"
#include "product/idkey.h"
#include "product/issue_view.h"
#include "product/model.h"
#include "product/perm.h"
#include "product/render.h"
#include "store/store_links.h"

#define NO_ISSUE "Issue does not exist or you do not have permission to see it."
#define NO_LINK "No issue link with id '%s' exists."

static void render_link_type(jsonw_t *w, kreq_t *kr, const link_type_def_t *t)
{
    char id[24];
    enc_i64(id, t->id);
    jw_obj(w);
    jw_kstr(w, "id", id);
    jw_kstr(w, "name", t->name);
    jw_kstr(w, "inward", t->inward);
    jw_kstr(w, "outward", t->outward);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/issueLinkType/", id);
    jw_obj_end(w);
}

/* The issue of this id if the caller may browse it: 1, 0 (missing or hidden), -1. */
static int visible(kreq_t *kr, int64_t id, issue_rec_t *out, const char **pkey)
{
    int rc = store_issue_by_id(kr->store, kr->arena, kr->site.id, id, out, pkey);
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc != STORE_OK)
        return -1;
    return perm_allows(kr, out->project_id, "BROWSE_PROJECTS");
}

void render_issue_links(jsonw_t *w, kreq_t *kr, const issue_rec_t *i)
{
    link_rec_t *l;
    size_t n = 0;
    jw_arr(w);
    if (store_links_of_issue(kr->store, kr->arena, kr->site.id, i->id, &l, &n) != STORE_OK)
        n = 0;
    for (size_t k = 0; k < n; k++) {
        int out = l[k].outward_issue_id == i->id;
        issue_rec_t other;
        const char *pk;
        const link_type_def_t *t = link_type_find(l[k].type_id);
        if (!t || visible(kr, out ? l[k].inward_issue_id : l[k].outward_issue_id, &other, &pk) != 1)
            continue;
        char id[24];
        enc_i64(id, l[k].id);
        jw_obj(w);
        jw_kstr(w, "id", id);
        jw_key(w, "self");
        JW_STRCAT(w, render_base(kr), "/rest/api/3/issueLink/", id);
        jw_key(w, "type");
        render_link_type(w, kr, t);
        jw_key(w, out ? "outwardIssue" : "inwardIssue");
        render_issue_ref(w, kr, &other, pk);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* {"id"} or {"key"} of an issue the caller may browse; 1, 0, -1 as visible(). */
static int issue_ref(kreq_t *kr, json_t *v, issue_rec_t *out, const char **pkey)
{
    const char *s = json_str(v, "key");
    if (!s)
        s = json_str(v, "id");
    if (!s || strlen(s) > 128)
        return 0;
    int rc = idkey_issue_get(kr->store, kr->arena, kr->site.id, s, out, pkey);
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc != STORE_OK)
        return -1;
    return perm_allows(kr, out->project_id, "BROWSE_PROJECTS");
}

/* Forge's issue link event (events-reference/jira/#issue-link-events): the link's id, its
 * source (outward) and destination (inward) issues' ids, as strings, and the link type as
 * {id, name, outwardName, inwardName, isSubTaskLinkType, isSystemLinkType}. */
static json_t *link_payload(const link_rec_t *l)
{
    char id[24], src[24], dst[24], tid[24];
    const link_type_def_t *t = link_type_find(l->type_id);
    return json_pack("{s:s,s:s,s:s,s:{s:s,s:s?,s:s?,s:s?,s:b,s:b}}", "id", enc_i64(id, l->id), "sourceIssueId",
                     enc_i64(src, l->outward_issue_id), "destinationIssueId", enc_i64(dst, l->inward_issue_id),
                     "issueLinkType", "id", enc_i64(tid, l->type_id), "name", t ? t->name : NULL, "outwardName",
                     t ? t->outward : NULL, "inwardName", t ? t->inward : NULL, "isSubTaskLinkType", 0,
                     "isSystemLinkType", 0);
}

void issue_link_create(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *type = json_object_get(body, "type");
    const link_type_def_t *t = NULL;
    if (json_is_object(type)) {
        int64_t id;
        const char *ts = json_str(type, "id");
        t = ts ? (enc_parse_i64(ts, 1, INT64_MAX, &id) == 0 ? link_type_find(id) : NULL)
               : link_type_named(json_str(type, "name"));
    }
    if (!t) {
        reply_error(kr, 404, 1, "No issue link type with name or id was found.");
        return;
    }
    issue_rec_t in, out;
    const char *ink, *outk;
    int a = issue_ref(kr, json_object_get(body, "inwardIssue"), &in, &ink);
    int b = a == 1 ? issue_ref(kr, json_object_get(body, "outwardIssue"), &out, &outk) : a;
    if (a < 0 || b < 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    if (a != 1 || b != 1) {
        reply_error(kr, 404, 1, NO_ISSUE);
        return;
    }
    if (in.id == out.id) {
        reply_error(kr, 400, 1, "You cannot link an issue to itself.");
        return;
    }
    int may = perm_allows(kr, out.project_id, "EDIT_ISSUES");
    if (may != 1) {
        reply_error(kr, may < 0 ? 500 : 403, 1,
                    may < 0 ? "Internal server error" : "You do not have the permission to link issues.");
        return;
    }
    link_rec_t l = {
        .type_id = t->id, .outward_issue_id = out.id, .inward_issue_id = in.id, .created_ms = clock_now_ms()};
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_link_insert(kr->store, kr->site.id, &l);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_LINK_CREATED, l.id, link_payload(&l));
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc == STORE_CONFLICT) {
        reply_error(kr, 400, 1, "These issues are already linked by this link type.");
        return;
    }
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    char id[24];
    enc_i64(id, l.id);
    reply_header(kr, "location", arena_printf(kr->arena, "%s/rest/api/3/issueLink/%s", render_base(kr), id));
    reply_raw(kr, 201, "application/json", "", 0);
}

/* The link of the path if the caller sees both its issues; replies and returns -1 if not. */
static int path_link(kreq_t *kr, link_rec_t *l, issue_rec_t *in, const char **ink, issue_rec_t *out, const char **outk)
{
    int64_t id;
    int rc = enc_parse_i64(kr->params[0], 1, INT64_MAX, &id) == 0 ? store_link_get(kr->store, kr->site.id, id, l)
                                                                  : STORE_NOTFOUND;
    int a = rc == STORE_OK ? visible(kr, l->inward_issue_id, in, ink) : rc == STORE_NOTFOUND ? 0 : -1;
    int b = a == 1 ? visible(kr, l->outward_issue_id, out, outk) : a;
    if (a < 0 || b < 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return -1;
    }
    if (a != 1 || b != 1) {
        char msg[200];
        snprintf(msg, sizeof msg, NO_LINK, strlen(kr->params[0]) < 40 ? kr->params[0] : "?");
        reply_error(kr, 404, 1, msg);
        return -1;
    }
    return 0;
}

void issue_link_get(kreq_t *kr)
{
    link_rec_t l;
    issue_rec_t in, out;
    const char *ink, *outk;
    if (path_link(kr, &l, &in, &ink, &out, &outk) != 0)
        return;
    char id[24];
    enc_i64(id, l.id);
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kstr(w, "id", id);
    jw_key(w, "self");
    JW_STRCAT(w, render_base(kr), "/rest/api/3/issueLink/", id);
    jw_key(w, "type");
    render_link_type(w, kr, link_type_find(l.type_id));
    jw_key(w, "inwardIssue");
    render_issue_ref(w, kr, &in, ink);
    jw_key(w, "outwardIssue");
    render_issue_ref(w, kr, &out, outk);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void issue_link_delete(kreq_t *kr)
{
    link_rec_t l;
    issue_rec_t in, out;
    const char *ink, *outk;
    if (path_link(kr, &l, &in, &ink, &out, &outk) != 0)
        return;
    int may = perm_allows(kr, out.project_id, "EDIT_ISSUES");
    if (may != 1) {
        reply_error(kr, may < 0 ? 500 : 403, 1,
                    may < 0 ? "Internal server error" : "You do not have the permission to delete links.");
        return;
    }
    int rc = store_begin(kr->store);
    if (rc == STORE_OK)
        rc = store_link_delete(kr->store, kr->site.id, l.id);
    if (rc == STORE_OK)
        rc = product_event(kr, EV_LINK_DELETED, l.id, link_payload(&l));
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

void issue_link_types(kreq_t *kr)
{
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "issueLinkTypes");
    jw_arr(w);
    for (size_t i = 0; i < model_link_types_len; i++)
        render_link_type(w, kr, &model_link_types[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void issue_link_type_get(kreq_t *kr)
{
    int64_t id;
    const link_type_def_t *t = enc_parse_i64(kr->params[0], 1, INT64_MAX, &id) == 0 ? link_type_find(id) : NULL;
    if (!t) {
        char msg[200];
        snprintf(msg, sizeof msg, "No issue link type with id '%s' exists.",
                 strlen(kr->params[0]) < 40 ? kr->params[0] : "?");
        reply_error(kr, 404, 1, msg);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_link_type(w, kr, t);
    reply_writer(kr, 200, w);
}
