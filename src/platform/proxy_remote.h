/* /_proxy/frc{path}: invokeRemote(key, {path, method, body}) from a running function
 * (@forge/api calls __forge_fetch__({type:'frc', remote: key}, path, init); the worker
 * sends it here with the invocation token and X-Forge-Remote: key). The proxy gateway
 * has authenticated the token; this finds the remote in the manifest of the version the
 * installation runs (unknown, or without `compute` in its operations: 400 with
 * forge-proxy-error: INVALID_REMOTE, which @forge/api turns into InvalidRemoteError),
 * calls baseUrl + path with a FIT for this invocation (platform/remote.h: 25 s, no retry)
 * and answers asynchronously when the remote does: its status, headers and body; a 3xx
 * answers 502 (redirects are errors), a timeout 504, an unreachable remote or an
 * oversized answer 502. The HTTP thread never waits for the remote. */
#ifndef KILN_PROXY_REMOTE_H
#define KILN_PROXY_REMOTE_H

#include "auth/invocation.h"
#include "http/request.h"

void proxy_remote(kreq_t *kr, const invocation_t *inv);

#endif
