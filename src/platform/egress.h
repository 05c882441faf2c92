/* Egress control: where a function's outbound requests may go, and the one place where
 * the bytes of an allowed request leave kiln (docs/egress.md).
 *
 * The allowlist of an app version is its manifest's permissions.external.fetch.backend
 * plus the baseUrls of its remotes (every region of a regional one), matched as Forge
 * matches backend egress:
 *
 *   - an entry is `[scheme://]host[:port][/path]`; no scheme means https; the path is
 *     ignored (Forge's backend egress matches scheme and host only);
 *   - the scheme must be the request's (an https entry does not allow http);
 *   - the port must be the request's; an entry without one stands for its scheme's
 *     default port (kiln's addition: Forge's proxy only carries 443);
 *   - `*.example.com` matches every name below example.com but NOT example.com itself;
 *     an entry starting with `*` is a glob (`*` matches any run of characters);
 *   - `*` alone allows every host.
 *
 * Hosts compare case-insensitively; a trailing dot of the request's host is ignored.
 * URLs with user info, backslashes, spaces, control bytes, a scheme other than http(s) or
 * a malformed port are refused as malformed (never matched).
 *
 * The allowlist travels with the invocation (invocation_t.egress, filled by invoke_job)
 * as newline-separated entries, so the egress endpoint checks a request against the
 * version the invocation runs without touching the store. */
#ifndef KILN_EGRESS_H
#define KILN_EGRESS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define EGRESS_RATE_PER_MIN 100                 /* egress requests per invocation per runtime minute (Forge) */
#define EGRESS_ENTRIES_MAX 1000u                /* allowlist entries kept per version */
#define EGRESS_ENTRY_MAX 2048u                  /* bytes of one entry; longer ones are dropped */
#define EGRESS_URL_MAX 8192u                    /* bytes of a request URL */
#define EGRESS_HOST_MAX 253u                    /* bytes of a host name */
#define EGRESS_BODY_MAX (5u * 1024 * 1024)      /* request body bytes (Forge's payload limit) */
#define EGRESS_RESPONSE_MAX (10u * 1024 * 1024) /* response body bytes */
#define EGRESS_TIMEOUT_MS 25000u                /* one egress request, at most (also the invocation's deadline) */

/* The error @forge/api users see on Forge for a refused URL (ExternalEndpointNotAllowedError). */
#define EGRESS_ERR_NOT_ALLOWED "REQUEST_EGRESS_ALLOWLIST_ERR"
#define EGRESS_ERR_RATE "REQUEST_EGRESS_RATE_LIMIT_ERR"
#define EGRESS_ERR_FETCH "FUNCTION_FETCH_ERR"

/* A parsed request URL: scheme "http" or "https", host lowercase without brackets, port. */
typedef struct egress_url {
    char scheme[8];
    char host[EGRESS_HOST_MAX + 1];
    unsigned port;
} egress_url_t;

/* Parses an absolute http(s) URL. 0, or -1 when it is malformed or not http(s). */
int egress_url_parse(const char *url, size_t len, egress_url_t *out);

/* 1 when `allowlist` (newline-separated entries) lets a request to `u` out, else 0. */
int egress_allowed(const char *allowlist, const egress_url_t *u);

/* The allowlist of a version from its manifest (the canonical JSON document): heap,
 * newline-separated, "" when the app declares no egress. Never NULL. */
char *egress_allowlist_from_manifest(json_t *manifest);

/* ---- the transfer point ---------------------------------------------------------------- */

struct invocation;

/* Called exactly once per egress request, at the single place where its bytes leave kiln
 * (just before the request is handed to the outbound client): `body`/`len` are the bytes
 * sent to `dest_url` on behalf of invocation `inv`. Counts requests and bytes for /metrics,
 * records the transfer in the data-flow ledger (journal/ledger.h) and scans `body` for
 * other sites' canaries (journal/leak.h). Any thread; never blocks on I/O. */
void egress_note_transfer(const struct invocation *inv, const char *dest_url, const void *body, size_t len);

/* Counters since start, for /metrics. */
typedef struct egress_stats {
    uint64_t allowed, refused, rate_limited, failed; /* requests by outcome */
    uint64_t bytes_out, bytes_in;
} egress_stats_t;
void egress_get_stats(egress_stats_t *out);
/* Counts an outcome (one of the fields above by name: "refused", "rate_limited", "failed")
 * and response bytes received. */
void egress_count(const char *outcome);
void egress_count_in(size_t bytes);

#endif
