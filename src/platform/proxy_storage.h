/* POST /_proxy/fpp/forge/entities/graphql: the legacy storage API (`storage` of
 * @forge/api 2.x-7.x) for a running function, over HTTP only (never on a worker's pipes:
 * its writes are answered asynchronously by app storage's writer thread, which needs
 * kr->thr). The proxy gateway has authenticated the invocation token and checked that
 * its installation is active; this binds the installation from the token, translates the
 * GraphQL operation (platform/storage_gql.h) and runs it as the app storage operation it
 * is (platform/kvs.h: the same rows, limits, scope and rate). */
#ifndef KILN_PROXY_STORAGE_H
#define KILN_PROXY_STORAGE_H

#include "auth/invocation.h"
#include "http/request.h"

void proxy_storage(kreq_t *kr, const invocation_t *inv);

#endif
