/* The one family of functions that answers a request. Each records the request in the
 * metrics, sets Content-Type and Content-Length, and sends a body that lives in the
 * request's arena. Exactly one reply_* call per request.
 *
 * Durability: a reply made after the request's thread committed a write since the request
 * began is held (the body must live in the request's arena or be static) until the
 * store's syncer says an fsync covers that commit (store.h, store_when_durable); the
 * thread serves other requests meanwhile. A failed fsync turns it into a 500, and from
 * then on (the store takes no writes until a restart: store.h "a failed fsync") a 500
 * answer of a request that wrote nothing becomes a 503 that says why. */
#ifndef KILN_REPLY_H
#define KILN_REPLY_H

#include <jansson.h>

#include "base/jsonw.h"

#include "http/request.h"

/* Failure categories sent in x-failure-category, as Atlassian's gateway does. */
#define FAILURE_CLIENT_AUTH "FAILURE_CLIENT_AUTH"
#define FAILURE_CLIENT_SCOPE_CHECK "FAILURE_CLIENT_SCOPE_CHECK"
#define FAILURE_CLIENT_RATE_LIMITED "FAILURE_CLIENT_RATE_LIMITED"

/* A JSON writer into a response buffer owned by the request (freed with its arena).
 * Product handlers write their answer with it, then call reply_writer. */
jsonw_t *reply_writer_new(kreq_t *kr);
/* Sends what w holds as JSON; 500 if the writer hit an error (too large). */
void reply_writer(kreq_t *kr, int status, jsonw_t *w);

/* Sends `body` (not consumed) as JSON. */
void reply_json(kreq_t *kr, int status, const json_t *body);
/* Sends `body` (consumed: decref'd). */
void reply_json_new(kreq_t *kr, int status, json_t *body);
/* Sends bytes that live at least as long as the request. */
void reply_raw(kreq_t *kr, int status, const char *content_type, const char *body, size_t len);
struct vreq_answer;
/* Answers kr with what a virtual request that stood for it answered (http/vreq.h
 * vreq_take_answer; run on a store thread, http/offload.h): its status, type, headers and
 * body, copied into kr's arena; counted under the route the vreq's handler named. */
void reply_captured(kreq_t *kr, const struct vreq_answer *ans);
/* Whether the request's answer is made and held until its write is durable (above): then
 * kr->waiting is that answer, not work the handler started, and the handler must leave it
 * alone (a handler that takes kr->waiting for its own job after calling code that may
 * reply asks this first). */
int reply_held(const kreq_t *kr);
/* Jira error shape {"errorMessages":[msg],"errors":{}} when jira, else {"code","message"}. */
void reply_error(kreq_t *kr, int status, int jira, const char *msg);
/* Jira field errors {"errorMessages":[],"errors":{field: message}}; `errors` consumed. */
void reply_field_errors(kreq_t *kr, int status, json_t *errors);
/* Gateway refusal: {"code":status,"message":msg} with x-failure-category. */
void reply_failure(kreq_t *kr, int status, const char *category, const char *msg);
/* What status answers in place of `status` a request during which the store was
 * unreachable (store.h, STORE_UNAVAILABLE): 503 for what a failed lookup can cause (401,
 * 403, 404, 5xx), else status (a 400 for bad input stays). reply_raw and reply_error apply
 * it to requests that came over HTTP, with Retry-After and STORE_UNAVAILABLE_MSG. */
int reply_store_status(int status);
/* Adds a response header (name lowercase, both static or arena-owned). */
void reply_header(kreq_t *kr, const char *name, const char *value);

#endif
