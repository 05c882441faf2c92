/* remote: calls from kiln to an app's remote backends (Forge Remote), with Forge's
 * contract:
 *
 *   - the URL is a declared remote's baseUrl (manifest `remotes`) plus a path; a path that
 *     would leave the baseUrl's scheme, host or port is refused, so only declared
 *     baseUrls are ever called;
 *   - `Authorization: Bearer <FIT>`: a Forge Invocation Token, a JWT signed RS256 with
 *     the current key (auth/signkeys.h), verifiable at /.well-known/jwks.json, with
 *     Forge's claims (remote_fit_claims) and a short life (REMOTE_FIT_LIFETIME_S);
 *   - `x-forge-oauth-system: <app system token>` (auth/systoken.h) when the endpoint's or
 *     remote's auth.appSystemToken is enabled; `x-forge-oauth-user` where there is a user
 *     and auth.appUserToken is enabled (kiln's invocations have none today);
 *   - `x-b3-traceid` / `x-b3-spanid`;
 *   - events (lifecycle, product events, scheduled triggers) are POSTed with a 5 s
 *     deadline and retried up to 4 times with backoff (1, 2, 4, 8 s), each retry with a
 *     fresh FIT and `retryContext` in the body; UI-style calls (invokeRemote) get 25 s and
 *     no retry; a 3xx is an error (redirects are never followed: platform/outbound.h);
 *     anything but 2xx counts as a failure.
 *
 * Calls run on the outbound thread; their answers come back to the submitting thread
 * through its h2o receiver (an HTTP thread's out_receiver), where `done` runs. Nothing
 * here blocks a thread on the network.
 *
 * Ownership: a remote_call_t is made and freed by the submitting thread (in its done
 * callback, or after remote_call_start failed). Its strings are heap copies it owns. */
#ifndef KILN_REMOTE_H
#define KILN_REMOTE_H

#include <h2o.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "platform/outbound.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

#define REMOTE_FIT_ISSUER "forge/invocation-token"
#define REMOTE_FIT_LIFETIME_S 60     /* exp - iat of a FIT */
#define REMOTE_EVENT_TIMEOUT_MS 5000 /* events: per attempt */
#define REMOTE_EVENT_ATTEMPTS 5      /* events: the first try and 4 retries */
#define REMOTE_EVENT_BACKOFF_MS 1000 /* events: 1 s, then doubled */
#define REMOTE_CALL_TIMEOUT_MS 25000 /* invokeRemote: one try */
#define REMOTE_CONNECT_TIMEOUT_MS 5000
#define REMOTE_RESPONSE_MAX (5u * 1024 * 1024)
#define REMOTE_HEADERS_MAX 20 /* headers an app may add to an invokeRemote call */

/* A declared remote (manifest `remotes[]`), with the auth of the endpoint that targets it
 * merged in. Strings borrowed from the manifest JSON. */
typedef struct remote_def {
    const char *key, *base_url;
    int system_token, user_token; /* auth.appSystemToken/appUserToken enabled */
    int compute;                  /* operations include "compute": functions may invokeRemote it */
} remote_def_t;

/* The `remotes` item with this key. 0, or -1 (no such remote, or no usable baseUrl). */
int remote_lookup(json_t *manifest, const char *key, remote_def_t *out);
/* The `endpoint` module with this key and its remote; *route_path gets route.path ("" if
 * none). 0 or -1. */
int remote_endpoint(json_t *manifest, const char *endpoint_key, remote_def_t *out, const char **route_path);

/* baseUrl + path (heap), or NULL when the path is not a plain absolute path ("/...", no
 * "//" start, spaces, backslashes, '#' or control bytes, at most 4096 bytes), the base is
 * not http(s) or has a query or fragment, or the result would have another scheme, host,
 * port or user than the base. */
char *remote_url(const char *base, const char *path);
/* 1 if the two URLs have the same scheme, host, port and user, as libcurl (which fetches
 * them) parses them. */
int remote_same_origin(const char *a, const char *b);

