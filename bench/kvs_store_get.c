/* store_kvs_get per second through the store's own API, on one thread (issue 20: the
 * neutral statement layer must not slow SQLite down). Fills a fresh data dir with 10,000
 * keys, then reads N random ones, 100 per read transaction. Not part of `make bench`; to
 * compare two trees (bench/README.md, "The store's KVS get"), build it against each
 * tree's store and base archives after `make`:
 *
 *   cc -std=gnu11 -O2 -D_GNU_SOURCE -ITREE/src -o kvs_get bench/kvs_store_get.c \
 *      TREE/build/lib/libstore.a TREE/build/lib/libbase.a $(pkg-config --libs sqlite3 openssl) -lpthread -lm
 *   ./kvs_get DIR 1000000 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store/store.h"
#include "store/store_kvs.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kvs_store_get DATA_DIR GETS\n");
        return 2;
    }
    char err[256] = "";
    store_t *st = store_open(argv[1], err, sizeof err);
    if (!st || store_migrate(st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "kvs_store_get: %s\n", err);
        return 1;
    }
    store_relax_durability(st);
    kvs_owner_t o = {1, "inst"};
    char key[32];
    store_begin(st);
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "k%05d", i);
        kvs_rec_t r = {KVS_KIND_PLAIN, "", key, "{\"v\":123456789}", 15, 1, 1, 0};
        store_kvs_put(st, &o, &r, 1);
    }
    store_commit(st);
    int n = atoi(argv[2]);
    unsigned s = 1;
    arena_t *a = NULL;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        if (i % 100 == 0) {
            if (i)
                store_commit(st);
            arena_free(a);
            a = arena_new(1 << 16);
            store_begin_read(st);
        }
        s = s * 1103515245 + 12345;
        snprintf(key, sizeof key, "k%05u", (s >> 8) % 10000);
        kvs_rec_t r;
        if (store_kvs_get(st, a, &o, KVS_KIND_PLAIN, "", key, 1, &r) != STORE_OK) {
            fprintf(stderr, "kvs_store_get: %s missing\n", key);
            return 1;
        }
    }
    store_commit(st);
    printf("%.0f gets/s\n", n / (now() - t0));
    arena_free(a);
    store_close(st);
    return 0;
}
