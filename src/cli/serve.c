/* kiln serve, kiln store check, kiln keys new-master: commands that work on the store and
 * the data dir (or the key file) themselves, not through a server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/serve.h"
#include "auth/keys.h"
#include "cli/cli.h"
#include "platform/schedule.h"
#include "store/store.h"

static serve_opts_t so;
static const char *threads_arg, *store_threads_arg, *check_data, *snapshot_mb, *retention_days, *wt_rate, *px_rate,
    *kv_rate, *q_rate, *audit_days, *ledger_days, *ledger_arg, *leak_arg, *buffered_mb, *client_mb, *sandbox_uids;
static const char *session_idle, *session_max;
static int unsafe_no_sandbox, test_clock;

const cli_opt_t serve_opts[] = {
    {"--data", 1, &so.data_dir, NULL, "data directory (default $KILN_DATA or ./.kiln)"},
    {"--store", 1, &so.store_url, NULL,
     "postgresql://... : serve from PostgreSQL, set up and migrated on first start (default: SQLite in the data "
     "directory; docs/scale.md)"},
    {"--store-admin", 1, &so.store_admin_url, NULL,
     "postgresql://... : the kiln_admin login for cross-site work (default: the --store URL, which must then be "
     "allowed to SET ROLE kiln_admin; docs/scale.md)"},
    {"--key-file", 1, &so.key_file, NULL,
     "the master key all nodes share (default $KILN_MASTER_KEY_FILE, else DATA/master.key; make one with kiln keys "
     "new-master FILE)"},
    {"--listen", 1, &so.listen, NULL, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks one)"},
    {"--threads", 1, &threads_arg, NULL, "event-loop threads (default: one per CPU)"},
    {"--store-threads", 1, &store_threads_arg, NULL,
     "with --store: threads that run requests' database work off the event loops (default 0: on the event "
     "loops; 4 in the benchmarks; docs/scale.md)"},
    {"--public-url", 1, &so.public_url, NULL, "base URL of self links (default http://HOST:PORT)"},
    {"--ui-listen", 1, &so.ui_listen, NULL,
     "HOST:PORT of the UI origin, the listener that serves Custom UI apps' files and nothing else (default: none, "
     "Custom UI off; port 0 picks one)"},
    {"--ui-origin", 1, &so.ui_origin, NULL,
     "public URL of the UI origin; its host must differ from --public-url's (default http://HOST:PORT of "
     "--ui-listen, 127.0.0.1 as localhost)"},
    {"--max-snapshot-mb", 1, &snapshot_mb, NULL, "largest app snapshot a deploy may upload (default 100)"},
    {"--retention-days", 1, &retention_days, NULL, "keep an uninstalled app's data this long (default 28)"},
    {"--webtrigger-rate", 1, &wt_rate, NULL, "webtrigger requests per installation per minute (default 1200; 0: off)"},
    {"--proxy-rate", 1, &px_rate, NULL, "product calls per installation per minute (default 6000; 0: off)"},
    {"--kvs-rate", 1, &kv_rate, NULL, "app storage calls per installation per minute (default 60000; 0: off)"},
    {"--queue-rate", 1, &q_rate, NULL, "async events pushed per installation per minute (default 500; 0: off)"},
    {"--audit-retention-days", 1, &audit_days, NULL, "keep audit events this long (default 90; 0: forever)"},
    {"--egress-mode", 1, &so.egress_mode, NULL,
     "auto (default), namespace or in-process: how functions' outbound network access is confined (docs/egress.md)"},
    {"--ledger", 1, &ledger_arg, NULL, "on|off: record every transfer out of an invocation (default on)"},
    {"--ledger-retention-days", 1, &ledger_days, NULL, "keep ledger records this long (default 90; 0: forever)"},
    {"--leak-scan", 1, &leak_arg, NULL,
     "off|development|all: scan bytes leaving invocations for other sites' canaries (default development)"},
    {"--max-buffered-mb", 1, &buffered_mb, NULL,
     "MiB of unfinished requests kiln buffers in all, over every connection (default 256); more: 503"},
    {"--max-buffered-per-client-mb", 1, &client_mb, NULL,
     "MiB one client address may have buffered (default a quarter of --max-buffered-mb, at least one 5 MB request)"},
    {"--sandbox-uids", 1, &sandbox_uids, NULL,
     "FIRST-LAST: uids for sandboxed workers when kiln runs as root, one per pool; no host account may use them "
     "(default 2000000000-2000000063)"},
    {"--unsafe-no-sandbox", 0, NULL, &unsafe_no_sandbox,
     "run functions of every environment without the sandbox (they can read kiln's data dir; docs/security.md)"},
    {"--ui-assets", 1, &so.ui_assets, NULL,
     "DIR: the web UI's built front end (assets.json and the files it names; default ui/ beside the kiln binary, "
     "as make builds build/ui)"},
    {"--session-idle-seconds", 1, &session_idle, NULL, "a web UI session unused this long ends (default 43200: 12 h)"},
    {"--session-max-seconds", 1, &session_max, NULL,
     "every web UI session ends this long after sign-in (default 604800: 7 days)"},
    {"--test-clock", 0, NULL, &test_clock,
     "for tests only: the scheduler's clock stands still but for what the admin API moves it (POST "
     "/admin/v1/scheduler/advance)"},
    {0}};

static const char *check_url;
const cli_opt_t store_check_opts[] = {
    {"--data", 1, &check_data, NULL, "data directory (default $KILN_DATA or ./.kiln)"},
    {"--store", 1, &check_url, NULL, "postgresql://... : check that PostgreSQL store instead (as kiln_runtime)"},
    {0}};

static const char *default_data(const char *given)
{
    return given ? given : getenv("KILN_DATA") ? getenv("KILN_DATA") : "./.kiln";
}

int cmd_serve(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("serve", NULL), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    so.data_dir = default_data(so.data_dir);
    if (!so.key_file && getenv("KILN_MASTER_KEY_FILE") && *getenv("KILN_MASTER_KEY_FILE"))
        so.key_file = getenv("KILN_MASTER_KEY_FILE");
    if (!so.listen)
        so.listen = "127.0.0.1:8080";
    if (threads_arg) {
        char *end;
        long n = strtol(threads_arg, &end, 10);
        if (*threads_arg == '\0' || *end || n < 1 || n > 256) {
            fprintf(stderr, "kiln: --threads must be between 1 and 256\n");
            return 2;
        }
        so.threads = (int)n;
    }
    so.store_threads = -1; /* the default */
    if (store_threads_arg) {
        char *end;
        long n = strtol(store_threads_arg, &end, 10);
        if (*store_threads_arg == '\0' || *end || n < 0 || n > 64) {
            fprintf(stderr, "kiln: --store-threads must be between 0 and 64\n");
            return 2;
        }
        so.store_threads = (int)n;
    }
    struct {
        const char *arg, *name;
        long max;
        long *out;
    } nums[] = {{snapshot_mb, "--max-snapshot-mb", 10240, NULL}, {retention_days, "--retention-days", 3650, NULL}};
    long vals[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        if (!nums[i].arg)
            continue;
        char *end;
        vals[i] = strtol(nums[i].arg, &end, 10);
        if (!*nums[i].arg || *end || vals[i] < 1 || vals[i] > nums[i].max) {
            fprintf(stderr, "kiln: %s must be between 1 and %ld\n", nums[i].name, nums[i].max);
            return 2;
        }
    }
    const char *rates[4] = {wt_rate, px_rate, kv_rate, q_rate};
    long *rate_out[4] = {&so.webtrigger_rate, &so.proxy_rate, &so.kvs_rate, &so.queue_rate};
    for (int i = 0; i < 4; i++) {
        if (!rates[i])
            continue;
        char *end;
        long v = strtol(rates[i], &end, 10);
        if (!*rates[i] || *end || v < 0 || v > 100000000) {
            fprintf(stderr, "kiln: rate limits are requests per minute, 0 to turn them off\n");
            return 2;
        }
        *rate_out[i] = v ? v : -1;
    }
    so.audit_retention_days = -1; /* the default */
    if (audit_days) {
        char *end;
        long v = strtol(audit_days, &end, 10);
        if (!*audit_days || *end || v < 0 || v > 36500) {
            fprintf(stderr, "kiln: --audit-retention-days must be between 0 (forever) and 36500\n");
            return 2;
        }
        so.audit_retention_days = v;
    }
    if (so.egress_mode && strcmp(so.egress_mode, "auto") != 0 && strcmp(so.egress_mode, "namespace") != 0 &&
        strcmp(so.egress_mode, "in-process") != 0) {
        fprintf(stderr, "kiln: --egress-mode is auto, namespace or in-process\n");
        return 2;
    }
    so.ledger_retention_days = -1;
    if (ledger_days) {
        char *end;
        long v = strtol(ledger_days, &end, 10);
        if (!*ledger_days || *end || v < 0 || v > 36500) {
            fprintf(stderr, "kiln: --ledger-retention-days must be between 0 (forever) and 36500\n");
            return 2;
        }
        so.ledger_retention_days = v;
    }
    if (ledger_arg && strcmp(ledger_arg, "on") != 0 && strcmp(ledger_arg, "off") != 0) {
        fprintf(stderr, "kiln: --ledger takes on or off\n");
        return 2;
    }
    so.ledger_off = ledger_arg && strcmp(ledger_arg, "off") == 0;
    static const char *const modes[] = {"off", "development", "all"}; /* enum leak_mode order */
    for (int i = 0; leak_arg && i < 3; i++)
        if (strcmp(leak_arg, modes[i]) == 0)
            so.leak_mode = i + 1;
    if (leak_arg && !so.leak_mode) {
        fprintf(stderr, "kiln: --leak-scan takes off, development or all\n");
        return 2;
    }
    const char *mbs[2] = {buffered_mb, client_mb};
    size_t *mb_out[2] = {&so.max_buffered, &so.max_buffered_per_client};
    for (int i = 0; i < 2; i++) {
        if (!mbs[i])
            continue;
        char *end;
        long v = strtol(mbs[i], &end, 10);
        if (!*mbs[i] || *end || v < 1 || v > 1048576) {
            fprintf(stderr, "kiln: %s must be between 1 and 1048576 (MiB)\n",
                    i ? "--max-buffered-per-client-mb" : "--max-buffered-mb");
            return 2;
        }
        *mb_out[i] = (size_t)v * 1024 * 1024;
    }
    if (sandbox_uids) {
        char *end = NULL;
        unsigned long first = strtoul(sandbox_uids, &end, 10), last = 0;
        int ok = end != sandbox_uids && *end == '-' && sandbox_uids[0] >= '0' && sandbox_uids[0] <= '9';
        if (ok) {
            const char *l = end + 1;
            last = strtoul(l, &end, 10);
            ok = *l >= '0' && *l <= '9' && !*end && first > 0 && last >= first + 63 && last < 4294967295ul;
        }
        if (!ok) {
            fprintf(stderr,
                    "kiln: --sandbox-uids is FIRST-LAST, at least 64 uids above 0 (e.g. 2000000000-2000000063)\n");
            return 2;
        }
        so.sandbox_uid_first = (unsigned)first;
        so.sandbox_uid_count = (unsigned)(last - first + 1);
    }
    const char *sess[2] = {session_idle, session_max};
    int64_t *sess_out[2] = {&so.session_idle_ms, &so.session_max_ms};
    for (int i = 0; i < 2; i++) {
        if (!sess[i])
            continue;
        char *end;
        long v = strtol(sess[i], &end, 10);
        if (!*sess[i] || *end || v < 1 || v > 31536000) {
            fprintf(stderr, "kiln: %s must be between 1 and 31536000 (seconds)\n",
                    i ? "--session-max-seconds" : "--session-idle-seconds");
            return 2;
        }
        *sess_out[i] = (int64_t)v * 1000;
    }
    so.unsafe_no_sandbox = unsafe_no_sandbox;
    schedule_test_clock_enable(test_clock);
    if (test_clock)
        fprintf(stderr, "kiln: --test-clock: the scheduler's clock can be moved through the admin API (tests only)\n");
    so.max_snapshot = (uint64_t)vals[0] * 1024 * 1024;
    so.retention_ms = (int64_t)vals[1] * 24 * 3600 * 1000;
    return app_serve(&so);
}

