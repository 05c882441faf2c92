/* Issues: create and get. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/idkey.h"
#include "product/issue_view.h"
#include "product/perm.h"
#include "product/render.h"
#include "product/routes.h"
#include "store/store_product.h"
#include "store/store_sites.h"

static const char *const top_level[] = {"fields", "update", "transition", "historyMetadata", "properties"};

static int known(const char *k, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(k, set[i]) == 0)
            return 1;
    return 0;
}

/* {"accountId": "..."} naming a user of the site, or null. Returns 1 if valid. */
static int user_field(kreq_t *kr, json_t *v, const char **out)
{
    *out = NULL;
    if (!v || json_is_null(v))
        return 1;
    const char *id = json_str(v, "accountId");
    user_rec_t u;
    if (!id || store_user_get(kr->store, kr->arena, kr->site.id, id, &u) != STORE_OK)
        return 0;
    *out = id;
    return 1;
}

void issue_create(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *errors = json_own(kr->arena, json_object());
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        if (!known(k, top_level, sizeof top_level / sizeof *top_level))
            json_object_set_new(errors, k, json_string("Unrecognized field."));
    }
    json_t *fields = json_object_get(body, "fields");
    json_t *update = json_object_get(body, "update");
    if (update && !(json_is_object(update) && json_object_size(update) == 0))
        json_object_set_new(errors, "update",
                            json_string("kiln does not support update operations on create; use fields."));
    if (!json_is_object(fields)) {
        json_object_set_new(errors, "fields", json_string("fields must be an object."));
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }
    static const char *const field_names[] = {"project", "summary", "issuetype", "description", "assignee", "reporter"};
    json_object_foreach(fields, k, v)
    {
        if (!known(k, field_names, sizeof field_names / sizeof *field_names)) {
            char msg[160];
            snprintf(msg, sizeof msg, "Field '%.60s' cannot be set. It is not on the appropriate screen, or unknown.",
                     k);
            json_object_set_new(errors, k, json_string(msg));
        }
    }

    project_rec_t p;
    json_t *proj = json_object_get(fields, "project");
    const char *pref =
        json_is_object(proj) ? (json_str(proj, "id") ? json_str(proj, "id") : json_str(proj, "key")) : NULL;
    int may_browse = 0, may_create = 0;
    if (pref && strlen(pref) <= 64 && idkey_project_get(kr->store, kr->arena, kr->site.id, pref, &p) == STORE_OK) {
        may_browse = perm_allows(kr, p.id, "BROWSE_PROJECTS");
        may_create = may_browse == 1 ? perm_allows(kr, p.id, "CREATE_ISSUES") : may_browse;
    }
    if (may_browse < 0 || may_create < 0) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    if (may_browse != 1) /* unknown, or one the user may not see: the same answer */
        json_object_set_new(errors, "project", json_string("Specify a valid project ID or key"));
    else if (may_create != 1)
        json_object_set_new(errors, "project",
                            json_string("You do not have permission to create issues in this project."));

    json_t *sum = json_object_get(fields, "summary");
    const char *summary = json_string_value(sum);
    if (!summary || !*summary)
        json_object_set_new(errors, "summary", json_string("You must specify a summary of the issue."));
    else if (json_string_length(sum) > 255 || strchr(summary, '\n'))
        json_object_set_new(errors, "summary",
                            json_string("Summary must be less than 255 characters and a single line."));

    json_t *it = json_object_get(fields, "issuetype");
    const issue_type_t *type = NULL;
    if (json_is_object(it)) {
        int64_t tid;
        const char *ts = json_str(it, "id");
        type = ts ? (enc_parse_i64(ts, 1, INT64_MAX, &tid) == 0 ? issue_type_find(tid) : NULL)
                  : issue_type_named(json_str(it, "name"));
    }
    if (type && may_browse == 1 && !issue_type_in_project(p.type_key, type->id))
        type = NULL;
    if (!type)
        json_object_set_new(errors, "issuetype", json_string("Specify an issue type"));

    json_t *desc = json_object_get(fields, "description");
    const char *desc_json = NULL;
    if (desc && !json_is_null(desc)) {
        size_t len;
        if (!json_is_object(desc) || !json_is_string(json_object_get(desc, "type")) ||
            strcmp(json_str(desc, "type"), "doc") != 0 || !json_is_array(json_object_get(desc, "content")))
            json_object_set_new(
                errors, "description",
                json_string("Operation value must be an Atlassian Document (see the Atlassian Document Format)"));
        else if (!(desc_json = json_dump_arena(kr->arena, desc, 1024 * 1024, &len)))
            json_object_set_new(errors, "description", json_string("The description is too large."));
    }
    const char *assignee, *reporter;
    if (!user_field(kr, json_object_get(fields, "assignee"), &assignee))
        json_object_set_new(errors, "assignee", json_string("Specify a valid value for assignee"));
    if (!user_field(kr, json_object_get(fields, "reporter"), &reporter))
        json_object_set_new(errors, "reporter", json_string("Specify a valid value for reporter"));
    if (json_object_size(errors) > 0) {
        reply_field_errors(kr, 400, json_incref(errors));
        return;
    }

    int64_t now = clock_now_ms();
    issue_rec_t i = {
        .project_id = p.id,
        .summary = summary,
        .description_json = desc_json,
        .issuetype_id = type->id,
        .status_id = workflow_for(p.type_key)->statuses[0],
        .priority_id = PRIORITY_DEFAULT,
        .reporter_account_id = reporter ? reporter : kr->principal.account_id,
        .creator_account_id = kr->principal.account_id,
        .original_estimate_s = -1,
        .remaining_estimate_s = -1,
        .time_spent_s = -1,
        .assignee_account_id = assignee,
        .created_ms = now,
        .updated_ms = now,
    };
    if (store_issue_insert(kr->store, kr->site.id, &i) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    char self[1024], id[24], key[96];
    snprintf(self, sizeof self, "%s/rest/api/3/issue/%lld", render_base(kr), (long long)i.id);
    snprintf(id, sizeof id, "%lld", (long long)i.id);
    snprintf(key, sizeof key, "%s-%lld", p.key, (long long)i.num);
    reply_json_new(kr, 201, json_pack("{s:s,s:s,s:s}", "id", id, "key", key, "self", self));
}

void issue_get(kreq_t *kr)
{
    issue_rec_t i;
    const char *pkey;
    int rc = idkey_issue_get(kr->store, kr->arena, kr->site.id, kr->params[0], &i, &pkey);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 1,
                    rc == STORE_NOTFOUND ? "Issue does not exist or you do not have permission to see it."
                                         : "Internal server error");
        return;
    }
    int may = perm_allows(kr, i.project_id, "BROWSE_PROJECTS");
    if (may != 1) { /* one the user may not see: the same answer as none */
        reply_error(kr, may < 0 ? 500 : 404, 1,
                    may < 0 ? "Internal server error"
                            : "Issue does not exist or you do not have permission to see it.");
        return;
    }
    issue_view_t v;
    char err[160];
    int bad = 0;
    const char *fields = kreq_query(kr, "fields", &bad), *expand = kreq_query(kr, "expand", &bad),
               *props = kreq_query(kr, "properties", &bad);
    if (bad) {
        reply_error(kr, 400, 1, "A query parameter is malformed.");
        return;
    }
    if (issue_view_parse(kr->arena, fields, "*all", expand, props, &v, err, sizeof err) != 0) {
        reply_error(kr, 400, 1, err);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    render_issue(w, kr, &i, pkey, &v);
    reply_writer(kr, 200, w);
}
