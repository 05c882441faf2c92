/* /_proxy/kvs/api/v1/{op}: app storage for a running function (@forge/kvs through
 * __forge_fetch__). The proxy gateway has authenticated the invocation token and checked
 * that its installation is active; this binds the installation from the token and hands
 * the body to kvs_call (platform/kvs.h), which checks the scope and the rate. */
#ifndef KILN_PROXY_KVS_H
#define KILN_PROXY_KVS_H

#include "auth/invocation.h"
#include "http/request.h"

void proxy_kvs(kreq_t *kr, const invocation_t *inv);

/* /forge/storage/kvs/v1/{op}: the same operations for a remote backend, with an app
 * system token (auth/systoken.h) that binds the installation; 401 FAILURE_CLIENT_AUTH
 * for anything else. The plane of server.c. */
void storage_kvs_handle(kreq_t *kr);

#endif
