/* kiln ui login-url: a one-time sign-in link to the web UI, through the admin API
 * (POST /admin/v1/sites/{name}/login-links; platform/login_link.h). */
#include "cli/cli.h"

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
    return cli_site_issue(&conn, "ui login-url", site_name, account, "login-links", "url", json_out);
}
