/* kiln audit | ledger | logs: the journals (journal/) through the admin API
 * (platform/admin_journal.h). One runner pages them alike: -n of the newest rows, --since,
 * --site, --json (one object per line) and --follow (then every new row as it is written,
 * until interrupted); each journal has its own options table and row printer. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/enc.h"
#include "cli/cli.h"
#include "platform/site.h"

static cli_conn_t conn;
static int json_out, follow;
static const char *site_opt, *since_opt, *n_opt;

#define SINCE_HELP "30s, 15m, 2h, 7d ago, an ISO date/time (UTC) or epoch ms"
#define FOLLOW_OPT                                                                                                     \
    {                                                                                                                  \
        "--follow", 0, NULL, &follow, "keep printing new rows until interrupted"                                       \
    }
#define JSON_OPT                                                                                                       \
    {                                                                                                                  \
        "--json", 0, NULL, &json_out, "print JSON (one object per line)"                                               \
    }

const cli_opt_t audit_opts[] = {{"--site", 1, &site_opt, NULL, "only this site's events"},
                                {"--since", 1, &since_opt, NULL, "only events since T: " SINCE_HELP},
                                {"-n", 1, &n_opt, NULL, "how many of the newest events (default 100, at most 1000)"},
                                FOLLOW_OPT,
                                JSON_OPT,
                                CLI_CONN_OPTS(conn),
                                {0}};
const cli_opt_t ledger_opts[] = {{"--site", 1, &site_opt, NULL, "the site whose flows to show (required)"},
                                 {"--since", 1, &since_opt, NULL, "only records since T: " SINCE_HELP},
                                 {"-n", 1, &n_opt, NULL, "how many of the newest records (default 100, at most 1000)"},
                                 FOLLOW_OPT,
                                 JSON_OPT,
                                 CLI_CONN_OPTS(conn),
                                 {0}};
const cli_opt_t logs_opts[] = {{"--site", 1, &site_opt, NULL, "only this site's invocations"},
                               {"-n", 1, &n_opt, NULL, "how many of the newest lines (default 100, at most 1000)"},
                               FOLLOW_OPT,
                               JSON_OPT,
                               CLI_CONN_OPTS(conn),
                               {0}};

long long cli_parse_since(const char *s, long long now_ms)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end != s && v >= 0) {
        static const struct {
            const char *unit;
            long long ms;
        } units[] = {{"s", 1000LL}, {"m", 60000LL}, {"h", 3600000LL}, {"d", 86400000LL}};
        if (!*end && end - s >= 10) /* a bare number: epoch milliseconds */
            return v;
        for (size_t i = 0; i < sizeof units / sizeof *units; i++)
            if (strcmp(end, units[i].unit) == 0 && v <= 36500LL * 86400000LL / units[i].ms)
                return now_ms - v * units[i].ms;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) {
        memset(&tm, 0, sizeof tm);
        rest = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!rest || (*rest && strcmp(rest, "Z") != 0))
        return -1;
    time_t t = timegm(&tm);
    return t < 0 ? -1 : (long long)t * 1000;
}

/* ---- the row printers ---- */

static void print_event(json_t *row)
{
    const char *site = json_string_value(json_object_get(row, "site"));
    const char *cat = json_string_value(json_object_get(row, "category"));
    const char *path_s = json_string_value(json_object_get(row, "path"));
    const char *detail = json_string_value(json_object_get(row, "detail"));
    printf("%s %-14s %-10s %-12s %3lld %s%s%s%s%s\n", json_string_value(json_object_get(row, "time")),
           json_string_value(json_object_get(row, "kind")), json_string_value(json_object_get(row, "plane")),
           site && *site ? site : "-", (long long)json_integer_value(json_object_get(row, "status")),
           json_string_value(json_object_get(row, "method")), path_s && *path_s ? " " : "", path_s ? path_s : "",
           cat && *cat ? " " : "", cat ? cat : "");
    long long count = (long long)json_integer_value(json_object_get(row, "count"));
    if (count > 1)
        printf("    x%lld identical, the last at %s\n", count, json_string_value(json_object_get(row, "lastTime")));
    if (detail && *detail)
        printf("    %s\n", detail);
}

static void print_record(json_t *row)
{
    const char *dir = json_string_value(json_object_get(row, "direction"));
    const char *src = json_string_value(json_object_get(row, "site"));
    const char *dsite = json_string_value(json_object_get(row, "destinationSite"));
    const char *dest = json_string_value(json_object_get(row, "destination"));
    const char *inv = json_string_value(json_object_get(row, "invocationId"));
    /* out: "-> T (destination)"; in: "<- S" */
    int in = dir && strcmp(dir, "in") == 0;
    printf("%s %-3s %-19s %s %s%s%s %8lld bytes  invocation %s\n", json_string_value(json_object_get(row, "time")),
           in ? "in" : "out", json_string_value(json_object_get(row, "kind")), in ? "<-" : "->",
           in ? (src && *src ? src : "?")
              : (dsite && *dsite ? dsite
                 : dest && *dest ? dest
                                 : "-"),
           !in && dsite && *dsite && dest && *dest ? " via " : "", !in && dsite && *dsite && dest ? dest : "",
           (long long)json_integer_value(json_object_get(row, "bytes")),
           inv && *inv ? inv : "- (sent by kiln: a lifecycle event)");
}

