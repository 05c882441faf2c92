/* kiln consent: a site user allows the app (in the current or given directory, or by id)
 * to act as them — what Forge's "Allow access" screen records — or takes it back with
 * --revoke (platform/consent.h). */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/enc.h"
#include "cli/cli.h"
#include "platform/app.h"
#include "platform/consent.h"
#include "platform/site.h"

static cli_conn_t conn;
static int json_out, revoke_opt;
static const char *site_opt, *account_opt, *app_opt;

const cli_opt_t consent_opts[] = {
    {"--site", 1, &site_opt, NULL, "site name (required)"},
    {"--account", 1, &account_opt, NULL, "the consenting user's account id (required)"},
    {"--app", 1, &app_opt, NULL, "the app: its directory, or its id (default: the current directory)"},
    {"--revoke", 0, NULL, &revoke_opt, "take the consent back: asUser() fails for this user again"},
    {"--json", 0, NULL, &json_out, "print JSON"},
    CLI_CONN_OPTS(conn),
    {0}};

int cmd_consent(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("consent", NULL), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (!site_opt || !account_opt) {
        fprintf(stderr, "kiln: usage: kiln consent --site NAME --account ID [--app DIR|ID] [--revoke]\n");
        return 2;
    }
    if (!site_name_valid(site_opt)) {
        fprintf(stderr, "kiln: %.80s is not a site name\n", site_opt);
        return 1;
    }
    if (!consent_account_valid(account_opt)) {
        fprintf(stderr, "kiln: an account id has 1 to %d letters, digits, ':', '_' or '-'\n", CONSENT_ACCOUNT_MAX);
        return 1;
    }
    arena_t *a = arena_new(8u * 1024 * 1024);                    /* the manifest is read into it */
    const char *app = app_opt ? app_id_from_ari(app_opt) : NULL; /* an id, or else a directory */
    if (!app)
        app = cli_app_of_dir(a, app_opt ? app_opt : ".");
    int result = 1;
    if (!app)
        goto out;
    char path[512];
    snprintf(path, sizeof path, "/admin/v1/sites/%s/consents/%s/%s", site_opt, app, account_opt);
    json_t *resp = NULL;
    long status = client_call(&conn, revoke_opt ? "DELETE" : "PUT", path, NULL, &resp);
    if (status != 200) {
        result = status < 0 ? 1 : client_fail(status, resp); /* client_fail frees resp */
        goto out;
    }
    if (json_out)
        cli_print_json(resp);
    else
        printf("%s %s app %s on %s\n", account_opt, revoke_opt ? "revoked access of" : "allowed access for", app,
               site_opt);
    json_decref(resp);
    result = 0;
out:
    arena_free(a);
    return result;
}
