/* perm_user_has alone (product/perm.h): the permission check every request makes, on a
 * store with 2000 users holding a Member role in 17 of 50 projects, against the direct-
 * grant lookup it replaced (store_perm_has). Not part of `make bench` (no Makefile line:
 * built by hand, linked as a unit test is):
 *
 *   make && cc -std=gnu11 -O2 -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -Isrc -Itests/unit \
 *      -I/usr/include/yajl -o build/bench/perm_micro bench/perm_micro.c build/lib/libproduct.a \
 *      build/lib/libhttp.a build/lib/libruntime.a build/lib/libjournal.a build/lib/libauth.a \
 *      build/lib/libstore.a build/lib/libbase.a -lh2o-evloop -ljansson -lyajl -lyaml \
 *      -lsqlite3 -lssl -lcrypto -lcurl -larchive -lhs -lseccomp -lpthread -lcmocka
 *   build/bench/perm_micro
 */
#include "product/model.h"
#include "product/perm.h"
#include "store/store_roles.h"
#include "store_fixture.h"
#include "unit.h"
#include <time.h>
int main(void)
{
    fx_t *f;
    setup((void **)&f);
    store_begin(f->st);
    for (int p = 0; p < 50; p++) {
        char k[16];
        snprintf(k, sizeof k, "P%d", p);
        add_project(f, f->A.id, arena_strdup(f->a, k), k, "software");
    }
    char id[32];
    for (int u = 0; u < 2000; u++)
        for (int p = 0; p < 50; p += 3) {
            snprintf(id, sizeof id, "u%d", u);
            store_role_actor_add(f->st, f->A.id, 10000 + p, ROLE_MEMBER, id);
        }
    store_commit(f->st);
    struct timespec a, b;
    int hits = 0, N = 200000;
    for (int i = 0; i < 20000; i++) { /* warm the statements and the page cache */
        snprintf(id, sizeof id, "u%d", i % 2000);
        perm_user_has(f->st, f->A.id, id, 10000 + i % 50, "EDIT_ISSUES");
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "u%d", i % 2000);
        hits += perm_user_has(f->st, f->A.id, id, 10000 + i % 50, "EDIT_ISSUES");
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("perm_user_has: %.2f us/call over %d calls (%d granted; 2000 users x 17 roles)\n",
           ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / N / 1000.0, N, hits);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "u%d", i % 2000);
        int has;
        store_perm_has(f->st, f->A.id, id, 10000 + i % 50, "EDIT_ISSUES", &has);
        hits += has;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("store_perm_has (grants only, the check before roles): %.2f us/call\n",
           ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / N / 1000.0);
    teardown((void **)&f);
    return 0;
}
