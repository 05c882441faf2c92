/* Limits on everything a client can size. One place, so that docs/security.md and the
 * tests can name them. */
#ifndef KILN_LIMITS_H
#define KILN_LIMITS_H

#define KILN_MAX_BODY (5u * 1024 * 1024)     /* request entity, as Forge's 5 MB payload limit */
#define KILN_MAX_HEADERS_BYTES (64u * 1024)  /* all request header names + values; h2o caps the count at 100 */
#define KILN_MAX_PATH 4096u                  /* raw path incl. query; longer answers 414 */
#define KILN_MAX_SEGMENTS 32u                /* path segments */
#define KILN_MAX_QUERY_PARAMS 64u            /* query parameters considered */
#define KILN_MAX_JSON_DEPTH 64u              /* nesting of a request body */
#define KILN_MAX_RESPONSE (8u * 1024 * 1024) /* a response body we build */
#define KILN_ARENA_CAP (64u * 1024 * 1024)   /* one request's arena */
#define KILN_MAX_NAME 63u                    /* site name */
#define KILN_MAX_PAGE 100u                   /* project search maxResults */
#define KILN_MAX_USER_PAGE 1000u             /* users/search maxResults */
#define KILN_REQ_TIMEOUT_MS 10000u           /* a request's head and body, from its first byte; an idle connection */

#endif
