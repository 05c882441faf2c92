/* kiln site create | list, kiln user token: through the admin API; cli_site_issue, what
 * user token and ui login-url share. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "platform/site.h"

static cli_conn_t conn;
static int demo, json_out;
static const char *site_name, *account;

const cli_opt_t site_create_opts[] = {
    {"--demo", 0, NULL, &demo, "fill the site with demo users, projects, issues, boards and sprints"},
    {"--json", 0, NULL, &json_out, "print JSON"},
    CLI_CONN_OPTS(conn),
    {0}};
const cli_opt_t site_list_opts[] = {{"--json", 0, NULL, &json_out, "print JSON"}, CLI_CONN_OPTS(conn), {0}};
const cli_opt_t user_token_opts[] = {{"--site", 1, &site_name, NULL, "site name (required)"},
                                     {"--account", 1, &account, NULL, "account id (default: the site admin)"},
                                     {"--json", 0, NULL, &json_out, "print JSON"},
                                     CLI_CONN_OPTS(conn),
                                     {0}};

static void print_site(json_t *s)
{
    printf("%-20s %s\n  url:   %s\n  admin: %s\n", json_string_value(json_object_get(s, "name")),
           json_string_value(json_object_get(s, "cloudId")), json_string_value(json_object_get(s, "url")),
           json_string_value(json_object_get(s, "adminAccountId")));
}

int cmd_site_create(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("site", "create"), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (npos != 1) {
        fprintf(stderr, "kiln: site create needs a NAME (see kiln site create --help)\n");
        return 2;
    }
    json_t *resp = NULL;
    long status =
        client_call(&conn, "POST", "/admin/v1/sites", json_pack("{s:s,s:b}", "name", pos[0], "demo", demo), &resp);
    if (status != 201)
        return status < 0 ? 1 : client_fail(status, resp);
    if (json_out)
        cli_print_json(resp);
    else
        print_site(resp);
    json_decref(resp);
    return 0;
}

int cmd_site_list(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("site", "list"), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    json_t *resp = NULL;
    long status = client_call(&conn, "GET", "/admin/v1/sites", NULL, &resp);
    if (status != 200)
        return status < 0 ? 1 : client_fail(status, resp);
    if (json_out) {
        cli_print_json(resp);
    } else {
        size_t i;
        json_t *s;
        json_t *sites = json_object_get(resp, "sites");
        if (json_array_size(sites) == 0)
            printf("no sites (create one with: kiln site create NAME --demo)\n");
        json_array_foreach(sites, i, s) print_site(s);
    }
    json_decref(resp);
    return 0;
}

int cli_site_issue(const cli_conn_t *c, const char *cmd, const char *site, const char *account_id, const char *what,
                   const char *field, int json)
{
    if (!site) {
        fprintf(stderr, "kiln: %s needs --site NAME\n", cmd);
        return 2;
    }
    if (!site_name_valid(site)) {
        fprintf(stderr, "kiln: invalid site name (want ^[a-z0-9][a-z0-9-]{0,62}$)\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof path, "/admin/v1/sites/%s/%s", site, what);
    json_t *resp = NULL;
    long status =
        client_call(c, "POST", path, account_id ? json_pack("{s:s}", "accountId", account_id) : json_object(), &resp);
    if (status != 201)
        return status < 0 ? 1 : client_fail(status, resp);
    if (json)
        cli_print_json(resp);
    else
        printf("%s\n", json_string_value(json_object_get(resp, field)));
    json_decref(resp);
    return 0;
}

int cmd_user_token(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("user", "token"), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    return cli_site_issue(&conn, "user token", site_name, account, "tokens", "token", json_out);
}
