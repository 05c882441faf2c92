/* DevOps data: builds, deployments, development information (product/devops.h). One
 * table of the three kinds says what differs: the list's name in a submission, how an
 * entity's key and update sequence are read, the answer's names. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "product/devops.h"
#include "product/idkey.h"
#include "store/store_devops.h"
#include "store/store_product.h"

enum kind { K_BUILD, K_DEPLOYMENT, K_REPOSITORY };

static const struct devops_kind {
    const char *kind;     /* the store's */
    const char *list;     /* the submission's array */
    const char *accepted; /* the answer's arrays */
    const char *rejected;
    const char *seq; /* the update sequence's name */
} kinds[] = {
    [K_BUILD] = {"build", "builds", "acceptedBuilds", "rejectedBuilds", "updateSequenceNumber"},
    [K_DEPLOYMENT] = {"deployment", "deployments", "acceptedDeployments", "rejectedDeployments",
                      "updateSequenceNumber"},
    [K_REPOSITORY] = {"repository", "repositories", "acceptedDevinfoEntities", "failedDevinfoEntities",
                      "updateSequenceId"},
};

/* What each entity must carry (Atlassian's schemas: a dotted path is a member of a
 * member), and the values of its enumerations. */
static const char *const build_required[] = {"pipelineId", "buildNumber", "displayName",          "url",
                                             "state",      "lastUpdated", "updateSequenceNumber", NULL};
static const char *const deployment_required[] = {"deploymentSequenceNumber",
                                                  "updateSequenceNumber",
                                                  "displayName",
                                                  "url",
                                                  "description",
                                                  "lastUpdated",
                                                  "state",
                                                  "pipeline.id",
                                                  "pipeline.displayName",
                                                  "pipeline.url",
                                                  "environment.id",
                                                  "environment.displayName",
                                                  "environment.type",
                                                  NULL};
static const char *const repository_required[] = {"id", "name", "updateSequenceId", "url", NULL};
static const char *const commit_required[] = {"id",          "issueKeys",    "updateSequenceId",
                                              "author.name", "author.email", "authorTimestamp",
                                              "displayId",   "fileCount",    "hash",
                                              "message",     "url",          NULL};
static const char *const branch_required[] = {"id", "issueKeys", "updateSequenceId", "lastCommit", "name", "url", NULL};
static const char *const pr_required[] = {
    "id",        "issueKeys",  "updateSequenceId", "author.name", "author.email", "commentCount",
    "displayId", "lastUpdate", "sourceBranch",     "status",      "title",        "url",
    NULL};
static const char *const build_states[] = {"pending",   "in_progress", "successful", "failed",
                                           "cancelled", "unknown",     NULL};
static const char *const deployment_states[] = {"unknown", "pending",     "in_progress", "cancelled",
                                                "failed",  "rolled_back", "successful",  NULL};
static const char *const environment_types[] = {"unmapped", "development", "testing", "staging", "production", NULL};

/* The first required path o lacks (arena), or NULL. */
static const char *lacks(kreq_t *kr, json_t *o, const char *const *paths)
{
    for (; *paths; paths++) {
        json_t *v = o;
        const char *p = *paths, *dot;
        while (v && (dot = strchr(p, '.'))) {
            v = json_object_get(v, arena_strndup(kr->arena, p, (size_t)(dot - p)));
            p = dot + 1;
        }
        v = v ? json_object_get(v, p) : NULL;
        if (!v || json_is_null(v))
            return arena_printf(kr->arena, "'%s' is required", *paths);
    }
    return NULL;
}

