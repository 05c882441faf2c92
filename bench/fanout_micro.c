/* fanout_micro: the cost of the fan-out of product events (src/platform/fanout.c) on a
 * store in a temp dir: one site, APPS apps installed on it, each with two triggers on
 * avi:jira:created:issue (one plain, one with an expression filter that passes half the
 * events), EVENTS events appended in one transaction, then fanout_site until none remain.
 * Prints events/s and deliveries/s. Build and run (docs/events.md):
 *   make && cc -std=gnu11 -O2 -D_GNU_SOURCE -Isrc -o build/bench/fanout_micro bench/fanout_micro.c \
 *       build/lib/libplatform.a build/lib/libgateway.a build/lib/libproduct.a build/lib/libhttp.a \
 *       build/lib/libruntime.a build/lib/libjournal.a build/lib/libauth.a build/lib/libstore.a \
 *       build/lib/libbase.a -lh2o-evloop -ljansson -lyajl -lyaml -lsqlite3 -lssl -lcrypto -lcurl \
 *       -larchive -lhs -lseccomp -lpthread && build/bench/fanout_micro [APPS] [EVENTS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "platform/app.h"
#include "platform/fanout.h"
#include "platform/install.h"
#include "platform/site.h"
#include "store/store_apps.h"
#include "store/store_events.h"

static double secs(struct timespec a, struct timespec b)
{
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    int apps = argc > 1 ? atoi(argv[1]) : 10, events = argc > 2 ? atoi(argv[2]) : 20000;
    log_min_level = LOG_ERROR;
    char dir[] = "/tmp/kiln-fanout-bench-XXXXXX", err[256] = "";
    if (!mkdtemp(dir))
        return 1;
    store_t *st = store_open(dir, err, sizeof err);
    arena_t *a = arena_new(1u << 28);
    site_rec_t site;
    if (!st || store_migrate(st, err, sizeof err) != STORE_OK || site_create(st, a, "bench", 0, &site) != STORE_OK) {
        fprintf(stderr, "setup: %s\n", err);
        return 1;
    }
    for (int i = 0; i < apps; i++) {
        app_rec_t app;
        app_register(st, a, arena_printf(a, "bench-%d", i), &app);
        version_rec_t v = {
            .app_id = app.id,
            .env_key = "development",
            .manifest_json = "{\"modules\":{\"trigger\":[{\"key\":\"all\",\"function\":\"fn\",\"events\":["
                             "\"avi:jira:created:issue\"]},{\"key\":\"half\",\"function\":\"fn\",\"events\":["
                             "\"avi:jira:created:issue\"],\"filter\":{\"ignoreSelf\":true,\"expression\":"
                             "\"event.issue.fields.issuetype.name == 'Bug'\"}}],\"function\":[{\"key\":\"fn\","
                             "\"handler\":\"index.run\"}]}}",
            .major_key = "K",
            .scopes_json = "[\"read:jira-work\"]",
            .egress_json = "{}",
            .snapshot = "versions/x",
            .snapshot_bytes = 1,
        };
        install_rec_t in;
        if (app_deploy_record(st, a, &v, 1) != STORE_OK ||
            install_create(st, a, &site, app.id, "development", NULL, 1, &in, &v) != INSTALL_OK) {
            fprintf(stderr, "app %d not installed\n", i);
            return 1;
        }
    }
    store_begin(st);
    for (int i = 0; i < events; i++) {
        event_rec_t e = {
            .kind = "avi:jira:created:issue",
            .created_ms = 2,
            .actor_account_id = "user",
            .entity_id = "1",
            .payload_json = arena_printf(a,
                                         "{\"issue\":{\"id\":\"%d\",\"key\":\"B-%d\",\"fields\":{\"summary\":\"an "
                                         "issue with a summary of some length\",\"issuetype\":{\"id\":\"1\",\"name\":"
                                         "\"%s\"},\"labels\":[\"a\",\"b\"],\"assignee\":null}}}",
                                         10000 + i, i, i % 2 ? "Bug" : "Task"),
        };
        store_event_append(st, site.id, &e);
    }
    store_commit(st);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t total = 0, made;
    int more = 1, batches = 0;
    while (more) {
        arena_t *pass = arena_new(64u << 20);
        if (fanout_site(st, pass, site.id, &more, &made) != 0) {
            fprintf(stderr, "fanout_site failed\n");
            return 1;
        }
        arena_free(pass);
        total += made;
        batches++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = secs(t0, t1);
    printf("fanout: %d apps, %d events, %zu deliveries in %d batches: %.3f s, %.0f events/s, %.0f deliveries/s\n", apps,
           events, total, batches, s, events / s, total / s);
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 && total == (size_t)apps * events * 3 / 2 ? 0 : 2;
}
