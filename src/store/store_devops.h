/* The store's DevOps family: the builds, deployments and repositories (with their
 * commits, branches and pull requests) that apps send through Jira's DevOps APIs
 * (/rest/builds/0.1, /rest/deployments/0.1, /rest/devinfo/0.10), kept per site and per
 * sending app, with the issue keys each names. Tables: devops_entities, devops_issue_keys.
 *
 * An entity is (site, app, kind, key): the app is the sender's bot account id, the kind
 * "build", "deployment" or "repository", the key what the API identifies it by. A newer
 * update sequence number replaces an entity; an older or equal one leaves it as it is. */
#ifndef KILN_STORE_DEVOPS_H
#define KILN_STORE_DEVOPS_H

#include "store/store.h"

typedef struct devops_rec {
    const char *app_id, *kind, *entity_key;
    int64_t update_sequence;
    const char *doc_json;        /* the entity as the app sent it */
    const char *properties_json; /* the submission's properties, or NULL */
    int64_t updated_ms;
} devops_rec_t;

/* Stores e with its issue keys (replacing the old ones), unless the stored entity's
 * update sequence is >= e's: then STORE_CONFLICT and nothing changes. */
int store_devops_put(store_t *st, int64_t site_id, const devops_rec_t *e, const char *const *issue_keys, size_t nkeys);
int store_devops_get(store_t *st, arena_t *a, int64_t site_id, const char *app_id, const char *kind, const char *key,
                     devops_rec_t *out);
/* Deletes the entity if its update sequence is <= max_seq (-1: whatever it is);
 * STORE_NOTFOUND if there is no such entity (or a newer one). */
int store_devops_delete(store_t *st, int64_t site_id, const char *app_id, const char *kind, const char *key,
                        int64_t max_seq);
/* Deletes the app's entities of `kind` whose properties hold every pair of the JSON
 * object props_json (keys of [A-Za-z0-9_.-] only: the product checks) and whose update
 * sequence is <= max_seq (-1: any); *deleted counts them. */
int store_devops_delete_by_props(store_t *st, int64_t site_id, const char *app_id, const char *kind,
                                 const char *props_json, int64_t max_seq, int64_t *deleted);

#endif
