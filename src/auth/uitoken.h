/* Context tokens: what binds a Custom UI frame's bridge requests (POST /_ui/v1/bridge,
 * header X-Kiln-Context) to one site, installation, app environment, module, user and
 * extension context, for a short time (web/uiframes.h mints them at POST /_ui/v1/frames).
 * The frame never sees its token (the host keeps it); nothing the iframe says is trusted.
 *
 * A token is readable, not secret in its fields, and unforgeable:
 *   kiln_c_<site>~<installation>~<app>~<env>~<module>~<account>~<ext digest>~<expires ms>~<mac>
 * mac = base64url(HMAC-SHA-256(key, the text before "~<mac>")), the key derived from the
 * master key (auth/keys.h keys_derive "ui context tokens"): the same across restarts,
 * never stored. Fields hold only [A-Za-z0-9:._-] (ids, keys, account ids, a hex digest),
 * so '~' separates them unambiguously; minting refuses anything else. The check is
 * constant-time over the mac and refuses an expired token; what it binds (the session's
 * site and account, the installation still active) is the caller's to compare. */
#ifndef KILN_UITOKEN_H
#define KILN_UITOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

#define UITOKEN_PREFIX "kiln_c_"
#define UITOKEN_MAX 1024                       /* bytes of a token, NUL included */
#define UITOKEN_FIELD_MAX 200                  /* bytes of one field */
#define UITOKEN_LIFETIME_MS (15LL * 60 * 1000) /* a frame renews its token before this */

typedef struct uitoken {
    int64_t site_id;
    const char *installation_id, *app_id, *env_key, *module_key, *account_id;
    char ext_digest[65]; /* hex SHA-256 of the caller's extension (uitoken_digest) */
    int64_t expires_ms;
} uitoken_t;

enum { UITOKEN_OK = 0, UITOKEN_INVALID = -1, UITOKEN_EXPIRED = -2 };

/* Writes the token of `t` into out (UITOKEN_MAX bytes). 0, or -1 for a field that is
 * empty, too long or holds another character, an ext_digest that is not 64 lowercase hex
 * digits, or before keys_init. */
int uitoken_mint(const uitoken_t *t, char out[UITOKEN_MAX]);
/* Checks token s[0..n) at now_ms: UITOKEN_OK with *out (strings in `a`), UITOKEN_INVALID
 * (malformed, another key, tampered) or UITOKEN_EXPIRED. */
int uitoken_check(arena_t *a, const char *s, size_t n, int64_t now_ms, uitoken_t *out);
/* The hex SHA-256 of an extension's canonical JSON text (json compact, sorted keys). */
void uitoken_digest(const char *json, size_t len, char out[65]);

#endif
