/* kiln audit: the audit log (journal/audit.h) through the admin API. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "platform/site.h"

static cli_conn_t conn;
static int json_out;
static const char *site_opt, *since_opt, *n_opt;

const cli_opt_t audit_opts[] = {
    {"--site", 1, &site_opt, NULL, "only this site's events"},
    {"--since", 1, &since_opt, NULL, "only events since T: 30s, 15m, 2h, 7d ago, an ISO date/time (UTC) or epoch ms"},
    {"-n", 1, &n_opt, NULL, "how many of the newest events (default 100, at most 1000)"},
    {"--json", 0, NULL, &json_out, "print JSON (one object per line)"},
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

int cmd_audit(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("audit", NULL), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    char *end = NULL;
    long n = n_opt ? strtol(n_opt, &end, 10) : 100;
    if (n_opt && (!*n_opt || *end || n < 1 || n > 1000)) {
        fprintf(stderr, "kiln: -n takes 1 to 1000\n");
        return 2;
    }
    if (site_opt && !site_name_valid(site_opt)) {
        fprintf(stderr, "kiln: invalid site name\n");
        return 2;
    }
    long long since = 0;
    if (since_opt && (since = cli_parse_since(since_opt, clock_now_ms())) < 0) {
        fprintf(stderr, "kiln: --since takes a duration (30s, 15m, 2h, 7d), an ISO date or date-time in UTC "
                        "(2026-11-28, 2026-11-28T09:00:00Z) or epoch milliseconds\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof path, "/admin/v1/audit?n=%ld&since=%lld%s%s", n, since, site_opt ? "&site=" : "",
             site_opt ? site_opt : "");
    json_t *resp = NULL;
    long status = client_call(&conn, "GET", path, NULL, &resp);
    if (status != 200)
        return status < 0 ? 1 : client_fail(status, resp);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(resp, "events"), i, e)
    {
        if (json_out) {
            char *s = json_dumps(e, JSON_COMPACT);
            printf("%s\n", s);
            free(s);
            continue;
        }
        const char *site = json_string_value(json_object_get(e, "site"));
        const char *cat = json_string_value(json_object_get(e, "category"));
        const char *path_s = json_string_value(json_object_get(e, "path"));
        const char *detail = json_string_value(json_object_get(e, "detail"));
        printf("%s %-14s %-10s %-12s %3lld %s%s%s%s%s\n", json_string_value(json_object_get(e, "time")),
               json_string_value(json_object_get(e, "kind")), json_string_value(json_object_get(e, "plane")),
               site && *site ? site : "-", (long long)json_integer_value(json_object_get(e, "status")),
               json_string_value(json_object_get(e, "method")), path_s && *path_s ? " " : "", path_s ? path_s : "",
               cat && *cat ? " " : "", cat ? cat : "");
        long long count = (long long)json_integer_value(json_object_get(e, "count"));
        if (count > 1)
            printf("    x%lld identical, the last at %s\n", count, json_string_value(json_object_get(e, "lastTime")));
        if (detail && *detail)
            printf("    %s\n", detail);
    }
    json_decref(resp);
    return 0;
}
