/* The per-request pieces of the data-flow ledger and the leak scan, timed alone (run by
 * bench/ledger.sh, built against kiln's objects): one Hyperscan pass of the canary
 * matcher over a response-sized buffer with N canaries loaded, one ledger_record into the
 * queue, and one ledger row written by the store in batches of LEDGER_BATCH. These are
 * what the ledger and the scan add to a webtrigger round trip; bench/ledger.sh measures
 * the whole round trip side by side.
 *
 * usage: ledger_micro DIR CANARIES BYTES */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "journal/leak.h"
#include "journal/ledger.h"
#include "store/store.h"
#include "store/store_journal.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ledger_micro DIR CANARIES BYTES\n");
        return 2;
    }
    log_min_level = LOG_WARN;
    const char *dir = argv[1];
    int ncan = atoi(argv[2]), nbytes = atoi(argv[3]);
    if (ncan < 1 || ncan > 100000 || nbytes < 1 || nbytes > (1 << 24))
        return 2;
    char err[256];

    /* the matcher */
    int64_t *ids = calloc((size_t)ncan, sizeof *ids);
    char(*can)[48] = calloc((size_t)ncan, sizeof *can);
    const char **cp = calloc((size_t)ncan, sizeof *cp);
    for (int i = 0; i < ncan; i++) {
        ids[i] = i + 1;
        snprintf(can[i], sizeof can[i], "kiln-canary-%08x%08x%08x%08x", i * 2654435761u, i, i ^ 0x5a5a5a5a, i * 40503u);
        cp[i] = can[i];
    }
    if (leak_load(ids, cp, (size_t)ncan, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    char *buf = malloc((size_t)nbytes);
    static const char text[] = "{\"values\":[{\"key\":\"WEB\",\"name\":\"Website Relaunch\",\"id\":\"10000\"}],\"kiln-";
    for (int i = 0; i < nbytes; i++)
        buf[i] = text[i % (sizeof text - 1)];
    leak_hits_t h;
    int n = 200000;
    long found = 0;
    double t0 = now_us();
    for (int i = 0; i < n; i++)
        found += leak_find(buf, (size_t)nbytes, 1, NULL, 0, &h);
    double scan_us = (now_us() - t0) / n;

    /* the queue and the writer */
    store_t *st = store_open(dir, err, sizeof err);
    if (!st || store_migrate(st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    store_relax_durability(st);
    if (ledger_start(dir, "http://127.0.0.1:1", 1, 0, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    invocation_t inv = {.site_id = 1};
    strcpy(inv.id, "0d1f2a3b-1111-4222-8333-444455558888");
    strcpy(inv.installation_id, "0d1f2a3b-1111-4222-8333-444455557777");
    strcpy(inv.app_id, "0d1f2a3b-1111-4222-8333-444455556666");
    int nrec = 10000; /* within the queue: what an HTTP thread pays */
    t0 = now_us();
    for (int i = 0; i < nrec; i++)
        ledger_record(&inv, LEDGER_WEBTRIGGER_RESPONSE, "client 127.0.0.1", 700);
    double record_us = (now_us() - t0) / nrec;
    ledger_stop();

    ledger_rec_t r[LEDGER_BATCH];
    for (int i = 0; i < LEDGER_BATCH; i++)
        r[i] = (ledger_rec_t){.time_ms = 1,
                              .site_id = 1 + i % 4,
                              .kind = "webtrigger.response",
                              .app_id = inv.app_id,
                              .installation_id = inv.installation_id,
                              .invocation_id = inv.id,
                              .destination = "client 127.0.0.1",
                              .bytes = 700};
    int batches = 100;
    t0 = now_us();
    for (int k = 0; k < batches; k++)
        if (store_ledger_insert(st, r, LEDGER_BATCH) != STORE_OK)
            return 1;
    double row_us = (now_us() - t0) / (batches * LEDGER_BATCH);
    store_close(st);
    leak_unload();
    printf("scan %.3f us per %d-byte buffer with %d canaries (%ld found); record %.3f us; row %.2f us\n", scan_us,
           nbytes, ncan, found, record_us, row_us);
    return 0;
}
