/* libFuzzer harness for request-body parsing: json_parse_limited must refuse or accept
 * any input without crashing, never accept nesting beyond the limit, accept exactly what
 * jansson's own reader accepts (it parses with yajl's lexer into jansson trees: the two
 * readers are checked against each other, tree for tree), and what it accepts must
 * survive a round trip through the response writer (base/jsonw.h). */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_err_t err;
    json_t *j = json_parse_limited((const char *)data, size, DEPTH, &err);
    if (err.code != JERR_DEPTH) { /* past the depth pre-scan: the reference reader must agree */
        json_error_t je;
        json_t *ref =
            json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
        /* one known difference: jansson skips a raw NUL byte after a number or a literal
         * (`[1\0]` reads as [1]); kiln refuses it, as JSON does */
        int jansson_nul_quirk = !j && ref && memchr(data, 0, size);
        if ((!j != !ref && !jansson_nul_quirk) || (j && !json_equal(j, ref)))
            abort();
        json_decref(ref);
    }
    if (!j)
        return 0;
    if (depth_of(j) > DEPTH)
        abort();
    {
        buf_t b;
        buf_init(&b, 1 << 20);
        jsonw_t w;
        jw_init(&w, &b);
        jw_json(&w, j); /* nesting <= DEPTH and an 8 KB input fit the writer's limits: no error */
        json_error_t je;
        json_t *back = w.err ? NULL : json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!back || !json_equal(j, back))
            abort();
        json_decref(back);
        buf_free(&b);
    }
    json_decref(j);
    return 0;
}