/* Who is calling: the installation and invocation a FIT describes. */
typedef struct remote_who {
    const install_rec_t *in;
    const site_rec_t *site;
    const version_rec_t *ver;
    const env_rec_t *env;
    const char *module_type; /* "core:endpoint" (events), "core:function" (invokeRemote) */
    const char *module_key;
    const char *principal;  /* the user's accountId, or NULL where there is no user */
    const char *public_url; /* kiln's, for apiBaseUrl */
} remote_who_t;

/* The FIT claims without their times and id (remote_fit_sign adds iat, nbf, exp, jti):
 * iss, aud (the app ARI), app {id, version, appVersion, installationId, apiBaseUrl,
 * environment {type, id}, module {type, key}, installation {id, contexts [{cloudId,
 * apiBaseUrl, name}]}}, context {cloudId, moduleKey}, principal (when set). New reference. */
json_t *remote_fit_claims(const remote_who_t *w);
/* Sets iat = nbf = now, exp = now + REMOTE_FIT_LIFETIME_S and a fresh jti on claims and
 * signs them with the current key. The token in `a`, or NULL. */
char *remote_fit_sign(store_t *st, arena_t *a, json_t *claims, int64_t now_ms);

typedef struct remote_call remote_call_t;

struct remote_call {
    /* ---- set by the caller after remote_call_new ---- */
    completion_t answer; /* first (base/completion.h): answer.done gets the call on answer.receiver's
                          thread (the submitting one's); answer.owner: a request that went
                          away sets it to NULL. The call itself is never sent: its
                          attempts' outbound requests are, to the same receiver */
    void *data;
    /* ---- out (valid in done) ---- */
    int ok;     /* 1: a 2xx answer */
    int status; /* the last attempt's HTTP status, 0 if none */
    int err;    /* the last attempt's outbound_err */
    int attempts;
    const char *failure; /* NULL when ok; else "timeout", "connect", "redirect", "status", "too_big", ... */
    outbound_req_t *req; /* the last attempt (its response headers and body) */
    /* ---- private ---- */
    store_t *store;
    char *url, *body;
    size_t body_len;
    char method[16];
    char *headers[REMOTE_HEADERS_MAX];
    unsigned nheaders;
    json_t *claims, *event;
    char systoken[TOKEN_MAX];
    unsigned timeout_ms;
    int max_attempts;
    char installation_id[40], app_id[40], dest[64];
    char env_key[32], invocation_id[37]; /* the calling invocation's (invokeRemote; "" for events) */
    int64_t site_id;
    const char *retry_reason;
    /* events: each failed attempt, the retry planned and the give-up go to `kiln logs`
     * (journal/fnlog.h) under this delivery id, with the endpoint as the module */
    char delivery_id[37], module_key[128];
};

/* A call of remote `r` at `path` (must start with "/"; may carry a query). event: 1 for
 * the events contract (POST of `body`, which must be a JSON object, with retries), 0 for
 * an invokeRemote-style call with `method`. `st` is the submitting thread's store handle
 * (it signs FITs, also for retries). NULL with err when the path or URL is refused, the
 * system token or FIT cannot be made. */
remote_call_t *remote_call_new(store_t *st, const remote_who_t *w, const remote_def_t *r, const char *path,
                               const char *method, const void *body, size_t len, int event, char *err, size_t errlen);
/* Adds a header the app set (invokeRemote); headers kiln sets are ignored. -1 if refused. */
int remote_call_add_header(remote_call_t *c, const char *name, const char *value);
/* Sends the first attempt. 0, or -1 (outbound queue full or stopped: done will not run). */
int remote_call_start(remote_call_t *c);
void remote_call_free(remote_call_t *c);
/* Receiver-side hook: outbound answers for remote calls come through here. Registered
 * implicitly: the call's outbound requests use c->receiver and this as done. */

/* The one place where kiln notes bytes it sends to a remote backend (every attempt of
 * every call): counted in /metrics and recorded in the data-flow ledger (journal/ledger.h)
 * as a transfer of the call's site and installation to its URL, under the invocation
 * that made it (invokeRemote) or none (a lifecycle event). */
void remote_note_transfer(const remote_call_t *c, size_t bytes);

typedef struct remote_stats {
    uint64_t calls, ok, failed, retries, transfers, transfer_bytes;
} remote_stats_t;
void remote_get_stats(remote_stats_t *out);

#endif
