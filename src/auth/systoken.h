/* App system tokens: the credential kiln hands a remote backend (header
 * `x-forge-oauth-system`) so it can call back for exactly one installation: that site's
 * product API at /ex/jira/{cloudId}/rest/... with the installation's consented scopes,
 * and that installation's app storage at /forge/storage/kvs/v1/....
 *
 * A token is `kiln_s_` + 256 random bits (auth/token.h). Only its SHA-256 is stored
 * (table system_tokens: installation, site, created, expires). It lives
 * SYSTOKEN_LIFETIME_MS (3 h, within Forge's 2-4 h); kiln hands out the same token for an
 * installation while it has at least SYSTOKEN_MIN_LEFT_MS (2 h) to live, then mints the
 * next, so a remote always receives a token valid for 2 h or more (Forge's guarantee)
 * and the table grows by one row per installation per hour at most. The plaintext of the
 * current token of each installation is kept in process memory only (a small table, one
 * mutex), as invocation tokens are.
 *
 * A token is accepted only while: its hash is stored, it has not expired, and its
 * installation is still installed. Uninstalling deletes the installation's tokens in the
 * same transaction (platform/install.c), and the installation check refuses them even
 * before that, so uninstall kills them at once. */
#ifndef KILN_SYSTOKEN_H
#define KILN_SYSTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "base/arena.h"
#include "store/store.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

#define SYSTOKEN_LIFETIME_MS (3LL * 3600 * 1000)
#define SYSTOKEN_MIN_LEFT_MS (2LL * 3600 * 1000)
#define SYSTOKEN_CACHE_MAX 4096 /* installations whose current token is kept in memory */

/* The installation's current token, minting (and storing) a new one when there is none
 * with SYSTOKEN_MIN_LEFT_MS left. token gets the plaintext; *expires_ms its expiry.
 * 0, or a STORE_* code. */
int systoken_for(store_t *st, const install_rec_t *in, int64_t now_ms, char token[TOKEN_MAX], int64_t *expires_ms);

/* What an accepted token binds. Strings in the arena. */
typedef struct systoken_binding {
    install_rec_t install; /* the installation (active) */
    site_rec_t site;       /* its site */
    const char *scopes;    /* its consented scopes, space-separated */
} systoken_binding_t;

/* Checks token[0..len) (any string: the kind is checked first). 0 and *out filled, or -1
 * (not a system token, unknown, expired, installation removed or site gone). */
int systoken_verify(store_t *st, arena_t *a, const char *token, size_t len, int64_t now_ms, systoken_binding_t *out);

/* Forgets the in-memory token of an installation (after uninstall; tests). */
void systoken_forget(const char *installation_id);

/* The consented scopes of a scopes_json array as a space-separated string in `a`. */
const char *systoken_scopes_string(arena_t *a, const char *scopes_json);

#endif
