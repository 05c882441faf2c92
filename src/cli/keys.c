/* kiln keys rotate: a new key signs the invocation JWTs (FITs) kiln sends to remotes; the
 * retired one stays published at /.well-known/jwks.json until its tokens have expired
 * (auth/signkeys.h). Recorded in the audit log as key.rotate. */
#include <stdio.h>

#include "cli/cli.h"

static cli_conn_t conn;
static int json_out;

const cli_opt_t keys_rotate_opts[] = {{"--json", 0, NULL, &json_out, "print JSON"}, CLI_CONN_OPTS(conn), {0}};

int cmd_keys_rotate(int argc, char **argv)
{
    int npos, rc = cli_parse(cli_find("keys", "rotate"), argc, argv, NULL, 0, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    json_t *resp = NULL;
    long status = client_call(&conn, "POST", "/admin/v1/keys/rotate", NULL, &resp);
    if (status != 200)
        return status < 0 ? 1 : client_fail(status, resp);
    if (json_out) {
        cli_print_json(resp);
    } else {
        const char *old = json_string_value(json_object_get(resp, "retiredKid"));
        printf("invocation tokens are now signed with key %s\n", json_string_value(json_object_get(resp, "kid")));
        if (old)
            printf("key %s stays published in /.well-known/jwks.json until its tokens have expired\n", old);
    }
    json_decref(resp);
    return 0;
}