static int one_of(json_t *v, const char *const *set)
{
    for (const char *s = json_string_value(v); s && *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

/* Why the entity does not match its kind's schema, or NULL. */
static const char *schema_error(kreq_t *kr, enum kind k, json_t *e)
{
    const char *why;
    if (k == K_BUILD) {
        if ((why = lacks(kr, e, build_required)))
            return why;
        if (!one_of(json_object_get(e, "state"), build_states))
            return "state must be pending, in_progress, successful, failed, cancelled or unknown";
        return NULL;
    }
    if (k == K_DEPLOYMENT) {
        if ((why = lacks(kr, e, deployment_required)))
            return why;
        if (!one_of(json_object_get(e, "state"), deployment_states))
            return "state must be unknown, pending, in_progress, cancelled, failed, rolled_back or successful";
        if (!one_of(json_object_get(json_object_get(e, "environment"), "type"), environment_types))
            return "environment.type must be unmapped, development, testing, staging or production";
        return NULL;
    }
    if ((why = lacks(kr, e, repository_required)))
        return why;
    static const struct {
        const char *list;
        const char *const *required;
    } children[] = {{"commits", commit_required}, {"branches", branch_required}, {"pullRequests", pr_required}};
    for (size_t c = 0; c < sizeof children / sizeof *children; c++) {
        size_t i;
        json_t *ch;
        json_array_foreach(json_object_get(e, children[c].list), i, ch)
        {
            if ((why = lacks(kr, ch, children[c].required)) ||
                (c == 1 && (why = lacks(kr, json_object_get(ch, "lastCommit"), commit_required))))
                return arena_printf(kr->arena, "%s[%zu]: %s", children[c].list, i, why);
        }
    }
    return NULL;
}

/* Only apps: a user's token gets Jira's 403. */
static int app_only(kreq_t *kr)
{
    if (kr->principal.kind == PRINCIPAL_APP)
        return 1;
    reply_error(kr, 403, 1, "Only apps can use the DevOps APIs: call them with the app's credentials.");
    return 0;
}

static int short_str(json_t *v, size_t max)
{
    return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= max;
}

/* The entity's key (a JSON array text, arena) and its key object for the answer, or
 * NULL with *why set. */
static const char *entity_key(kreq_t *kr, enum kind k, json_t *e, json_t **keyobj, const char **why)
{
    json_t *arr = NULL;
    *keyobj = NULL;
    if (k == K_BUILD) {
        json_t *p = json_object_get(e, "pipelineId"), *n = json_object_get(e, "buildNumber");
        if (!short_str(p, DEVOPS_MAX_ID) || !json_is_integer(n) || json_integer_value(n) < 0) {
            *why = "pipelineId (a string of 1 to 255 characters) and buildNumber (a non-negative integer) are required";
            return NULL;
        }
        arr = json_pack("[O,O]", p, n);
        *keyobj = json_pack("{s:O,s:O}", "pipelineId", p, "buildNumber", n);
    } else if (k == K_DEPLOYMENT) {
        json_t *p = json_object_get(json_object_get(e, "pipeline"), "id"),
               *env = json_object_get(json_object_get(e, "environment"), "id"),
               *n = json_object_get(e, "deploymentSequenceNumber");
        if (!short_str(p, DEVOPS_MAX_ID) || !short_str(env, DEVOPS_MAX_ID) || !json_is_integer(n) ||
            json_integer_value(n) < 0) {
            *why = "pipeline.id, environment.id (strings of 1 to 255 characters) and deploymentSequenceNumber "
                   "(a non-negative integer) are required";
            return NULL;
        }
        arr = json_pack("[O,O,O]", p, env, n);
        *keyobj = json_pack("{s:O,s:O,s:O}", "pipelineId", p, "environmentId", env, "deploymentSequenceNumber", n);
    } else {
        json_t *id = json_object_get(e, "id");
        if (!short_str(id, DEVOPS_MAX_REPO_ID)) {
            *why = "id (a string of 1 to 1024 characters) is required";
            return NULL;
        }
        arr = json_pack("[O]", id);
        *keyobj = json_incref(id);
    }
    size_t len;
    const char *s = arr ? json_dump_arena(kr->arena, arr, 4096, &len) : NULL;
    json_decref(arr);
    if (!s)
        *why = "the entity's key is too long";
    return s;
}

/* The issue keys an entity names: its issueKeys, its associations of type issueKeys or
 * issueIdOrKeys, and (repositories) those of its commits, branches and pull requests.
 * Appends each to `keys` (a JSON array, duplicates dropped by the caller). -1 with *why
 * when a list is malformed or over its limit. */
static int add_keys(json_t *keys, json_t *list, const char **why)
{
    if (!list)
        return 0;
    if (!json_is_array(list) || json_array_size(list) > DEVOPS_MAX_ISSUE_KEYS) {
        *why = "issueKeys must be an array of at most 500 issue keys";
        return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!short_str(v, DEVOPS_MAX_ID)) {
            *why = "an issue key must be a string of 1 to 255 characters";
            return -1;
        }
        json_array_append(keys, v);
    }
    if (json_array_size(keys) > DEVOPS_MAX_ISSUE_KEYS) {
        *why = "an entity can name at most 500 issue keys";
        return -1;
    }
    return 0;
}

static int entity_keys(enum kind k, json_t *e, json_t *keys, json_t *idkeys, const char **why)
{
    if (add_keys(keys, json_object_get(e, "issueKeys"), why) != 0)
        return -1;
    json_t *assoc = json_object_get(e, "associations");
    if (assoc && !json_is_array(assoc)) {
        *why = "associations must be an array";
        return -1;
    }
    size_t i;
    json_t *a;
    json_array_foreach(assoc, i, a)
    {
        const char *t = json_str(a, "associationType");
        json_t *into = !t ? NULL : strcmp(t, "issueKeys") == 0 ? keys : strcmp(t, "issueIdOrKeys") == 0 ? idkeys : NULL;
        if (into && add_keys(into, json_object_get(a, "values"), why) != 0)
            return -1;
        if (json_array_size(keys) + json_array_size(idkeys) > DEVOPS_MAX_ISSUE_KEYS) {
            *why = "an entity can name at most 500 issue keys";
            return -1;
        }
    }
    if (k != K_REPOSITORY)
        return 0;
    static const char *const children[] = {"commits", "branches", "pullRequests"};
    for (size_t c = 0; c < 3; c++) {
        json_t *list = json_object_get(e, children[c]);
        if (!list)
            continue;
        if (!json_is_array(list) || json_array_size(list) > DEVOPS_MAX_CHILDREN) {
            *why = "commits, branches and pullRequests must be arrays of at most 400 entries";
            return -1;
        }
        json_t *ch;
        json_array_foreach(list, i, ch)
        {
            if (!json_is_object(ch) || !short_str(json_object_get(ch, "id"), DEVOPS_MAX_REPO_ID)) {
                *why = "every commit, branch and pull request needs an id";
                return -1;
            }
            if (add_keys(keys, json_object_get(ch, "issueKeys"), why) != 0)
                return -1;
        }
    }
    return 0;
}

/* The submission's properties as JSON text, or NULL; -1 when malformed. */
static int read_properties(kreq_t *kr, json_t *props, const char **out)
{
    *out = NULL;
    if (!props || json_is_null(props))
        return 0;
    if (!json_is_object(props) || json_object_size(props) > DEVOPS_MAX_PROPERTIES)
        return -1;
    const char *k;
    json_t *v;
    json_object_foreach(props, k, v)
    {
        size_t n = strlen(k);
        if (!n || n > DEVOPS_MAX_ID || k[0] == '_' || !short_str(v, DEVOPS_MAX_ID))
            return -1;
        for (size_t i = 0; i < n; i++)
            if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= '0' && k[i] <= '9') ||
                  k[i] == '_' || k[i] == '-' || k[i] == '.'))
                return -1;
    }
    size_t len;
    *out = json_dump_arena(kr->arena, props, 4096, &len);
    return *out ? 0 : -1;
}

