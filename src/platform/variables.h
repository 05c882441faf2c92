/* Environment variables of an app environment, as `forge variables`: set with
 * `kiln variables set KEY VALUE [--encrypt]` through the admin API, stored per (app,
 * environment), and added to `process.env` of every function of that environment from
 * its next invocation (the invoke frame's `env`, runtime/node/README.md).
 *
 * Encrypted variables are sealed with the key store (auth/keys.h, purpose
 * KEYS_PURPOSE_VARS, AAD "appId\nenvironment\nkey", so a sealed value cannot be moved to
 * another app, environment or key). Their plaintext leaves kiln only in the invoke frame:
 * the admin API never returns it (list shows `"value": null`), and nothing logs it.
 *
 * Forge's limits per environment (docs/variables.md): keys of 1-128 characters from
 * [A-Za-z0-9_] not starting with a digit; values up to 3,072 bytes (before encryption),
 * without NUL; at most 50 plain and 10 encrypted variables, counted apart. */
#ifndef KILN_VARIABLES_H
#define KILN_VARIABLES_H

#include "http/request.h"

#define VARIABLES_KEY_MAX 128
#define VARIABLES_VALUE_MAX 3072
#define VARIABLES_PLAIN_MAX 50
#define VARIABLES_ENCRYPTED_MAX 10
#define KEYS_PURPOSE_VARS "env-variable"

/* 1 if `key` is a valid variable key. */
int variables_key_valid(const char *key);

/* Admin: GET /admin/v1/apps/{appId}/environments/{environment}/variables
 * -> {"variables":[{"key","value","encrypted","createdAt","updatedAt"}]}, value null when encrypted. */
void variables_list(kreq_t *kr);
/* Admin: PUT .../variables/{key} with {"value": string, "encrypt": bool (default false)};
 * 200 {"key","encrypted","created"} (never the value). 400 for a bad key or value, 409
 * when the environment already has the most variables of that kind. */
void variables_set(kreq_t *kr);
/* Admin: DELETE .../variables/{key}; 404 if the environment has no such variable. */
void variables_unset(kreq_t *kr);

/* The variables of (app, environment) as a JSON object {"KEY":"value",...}, encrypted
 * ones opened, for the invoke frame: a heap string the caller frees ("{}" when there are
 * none). A variable whose sealed value does not open (tampered store) is left out with a
 * warning that names its key only. NULL on a store error. */
char *variables_env_json(store_t *st, arena_t *a, const char *app_id, const char *env_key);

#endif
