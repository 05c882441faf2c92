/* jexpr_micro: the cost of a trigger filter (src/product/jexpr.c): compiling each
 * expression into a fresh arena, and evaluating it over an issue event N times; the last
 * one is a runaway (four nested maps) that must stop at JEXPR_STEPS_MAX: how long it runs
 * before it does. Build and run (docs/events.md):
 *   make && cc -std=gnu11 -O2 -D_GNU_SOURCE -Isrc -o build/bench/jexpr_micro bench/jexpr_micro.c \
 *       build/lib/libproduct.a build/lib/libbase.a -ljansson -lpthread && build/bench/jexpr_micro */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "product/jexpr.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    json_t *v = json_loads("{\"event\":{\"issue\":{\"key\":\"WEB-1\",\"fields\":{\"summary\":\"Login page crashes\","
                           "\"labels\":[\"urgent\",\"frontend\"],\"project\":{\"key\":\"WEB\"}}},\"changelog\":{"
                           "\"items\":[{\"field\":\"status\",\"toString\":\"Done\"},{\"field\":\"labels\",\"toString\":"
                           "\"urgent\"}]}}}",
                           0, NULL);
    static const char *const srcs[] = {
        "event.issue.fields?.project.key == 'WEB' && event.issue.fields.labels.includes('urgent')",
        "event.changelog.items.some(i => i.field == 'status' && i.toString == 'Done')",
        "'0123456789abcdefgh'.split('').map(a => '0123456789abcdefgh'.split('').map(b => '0123456789abcdefgh'"
        ".split('').map(c => '0123456789abcdefgh'.split('').map(d => a == d))))",
    };
    for (size_t k = 0; k < sizeof srcs / sizeof *srcs; k++) {
        jexpr_err_t e;
        double c0 = now();
        for (int i = 0; i < 20000; i++) {
            arena_t *b = arena_new(1 << 20);
            if (!jexpr_compile(b, srcs[k], strlen(srcs[k]), &e))
                return 1;
            arena_free(b);
        }
        double compile_us = (now() - c0) / 20000 * 1e6;
        arena_t *a = arena_new(1 << 20);
        jexpr_t *x = jexpr_compile(a, srcs[k], strlen(srcs[k]), &e);
        int n = k < 2 ? 200000 : 20, r = 0;
        char err[200] = "";
        double t0 = now();
        for (int i = 0; i < n; i++)
            r = jexpr_test(x, v, err, sizeof err);
        printf("%zu: compile %.2f us, eval %.2f us (%d runs) -> %d %s\n", k, compile_us, (now() - t0) / n * 1e6, n, r,
               r == JEXPR_ERROR ? err : "");
        arena_free(a);
    }
    json_decref(v);
    return 0;
}