/* The key (PROJECT-N, arena) of the site's issue that `ref` names, or NULL: an issue key
 * only, or (ids_too, for issueIdOrKeys associations) an issue id as well. */
static const char *issue_key_of(kreq_t *kr, const char *ref, int ids_too)
{
    idkey_t k;
    issue_rec_t i;
    const char *pk;
    int kind = idkey_issue(kr->arena, ref, &k);
    if ((kind != IDKEY_KEY && !(ids_too && kind == IDKEY_ID)) ||
        idkey_issue_get(kr->store, kr->arena, kr->site.id, ref, &i, &pk) != STORE_OK)
        return NULL;
    return arena_printf(kr->arena, "%s-%lld", pk, (long long)i.num);
}

static void bulk(kreq_t *kr, enum kind k)
{
    if (!app_only(kr))
        return;
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    const struct devops_kind *d = &kinds[k];
    json_t *list = json_object_get(body, d->list);
    if (!json_is_array(list)) {
        reply_error(kr, 400, 1, arena_printf(kr->arena, "%s must be an array.", d->list));
        return;
    }
    if (json_array_size(list) > DEVOPS_MAX_ENTITIES) {
        reply_error(kr, 400, 1,
                    arena_printf(kr->arena, "At most %d %s can be sent in one request.", DEVOPS_MAX_ENTITIES, d->list));
        return;
    }
    const char *props;
    if (read_properties(kr, json_object_get(body, "properties"), &props) != 0) {
        reply_error(kr, 400, 1,
                    "properties must be an object of at most 5 entries, keys of [A-Za-z0-9_.-] not starting with _, "
                    "values strings of 1 to 255 characters.");
        return;
    }
    /* an entity whose key cannot be read cannot be answered for: the request is refused whole */
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *why = "an entity must be an object";
        json_t *keyobj = NULL;
        if (!json_is_object(e) || !entity_key(kr, k, e, &keyobj, &why)) {
            reply_error(kr, 400, 1, arena_printf(kr->arena, "%s[%zu]: %s.", d->list, i, why));
            return;
        }
        json_decref(keyobj);
    }
    json_t *accepted = json_own(kr->arena, k == K_REPOSITORY ? json_object() : json_array());
    json_t *rejected = json_own(kr->arena, k == K_REPOSITORY ? json_object() : json_array());
    json_t *unknown = json_own(kr->arena, json_array());
    json_t *unknown_set = json_own(kr->arena, json_object());
    int64_t now = clock_now_ms();
    int rc = store_begin(kr->store);
    json_array_foreach(list, i, e)
    {
        if (rc != STORE_OK)
            break;
        const char *why = NULL;
        json_t *keyobj = NULL, *keys = json_array(), *idkeys = json_array();
        const char *key = entity_key(kr, k, e, &keyobj, &why);
        json_t *seq = json_object_get(e, d->seq);
        why = schema_error(kr, k, e);
        if (!why && (!json_is_integer(seq) || json_integer_value(seq) < 0))
            why = arena_printf(kr->arena, "%s (a non-negative integer) is required", d->seq);
        if (!why)
            entity_keys(k, e, keys, idkeys, &why);
        size_t len = 0;
        const char *doc = !why ? json_dump_arena(kr->arena, e, DEVOPS_MAX_DOC, &len) : NULL;
        if (!why && !doc)
            why = "the entity is larger than 256 KiB";
        /* the keys the site has; an entity that names only unknown ones is rejected */
        size_t nplain = json_array_size(keys), nk = nplain + json_array_size(idkeys), known = 0;
        const char **kk = arena_alloc(kr->arena, (nk ? nk : 1) * sizeof *kk);
        for (size_t j = 0; !why && j < nk; j++) {
            const char *s =
                json_string_value(j < nplain ? json_array_get(keys, j) : json_array_get(idkeys, j - nplain));
            const char *found = issue_key_of(kr, s, j >= nplain);
            if (!found) {
                if (!json_object_get(unknown_set, s)) {
                    json_object_set_new(unknown_set, s, json_true());
                    json_array_append_new(unknown, json_string(s));
                }
                continue;
            }
            int dup = 0;
            for (size_t m = 0; m < known; m++)
                dup |= strcmp(kk[m], found) == 0;
            if (!dup)
                kk[known++] = found;
        }
        if (!why && nk && !known)
            why = "The entity is associated only with issue keys that do not exist on this site.";
        if (why) {
            json_t *err = json_pack("[{s:s}]", "message", why);
            if (k == K_REPOSITORY)
                json_object_set_new(rejected, json_string_value(keyobj),
                                    json_pack("[{s:s,s:o}]", "key", "repository", "errors", err));
            else
                json_array_append_new(rejected, json_pack("{s:O,s:o}", "key", keyobj, "errors", err));
        } else {
            devops_rec_t r = {.app_id = kr->principal.account_id,
                              .kind = d->kind,
                              .entity_key = key,
                              .update_sequence = json_integer_value(seq),
                              .doc_json = doc,
                              .properties_json = props,
                              .updated_ms = now};
            rc = store_devops_put(kr->store, kr->site.id, &r, kk, known);
            if (rc == STORE_CONFLICT) /* an older update: accepted, and ignored (as Atlassian's) */
                rc = STORE_OK;
            if (k == K_REPOSITORY) {
                json_t *acc = json_object();
                static const char *const children[] = {"commits", "branches", "pullRequests"};
                for (size_t c = 0; c < 3; c++) {
                    json_t *ids = json_array(), *ch;
                    size_t x;
                    json_array_foreach(json_object_get(e, children[c]), x, ch)
                        json_array_append(ids, json_object_get(ch, "id"));
                    json_object_set_new(acc, children[c], ids);
                }
                json_object_set_new(accepted, json_string_value(keyobj), acc);
            } else
                json_array_append(accepted, keyobj);
        }
        json_decref(keyobj);
        json_decref(keys);
        json_decref(idkeys);
    }
    if (rc == STORE_OK)
        rc = store_commit(kr->store);
    else
        store_rollback(kr->store);
    if (rc != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    json_t *out = json_pack("{s:O,s:O,s:O}", d->accepted, accepted, d->rejected, rejected, "unknownIssueKeys", unknown);
    reply_json_new(kr, 202, out);
}

