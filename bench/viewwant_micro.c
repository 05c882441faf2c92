/* What a person's GET of an issue pays to learn whether any app installed on its site
 * wants avi:jira:viewed:issue (docs/events.md, "Product events"): the manifest scan
 * (store_install_site_mentions, what every such GET ran before) against the per-thread
 * cached flag (product/viewwant.h), on one thread, inside a read snapshot as a GET is.
 * A fresh data dir with one site and APPS installed apps whose manifests (about 1.6 KiB
 * each) do not name the event (the scan reads them all and finds nothing). Not part of
 * `make bench`; after `make`:
 *
 *   cc -std=gnu11 -O2 -D_GNU_SOURCE -Isrc -o /tmp/viewwant_micro bench/viewwant_micro.c \
 *      build/lib/libproduct.a build/lib/libstore.a build/lib/libbase.a \
 *      $(pkg-config --libs sqlite3 openssl jansson libpq) -lpthread -lm
 *   /tmp/viewwant_micro DIR 8 200000 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "product/viewwant.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

static const char VIEWED[] = "avi:jira:viewed:issue"; /* EV_ISSUE_VIEWED (product/events.h) */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: viewwant_micro DATA_DIR APPS CALLS\n");
        return 2;
    }
    int apps = atoi(argv[2]), n = atoi(argv[3]);
    char err[256] = "";
    store_t *st = store_open(argv[1], err, sizeof err);
    if (!st || store_migrate(st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "viewwant_micro: %s\n", err);
        return 1;
    }
    store_relax_durability(st);
    site_rec_t site = {0, "cloud-micro", "micro", "admin", "canary", 1};
    char manifest[4096];
    int len = snprintf(manifest, sizeof manifest,
                       "{\"modules\":{\"trigger\":[{\"key\":\"t\",\"function\":\"f\","
                       "\"events\":[\"avi:jira:updated:issue\"]}],\"function\":[");
    for (int i = 0; i < 40; i++)
        len += snprintf(manifest + len, sizeof manifest - len, "%s{\"key\":\"fn-%02d\",\"handler\":\"index.h%02d\"}",
                        i ? "," : "", i, i);
    snprintf(manifest + len, sizeof manifest - len, "]},\"permissions\":{\"scopes\":[\"read:jira-work\"]}}");
    if (store_begin(st) != STORE_OK || store_site_insert(st, &site) != STORE_OK)
        return 1;
    for (int i = 0; i < apps; i++) {
        char app[40], inst[40];
        snprintf(app, sizeof app, "app-%d", i);
        snprintf(inst, sizeof inst, "inst-%d", i);
        app_rec_t ar = {app, app, 1};
        env_rec_t er = {app, "development", app, "version", 1};
        version_rec_t vr = {app, "development", 0, 1, 0, manifest, "k", "[]", "[]", "", 0, 1};
        install_rec_t in = {inst, site.id, app, "development", "admin", "bot", 1, "[]", "[]", 0, 0, 1, 1, 0, 0};
        if (store_app_insert(st, &ar) != STORE_OK || store_env_insert(st, &er) != STORE_OK ||
            store_version_insert(st, &vr) != STORE_OK || store_install_insert(st, &in) != STORE_OK) {
            fprintf(stderr, "viewwant_micro: setup failed\n");
            return 1;
        }
    }
    store_commit(st);
    for (int round = 0; round < 2; round++) {
        const char *what = round == 0 ? "manifest scan (before)" : "cached flag (viewwant_get)";
        int yes = 0, yeses = 0;
        double t0 = now();
        for (int i = 0; i < n; i++) {
            if (i % 100 == 0) {
                if (i)
                    store_commit(st);
                store_begin_read(st);
            }
            int rc = round == 0 ? store_install_site_mentions(st, site.id, VIEWED, &yes)
                                : viewwant_get(st, site.id, VIEWED, &yes);
            if (rc != STORE_OK)
                return 1;
            yeses += yes;
        }
        store_commit(st);
        double us = (now() - t0) / n * 1e6;
        printf("%-28s %d apps: %.3f us per GET (%d said yes)\n", what, apps, us, yeses);
    }
    store_close(st);
    return 0;
}
