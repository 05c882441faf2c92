/* kiln events [show ID | replay ID]: the deliveries (docs/events.md) through the admin API
 * (platform/admin_events.h). The listing prints one line a delivery, oldest first, with
 * the filters of GET /admin/v1/deliveries; --follow keeps printing new deliveries and
 * prints a delivery again each time its state or attempts change, until it is final. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/enc.h"
#include "cli/cli.h"
#include "platform/admin_events.h"
#include "platform/app.h"
#include "platform/site.h"

#define FOLLOW_TRACK_MAX 1000 /* deliveries --follow watches for changes at once */

static cli_conn_t conn;
static int json_out, follow;
static const char *site_opt, *app_opt, *state_opt, *limit_opt, *after_opt;

const cli_opt_t events_opts[] = {
    {"--site", 1, &site_opt, NULL, "only this site's deliveries"},
    {"--app", 1, &app_opt, NULL, "only this app's deliveries (its id or ARI)"},
    {"--state", 1, &state_opt, NULL,
     "only deliveries in this state: pending, running, delivered, dead, cancelled, dropped"},
    {"--limit", 1, &limit_opt, NULL, "how many (default 100, at most 1000)"},
    {"--after", 1, &after_opt, NULL, "only deliveries with a greater id (the last id of the previous page)"},
    {"--follow", 0, NULL, &follow, "keep printing new deliveries and state changes until interrupted"},
    {"--json", 0, NULL, &json_out, "print JSON (one object per line)"},
    CLI_CONN_OPTS(conn),
    {0}};
const cli_opt_t events_show_opts[] = {
    {"--json", 0, NULL, &json_out, "print the delivery as JSON"}, CLI_CONN_OPTS(conn), {0}};
const cli_opt_t events_replay_opts[] = {
    {"--json", 0, NULL, &json_out, "print the delivery as JSON"}, CLI_CONN_OPTS(conn), {0}};

static const char *str(json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));
    return s && *s ? s : "-";
}

static long long num(json_t *row, const char *key)
{
    return (long long)json_integer_value(json_object_get(row, key));
}

/* One line: id, created, state, attempts, site, source, module, event type, app, then the
 * last error (or the reason it was dropped) indented below. */
static void print_row(json_t *row)
{
    if (json_out) {
        char *s = json_dumps(row, JSON_COMPACT);
        printf("%s\n", s ? s : "{}");
        free(s);
        return;
    }
    const char *app = str(row, "appId");
    const char *bare = app_id_from_ari(app);
    printf("%6lld %s %-9s %2lld %-14s %-9s %-20s %s app %.8s\n", num(row, "id"), str(row, "created"), str(row, "state"),
           num(row, "attempts"), str(row, "site"), str(row, "source"), str(row, "module"), str(row, "eventType"),
           bare ? bare : app);
    const char *err = json_string_value(json_object_get(row, "lastError"));
    if (err && *err)
        printf("       %s\n", err);
}

static int final_state(const char *state)
{
    return strcmp(state, "pending") != 0 && strcmp(state, "running") != 0;
}

/* --follow's memory: a printed delivery not yet final, with what was printed. */
typedef struct seen {
    long long id, attempts;
    char state[16];
} seen_t;

static seen_t track[FOLLOW_TRACK_MAX];
static size_t ntrack;

static void remember(json_t *row)
{
    if (final_state(str(row, "state")))
        return;
    if (ntrack == FOLLOW_TRACK_MAX) /* the oldest is no longer watched */
        memmove(track, track + 1, --ntrack * sizeof *track);
    seen_t *s = &track[ntrack++];
    s->id = num(row, "id");
    s->attempts = num(row, "attempts");
    snprintf(s->state, sizeof s->state, "%s", str(row, "state"));
}

/* A row seen again: printed once more if it changed; forgotten once final. */
static void revisit(json_t *row)
{
    long long id = num(row, "id");
    for (size_t i = 0; i < ntrack; i++) {
        seen_t *s = &track[i];
        if (s->id != id)
            continue;
        const char *state = str(row, "state");
        if (strcmp(s->state, state) != 0 || s->attempts != num(row, "attempts")) {
            print_row(row);
            s->attempts = num(row, "attempts");
            snprintf(s->state, sizeof s->state, "%s", state);
        }
        if (final_state(state))
            memmove(s, s + 1, (--ntrack - i) * sizeof *track);
        return;
    }
}

/* One page of the listing after `after`: 0 with *n rows handed to fn, or the exit code. */
static int page(const char *filters, long long after, long long limit, void (*fn)(json_t *row, long long *last),
                long long *last, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "/admin/v1/deliveries?after=%lld&limit=%lld%s", after, limit, filters);
    json_t *resp = NULL;
    long status = client_call(&conn, "GET", path, NULL, &resp);
    if (status != 200)
        return status < 0 ? 1 : client_fail(status, resp);
    json_t *rows = json_object_get(resp, "deliveries");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) fn(row, last);
    *n = json_array_size(rows);
    json_decref(resp);
    fflush(stdout);
    return 0;
}

static void on_new(json_t *row, long long *last)
{
    print_row(row);
    remember(row);
    *last = num(row, "id");
}

/* Rows from the oldest watched one on: those printed before are revisited, new ones
 * printed. */