/* The stored key of the entity the path names. */
static const char *path_key(kreq_t *kr, enum kind k)
{
    int64_t n;
    json_t *arr = NULL;
    if (k == K_BUILD && enc_parse_i64(kr->params[1], 0, INT64_MAX, &n) == 0)
        arr = json_pack("[s,I]", kr->params[0], (json_int_t)n);
    else if (k == K_DEPLOYMENT && enc_parse_i64(kr->params[2], 0, INT64_MAX, &n) == 0)
        arr = json_pack("[s,s,I]", kr->params[0], kr->params[1], (json_int_t)n);
    else if (k == K_REPOSITORY)
        arr = json_pack("[s]", kr->params[0]);
    size_t len;
    const char *s = arr ? json_dump_arena(kr->arena, arr, 4096, &len) : NULL;
    json_decref(arr);
    return s;
}

static const char *const missing[] = {
    [K_BUILD] = "No build found with the given key.",
    [K_DEPLOYMENT] = "No deployment found with the given key.",
    [K_REPOSITORY] = "No repository found with the given id.",
};

static void get(kreq_t *kr, enum kind k)
{
    if (!app_only(kr))
        return;
    const char *key = path_key(kr, k);
    devops_rec_t r;
    int rc = key ? store_devops_get(kr->store, kr->arena, kr->site.id, kr->principal.account_id, kinds[k].kind, key, &r)
                 : STORE_NOTFOUND;
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 1,
                    rc == STORE_NOTFOUND ? missing[k] : "Internal server error");
        return;
    }
    reply_raw(kr, 200, "application/json", r.doc_json, strlen(r.doc_json));
}

