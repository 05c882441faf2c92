/* The operations plane: /healthz and /metrics (no credential; bind the listener to a
 * private address in production). */
#ifndef KILN_OPS_H
#define KILN_OPS_H

#include "http/request.h"

void ops_healthz(kreq_t *kr);
void ops_metrics(kreq_t *kr);
/* GET /.well-known/jwks.json: the public keys that verify invocation JWTs (auth/signkeys.h). */
void ops_jwks(kreq_t *kr);

#endif