static void print_line(json_t *row)
{
    if (json_object_get(row, "outcome")) { /* how an invocation ended (GET /admin/v1/logs?invocations=1) */
        printf("%s %-5s [%s %s %.8s] %s in %lld ms\n", json_string_value(json_object_get(row, "time")), "call",
               json_string_value(json_object_get(row, "site")), json_string_value(json_object_get(row, "module")),
               json_string_value(json_object_get(row, "invocationId")),
               json_string_value(json_object_get(row, "outcome")),
               (long long)json_integer_value(json_object_get(row, "durationMs")));
        return;
    }
    printf("%s %-5s [%s %s %.8s] %s\n", json_string_value(json_object_get(row, "time")),
           json_string_value(json_object_get(row, "level")), json_string_value(json_object_get(row, "site")),
           json_string_value(json_object_get(row, "module")), json_string_value(json_object_get(row, "invocationId")),
           json_string_value(json_object_get(row, "message")));
}

/* ---- the runner ---- */

typedef struct journal_cmd {
    const char *name; /* the command and its endpoint, /admin/v1/<name> */
    const char *rows; /* the answer's array */
    int need_site;    /* --site is required */
    int with_since;   /* --since is an option */
    void (*print)(json_t *row);
} journal_cmd_t;

static const journal_cmd_t audit = {"audit", "events", 0, 1, print_event};
static const journal_cmd_t ledger = {"ledger", "records", 1, 1, print_record};
static const journal_cmd_t logs = {"logs", "logs", 0, 0, print_line};
static const journal_cmd_t *const journals[] = {&audit, &ledger, &logs};

/* One page after *after (the newest `n` when *after is 0), printed; the one reader of the
 * journals, for the commands here and `kiln dev`. */
static int poll_page(const cli_conn_t *c, const journal_cmd_t *jc, const char *site, long long n, long long since,
                     long long *after, int with_invocations, int json, int (*filter)(json_t *, void *), void *arg)
{
    char path[320];
    snprintf(path, sizeof path, "/admin/v1/%s?n=%lld&after=%lld%s%s%s", jc->name, n, *after, site ? "&site=" : "",
             site ? site : "", with_invocations ? "&invocations=1" : "");
    if (jc->with_since && since)
        snprintf(path + strlen(path), sizeof path - strlen(path), "&since=%lld", since);
    json_t *resp = NULL;
    long status = client_call(c, "GET", path, NULL, &resp);
    if (status != 200)
        return status < 0 ? 1 : client_fail(status, resp);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(resp, jc->rows), i, row)
    {
        *after = json_integer_value(json_object_get(row, "id"));
        if (filter && !filter(row, arg))
            continue;
        if (json) {
            char *s = json_dumps(row, JSON_COMPACT);
            printf("%s\n", s);
            free(s);
        } else {
            jc->print(row);
        }
    }
    fflush(stdout);
    json_decref(resp);
    return 0;
}

int cli_journal_poll(const cli_conn_t *c, const char *name, const char *site, long long n, long long *after,
                     int with_invocations, int json, int (*filter)(json_t *row, void *arg), void *arg)
{
    for (size_t i = 0; i < sizeof journals / sizeof *journals; i++)
        if (strcmp(journals[i]->name, name) == 0)
            return poll_page(c, journals[i], site, n, 0, after, with_invocations, json, filter, arg);
    return 1;
}

static volatile sig_atomic_t interrupted;
static void on_int(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int run(const journal_cmd_t *jc, int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find(jc->name, NULL), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (jc->need_site && !site_opt) {
        fprintf(stderr, "kiln: %s needs --site NAME\n", jc->name);
        return 2;
    }
    if (site_opt && !site_name_valid(site_opt)) {
        fprintf(stderr, "kiln: invalid site name\n");
        return 2;
    }
    int64_t n = 100;
    if (n_opt && enc_parse_i64(n_opt, 1, 1000, &n) != 0) {
        fprintf(stderr, "kiln: -n takes 1 to 1000\n");
        return 2;
    }
    long long since = 0;
    if (jc->with_since && since_opt && (since = cli_parse_since(since_opt, clock_now_ms())) < 0) {
        fprintf(stderr, "kiln: --since takes a duration (30s, 15m, 2h, 7d), an ISO date or date-time in UTC "
                        "(2026-11-28, 2026-11-28T09:00:00Z) or epoch milliseconds\n");
        return 2;
    }
    long long after = 0;
    if (follow)
        signal(SIGINT, on_int);
    for (int first = 1; !interrupted; first = 0) {
        rc = poll_page(&conn, jc, site_opt, first ? (long long)n : 1000LL, since, &after, 0, json_out, NULL, NULL);
        if (rc)
            return rc;
        if (!follow)
            break;
        for (int t = 0; t < 10 && !interrupted; t++)
            usleep(100000);
    }
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    return run(&audit, argc, argv);
}
int cmd_ledger(int argc, char **argv)
{
    return run(&ledger, argc, argv);
}
int cmd_logs(int argc, char **argv)
{
    return run(&logs, argc, argv);
}
