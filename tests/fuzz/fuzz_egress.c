/* libFuzzer harness for the egress allowlist (platform/egress.h): the input is split at its
 * first NUL into a request URL and an allowlist (newline-separated entries). Parsing must
 * never crash; a parsed URL is http(s) with a port in 1..65535 and a lowercase host with no
 * '/', '@', '\\', whitespace or control bytes; matching must never crash, an empty
 * allowlist allows nothing, and "*" alone allows every parsed URL. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/egress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t ulen = nul ? (size_t)(nul - data) : size;
    char *allow = NULL;
    if (nul) {
        size_t alen = size - ulen - 1;
        allow = malloc(alen + 1);
        if (!allow)
            return 0;
        memcpy(allow, nul + 1, alen);
        allow[alen] = '\0';
    }
    egress_url_t u;
    if (egress_url_parse((const char *)data, ulen, &u) == 0) {
        if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0)
            abort();
        if (u.port < 1 || u.port > 65535 || !u.host[0])
            abort();
        for (const char *c = u.host; *c; c++)
            if (*c == '/' || *c == '@' || *c == '\\' || isspace((unsigned char)*c) || iscntrl((unsigned char)*c) ||
                isupper((unsigned char)*c))
                abort();
        if (egress_allowed("", &u))
            abort();
        if (!egress_allowed("*", &u))
            abort();
        if (allow)
            (void)egress_allowed(allow, &u);
    }
    free(allow);
    return 0;
}
