/* jql_micro: the cost of parsing JQL (src/product/jql.c), each query parsed N times into
 * a fresh arena, as a request would. Build and run (docs/jql.md):
 *   make && cc -std=gnu11 -O2 -Isrc -o build/bench/jql_micro bench/jql_micro.c \
 *       build/lib/libproduct.a build/lib/libbase.a -ljansson -lpthread && build/bench/jql_micro */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "product/jql.h"

int main(void)
{
    static const char *const qs[] = {
        "project = WEB AND status = \"In Progress\" ORDER BY updated DESC",
        "assignee = currentUser() AND statusCategory != Done AND (labels in (a, b, c) OR priority >= High) AND "
        "updated >= -7d ORDER BY priority DESC, updated DESC, key ASC",
    };
    const int n = 200000;
    for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < n; i++) {
            arena_t *a = arena_new(1u << 20);
            jql_query_t *q;
            jql_error_t e;
            if (jql_parse(a, qs[k], strlen(qs[k]), &q, &e) != JQL_OK) {
                fprintf(stderr, "%s\n", e.msg);
                return 1;
            }
            arena_free(a);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / n;
        printf("jql_parse, %zu-byte query: %.2f us\n", strlen(qs[k]), us);
    }
    return 0;
}
