/* The major key of a manifest (platform/manifest.h, manifest_t.major_key): what makes a
 * Forge major version, as one canonical JSON string, so that two manifests are the same
 * major iff their keys are equal. */
#include <stdlib.h>
#include <string.h>

#include "platform/manifest_int.h"

/* Sorts a JSON array of strings and drops repeats. */
static json_t *sorted_set(json_t *arr)
{
    size_t n = json_array_size(arr);
    const char **v = xcalloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_string_value(json_array_get(arr, i));
    qsort(v, n, sizeof *v, cmp_str);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(v[i - 1], v[i]))
            json_array_append_new(out, json_string(v[i]));
    free(v);
    return out;
}

/* The external permissions with every list made a sorted set, and empty lists, empty
 * objects and `false` left out: `backend: []` grants what no `backend` grants. */
static json_t *canon_sets(json_t *j)
{
    if (json_is_array(j))
        return sorted_set(j);
    if (!json_is_object(j))
        return json_incref(j);
    json_t *o = json_object(), *v;
    const char *k;
    json_object_foreach(j, k, v)
    {
        json_t *c = canon_sets(v);
        if ((json_is_array(c) && json_array_size(c) == 0) || (json_is_object(c) && json_object_size(c) == 0) ||
            json_is_false(c))
            json_decref(c);
        else
            json_object_set_new(o, k, c);
    }
    return o;
}

static int cmp_remote(const void *a, const void *b)
{
    return strcmp((*(const manifest_remote_t *const *)a)->key, (*(const manifest_remote_t *const *)b)->key);
}

/* Sorted scopes (and those allowing impersonation, when any); the sorted entries of every permissions.external kind;
 * remotes sorted by key (baseUrl, sorted operations, auth); whether any webtrigger is dynamic. */
int manifest_build_major_key(manifest_parser_t *p)
{
    const manifest_t *m = p->m;
    json_t *mk = json_object(), *scopes = json_array(), *remotes = json_array();
    int dynamic = 0, rc = 0;
    for (size_t i = 0; i < m->n_scopes; i++)
        json_array_append_new(scopes, json_string(m->scopes[i]));
    const manifest_remote_t **rs = xcalloc(m->n_remotes ? m->n_remotes : 1, sizeof *rs);
    for (size_t i = 0; i < m->n_remotes; i++)
        rs[i] = &m->remotes[i];
    qsort(rs, m->n_remotes, sizeof *rs, cmp_remote);
    for (size_t i = 0; i < m->n_remotes; i++) {
        json_t *ops = json_array(), *base;
        for (size_t k = 0; k < rs[i]->n_operations; k++)
            json_array_append_new(ops, json_string(rs[i]->operations[k]));
        base = rs[i]->base_url_json ? json_loads(rs[i]->base_url_json, 0, NULL) : json_string(rs[i]->base_url);
        json_array_append_new(remotes,
                              json_pack("{s:s,s:o,s:o,s:{s:b,s:b}}", "key", rs[i]->key, "baseUrl", base, "operations",
                                        sorted_set(ops), "auth", "appSystemToken", rs[i]->auth_app_system_token,
                                        "appUserToken", rs[i]->auth_app_user_token));
        json_decref(ops);
    }
    free(rs);
    for (size_t i = 0; i < m->n_webtriggers; i++)
        dynamic |= !strcmp(m->webtriggers[i].response_type, "dynamic");
    json_object_set_new(mk, "scopes", scopes);
    if (m->n_imp_scopes) { /* absent when none: keys of manifests without it are unchanged */
        json_t *imp = json_array();
        for (size_t i = 0; i < m->n_imp_scopes; i++)
            json_array_append_new(imp, json_string(m->imp_scopes[i]));
        json_object_set_new(mk, "impersonation", imp);
    }
    json_object_set_new(mk, "external", canon_sets(p->ext_major));
    json_object_set_new(mk, "remotes", remotes);
    json_object_set_new(mk, "dynamicWebtrigger", json_boolean(dynamic));
    if (!(p->m->major_key = manifest_dump(p, mk, JSON_SORT_KEYS, NULL)))
        rc = -1;
    json_decref(mk);
    return rc;
}