static void on_rescan(json_t *row, long long *last)
{
    long long id = num(row, "id");
    if (id > last[1]) {
        on_new(row, &last[1]);
    } else {
        revisit(row);
    }
    last[0] = id;
}

static volatile sig_atomic_t interrupted;
static void on_int(int sig)
{
    (void)sig;
    interrupted = 1;
}

int cmd_events(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("events", NULL), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    int64_t limit = ADMIN_DELIVERIES_LIMIT_DEFAULT, after = 0;
    if (limit_opt && enc_parse_i64(limit_opt, 1, ADMIN_DELIVERIES_LIMIT_MAX, &limit) != 0) {
        fprintf(stderr, "kiln: --limit takes 1 to %d\n", ADMIN_DELIVERIES_LIMIT_MAX);
        return 2;
    }
    if (after_opt && enc_parse_i64(after_opt, 0, INT64_MAX, &after) != 0) {
        fprintf(stderr, "kiln: --after takes a delivery id\n");
        return 2;
    }
    if (site_opt && !site_name_valid(site_opt)) {
        fprintf(stderr, "kiln: invalid site name\n");
        return 2;
    }
    const char *app = app_opt ? app_id_from_ari(app_opt) : NULL;
    if (app_opt && !app) {
        fprintf(stderr, "kiln: --app takes an app id or ARI\n");
        return 2;
    }
    if (state_opt && deliveries_state_of(state_opt) < 0) {
        fprintf(stderr, "kiln: --state takes pending, running, delivered, dead, cancelled or dropped\n");
        return 2;
    }
    char filters[256];
    snprintf(filters, sizeof filters, "%s%s%s%s%s%s", site_opt ? "&site=" : "", site_opt ? site_opt : "",
             app ? "&app=" : "", app ? app : "", state_opt ? "&state=" : "", state_opt ? state_opt : "");
    long long last = after;
    size_t n;
    if ((rc = page(filters, last, limit, on_new, &last, &n)) || !follow)
        return rc;
    signal(SIGINT, on_int);
    while (!interrupted) {
        for (int t = 0; t < 10 && !interrupted; t++)
            usleep(100000);
        /* from the oldest watched delivery (or the last printed) to the end, page by page */
        long long cur[2] = {ntrack ? track[0].id - 1 : last, last};
        do {
            long long from = cur[0];
            if ((rc = page(filters, from, ADMIN_DELIVERIES_LIMIT_MAX, on_rescan, cur, &n)))
                return rc;
        } while (n == ADMIN_DELIVERIES_LIMIT_MAX && !interrupted);
        last = cur[1];
    }
    return 0;
}

/* show and replay: ID as the one positional; 0 with *id, or the exit code. */
static int one_id(const char *verb, int argc, char **argv, int64_t *id)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("events", verb), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : -1;
    if (npos != 1 || enc_parse_i64(pos[0], 1, INT64_MAX, id) != 0) {
        fprintf(stderr, "kiln: events %s takes a delivery id (a positive integer; see kiln events)\n", verb);
        return 2;
    }
    return 0;
}

static int call_one(const char *method, const char *fmt, int64_t id, json_t **out)
{
    char path[96];
    snprintf(path, sizeof path, fmt, (long long)id);
    long status = client_call(&conn, method, path, NULL, out);
    if (status != 200)
        return status < 0 ? 1 : client_fail(status, *out);
    return 0;
}

int cmd_events_show(int argc, char **argv)
{
    int64_t id;
    int rc = one_id("show", argc, argv, &id);
    if (rc)
        return rc < 0 ? 0 : rc;
    json_t *d = NULL;
    if ((rc = call_one("GET", "/admin/v1/deliveries/%lld", id, &d)))
        return rc;
    if (json_out) {
        cli_print_json(d);
    } else {
        static const char *const fields[] = {
            "id",          "state",   "attempts", "site",      "appId",      "installationId",
            "environment", "source",  "module",   "eventType", "eventId",    "jobId",
            "created",     "updated", "due",      "lastError", "retryReason"};
        for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
            json_t *v = json_object_get(d, fields[i]);
            if (json_is_integer(v))
                printf("%-15s %lld\n", fields[i], (long long)json_integer_value(v));
            else
                printf("%-15s %s\n", fields[i], json_is_string(v) ? json_string_value(v) : "-");
        }
        printf("payload:\n");
        cli_print_json(json_object_get(d, "payload"));
        if (!json_is_null(json_object_get(d, "retryData"))) {
            printf("retryData:\n");
            cli_print_json(json_object_get(d, "retryData"));
        }
    }
    json_decref(d);
    return 0;
}

int cmd_events_replay(int argc, char **argv)
{
    int64_t id;
    int rc = one_id("replay", argc, argv, &id);
    if (rc)
        return rc < 0 ? 0 : rc;
    json_t *d = NULL;
    if ((rc = call_one("POST", "/admin/v1/deliveries/%lld/replay", id, &d)))
        return rc;
    if (json_out)
        cli_print_json(d);
    else
        printf("delivery %lld is %s again, due now (kiln events --follow shows its attempts)\n", (long long)id,
               str(d, "state"));
    json_decref(d);
    return 0;
}
