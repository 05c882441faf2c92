/* kiln invoke: runs a function of the app in the current (or given) directory, installed
 * on a site, and prints what it returned (platform/direct.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "cli/cli.h"
#include "platform/app.h"
#include "platform/consent.h"
#include "platform/direct.h"
#include "platform/uictx.h"

static cli_conn_t conn;
static int json_out;
static const char *site_opt, *env_opt, *app_dir_opt, *payload_opt, *payload_file_opt, *call_opt, *as_opt, *ext_opt;

const cli_opt_t invoke_opts[] = {
    {"--site", 1, &site_opt, NULL, "site name (required)"},
    {"--payload", 1, &payload_opt, NULL, "the payload, as JSON (default {})"},
    {"--payload-file", 1, &payload_file_opt, NULL, "read the payload (JSON) from this file; - is stdin"},
    {"--call", 1, &call_opt, NULL, "for a resolver function: the resolver definition to call"},
    {"--as", 1, &as_opt, NULL, "run for this site user (account id): context.accountId, asUser() once they consented"},
    {"--extension", 1, &ext_opt, NULL, "with --as: the module's context as JSON, e.g. {\"issue\":{\"key\":\"WEB-1\"}}"},
    {"-e", 1, &env_opt, NULL, "environment (default development)"},
    {"--environment", 1, &env_opt, NULL, "same as -e"},
    {"--app", 1, &app_dir_opt, NULL, "the app directory (default: the current one)"},
    {"--json", 0, NULL, &json_out, "print the whole answer as JSON"},
    CLI_CONN_OPTS(conn),
    {0}};

/* The payload from --payload or --payload-file; NULL (after printing why) if unreadable. */
static json_t *load_payload(void)
{
    json_error_t je;
    json_t *p;
    if (payload_opt) {
        p = json_loads(payload_opt, JSON_DECODE_ANY, &je);
    } else if (payload_file_opt) {
        FILE *f = strcmp(payload_file_opt, "-") == 0 ? stdin : fopen(payload_file_opt, "rb");
        if (!f) {
            fprintf(stderr, "kiln: cannot read %s\n", payload_file_opt);
            return NULL;
        }
        char *buf = malloc(KILN_MAX_BODY + 1);
        size_t n = buf ? fread(buf, 1, KILN_MAX_BODY + 1, f) : 0;
        if (f != stdin)
            fclose(f);
        if (!buf || n > KILN_MAX_BODY) {
            free(buf);
            fprintf(stderr, "kiln: the payload is larger than 5 MB\n");
            return NULL;
        }
        p = json_loadb(buf, n, JSON_DECODE_ANY, &je);
        free(buf);
    } else {
        return json_object();
    }
    if (!p)
        fprintf(stderr, "kiln: the payload is not JSON (line %d, column %d: %s)\n", je.line, je.column, je.text);
    return p;
}

int cmd_invoke(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("invoke", NULL), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    const char *env = env_opt ? env_opt : "development";
    if (npos != 1 || !site_opt || !app_env_key_valid(env) || (payload_opt && payload_file_opt)) {
        fprintf(stderr, "kiln: usage: kiln invoke FUNCTION_KEY --site NAME [-e ENV] [--call NAME] "
                        "[--as ACCOUNT_ID [--extension JSON]] [--payload JSON | --payload-file F]\n");
        return 2;
    }
    for (const char *c = pos[0]; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_')) {
            fprintf(stderr, "kiln: a function key has only letters, digits, - and _\n");
            return 2;
        }
    if (ext_opt && !as_opt) {
        fprintf(stderr, "kiln: --extension describes what a user sees: give --as ACCOUNT_ID too\n");
        return 2;
    }
    if (as_opt && !consent_account_valid(as_opt)) {
        fprintf(stderr, "kiln: an account id has 1 to %d letters, digits, ':', '_' or '-'\n", CONSENT_ACCOUNT_MAX);
        return 1;
    }
    json_t *ext = NULL;
    if (ext_opt) {
        json_error_t je;
        if (strlen(ext_opt) > UICTX_EXT_BYTES || !(ext = json_loads(ext_opt, 0, &je)) || !json_is_object(ext)) {
            fprintf(stderr, "kiln: --extension must be a JSON object of at most %d bytes\n", UICTX_EXT_BYTES);
            json_decref(ext);
            return 1;
        }
    }
    json_t *payload = load_payload();
    if (!payload) {
        json_decref(ext);
        return 2;
    }
    arena_t *a = arena_new(8u * 1024 * 1024);
    const char *app = cli_app_of_dir(a, app_dir_opt ? app_dir_opt : ".");
    int result = 1;
    if (!app) {
        json_decref(payload);
        json_decref(ext);
        goto out;
    }
    json_t *body = json_pack("{s:o}", "payload", payload);
    if (call_opt)
        json_object_set_new(body, "call", json_string(call_opt));
    if (as_opt)
        json_object_set_new(body, "as", json_string(as_opt));
    if (ext)
        json_object_set_new(body, "extension", ext);
    char path[1024];
    snprintf(path, sizeof path, "/admin/v1/sites/%s/installations/%s/%s/functions/%s", site_opt, app, env, pos[0]);
    json_t *resp = NULL;
    client_timeout_s = DIRECT_MAX_TIMEOUT_MS / 1000 + 60; /* the server answers by the function's time limit */
    long status = client_call(&conn, "POST", path, body, &resp);
    if (status != 200) {
        result = status < 0 ? 1 : client_fail(status, resp);
        goto out;
    }
    int ok = json_is_true(json_object_get(resp, "ok"));
    if (json_out) {
        cli_print_json(resp);
    } else if (ok) {
        cli_print_json(json_object_get(resp, "value"));
    } else {
        json_t *e = json_object_get(resp, "error");
        fprintf(stderr, "kiln: the function failed: %s: %s\n", json_string_value(json_object_get(e, "name")),
                json_string_value(json_object_get(e, "message")));
    }
    json_decref(resp);
    result = ok ? 0 : 1;
out:
    arena_free(a);
    return result;
}