/* The _updateSequenceNumber (_updateSequenceId for devinfo) of a delete: only data with
 * an update sequence at most this goes. *max -1 when absent; -1 after a 400. */
static int max_sequence(kreq_t *kr, enum kind k, int64_t *max)
{
    *max = -1;
    if (kreq_query_int(kr, k == K_REPOSITORY ? "_updateSequenceId" : "_updateSequenceNumber", 0, INT64_MAX, max) == 0)
        return 0;
    reply_error(kr, 400, 1, "The update sequence parameter must be a non-negative integer.");
    return -1;
}

static void del(kreq_t *kr, enum kind k)
{
    int64_t max;
    if (!app_only(kr) || max_sequence(kr, k, &max) != 0)
        return;
    const char *key = path_key(kr, k);
    int rc = key ? store_devops_delete(kr->store, kr->site.id, kr->principal.account_id, kinds[k].kind, key, max)
                 : STORE_NOTFOUND;
    if (rc != STORE_OK && rc != STORE_NOTFOUND) { /* Atlassian: 202 whether or not it existed */
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    reply_raw(kr, 202, "application/json", "", 0);
}

/* DELETE .../bulkByProperties?key=value&...: the app's entities with all those properties. */
static void del_by_props(kreq_t *kr, enum kind k)
{
    int64_t max;
    if (!app_only(kr) || max_sequence(kr, k, &max) != 0)
        return;
    json_t *props = json_own(kr->arena, json_object());
    const char *q = kr->query ? kr->query : "";
    size_t qn = kr->query ? kr->query_len : 0;
    for (size_t at = 0; at < qn;) {
        size_t end = at;
        while (end < qn && q[end] != '&')
            end++;
        size_t eq = at;
        while (eq < end && q[eq] != '=')
            eq++;
        char *name = arena_alloc(kr->arena, eq - at + 1), *val = arena_alloc(kr->arena, end - eq + 1);
        if (eq >= end || enc_pct_decode(name, q + at, eq - at, 1) < 0 ||
            enc_pct_decode(val, q + eq + 1, end - eq - 1, 1) < 0) {
            reply_error(kr, 400, 1, "Every query parameter must be a property: name=value.");
            return;
        }
        if (strcmp(name, "_updateSequenceNumber") != 0 && strcmp(name, "_updateSequenceId") != 0)
            json_object_set_new(props, name, json_string(val));
        at = end + 1;
    }
    const char *text;
    if (json_object_size(props) == 0 || read_properties(kr, props, &text) != 0) {
        reply_error(
            kr, 400, 1,
            "Give 1 to 5 properties as query parameters (names of [A-Za-z0-9_.-], values of 1 to 255 characters).");
        return;
    }
    int64_t n;
    if (store_devops_delete_by_props(kr->store, kr->site.id, kr->principal.account_id, kinds[k].kind, text, max, &n) !=
        STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    reply_raw(kr, 202, "application/json", "", 0);
}

void devops_builds_bulk(kreq_t *kr)
{
    bulk(kr, K_BUILD);
}
void devops_build_get(kreq_t *kr)
{
    get(kr, K_BUILD);
}
void devops_build_delete(kreq_t *kr)
{
    del(kr, K_BUILD);
}
void devops_builds_delete_by_props(kreq_t *kr)
{
    del_by_props(kr, K_BUILD);
}
void devops_deployments_bulk(kreq_t *kr)
{
    bulk(kr, K_DEPLOYMENT);
}
void devops_deployment_get(kreq_t *kr)
{
    get(kr, K_DEPLOYMENT);
}
void devops_deployment_delete(kreq_t *kr)
{
    del(kr, K_DEPLOYMENT);
}
void devops_deployments_delete_by_props(kreq_t *kr)
{
    del_by_props(kr, K_DEPLOYMENT);
}
void devops_devinfo_bulk(kreq_t *kr)
{
    bulk(kr, K_REPOSITORY);
}
void devops_repository_get(kreq_t *kr)
{
    get(kr, K_REPOSITORY);
}
void devops_repository_delete(kreq_t *kr)
{
    del(kr, K_REPOSITORY);
}
void devops_devinfo_delete_by_props(kreq_t *kr)
{
    del_by_props(kr, K_REPOSITORY);
}