const cli_opt_t keys_new_master_opts[] = {{0}};

int cmd_keys_new_master(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("keys", "new-master"), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (npos != 1) {
        fprintf(stderr, "kiln: keys new-master needs the FILE to create\n");
        return 2;
    }
    char err[4200];
    if (keys_new_file(pos[0], err, sizeof err) != 0) {
        fprintf(stderr, "kiln: %s\n", err);
        return 1;
    }
    printf("%s\n", pos[0]);
    return 0;
}

int cmd_store_check(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("store", "check"), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    char err[4096];
    if (check_url) {
        if (store_select(check_url, err, sizeof err) != 0) {
            fprintf(stderr, "kiln: %s\n", err);
            return 2;
        }
        rc = store_check_selected(err, sizeof err);
        if (rc == STORE_UNAVAILABLE) {
            fprintf(stderr, "kiln: %s\n", err);
            return 1;
        }
        printf("%s\n", err);
        return rc == STORE_OK ? 0 : 1;
    }
    const char *dir = default_data(check_data);
    char path[4096];
    snprintf(path, sizeof path, "%s/kiln.db", dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kiln: no store at %s\n", path);
        return 1;
    }
    fclose(f);
    store_t *st = store_open(dir, err, sizeof err);
    if (!st) {
        fprintf(stderr, "kiln: %s\n", err);
        return 1;
    }
    rc = store_check(st, err, sizeof err);
    store_close(st);
    printf("%s\n", err);
    return rc == STORE_OK ? 0 : 1;
}
