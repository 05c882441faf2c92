#include "platform/uictx.h"

#include <stdio.h>
#include <string.h>

#include "base/enc.h"
#include "base/json.h"
#include "platform/invoke.h"
#include "product/idkey.h"
#include "product/perm.h"
#include "store/store_product.h"

/* The depth of j (a scalar is 0). */
static size_t depth(json_t *j)
{
    size_t d = 0, i;
    const char *k;
    json_t *v;
    if (json_is_object(j))
        json_object_foreach(j, k, v)
        {
            size_t x = depth(v);
            d = x > d ? x : d;
        }
    else if (json_is_array(j))
        json_array_foreach(j, i, v)
        {
            size_t x = depth(v);
            d = x > d ? x : d;
        }
    return json_is_object(j) || json_is_array(j) ? d + 1 : 0;
}

/* {key} or {id} of an issue or project, as a string; NULL if neither is usable. */
static const char *ref(arena_t *a, json_t *o)
{
    json_t *id = json_object_get(o, "id"), *key = json_object_get(o, "key");
    if (json_is_string(key) && json_string_length(key) && json_string_length(key) <= 64)
        return json_string_value(key);
    if (json_is_integer(id))
        return arena_printf(a, "%lld", (long long)json_integer_value(id));
    if (json_is_string(id) && json_string_length(id) && json_string_length(id) <= 20)
        return json_string_value(id);
    return NULL;
}

static json_t *project_json(const project_rec_t *p)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)p->id);
    return json_pack("{s:s,s:s,s:s}", "id", id, "key", p->key, "type", p->type_key);
}

int uictx_build(store_t *st, arena_t *a, const site_rec_t *site, const env_rec_t *env, const char *app_id,
                const char *module_key, const char *module_type, const user_rec_t *user, json_t *ext,
                const char *public_url, json_t **out, const char **err)
{
    *err = NULL;
    const char *account_id = user->account_id;
    if (ext && !json_is_object(ext)) {
        *err = "extension must be a JSON object (e.g. {\"issue\":{\"key\":\"WEB-1\"}}).";
        return 400;
    }
    size_t len = 0;
    if (ext && (json_object_size(ext) > UICTX_EXT_MEMBERS || depth(ext) > UICTX_EXT_DEPTH ||
                !json_dump_arena(a, ext, UICTX_EXT_BYTES, &len))) {
        *err = arena_printf(a, "extension takes at most %d members, %d levels and %d bytes.", UICTX_EXT_MEMBERS,
                            UICTX_EXT_DEPTH, UICTX_EXT_BYTES);
        return 400;
    }
    if (json_object_get(ext, "type")) {
        *err = "extension.type is the module's type, from the manifest: do not set it.";
        return 400;
    }
    json_t *x = json_own(a, ext ? json_deep_copy(ext) : json_object());
    json_object_set_new(x, "type", json_string(module_type));
    json_t *issue = json_object_get(x, "issue"), *project = json_object_get(x, "project");
    if (issue) {
        issue_rec_t is;
        const char *pkey, *r = json_is_object(issue) ? ref(a, issue) : NULL;
        project_rec_t p;
        if (!r) {
            *err = "extension.issue must be {\"key\": \"KEY-1\"} or {\"id\": \"10001\"}.";
            return 400;
        }
        if (idkey_issue_get(st, a, site->id, r, &is, &pkey) != STORE_OK ||
            store_project_by_id(st, a, site->id, is.project_id, &p) != STORE_OK ||
            perm_user_has(st, site->id, account_id, is.project_id, "BROWSE_PROJECTS") != 1) {
            *err = "No such issue on this site, or the user cannot see it.";
            return 404;
        }
        char id[24], type_id[24];
        enc_i64(id, is.id);
        enc_i64(type_id, is.issuetype_id);
        json_object_set_new(x, "issue",
                            json_pack("{s:s,s:s,s:s}", "id", id, "key",
                                      arena_printf(a, "%s-%lld", pkey, (long long)is.num), "typeId", type_id));
        if (project) { /* it must be the issue's own */
            const char *pr = json_is_object(project) ? ref(a, project) : NULL;
            if (!pr || (strcmp(pr, p.key) != 0 && strcmp(pr, arena_printf(a, "%lld", (long long)p.id)) != 0)) {
                *err = "extension.project must be the project of extension.issue.";
                return 400;
            }
        }
        json_object_set_new(x, "project", project_json(&p));
    } else if (project) {
        project_rec_t p;
        const char *r = json_is_object(project) ? ref(a, project) : NULL;
        if (!r) {
            *err = "extension.project must be {\"key\": \"KEY\"} or {\"id\": \"10000\"}.";
            return 400;
        }
        if (idkey_project_get(st, a, site->id, r, &p) != STORE_OK ||
            perm_user_has(st, site->id, account_id, p.id, "BROWSE_PROJECTS") != 1) {
            *err = "No such project on this site, or the user cannot see it.";
            return 404;
        }
        json_object_set_new(x, "project", project_json(&p));
    }
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "cloudId", site->cloud_id, "siteUrl",
                  arena_printf(a, "%s/ex/jira/%s", public_url, site->cloud_id), "moduleKey", module_key, "localId",
                  invoke_local_id(a, app_id, env->id, module_key), "environmentId", env->id, "environmentType",
                  strcmp(env->key, "production") == 0 ? "PRODUCTION"
                  : strcmp(env->key, "staging") == 0  ? "STAGING"
                                                      : "DEVELOPMENT",
                  "extension", x);
    if (o) { /* who is looking: a licensed user of the site, in their time zone and locale */
        json_object_set_new(o, "accountType", json_string("licensed"));
        json_object_set_new(o, "timezone", json_string(user->time_zone));
        json_object_set_new(o, "locale", json_string(user->locale));
    }
    *out = json_own(a, o);
    return o ? 0 : 500;
}
