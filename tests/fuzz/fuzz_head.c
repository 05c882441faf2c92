/* libFuzzer harness for HTTP/1 request heads as kiln reads them (http/bodygate.h): h2o's
 * own parser (picohttpparser's phr_parse_request, exported by libh2o-evloop, as
 * bodygate_parse_head calls it) and kiln's body-length policy on top of it. For any bytes:
 *   - bodygate_parse_head answers 1, 0 (incomplete) or -1 exactly as phr_parse_request
 *     does, with the same head length, and its path lies in the head, up to '?';
 *   - has_body exactly when a Content-Length or Transfer-Encoding header is there; a head
 *     without framing_error has at most one of them, a Content-Length of plain digits
 *     (its value in `length`) or one Transfer-Encoding `chunked` on HTTP/1.1;
 *   - after bodygate_drop_body (what the gate does to a refused head), the same bytes
 *     parse to a head of the same length, method and path in which no header is
 *     Content-Length or Transfer-Encoding: h2o dispatches it without reading a body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/bodygate.h"
#include "http/phr.h"

static int is(const struct phr_header *h, const char *name)
{
    return h->name && h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    const char *method, *path;
    size_t mlen, plen, nh = H2O_MAX_HEADERS;
    int minor;
    struct phr_header hs[H2O_MAX_HEADERS];
    int r = phr_parse_request(buf, size, &method, &mlen, &path, &plen, &minor, hs, &nh, 0);
    bodygate_head_t h;
    int g = bodygate_parse_head(buf, size, &h);
    if (g != (r >= 0 ? 1 : r == -2 ? 0 : -1))
        abort();
    if (g == 1) {
        if (h.head_len != (size_t)r || h.head_len > size || h.path != path || h.path_len > plen ||
            memchr(h.path, '?', h.path_len) || (h.path_len < plen && path[h.path_len] != '?'))
            abort();
        unsigned cls = 0, tes = 0, chunked = 0;
        for (size_t i = 0; i < nh; i++) {
            cls += is(&hs[i], "content-length");
            tes += is(&hs[i], "transfer-encoding");
            chunked +=
                is(&hs[i], "transfer-encoding") && hs[i].value_len == 7 && !strncasecmp(hs[i].value, "chunked", 7);
        }
        if (h.has_body != (cls + tes > 0))
            abort();
        if (!h.framing_error) {
            if (cls + tes > 1 || (tes && (!chunked || minor == 0)) || h.chunked != (tes == 1))
                abort();
            for (size_t i = 0; i < nh; i++)
                if (is(&hs[i], "content-length")) {
                    uint64_t v = 0;
                    if (hs[i].value_len == 0)
                        abort();
                    for (size_t k = 0; k < hs[i].value_len; k++) {
                        if (hs[i].value[k] < '0' || hs[i].value[k] > '9')
                            abort();
                        v = v * 10 + (uint64_t)(hs[i].value[k] - '0');
                    }
                    if (v != h.length)
                        abort();
                }
        }
        /* refused: h2o must see no body-length header at all */
        char *orig = malloc(size + 1);
        memcpy(orig, buf, size);
        bodygate_drop_body(&h);
        const char *m2, *p2;
        size_t ml2, pl2, nh2 = H2O_MAX_HEADERS;
        int minor2;
        struct phr_header hs2[H2O_MAX_HEADERS];
        int r2 = phr_parse_request(buf, size, &m2, &ml2, &p2, &pl2, &minor2, hs2, &nh2, 0);
        if (r2 != r || ml2 != mlen || memcmp(m2, orig + (method - buf), mlen) != 0 || pl2 != plen ||
            memcmp(p2, orig + (path - buf), plen) != 0 || nh2 != nh)
            abort();
        for (size_t i = 0; i < nh2; i++)
            if (is(&hs2[i], "content-length") || is(&hs2[i], "transfer-encoding"))
                abort();
        free(orig);
    }
    free(buf);
    return 0;
}
