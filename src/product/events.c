/* Change events (product/events.h). */
#include "product/events.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "product/adf.h"
#include "product/idkey.h"
#include "product/issue_view.h"
#include "store/store_events.h"
#include "store/store_product.h"

/* Forge's ids are strings: a numeric member `key` of o becomes one. */
static void id_string(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) {
        char id[24];
        json_object_set_new(o, key, json_string(enc_i64(id, json_integer_value(v))));
    }
}

/* An event about an issue (its payload's `issue` names it by id) carries the issue's
 * fields of this moment, read in the write's transaction: the writers name the issue and
 * the event is completed here, once for all of them. */
static int complete_issue(kreq_t *kr, json_t *payload)
{
    json_t *issue = json_object_get(payload, "issue");
    id_string(json_object_get(payload, "changelog"), "id");
    if (!json_is_object(issue) || json_object_get(issue, "fields"))
        return STORE_OK;
    id_string(issue, "id");
    const char *id = json_str(issue, "id");
    issue_rec_t i;
    const char *pkey;
    int rc = id ? idkey_issue_get(kr->store, kr->arena, kr->site.id, id, &i, &pkey) : STORE_NOTFOUND;
    if (rc == STORE_NOTFOUND)
        return STORE_OK; /* gone in this transaction: the ids it has are what there is */
    json_t *full = rc == STORE_OK ? product_event_issue(kr, &i, pkey) : NULL;
    if (!full)
        return STORE_ERROR;
    json_object_set_new(payload, "issue", full);
    return STORE_OK;
}

int product_event(kreq_t *kr, const char *kind, int64_t entity_id, json_t *payload)
{
    if (!payload)
        payload = json_object();
    if (!payload)
        return STORE_ERROR;
    if (complete_issue(kr, payload) != STORE_OK) {
        json_decref(payload);
        return STORE_ERROR;
    }
    size_t len;
    const char *text = json_dump_arena(kr->arena, payload, 4 * 1024 * 1024, &len);
    json_decref(payload);
    if (!text)
        return STORE_ERROR;
    char id[24];
    enc_i64(id, entity_id);
    event_rec_t e = {
        .kind = kind,
        .created_ms = clock_now_ms(),
        .actor_account_id = kr->principal.kind == PRINCIPAL_USER || kr->principal.kind == PRINCIPAL_APP
                                ? kr->principal.account_id
                                : NULL,
        .entity_id = id,
        .payload_json = text,
    };
    return store_event_append(kr->store, kr->site.id, &e);
}

int product_event_mentions(kreq_t *kr, const char *kind, int64_t entity_id, const char *adf_json, json_t *payload)
{
    json_err_t jerr;
    /* a stored document nests at most ADF_MAX_DEPTH nodes, each an object and a list deep */
    json_t *doc =
        adf_json ? json_parse_arena(kr->arena, adf_json, strlen(adf_json), 2 * ADF_MAX_DEPTH + 8, &jerr) : NULL;
    const char **ids = NULL;
    size_t n = 0;
    const char *self = kr->principal.account_id;
    if (doc && adf_mentions(kr->arena, doc, self, &ids, &n) != ADF_OK) {
        json_decref(payload);
        return STORE_ERROR;
    }
    if (n == 0 || !payload) { /* nobody else mentioned: no event */
        json_decref(payload);
        return payload || n == 0 ? STORE_OK : STORE_ERROR;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(ids[i]));
    json_object_set_new(payload, "mentionedAccountIds", list);
    return product_event(kr, kind, entity_id, payload);
}

/* The fields an issue event carries (Forge's Issue of the events reference), and which
 * of them are users (sent as {accountId} only). */
static const char *const issue_event_fields[] = {"summary", "issuetype", "project", "status",   "priority", "labels",
                                                 "created", "updated",   "creator", "reporter", "assignee"};
static const char *const issue_event_users[] = {"creator", "reporter", "assignee"};

json_t *product_event_issue(kreq_t *kr, const issue_rec_t *i, const char *project_key)
{
    issue_view_t v = {.include = (const char **)issue_event_fields,
                      .ninclude = sizeof issue_event_fields / sizeof *issue_event_fields};
    buf_t b;
    buf_init_arena(&b, kr->arena, 1024 * 1024);
    jsonw_t w;
    jw_init(&w, &b);
    render_issue(&w, kr, i, project_key, &v);
    json_err_t jerr;
    json_t *full = b.len ? json_parse_arena(kr->arena, b.ptr, b.len, 64, &jerr) : NULL;
    json_t *fields = json_object_get(full, "fields");
    if (!json_is_object(fields))
        return NULL;
    json_t *out = json_pack("{s:O?,s:O?,s:O}", "id", json_object_get(full, "id"), "key", json_object_get(full, "key"),
                            "fields", fields);
    json_t *of = json_object_get(out, "fields");
    for (size_t k = 0; of && k < sizeof issue_event_users / sizeof *issue_event_users; k++) {
        json_t *u = json_object_get(of, issue_event_users[k]);
        const char *acc = json_str(u, "accountId");
        json_object_set_new(of, issue_event_users[k], acc ? json_pack("{s:s}", "accountId", acc) : json_null());
    }
    return out;
}
