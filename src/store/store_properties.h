/* The store's entity-properties family: Jira's entity properties, a JSON value under a
 * key on an issue, project, user, comment, worklog, or an app's own properties. Table:
 * entity_properties, keyed (site, entity, entity id, key). The product checks keys and
 * values against Jira's limits (product/property.c); the store keeps what it is given. */
#ifndef KILN_STORE_PROPERTIES_H
#define KILN_STORE_PROPERTIES_H

#include "store/store.h"

/* Entity kinds as stored in entity_properties.entity. */
#define PROP_ISSUE "issue"
#define PROP_PROJECT "project"
#define PROP_USER "user"
#define PROP_COMMENT "comment"
#define PROP_WORKLOG "worklog"
#define PROP_APP "app" /* entity id: the app's id; readable by that app only */
/* entity id: an installation's id; key: a dashboard gadget's module key; value: what its
 * edit view submitted (web/uiframes.c). Not reachable through the API. */
#define PROP_GADGET "gadget"

typedef struct prop_rec {
    const char *key;
    const char *value_json;
    int64_t created_ms, updated_ms;
} prop_rec_t;

enum { PROP_MAX_KEYS = 10000 }; /* properties per entity */

/* The property `key` of the entity; STORE_NOTFOUND if none. */
int store_prop_get(store_t *st, arena_t *a, int64_t site_id, const char *entity, const char *entity_id, const char *key,
                   prop_rec_t *out);
/* Sets the property at now_ms; *created is 1 when it did not exist before.
 * STORE_CONFLICT (nothing written) for a new key on an entity that already has
 * PROP_MAX_KEYS properties: every key stays listable. */
int store_prop_set(store_t *st, int64_t site_id, const char *entity, const char *entity_id, const char *key,
                   const char *value_json, int64_t now_ms, int *created);
/* Deletes the property; STORE_NOTFOUND if none. */
int store_prop_delete(store_t *st, int64_t site_id, const char *entity, const char *entity_id, const char *key);
/* The entity's properties in key order (values too when `values`), at most
 * PROP_MAX_KEYS. */
int store_prop_list(store_t *st, arena_t *a, int64_t site_id, const char *entity, const char *entity_id, int values,
                    prop_rec_t **out, size_t *n);
/* Deletes every property of the entity (its owner is going away). */
int store_prop_delete_all(store_t *st, int64_t site_id, const char *entity, const char *entity_id);

#endif
