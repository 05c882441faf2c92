#include "base/json.h"

#include <string.h>

#include "base/buf.h"

/* A single pass that tracks string state and bracket depth; jansson's own limit is a
 * compile-time 2048, far above what any request needs. */
static int depth_ok(const char *s, size_t n, size_t max_depth, size_t *pos)
{
    size_t depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) {
                *pos = i;
                return 0;
            }
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return 1;
}

json_t *json_parse_limited(const char *s, size_t n, size_t max_depth, json_err_t *err)
{
    *err = (json_err_t){0};
    size_t pos = 0;
    if (!depth_ok(s, n, max_depth, &pos)) {
        *err = (json_err_t){JERR_DEPTH, "JSON nested too deeply", pos};
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!j) {
        *err = (json_err_t){JERR_SYNTAX, "Malformed JSON", (size_t)(je.position > 0 ? je.position : 0)};
        return NULL;
    }
    return j;
}

static void decref(void *p) { json_decref(p); }

json_t *json_own(arena_t *a, json_t *j)
{
    if (j)
        arena_defer(a, decref, j);
    return j;
}

json_t *json_parse_arena(arena_t *a, const char *s, size_t n, size_t max_depth, json_err_t *err)
{
    return json_own(a, json_parse_limited(s, n, max_depth, err));
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    return buf_add(data, buffer, size);
}

char *json_dump_arena(arena_t *a, const json_t *j, size_t max, size_t *len)
{
    buf_t b;
    buf_init(&b, max);
    char *out = NULL;
    if (json_dump_callback(j, dump_cb, &b, JSON_COMPACT | JSON_ENCODE_ANY) == 0) {
        out = arena_strndup(a, b.ptr ? b.ptr : "", b.len);
        if (out)
            *len = b.len;
    }
    buf_free(&b);
    return out;
}

const char *json_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}
