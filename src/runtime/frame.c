/* The frames a worker writes on fd 4 (runtime/node/README.md): one parser and one handler
 * per kind, for both of a worker's drivers, the runtime thread (rt_worker_frame, here) and
 * an HTTP thread it is lent to (runtime/lend.c). */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "journal/fnlog.h"
#include "runtime/rt_int.h"

#define FRAME_DEPTH 128 /* nesting of a frame: a function's value rides in it */

enum rt_frame rt_frame_parse(const worker_t *w, const char *line, size_t len, json_t **f)
{
    json_err_t jerr;
    *f = json_parse_limited(line, len, FRAME_DEPTH, &jerr);
    const char *type = *f ? json_str(*f, "type") : NULL;
    if (!type) {
        json_decref(*f);
        *f = NULL;
        return RT_FRAME_BAD;
    }
    static const struct {
        const char *type;
        enum rt_frame kind;
        int of_job; /* 1: counts only for the running job (its invocation id) */
    } kinds[] = {
        {"fetch", RT_FRAME_FETCH, 0},   {"ready", RT_FRAME_READY, 0}, {"log", RT_FRAME_LOG, 1},
        {"result", RT_FRAME_RESULT, 1}, {"late", RT_FRAME_LATE, 0},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(type, kinds[i].type) != 0)
            continue;
        if (kinds[i].of_job) {
            const char *id = json_str(*f, "id");
            if (!w->job || !id || strcmp(id, w->job->inv.id) != 0)
                return RT_FRAME_OTHER;
        }
        return kinds[i].kind;
    }
    return RT_FRAME_OTHER;
}

int rt_frame_fetch(worker_t *w, void *ctx, const json_t *f)
{
    /* answered at once, in order, on fd 3 */
    if (w->woff == w->wbuf.len) {
        buf_reset(&w->wbuf);
        w->woff = 0;
    }
    if (RT.fetch(ctx, w->job ? w->job->inv.id : NULL, f, &w->wbuf) != 0)
        return -1;
    rt_worker_flush(w);
    return 0;
}

/* The levels a worker's lines may have (console's methods in worker.js): kiln's own
 * (FNLOG_INVOCATION, the row saying how an invocation ended) is not one of them. */
static const char *const worker_levels[] = {"log", "info", "warn", "error", "debug"};

void rt_frame_log(worker_t *w, const json_t *f)
{
    const char *lvl = json_str(f, "level"), *msg = json_str(f, "message"), *level = "log";
    for (size_t i = 0; lvl && i < sizeof worker_levels / sizeof *worker_levels; i++)
        if (strcmp(lvl, worker_levels[i]) == 0)
            level = worker_levels[i];
    rt_add_log(w->job, level, msg ? msg : "", json_integer_value(json_object_get(f, "time")));
}

void rt_frame_started(worker_t *w, const rt_job_t *job)
{
    struct rt_recent *r = &w->recent[w->recent_next++ % RT_RECENT];
    r->inv = job->inv;
    r->inv.scopes = r->inv.egress = r->inv.imp_scopes = NULL; /* the job's, freed with it */
    r->lines = 0;
}

void rt_frame_late(worker_t *w, const json_t *f)
{
    const char *id = json_str(f, "id"), *msg = json_str(f, "message");
    if (!id || !msg || (w->job && strcmp(id, w->job->inv.id) == 0))
        return;
    struct rt_recent *r = NULL;
    for (unsigned i = 0; i < RT_RECENT && !r; i++)
        if (w->recent[i].inv.id[0] && strcmp(w->recent[i].inv.id, id) == 0)
            r = &w->recent[i];
    if (!r || r->lines > RT_LATE_LINES)
        return;
    char line[RT_LATE_BYTES + 128];
    if (++r->lines > RT_LATE_LINES) {
        snprintf(line, sizeof line, "more output after the invocation ended: not logged (the first %d lines are)",
                 RT_LATE_LINES);
    } else {
        size_t n = json_string_length(json_object_get(f, "message")), cut = n;
        if (cut > RT_LATE_BYTES) {
            cut = RT_LATE_BYTES;
            while (cut && ((unsigned char)msg[cut] & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
                cut--;
        }
        snprintf(line, sizeof line, "output after the invocation ended: %.*s%s", (int)cut, msg, cut < n ? "..." : "");
    }
    fnlog_line(&r->inv, "warn", line);
}

enum rt_status rt_frame_result(rt_job_t *job, json_t *f, char **error)
{
    *error = NULL;
    /* the app's metrics, detached like the value, whatever the outcome */
    json_t *m = json_object_get(f, "metrics");
    if (m) {
        json_decref(job->metrics);
        job->metrics = json_incref(m);
        json_object_del(f, "metrics");
    }
    if (!json_is_true(json_object_get(f, "ok"))) {
        *error = json_dumps(json_object_get(f, "error"), JSON_COMPACT | JSON_ENCODE_ANY);
        return RT_ERROR;
    }
    /* the value, detached from the frame: the job owns it whole, so nothing on this
     * thread holds a reference once the job is sent */
    json_t *v = json_incref(json_object_get(f, "value"));
    json_object_del(f, "value");
    job->result_undefined = v == NULL;
    json_decref(job->result);
    job->result = v ? v : json_null();
    return RT_OK;
}

int rt_worker_frame(worker_t *w, const char *line, size_t len)
{
    json_t *f;
    switch (rt_frame_parse(w, line, len, &f)) {
    case RT_FRAME_BAD: rt_worker_kill(w, RT_CRASH, "the function's worker sent a malformed message"); return -1;
    case RT_FRAME_FETCH:
        if (rt_frame_fetch(w, RT.fetch_ctx, f) != 0) {
            json_decref(f);
            rt_worker_kill(w, RT_CRASH, "the function's worker sent a malformed message");
            return -1;
        }
        break;
    case RT_FRAME_READY:
        w->ready = 1;
        w->idle_since_ms = clock_now_ms();
        break;
    case RT_FRAME_LOG: rt_frame_log(w, f); break;
    case RT_FRAME_LATE: rt_frame_late(w, f); break;
    case RT_FRAME_RESULT: {
        rt_job_t *job = w->job;
        w->job = NULL;
        w->idle_since_ms = clock_now_ms();
        char *error;
        enum rt_status st = rt_frame_result(job, f, &error);
        rt_finish(job, st, error);
        break;
    }
    case RT_FRAME_OTHER: break;
    }
    json_decref(f);
    return 0;
}
