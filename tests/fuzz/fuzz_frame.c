/* libFuzzer harness for the frames a worker writes on fd 4 (runtime/frame.c, the framing
 * between kiln and its Node workers; runtime/node/README.md): the input is what a hostile
 * worker writes on the pipe, split into lines as the runtime thread splits them
 * (rt_lines), each line handled as rt_worker_frame handles it, against a worker running
 * invocation "inv-run" that ran "inv-old" before:
 *   - rt_frame_parse: BAD exactly when the line is not a JSON object with a string
 *     "type" (then no frame), a log or result counts only with the running id;
 *   - log frames stay within the job's budgets (RT_LOGS_MAX lines, RT_LOG_BYTES_MAX
 *     bytes) and only at console's levels, never kiln's own;
 *   - late frames go through (to the journal, which is not running here: dropped);
 *   - a result frame detaches its value (or its error as JSON text);
 *   - a fetch frame is served as proxycall_serve serves it (platform/proxycall.h: the
 *     frame's checks, its headers and base64 body, the gateway's path normaliser, the
 *     proxy's credential check against a store in a temp dir, made once): -1 with nothing
 *     written, or exactly one response frame, a JSON line with the frame's seq. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "platform/proxycall.h"
#include "runtime/rt_int.h"
#include "store/store.h"

#include "fuzz_util.h"

static store_t *st;

static const char *const levels[] = {"log", "info", "warn", "error", "debug"};

static int on_line(worker_t *w, const char *line, size_t len)
{
    json_t *f;
    enum rt_frame k = rt_frame_parse(w, line, len, &f);
    if ((k == RT_FRAME_BAD) != (f == NULL) || (f && !json_is_string(json_object_get(f, "type"))))
        abort();
    switch (k) {
    case RT_FRAME_BAD: return 0; /* the runtime kills the worker: the next line is another worker's */
    case RT_FRAME_LOG:
    case RT_FRAME_RESULT:
        if (!w->job || strcmp(json_str(f, "id"), w->job->inv.id) != 0)
            abort();
        break;
    default: break;
    }
    switch (k) {
    case RT_FRAME_FETCH: {
        buf_t out;
        buf_init(&out, PROXYCALL_MAX_RESPONSE_FRAME);
        int r = proxycall_serve(st, NULL, "http://kiln.test", 0, w->job ? w->job->inv.id : NULL, f, &out);
        if (r != 0 && out.len != 0)
            abort();
        if (r == 0) { /* one line: a response frame for the call's seq */
            json_error_t je;
            if (out.len < 2 || out.ptr[out.len - 1] != '\n' || memchr(out.ptr, '\n', out.len - 1))
                abort();
            json_t *resp = json_loadb(out.ptr, out.len - 1, 0, &je);
            if (!resp || strcmp(json_str(resp, "type") ? json_str(resp, "type") : "", "response") != 0 ||
                !json_equal(json_object_get(resp, "seq"), json_object_get(f, "seq")) ||
                !json_is_integer(json_object_get(resp, "status")))
                abort();
            json_decref(resp);
        }
        buf_free(&out);
        break;
    }
    case RT_FRAME_LOG:
        rt_frame_log(w, f);
        if (json_array_size(w->job->logs) > RT_LOGS_MAX || w->job->log_bytes > RT_LOG_BYTES_MAX)
            abort();
        if (json_array_size(w->job->logs)) {
            const char *lvl = json_str(json_array_get(w->job->logs, json_array_size(w->job->logs) - 1), "level");
            size_t i = 0;
            while (lvl && i < sizeof levels / sizeof *levels && strcmp(lvl, levels[i]) != 0)
                i++;
            if (!lvl || i == sizeof levels / sizeof *levels)
                abort();
        }
        break;
    case RT_FRAME_LATE: rt_frame_late(w, f); break;
    case RT_FRAME_RESULT: {
        char *error = NULL;
        enum rt_status s = rt_frame_result(w->job, f, &error);
        if ((s != RT_OK && s != RT_ERROR) || (s == RT_OK && (!w->job->result || error)) ||
            json_object_get(f, "metrics"))
            abort();
        free(error);
        json_decref(w->job->result);
        w->job->result = NULL;
        break;
    }
    default: break;
    }
    json_decref(f);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st)
        st = fuzz_store("frame");
    rt_job_t old, job;
    memset(&old, 0, sizeof old);
    memset(&job, 0, sizeof job);
    snprintf(old.inv.id, sizeof old.inv.id, "inv-old");
    snprintf(job.inv.id, sizeof job.inv.id, "inv-run");
    worker_t w;
    memset(&w, 0, sizeof w);
    buf_init(&w.wbuf, RT_MAX_RESPONSE_FRAME);
    rt_frame_started(&w, &old);
    rt_frame_started(&w, &job);
    w.job = &job;
    buf_t in;
    buf_init(&in, RT_MAX_FRAME);
    if (buf_add(&in, data, size) == 0) {
        rt_lines(&w, &in, on_line);
        if (in.len && memchr(in.ptr, '\n', in.len)) /* only a partial last line is left */
            abort();
    }
    buf_free(&in);
    buf_free(&w.wbuf);
    json_decref(job.logs);
    json_decref(job.metrics);
    json_decref(job.result);
    return 0;
}
