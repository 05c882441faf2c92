/* Webtriggers: one stable URL per installation x module (the environment comes with the
 * installation), /x1/{id} (urlFormat v1) or /public/{id} (v2), with an optional user
 * path after the id. A request becomes Forge's webtrigger payload, runs the module's
 * function on a warm worker of the installation's version (runtime/supervisor.h) without
 * holding the HTTP thread, and the function's result becomes the HTTP response. */
#ifndef KILN_WEBTRIGGER_H
#define KILN_WEBTRIGGER_H

#include <jansson.h>

#include "http/request.h"

#define WEBTRIGGER_TIMEOUT_MS 55000
#define WEBTRIGGER_RATE_PER_MIN 1200 /* per installation */

/* The public plane: /x1/... and /public/... */
void webtrigger_handle(kreq_t *kr);
/* Admin: GET /admin/v1/sites/{name}/installations/{appId}/{environment}/webtriggers/{module} */
void webtrigger_url(kreq_t *kr);

/* Why a function's result is not a dynamic webtrigger response ({statusCode 100..599,
 * headers: {name: [string]}, body: string}): a static message, or NULL when it is one.
 * Scheduled triggers' answers are held to the same shape (platform/deliver_schedule.c). */
const char *webtrigger_response_invalid(json_t *v);

struct invocation;
/* The GraphQL operations @forge/api sends for webTrigger.getUrl, deleteUrl and queryUrls
 * (POST /_proxy/fpp/graphql), answered for the invocation's own installation only.
 * Operations are matched by name; anything else gets a GraphQL error body. */
void webtrigger_graphql(kreq_t *kr, const struct invocation *inv);

#endif
