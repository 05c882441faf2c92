/* libFuzzer harness for gateway step 1 (path normalisation): any byte string must be
 * either refused with 400/414 or split into segments that contain no '/', no NUL, and
 * are never "." or "..". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "gateway/gateway.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(KILN_ARENA_CAP);
    const char *seg[KILN_MAX_SEGMENTS];
    size_t n = 0;
    int status = gateway_split_path(a, (const char *)data, size, seg, &n);
    if (status != 0 && status != 400 && status != 414)
        abort();
    if (status == 0) {
        if (n > KILN_MAX_SEGMENTS)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (strchr(seg[i], '/') || strchr(seg[i], '\\') || !strcmp(seg[i], ".") || !strcmp(seg[i], "..") ||
                seg[i][0] == '\0')
                abort();
        }
    }
    arena_free(a);
    return 0;
}
