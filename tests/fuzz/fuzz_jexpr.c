/* libFuzzer harness for Jira expressions (src/product/jexpr.h): any byte string is either
 * refused with a positioned message (line and column within the text, a non-empty
 * message) or compiled; a compiled expression is evaluated over a fixed issue event and
 * over a scalar (no variables): it answers a value or a positioned error, within its step
 * and size limits, never a crash, and the same answer twice (evaluation keeps no state). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "product/jexpr.h"

static json_t *event;

static void check_pos(const jexpr_err_t *err, const uint8_t *data, size_t size)
{
    unsigned lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (err->msg[0] == 0 || err->line < 1 || err->col < 1 || err->line > lines || err->col > size + 1)
        abort();
}

static char *eval_text(const jexpr_t *x, json_t *vars)
{
    char err[256];
    json_t *v = jexpr_eval(x, vars, err, sizeof err);
    if (!v) {
        unsigned l, c;
        if (err[0] == 0 || sscanf(err, "%u:%u: ", &l, &c) != 2)
            abort();
        return strdup(err);
    }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_SORT_KEYS);
    json_decref(v);
    if (!s)
        abort();
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!event)
        event = json_pack("{s:{s:s, s:{s:s, s:s, s:{s:s, s:[s, s], s:n, s:i, s:{s:s}}}, s:{s:[{s:s, s:s}]}}}", "event",
                          "eventType", "avi:jira:updated:issue", "issue", "id", "10001", "key", "WEB-1", "fields",
                          "summary", "Login page crashes", "labels", "urgent", "frontend", "assignee", "storyPoints", 5,
                          "priority", "name", "High", "changelog", "items", "field", "status", "toString", "Done");
    arena_t *a = arena_new(1u << 24);
    jexpr_err_t err;
    jexpr_t *x = jexpr_compile(a, (const char *)data, size, &err);
    if (!x) {
        check_pos(&err, data, size);
        arena_free(a);
        return 0;
    }
    static const char *const only_event[] = {"event", NULL};
    if (jexpr_check_vars(x, only_event, &err) != 0)
        check_pos(&err, data, size);
    json_t *scalar = json_pack("{s:i}", "x", 1);
    json_t *vars[] = {event, scalar};
    for (int i = 0; i < 2; i++) {
        char *r1 = eval_text(x, vars[i]), *r2 = eval_text(x, vars[i]);
        if (strcmp(r1, r2) != 0)
            abort();
        char e[64];
        int t = jexpr_test(x, vars[i], e, sizeof e);
        if (t != JEXPR_TRUE && t != JEXPR_FALSE && t != JEXPR_ERROR)
            abort();
        free(r1);
        free(r2);
    }
    json_decref(scalar);
    arena_free(a);
    return 0;
}
