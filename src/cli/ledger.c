/* kiln ledger: the data-flow ledger of one site (journal/ledger.h) through the admin API:
 * where the site's data went, and which other sites' data came in. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "platform/site.h"

static cli_conn_t conn;
static int json_out;
static const char *site_opt, *since_opt, *n_opt;

const cli_opt_t ledger_opts[] = {
    {"--site", 1, &site_opt, NULL, "the site whose flows to show (required)"},
    {"--since", 1, &since_opt, NULL, "only records since T: 30s, 15m, 2h, 7d ago, an ISO date/time (UTC) or epoch ms"},
    {"-n", 1, &n_opt, NULL, "how many of the newest records (default 100, at most 1000)"},
    {"--json", 0, NULL, &json_out, "print JSON (one object per line)"},
    CLI_CONN_OPTS(conn),
    {0}};

int cmd_ledger(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("ledger", NULL), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (!site_opt) {
        fprintf(stderr, "kiln: ledger needs --site NAME\n");
        return 2;
    }
    if (!site_name_valid(site_opt)) {
        fprintf(stderr, "kiln: invalid site name\n");
        return 2;
    }
    char *end = NULL;
    long n = n_opt ? strtol(n_opt, &end, 10) : 100;
    if (n_opt && (!*n_opt || *end || n < 1 || n > 1000)) {
        fprintf(stderr, "kiln: -n takes 1 to 1000\n");
        return 2;
    }
    long long since = 0;
    if (since_opt && (since = cli_parse_since(since_opt, clock_now_ms())) < 0) {
        fprintf(stderr, "kiln: --since takes a duration (30s, 15m, 2h, 7d), an ISO date or date-time in UTC "
                        "(2026-11-28, 2026-11-28T09:00:00Z) or epoch milliseconds\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof path, "/admin/v1/ledger?n=%ld&since=%lld&site=%s", n, since, site_opt);
    json_t *resp = NULL;
    long status = client_call(&conn, "GET", path, NULL, &resp);
    if (status != 200)
        return status < 0 ? 1 : client_fail(status, resp);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(resp, "records"), i, r)
    {
        if (json_out) {
            char *s = json_dumps(r, JSON_COMPACT);
            printf("%s\n", s);
            free(s);
            continue;
        }
        const char *dir = json_string_value(json_object_get(r, "direction"));
        const char *src = json_string_value(json_object_get(r, "site"));
        const char *dsite = json_string_value(json_object_get(r, "destinationSite"));
        const char *dest = json_string_value(json_object_get(r, "destination"));
        const char *inv = json_string_value(json_object_get(r, "invocationId"));
        /* out: "-> T (destination)"; in: "<- S" */
        int in = dir && strcmp(dir, "in") == 0;
        printf("%s %-3s %-19s %s %s%s%s %8lld bytes  invocation %s\n", json_string_value(json_object_get(r, "time")),
               in ? "in" : "out", json_string_value(json_object_get(r, "kind")), in ? "<-" : "->",
               in ? (src && *src ? src : "?")
                  : (dsite && *dsite ? dsite
                     : dest && *dest ? dest
                                     : "-"),
               !in && dsite && *dsite && dest && *dest ? " via " : "", !in && dsite && *dsite && dest ? dest : "",
               (long long)json_integer_value(json_object_get(r, "bytes")),
               inv && *inv ? inv : "- (sent by kiln: a lifecycle event)");
    }
    json_decref(resp);
    return 0;
}
