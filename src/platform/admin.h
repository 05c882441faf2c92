/* The admin plane: /admin/v1/... behind the admin token, for the kiln CLI and operators.
 * Errors are {"code":N,"message":"..."}. */
#ifndef KILN_ADMIN_H
#define KILN_ADMIN_H

#include "http/request.h"

int admin_routes_init(void);
void admin_handle(kreq_t *kr);

#endif
