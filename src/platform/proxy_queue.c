#include "platform/proxy_queue.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/limits.h"
#include "gateway/ratelimit.h"
#include "http/reply.h"
#include "platform/config.h"
#include "platform/deliver.h"
#include "platform/install.h"
#include "platform/invoke.h"
#include "platform/queue_chain.h"
#include "store/store_deliveries.h"
#include "store/store_installs.h"

/* The schema of 2.x and later ({body, delayInSeconds, concurrency} per event); 0.x and
 * 1.x send "ari:cloud:ecosystem::forge/app-event" with bare payloads and one delay. */
#define SCHEMA_V2 "ari:cloud:ecosystem::forge/app-event-2"
#define MAX_REQUEST (QUEUE_MAX_PAYLOAD + 64u * 1024) /* the events and the request's own fields */
#define MAX_JOB_ID 64

/* ---------------------------------------------------------------- answers */

static void answer(kreq_t *kr, int status, const char *member, const char *msg)
{
    json_t *o = json_object();
    json_object_set_new(o, member, json_string(msg));
    reply_json_new(kr, status, o);
}

static int name_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-'))
            return 0;
    return 1;
}

/* The request body: an object with a valid queueName and jobId, or answered 400/413. */
static json_t *read_request(kreq_t *kr, const char **queue, const char **job)
{
    size_t len = kr->req->entity.len;
    if (len > MAX_REQUEST) {
        answer(kr, 413, "errorMessage", "The maximum payload size is 200KB.");
        return NULL;
    }
    json_err_t err;
    json_t *o = json_parse_arena(kr->arena, kr->req->entity.base, len, KILN_MAX_JSON_DEPTH, &err);
    if (!json_is_object(o)) {
        answer(kr, 400, "message", "The request body must be a JSON object.");
        return NULL;
    }
    *queue = json_str(o, "queueName");
    *job = json_str(o, "jobId");
    if (!name_ok(*queue, QUEUE_MAX_NAME)) {
        answer(kr, 400, "message",
               "Queue names can only contain alphanumeric characters, dashes and underscores (at most 36).");
        return NULL;
    }
    if (!name_ok(*job, MAX_JOB_ID)) {
        answer(kr, 400, "message", "jobId must be 1 to 64 letters, digits, dashes and underscores.");
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------- push */

/* The consumer of `queue` in the installed version (its module key), or NULL. */
static const char *consumer_of(kreq_t *kr, const install_rec_t *in, const char *queue)
{
    version_rec_t ver;
    if (install_version(kr->store, kr->arena, in, &ver) != STORE_OK)
        return NULL;
    json_t *mods = json_object_get(invoke_manifest(kr->arena, &ver), "modules");
    json_t *list = json_object_get(mods, "consumer"), *c;
    size_t i;
    json_array_foreach(list, i, c)
    {
        const char *q = json_str(c, "queue"), *k = json_str(c, "key");
        if (q && k && strcmp(q, queue) == 0)
            return k;
    }
    return NULL;
}

/* The chain the calling invocation's pushes count in: the chain of the queue event it
 * runs, else its own id (platform/queue_chain.h). */
static const char *chain_of(kreq_t *kr, const invocation_t *inv)
{
    delivery_rec_t d;
    if (inv->delivery_id > 0 && store_delivery_get(kr->store, kr->arena, inv->delivery_id, &d) == STORE_OK &&
        d.source == DLV_SRC_QUEUE && strcmp(d.installation_id, inv->installation_id) == 0) {
        json_err_t err;
        json_t *p = json_parse_arena(kr->arena, d.payload_json, strlen(d.payload_json), KILN_MAX_JSON_DEPTH, &err);
        const char *root = json_str(json_object_get(p, "_kiln"), "chain");
        if (root && strlen(root) < QUEUE_CHAIN_ROOT)
            return root;
    }
    return inv->id;
}

/* One event checked; NULL, or why it is refused (Forge's words where it has them). */
static const char *check_event(json_t *ev, int v2, json_t *req, double *delay, const char **ckey, int64_t *climit)
{
    json_t *body = v2 ? json_object_get(ev, "body") : ev;
    json_t *d = v2 ? json_object_get(ev, "delayInSeconds") : json_object_get(req, "delayInSeconds");
    json_t *conc = v2 ? json_object_get(ev, "concurrency") : NULL;
    if (v2 && !json_is_object(ev))
        return "Event must be an object.";
    if (v2 ? !json_is_object(body) : (!body || json_is_array(body) || json_is_null(body)))
        return v2 ? "Event body must be an object." : "An event must be a string, number, boolean or object.";
    *delay = 0;
    if (d && !json_is_null(d)) {
        if (!json_is_number(d) || !isfinite(json_number_value(d)) || json_number_value(d) < 0 ||
            json_number_value(d) > QUEUE_MAX_DELAY_S)
            return "The delayInSeconds setting must be between 0 and 900.";
        *delay = json_number_value(d);
    }
    *ckey = NULL;
    *climit = 0;
    if (conc && !json_is_null(conc)) {
        json_t *l = json_object_get(conc, "limit");
        *ckey = json_str(conc, "key");
        if (!json_is_object(conc) || !*ckey || !**ckey || strlen(*ckey) > QUEUE_MAX_CONC_KEY)
            return "The concurrency key must be a string of 1 to 255 characters.";
        if (!json_is_integer(l) || json_integer_value(l) < 1 || json_integer_value(l) > QUEUE_MAX_CONC_LIMIT)
            return "The concurrency limit must be a whole number from 1 to 50.";
        *climit = json_integer_value(l);
    }
    return NULL;
}

/* The stored payload of an accepted event: what its consumer receives (AsyncEvent:
 * body, queueName, jobId, eventId, and the push's delayInSeconds and concurrency), and
 * kiln's own member `_kiln` ({v: 1 or 2, chain}) that the consumer does not see. */
static const char *event_payload(kreq_t *kr, json_t *ev, int v2, const char *queue, const char *job,
                                 const char *event_id, const char *chain)
{
    json_t *p = json_object();
    json_object_set(p, "body", v2 ? json_object_get(ev, "body") : ev);
    json_object_set_new(p, "queueName", json_string(queue));
    json_object_set_new(p, "jobId", json_string(job));
    json_object_set_new(p, "eventId", json_string(event_id));
    if (v2) {
        json_t *d = json_object_get(ev, "delayInSeconds"), *c = json_object_get(ev, "concurrency");
        if (json_is_number(d))
            json_object_set(p, "delayInSeconds", d);
        if (json_is_object(c))
            json_object_set(p, "concurrency", c);
    }
    json_object_set_new(p, "_kiln", json_pack("{s:i, s:s}", "v", v2 ? 2 : 1, "chain", chain));
    size_t len;
    const char *s = json_dump_arena(kr->arena, p, KILN_MAX_BODY, &len);
    json_decref(p);
    return s;
}

static void push(kreq_t *kr, const invocation_t *inv, const install_rec_t *in)
{
    const char *queue, *job;
    json_t *req = read_request(kr, &queue, &job);
    if (!req)
        return;
    const char *schema = json_str(req, "schema");
    int v2 = schema && strcmp(schema, SCHEMA_V2) == 0;
    json_t *events = json_object_get(req, "payload");
    size_t n = json_array_size(events);
    if (!json_is_array(events) || n == 0) {
        answer(kr, 400, "message", "No events pushed.");
        return;
    }
    if (n > QUEUE_MAX_EVENTS) {
        answer(kr, 400, "message", "This push contains more than the 50 events allowed.");
        return;
    }
    size_t bytes;
    if (!json_dump_arena(kr->arena, events, QUEUE_MAX_PAYLOAD, &bytes)) {
        answer(kr, 413, "errorMessage", "The maximum payload size is 200KB.");
        return;
    }
    const char *module_key = consumer_of(kr, in, queue);
    if (!module_key) {
        answer(kr, 400, "message",
               arena_printf(kr->arena, "No consumer of queue %s in the installed version of the app.", queue));
        return;
    }
    /* the installation's events per minute: one count per event; a push that does not fit
     * whole is refused (429) having counted one */
    unsigned rate = platform_config()->queue_rate;
    if (rate) {
        const char *key = arena_printf(kr->arena, "queue:%s", in->id);
        int64_t now = clock_now_ms();
        ratelimit_result_t r = ratelimit_take(key, rate, now);
        if (r.allowed && r.remaining >= n - 1)
            for (size_t i = 1; i < n; i++)
                r = ratelimit_take(key, rate, now);
        else
            r.allowed = 0;
        ratelimit_headers(kr, &r);
        if (!r.allowed) {
            answer(kr, 429, "message", "Too many requests.");
            return;
        }
    }
    const char *chain = chain_of(kr, inv);
    json_t *failed = json_array();
    int64_t now = clock_now_ms();
    size_t ok = 0;
    int rc = store_begin(kr->store), over = 0;
    if (rc == STORE_OK) { /* counted with the push's events: a push not stored is not counted */
        over = queue_chain_take(kr->store, in->id, chain);
        rc = over < 0 ? STORE_ERROR : STORE_OK;
    }
    if (over == 1) {
        store_rollback(kr->store);
        json_decref(failed);
        answer(kr, 405, "message", "The limit on cyclic invocation has been reached.");
        return;
    }
    for (size_t i = 0; i < n && rc == STORE_OK; i++) {
        json_t *ev = json_array_get(events, i);
        double delay;
        const char *ckey, *why;
        int64_t climit;
        if ((why = check_event(ev, v2, req, &delay, &ckey, &climit))) {
            json_array_append_new(failed, json_pack("{s:i, s:s}", "index", (int)i, "errorMessage", why));
            continue;
        }
        delivery_rec_t d;
        deliver_rec_init(kr->arena, &d, in, DLV_SRC_QUEUE, module_key, queue, now);
        d.job_id = job;
        d.conc_key = ckey;
        d.conc_limit = climit;
        d.due_ms = now + (int64_t)(delay * 1000.0);
        d.payload_json = event_payload(kr, ev, v2, queue, job, d.event_id, chain);
        rc = d.payload_json ? store_delivery_insert(kr->store, &d) : STORE_ERROR;
        ok++;
    }
    if (rc != STORE_OK || store_commit(kr->store) != STORE_OK) {
        if (rc == STORE_OK)
            rc = STORE_ERROR;
        store_rollback(kr->store);
        json_decref(failed);
        answer(kr, 503, "message", "The events could not be stored; nothing was pushed. Retry shortly.");
        return;
    }
    if (ok)
        deliver_kick();
    if (json_array_size(failed)) {
        json_t *o = json_pack("{s:o}", "failedEvents", failed);
        reply_json_new(kr, 202, o);
        return;
    }
    json_decref(failed);
    json_t *o = json_pack("{s:s}", "jobId", job);
    reply_json_new(kr, 201, o);
}

/* ---------------------------------------------------------------- stats and cancel */

static void stats(kreq_t *kr, const invocation_t *inv, const install_rec_t *in)
{
    const char *queue, *job;
    if (!read_request(kr, &queue, &job))
        return;
    int64_t ok, busy, failed;
    int rc = store_delivery_job_stats(kr->store, inv->installation_id, queue, job, &ok, &busy, &failed);
    if (rc == STORE_NOTFOUND) {
        answer(kr, 404, "message", "No such job.");
        return;
    }
    if (rc != STORE_OK) {
        answer(kr, 503, "message", "The job's stats could not be read. Retry shortly.");
        return;
    }
    reply_json_new(kr, 200,
                   json_pack("{s:I, s:I, s:I}", "success", (json_int_t)ok, "inProgress", (json_int_t)busy, "failed",
                             (json_int_t)failed));
}

static void cancel(kreq_t *kr, const invocation_t *inv, const install_rec_t *in)
{
    const char *queue, *job;
    if (!read_request(kr, &queue, &job))
        return;
    int64_t n;
    int rc = store_delivery_job_cancel(kr->store, inv->installation_id, queue, job, clock_now_ms(), &n);
    if (rc == STORE_NOTFOUND) {
        answer(kr, 404, "message", "No such job.");
        return;
    }
    if (rc != STORE_OK) {
        answer(kr, 503, "message", "The job could not be cancelled. Retry shortly.");
        return;
    }
    reply_raw(kr, 204, "application/json", "", 0);
}

/* ---------------------------------------------------------------- the operations */

static const struct queue_op {
    const char *name; /* seg[4] */
    void (*fn)(kreq_t *kr, const invocation_t *inv, const install_rec_t *in);
} ops[] = {{"publish", push}, {"stats", stats}, {"cancel", cancel}};

int proxy_queue_match(kreq_t *kr)
{
    return kr->nseg >= 5 && strcmp(kr->seg[2], "webhook") == 0 && strcmp(kr->seg[3], "queue") == 0;
}

void proxy_queue(kreq_t *kr, const invocation_t *inv)
{
    /* seg: _proxy / fpp / webhook / queue / op / 4 placeholders (ignored) */
    const struct queue_op *op = NULL;
    for (size_t i = 0; i < sizeof ops / sizeof *ops && kr->nseg == 9; i++)
        if (strcmp(kr->seg[4], ops[i].name) == 0)
            op = &ops[i];
    if (!op) {
        answer(kr, 404, "message", "No such async events operation.");
        return;
    }
    if (!kreq_method_is(kr, "POST")) {
        answer(kr, 405, "message", "Method Not Allowed");
        return;
    }
    install_rec_t in;
    if (store_install_get(kr->store, kr->arena, inv->installation_id, &in) != STORE_OK || in.removed ||
        in.site_id != inv->site_id) {
        answer(kr, 404, "message", "The installation is gone.");
        return;
    }
    op->fn(kr, inv, &in);
}
