/* The admin plane: /admin/v1/... behind the admin token, for the kiln CLI and operators.
 * Errors are {"code":N,"message":"..."}. */
#ifndef KILN_ADMIN_H
#define KILN_ADMIN_H

#include "http/request.h"

int admin_routes_init(void);
void admin_handle(kreq_t *kr);
/* 1 if the request carries the admin token as its Bearer credential (checked whole). */
int admin_authorized(kreq_t *kr);

#endif
