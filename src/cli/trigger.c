/* kiln trigger run, kiln trigger list: scheduled triggers of an installed app
 * (platform/schedule.h): run one now and wait for its outcome, or list a site's
 * schedules with their next runs. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/arena.h"
#include "cli/cli.h"
#include "platform/app.h"

#define RUN_WAIT_S 960 /* the longest a run may take (900 s) and a margin to start it */

static cli_conn_t conn;
static int json_out;
static const char *site_opt, *env_opt, *app_opt;

const cli_opt_t trigger_run_opts[] = {
    {"--site", 1, &site_opt, NULL, "site name (required)"},
    {"-e", 1, &env_opt, NULL, "environment (default development)"},
    {"--environment", 1, &env_opt, NULL, "same as -e"},
    {"--app", 1, &app_opt, NULL, "the app directory or the app id (default: the current directory)"},
    {"--json", 0, NULL, &json_out, "print the run's outcome as JSON"},
    CLI_CONN_OPTS(conn),
    {0}};

const cli_opt_t trigger_list_opts[] = {{"--site", 1, &site_opt, NULL, "site name (required)"},
                                       {"--json", 0, NULL, &json_out, "print the schedules as JSON"},
                                       CLI_CONN_OPTS(conn),
                                       {0}};

/* --app: a directory with a manifest, else an app id (UUID or app ARI). */
static const char *app_of(arena_t *a)
{
    struct stat sb;
    const char *v = app_opt ? app_opt : ".";
    if (stat(v, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cli_app_of_dir(a, v);
    const char *id = app_id_from_ari(v);
    if (!id)
        fprintf(stderr, "kiln: --app is neither a directory nor an app id: %s\n", v);
    return id;
}

static int key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 255)
        return 0;
    for (const char *c = k; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_'))
            return 0;
    return 1;
}

int cmd_trigger_run(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("trigger", "run"), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    const char *env = env_opt ? env_opt : "development";
    if (npos != 1 || !site_opt || !app_env_key_valid(env)) {
        fprintf(stderr, "kiln: usage: kiln trigger run MODULE_KEY --site NAME [--app DIR|ID] [-e ENV] [--json]\n");
        return 2;
    }
    if (!key_valid(pos[0])) {
        fprintf(stderr, "kiln: a module key has 1 to 255 letters, digits, - and _\n");
        return 2;
    }
    arena_t *a = arena_new(8u * 1024 * 1024);
    json_t *resp = NULL;
    int result = 1;
    const char *app = app_of(a);
    if (!app)
        goto out;
    char path[1024];
    snprintf(path, sizeof path, "/admin/v1/sites/%s/installations/%s/%s/scheduledTriggers/%s/run", site_opt, app, env,
             pos[0]);
    long status = client_call(&conn, "POST", path, json_object(), &resp);
    if (status != 202) {
        result = status < 0 ? 1 : client_fail(status, resp); /* which frees resp */
        resp = NULL;
        goto out;
    }
    long long id = (long long)json_integer_value(json_object_get(resp, "deliveryId"));
    json_decref(resp);
    resp = NULL;
    snprintf(path, sizeof path, "/admin/v1/scheduler/runs/%lld", id);
    struct timespec nap = {0, 100 * 1000 * 1000};
    for (long waited = 0;; waited++) {
        status = client_call(&conn, "GET", path, NULL, &resp);
        if (status != 200) {
            result = status < 0 ? 1 : client_fail(status, resp);
            resp = NULL;
            goto out;
        }
        const char *state = json_string_value(json_object_get(resp, "state"));
        if (state && strcmp(state, "pending") != 0 && strcmp(state, "running") != 0)
            break;
        if (waited > RUN_WAIT_S * 10L) {
            fprintf(stderr, "kiln: run %lld has not finished after %d s (state %s)\n", id, RUN_WAIT_S,
                    state ? state : "?");
            goto out;
        }
        json_decref(resp);
        resp = NULL;
        nanosleep(&nap, NULL); /* a client waiting on a server: nothing to wake it */
    }
    const char *state = json_string_value(json_object_get(resp, "state"));
    result = strcmp(state, "delivered") == 0 ? 0 : 1;
    if (json_out) {
        cli_print_json(resp);
    } else if (result == 0) {
        printf("%s ran on %s (run %lld)\n", pos[0], site_opt, id);
    } else {
        const char *err = json_string_value(json_object_get(resp, "error"));
        fprintf(stderr, "kiln: %s failed on %s (run %lld, %s): %s\n", pos[0], site_opt, id, state,
                err ? err : "no reason recorded");
    }
out:
    json_decref(resp);
    arena_free(a);
    return result;
}

int cmd_trigger_list(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("trigger", "list"), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (!site_opt) {
        fprintf(stderr, "kiln: usage: kiln trigger list --site NAME [--json]\n");
        return 2;
    }
    char path[512];
    snprintf(path, sizeof path, "/admin/v1/scheduler?site=%s", site_opt);
    json_t *resp = NULL;
    long status = client_call(&conn, "GET", path, NULL, &resp);
    if (status != 200) {
        if (status < 0) {
            json_decref(resp);
            return 1;
        }
        return client_fail(status, resp); /* which frees resp */
    }
    if (json_out) {
        cli_print_json(resp);
    } else {
        size_t i;
        json_t *s;
        printf("%-36s  %-12s  %-10s  %-24s  %s\n", "APP", "ENVIRONMENT", "INTERVAL", "NEXT RUN", "MODULE");
        json_array_foreach(json_object_get(resp, "schedules"), i, s)
        {
            printf("%-36s  %-12s  %-10s  %-24s  %s\n", json_string_value(json_object_get(s, "appId")),
                   json_string_value(json_object_get(s, "environment")),
                   json_string_value(json_object_get(s, "interval")), json_string_value(json_object_get(s, "nextRun")),
                   json_string_value(json_object_get(s, "moduleKey")));
        }
    }
    json_decref(resp);
    return 0;
}
