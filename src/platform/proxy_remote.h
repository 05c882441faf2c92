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
#include "platform/remote.h"

void proxy_remote(kreq_t *kr, const invocation_t *inv);

/* ---- the one place a call to a remote is set up and sent for a request (invokeRemote
 * here; the site UI's fetchRemote bridge op, web/uiframes.c) ---- */

/* What the caller does with the answer, on the request's thread (kr is still there; the
 * call is freed after). It answers kr and writes its audit line. */
typedef struct proxy_remote_answer {
    void (*fn)(kreq_t *kr, remote_call_t *c);
} proxy_remote_answer_t;

typedef struct proxy_remote_req {
    const remote_who_t *who; /* the FIT's installation, module and principal */
    const remote_def_t *rd;  /* a remote of the installed version's manifest */
    const char *path;        /* NULL or not starting with "/": refused */
    const char *method;
    const void *body;
    size_t len;
    const char *const *hnames, *const *hvalues; /* headers the app set (kiln's own are ignored) */
    size_t nheaders;
    const invocation_t *inv; /* the invocation the call is for: the ledger and the leak scan */
    const proxy_remote_answer_t *answer;
} proxy_remote_req_t;

/* Sends the call (platform/remote.h: 25 s, one try, limits on path, headers and answer)
 * and returns 0: kr->waiting is the call and p->answer gets it later; the HTTP thread
 * never waits. Else -1, kr answered (a refused path or header, a full queue). Over HTTP
 * only (kr->thr). */
int proxy_remote_send(kreq_t *kr, const proxy_remote_req_t *p);
/* A call that failed (timeout 504, unreachable or too big 502, a redirect 502) answered
 * on kr as {code, message}: 1; a remote's answer to pass on: 0. */
int proxy_remote_error(kreq_t *kr, const remote_call_t *c);
/* 0 for a remote's response header that is not passed on (hop-by-hop, or set by kiln). */
int proxy_remote_header_kept(const char *name);

#endif
