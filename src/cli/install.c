/* kiln install [--upgrade] | install list | uninstall | purge: installations of the app in
 * the current (or given) directory on kiln's sites. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "platform/app.h"
#include "platform/manifest.h"
#include "platform/site.h"

static cli_conn_t conn;
static int json_out, upgrade, confirm;
static const char *site_opt, *env_opt, *account_opt, *app_dir_opt, *now_opt;

#define COMMON                                                                                                         \
    {"-e", 1, &env_opt, NULL, "environment (default development)"},                                                    \
        {"--environment", 1, &env_opt, NULL, "same as -e"},                                                            \
        {"--app", 1, &app_dir_opt, NULL, "the app directory (default: the current one)"},                              \
        {"--json", 0, NULL, &json_out, "print JSON"}, CLI_CONN_OPTS(conn)

const cli_opt_t install_opts[] = {
    {"--site", 1, &site_opt, NULL, "site name (required, except for `install list`)"},
    {"--upgrade", 0, NULL, &upgrade, "consent to the newest major version of an installed app"},
    {"--confirm-scopes", 0, NULL, &confirm, "consent to the scopes without asking"},
    {"--account", 1, &account_opt, NULL, "installing user's account id (default: the site admin)"},
    COMMON,
    {0}};
const cli_opt_t uninstall_opts[] = {{"--site", 1, &site_opt, NULL, "site name (required)"}, COMMON, {0}};
const cli_opt_t webtrigger_opts[] = {{"--site", 1, &site_opt, NULL, "site name (required)"}, COMMON, {0}};
const cli_opt_t purge_opts[] = {
    {"--now", 1, &now_opt, NULL, "purge as if it were this time (milliseconds since the epoch); for tests"},
    {"--json", 0, NULL, &json_out, "print JSON"},
    CLI_CONN_OPTS(conn),
    {0}};

static void print_install(json_t *in)
{
    printf("%-12s %-20s %-10s %-8s %s\n", json_string_value(json_object_get(in, "site")),
           json_string_value(json_object_get(in, "environment")),
           json_is_string(json_object_get(in, "version")) ? json_string_value(json_object_get(in, "version")) : "-",
           json_string_value(json_object_get(in, "state")), json_string_value(json_object_get(in, "installationId")));
}

/* Shows what the site consents to, and asks unless --confirm-scopes. 0 to go on. */
static int consent(const char *app, const char *env)
{
    if (confirm)
        return 0;
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr, "kiln: installing grants the app its scopes; rerun with --confirm-scopes to consent\n");
        return -1;
    }
    char path[256];
    snprintf(path, sizeof path, "/admin/v1/apps/%s/environments/%s/versions", app, env);
    json_t *resp = NULL;
    long status = client_call(&conn, "GET", path, NULL, &resp);
    json_t *vs = json_object_get(resp, "versions");
    json_t *scopes = json_object_get(json_array_get(vs, json_array_size(vs) - 1), "scopes");
    printf("The app will be able to act on the site with these scopes:\n");
    size_t i;
    json_t *sc;
    json_array_foreach(scopes, i, sc) printf("  %s\n", json_string_value(sc));
    json_decref(resp);
    if (status != 200)
        return -1;
    printf("Consent? [y/N] ");
    fflush(stdout);
    char line[16];
    return fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y') ? 0 : -1;
}

