/* An installation's app storage for operators (`kiln storage`, docs/kvs.md#kiln-storage):
 * list, get, set and delete its keys, secrets and custom entity items through the admin
 * API, behind the admin token. The installation is (site, app, environment) from the
 * path; nothing is read across installations. Every operation is app storage's own
 * (platform/kvs.h): get, set and delete go through kvs_call with the installation's ids
 * (Forge's key rules, value limits, entity declarations and types, secrets sealed), the
 * listing through kvs_rows (the store's listing).
 *
 *   GET    /admin/v1/sites/{name}/installations/{appId}/{environment}/storage
 *          ?kind=plain|secret|entity &entity=NAME &prefix=P &cursor=KEY &limit=1..100
 *          &showSecrets=true
 *          -> {"items":[{key, kind, entity?, value, masked?, createdAt, updatedAt,
 *              expireTime?}], "cursor": the key to continue after, or null}
 *   GET    .../storage/item?key=K&kind=..&entity=..&showSecrets=true -> one item
 *   PUT    .../storage/item  {"key", "value" (any JSON), "kind"?, "entity"?}
 *   DELETE .../storage/item?key=K&kind=..&entity=..
 *
 * A secret's value is null with "masked": true unless showSecrets=true; reading one is
 * audited (journal/audit.h AUDIT_STORAGE_SECRET_READ), as is every write
 * (AUDIT_STORAGE_WRITE). Errors: 404 unknown site or installation, 404 KEY_NOT_FOUND,
 * 400 for a bad parameter, key or value ("CODE: message", as app storage answers it). */
#ifndef KILN_STORAGE_ADMIN_H
#define KILN_STORAGE_ADMIN_H

#include "http/request.h"

#define STORAGE_ADMIN_LIST_DEFAULT 50
#define STORAGE_ADMIN_LIST_MAX 100

void storage_admin_list(kreq_t *kr);
void storage_admin_get(kreq_t *kr);
void storage_admin_set(kreq_t *kr);
void storage_admin_delete(kreq_t *kr);

#endif
