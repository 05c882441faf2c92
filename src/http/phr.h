/* picohttpparser's request parser, as built into libh2o-evloop and exported by it (its
 * header is not installed): the parser h2o reads every HTTP/1 request head with, so that
 * kiln reads a head exactly as h2o will (http/bodygate.h). */
#ifndef KILN_PHR_H
#define KILN_PHR_H

#include <stddef.h>

struct phr_header {
    const char *name; /* NULL for a folded continuation line */
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* The head of buf[0..len): its length, -2 incomplete or -1 malformed; *num_headers is the
 * capacity of `headers` in, the count out. last_len: 0, or the length of a previous call's
 * buf that this one extends. */
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len);

#endif
