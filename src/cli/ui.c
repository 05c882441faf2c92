/* kiln ui login-url: a one-time sign-in link to the web UI, through the admin API
 * (POST /admin/v1/sites/{name}/login-links; platform/login_link.h). */
#include <stdio.h>

#include "cli/cli.h"
#include "platform/site.h"

static cli_conn_t conn;
static int json_out;
static const char *site_name, *account;

const cli_opt_t ui_login_url_opts[] = {{"--site", 1, &site_name, NULL, "site name (required)"},
                                       {"--account", 1, &account, NULL, "account id (default: the site admin)"},
                                       {"--json", 0, NULL, &json_out, "print JSON"},
                                       CLI_CONN_OPTS(conn),
                                       {0}};

int cmd_ui_login_url(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("ui", "login-url"), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (!site_name) {
        fprintf(stderr, "kiln: ui login-url needs --site NAME\n");
        return 2;
    }
    if (!site_name_valid(site_name)) {
        fprintf(stderr, "kiln: invalid site name (want ^[a-z0-9][a-z0-9-]{0,62}$)\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof path, "/admin/v1/sites/%s/login-links", site_name);
    json_t *resp = NULL;
    long status =
        client_call(&conn, "POST", path, account ? json_pack("{s:s}", "accountId", account) : json_object(), &resp);
    if (status != 201)
        return status < 0 ? 1 : client_fail(status, resp);
    if (json_out)
        cli_print_json(resp);
    else
        printf("%s\n", json_string_value(json_object_get(resp, "url")));
    json_decref(resp);
    return 0;
}
