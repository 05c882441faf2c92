/* The operator's admin token: generated on first start into DATA/admin.token (mode 0600,
 * created exclusively so that a second process never overwrites it). */
#ifndef KILN_ADMIN_TOKEN_H
#define KILN_ADMIN_TOKEN_H

#include <stddef.h>

#include "auth/token.h"

/* Loads the token from data_dir, creating it if absent. 0, or -1 with a reason in err. */
int admin_token_load_or_create(const char *data_dir, char out[TOKEN_MAX], char *err, size_t errlen);
/* Loads an existing token (CLI side). 0, or -1 with a reason in err. */
int admin_token_load(const char *data_dir, char out[TOKEN_MAX], char *err, size_t errlen);
/* Constant-time check of a presented credential against the admin token. */
int admin_token_matches(const char *expected, const char *got, size_t n);

#endif
