/* libFuzzer harness for request-body parsing: json_parse_limited must refuse or accept
 * any input without crashing, never accept nesting beyond the limit, and what it accepts
 * must survive a round trip through the response writer (base/jsonw.h). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/jsonw.h"

#define DEPTH 16

static size_t depth_of(const json_t *j)
{
    size_t d = 0;
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, k, v)
        {
            size_t c = depth_of(v);
            if (c > d)
                d = c;
        }
        return d + 1;
    }
    if (json_is_array(j)) {
        json_array_foreach(j, i, v)
        {
            size_t c = depth_of(v);
            if (c > d)
                d = c;
        }
        return d + 1;
    }
    return 0;
}

static void write_value(jsonw_t *w, const json_t *j)
{
    const char *k;
    json_t *v;
    size_t i;
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        jw_obj(w);
        json_object_foreach((json_t *)j, k, v)
        {
            jw_key(w, k);
            write_value(w, v);
        }
        jw_obj_end(w);
        break;
    case JSON_ARRAY:
        jw_arr(w);
        json_array_foreach(j, i, v) write_value(w, v);
        jw_arr_end(w);
        break;
    case JSON_STRING: jw_strn(w, json_string_value(j), json_string_length(j)); break;
    case JSON_INTEGER: jw_int(w, json_integer_value(j)); break;
    case JSON_TRUE: jw_bool(w, 1); break;
    case JSON_FALSE: jw_bool(w, 0); break;
    default: jw_null(w); break; /* reals are written as null: not used by kiln's writer */
    }
}

static int has_real(const json_t *j)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_real(j))
        return 1;
    if (json_is_object(j))
        json_object_foreach((json_t *)j, k, v) if (has_real(v)) return 1;
    if (json_is_array(j))
        json_array_foreach(j, i, v) if (has_real(v)) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_err_t err;
    json_t *j = json_parse_limited((const char *)data, size, DEPTH, &err);
    if (!j)
        return 0;
    if (depth_of(j) > DEPTH)
        abort();
    if (!has_real(j)) {
        buf_t b;
        buf_init(&b, 1 << 20);
        jsonw_t w;
        jw_init(&w, &b);
        write_value(&w, j);
        if (!w.err) {
            json_error_t je;
            json_t *back = json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
            if (!back || !json_equal(j, back))
                abort();
            json_decref(back);
        }
        buf_free(&b);
    }
    json_decref(j);
    return 0;
}
