/* Gateway step 1: path normalisation. We look at the raw bytes, before any decoding, and
 * refuse anything whose meaning could differ between kiln and another parser: a path
 * that needs normalising is an attack or a bug, never a request to guess at. */
#include <string.h>

#include "base/enc.h"
#include "gateway/gateway.h"
#include "http/reply.h"

int gateway_split_path(arena_t *a, const char *p, size_t len, const char **seg, size_t *nseg)
{
    if (len > KILN_MAX_PATH)
        return 414;
    if (len == 0 || p[0] != '/')
        return 400;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f || c == '\\' || c == '#')
            return 400;
        if (c == '%') {
            int h = i + 2 < len ? enc_hexval((unsigned char)p[i + 1]) : -1;
            int l = i + 2 < len ? enc_hexval((unsigned char)p[i + 2]) : -1;
            if (h < 0 || l < 0)
                return 400;
            int v = h << 4 | l;
            /* encoded dot, slash, backslash, NUL or control byte */
            if (v == '.' || v == '/' || v == '\\' || v < 0x20 || v == 0x7f)
                return 400;
        }
    }
    *nseg = 0;
    if (len == 1)
        return 0; /* "/" */
    size_t start = 1;
    for (size_t i = 1; i <= len; i++) {
        if (i < len && p[i] != '/')
            continue;
        size_t sl = i - start;
        /* an empty segment ("//" or a trailing "/") or a dot segment */
        if (sl == 0 || (sl == 1 && p[start] == '.') || (sl == 2 && p[start] == '.' && p[start + 1] == '.'))
            return 400;
        if (*nseg == KILN_MAX_SEGMENTS)
            return 414;
        char *d = arena_alloc(a, sl + 1);
        if (!d)
            return 414;
        if (enc_pct_decode(d, p + start, sl, 0) < 0)
            return 400;
        seg[(*nseg)++] = d;
        start = i + 1;
    }
    return 0;
}

int gateway_normalise(kreq_t *kr)
{
    h2o_req_t *req = kr->req;
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    if (req->query_at != SIZE_MAX) {
        kr->query = req->path.base + req->query_at + 1;
        kr->query_len = req->path.len - req->query_at - 1;
    }
    if (req->path.len > KILN_MAX_PATH) {
        reply_error(kr, 414, 1, "Request-URI Too Long");
        return -1;
    }
    int status = gateway_split_path(kr->arena, req->path.base, plen, kr->seg, &kr->nseg);
    if (status == 0)
        return 0;
    reply_error(kr, status, 1, status == 414 ? "Request-URI Too Long" : "Invalid request path");
    return -1;
}