int cmd_install(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("install", NULL), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    arena_t *a = arena_new(8u * 1024 * 1024);
    const char *env = env_opt ? env_opt : "development";
    int result = 1;
    json_t *resp = NULL;
    if (npos == 1 && strcmp(pos[0], "list") == 0) {
        const char *app = access(app_dir_opt ? app_dir_opt : "manifest.yml", F_OK) == 0
                              ? cli_app_of_dir(a, app_dir_opt ? app_dir_opt : ".")
                              : NULL;
        char path[256];
        snprintf(path, sizeof path, "/admin/v1/installations%s%s", app ? "?appId=" : "", app ? app : "");
        long status = client_call(&conn, "GET", path, NULL, &resp);
        if (status != 200) {
            result = status < 0 ? 1 : client_fail(status, resp);
            goto out;
        }
        if (json_out) {
            cli_print_json(resp);
        } else {
            size_t i;
            json_t *in;
            printf("%-12s %-20s %-10s %-8s %s\n", "site", "environment", "version", "state", "installationId");
            json_array_foreach(json_object_get(resp, "installations"), i, in) print_install(in);
        }
        json_decref(resp);
        result = 0;
        goto out;
    }
    if (npos) {
        fprintf(stderr, "kiln: unexpected argument '%s'\n", pos[0]);
        result = 2;
        goto out;
    }
    if (!site_opt || !app_env_key_valid(env)) {
        fprintf(stderr, site_opt ? "kiln: invalid environment\n" : "kiln: install needs --site NAME\n");
        result = 2;
        goto out;
    }
    const char *app = cli_app_of_dir(a, app_dir_opt ? app_dir_opt : ".");
    if (!app)
        goto out;
    if (consent(app, env) != 0) {
        result = 2;
        goto out;
    }
    json_t *body = json_pack("{s:s,s:s,s:b}", "appId", app, "environment", env, "upgrade", upgrade);
    if (account_opt)
        json_object_set_new(body, "accountId", json_string(account_opt));
    char path[256];
    snprintf(path, sizeof path, "/admin/v1/sites/%s/installations", site_opt);
    long status = client_call(&conn, "POST", path, body, &resp);
    if (status != (upgrade ? 200 : 201)) {
        result = status < 0 ? 1 : client_fail(status, resp);
        goto out;
    }
    if (json_out)
        cli_print_json(resp);
    else
        printf("%s %s version %s on %s (installation %s)\n", upgrade ? "Upgraded to" : "Installed",
               json_string_value(json_object_get(resp, "appId")), json_string_value(json_object_get(resp, "version")),
               site_opt, json_string_value(json_object_get(resp, "installationId")));
    json_decref(resp);
    result = 0;
out:
    arena_free(a);
    return result;
}

int cmd_uninstall(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("uninstall", NULL), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    const char *env = env_opt ? env_opt : "development";
    if (!site_opt || !app_env_key_valid(env)) {
        fprintf(stderr, site_opt ? "kiln: invalid environment\n" : "kiln: uninstall needs --site NAME\n");
        return 2;
    }
    arena_t *a = arena_new(8u * 1024 * 1024);
    const char *app = cli_app_of_dir(a, app_dir_opt ? app_dir_opt : ".");
    int result = 1;
    if (app) {
        char path[256];
        snprintf(path, sizeof path, "/admin/v1/sites/%s/installations/%s/%s", site_opt, app, env);
        json_t *resp = NULL;
        long status = client_call(&conn, "DELETE", path, NULL, &resp);
        if (status != 200) {
            result = status < 0 ? 1 : client_fail(status, resp);
        } else {
            if (json_out)
                cli_print_json(resp);
            else
                printf("Uninstalled from %s; its data is kept until %s\n", site_opt,
                       json_string_value(json_object_get(resp, "purgeAfter")));
            json_decref(resp);
            result = 0;
        }
    }
    arena_free(a);
    return result;
}

int cmd_purge(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("purge", NULL), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    json_t *body = NULL;
    if (now_opt) {
        char *end;
        long long now = strtoll(now_opt, &end, 10);
        if (!*now_opt || *end || now < 0) {
            fprintf(stderr, "kiln: --now takes milliseconds since the epoch\n");
            return 2;
        }
        body = json_pack("{s:I}", "now", (json_int_t)now);
    }
    json_t *resp = NULL;
    long status = client_call(&conn, "POST", "/admin/v1/maintenance/purge", body, &resp);
    if (status != 200)
        return status < 0 ? 1 : client_fail(status, resp);
    if (json_out)
        cli_print_json(resp);
    else
        printf("purged %lld installation(s)\n", json_integer_value(json_object_get(resp, "purged")));
    json_decref(resp);
    return 0;
}

int cmd_webtrigger(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("webtrigger", NULL), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    const char *env = env_opt ? env_opt : "development";
    if (npos != 1 || !site_opt || !app_env_key_valid(env)) {
        fprintf(stderr, "kiln: usage: kiln webtrigger MODULE_KEY --site NAME [-e ENV]\n");
        return 2;
    }
    for (const char *c = pos[0]; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_')) {
            fprintf(stderr, "kiln: a module key has only letters, digits, - and _\n");
            return 2;
        }
    arena_t *a = arena_new(8u * 1024 * 1024);
    const char *app = cli_app_of_dir(a, app_dir_opt ? app_dir_opt : ".");
    int result = 1;
    if (app) {
        char path[512];
        snprintf(path, sizeof path, "/admin/v1/sites/%s/installations/%s/%s/webtriggers/%s", site_opt, app, env,
                 pos[0]);
        json_t *resp = NULL;
        long status = client_call(&conn, "GET", path, NULL, &resp);
        if (status != 200) {
            result = status < 0 ? 1 : client_fail(status, resp);
        } else {
            if (json_out)
                cli_print_json(resp);
            else
                printf("%s\n", json_string_value(json_object_get(resp, "url")));
            json_decref(resp);
            result = 0;
        }
    }
    arena_free(a);
    return result;
}
